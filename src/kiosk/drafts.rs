//! Saving an unfinished application for later and finding it again by the holder's ID card:
//! the session decides when; this carries it to and from the store. The draft's body is a
//! small JSON header followed by the captured pages' compressed images, sealed whole by the
//! store (see `onevisit_store::drafts`).

use std::collections::BTreeMap;

use onevisit_capture::pdf::{PageImage, PdfPage};
use onevisit_domain::session::{Event, Page, Resumed, SavedDraft, SavedStep};
use serde::{Deserialize, Serialize};

use super::app::App;
use super::worker::Job;

const MAGIC: &[u8; 4] = b"OVD1";

const DAY_MS: i64 = 86_400_000;

#[derive(Serialize, Deserialize)]
struct Header {
    theme: String,
    answers: BTreeMap<String, String>,
    form: BTreeMap<String, String>,
    step: SavedStep,
    materials: Vec<(String, Vec<PageHeader>)>,
}

#[derive(Serialize, Deserialize)]
struct PageHeader {
    width_mm: f32,
    height_mm: f32,
    width: u32,
    height: u32,
    /// "bilevel", "grey" or "colour".
    kind: String,
    len: usize,
}

/// A draft to store: what the worker writes.
pub struct DraftJob {
    pub id_number: String,
    pub theme: String,
    pub body: Vec<u8>,
    pub now: i64,
    pub expires_at: i64,
}

/// The draft as bytes: header, then each page's image in order.
fn encode(d: &SavedDraft, pages: &[(String, Vec<PdfPage>)]) -> Vec<u8> {
    let mut blobs = Vec::new();
    let materials = pages
        .iter()
        .map(|(id, ps)| {
            let hs = ps
                .iter()
                .map(|p| {
                    let (width, height, kind, bytes) = match &p.image {
                        PageImage::Bilevel {
                            width,
                            height,
                            deflated,
                        } => (*width, *height, "bilevel", deflated),
                        PageImage::Jpeg {
                            width,
                            height,
                            colour,
                            bytes,
                        } => (
                            *width,
                            *height,
                            if *colour { "colour" } else { "grey" },
                            bytes,
                        ),
                    };
                    blobs.extend_from_slice(bytes);
                    PageHeader {
                        width_mm: p.width_mm,
                        height_mm: p.height_mm,
                        width,
                        height,
                        kind: kind.into(),
                        len: bytes.len(),
                    }
                })
                .collect();
            (id.clone(), hs)
        })
        .collect();
    let header = Header {
        theme: d.theme.clone(),
        answers: d.answers.clone(),
        form: d.form.clone(),
        step: d.step,
        materials,
    };
    let json = serde_json::to_vec(&header).unwrap_or_default();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&blobs);
    out
}

/// The draft back: its header and pages; None if the bytes are not a draft of ours.
fn decode(body: &[u8]) -> Option<(Header, Vec<Vec<PdfPage>>)> {
    let rest = body.strip_prefix(MAGIC)?;
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let header: Header = serde_json::from_slice(rest.get(4..4 + len)?).ok()?;
    let mut blobs = rest.get(4 + len..)?;
    let mut pages = Vec::new();
    for (_, hs) in &header.materials {
        let mut ps = Vec::new();
        for h in hs {
            let bytes = blobs.get(..h.len)?.to_vec();
            blobs = &blobs[h.len..];
            let image = match h.kind.as_str() {
                "bilevel" => PageImage::Bilevel {
                    width: h.width,
                    height: h.height,
                    deflated: bytes,
                },
                kind => PageImage::Jpeg {
                    width: h.width,
                    height: h.height,
                    colour: kind == "colour",
                    bytes,
                },
            };
            ps.push(PdfPage {
                image,
                width_mm: h.width_mm,
                height_mm: h.height_mm,
            });
        }
        pages.push(ps);
    }
    Some((header, pages))
}

/// Stores a draft (on the worker): the date it is kept until, or what went wrong.
pub fn store(job: DraftJob, store: Option<&super::worker::SharedStore>) -> Result<String, String> {
    let store = store.ok_or("the case store is not available")?;
    store
        .lock()
        .save_draft(
            &job.id_number,
            &job.theme,
            &job.body,
            job.now,
            job.expires_at,
        )
        .map_err(|e| e.to_string())?;
    tracing::info!(theme = %job.theme, "unfinished application saved for later");
    Ok(local_date(job.expires_at - 1))
}

