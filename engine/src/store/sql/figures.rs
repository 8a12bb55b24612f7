//! The indicator projections in SQL: every case's figures (`lots_figures`, one row per case and
//! indicator) and their sums by month (`lots_figure_sums`), kept in step on every write.
//!
//! A report of whole months reads the sums, whose size grows with months × categories × values,
//! not with cases; a report of another range of days sums the figures themselves. Both answer
//! the same [`FigureGroup`]s (a test keeps the sums equal to the figures summed).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{WriteTx, classify};
use crate::indicators::record::{DIMENSIONS, Figure};
use crate::store::{FigureGroup, FigureQuery, StoreError};
use crate::syntax::PopulationCases;

/// The month of a day as the sums keep it: the first seven characters of its ISO text
/// (`2026-10`), exactly what the migration that made the sums took with `SUBSTR`; `""` for no
/// day.
fn month(day: Option<Date>) -> String {
    day.map(|d| d.to_string().chars().take(7).collect())
        .unwrap_or_default()
}

/// One row of the sums: which figures it counts. Ordered, so that the rows an append moves
/// are written in one order by every writer (two never wait on each other's rows in turn).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SumKey {
    indicator: String,
    opened: String,
    closed: String,
    unit: String,
    categories: [String; DIMENSIONS],
    /// The figures' value (`None`: without one).
    value: Option<Number>,
}

impl SumKey {
    fn of(f: &Figure) -> SumKey {
        SumKey {
            indicator: f.indicator.clone(),
            opened: month(f.opened),
            closed: month(f.closed),
            unit: f.unit.clone(),
            categories: f.categories.clone(),
            value: f.value.map(Number),
        }
    }
}

/// A figure's value, ordered by `total_cmp` (values are finite).
#[derive(Debug, Clone, Copy)]
struct Number(f64);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Number {}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A value as bound text, cast by the database: sqlx's Any driver binds a missing `f64` as a
/// 4-byte float, and a statement prepared with that type then refuses the 8-byte values of the
/// next case (PostgreSQL). `{:?}` writes the shortest text that reads back as the same number.
fn value_text(v: f64) -> String {
    format!("{v:?}")
}

/// How many rows one statement writes: 300 figures are 4,200 bound values, within both
/// databases' limits.
const ROWS_PER_STATEMENT: usize = 300;

/// Writes a case's figures over its earlier ones and moves the sums by the difference: only
/// the figures that changed are written, the old one of each taken out of the sums and the new
/// one put in. `new_case`: the case has no figures yet (nothing to read).
pub(super) async fn write(
    tx: &mut WriteTx,
    case_id: &str,
    figures: &[Figure],
    new_case: bool,
) -> Result<(), StoreError> {
    let old = if new_case {
        HashMap::new()
    } else {
        stored(tx, case_id).await?
    };
    let changed: Vec<&Figure> = figures
        .iter()
        .filter(|f| old.get(&f.indicator) != Some(*f))
        .collect();
    let mut deltas: BTreeMap<SumKey, (i64, i64)> = BTreeMap::new();
    let mut count = |f: &Figure, sign: i64| {
        if f.included {
            let d = deltas.entry(SumKey::of(f)).or_default();
            d.0 += sign;
            d.1 += sign * i64::from(f.met == Some(true));
        }
    };
    for f in &changed {
        if let Some(before) = old.get(&f.indicator) {
            count(before, -1);
        }
        count(f, 1);
    }
    for chunk in changed.chunks(ROWS_PER_STATEMENT) {
        upsert_figures(tx, case_id, chunk).await?;
    }
    let deltas: Vec<(SumKey, (i64, i64))> =
        deltas.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
    for chunk in deltas.chunks(ROWS_PER_STATEMENT) {
        move_sums(tx, chunk).await?;
    }
    Ok(())
}

/// A case's stored figures, by indicator.
async fn stored(tx: &mut WriteTx, case_id: &str) -> Result<HashMap<String, Figure>, StoreError> {
    let rows = sqlx::query(
        "SELECT indicator, version, workflow, unit, opened_on, closed_on, included, c0, c1, c2, \
         c3, met, value FROM lots_figures WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(classify)?;
    let day = |row: &AnyRow, col: &str| -> Result<Option<Date>, StoreError> {
        let text: Option<String> = row.try_get(col).map_err(classify)?;
        text.map(|t| {
            t.parse()
                .map_err(|_| StoreError::Database(format!("a figure's {col} `{t}` is not a day")))
        })
        .transpose()
    };
    let mut figures = HashMap::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.try_get("version").map_err(classify)?;
        let included: i64 = row.try_get("included").map_err(classify)?;
        let met: Option<i64> = row.try_get("met").map_err(classify)?;
        let f = Figure {
            indicator: row.try_get("indicator").map_err(classify)?,
            version: u32::try_from(version)
                .map_err(|_| StoreError::Database("a figure's version out of range".to_owned()))?,
            workflow: row.try_get("workflow").map_err(classify)?,
            unit: row.try_get("unit").map_err(classify)?,
            opened: day(row, "opened_on")?,
            closed: day(row, "closed_on")?,
            included: included != 0,
            categories: categories(row)?,
            met: met.map(|m| m != 0),
            value: row.try_get("value").map_err(classify)?,
        };
        figures.insert(f.indicator.clone(), f);
    }
    Ok(figures)
}

