//! Camera stills to luminance through libjpeg-turbo (the TurboJPEG API of Debian's
//! `libturbojpeg0`), opened with `dlopen` by a thin FFI of our own. Measured on a 12 MP page
//! (`cargo bench -p onevisit-capture --bench versus_opencv`) it decodes the grey plane in
//! about 28 ms where the pure-Rust decoder takes about 35, and decoding is half of a page's
//! processing. A kiosk whose image lacks the library still works: callers fall back to
//! `onevisit_capture::decode` (`None` here), and `decoder()` says which one runs.

use std::ffi::{CStr, c_char, c_int, c_ulong, c_void};
use std::sync::OnceLock;

use thiserror::Error;

/// The largest frame decoded: 10,000 dots a side, beyond any document camera; a larger header
/// is refused before memory is spent on it.
const MAX_SIDE: c_int = 10_000;
/// `TJPF_GRAY`: one byte a dot, the luminance plane (no colour conversion).
const TJPF_GRAY: c_int = 6;
/// `TJFLAG_STOPONWARNING`: a damaged file is an error here (the caller may then try a more
/// lenient decoder), not a partly grey picture.
const TJFLAG_STOPONWARNING: c_int = 8192;
/// `TJFLAG_LIMITSCANS`: a progressive file of more than 500 scans (a CPU trap) is refused.
const TJFLAG_LIMITSCANS: c_int = 32768;

type Handle = *mut c_void;

#[derive(Debug, Error)]
pub enum JpegError {
    #[error("not a readable JPEG: {0}")]
    Unreadable(String),
    #[error("the JPEG is {0} × {1}, larger than any document camera's frame")]
    TooLarge(i64, i64),
    #[error("libjpeg-turbo could not start a decompressor")]
    NoDecompressor,
}

/// A still's luminance: one byte a dot, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Luma {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

struct Api {
    init: unsafe extern "C" fn() -> Handle,
    header: unsafe extern "C" fn(
        Handle,
        *const u8,
        c_ulong,
        *mut c_int,
        *mut c_int,
        *mut c_int,
        *mut c_int,
    ) -> c_int,
    decompress: unsafe extern "C" fn(
        Handle,
        *const u8,
        c_ulong,
        *mut u8,
        c_int,
        c_int,
        c_int,
        c_int,
        c_int,
    ) -> c_int,
    error: unsafe extern "C" fn(Handle) -> *mut c_char,
    destroy: unsafe extern "C" fn(Handle) -> c_int,
}

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        // SAFETY: loading libturbojpeg runs no code beyond the C runtime's initialisers.
        let lib = unsafe { libloading::Library::new("libturbojpeg.so.0") }.ok()?;
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        fn sym<T: Copy>(lib: &'static libloading::Library, name: &[u8]) -> Option<T> {
            // SAFETY: each `T` below is the TurboJPEG 2.x signature of `name` (turbojpeg.h,
            // stable since 1.4); the library stays loaded for the process's life.
            unsafe { lib.get::<T>(name).ok().map(|s| *s) }
        }
        Some(Api {
            init: sym(lib, b"tjInitDecompress\0")?,
            header: sym(lib, b"tjDecompressHeader3\0")?,
            decompress: sym(lib, b"tjDecompress2\0")?,
            error: sym(lib, b"tjGetErrorStr2\0")?,
            destroy: sym(lib, b"tjDestroy\0")?,
        })
    })
    .as_ref()
}

/// Which decoder `luma` uses on this machine, for diagnostics.
pub fn decoder() -> &'static str {
    if api().is_some() {
        "libjpeg-turbo (libturbojpeg.so.0)"
    } else {
        "none (libturbojpeg0 is not installed)"
    }
}

/// A decompressor, destroyed when dropped.
struct Decompressor<'a> {
    api: &'a Api,
    handle: Handle,
}

impl Drop for Decompressor<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle came from tjInitDecompress and is destroyed once.
        unsafe { (self.api.destroy)(self.handle) };
    }
}

impl Decompressor<'_> {
    fn error(&self) -> String {
        // SAFETY: tjGetErrorStr2 returns a NUL-terminated string owned by the handle (or a
        // static one), valid until the next call on it; it is copied at once.
        unsafe {
            let s = (self.api.error)(self.handle);
            if s.is_null() {
                "unknown error".into()
            } else {
                CStr::from_ptr(s).to_string_lossy().into_owned()
            }
        }
    }
}

/// The luminance of a JPEG. `None` when libjpeg-turbo is
/// not installed (decode with `onevisit_capture::decode` then); an error for a file it cannot
/// read, or one larger than any camera's frame.
pub fn luma(bytes: &[u8]) -> Option<Result<Luma, JpegError>> {
    let api = api()?;
    Some(decode(api, bytes))
}

fn decode(api: &Api, bytes: &[u8]) -> Result<Luma, JpegError> {
    let size =
        c_ulong::try_from(bytes.len()).map_err(|_| JpegError::TooLarge(i64::MAX, i64::MAX))?;
    // SAFETY: tjInitDecompress takes no arguments; a null handle is an error.
    let handle = unsafe { (api.init)() };
    if handle.is_null() {
        return Err(JpegError::NoDecompressor);
    }
    let d = Decompressor { api, handle };
    let (mut w, mut h, mut sub, mut space) = (0, 0, 0, 0);
    // SAFETY: `bytes` is valid for `size` bytes; the four outputs are valid c_ints.
    let r = unsafe {
        (api.header)(
            handle,
            bytes.as_ptr(),
            size,
            &mut w,
            &mut h,
            &mut sub,
            &mut space,
        )
    };
    if r != 0 {
        return Err(JpegError::Unreadable(d.error()));
    }
    if !(1..=MAX_SIDE).contains(&w) || !(1..=MAX_SIDE).contains(&h) {
        return Err(JpegError::TooLarge(w.into(), h.into()));
    }
    let (wu, hu) = (w as usize, h as usize);
    let mut out = vec![0u8; wu * hu];
    // SAFETY: `out` holds exactly w × h bytes, which a GRAY decode at pitch w writes; the
    // header above fixed w and h for these same bytes.
    let r = unsafe {
        (api.decompress)(
            handle,
            bytes.as_ptr(),
            size,
            out.as_mut_ptr(),
            w,
            w,
            h,
            TJPF_GRAY,
            TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS,
        )
    };
    if r != 0 {
        return Err(JpegError::Unreadable(d.error()));
    }
    Ok(Luma {
        width: w as u32,
        height: h as u32,
        data: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubbish_and_truncated_files_are_errors_not_crashes() {
        let Some(Err(e)) = luma(b"not a jpeg at all") else {
            // Without libjpeg-turbo there is nothing to test here.
            return;
        };
        assert!(e.to_string().contains("not a readable JPEG"), "{e}");
        assert!(matches!(luma(&[0xFF, 0xD8, 0xFF]), Some(Err(_))));
        assert!(matches!(luma(&[]), Some(Err(_))));
    }
}
