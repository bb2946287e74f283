//! The kiosk's devices, real or simulated, and what the UI should show about them.
//!
//! The ID-card reader at its port; with `onevisit run --simulate` and no port, an in-process
//! simulator stands in for it, driven by keyboard shortcuts; with neither, it is reported
//! missing and nothing can place a card.

use onevisit_idcard::mask;
use onevisit_idcard::reader::{Config, Event, ReaderStatus};
use onevisit_idcard::sim::SimCard;
use onevisit_serial::idcard;
use onevisit_serial::pump::{Driver, Link, Output, PortConfig};
use onevisit_serial::sim::IdCardSim;

use crate::config::Source;
use crate::runtime::today;

/// What the UI shows about the card reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderView {
    pub ok: bool,
    /// zh-CN first, English after (logs, heartbeat, technician mode).
    pub status: String,
    /// The same in one language each: a citizen's screen shows only theirs.
    pub status_zh: String,
    pub status_en: String,
    pub card_notice: String,
    pub card_notice_en: String,
    /// No reader configured (and not simulating): `missing` in the heartbeat.
    pub missing: bool,
}

pub struct Devices {
    /// None: no reader configured (and not simulating).
    reader: Option<Driver<Event>>,
    /// Cards read since the app last asked.
    cards: Vec<onevisit_idcard::reader::CardRead>,
    sim: Option<IdCardSim>,
    sample_card: Option<SimCard>,
    view: ReaderView,
    simulated: bool,
}

/// A synthetic person's card, built in, for the F2 shortcut.
const SAMPLE_CARD: &str = include_str!("../hardware/serial/tests/cards/resident.json");

impl Devices {
    /// The reader from `source`: at its port, simulated, or missing.
    pub fn start(source: Source) -> anyhow::Result<Devices> {
        let (path, sim) = match source {
            Source::Real(p) => (Some(p), None),
            Source::Simulated => {
                let link =
                    std::env::temp_dir().join(format!("onevisit-idcard-{}", std::process::id()));
                let sim = IdCardSim::start(Some(&link))?;
                (Some(link.to_string_lossy().into_owned()), Some(sim))
            }
            Source::Missing => (None, None),
        };
        let simulated = sim.is_some();
        let sample_card = serde_json::from_str(SAMPLE_CARD).ok();
        let reader =
            path.map(|p| idcard::spawn(PortConfig::new(p, 115_200), Config::default(), today));
        let missing = reader.is_none();
        let (zh, en) = if !missing {
            ("身份证阅读器连接中", "Card reader: connecting")
        } else {
            (
                "身份证阅读器未配置，请联系工作人员",
                "Card reader not configured: please ask staff",
            )
        };
        Ok(Devices {
            reader,
            cards: Vec::new(),
            sim,
            sample_card,
            view: ReaderView {
                ok: false,
                status: format!("{zh} · {en}"),
                status_zh: zh.into(),
                status_en: en.into(),
                card_notice: String::new(),
                card_notice_en: String::new(),
                missing,
            },
            simulated,
        })
    }

    /// Drains device events; returns the new view if it changed.
    pub fn poll(&mut self) -> Option<ReaderView> {
        let before = self.view.clone();
        while let Some(o) = self.reader.as_ref().and_then(|r| r.events.try_recv().ok()) {
            self.apply(o);
        }
        (self.view != before).then(|| self.view.clone())
    }

    /// Cards read since the last call.
    pub fn take_cards(&mut self) -> Vec<onevisit_idcard::reader::CardRead> {
        std::mem::take(&mut self.cards)
    }

    pub fn view(&self) -> ReaderView {
        self.view.clone()
    }

    fn set_status(&mut self, ok: bool, zh: &str, en: &str) {
        let (szh, sen) = if self.simulated {
            ("（模拟）", " (simulated)")
        } else {
            ("", "")
        };
        self.view.ok = ok;
        self.view.status_zh = format!("{zh}{szh}");
        self.view.status_en = format!("{en}{sen}");
        self.view.status = format!("{} · {}", self.view.status_zh, self.view.status_en);
        if !ok {
            // Whatever card was there is no longer known to be.
            self.view.card_notice.clear();
            self.view.card_notice_en.clear();
        }
    }

    fn apply(&mut self, o: Output<Event>) {
        match o {
            Output::Link(Link::Open) => {}
            Output::Link(Link::Closed { .. }) => self.set_status(
                false,
                "身份证阅读器未连接，请联系工作人员",
                "Card reader disconnected: please ask staff",
            ),
            Output::Device(Event::Status(s)) => match s {
                ReaderStatus::Online => {
                    self.set_status(true, "身份证阅读器正常", "Card reader ready")
                }
                ReaderStatus::Unknown => {
                    self.set_status(false, "身份证阅读器连接中", "Card reader: connecting")
                }
                ReaderStatus::Offline => self.set_status(
                    false,
                    "身份证阅读器未连接，请联系工作人员",
                    "Card reader disconnected: please ask staff",
                ),
                ReaderStatus::NotResponding | ReaderStatus::Faulty(_) => self.set_status(
                    false,
                    "身份证阅读器故障，可手工输入证件号码",
                    "Card reader fault: you can type your ID number",
                ),
                ReaderStatus::Resetting => {
                    self.set_status(false, "身份证阅读器正在重启", "Restarting the card reader")
                }
            },
            Output::Device(Event::CardRead(r)) => {
                self.cards.push((*r).clone());
                let who = format!(
                    "{} {}",
                    mask::name(&r.card.name),
                    mask::id_number(&r.card.id_number)
                );
                self.view.card_notice = format!("已读取 {who}");
                self.view.card_notice_en = format!("Read: {who}");
            }
            Output::Device(Event::CardRemoved) => {
                self.view.card_notice.clear();
                self.view.card_notice_en.clear();
            }
            Output::Device(Event::ReadFailed(e)) => {
                tracing::warn!(%e, "card read failed");
                self.view.card_notice = "读卡失败，请重新放置身份证".into();
                self.view.card_notice_en = "The card could not be read: place it again".into();
            }
            Output::Device(Event::LineNoise(_) | Event::NoCard) => {}
        }
    }

    /// Simulation mode: places the sample card on the simulated reader.
    pub fn place_sample_card(&mut self) {
        if let (Some(sim), Some(c)) = (&self.sim, self.sample_card.clone()) {
            sim.place(c);
        }
    }

    /// Simulation mode: takes the card off the simulated reader.
    pub fn remove_card(&mut self) {
        if let Some(sim) = &self.sim {
            sim.remove();
        }
    }

    /// Simulation mode: unplugs the simulated reader, or plugs it back in.
    pub fn toggle_reader_plug(&mut self) {
        let Some(sim) = &self.sim else { return };
        if self.view.ok {
            sim.unplug();
        } else {
            sim.replug();
        }
    }
}
