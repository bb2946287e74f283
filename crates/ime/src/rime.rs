//! librime through a thin FFI of our own, opened with `dlopen`.
//!
//! Why not the `rime-api`/`librime-sys` crates: they generate bindings with bindgen (libclang
//! at build time) and link librime, so a kiosk image without it would not even start. We need
//! a dozen calls; librime versions its structs by `data_size`, which we check before calling.
//!
//! librime keeps process-wide state: one setup per process, with one pair of directories.
//! Dictionaries are deployed by [`deploy`] (at setup, image build or provisioning, never while a
//! citizen waits); [`Rime::open`] refuses to start a deployment itself.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::ImeError;
use crate::pinyin::{Key, Pinyin};

/// The schema: 袖珍简化字拼音 (Debian's `rime-data-pinyin-simp`): simplified characters straight
/// from its own dictionary (1.5 MB table), no conversion step.
pub const SCHEMA: &str = "pinyin_simp";
const PACKAGE: &str = "rime-data-pinyin-simp";
/// The Debian package with the shared settings every schema imports (`default.yaml`).
const PRESETS_PACKAGE: &str = "rime-prelude";

type SessionId = usize;
type Bool = c_int;
type P = *const c_void;

#[repr(C)]
struct Traits {
    data_size: c_int,
    shared_data_dir: *const c_char,
    user_data_dir: *const c_char,
    distribution_name: *const c_char,
    distribution_code_name: *const c_char,
    distribution_version: *const c_char,
    app_name: *const c_char,
    modules: *const *const c_char,
    min_log_level: c_int,
    log_dir: *const c_char,
    prebuilt_data_dir: *const c_char,
    staging_dir: *const c_char,
}

#[repr(C)]
struct Composition {
    length: c_int,
    cursor_pos: c_int,
    sel_start: c_int,
    sel_end: c_int,
    preedit: *mut c_char,
}

#[repr(C)]
struct Candidate {
    text: *mut c_char,
    comment: *mut c_char,
    reserved: *mut c_void,
}

#[repr(C)]
struct Menu {
    page_size: c_int,
    page_no: c_int,
    is_last_page: Bool,
    highlighted_candidate_index: c_int,
    num_candidates: c_int,
    candidates: *mut Candidate,
    select_keys: *mut c_char,
}

#[repr(C)]
struct Context {
    data_size: c_int,
    composition: Composition,
    menu: Menu,
    commit_text_preview: *mut c_char,
    select_labels: *mut *mut c_char,
}

#[repr(C)]
struct Commit {
    data_size: c_int,
    text: *mut c_char,
}

#[repr(C)]
struct CandidateIter {
    ptr: *mut c_void,
    index: c_int,
    candidate: Candidate,
}

/// `RimeApi` from rime_api.h (librime 1.8), up to the last member we call. Members we do not
/// call are kept as opaque pointers so the offsets stay right.
#[repr(C)]
struct Api {
    data_size: c_int,
    setup: Option<unsafe extern "C" fn(*mut Traits)>,
    _set_notification_handler: P,
    initialize: Option<unsafe extern "C" fn(*mut Traits)>,
    _finalize: P,
    start_maintenance: Option<unsafe extern "C" fn(Bool) -> Bool>,
    _is_maintenance_mode: P,
    join_maintenance_thread: Option<unsafe extern "C" fn()>,
    _deployer_to_sync: [P; 6],
    create_session: Option<unsafe extern "C" fn() -> SessionId>,
    _find_session: P,
    destroy_session: Option<unsafe extern "C" fn(SessionId) -> Bool>,
    _cleanup: [P; 2],
    process_key: Option<unsafe extern "C" fn(SessionId, c_int, c_int) -> Bool>,
    _commit_composition: P,
    clear_composition: Option<unsafe extern "C" fn(SessionId)>,
    get_commit: Option<unsafe extern "C" fn(SessionId, *mut Commit) -> Bool>,
    free_commit: Option<unsafe extern "C" fn(*mut Commit) -> Bool>,
    get_context: Option<unsafe extern "C" fn(SessionId, *mut Context) -> Bool>,
    free_context: Option<unsafe extern "C" fn(*mut Context) -> Bool>,
    _status_to_current_schema: [P; 9],
    select_schema: Option<unsafe extern "C" fn(SessionId, *const c_char) -> Bool>,
    _schema_open_to_config_end: [P; 12],
    _simulate_key_sequence: P,
    _register_module_to_config_begin_list: [P; 21],
    _get_input: P,
    _get_caret_pos: P,
    select_candidate: Option<unsafe extern "C" fn(SessionId, usize) -> Bool>,
    get_version: Option<unsafe extern "C" fn() -> *const c_char>,
    _set_caret_pos: P,
    _select_candidate_on_current_page: P,
    candidate_list_begin: Option<unsafe extern "C" fn(SessionId, *mut CandidateIter) -> Bool>,
    candidate_list_next: Option<unsafe extern "C" fn(*mut CandidateIter) -> Bool>,
    candidate_list_end: Option<unsafe extern "C" fn(*mut CandidateIter)>,
}

