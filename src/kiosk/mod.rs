//! The kiosk app: the session (pure, in `onevisit-domain`) wired to the UI, the devices, the
//! store and sync. `app` carries out what the session asks; `view` shows its state;
//! `camera` is the simulated document camera; `speech` reads screens aloud; `screenshots`
//! renders every screen headlessly.

pub mod app;
pub mod cabinet;
pub mod camera;
pub mod cases;
pub mod contract;
pub mod drafts;
pub mod editor;
pub mod frames;
pub mod printer;
pub mod readers;
pub mod receipt;
pub mod scanning;
pub mod screenshots;
pub mod script;
pub mod service;
pub mod speech;
pub mod technician;
pub mod view;
pub mod window;
pub mod worker;

/// Keeps the kiosk's memory near what it uses: large buffers (camera frames, pages being
/// straightened) are mapped and unmapped directly instead of staying in the heap after use,
/// and few malloc arenas are kept. glibc only; harmless elsewhere.
pub fn tune_allocator() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Gives freed heap memory back to the system (after a capture's large transient buffers).
pub fn release_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns free memory to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The largest anonymous mapping's PSS (kB), for the memory benchmark's trace.
pub fn largest_anon_kb() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps") else {
        return 0;
    };
    let (mut best, mut anon) = (0u64, false);
    for l in text.lines() {
        let mut parts = l.split_whitespace();
        let first = parts.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            anon = parts.nth(4).is_none();
        } else if anon && first == "Pss:" {
            best = best.max(parts.next().and_then(|v| v.parse().ok()).unwrap_or(0));
        }
    }
    best
}

/// Where this process's PSS is (kB per mapping name, largest first; anonymous mappings as
/// `[anon]`), for the memory benchmark's trace at its peak.
pub fn pss_by_mapping() -> Vec<(String, u64)> {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps") else {
        return Vec::new();
    };
    let mut totals: std::collections::BTreeMap<String, u64> = Default::default();
    let mut name = String::new();
    for l in text.lines() {
        let mut parts = l.split_whitespace();
        let first = parts.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let perms = parts.next().unwrap_or("");
            let path = parts.nth(3).unwrap_or("[anon]");
            let kind = if perms.contains('x') { "code" } else { "data" };
            name = format!("{path} ({kind})");
        } else if first == "Pss:" {
            *totals.entry(name.clone()).or_default() +=
                parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
    }
    let mut v: Vec<_> = totals.into_iter().filter(|(_, kb)| *kb > 0).collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v
}

/// This process's proportional set size (kB), for the memory benchmark.
pub fn pss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod journey_tests;
