//! The kiosk's recent warnings and errors, kept in memory (the last [`KEEP`]) for technician
//! mode's "queue & logs" and its diagnostics bundle: a technician without a laptop sees what
//! went wrong without the journal. The log holds no personal data in clear (it is masked where
//! it is written), so neither does this.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

/// How many lines are kept.
pub const KEEP: usize = 50;

static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// A `tracing` layer that keeps warnings and errors.
pub struct Recent;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recent {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > tracing::Level::WARN {
            return;
        }
        let mut text = Line(String::new());
        event.record(&mut text);
        let at = chrono::Local::now().format("%m-%d %H:%M:%S");
        let line = format!("{at} {level} {}", text.0.trim());
        if let Ok(mut v) = RECENT.lock() {
            if v.len() == KEEP {
                v.pop_front();
            }
            v.push_back(line);
        }
    }
}

/// The message first, then the other fields as `name=value`.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?} {rest}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value} {rest}");
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// Forgets the kept lines (the screenshot gallery shows a fresh kiosk's, the same on every
/// run).
pub fn clear() {
    if let Ok(mut v) = RECENT.lock() {
        v.clear();
    }
}

/// The kept lines, oldest first.
pub fn lines() -> Vec<String> {
    RECENT
        .lock()
        .map(|v| v.iter().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn warnings_and_errors_are_kept_and_the_oldest_go() {
        let subscriber = tracing_subscriber::registry().with(super::Recent);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not kept");
            for i in 0..super::KEEP + 3 {
                tracing::warn!(port = "/dev/ttyUSB0", "reader gone {i}");
            }
            tracing::error!("printer: paper out");
        });
        let lines = super::lines();
        assert_eq!(lines.len(), super::KEEP);
        assert!(lines.iter().all(|l| !l.contains("not kept")));
        let last = lines.last().unwrap();
        assert!(last.contains("ERROR printer: paper out"), "{last}");
        assert!(
            lines[0].contains("reader gone 4") && lines[0].contains("port=/dev/ttyUSB0"),
            "{}",
            lines[0]
        );
    }
}
