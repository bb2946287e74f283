//! The materials merge: one set across all items, and a reason for everything left out.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::Text;
use crate::catalog::{Catalog, Item, Material, Obtain};

#[derive(Debug, Clone, Serialize)]
pub struct PlannedMaterial {
    pub id: String,
    pub name: Text,
    pub description: Option<Text>,
    pub obtain: Obtain,
    /// Items that asked for it, directly or through a material it stands in for.
    pub needed_by: Vec<String>,
    /// Materials some item asked for that this one stands in for.
    pub replaces: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DroppedMaterial {
    pub id: String,
    pub name: Text,
    pub needed_by: Vec<String>,
    #[serde(flatten)]
    pub reason: DropReason,
}

/// Why the applicant need not hand a material in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DropReason {
    /// The government checks it itself (e-licence, shared data).
    VerifiedOnline { source: Option<Text> },
    /// The kiosk reads it from the resident ID card.
    ReadFromIdCard,
    /// Another material in the set stands in for it.
    CoveredBy { material: String },
    /// It is the result of an item in this same chain.
    IssuedInChain { item: String },
    /// The applicant's answer means it is not needed.
    NotApplicable { question: String, answer: String },
}

pub(super) struct Merged {
    pub set: Vec<PlannedMaterial>,
    pub dropped: Vec<DroppedMaterial>,
    /// What each item asks for on its own, after the answers: the "before" count.
    pub requested_per_item: usize,
}

struct Merger<'c> {
    catalog: &'c Catalog,
    in_plan: &'c HashSet<&'c str>,
    removed: &'c HashMap<&'c str, (&'c str, &'c str)>,
    /// Everything some applicable item asks for directly, not removed by an answer.
    direct: HashSet<&'c str>,
    set: Vec<PlannedMaterial>,
    dropped: Vec<DroppedMaterial>,
}

pub(super) fn merge<'c>(
    catalog: &'c Catalog,
    items: &[&'c Item],
    in_plan: &'c HashSet<&'c str>,
    removed: &'c HashMap<&'c str, (&'c str, &'c str)>,
    added: &HashMap<&'c str, Vec<&'c str>>,
) -> Merged {
    let requests: Vec<(&Item, Vec<&str>)> = items
        .iter()
        .map(|it| {
            let mut wanted: Vec<&str> = it.materials.iter().map(String::as_str).collect();
            for m in added.get(it.id.as_str()).into_iter().flatten() {
                if !wanted.contains(m) {
                    wanted.push(m);
                }
            }
            (*it, wanted)
        })
        .collect();
    let direct = requests
        .iter()
        .flat_map(|(_, w)| w.iter().copied())
        .filter(|m| !removed.contains_key(m))
        .collect();
    let mut mg = Merger {
        catalog,
        in_plan,
        removed,
        direct,
        set: Vec::new(),
        dropped: Vec::new(),
    };
    let mut requested_per_item = 0;
    for (it, wanted) in &requests {
        for m in wanted {
            if let Some(&(q, a)) = removed.get(m) {
                mg.drop(
                    m,
                    &it.id,
                    DropReason::NotApplicable {
                        question: q.to_owned(),
                        answer: a.to_owned(),
                    },
                );
                continue;
            }
            requested_per_item += 1;
            mg.resolve(m, &it.id, None, 0);
        }
    }
    Merged {
        set: mg.set,
        dropped: mg.dropped,
        requested_per_item,
    }
}

impl<'c> Merger<'c> {
    fn material(&self, id: &str) -> Option<&'c Material> {
        self.catalog.materials.get(id)
    }

    /// Settles one request for material `id` by `item`: into the set, or dropped with a reason.
    /// `replacing` is the material this one stands in for, when followed through `covered_by`.
    fn resolve(&mut self, id: &str, item: &str, replacing: Option<&str>, depth: usize) {
        let Some(m) = self.material(id) else { return };
        if let Some(by) = m.issued_by.as_deref().filter(|i| self.in_plan.contains(i)) {
            let reason = DropReason::IssuedInChain {
                item: by.to_owned(),
            };
            return self.drop(id, item, reason);
        }
        match m.obtain {
            Obtain::Online => {
                let reason = DropReason::VerifiedOnline {
                    source: m.source.clone(),
                };
                return self.drop(id, item, reason);
            }
            Obtain::IdCard => return self.drop(id, item, DropReason::ReadFromIdCard),
            Obtain::Paper | Obtain::Kiosk => {}
        }
        // Covers form no cycles in a checked catalog; the depth guard keeps a hand-built
        // catalog from looping.
        if let Some(cover) = self.cover_for(m).filter(|_| depth < 16) {
            let reason = DropReason::CoveredBy {
                material: cover.to_owned(),
            };
            self.drop(id, item, reason);
            return self.resolve(cover, item, Some(id), depth + 1);
        }
        self.keep(m, item, replacing);
    }

    /// The material that stands in for `m`: the first listed one the set already needs,
    /// else the first listed one an answer has not ruled out.
    fn cover_for(&self, m: &'c Material) -> Option<&'c str> {
        let usable = || {
            m.covered_by
                .iter()
                .map(String::as_str)
                .filter(|c| !self.removed.contains_key(c))
        };
        usable()
            .find(|c| self.direct.contains(c))
            .or_else(|| usable().next())
    }

    fn keep(&mut self, m: &Material, item: &str, replacing: Option<&str>) {
        let entry = match self.set.iter_mut().position(|p| p.id == m.id) {
            Some(i) => &mut self.set[i],
            None => {
                self.set.push(PlannedMaterial {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    description: m.description.clone(),
                    obtain: m.obtain,
                    needed_by: Vec::new(),
                    replaces: Vec::new(),
                });
                let last = self.set.len() - 1;
                &mut self.set[last]
            }
        };
        push_unique(&mut entry.needed_by, item);
        if let Some(r) = replacing {
            push_unique(&mut entry.replaces, r);
        }
    }

    fn drop(&mut self, id: &str, item: &str, reason: DropReason) {
        if let Some(d) = self.dropped.iter_mut().find(|d| d.id == id) {
            push_unique(&mut d.needed_by, item);
            return;
        }
        let name = self
            .material(id)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| Text::new(id, id));
        self.dropped.push(DroppedMaterial {
            id: id.to_owned(),
            name,
            needed_by: vec![item.to_owned()],
            reason,
        });
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}
