//! The indicator projections in SQL: every case's figures (`lots_figures`, one row per case and
//! indicator) and their sums by month (`lots_figure_sums`), which the database's triggers keep
//! in step with every write of a figure.
//!
//! A report of whole months reads the sums, whose size grows with months × units × categories,
//! not with cases; a report of another range of days, and a median, sums the figures
//! themselves. Both answer
//! the same [`FigureGroup`]s (a test keeps the sums equal to the figures summed).

use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{WriteTx, classify};
use crate::indicators::record::{DIMENSIONS, Figure};
use crate::store::{FigureGroup, FigureQuery, StoreError};
use crate::syntax::PopulationCases;

/// The month of a day as the sums keep it: the first seven characters of its ISO text
/// (`2026-10`), exactly what the migration's triggers take with `SUBSTR`.
fn month(day: Date) -> String {
    day.to_string().chars().take(7).collect()
}

/// How many figures one statement writes: 300 are 4,200 bound values, within both databases'
/// limits.
const ROWS_PER_STATEMENT: usize = 300;

/// Writes a case's figures over its earlier ones. A figure equal to the stored one is left as
/// it is; for each other the database's triggers take the old one out of the sums by month and
/// put the new one in (migration 3), in the same transaction.
pub(super) async fn write(
    tx: &mut WriteTx,
    case_id: &str,
    figures: &[Figure],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 14;
    for chunk in figures.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                // The value goes as text, cast by the database: sqlx's Any driver binds a
                // missing `f64` as a 4-byte float, and a statement prepared with that type
                // then refuses the 8-byte values of the next case (PostgreSQL).
                let places: Vec<String> = (1..=COLUMNS)
                    .map(|c| {
                        let n = i * COLUMNS + c;
                        if c == COLUMNS {
                            format!("CAST(${n} AS DOUBLE PRECISION)")
                        } else {
                            format!("${n}")
                        }
                    })
                    .collect();
                format!("({})", places.join(", "))
            })
            .collect();
        let text = format!(
            "INSERT INTO lots_figures (case_id, indicator, version, workflow, unit, opened_on, \
             closed_on, included, c0, c1, c2, c3, met, value) VALUES {} \
             ON CONFLICT (case_id, indicator) DO UPDATE SET version = excluded.version, \
             workflow = excluded.workflow, unit = excluded.unit, opened_on = excluded.opened_on, \
             closed_on = excluded.closed_on, included = excluded.included, c0 = excluded.c0, \
             c1 = excluded.c1, c2 = excluded.c2, c3 = excluded.c3, met = excluded.met, \
             value = excluded.value \
             WHERE ({COMPARED}) IS DISTINCT FROM ({EXCLUDED})",
            rows.join(", ")
        );
        // Only placeholders and column names are formatted into the text; every value is
        // bound.
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(text));
        for f in chunk {
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
                // `{:?}`: the shortest text that reads back as the same number.
                .bind(f.value.map(|v| format!("{v:?}")));
        }
        insert.execute(&mut **tx).await.map_err(classify)?;
    }
    Ok(())
}

/// The columns a figure is compared on (the stored row's, and the one written's).
const COMPARED: &str = "lots_figures.version, lots_figures.workflow, lots_figures.unit, \
    lots_figures.opened_on, lots_figures.closed_on, lots_figures.included, lots_figures.c0, \
    lots_figures.c1, lots_figures.c2, lots_figures.c3, lots_figures.met, lots_figures.value";
const EXCLUDED: &str = "excluded.version, excluded.workflow, excluded.unit, \
    excluded.opened_on, excluded.closed_on, excluded.included, excluded.c0, excluded.c1, \
    excluded.c2, excluded.c3, excluded.met, excluded.value";

/// Whether a period is whole months, which the sums by month answer.
fn whole_months(first: Date, last: Date) -> bool {
    first.day() == 1 && last.tomorrow().is_ok_and(|d| d.day() == 1)
}

/// The figures of one indicator summed by category: from the sums by month for whole months,
/// from the figures otherwise and for a median (which needs each value).
pub(super) async fn groups(
    conn: &mut sqlx::AnyConnection,
    q: &FigureQuery<'_>,
) -> Result<Vec<FigureGroup>, StoreError> {
    let by_month = whole_months(q.first, q.last) && !q.values;
    // Only the period's placeholders and fixed clauses are formatted into the texts.
    let (sums, period, first, last) = if by_month {
        (
            "CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(met) AS BIGINT) AS met, \
             CAST(SUM(with_value) AS BIGINT) AS nv, \
             CAST(SUM(total) AS DOUBLE PRECISION) AS total FROM lots_figure_sums",
            match q.population {
                PopulationCases::Opened => "opened_month >= $2 AND opened_month <= $3",
                PopulationCases::Closed => "closed_month >= $2 AND closed_month <= $3",
                PopulationCases::Active => {
                    "opened_month <> '' AND opened_month <= $3 \
                     AND (closed_month = '' OR closed_month >= $2)"
                }
            },
            month(q.first),
            month(q.last),
        )
    } else {
        (
            "COUNT(*) AS n, CAST(COALESCE(SUM(met), 0) AS BIGINT) AS met, COUNT(value) AS nv, \
             CAST(COALESCE(SUM(value), 0) AS DOUBLE PRECISION) AS total FROM lots_figures",
            match q.population {
                PopulationCases::Opened => "included = 1 AND opened_on >= $2 AND opened_on <= $3",
                PopulationCases::Closed => "included = 1 AND closed_on >= $2 AND closed_on <= $3",
                PopulationCases::Active => {
                    "included = 1 AND opened_on <= $3 AND (closed_on IS NULL OR closed_on >= $2)"
                }
            },
            q.first.to_string(),
            q.last.to_string(),
        )
    };
    let unit = if q.unit.is_some() {
        " AND unit = $4"
    } else {
        ""
    };
    let filter = format!("indicator = $1 AND {period}{unit}");
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
    // Rows of the sums fallen to zero are no group (as no figure is none).
    let text = format!(
        "SELECT c0, c1, c2, c3, {sums} WHERE {filter} GROUP BY c0, c1, c2, c3 \
         HAVING COUNT(*) > 0 AND {} > 0 ORDER BY c0, c1, c2, c3",
        if by_month { "SUM(n)" } else { "COUNT(*)" }
    );
    let rows = bind(text).fetch_all(&mut *conn).await.map_err(classify)?;
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
        let text = format!(
            "SELECT c0, c1, c2, c3, value, COUNT(*) AS n FROM lots_figures WHERE {filter} \
             AND value IS NOT NULL GROUP BY c0, c1, c2, c3, value ORDER BY c0, c1, c2, c3, value"
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
