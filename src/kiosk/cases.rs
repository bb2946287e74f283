//! The case store as the session needs it: committing a case (on the worker), the citizen's
//! earlier cases, ratings, and the retention purge when sync is off.

use std::sync::MutexGuard;

use onevisit_domain::session::{Draft, EarlierCase};
use onevisit_store::{Applicant, NewCase, Retention, Store};

use super::app::App;
use super::worker::{CommitJob, SharedStore};

pub struct Cases {
    store: Option<SharedStore>,
    /// Case ids numbered from a seed instead of random (the screenshot gallery).
    numbered: Option<u64>,
}

impl Cases {
    pub fn new(store: Option<Store>) -> Cases {
        Cases {
            store: store.map(SharedStore::new),
            numbered: None,
        }
    }

    pub fn shared(&self) -> Option<SharedStore> {
        self.store.clone()
    }

    /// False when the store did not open (the technician is told why at start).
    pub fn available(&self) -> bool {
        self.store.is_some()
    }

    /// The store, for one call (waits for a commit in progress).
    pub fn store(&self) -> Option<MutexGuard<'_, Store>> {
        self.store.as_ref().map(SharedStore::lock)
    }

    /// Numbers new cases from `seed` instead of drawing random ids, so that two runs of the
    /// screenshot gallery draw the same case numbers and QR codes.
    pub fn number_from(&mut self, seed: u64) {
        self.numbered = Some(seed);
    }

    /// A new case's id: a random UUID, or the next numbered one.
    fn next_id(&mut self) -> String {
        match &mut self.numbered {
            None => uuid::Uuid::new_v4().to_string(),
            Some(n) => {
                *n += 1;
                // Two rounds of SplitMix64 spread the sequence over the id, as random ids look.
                let mix = |mut z: u64| {
                    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    z ^ (z >> 31)
                };
                let bits = (u128::from(mix(*n)) << 64) | u128::from(mix(!*n));
                uuid::Builder::from_random_bytes(bits.to_be_bytes())
                    .into_uuid()
                    .to_string()
            }
        }
    }

    pub fn record_rating(&self, case_id: &str, rating: u8, comment: Option<String>, now: i64) {
        if let Some(mut s) = self.store()
            && let Err(e) = s.record_rating(case_id, rating, comment.as_deref(), now)
        {
            tracing::warn!("rating not recorded: {e}");
        }
    }

    /// The cases committed here for this ID number, newest first.
    pub fn earlier(&self, id_number: &str) -> Vec<EarlierCase> {
        let Some(store) = self.store() else {
            return Vec::new();
        };
        store
            .find_by_id_number(id_number)
            .unwrap_or_default()
            .into_iter()
            .map(|c| EarlierCase {
                owed: store
                    .payload(&c.summary.id)
                    .map(|p| p.owed.into_iter().map(|o| (o.name, o.due)).collect())
                    .unwrap_or_default(),
                case_id: c.summary.id.clone(),
                theme: c.summary.theme.clone(),
                submitted_at: c.summary.created_at,
                number: c.central_number.clone(),
                status: c.remote_status.clone(),
                reason: c.remote_reason.clone(),
            })
            .collect()
    }

    /// Applies the retention limits, unless a commit holds the store (then next time).
    pub fn purge(&self, now: i64, limits: &Retention) {
        if let Some(mut store) = self.store.as_ref().and_then(SharedStore::try_lock) {
            match store.purge_expired(now, limits) {
                Ok(p) => p.log(),
                Err(e) => tracing::warn!("retention purge failed: {e}"),
            }
        }
    }
}

impl App {
    /// The session's draft as the worker commits it, with the captured pages it names.
    pub(super) fn commit_job(&mut self, d: &Draft) -> CommitJob {
        let materials = d
            .materials
            .iter()
            .map(|(_, name, pages)| {
                let pages = pages
                    .iter()
                    .filter_map(|p| self.scanner.page(p.capture).cloned())
                    .collect();
                (name.clone(), pages)
            })
            .collect();
        CommitJob {
            id: self.cases.next_id(),
            case: NewCase {
                theme: d.theme.clone(),
                answers: d.answers.clone(),
                applicant: Applicant {
                    name: d.applicant.name.clone(),
                    id_number: d.applicant.id_number.clone(),
                },
                form: d.form.clone(),
                materials: Vec::new(),
                signature: d.signature.clone(),
                rating: None,
                owed: d
                    .owed
                    .iter()
                    .map(|o| onevisit_store::OwedMaterial {
                        name: o.name.clone(),
                        due: self.working_days_from_today(o.days),
                    })
                    .collect(),
            },
            materials,
            now: self.now(),
        }
    }

    /// When the results are due: the plan's days in working days from today.
    pub(super) fn due_date(&self) -> String {
        let days = self.session.plan().map_or(0, |p| p.after.days);
        self.working_days_from_today(days)
    }

    /// `days` working days from today, by the county's calendar (`YYYY-MM-DD`, or — when
    /// the calendar does not reach that far).
    pub(super) fn working_days_from_today(&self, days: u32) -> String {
        self.calendar
            .add_working_days(self.local_time().date_naive(), days)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| "—".into())
    }
}
