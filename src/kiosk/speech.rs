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

/// The installed espeak-ng's version line, if there is one.
pub fn espeak_version() -> Option<String> {
    let out = Command::new("espeak-ng")
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    // "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/…": the name and version.
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("espeak-ng");
    let version = first.split("Data at").next().unwrap_or(first);
    Some(version.replace(" text-to-speech:", "").trim().to_owned())
}

/// The best engine available here.
pub fn engine() -> Box<dyn Speech> {
    if espeak_version().is_some() {
        Box::new(EspeakNg { current: None })
    } else {
        tracing::info!("no speech engine (install espeak-ng for read-aloud)");
        Box::new(Silent)
    }
}
