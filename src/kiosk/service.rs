//! Telling systemd how the kiosk is doing (`Type=notify` in the OS image's
//! `onevisit.service`): `READY=1` once the first screen is up, then `WATCHDOG=1` from the UI
//! loop itself, so a UI that freezes (a deadlock, `SIGSTOP`) stops the pings and systemd
//! restarts it. Outside systemd (`NOTIFY_SOCKET` unset, as under `make run`) nothing is sent.
//!
//! The protocol is one datagram per message on a Unix socket; a few lines of std instead of a
//! crate.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

/// The notify socket and the watchdog period systemd asked for, read once at start.
pub struct Notifier {
    socket: Option<(UnixDatagram, String)>,
    watchdog: Option<Duration>,
    last_ping: Option<Instant>,
    ready_sent: bool,
}

impl Notifier {
    /// From the environment systemd gives a `Type=notify` service.
    pub fn from_env() -> Self {
        let socket = std::env::var("NOTIFY_SOCKET")
            .ok()
            .filter(|s| !s.is_empty())
            .and_then(|path| match UnixDatagram::unbound() {
                Ok(s) => Some((s, path)),
                Err(e) => {
                    tracing::warn!("systemd notify socket: {e}");
                    None
                }
            });
        let watchdog = watchdog_period(
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
            std::process::id(),
        );
        Notifier {
            socket,
            watchdog,
            last_ping: None,
            ready_sent: false,
        }
    }

    /// Called from the UI loop's timer: the first call says ready, later ones keep the
    /// watchdog fed at half its period.
    pub fn tick(&mut self, now: Instant) {
        if !self.ready_sent {
            self.ready_sent = true;
            self.send("READY=1\nSTATUS=attract screen shown");
            tracing::info!("kiosk ready (first screen shown)");
        }
        let Some(period) = self.watchdog else { return };
        if self
            .last_ping
            .is_none_or(|t| now.duration_since(t) >= period / 2)
        {
            self.last_ping = Some(now);
            self.send("WATCHDOG=1");
        }
    }

    fn send(&self, msg: &str) {
        let Some((sock, path)) = &self.socket else {
            return;
        };
        let sent = match path.strip_prefix('@') {
            // An abstract socket (systemd uses one in containers and some test setups).
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
                    .and_then(|addr| sock.send_to_addr(msg.as_bytes(), &addr))
            }
            None => sock.send_to(msg.as_bytes(), path),
        };
        if let Err(e) = sent {
            tracing::warn!("systemd notify ({msg:?}): {e}");
        }
    }
}

/// The watchdog period, when systemd set one for this process (`WATCHDOG_PID`, when present,
/// must be ours: a child started by the kiosk must not feed its parent's watchdog).
fn watchdog_period(usec: Option<&str>, pid: Option<&str>, own_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid
        && pid.trim().parse::<u32>().ok() != Some(own_pid)
    {
        return None;
    }
    Some(Duration::from_micros(usec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_period_is_ours_only() {
        assert_eq!(
            watchdog_period(Some("20000000"), None, 7),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            watchdog_period(Some("20000000"), Some("7"), 7),
            Some(Duration::from_secs(20))
        );
        assert_eq!(watchdog_period(Some("20000000"), Some("8"), 7), None);
        assert_eq!(watchdog_period(Some("0"), None, 7), None);
        assert_eq!(watchdog_period(Some("soon"), None, 7), None);
        assert_eq!(watchdog_period(None, None, 7), None);
    }

    #[test]
    fn ready_once_then_pings_at_half_the_period() {
        let dir = std::env::temp_dir().join(format!("onevisit-notify-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("notify");
        let _ = std::fs::remove_file(&path);
        let server = UnixDatagram::bind(&path).expect("bind a test socket");
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut n = Notifier {
            socket: Some((
                UnixDatagram::unbound().expect("socket"),
                path.display().to_string(),
            )),
            watchdog: Some(Duration::from_secs(10)),
            last_ping: None,
            ready_sent: false,
        };
        let t0 = Instant::now();
        n.tick(t0);
        n.tick(t0 + Duration::from_secs(1)); // too soon: nothing
        n.tick(t0 + Duration::from_secs(6));
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        for _ in 0..3 {
            let len = server.recv(&mut buf).expect("a message");
            got.push(String::from_utf8_lossy(&buf[..len]).into_owned());
        }
        assert!(got[0].starts_with("READY=1"), "{got:?}");
        assert_eq!(got[1..], ["WATCHDOG=1", "WATCHDOG=1"]);
        server.set_nonblocking(true).expect("nonblocking");
        assert!(server.recv(&mut buf).is_err(), "no fourth message");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
