//! Where pages come from: a document camera (高拍仪: a plain UVC device, read through V4L2,
//! MJPEG for full-resolution stills), or a simulated camera that shows image files — for
//! `cargo run`, tests and USB import. Both hand out encoded stills; processing is
//! `onevisit-capture`'s business, and `jpeg` decodes stills fast where libjpeg-turbo is
//! installed.

use std::path::{Path, PathBuf};

use thiserror::Error;

pub mod jpeg;
mod sim;
mod v4l2;

pub use sim::{SimCamera, images_in};
pub use v4l2::{V4l2Camera, choose_size};

#[derive(Debug, Error)]
pub enum CameraError {
    #[error(
        "cannot open camera {path}: {reason}. Is the document camera plugged in? (ls /dev/video*)"
    )]
    Open { path: String, reason: String },
    #[error(
        "camera {path} has no MJPEG mode: OneVisit needs a UVC camera that offers MJPEG stills"
    )]
    NoMjpeg { path: String },
    #[error("camera {path} stopped delivering frames: {reason}")]
    Capture { path: String, reason: String },
    #[error(
        "nothing under the simulated camera ({0}): add images, or type `next` in `onevisit sim camera`"
    )]
    Empty(PathBuf),
}

/// An encoded still (JPEG or PNG bytes) and its file type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Still {
    pub bytes: Vec<u8>,
    /// "jpg" or "png".
    pub extension: &'static str,
}

pub trait Camera {
    /// One full-resolution still.
    fn still(&mut self) -> Result<Still, CameraError>;
    /// One low-resolution frame for the live preview on screen (at least `min_width` wide
    /// where the camera can, as small as possible above that).
    fn preview(&mut self, min_width: u32) -> Result<Still, CameraError>;
}

/// A camera by the name a technician gives: `/dev/videoN` for a real camera, `sim:DIR` for a
/// simulated one (the folder `onevisit sim camera` keeps, or any folder of images).
pub fn open(device: &str) -> Result<Box<dyn Camera>, CameraError> {
    match device.strip_prefix("sim:") {
        Some(dir) => Ok(Box::new(SimCamera::new(Path::new(dir)))),
        None => Ok(Box::new(V4l2Camera::open(device)?)),
    }
}