async fn upsert_figures(
    tx: &mut WriteTx,
    case_id: &str,
    figures: &[&Figure],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 14;
    let text = format!(
        "INSERT INTO lots_figures (case_id, indicator, version, workflow, unit, opened_on, \
         closed_on, included, c0, c1, c2, c3, met, value) VALUES {} \
         ON CONFLICT (case_id, indicator) DO UPDATE SET version = excluded.version, \
         workflow = excluded.workflow, unit = excluded.unit, opened_on = excluded.opened_on, \
         closed_on = excluded.closed_on, included = excluded.included, c0 = excluded.c0, \
         c1 = excluded.c1, c2 = excluded.c2, c3 = excluded.c3, met = excluded.met, \
         value = excluded.value",
        placeholders(figures.len(), COLUMNS, COLUMNS)
    );
    // Only placeholders are formatted into the text; every value is bound.
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(text));
    for f in figures {
        let [c0, c1, c2, c3] = f.categories.clone();
        insert = insert
            .bind(case_id.to_owned())
            .bind(f.indicator.clone())
            .bind(i64::from(f.version))
            .bind(f.workflow.clone())
            .bind(f.unit.clone())
            .bind(f.opened.map(|d| d.to_string()))
            .bind(f.closed.map(|d| d.to_string()))
            .bind(i64::from(f.included))
            .bind(c0)
            .bind(c1)
            .bind(c2)
            .bind(c3)
            .bind(f.met.map(i64::from))
            .bind(f.value.map(value_text));
    }
    insert.execute(&mut **tx).await.map_err(classify)?;
    Ok(())
}

/// Adds each delta (figures, of them meeting) to its row of the sums, making rows as needed.
async fn move_sums(tx: &mut WriteTx, deltas: &[(SumKey, (i64, i64))]) -> Result<(), StoreError> {
    const COLUMNS: usize = 12;
    let text = format!(
        "INSERT INTO lots_figure_sums (indicator, opened_month, closed_month, unit, c0, c1, c2, \
         c3, has_value, value, n, met) VALUES {} \
         ON CONFLICT (indicator, opened_month, closed_month, unit, c0, c1, c2, c3, has_value, \
         value) DO UPDATE SET n = lots_figure_sums.n + excluded.n, \
         met = lots_figure_sums.met + excluded.met",
        placeholders(deltas.len(), COLUMNS, 10)
    );
    // Only placeholders are formatted into the text; every value is bound.
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(text));
    for (key, (n, met)) in deltas {
        let [c0, c1, c2, c3] = key.categories.clone();
        insert = insert
            .bind(key.indicator.clone())
            .bind(key.opened.clone())
            .bind(key.closed.clone())
            .bind(key.unit.clone())
            .bind(c0)
            .bind(c1)
            .bind(c2)
            .bind(c3)
            .bind(i64::from(key.value.is_some()))
            .bind(value_text(key.value.map_or(0.0, |v| v.0)))
            .bind(*n)
            .bind(*met);
    }
    insert.execute(&mut **tx).await.map_err(classify)?;
    Ok(())
}

/// `($1, …, $c), ($c+1, …)` for `rows` rows of `columns` values; column `value` (from 1) of
/// each row is a value as text, cast to a number (see [`value_text`]).
fn placeholders(rows: usize, columns: usize, value: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|i| {
            let places: Vec<String> = (1..=columns)
                .map(|c| {
                    let n = i * columns + c;
                    if c == value {
                        format!("CAST(${n} AS DOUBLE PRECISION)")
                    } else {
                        format!("${n}")
                    }
                })
                .collect();
            format!("({})", places.join(", "))
        })
        .collect();
    rows.join(", ")
}

/// Whether a period is whole months: the sums can answer it.
fn whole_months(first: Date, last: Date) -> bool {
    first.day() == 1 && last.tomorrow().is_ok_and(|d| d.day() == 1)
}

