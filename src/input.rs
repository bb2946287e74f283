//! Chinese input as the kiosk and its CLI use it: where librime's deployed dictionaries live,
//! which characters the bundled font draws, and the state behind the on-screen keyboard.

use std::path::{Path, PathBuf};

use onevisit_ime::ImeError;
use onevisit_ime::coverage::Coverage;
use onevisit_ime::handwriting::{self, Handwriting, Stroke};
use onevisit_ime::pinyin::{Board, Key, Pinyin, View};
use onevisit_ime::rare::{RareGlyphs, WithRare};
use onevisit_ime::rime::{Dirs, Rime};
use onevisit_ime::zinnia::Zinnia;

/// librime's deployed build lives beside the store: `DATA/rime`.
pub fn rime_dirs(data_dir: &Path) -> Dirs {
    Dirs::new(data_dir.join("rime"))
}

/// Puts the catalog's county (its division code, its words, the form's common words) where
/// the next deploy takes them; a changed catalog makes the dictionaries deploy again.
pub fn set_county(dirs: &Dirs, catalog: &onevisit_domain::Catalog) {
    let c = &catalog.county;
    let mut words = c.words.clone();
    for f in catalog.fields.iter() {
        for w in &f.suggest {
            if !words.contains(w) {
                words.push(w.clone());
            }
        }
    }
    let county = onevisit_ime::places::County {
        code: c.division_code.clone(),
        words,
    };
    if let Err(e) = dirs.set_county(&county) {
        tracing::warn!("the county's words are not kept for the pinyin keyboard: {e}");
    }
}

/// The characters the kiosk's own font draws (everything, if the font file is not found:
/// then the UI's font is missing too and that is reported elsewhere).
pub fn coverage() -> Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE
        .get_or_init(
            || match onevisit_serial::fonts::bundled_bytes().map(Coverage::from_font) {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    tracing::warn!("font coverage unknown: {e}");
                    Coverage::default()
                }
                None => Coverage::default(),
            },
        )
        .clone()
}

/// Candidates per page of the candidate bar (fewer, larger ones in elderly mode).
pub fn per_page(elderly: bool) -> usize {
    if elderly { 5 } else { 8 }
}

/// The on-screen keyboard's Chinese input: engines opened on first use, one session per
/// citizen, everything forgotten on [`Input::wipe`].
pub struct Input {
    dirs: Dirs,
    /// The handwriting model (Debian's, or `ONEVISIT_ZINNIA_MODEL`).
    model: PathBuf,
    coverage: Coverage,
    rime: Option<Rime>,
    zinnia: Option<Box<dyn Handwriting>>,
    /// Why an engine could not be opened (technician diagnostics and the keyboard's notice).
    pub pinyin_error: Option<String>,
    pub handwriting_error: Option<String>,
    board: Board,
    pub view: View,
    pub strokes: Vec<Stroke>,
    pub written: Vec<String>,
}

impl Input {
    pub fn new(data_dir: &Path, coverage: Coverage) -> Self {
        Input {
            dirs: rime_dirs(data_dir),
            model: Zinnia::model_path(),
            board: Board::new(per_page(false), coverage.clone()),
            coverage,
            rime: None,
            zinnia: None,
            pinyin_error: None,
            handwriting_error: None,
            view: View::default(),
            strokes: Vec::new(),
            written: Vec::new(),
        }
    }

    /// Another handwriting model (tests: a missing one).
    #[cfg(test)]
    pub fn with_model(mut self, model: PathBuf) -> Self {
        self.model = model;
        self
    }

    pub fn set_elderly(&mut self, elderly: bool) {
        self.board.per_page = per_page(elderly);
    }

