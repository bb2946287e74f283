//! The slow work of a session, off the UI thread: straightening a captured page, and
//! committing a case (PDF assembly, encryption, fsync). One thread takes the jobs in order;
//! their results come back to [`super::app::App::tick`], which turns them into session
//! events. The screen keeps drawing meanwhile, and shows that work is under way.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use onevisit_capture::pdf::{self, PdfPage};
use onevisit_capture::{Gray, Mode, ProcessedPage, process, quality::Thresholds};
use onevisit_store::{NewCase, NewMaterial, Store};

/// The case store, shared by the UI thread (lookups, receipts, ratings) and the worker
/// (commits). Held only for one store call at a time.
#[derive(Clone)]
pub struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    pub fn new(store: Store) -> SharedStore {
        SharedStore(Arc::new(Mutex::new(store)))
    }

    /// The store, waiting for a commit in progress. A thread that panicked while holding it
    /// left SQLite consistent (each call is one transaction), so the store is still usable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store if nobody is using it now (housekeeping that can wait for the next round).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, Store>> {
        match self.0.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

/// A case to commit: everything but the materials' PDFs, which the worker assembles from
/// the captured pages.
pub struct CommitJob {
    pub id: String,
    pub case: NewCase,
    /// Per material: its name and its pages.
    pub materials: Vec<(String, Vec<PdfPage>)>,
    pub now: i64,
}

pub enum Job {
    /// Straighten and judge a camera picture, kept as the material needs (`Mode`); the
    /// camera's colour JPEG comes along for a colour page.
    Capture(Gray, Mode, Option<Vec<u8>>),
    Commit(Box<CommitJob>),
    /// Keep an unfinished application for its holder.
    SaveDraft(Box<super::drafts::DraftJob>),
}

/// A job's result.
pub enum Done {
    Captured(Result<ProcessedPage, String>),
    /// The case id, or what went wrong.
    Committed(Result<String, String>),
    /// The date the draft is kept until, or what went wrong.
    DraftSaved(Result<String, String>),
}

#[derive(Clone, Copy)]
enum Kind {
    Capture,
    Commit,
    SaveDraft,
}

impl Kind {
    fn of(job: &Job) -> Kind {
        match job {
            Job::Capture(..) => Kind::Capture,
            Job::Commit(_) => Kind::Commit,
            Job::SaveDraft(_) => Kind::SaveDraft,
        }
    }

    /// The job failed with `why`.
    fn failed(self, why: String) -> Done {
        match self {
            Kind::Capture => Done::Captured(Err(why)),
            Kind::Commit => Done::Committed(Err(why)),
            Kind::SaveDraft => Done::DraftSaved(Err(why)),
        }
    }
}

pub struct Worker {
    jobs: Option<Sender<Job>>,
    done: Receiver<Done>,
    /// Jobs sent and not yet answered, oldest first.
    pending: VecDeque<Kind>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(store: Option<SharedStore>) -> Worker {
        let (jobs, rx) = channel::<Job>();
        let (tx, done) = channel();
        let thread = std::thread::Builder::new()
            .name("session-worker".into())
            .spawn(move || {
                for job in rx {
                    if tx.send(run(job, store.as_ref())).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start the session worker: {e}"))
            .ok();
        Worker {
            jobs: thread.as_ref().map(|_| jobs),
            done,
            pending: VecDeque::new(),
            thread,
        }
    }

    /// Hands a job over; its result comes from [`Worker::poll`] or [`Worker::wait`].
    pub fn submit(&mut self, job: Job) {
        self.pending.push_back(Kind::of(&job));
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_ok()
        {
            return;
        }
        // No worker: the job fails at once, and says so (see `lost`).
        self.jobs = None;
    }

    /// A finished job's result, if one is ready (never waits).
    pub fn poll(&mut self) -> Option<Done> {
        self.pending.front()?;
        match self.done.try_recv() {
            Ok(d) => {
                self.pending.pop_front();
                Some(d)
            }
            Err(TryRecvError::Empty) if self.jobs.is_some() => None,
            Err(_) => self.lost(),
        }
    }

    /// The next result, waiting for it (tests, the screenshot gallery and the benchmark
    /// script, which walk the journey step by step). None when nothing is pending.
    pub fn wait(&mut self) -> Option<Done> {
        self.pending.front()?;
        if self.jobs.is_some()
            && let Ok(d) = self.done.recv()
        {
            self.pending.pop_front();
            return Some(d);
        }
        self.lost()
    }

    /// The worker is gone (it could not start): a pending job fails rather than hang the
    /// screen on "processing".
    fn lost(&mut self) -> Option<Done> {
        let why = "the kiosk's worker thread is not running: restart the kiosk".to_owned();
        Some(self.pending.pop_front()?.failed(why))
    }
}

impl Drop for Worker {
    /// A commit under way finishes before the kiosk exits: nothing half-written is left.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(job: Job, store: Option<&SharedStore>) -> Done {
    // A bug in the page or PDF code fails this one job with a message, never the worker.
    let kind = Kind::of(&job);
    let result = catch_unwind(AssertUnwindSafe(|| match job {
        Job::Capture(frame, mode, jpeg) => {
            // Colour needs the camera's colour picture at the frame's size; without one (the
            // simulator, a grey camera) the page is kept in grey, never turned into text.
            let rgb = jpeg
                .filter(|_| mode == Mode::Colour)
                .and_then(|j| image::load_from_memory(&j).ok())
                .map(|i| i.to_rgb8())
                .filter(|i| i.width() == frame.width && i.height() == frame.height)
                .map(|i| i.into_raw());
            let mode = if mode == Mode::Colour && rgb.is_none() {
                Mode::Gray
            } else {
                mode
            };
            Done::Captured(Ok(process(
                &frame,
                rgb.as_deref(),
                mode,
                &Thresholds::default(),
            )))
        }
        Job::Commit(job) => Done::Committed(commit(*job, store)),
        Job::SaveDraft(job) => Done::DraftSaved(super::drafts::store(*job, store)),
    }));
    super::release_memory();
    result.unwrap_or_else(|_| {
        tracing::error!("the session worker failed on a job");
        kind.failed("internal error while processing".to_owned())
    })
}

fn commit(job: CommitJob, store: Option<&SharedStore>) -> Result<String, String> {
    let store = store.ok_or("the case store is not available")?;
    let CommitJob {
        id,
        mut case,
        materials,
        now,
    } = job;
    case.materials = materials
        .into_iter()
        .map(|(name, pages)| NewMaterial {
            name,
            pages: pages.len() as u32,
            pdf: pdf::write(&pages).bytes,
        })
        .collect();
    store
        .lock()
        .commit_with_id(&id, &case, now)
        .map_err(|e| e.to_string())?;
    tracing::info!(case = %id, "case committed");
    Ok(id)
}
