//! A UVC document camera through V4L2: the largest MJPEG frame size, a few frames skipped so
//! auto-exposure settles, then one still.

use v4l::buffer::Type;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::{Device, FourCC};

use crate::{Camera, CameraError, Still};

/// Frames to drop after starting the stream: the first ones are dark or unfocused.
const SETTLE_FRAMES: usize = 5;

pub struct V4l2Camera {
    path: String,
    device: Device,
}

impl V4l2Camera {
    pub fn open(path: &str) -> Result<Self, CameraError> {
        let device = Device::with_path(path).map_err(|e| CameraError::Open {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(V4l2Camera {
            path: path.to_owned(),
            device,
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> CameraError {
        CameraError::Capture {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// Switches to MJPEG at the largest frame size (stills), or at the smallest at least
    /// `min_width` wide (previews).
    fn set_mjpeg(&self, preview_min_width: Option<u32>) -> Result<(), CameraError> {
        let mjpg = FourCC::new(b"MJPG");
        let sizes: Vec<_> = self
            .device
            .enum_framesizes(mjpg)
            .map_err(|e| self.err(e))?
            .into_iter()
            .flat_map(|s| s.size.to_discrete())
            .collect();
        let sizes: Vec<(u32, u32)> = sizes.iter().map(|d| (d.width, d.height)).collect();
        let (width, height) =
            choose_size(&sizes, preview_min_width).ok_or_else(|| CameraError::NoMjpeg {
                path: self.path.clone(),
            })?;
        let mut fmt = self.device.format().map_err(|e| self.err(e))?;
        fmt.fourcc = mjpg;
        fmt.width = width;
        fmt.height = height;
        let set = self.device.set_format(&fmt).map_err(|e| self.err(e))?;
        if set.fourcc != mjpg {
            return Err(CameraError::NoMjpeg {
                path: self.path.clone(),
            });
        }
        tracing::info!(
            width = set.width,
            height = set.height,
            "document camera set to MJPEG"
        );
        Ok(())
    }
}

/// The MJPEG frame size to ask for, from the sizes the camera offers: the largest for a
/// still; for a preview the smallest at least `preview_min_width` wide, or the largest when
/// none is that wide. None when the camera offers no MJPEG size.
pub fn choose_size(sizes: &[(u32, u32)], preview_min_width: Option<u32>) -> Option<(u32, u32)> {
    let area = |&&(w, h): &&(u32, u32)| u64::from(w) * u64::from(h);
    let largest = || sizes.iter().max_by_key(area);
    match preview_min_width {
        None => largest(),
        Some(min) => sizes
            .iter()
            .filter(|(w, _)| *w >= min)
            .min_by_key(area)
            .or_else(largest),
    }
    .copied()
}

impl V4l2Camera {
    fn grab(
        &mut self,
        preview_min_width: Option<u32>,
        settle: usize,
    ) -> Result<Still, CameraError> {
        self.set_mjpeg(preview_min_width)?;
        let mut stream =
            Stream::with_buffers(&self.device, Type::VideoCapture, 4).map_err(|e| self.err(e))?;
        for _ in 0..settle {
            stream.next().map_err(|e| self.err(e))?;
        }
        let (buf, meta) = stream.next().map_err(|e| self.err(e))?;
        let used = (meta.bytesused as usize).min(buf.len());
        Ok(Still {
            bytes: buf[..used].to_vec(),
            extension: "jpg",
        })
    }
}

impl Camera for V4l2Camera {
    fn still(&mut self) -> Result<Still, CameraError> {
        self.grab(None, SETTLE_FRAMES)
    }

    fn preview(&mut self, min_width: u32) -> Result<Still, CameraError> {
        self.grab(Some(min_width), 1)
    }
}
