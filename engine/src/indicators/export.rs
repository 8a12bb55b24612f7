//! The follow-up export: one row per case with the variables its workflow declares
//! (`follow_up:`), for national compilations such as SU-Kvinnofrid.
//!
//! A row holds no case id in clear (a keyed hash, HMAC-SHA-256, whose key never appears in the
//! output), no sensitive fact and no free text (the catalog refuses them as variables), and no
//! actor. An age is written as its age band, dates as their month.

use hmac::{KeyInit, Mac};
use serde::Serialize;

use crate::Catalog;
use crate::model::fact::{Fact, Value};
use crate::model::indicator::age_band;
use crate::runtime::{Case, read_case};
use crate::syntax::FactType;

/// The shortest key accepted: 32 bytes, as much as the hash gives.
pub const MIN_KEY_BYTES: usize = 32;

/// The pseudonymisation key.
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([redacted])")
    }
}

/// Why a key was refused (never says the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the pseudonymisation key is {0} bytes; use at least {MIN_KEY_BYTES} random bytes (e.g. `head -c 48 /dev/urandom | base64`)"
)]
pub struct ShortKey(pub usize);

impl Key {
    /// A key from its bytes (surrounding white space, as a file ends with, is dropped).
    pub fn new(bytes: &[u8]) -> Result<Key, ShortKey> {
        let trimmed = bytes.trim_ascii();
        if trimmed.len() < MIN_KEY_BYTES {
            return Err(ShortKey(trimmed.len()));
        }
        Ok(Key(trimmed.to_vec()))
    }

    /// The pseudonym of a case id: the first 16 bytes of HMAC-SHA-256, in hex.
    pub fn pseudonym(&self, case_id: &str) -> String {
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0) else {
            // HMAC takes a key of any length; this is not reached.
            return String::new();
        };
        mac.update(case_id.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One case's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The keyed hash of the case id.
    pub pseudonym: String,
    /// The unit.
    pub unit: String,
    /// The month it was opened (`2026-03`).
    pub opened: Option<String>,
    /// The month it was closed.
    pub closed: Option<String>,
    /// The closure reason.
    pub closure_reason: Option<String>,
    /// The follow-up variables, in the workflow's order: `None` when not recorded.
    pub variables: Vec<Option<String>>,
}

/// The column names of a workflow's export, after the fixed ones.
pub fn variable_names(catalog: &Catalog, workflow: &str) -> Vec<String> {
    let Some(wf) = catalog.workflow(workflow) else {
        return Vec::new();
    };
    wf.follow_up
        .iter()
        .filter_map(|slot| wf.facts.get(usize::from(slot.0)))
        .map(|f| {
            if f.id.as_ref() == "age" && f.ty == FactType::Integer {
                "age_band".to_owned()
            } else {
                f.id.to_string()
            }
        })
        .collect()
}

/// A case's row, read by the catalog it runs on (`runs_on`); `None` when that catalog does not
/// hold its version. The variables are the current catalog's list for the workflow, so rows of
/// cases on earlier versions line up; a variable an earlier version lacks is empty.
pub fn row(current: &Catalog, runs_on: &Catalog, case: &Case, key: &Key) -> Option<Row> {
    let at = case.events.last()?.at;
    let reading = read_case(runs_on, case, at)?;
    let current = current.workflow(&case.workflow)?;
    let wf = reading.workflow();
    // Every text of the row passes the one redaction step, as every text that leaves the
    // engine does (the variables are never sensitive, so this changes nothing unless a
    // sensitive value was also typed into a category).
    let secrets = crate::runtime::secrecy::Secrets::of(wf, case, None);
    let clean = |text: String| secrets.redact(&text).into_owned();
    let variables = current
        .follow_up
        .iter()
        .filter_map(|slot| current.facts.get(usize::from(slot.0)))
        .map(|fact| {
            let (slot, own) = wf.fact(&fact.id)?;
            value_text(own, reading.fact(slot)?).map(clean)
        })
        .collect();
    let month = |d: jiff::civil::DateTime| format!("{:04}-{:02}", d.year(), d.month());
    Some(Row {
        pseudonym: key.pseudonym(&case.id),
        unit: clean(case.unit.clone()),
        opened: case.opened.map(month),
        closed: case.closed.as_ref().map(|c| month(c.at)),
        closure_reason: case.closed.as_ref().map(|c| clean(c.reason.clone())),
        variables,
    })
}

fn value_text(fact: &Fact, value: &Value) -> Option<String> {
    if fact.sensitive || fact.ty == FactType::Text {
        return None;
    }
    Some(match value {
        Value::Bool(b) => if *b { "ja" } else { "nej" }.to_owned(),
        Value::Integer(i) if fact.id.as_ref() == "age" => age_band(*i).to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Date(d) => format!("{:04}-{:02}", d.year(), d.month()),
        Value::Enum(i) => fact.values.get(usize::from(*i))?.to_string(),
        Value::Text(_) => return None,
    })
}

/// Rows as CSV, with a header.
pub fn csv(names: &[String], rows: &[Row]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["pseudonym", "unit", "opened", "closed", "closure_reason"];
    header.extend(names.iter().map(String::as_str));
    w.write_record(&header)?;
    for r in rows {
        let mut line = vec![
            r.pseudonym.clone(),
            r.unit.clone(),
            r.opened.clone().unwrap_or_default(),
            r.closed.clone().unwrap_or_default(),
            r.closure_reason.clone().unwrap_or_default(),
        ];
        line.extend(r.variables.iter().map(|v| v.clone().unwrap_or_default()));
        w.write_record(&line)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Rows as JSON: a list of objects keyed by column.
pub fn json(names: &[String], rows: &[Row]) -> Result<String, serde_json::Error> {
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut map = serde_json::Map::new();
            map.insert("pseudonym".into(), r.pseudonym.clone().into());
            map.insert("unit".into(), r.unit.clone().into());
            map.insert("opened".into(), r.opened.clone().into());
            map.insert("closed".into(), r.closed.clone().into());
            map.insert("closure_reason".into(), r.closure_reason.clone().into());
            for (n, v) in names.iter().zip(&r.variables) {
                map.insert(n.clone(), v.clone().into());
            }
            serde_json::Value::Object(map)
        })
        .collect();
    serde_json::to_string_pretty(&list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = Key::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let b = Key::new(b"0123456789abcdef0123456789abcdeX").unwrap();
        assert_eq!(a.pseudonym("arende-1"), a.pseudonym("arende-1"));
        assert_ne!(a.pseudonym("arende-1"), a.pseudonym("arende-2"));
        assert_ne!(a.pseudonym("arende-1"), b.pseudonym("arende-1"));
        assert_eq!(a.pseudonym("x").len(), 32);
        assert_eq!(Key::new(b"short\n").unwrap_err(), ShortKey(5));
        assert_eq!(format!("{a:?}"), "Key([redacted])");
    }
}