/// The figures of one indicator summed by category: from the sums for whole months, from the
/// figures otherwise.
pub(super) async fn groups(
    conn: &mut sqlx::AnyConnection,
    q: &FigureQuery<'_>,
) -> Result<Vec<FigureGroup>, StoreError> {
    let months = whole_months(q.first, q.last);
    // Only the period's placeholders and fixed clauses are formatted into the texts.
    let (table, period, n, with_value, total) = if months {
        (
            "lots_figure_sums",
            match q.population {
                PopulationCases::Opened => "opened_month >= $2 AND opened_month <= $3",
                PopulationCases::Closed => "closed_month >= $2 AND closed_month <= $3",
                PopulationCases::Active => {
                    "opened_month <> '' AND opened_month <= $3 \
                     AND (closed_month = '' OR closed_month >= $2)"
                }
            },
            "SUM(n)",
            "SUM(CASE WHEN has_value = 1 THEN n ELSE 0 END)",
            "SUM(value * n)",
        )
    } else {
        (
            "lots_figures",
            match q.population {
                PopulationCases::Opened => "included = 1 AND opened_on >= $2 AND opened_on <= $3",
                PopulationCases::Closed => "included = 1 AND closed_on >= $2 AND closed_on <= $3",
                PopulationCases::Active => {
                    "included = 1 AND opened_on <= $3 AND (closed_on IS NULL OR closed_on >= $2)"
                }
            },
            "COUNT(*)",
            "COUNT(value)",
            "SUM(value)",
        )
    };
    let unit = if q.unit.is_some() {
        " AND unit = $4"
    } else {
        ""
    };
    let filter = format!("indicator = $1 AND {period}{unit}");
    let (first, last) = if months {
        (month(Some(q.first)), month(Some(q.last)))
    } else {
        (q.first.to_string(), q.last.to_string())
    };
    let bind = |text: String| {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(text))
            .bind(q.indicator.to_owned())
            .bind(first.clone())
            .bind(last.clone());
        if let Some(u) = q.unit {
            query = query.bind(u.to_owned());
        }
        query
    };
    let sums = format!(
        "SELECT c0, c1, c2, c3, CAST({n} AS BIGINT) AS n, \
         CAST(COALESCE(SUM(met), 0) AS BIGINT) AS met, CAST({with_value} AS BIGINT) AS nv, \
         CAST(COALESCE({total}, 0) AS DOUBLE PRECISION) AS total FROM {table} WHERE {filter} \
         GROUP BY c0, c1, c2, c3 HAVING {n} > 0 ORDER BY c0, c1, c2, c3"
    );
    let rows = bind(sums).fetch_all(&mut *conn).await.map_err(classify)?;
    let count = |row: &AnyRow, col: &str| -> Result<u64, StoreError> {
        let n: i64 = row.try_get(col).map_err(classify)?;
        u64::try_from(n).map_err(|_| StoreError::Database(format!("a negative {col}")))
    };
    let mut groups = Vec::with_capacity(rows.len());
    for row in &rows {
        groups.push(FigureGroup {
            categories: categories(row)?,
            n: count(row, "n")?,
            met: count(row, "met")?,
            with_value: count(row, "nv")?,
            sum: row.try_get("total").map_err(classify)?,
            values: Vec::new(),
        });
    }
    if q.values {
        let (n, has_value) = if months {
            ("SUM(n)", "has_value = 1")
        } else {
            ("COUNT(*)", "value IS NOT NULL")
        };
        let text = format!(
            "SELECT c0, c1, c2, c3, value, CAST({n} AS BIGINT) AS n FROM {table} \
             WHERE {filter} AND {has_value} GROUP BY c0, c1, c2, c3, value HAVING {n} > 0 \
             ORDER BY c0, c1, c2, c3, value"
        );
        let rows = bind(text).fetch_all(&mut *conn).await.map_err(classify)?;
        let mut at = 0;
        for row in &rows {
            let key = categories(row)?;
            while groups.get(at).is_some_and(|g| g.categories != key) {
                at += 1;
            }
            let value: f64 = row.try_get("value").map_err(classify)?;
            match groups.get_mut(at) {
                Some(g) => g.values.push((value, count(row, "n")?)),
                None => {
                    return Err(StoreError::Database(
                        "a figure's value outside its group (written during the read?)".to_owned(),
                    ));
                }
            }
        }
    }
    Ok(groups)
}

fn categories(row: &AnyRow) -> Result<[String; DIMENSIONS], StoreError> {
    Ok([
        row.try_get("c0").map_err(classify)?,
        row.try_get("c1").map_err(classify)?,
        row.try_get("c2").map_err(classify)?,
        row.try_get("c3").map_err(classify)?,
    ])
}
