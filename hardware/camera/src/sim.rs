//! The simulated document camera: a folder. If it holds `current.jpg` or `current.png`
//! (kept by `onevisit sim camera`), that is what lies under the camera; otherwise each still
//! is the next image of the folder in name order.

use std::path::{Path, PathBuf};

use crate::{Camera, CameraError, Still};

pub struct SimCamera {
    dir: PathBuf,
    next: usize,
}

/// Image files in a folder, by name.
pub fn images_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        })
        .filter(|p| p.file_stem().is_none_or(|s| s != "current"))
        .collect();
    v.sort();
    v
}

fn ext(p: &Path) -> &'static str {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "png",
        _ => "jpg",
    }
}

impl SimCamera {
    pub fn new(dir: &Path) -> Self {
        SimCamera {
            dir: dir.to_owned(),
            next: 0,
        }
    }
}

impl Camera for SimCamera {
    /// The simulated camera has one resolution; the UI scales the preview down.
    fn preview(&mut self, _min_width: u32) -> Result<Still, CameraError> {
        let next = self.next;
        let s = self.still();
        // A preview does not advance to the next page.
        self.next = next;
        s
    }

    fn still(&mut self) -> Result<Still, CameraError> {
        for name in ["current.jpg", "current.png"] {
            let p = self.dir.join(name);
            if let Ok(bytes) = std::fs::read(&p) {
                return Ok(Still {
                    bytes,
                    extension: ext(&p),
                });
            }
        }
        let images = images_in(&self.dir);
        let path = images
            .get(self.next % images.len().max(1))
            .ok_or_else(|| CameraError::Empty(self.dir.clone()))?;
        self.next += 1;
        let bytes = std::fs::read(path).map_err(|_| CameraError::Empty(self.dir.clone()))?;
        Ok(Still {
            bytes,
            extension: ext(path),
        })
    }
}
