//! What one client, one kiosk or a full disk may cost the central system: connection and
//! request caps, timeouts, an enrollment rate per address, a daily case quota per kiosk, a
//! disk reserve, and the clean-up of uploads abandoned half way. Every limit is a setting
//! (`onevisit-central serve --help`) with a default sized for a county's few hundred kiosks.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::params;
use crate::sql::{Conn, OptionalExtension};

use crate::error::ApiError;

/// Bytes free on the filesystem holding a folder; `None` when it cannot be told. Injectable so
/// a test can simulate a full disk without filling one.
pub type FreeSpace = Arc<dyn Fn(&Path) -> Option<u64> + Send + Sync>;

const DAY_MS: i64 = 86_400_000;

#[derive(Clone)]
pub struct Limits {
    /// Open connections at once; more are closed at once (kiosks retry with backoff).
    pub max_connections: usize,
    /// Requests being handled at once; more get 503 with `Retry-After`. Each may hold a
    /// chunk (1 MiB) in memory.
    pub max_requests: usize,
    /// Time for a TLS handshake.
    pub handshake_timeout: Duration,
    /// Time for a request's headers, and the longest a kept-alive connection may sit idle.
    pub idle_timeout: Duration,
    /// Time for a whole request body, however it trickles in (408 after it).
    pub body_timeout: Duration,
    /// Enrollment attempts per client address per minute (0: no limit) …
    pub enroll_per_minute: u32,
    /// … and how many may come at once.
    pub enroll_burst: u32,
    /// New cases one kiosk may send in any 24 hours (0: no limit); beyond it 429.
    pub cases_per_day: u32,
    /// Free space kept on the data folder's disk: uploads that would eat into it get 507.
    pub disk_reserve: u64,
    /// Unfinished uploads without progress for this long are deleted.
    pub stale_after: Duration,
    /// How often to look for them.
    pub sweep_every: Duration,
    pub free_space: FreeSpace,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            max_requests: 128,
            handshake_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            // A 1 MiB chunk at 100 kbit/s takes about 84 s.
            body_timeout: Duration::from_secs(180),
            enroll_per_minute: 10,
            enroll_burst: 10,
            cases_per_day: 1000,
            disk_reserve: 256 * 1024 * 1024,
            stale_after: Duration::from_secs(72 * 3600),
            sweep_every: Duration::from_secs(3600),
            free_space: Arc::new(free_bytes),
        }
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("max_connections", &self.max_connections)
            .field("max_requests", &self.max_requests)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("enroll_per_minute", &self.enroll_per_minute)
            .field("enroll_burst", &self.enroll_burst)
            .field("cases_per_day", &self.cases_per_day)
            .field("disk_reserve", &self.disk_reserve)
            .field("stale_after", &self.stale_after)
            .field("sweep_every", &self.sweep_every)
            .finish_non_exhaustive()
    }
}

/// Bytes free for an unprivileged writer on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

impl Limits {
    /// 507 unless `need` more bytes leave the reserve free. Checked before anything is
    /// written, so a full disk refuses new data instead of damaging what is there.
    pub fn check_disk(&self, data: &Path, need: u64) -> Result<(), ApiError> {
        let Some(free) = (self.free_space)(data) else {
            tracing::warn!("cannot tell the free space on {}", data.display());
            return Ok(());
        };
        if free < self.disk_reserve.saturating_add(need) {
            tracing::error!(
                free,
                reserve = self.disk_reserve,
                need,
                "the data folder's disk is nearly full: refusing uploads"
            );
            return Err(ApiError::new(
                507,
                "insufficient_storage",
                "the central system is short of disk space; nothing was stored and nothing already received is affected. The kiosk keeps the case and sends it later; county IT must free space",
            )
            .header("retry-after", 300));
        }
        Ok(())
    }
}