// SAFETY: the API table is a static of librime's, never written after `rime_get_api` returns.
unsafe impl Sync for Api {}
unsafe impl Send for Api {}

fn missing(detail: impl Into<String>) -> ImeError {
    ImeError::LibraryMissing {
        library: "librime",
        package: "librime1",
        detail: detail.into(),
    }
}

/// librime's API table, loaded once per process.
fn api() -> Result<&'static Api, ImeError> {
    static API: OnceLock<Result<&'static Api, String>> = OnceLock::new();
    API.get_or_init(|| {
        // SAFETY: loading librime runs its static constructors, which only register modules.
        let lib = unsafe { libloading::Library::new("librime.so.1") }.map_err(|e| e.to_string())?;
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        // SAFETY: `rime_get_api` has this signature in every librime since 1.0.
        let get: libloading::Symbol<unsafe extern "C" fn() -> *const Api> =
            unsafe { lib.get(b"rime_get_api\0") }.map_err(|e| e.to_string())?;
        // SAFETY: returns a pointer to a static table, or null.
        let api = unsafe { get().as_ref() }.ok_or("rime_get_api returned nothing")?;
        // The table says how much of it exists; everything we call must be inside.
        let needed = std::mem::offset_of!(Api, candidate_list_end);
        if (std::mem::size_of::<c_int>() + api.data_size.max(0) as usize) <= needed {
            return Err(format!(
                "librime is too old (API table of {} bytes): 1.8 or later is needed",
                api.data_size
            ));
        }
        Ok(api)
    })
    .as_ref()
    .map(|a| *a)
    .map_err(|e| missing(e.clone()))
}

fn call<T>(f: Option<T>, name: &str) -> Result<T, ImeError> {
    f.ok_or_else(|| ImeError::Engine(format!("librime lacks {name}")))
}

/// Where librime reads the shared data (Debian's packages) and keeps the deployed build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub shared: PathBuf,
    pub user: PathBuf,
}

impl Dirs {
    /// Shared data from `ONEVISIT_RIME_SHARED` or `/usr/share/rime-data`; the deployed build in
    /// `user` (the kiosk's data directory's `rime/`).
    pub fn new(user: PathBuf) -> Self {
        let shared = std::env::var_os("ONEVISIT_RIME_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/share/rime-data"));
        Dirs { shared, user }
    }

    fn schema_source(&self) -> PathBuf {
        self.shared.join(format!("{SCHEMA}.schema.yaml"))
    }

    fn deployed_schema(&self) -> PathBuf {
        self.user
            .join("build")
            .join(format!("{SCHEMA}.schema.yaml"))
    }

    /// True once [`deploy`] has run for these directories.
    pub fn is_deployed(&self) -> bool {
        self.deployed_schema().is_file()
            && self.user.join(CUSTOM_SCHEMA).is_file()
            && std::fs::read_to_string(self.user.join(PLACES_STAMP)).ok()
                == Some(places_stamp(&self.county()))
    }

    /// The county the kiosk put here from its catalog (its division code, its own words);
    /// deployed with the country's place names.
    pub fn county(&self) -> crate::places::County {
        let text = std::fs::read_to_string(self.user.join(COUNTY_WORDS)).unwrap_or_default();
        let mut lines = text.lines().map(str::trim);
        let code = lines
            .next()
            .and_then(|l| l.strip_prefix("code="))
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        crate::places::County {
            code,
            words: lines.filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        }
    }

    /// Keeps the county for the next deploy; true when it changed (the dictionaries then need
    /// deploying again: [`Dirs::is_deployed`] says no).
    pub fn set_county(&self, county: &crate::places::County) -> Result<bool, ImeError> {
        if &self.county() == county {
            return Ok(false);
        }
        std::fs::create_dir_all(&self.user).map_err(|source| ImeError::Io {
            path: self.user.clone(),
            source,
        })?;
        let path = self.user.join(COUNTY_WORDS);
        let text = format!(
            "code={}\n{}",
            county.code.as_deref().unwrap_or(""),
            county.words.join("\n")
        );
        std::fs::write(&path, text).map_err(|source| ImeError::Io { path, source })?;
        Ok(true)
    }
}