    /// Opens librime if it is not open yet; false (with the reason kept) when it cannot be.
    pub fn pinyin_ready(&mut self) -> bool {
        // Dictionaries still being deployed (first start): try again once they are.
        if self.pinyin_error.is_some() && self.rime.is_none() && self.dirs.is_deployed() {
            self.pinyin_error = None;
        }
        if self.rime.is_none() && self.pinyin_error.is_none() {
            match Rime::open(&self.dirs) {
                Ok(r) => {
                    tracing::info!("pinyin input: {}", r.describe());
                    self.rime = Some(r);
                }
                Err(e) => {
                    tracing::warn!("pinyin input unavailable: {e}");
                    self.pinyin_error = Some(e.to_string());
                }
            }
        }
        self.rime.is_some()
    }

    /// Whether handwriting can be offered, without opening the model (26 MB while open: it is
    /// opened when the pad is first used and closed when the citizen leaves).
    pub fn handwriting_available(&mut self) -> bool {
        if self.zinnia.is_none()
            && self.handwriting_error.is_none()
            && let Err(e) = Zinnia::available(&self.model)
        {
            tracing::warn!("handwriting input unavailable: {e}");
            self.handwriting_error = Some(e.to_string());
        }
        static WARM: std::sync::Once = std::sync::Once::new();
        if self.handwriting_error.is_none() {
            WARM.call_once(|| {
                let _ = std::thread::Builder::new()
                    .name("rare-glyphs".into())
                    .spawn(|| {
                        rare_glyphs();
                    });
            });
        }
        self.handwriting_error.is_none()
    }

    /// Opens Zinnia if it is not open yet; false (with the reason kept) when it cannot be.
    pub fn handwriting_ready(&mut self) -> bool {
        if self.zinnia.is_none() && self.handwriting_error.is_none() {
            match open_handwriting(&self.model) {
                Ok(z) => {
                    tracing::info!("handwriting input: {}", z.describe());
                    self.zinnia = Some(z);
                }
                Err(e) => {
                    tracing::warn!("handwriting input unavailable: {e}");
                    self.handwriting_error = Some(e.to_string());
                }
            }
        }
        self.zinnia.is_some()
    }

    /// Each engine's state for technicians (heartbeat): "ok", or "error: what to do".
    pub fn health(&self) -> [(&'static str, String); 2] {
        let pinyin = match (&self.rime, &self.pinyin_error) {
            (Some(_), _) => "ok".to_owned(),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) if !self.dirs.is_deployed() => {
                format!("error: {}", ImeError::NotDeployed(self.dirs.user.clone()))
            }
            (None, None) => "ok (not used yet)".to_owned(),
        };
        let handwriting = match (&self.zinnia, &self.handwriting_error) {
            (Some(_), _) => "ok".to_owned(),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "ok (not used yet)".to_owned(),
        };
        [("pinyin", pinyin), ("handwriting", handwriting)]
    }

    pub fn composing(&self) -> bool {
        !self.view.preedit.is_empty()
    }

    /// A letter, `'` or backspace on the pinyin layout.
    pub fn press(&mut self, key: Key) {
        let Some(rime) = self.rime.as_mut() else {
            return;
        };
        match self.board.press(rime, key) {
            Ok(v) => self.view = v,
            Err(e) => tracing::warn!("pinyin: {e}"),
        }
    }

    /// A tap on candidate `i` of the bar: the text for the field, once all input is converted.
    pub fn choose(&mut self, i: usize) -> Option<String> {
        let rime = self.rime.as_mut()?;
        let (text, view) = self.board.choose(rime, i);
        self.view = view;
        text
    }

    pub fn page(&mut self, forward: bool) {
        if let Some(rime) = self.rime.as_mut() {
            self.view = if forward {
                self.board.next_page(rime)
            } else {
                self.board.prev_page(rime)
            };
        }
    }

    /// A finished stroke on the handwriting pad (300 × 300): new candidates.
    pub fn stroke(&mut self, stroke: Stroke) {
        if stroke.is_empty() || !self.handwriting_ready() {
            return;
        }
        self.strokes.push(stroke);
        let Some(z) = self.zinnia.as_mut() else {
            return;
        };
        match handwriting::candidates(
            z.as_mut(),
            &self.strokes,
            self.board.per_page,
            &self.coverage,
        ) {
            Ok(c) => self.written = c,
            Err(e) => tracing::warn!("handwriting: {e}"),
        }
    }