/// 429 when the kiosk already sent `per_day` new cases in the last 24 hours.
pub fn check_quota(conn: &Conn, device_id: &str, now: i64, per_day: u32) -> Result<(), ApiError> {
    if per_day == 0 {
        return Ok(());
    }
    let (count, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(received_at) FROM cases WHERE device_id = ?1 AND received_at > ?2",
        params![device_id, now - DAY_MS],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if count < per_day as i64 {
        return Ok(());
    }
    let wait_s = oldest.map_or(3600, |o| ((o + DAY_MS - now).max(1000) + 999) / 1000);
    tracing::warn!(
        device = device_id,
        count,
        "kiosk reached its daily case quota"
    );
    Err(ApiError::new(
        429,
        "quota_exceeded",
        format!(
            "this kiosk has sent {count} new cases in the last 24 hours, the county's limit; the others stay queued on the kiosk and are sent later. If this is expected, the county can raise the limit (onevisit-central serve --cases-per-day)"
        ),
    )
    .header("retry-after", wait_s))
}

/// Token buckets per client address. IPv6 addresses count per /64, what one site gets.
pub struct RateLimiter {
    per_minute: u32,
    burst: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, i64)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            burst: burst.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`, or says in how many seconds one will be there.
    pub fn take(&self, ip: IpAddr, now: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let key = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        };
        let per_ms = self.per_minute as f64 / 60_000.0;
        let burst = self.burst as f64;
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() > 10_000 {
            // Forget addresses whose bucket has refilled: they are as if never seen.
            map.retain(|_, (t, at)| *t + (now - *at) as f64 * per_ms < burst);
        }
        let (tokens, at) = map.entry(key).or_insert((burst, now));
        *tokens = (*tokens + (now - *at).max(0) as f64 * per_ms).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - *tokens) / per_ms / 1000.0).ceil() as u64).max(1))
        }
    }
}

/// Forgets the nonces of signed requests whose time is past the clock-skew window: such a
/// request is refused for its time, so its nonce need not be kept (`api.rs`).
pub fn sweep_nonces(conn: &Conn, now: i64) -> Result<usize, crate::sql::Error> {
    conn.execute("DELETE FROM nonces WHERE expires_at < ?1", [now])
}

/// Deletes the rows of cases still receiving with no progress since `cutoff` (ms); returns
/// their ids so the caller removes their files after the deletion is committed.
pub fn sweep_rows(conn: &Conn, cutoff: i64) -> Result<Vec<String>, crate::sql::Error> {
    let stale: Vec<String> = conn
        .prepare(
            "SELECT id FROM cases WHERE state = 'receiving'
             AND COALESCE(touched_at, received_at) < ?1",
        )?
        .query_map([cutoff], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut swept = Vec::with_capacity(stale.len());
    for id in stale {
        // Checked again under the row's lock: another node may have committed the case, or
        // taken a chunk of it, since the list was read. Then it stays, files and all.
        let still = conn.execute(
            "UPDATE cases SET state = state WHERE id = ?1 AND state = 'receiving'
             AND COALESCE(touched_at, received_at) < ?2",
            params![id, cutoff],
        )?;
        if still == 1 {
            conn.execute("DELETE FROM attachments WHERE case_id = ?1", [&id])?;
            conn.execute("DELETE FROM cases WHERE id = ?1", [&id])?;
            swept.push(id);
        }
    }
    Ok(swept)
}

/// Removes the attachments of swept cases, and those of no case at all (a chunk written as
/// its case was swept) once they are older than `cutoff`.
pub fn sweep_files(
    conn: &Conn,
    blobs: &dyn crate::blobs::Blobs,
    ids: &[String],
    cutoff: SystemTime,
) -> usize {
    let mut removed = ids.iter().filter(|id| blobs.remove_case(id)).count();
    let cases = match blobs.cases() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(
                "clean-up of attachments skipped: listing {}: {e}",
                blobs.describe()
            );
            return removed;
        }
    };
    for (case, _) in cases.into_iter().filter(|(_, t)| *t < cutoff) {
        // Only a case the database answers it does not have: a failed query (a database
        // that went away mid-pass) stops the pass rather than count as "no such case".
        let known = conn
            .query_row("SELECT 1 FROM cases WHERE id = ?1", [&case], |_| Ok(()))
            .optional();
        match known {
            Ok(None) if blobs.remove_case(&case) => removed += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("clean-up of attachment folders stopped: {e}");
                break;
            }
        }
    }
    removed
}

/// One clean-up pass on its own connection: what the server does every `sweep_every`.
/// Returns the ids of the cases removed.
pub fn sweep(
    conn: &mut Conn,
    data: &Path,
    now: i64,
    stale_after: Duration,
) -> Result<Vec<String>, crate::sql::Error> {
    let cutoff = now - stale_after.as_millis() as i64;
    let tx = conn.transaction()?;
    let ids = sweep_rows(&tx, cutoff)?;
    tx.commit()?;
    let wall = SystemTime::now()
        .checked_sub(stale_after)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    sweep_files(conn, &crate::blobs::Folder::new(data), &ids, wall);
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_allows_a_burst_then_says_when() {
        let r = RateLimiter::new(6, 3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(r.take(ip, 0).is_ok());
        }
        assert_eq!(r.take(ip, 0), Err(10), "6 a minute: one every 10 s");
        assert!(
            r.take("10.0.0.2".parse().unwrap(), 0).is_ok(),
            "per address"
        );
        assert!(r.take(ip, 10_000).is_ok());
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        for _ in 0..3 {
            assert!(r.take(a, 0).is_ok());
        }
        assert!(r.take(b, 0).is_err(), "one /64 is one site");
        assert!(RateLimiter::new(0, 0).take(ip, 0).is_ok(), "0 is no limit");
    }
}
