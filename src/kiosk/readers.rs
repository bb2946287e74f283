//! The identity readers: the ID-card reader's card and the passport reader's zone, as the
//! person the session identifies.

use onevisit_domain::session::{Event, IdSource, Person};

use super::app::App;

impl App {
    /// An ID card was read by the reader.
    pub fn card(&mut self, read: &onevisit_idcard::reader::CardRead) {
        if self.technician_active() {
            self.technician_card(read);
            return;
        }
        let card = &read.card;
        let p = Person {
            name: card.name.clone(),
            id_number: card.id_number.clone(),
            sex: match card.sex {
                onevisit_idcard::card::Sex::Male => Some("男".into()),
                onevisit_idcard::card::Sex::Female => Some("女".into()),
                _ => None,
            },
            nation: card.nation.clone(),
            birth: card.birth.map(|d| d.format("%Y-%m-%d").to_string()),
            address: card.address.clone(),
            source: IdSource::IdCard,
        };
        self.event(Event::CardRead(p));
    }

    /// A passport's or travel permit's machine-readable zone, from the MRZ reader.
    pub fn mrz_read(&mut self, m: &onevisit_mrz::Mrz) {
        if self.technician_active() {
            self.technician_mrz(m);
            return;
        }
        if !m.checks_valid {
            self.event(Event::DocumentIncomplete);
            self.changed();
            return;
        }
        let p = Person {
            name: m.names.join(" "),
            id_number: m.document_number.clone(),
            sex: match m.sex.as_str() {
                "M" => Some("男".into()),
                "F" => Some("女".into()),
                _ => None,
            },
            nation: None,
            birth: m.birth.clone(),
            address: None,
            source: IdSource::Mrz,
        };
        self.event(Event::MrzRead(p));
    }

    /// "Use a passport or permit". The real reader reads on its own (see `mrz_read`); in
    /// simulation a sample permit's zone is read at once.
    pub(super) fn use_mrz(&mut self) {
        if !self.simulated {
            self.event(Event::Touch);
            return;
        }
        let p = Person {
            name: "测试丙".into(),
            id_number: "11010519491231002X".into(),
            sex: Some("男".into()),
            nation: None,
            birth: Some("1949-12-31".into()),
            address: None,
            source: IdSource::Mrz,
        };
        self.event(Event::MrzRead(p));
    }
}