/// The county: `code=NNNNNN`, then its words one per line (written from the catalog).
const COUNTY_WORDS: &str = "county.txt";
/// What the deployed place dictionary was made from, to know when to make it again.
const PLACES_STAMP: &str = "onevisit_places.stamp";
/// The dictionary the schema's translator uses: librime's own, and the places.
const DICT: &str = "onevisit";

fn places_stamp(county: &crate::places::County) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    crate::places::DIVISIONS.hash(&mut h);
    crate::rare::RARE_CHARS.hash(&mut h);
    county.code.hash(&mut h);
    county.words.hash(&mut h);
    format!("{:016x}", h.finish())
}

const CUSTOM_DEFAULT: &str = "default.custom.yaml";
const CUSTOM_SCHEMA: &str = "pinyin_simp.custom.yaml";

/// The kiosk's settings, written beside the deployed build. Learning is off: librime's user
/// dictionary would otherwise remember what citizens typed (names, addresses) across sessions.
fn custom_files() -> [(&'static str, String); 2] {
    [
        (
            CUSTOM_DEFAULT,
            format!(
                "# Written by `onevisit input deploy`.\npatch:\n  schema_list:\n    - schema: {SCHEMA}\n  menu/page_size: 9\n"
            ),
        ),
        (
            CUSTOM_SCHEMA,
            format!(
                "# Written by `onevisit input deploy`. Nothing typed at a kiosk is learned or kept.\npatch:\n  translator/enable_user_dict: false\n  translator/enable_sentence: true\n  translator/dictionary: {DICT}\n  translator/prism: {DICT}\n"
            ),
        ),
    ]
}

fn cstr(p: &Path) -> Result<CString, ImeError> {
    CString::new(p.as_os_str().as_encoded_bytes())
        .map_err(|_| ImeError::Engine(format!("{}: path contains a NUL byte", p.display())))
}

/// The modules to load, as a NULL-terminated C array that lives for the whole process.
fn modules() -> *const *const c_char {
    struct Names([*const c_char; 5]);
    // SAFETY: pointers to static C string literals, never written.
    unsafe impl Sync for Names {}
    static NAMES: Names = Names([
        c"core".as_ptr(),
        c"dict".as_ptr(),
        c"gears".as_ptr(),
        c"levers".as_ptr(),
        std::ptr::null(),
    ]);
    NAMES.0.as_ptr()
}

/// Sets librime up for `dirs` (once per process; later calls must name the same directories).
fn start(dirs: &Dirs) -> Result<&'static Api, ImeError> {
    static STARTED: Mutex<Option<Dirs>> = Mutex::new(None);
    let api = api()?;
    let mut started = STARTED
        .lock()
        .map_err(|_| ImeError::Engine("librime start-up failed earlier".into()))?;
    if let Some(d) = started.as_ref() {
        return if d == dirs {
            Ok(api)
        } else {
            Err(ImeError::Engine(format!(
                "librime is already running with {}; one process serves one data directory",
                d.user.display()
            )))
        };
    }
    // librime keeps pointers to some of these for the life of the process: leak them.
    let leak = |s: CString| -> *const c_char { Box::leak(s.into_boxed_c_str()).as_ptr() };
    let text = |s: &str| CString::new(s).map_err(|_| ImeError::Engine("NUL in a name".into()));
    let mut traits = Traits {
        data_size: (std::mem::size_of::<Traits>() - std::mem::size_of::<c_int>()) as c_int,
        shared_data_dir: leak(cstr(&dirs.shared)?),
        user_data_dir: leak(cstr(&dirs.user)?),
        distribution_name: leak(text("OneVisit")?),
        distribution_code_name: leak(text("onevisit")?),
        distribution_version: leak(text(env!("CARGO_PKG_VERSION"))?),
        app_name: leak(text("rime.onevisit")?),
        // librime's own modules only: Debian also installs plugins (Lua, charcode, octagram)
        // that the schema does not use and that cost 1–3 MB each once loaded.
        modules: modules(),
        // FATAL only: nothing a citizen types can reach a log.
        min_log_level: 3,
        log_dir: leak(cstr(&dirs.user)?),
        prebuilt_data_dir: std::ptr::null(),
        staging_dir: std::ptr::null(),
    };
    // SAFETY: `traits` is a valid, fully initialised RimeTraits whose strings outlive librime.
    unsafe {
        call(api.setup, "setup")?(&mut traits);
        call(api.initialize, "initialize")?(&mut traits);
    }
    *started = Some(dirs.clone());
    Ok(api)
}

