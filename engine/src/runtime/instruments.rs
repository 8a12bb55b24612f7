//! A completed instrument: answers scored, the band found, the facts it writes recorded.

use std::collections::BTreeMap;

use super::facts::Writer;
use super::{FactValue, Happening, InstrumentResult, PersonRef, Reason, Run, TraceEntry, Warning};
use crate::model::instrument::{Given, Scoring};
use crate::syntax::FactType;

impl Run<'_> {
    pub(super) fn complete_instrument(
        &mut self,
        id: &str,
        answers: &BTreeMap<String, FactValue>,
        self_rating: Option<&str>,
        judgement: Option<&str>,
        person: Option<&PersonRef>,
    ) -> Result<(), Vec<Reason>> {
        let Some(inst) = self.catalog.instrument(id) else {
            return Err(vec![Reason::UnknownInstrument {
                instrument: id.to_owned(),
            }]);
        };
        let collection = person.map(|p| self.known_person(p)).transpose()?;
        let mut reasons = Vec::new();
        let mut total = 0.0;
        for (item_id, answer) in answers {
            let Some(item) = inst.items.iter().find(|i| i.id.as_ref() == item_id) else {
                reasons.push(Reason::BadAnswer {
                    instrument: id.to_owned(),
                    item: item_id.clone(),
                    expected: "an item of the instrument".to_owned(),
                });
                continue;
            };
            match item.answer.points(given(answer)) {
                Some(points) => total += points * inst.weight(item_id),
                None => reasons.push(Reason::BadAnswer {
                    instrument: id.to_owned(),
                    item: item_id.clone(),
                    expected: item.answer.describe(),
                }),
            }
        }
        for (value, allowed) in [
            (self_rating, &inst.client_self_rating),
            (judgement, &inst.professional_judgement),
        ] {
            if let Some(v) = value
                && !allowed.iter().any(|a| a.as_ref() == v)
            {
                reasons.push(Reason::BadRating {
                    instrument: id.to_owned(),
                    value: v.to_owned(),
                    allowed: allowed.iter().map(ToString::to_string).collect(),
                });
            }
        }
        let unanswered: Vec<String> = inst
            .items
            .iter()
            .filter(|i| !answers.contains_key(i.id.as_ref()))
            .map(|i| i.id.to_string())
            .collect();
        // A complete-only instrument names what is missing, never what was answered.
        if inst.complete_only && !unanswered.is_empty() {
            reasons.push(Reason::ItemsUnanswered {
                instrument: id.to_owned(),
                title: inst.title.clone(),
                items: inst
                    .items
                    .iter()
                    .filter(|i| !answers.contains_key(i.id.as_ref()))
                    .map(|i| super::reason::Unanswered {
                        item: i.id.to_string(),
                        topic: i.topic.clone(),
                    })
                    .collect(),
            });
        }
        if !reasons.is_empty() {
            return Err(reasons);
        }
        if !unanswered.is_empty() && inst.scoring != Scoring::None {
            self.warnings.push(Warning::UnansweredItems {
                instrument: id.to_owned(),
                items: unanswered,
            });
        }
        let score = (inst.scoring != Scoring::None).then_some(total);
        let band = score.and_then(|s| inst.band(s, self.age()).map(|b| b.id.to_string()));
        let results = match person {
            Some(p) => self
                .case
                .people
                .get_mut(&p.of)
                .and_then(|people| people.get_mut(&p.key))
                .map(|p| &mut p.instruments),
            None => Some(&mut self.case.instruments),
        };
        let Some(results) = results else {
            return Ok(());
        };
        let previous = results.get(id);
        let result = InstrumentResult {
            at: self.at,
            score,
            band: band.clone(),
            previous_score: previous.and_then(|p| p.score),
            first_score: previous.and_then(|p| p.first_score).or(score),
            client_self_rating: self_rating.map(str::to_owned),
            professional_judgement: judgement.map(str::to_owned),
            times: previous.map_or(1, |p| p.times + 1),
        };
        results.insert(id.to_owned(), result);
        self.trace.entries.push(TraceEntry::InstrumentScored {
            instrument: id.to_owned(),
            score,
            band: band.clone(),
        });
        // A result for one person writes that person's facts; the case's facts it writes are
        // the case's.
        let mut facts = BTreeMap::new();
        let mut person_facts = BTreeMap::new();
        for w in &inst.writes {
            let Some((_, fact)) = self.wf.fact(&w.fact) else {
                continue;
            };
            let to = match fact.of {
                None => &mut facts,
                Some(c) if Some(c) == collection => &mut person_facts,
                Some(_) => continue,
            };
            let value = match w.from {
                crate::syntax::WriteSource::Score => score.map(|s| match fact.ty {
                    FactType::Integer => FactValue::Integer(s.round() as i64),
                    _ => FactValue::Decimal(s),
                }),
                crate::syntax::WriteSource::Band => band.clone().map(FactValue::Text),
                crate::syntax::WriteSource::ClientSelfRating => {
                    self_rating.map(|s| FactValue::Text(s.to_owned()))
                }
                crate::syntax::WriteSource::ProfessionalJudgement => {
                    judgement.map(|s| FactValue::Text(s.to_owned()))
                }
                crate::syntax::WriteSource::Completed => Some(FactValue::Bool(true)),
            };
            if let Some(v) = value {
                to.insert(w.fact.to_string(), v);
            }
        }
        self.record_facts(&facts, Writer::Host)?;
        if let Some(p) = person
            && !person_facts.is_empty()
        {
            self.write_person_facts(p, &person_facts);
            self.refresh_people();
        }
        self.happened
            .push(Happening::InstrumentCompleted(id.to_owned()));
        Ok(())
    }

    pub(super) fn age(&self) -> Option<i64> {
        match self.case.facts.get("age") {
            Some(FactValue::Integer(a)) => Some(*a),
            _ => None,
        }
    }
}

/// An answer as a host sent it, for scoring.
fn given(v: &FactValue) -> Given<'_> {
    match v {
        FactValue::Bool(b) => Given::Bool(*b),
        FactValue::Integer(i) => Given::Number(*i as f64),
        FactValue::Decimal(d) => Given::Number(*d),
        FactValue::Text(t) => Given::Text(t),
    }
}