    /// Takes handwriting candidate `i` and clears the pad for the next character.
    pub fn take_written(&mut self, i: usize) -> Option<String> {
        let c = self.written.get(i).cloned();
        self.clear_pad();
        c
    }

    pub fn undo_stroke(&mut self) {
        self.strokes.pop();
        let strokes = std::mem::take(&mut self.strokes);
        self.written.clear();
        for s in strokes {
            self.stroke(s);
        }
    }

    pub fn clear_pad(&mut self) {
        self.strokes.clear();
        self.written.clear();
    }

    /// Forgets the composition (a new field, or the layout changed).
    pub fn reset(&mut self) {
        if let Some(r) = self.rime.as_mut() {
            self.board.clear(r);
        }
        self.view = View::default();
        self.clear_pad();
    }

    /// The citizen has gone: end the librime session (and with it everything typed) and clear
    /// the pad. The engines open again for the next citizen.
    pub fn wipe(&mut self) {
        self.reset();
        self.rime = None;
        self.zinnia = None;
    }

    /// The pad's strokes as path commands in its 300 × 300 view box.
    pub fn ink(&self) -> String {
        let mut out = String::new();
        for s in &self.strokes {
            for (i, (x, y)) in s.iter().enumerate() {
                out.push_str(if i == 0 { " M " } else { " L " });
                out.push_str(&format!("{x:.0} {y:.0}"));
            }
        }
        out
    }
}

/// Zinnia with the model, and the rare characters names need (堃, 喆, 玥: outside the model)
/// matched against the bundled font's glyphs — without them if the font is not found.
pub fn open_handwriting(model: &Path) -> Result<Box<dyn Handwriting>, ImeError> {
    let zinnia = Zinnia::open(model)?;
    Ok(match rare_glyphs() {
        Some(rare) => Box::new(WithRare::new(zinnia, rare)),
        None => Box::new(zinnia),
    })
}

/// The rare characters' glyphs, drawn once per process (0.3 s, 0.7 MB): first asked for in
/// the background when a field that offers handwriting opens, so the pad does not wait.
fn rare_glyphs() -> Option<&'static RareGlyphs> {
    static RARE: std::sync::OnceLock<Option<RareGlyphs>> = std::sync::OnceLock::new();
    RARE.get_or_init(|| {
        let drawn = onevisit_serial::fonts::bundled_bytes()
            .ok_or_else(|| ImeError::Engine("the bundled font is not installed".to_owned()))
            .and_then(RareGlyphs::new);
        drawn
            .inspect_err(|e| tracing::warn!("handwriting offers no rare characters: {e}"))
            .ok()
    })
    .as_ref()
}

/// Parses a stroke as the UI sends it: "x y;x y;…" in pad coordinates.
pub fn parse_stroke(text: &str) -> Stroke {
    text.split(';')
        .filter_map(|p| {
            let mut it = p.split_whitespace().map(str::parse::<f32>);
            match (it.next(), it.next()) {
                (Some(Ok(x)), Some(Ok(y))) if x.is_finite() && y.is_finite() => Some((x, y)),
                _ => None,
            }
        })
        .collect()
}

/// What a technician's diagnostics say about the input engines.
pub fn status(data_dir: &Path) -> Vec<(&'static str, Result<String, ImeError>)> {
    let pinyin = Rime::open(&rime_dirs(data_dir)).map(|r| r.describe());
    let handwriting = open_handwriting(&Zinnia::model_path()).map(|z| z.describe());
    vec![("pinyin", pinyin), ("handwriting", handwriting)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_from_the_ui_parse_and_bad_points_are_dropped() {
        assert_eq!(parse_stroke("1 2;3.5 4"), vec![(1.0, 2.0), (3.5, 4.0)]);
        assert_eq!(parse_stroke("1 2;x y;NaN 3;;5"), vec![(1.0, 2.0)]);
        assert!(parse_stroke("").is_empty());
    }
}