/// What [`deploy`] did.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub dir: PathBuf,
    pub version: String,
}

/// Compiles the dictionaries into `dirs.user` (seconds; at setup, image build or provisioning).
pub fn deploy(dirs: &Dirs) -> Result<Deployed, ImeError> {
    if !dirs.schema_source().is_file() {
        return Err(ImeError::DataMissing {
            what: "the pinyin schema",
            path: dirs.schema_source(),
            package: PACKAGE,
        });
    }
    // Every schema imports presets from default.yaml (key bindings, punctuation, symbols);
    // without it librime builds nothing and says only that the schema is missing.
    let presets = dirs.shared.join("default.yaml");
    if !presets.is_file() {
        return Err(ImeError::DataMissing {
            what: "librime's shared settings (default.yaml)",
            path: presets,
            package: PRESETS_PACKAGE,
        });
    }
    std::fs::create_dir_all(&dirs.user).map_err(|source| ImeError::Io {
        path: dirs.user.clone(),
        source,
    })?;
    for (name, text) in custom_files() {
        let path = dirs.user.join(name);
        std::fs::write(&path, text).map_err(|source| ImeError::Io { path, source })?;
    }
    // The country's place names and the county's words, spelled from librime's own readings,
    // in a dictionary the schema's translator imports beside librime's.
    let source = dirs.shared.join(format!("{SCHEMA}.dict.yaml"));
    let base = std::fs::read_to_string(&source).map_err(|_| ImeError::DataMissing {
        what: "the pinyin dictionary",
        path: source.clone(),
        package: PACKAGE,
    })?;
    let county = dirs.county();
    let files = [
        (
            format!("{}.dict.yaml", crate::places::PLACES_DICT),
            crate::places::dictionary(&base, &county),
        ),
        (
            format!("{DICT}.dict.yaml"),
            format!(
                "# Written by `onevisit input deploy`.\n---\nname: {DICT}\nversion: \"1\"\nsort: by_weight\nimport_tables:\n  - {SCHEMA}\n  - {}\n...\n",
                crate::places::PLACES_DICT
            ),
        ),
    ];
    for (name, text) in files {
        let path = dirs.user.join(name);
        std::fs::write(&path, text).map_err(|source| ImeError::Io { path, source })?;
    }
    let api = start(dirs)?;
    // SAFETY: plain calls into the started library.
    unsafe {
        if call(api.start_maintenance, "start_maintenance")?(1) != 0 {
            call(api.join_maintenance_thread, "join_maintenance_thread")?();
        }
    }
    if !dirs.deployed_schema().is_file() {
        return Err(ImeError::Engine(format!(
            "librime did not build {} (is {} complete?)",
            dirs.deployed_schema().display(),
            dirs.shared.display()
        )));
    }
    let stamp = dirs.user.join(PLACES_STAMP);
    std::fs::write(&stamp, places_stamp(&county)).map_err(|source| ImeError::Io {
        path: stamp,
        source,
    })?;
    Ok(Deployed {
        dir: dirs.user.clone(),
        version: version(api),
    })
}

fn version(api: &Api) -> String {
    api.get_version
        // SAFETY: returns a static NUL-terminated string.
        .map(|f| unsafe { text_of(f()) })
        .unwrap_or_else(|| "?".into())
}

