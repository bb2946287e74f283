//! Document capture as pure functions over image buffers: a camera frame (or an image file,
//! decoded by the caller) goes in; the page's corners, its rotation, a quality verdict the
//! citizen understands, and a straightened, cropped, enhanced page come out; pages become one
//! PDF per material with its SHA-256. No camera, file or clock is touched here.

pub mod auto;
pub mod decode;
pub mod detect;
pub mod enhance;
pub mod gray;
pub mod page;
pub mod pdf;
pub mod quality;
pub mod warp;

pub use gray::Gray;
pub use page::{Mode, ProcessedPage, process};
pub use quality::Quality;
