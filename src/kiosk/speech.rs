//! Reading a screen's main text aloud (长辈模式). Behind a trait: `espeak-ng` with its Mandarin
//! voice is the first engine; with none installed the kiosk is silent, never broken.

use std::process::{Child, Command, Stdio};

pub trait Speech {
    fn say(&mut self, text: &str, chinese: bool);
}

/// No engine: nothing is said.
pub struct Silent;

impl Speech for Silent {
    fn say(&mut self, _text: &str, _chinese: bool) {}
}

/// `espeak-ng -v cmn` (or `en`), one utterance at a time: a new one stops the last.
pub struct EspeakNg {
    current: Option<Child>,
}

impl Speech for EspeakNg {
    fn say(&mut self, text: &str, chinese: bool) {
        if let Some(mut c) = self.current.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let voice = if chinese { "cmn" } else { "en" };
        match Command::new("espeak-ng")
            .args(["-v", voice, "-s", "150", "--", text])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => self.current = Some(c),
            Err(e) => tracing::warn!("speech: {e}"),
        }
    }
}

/// The best engine available here.
pub fn engine() -> Box<dyn Speech> {
    let found = Command::new("espeak-ng")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        Box::new(EspeakNg { current: None })
    } else {
        tracing::info!("no speech engine (install espeak-ng for read-aloud)");
        Box::new(Silent)
    }
}