/// Copies a C string librime owns (empty for null).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string valid for this call.
unsafe fn text_of(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// A librime session: one citizen's typing. Dropping it forgets everything typed.
pub struct Rime {
    api: &'static Api,
    session: SessionId,
    version: String,
    /// Sessions stay on the thread that opened them (librime's sessions are not meant to be
    /// driven from several threads at once).
    _one_thread: std::marker::PhantomData<*const ()>,
}

impl Rime {
    /// Opens a session on deployed dictionaries. Never deploys: that would make a citizen wait.
    pub fn open(dirs: &Dirs) -> Result<Self, ImeError> {
        api()?;
        if !dirs.is_deployed() {
            return Err(ImeError::NotDeployed(dirs.user.clone()));
        }
        let api = start(dirs)?;
        let schema = CString::new(SCHEMA).map_err(|_| ImeError::Engine("schema".into()))?;
        // SAFETY: plain calls into the started library with a valid C string.
        let session = unsafe {
            let s = call(api.create_session, "create_session")?();
            if s == 0 {
                return Err(ImeError::Engine(
                    "librime could not create a session".into(),
                ));
            }
            call(api.select_schema, "select_schema")?(s, schema.as_ptr());
            s
        };
        Ok(Rime {
            api,
            session,
            version: version(api),
            _one_thread: std::marker::PhantomData,
        })
    }

    fn context<T>(&self, f: impl FnOnce(&Context) -> T) -> Option<T> {
        let (get, free) = (self.api.get_context?, self.api.free_context?);
        // SAFETY: a zeroed RimeContext with data_size set is what librime expects; it is
        // freed with free_context after we copied what we need.
        unsafe {
            let mut ctx: Context = std::mem::zeroed();
            ctx.data_size =
                (std::mem::size_of::<Context>() - std::mem::size_of::<c_int>()) as c_int;
            if get(self.session, &mut ctx) == 0 {
                return None;
            }
            let out = f(&ctx);
            free(&mut ctx);
            Some(out)
        }
    }
}

impl Drop for Rime {
    fn drop(&mut self) {
        if let Some(destroy) = self.api.destroy_session {
            // SAFETY: our session, destroyed once.
            unsafe {
                destroy(self.session);
            }
        }
    }
}

const BACKSPACE: c_int = 0xff08;

impl Pinyin for Rime {
    fn describe(&self) -> String {
        format!("librime {} ({SCHEMA})", self.version)
    }

    fn press(&mut self, key: Key) -> Result<(), ImeError> {
        let code = match key {
            Key::Letter(c) if c.is_ascii_lowercase() => c as c_int,
            Key::Letter(c) if c.is_ascii_uppercase() => c.to_ascii_lowercase() as c_int,
            Key::Letter(_) => return Ok(()),
            Key::Backspace => BACKSPACE,
            Key::Separator => c_int::from(b'\''),
        };
        // SAFETY: our live session.
        unsafe {
            call(self.api.process_key, "process_key")?(self.session, code, 0);
        }
        Ok(())
    }

    fn preedit(&mut self) -> String {
        self.context(|c| {
            // SAFETY: librime's preedit string, valid until free_context.
            unsafe { text_of(c.composition.preedit) }
        })
        .unwrap_or_default()
    }

    fn candidates(&mut self, from: usize, n: usize) -> Vec<String> {
        let (Some(begin), Some(next), Some(end)) = (
            self.api.candidate_list_begin,
            self.api.candidate_list_next,
            self.api.candidate_list_end,
        ) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(n);
        // SAFETY: the iterator is initialised by begin, advanced by next (which fills
        // `candidate`, valid until the following next/end), and released by end.
        unsafe {
            let mut it: CandidateIter = std::mem::zeroed();
            if begin(self.session, &mut it) == 0 {
                return out;
            }
            let mut i = 0;
            while out.len() < n && next(&mut it) != 0 {
                if i >= from {
                    out.push(text_of(it.candidate.text));
                }
                i += 1;
            }
            end(&mut it);
        }
        out
    }

    fn select(&mut self, index: usize) -> Option<String> {
        let (select, get, free) = (
            self.api.select_candidate?,
            self.api.get_commit?,
            self.api.free_commit?,
        );
        // SAFETY: our live session; the commit struct is zeroed with data_size set, and freed.
        unsafe {
            if select(self.session, index) == 0 {
                return None;
            }
            let mut commit = Commit {
                data_size: (std::mem::size_of::<Commit>() - std::mem::size_of::<c_int>()) as c_int,
                text: std::ptr::null_mut(),
            };
            if get(self.session, &mut commit) == 0 {
                return None;
            }
            let text = text_of(commit.text);
            free(&mut commit);
            Some(text)
        }
    }

    fn clear(&mut self) {
        if let Some(clear) = self.api.clear_composition {
            // SAFETY: our live session.
            unsafe { clear(self.session) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh Debian with `--no-install-recommends` had the schema but not librime's shared
    /// settings: deploy must name the package to install, before librime is even started.
    #[test]
    fn deploy_names_rime_prelude_when_default_yaml_is_missing() {
        let root =
            std::env::temp_dir().join(format!("onevisit-rime-presets-{}", std::process::id()));
        let shared = root.join("shared");
        std::fs::create_dir_all(&shared).expect("temp dir");
        std::fs::write(shared.join(format!("{SCHEMA}.schema.yaml")), "schema: {}\n")
            .expect("schema");
        let dirs = Dirs {
            shared,
            user: root.join("user"),
        };
        let err = deploy(&dirs).expect_err("deploy without default.yaml");
        let _ = std::fs::remove_dir_all(&root);
        match err {
            ImeError::DataMissing { package, path, .. } => {
                assert_eq!(package, "rime-prelude");
                assert!(path.ends_with("default.yaml"), "{}", path.display());
            }
            other => panic!("expected DataMissing, got {other}"),
        }
    }
}
