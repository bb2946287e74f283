//! The kiosk app: the session (pure, in `onevisit-domain`) wired to the UI, the devices, the
//! store and sync. `app` carries out what the session asks; `view` shows its state;
//! `camera` is the simulated document camera; `speech` reads screens aloud; `screenshots`
//! renders every screen headlessly.

pub mod app;
pub mod camera;
pub mod frames;
pub mod printer;
pub mod screenshots;
pub mod script;
pub mod speech;
pub mod view;

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
