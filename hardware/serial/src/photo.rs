//! The card photo is 1024 bytes of the proprietary WLT format. No open decoder exists; vendors
//! ship closed libraries (`libwlt2bmp.so`) that turn it into a 102 × 126 BMP. We keep the blob
//! opaque and decode only through such a library when one is installed — never a fake photo.

use std::path::{Path, PathBuf};

use thiserror::Error;

pub const BMP_LEN: usize = 38_862;

#[derive(Debug, Error)]
pub enum PhotoError {
    #[error(
        "no WLT photo decoder: {path} could not be loaded ({reason}). Install the card-reader vendor's libwlt2bmp.so there, or set ONEVISIT_WLT_LIB; the card's text is read without it"
    )]
    LibraryMissing { path: PathBuf, reason: String },
    #[error("the vendor library has no `{0}` function: check the library version")]
    Symbol(String),
    #[error("the vendor library could not decode the photo (code {0})")]
    Decode(i32),
    #[error("the photo blob has {0} bytes; a card photo has 1024")]
    Length(usize),
}

pub trait PhotoDecoder {
    /// WLT bytes to a BMP file's bytes.
    fn decode(&self, wlt: &[u8]) -> Result<Vec<u8>, PhotoError>;
}

/// A vendor library loaded at run time. The common export is
/// `int unpack(char *wlt, char *bmp, int flags)`, returning 1 on success.
pub struct VendorWlt {
    lib: libloading::Library,
    symbol: String,
}

impl VendorWlt {
    pub fn default_path() -> PathBuf {
        std::env::var_os("ONEVISIT_WLT_LIB")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/lib/onevisit/libwlt2bmp.so"))
    }

    pub fn load(path: &Path, symbol: &str) -> Result<Self, PhotoError> {
        // SAFETY: loading a library runs its initialisers; this is the vendor's decoder that a
        // technician installed on purpose for exactly this use.
        let lib =
            unsafe { libloading::Library::new(path) }.map_err(|e| PhotoError::LibraryMissing {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        let v = VendorWlt {
            lib,
            symbol: symbol.to_owned(),
        };
        v.function()?;
        Ok(v)
    }

    fn function(
        &self,
    ) -> Result<
        libloading::Symbol<'_, unsafe extern "C" fn(*const u8, *mut u8, i32) -> i32>,
        PhotoError,
    > {
        // SAFETY: the signature is the vendor SDK's documented one for this symbol.
        unsafe { self.lib.get(self.symbol.as_bytes()) }
            .map_err(|_| PhotoError::Symbol(self.symbol.clone()))
    }
}

impl PhotoDecoder for VendorWlt {
    fn decode(&self, wlt: &[u8]) -> Result<Vec<u8>, PhotoError> {
        if wlt.len() != 1024 {
            return Err(PhotoError::Length(wlt.len()));
        }
        let f = self.function()?;
        let mut bmp = vec![0u8; BMP_LEN + 1024];
        // SAFETY: `wlt` is 1024 readable bytes and `bmp` is larger than the 102 × 126 × 3 BMP
        // the function writes.
        let rc = unsafe { f(wlt.as_ptr(), bmp.as_mut_ptr(), 0) };
        if rc != 1 {
            return Err(PhotoError::Decode(rc));
        }
        bmp.truncate(BMP_LEN);
        Ok(bmp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_says_what_to_do() {
        let err = VendorWlt::load(Path::new("/nonexistent/libwlt2bmp.so"), "unpack")
            .err()
            .expect("missing");
        let msg = err.to_string();
        assert!(
            msg.contains("libwlt2bmp.so") && msg.contains("ONEVISIT_WLT_LIB"),
            "{msg}"
        );
    }
}
