//! Zinnia (an SVM handwriting recogniser) through a thin FFI, opened with `dlopen`, with the
//! Tegaki simplified-Chinese model (Debian's `tegaki-zinnia-simplified-chinese`).

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};

use crate::ImeError;
use crate::handwriting::{Handwriting, PAD, Stroke};

/// Where Debian installs the model; `ONEVISIT_ZINNIA_MODEL` overrides it.
pub const MODEL: &str = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model";

type Ptr = *mut c_void;

struct Fns {
    recognizer_new: unsafe extern "C" fn() -> Ptr,
    recognizer_destroy: unsafe extern "C" fn(Ptr),
    recognizer_open: unsafe extern "C" fn(Ptr, *const c_char) -> c_int,
    recognizer_strerror: unsafe extern "C" fn(Ptr) -> *const c_char,
    recognizer_classify: unsafe extern "C" fn(Ptr, Ptr, usize) -> Ptr,
    character_new: unsafe extern "C" fn() -> Ptr,
    character_destroy: unsafe extern "C" fn(Ptr),
    character_clear: unsafe extern "C" fn(Ptr),
    character_set_width: unsafe extern "C" fn(Ptr, usize),
    character_set_height: unsafe extern "C" fn(Ptr, usize),
    character_add: unsafe extern "C" fn(Ptr, usize, c_int, c_int) -> c_int,
    result_value: unsafe extern "C" fn(Ptr, usize) -> *const c_char,
    result_size: unsafe extern "C" fn(Ptr) -> usize,
    result_destroy: unsafe extern "C" fn(Ptr),
    version: unsafe extern "C" fn() -> *const c_char,
    _lib: libloading::Library,
}

impl Fns {
    fn load() -> Result<Self, ImeError> {
        let missing = |detail: String| ImeError::LibraryMissing {
            library: "libzinnia",
            package: "libzinnia0",
            detail,
        };
        // SAFETY: loading libzinnia runs no code of consequence.
        let lib = unsafe { libloading::Library::new("libzinnia.so.0") }
            .map_err(|e| missing(e.to_string()))?;
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol has the signature of the field it is stored in, as
                // declared in zinnia.h (0.06).
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e: libloading::Error| missing(e.to_string()))?
            };
        }
        Ok(Fns {
            recognizer_new: sym!("zinnia_recognizer_new"),
            recognizer_destroy: sym!("zinnia_recognizer_destroy"),
            recognizer_open: sym!("zinnia_recognizer_open"),
            recognizer_strerror: sym!("zinnia_recognizer_strerror"),
            recognizer_classify: sym!("zinnia_recognizer_classify"),
            character_new: sym!("zinnia_character_new"),
            character_destroy: sym!("zinnia_character_destroy"),
            character_clear: sym!("zinnia_character_clear"),
            character_set_width: sym!("zinnia_character_set_width"),
            character_set_height: sym!("zinnia_character_set_height"),
            character_add: sym!("zinnia_character_add"),
            result_value: sym!("zinnia_result_value"),
            result_size: sym!("zinnia_result_size"),
            result_destroy: sym!("zinnia_result_destroy"),
            version: sym!("zinnia_version"),
            _lib: lib,
        })
    }
}

/// A recogniser with its model open (the model file is mapped, not read).
pub struct Zinnia {
    f: Fns,
    recognizer: Ptr,
    character: Ptr,
    model: PathBuf,
}

impl Zinnia {
    /// The model path: `ONEVISIT_ZINNIA_MODEL`, else Debian's.
    pub fn model_path() -> PathBuf {
        std::env::var_os("ONEVISIT_ZINNIA_MODEL")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(MODEL))
    }

    /// Whether Zinnia and its model are installed, without opening the model (which costs
    /// 26 MB of memory while open).
    pub fn available(model: &Path) -> Result<(), ImeError> {
        if !model.is_file() {
            return Err(ImeError::DataMissing {
                what: "the handwriting model",
                path: model.to_owned(),
                package: "tegaki-zinnia-simplified-chinese",
            });
        }
        Fns::load().map(|_| ())
    }

    pub fn open(model: &Path) -> Result<Self, ImeError> {
        if !model.is_file() {
            return Err(ImeError::DataMissing {
                what: "the handwriting model",
                path: model.to_owned(),
                package: "tegaki-zinnia-simplified-chinese",
            });
        }
        let f = Fns::load()?;
        let path = CString::new(model.as_os_str().as_encoded_bytes())
            .map_err(|_| ImeError::Engine("NUL in the model path".into()))?;
        // SAFETY: zinnia's constructors return owned handles (or null); each is destroyed once,
        // here on failure or in Drop.
        unsafe {
            let recognizer = (f.recognizer_new)();
            let character = (f.character_new)();
            if recognizer.is_null() || character.is_null() {
                return Err(ImeError::Engine("zinnia could not allocate".into()));
            }
            if (f.recognizer_open)(recognizer, path.as_ptr()) == 0 {
                let why = CStr::from_ptr((f.recognizer_strerror)(recognizer))
                    .to_string_lossy()
                    .into_owned();
                (f.recognizer_destroy)(recognizer);
                (f.character_destroy)(character);
                return Err(ImeError::Engine(format!(
                    "{}: not a Zinnia model ({why})",
                    model.display()
                )));
            }
            (f.character_set_width)(character, PAD as usize);
            (f.character_set_height)(character, PAD as usize);
            Ok(Zinnia {
                f,
                recognizer,
                character,
                model: model.to_owned(),
            })
        }
    }
}

impl Drop for Zinnia {
    fn drop(&mut self) {
        // SAFETY: handles we own, destroyed once.
        unsafe {
            (self.f.character_destroy)(self.character);
            (self.f.recognizer_destroy)(self.recognizer);
        }
    }
}

impl Handwriting for Zinnia {
    fn describe(&self) -> String {
        // SAFETY: a static version string.
        let v = unsafe { CStr::from_ptr((self.f.version)()) }.to_string_lossy();
        format!("zinnia {v} ({})", self.model.display())
    }

    fn recognize(&mut self, strokes: &[Stroke], n: usize) -> Result<Vec<String>, ImeError> {
        let clamp = |v: f32| v.clamp(0.0, PAD) as c_int;
        // SAFETY: our handles; the result is destroyed after its strings are copied.
        unsafe {
            (self.f.character_clear)(self.character);
            (self.f.character_set_width)(self.character, PAD as usize);
            (self.f.character_set_height)(self.character, PAD as usize);
            let mut id = 0;
            for s in strokes.iter().filter(|s| !s.is_empty()) {
                for &(x, y) in s {
                    (self.f.character_add)(self.character, id, clamp(x), clamp(y));
                }
                id += 1;
            }
            if id == 0 {
                return Ok(Vec::new());
            }
            let result = (self.f.recognizer_classify)(self.recognizer, self.character, n);
            if result.is_null() {
                return Ok(Vec::new());
            }
            let out = (0..(self.f.result_size)(result))
                .filter_map(|i| {
                    let p = (self.f.result_value)(result, i);
                    (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
                })
                .collect();
            (self.f.result_destroy)(result);
            Ok(out)
        }
    }
}