fn local_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

impl App {
    /// The session asked to keep its application: the pages it names go with it, to the
    /// worker (sealing and fsync are slow).
    pub(super) fn save_draft(&mut self, d: &SavedDraft) {
        let pages: Vec<(String, Vec<PdfPage>)> = d
            .pages
            .iter()
            .map(|(id, ps)| {
                let ps = ps
                    .iter()
                    .filter_map(|p| self.scanner.page(p.capture).cloned())
                    .collect();
                (id.clone(), ps)
            })
            .collect();
        let now = self.now();
        let days = i64::from(self.catalog.county.draft_days.max(1));
        self.worker.submit(Job::SaveDraft(Box::new(DraftJob {
            id_number: d.holder.id_number.clone(),
            theme: d.theme.clone(),
            body: encode(d, &pages),
            now,
            expires_at: now + days * DAY_MS,
        })));
    }

    /// A card was read: its saved application, if one is kept, comes back with its pages.
    pub(super) fn look_up_draft(&mut self, id_number: &str) {
        let now = self.now();
        let found = match self.cases.store() {
            Some(s) => s.find_draft(id_number, now),
            None => return,
        };
        let stored = match found {
            Ok(Some(d)) => d,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("a saved application could not be read: {e}");
                return;
            }
        };
        let Some((header, pages)) = decode(&stored.body) else {
            tracing::warn!("a saved application is not in a form this kiosk reads");
            return;
        };
        let materials = header
            .materials
            .iter()
            .zip(pages)
            .map(|((id, _), ps)| {
                let ps = ps
                    .into_iter()
                    .map(|p| Page {
                        ok: true,
                        advice: String::new(),
                        capture: self.scanner.keep(p),
                    })
                    .collect();
                (id.clone(), ps)
            })
            .collect();
        tracing::info!(theme = %header.theme, "saved application found for the card");
        self.event(Event::DraftFound(Box::new(Resumed {
            theme: header.theme,
            answers: header.answers,
            form: header.form,
            pages: materials,
            step: header.step,
            saved_on: local_date(stored.saved_at),
        })));
    }

    /// The case is submitted: its holder's saved draft is no longer needed.
    pub(super) fn forget_draft(&mut self) {
        let Some(id) = self.session.applicant().map(|p| p.id_number.clone()) else {
            return;
        };
        if let Some(mut s) = self.cases.store()
            && let Err(e) = s.delete_draft(&id)
        {
            tracing::warn!("a submitted application's draft was not deleted: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onevisit_domain::session::{IdSource, Person};

    #[test]
    fn a_draft_comes_back_as_it_went() {
        let pages = vec![(
            "lease-contract".to_string(),
            vec![
                PdfPage {
                    image: PageImage::Bilevel {
                        width: 16,
                        height: 2,
                        deflated: vec![1, 2, 3],
                    },
                    width_mm: 210.0,
                    height_mm: 297.0,
                },
                PdfPage {
                    image: PageImage::Jpeg {
                        width: 4,
                        height: 4,
                        colour: true,
                        bytes: vec![0xFF, 0xD8, 9],
                    },
                    width_mm: 100.0,
                    height_mm: 80.0,
                },
            ],
        )];
        let d = SavedDraft {
            theme: "open-restaurant".into(),
            answers: [("premises".to_string(), "rented".to_string())].into(),
            holder: Person {
                name: "张试民".into(),
                id_number: "110101199003071233".into(),
                sex: None,
                nation: None,
                birth: None,
                address: None,
                source: IdSource::IdCard,
            },
            form: [("shop_name".to_string(), "样例小饭馆".to_string())].into(),
            pages: Vec::new(),
            step: SavedStep::Scan,
        };
        let (h, back) = decode(&encode(&d, &pages)).unwrap();
        assert_eq!(h.theme, "open-restaurant");
        assert_eq!(h.form["shop_name"], "样例小饭馆");
        assert_eq!(h.step, SavedStep::Scan);
        assert_eq!(back, vec![pages[0].1.clone()]);
        // Cut short or foreign: nothing, not a panic.
        let bytes = encode(&d, &pages);
        assert!(decode(&bytes[..bytes.len() - 2]).is_none());
        assert!(decode(b"OVD1\xff\xff\xff\xff").is_none());
        assert!(decode(b"").is_none());
    }
}
