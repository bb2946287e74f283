//! Where scan frames come from: the real document camera (V4L2, on its own thread so a slow
//! capture never holds the screen) or the simulated one.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use onevisit_capture::Gray;

/// A still's luminance. JPEG (what cameras send) through libjpeg-turbo where it is installed,
/// else the pure-Rust decoder, both keeping only the grey plane (a 12 MP frame is 12 MB, not
/// the 36 MB of its RGB); other formats (the simulator's PNG pages) through `image`.
pub fn luma(bytes: &[u8]) -> Result<Gray, String> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // libjpeg-turbo stops at a damaged file (a UVC camera's MJPEG sometimes has stray
        // bytes); the pure-Rust decoder then reads what it can, as the kiosk always did.
        if let Some(Ok(l)) = onevisit_camera::jpeg::luma(bytes) {
            return Ok(Gray {
                width: l.width,
                height: l.height,
                data: l.data,
            });
        }
        return onevisit_capture::decode::luma_from_jpeg(bytes).map_err(|e| e.to_string());
    }
    let side = onevisit_capture::decode::MAX_SIDE as u32;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("not a readable JPEG or PNG image: {e}"))?;
    reader.limits(limits);
    let l = reader
        .decode()
        .map_err(|e| format!("not a readable JPEG or PNG image: {e}"))?
        .to_luma8();
    Ok(Gray {
        width: l.width(),
        height: l.height(),
        data: l.into_raw(),
    })
}

/// Frames for the scan screen: the latest one, when there is a new one.
pub trait Frames {
    /// A new frame since the last call, if any.
    fn latest(&mut self) -> Option<Gray>;
    /// The colour still behind the last frame `latest` gave, as the camera sent it (JPEG),
    /// when the camera gives colour: decoded only for a colour page, on the worker.
    fn colour(&self) -> Option<Vec<u8>> {
        None
    }
    /// The citizen turned the page (simulation: the next sample page).
    fn advance(&mut self) {}
}

/// The simulated camera: sample pages, the next one on `advance` (F5 or after a capture).
pub struct Simulated {
    n: u32,
    fresh: bool,
}

impl Simulated {
    pub fn new() -> Simulated {
        Simulated { n: 0, fresh: true }
    }
}

impl Frames for Simulated {
    fn latest(&mut self) -> Option<Gray> {
        if !self.fresh {
            return None;
        }
        self.fresh = false;
        Some(super::camera::photo(self.n))
    }

    fn advance(&mut self) {
        self.n += 1;
        self.fresh = true;
    }
}

/// No document camera configured (and not simulating): no frames, ever; the scan screen says
/// the camera has no picture, and the technician sees it missing.
pub struct Missing;

impl Frames for Missing {
    fn latest(&mut self) -> Option<Gray> {
        None
    }
}

/// A V4L2 document camera: a thread takes a still about twice a second; the UI takes the
/// newest.
pub struct Real {
    rx: Receiver<(Gray, Vec<u8>)>,
    /// The JPEG of the newest frame taken.
    jpeg: Option<Vec<u8>>,
    _stop: Sender<()>,
}

impl Real {
    pub fn start(device: &str) -> anyhow::Result<Real> {
        let (tx, rx) = channel();
        let (stop_tx, stop_rx) = channel::<()>();
        let (ready_tx, ready_rx) = channel::<Result<(), String>>();
        let device = device.to_owned();
        // The camera is opened on its thread (the driver is not Send); opening errors come
        // back here so `run` can say what is wrong.
        std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let mut cam = match onevisit_camera::open(&device) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                while stop_rx.try_recv() == Err(std::sync::mpsc::TryRecvError::Empty) {
                    match cam.still() {
                        Ok(still) => match luma(&still.bytes) {
                            Ok(g) => {
                                if tx.send((g, still.bytes)).is_err() {
                                    return;
                                }
                            }
                            Err(e) => tracing::warn!("camera frame unreadable: {e}"),
                        },
                        Err(e) => {
                            tracing::warn!("camera: {e}");
                            std::thread::sleep(Duration::from_secs(2));
                        }
                    }
                    std::thread::sleep(Duration::from_millis(400));
                }
            })?;
        ready_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the camera thread stopped"))?
            .map_err(anyhow::Error::msg)?;
        Ok(Real {
            rx,
            jpeg: None,
            _stop: stop_tx,
        })
    }
}

impl Frames for Real {
    fn latest(&mut self) -> Option<Gray> {
        let (g, jpeg) = self.rx.try_iter().last()?;
        self.jpeg = Some(jpeg);
        Some(g)
    }

    fn colour(&self) -> Option<Vec<u8>> {
        self.jpeg.clone()
    }
}
