//! Goal indicators (issue 13). Each figure is printed beside a same-run baseline, with the
//! issue's target:
//! - the figures an append keeps: making a case's figures against deciding one event of it, and
//!   an append with its figures (each case's, and their sums by month) against the same append
//!   without (SQLite, synchronous=NORMAL), for whole simulated cases in one append and for cases
//!   told one event per append;
//! - every shipped indicator for one period over 1,000,000 stored closed cases (target ≤ 2 s;
//!   read path: the `lots_figure_sums` projection, the figures summed by month, kept on
//!   append), against a bare count of the closed figures of the years shown;
//! - the simulation: cases per second in memory (decided, not stored; target ≥ 5,000/s) and into
//!   SQLite.
//!
//! The 1,000,000 cases are written straight into the projection by SQL (a case row and one
//! figure per indicator, categories spread like the simulation's), kept in
//! `target/bench-data/` between runs: building them through the engine would take hours.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "benchmark setup"
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lots::indicators::compute::Request;
use lots::indicators::period::Period;
use lots::model::indicator::{Breakdown, Measure};
use lots::runtime::{self, Case, Event, FactValue};
use lots::simulate::{Options, run as simulate, run_in_memory};
use lots::store::{SqlStore, StoreOptions, Synchronous};
use lots::{Catalog, Engine, FsSource};

mod support;
use support::{ms, ratio, us, verdict};

const CASES: u64 = 1_000_000;

fn catalog() -> Catalog {
    support::load_clean(&FsSource::new(support::catalog_paths()))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn normal() -> StoreOptions {
    StoreOptions {
        synchronous: Synchronous::Normal,
        ..StoreOptions::default()
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

/// A simulated case half-way through its story, and the event after it.
fn mid_case(catalog: &Catalog) -> (Case, Event, runtime::Actor, jiff::civil::DateTime) {
    let options = Options {
        cases: 40,
        seed: 5,
        unit: None,
        start: "2026-01-01".parse().unwrap(),
        months: 12,
    };
    let told = lots::simulate::Population::new(catalog, &options)
        .unwrap()
        .max_by_key(|t| t.events.len())
        .unwrap();
    let half = told.events.len() / 2;
    let mut case = Case::default();
    for (e, by, at) in told.events.iter().take(half) {
        case = runtime::apply(catalog, &case, e.clone(), by.clone(), *at)
            .unwrap()
            .case;
    }
    let (_, by, at) = told.events[half].clone();
    let event = Event::FactsRecorded {
        facts: [("financial_assistance".to_owned(), FactValue::Bool(true))].into(),
        person: None,
    };
    (case, event, by, at)
}

fn projection(catalog: &Catalog) {
    let (case, event, by, at) = mid_case(catalog);
    let reps = 2000;
    let mut make = Vec::new();
    let mut decide = Vec::new();
    for _ in 0..7 {
        make.push(
            timed(|| {
                for _ in 0..reps {
                    black_box(lots::indicators::record::figures(catalog, black_box(&case)));
                }
            })
            .0 / reps,
        );
        decide.push(
            timed(|| {
                for _ in 0..reps {
                    black_box(
                        runtime::apply(catalog, black_box(&case), event.clone(), by.clone(), at)
                            .unwrap(),
                    );
                }
            })
            .0 / reps,
        );
    }
    let (make, decide) = (support::median(make), support::median(decide));
    println!(
        "  figures of a case ({} indicators) {:>8.1} us | deciding one event of it {:>8.1} us | ratio {:>5.2}x",
        catalog.indicators.len(),
        us(make),
        us(decide),
        ratio(make, decide)
    );
}

/// Appends of whole simulated cases, and of cases told one event per append, with and without
/// their figures (SQLite, NORMAL).
fn append_cost(catalog: &Catalog) {
    let rt = rt();
    let dir = std::env::temp_dir().join(format!("lots-bench-ind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = Options {
        cases: 300,
        seed: 9,
        unit: None,
        start: "2026-01-01".parse().unwrap(),
        months: 12,
    };
    // With figures: the engine's own append. Without: the same catalog with no indicators.
    let mut bare = catalog.clone();
    bare.indicators.clear();
    let mut with = Vec::new();
    let mut without = Vec::new();
    for round in 0..3 {
        for (c, out) in [(catalog, &mut with), (&bare, &mut without)] {
            let path = dir.join(format!("a-{round}-{}.db", c.indicators.len()));
            let store = rt.block_on(SqlStore::sqlite(&path, &normal())).unwrap();
            let engine = Engine::with_catalog(c.clone(), store);
            let (d, summary) = timed(|| rt.block_on(simulate(&engine, &options, |_| {})).unwrap());
            out.push(d / u32::try_from(summary.cases).unwrap());
        }
    }
    let (with, without) = (support::median(with), support::median(without));
    println!(
        "  storing a simulated case (~17 events, one append) with its figures {:>8.1} us | without {:>8.1} us | ratio {:>5.2}x",
        us(with),
        us(without),
        ratio(with, without)
    );
    // One event per append: each moves the figures it changes and their sums.
    let told: Vec<_> = lots::simulate::Population::new(
        catalog,
        &Options {
            cases: 100,
            ..options
        },
    )
    .unwrap()
    .collect();
    let mut with = Vec::new();
    let mut without = Vec::new();
    for round in 0..3 {
        for (c, out) in [(catalog, &mut with), (&bare, &mut without)] {
            let path = dir.join(format!("e-{round}-{}.db", c.indicators.len()));
            let store = rt.block_on(SqlStore::sqlite(&path, &normal())).unwrap();
            let engine = Engine::with_catalog(c.clone(), store);
            let (d, appends) = timed(|| {
                rt.block_on(async {
                    let mut appends = 0u32;
                    for t in &told {
                        let mut events = t.events.iter().cloned();
                        let (e, by, at) = events.next().unwrap();
                        let id = engine.open_case(e, by, at).await.unwrap().case.id;
                        for (e, by, at) in events {
                            engine.apply(&id, e, by, at).await.unwrap();
                            appends += 1;
                        }
                    }
                    appends
                })
            });
            out.push(d / appends);
        }
    }
    let (with, without) = (support::median(with), support::median(without));
    println!(
        "  appending one event of a case with its figures and their sums {:>8.1} us | without {:>8.1} us | ratio {:>5.2}x",
        us(with),
        us(without),
        ratio(with, without)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The store of 1,000,000 closed cases over ten years, made once by SQL.
fn million(catalog: &Catalog) -> PathBuf {
    let dir = support::root().join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "figures-v3-{CASES}-{}.db",
        catalog.indicators.len()
    ));
    if path.exists() {
        return path;
    }
    let rt = rt();
    let tmp = path.with_extension("building");
    let _ = std::fs::remove_file(&tmp);
    rt.block_on(async {
        let store = SqlStore::sqlite(&tmp, &normal()).await.unwrap();
        store.close().await;
    });
    // (indicator, breakdown kind): 0 none, 1 unit, 2 a category fact, 3 age band.
    let kinds: Vec<String> = catalog
        .indicators
        .iter()
        .map(|i| {
            let kind = match i.breakdown.first() {
                None => 0,
                Some(Breakdown::Unit) => 1,
                Some(Breakdown::Fact { .. }) => 2,
                Some(Breakdown::AgeBand(_)) => 3,
            };
            let value = matches!(
                i.measure,
                Measure::Mean(_) | Measure::Median(_) | Measure::TimeBetween(..)
            );
            format!("('{}', {kind}, {})", i.id, i64::from(value))
        })
        .collect();
    // The figures go in without the triggers (one sum at the end, not 19 million moves).
    let (sum_figures, triggers) = sums_migration();
    let sql = format!(
        "PRAGMA foreign_keys = OFF;
         DROP TRIGGER lots_figure_added;
         DROP TRIGGER lots_figure_removed;
         DROP TRIGGER lots_figure_replaced_old;
         DROP TRIGGER lots_figure_replaced_new;
         PRAGMA synchronous = OFF;
         PRAGMA cache_size = -1000000;
         PRAGMA temp_store = MEMORY;
         CREATE TEMP TABLE ind (id TEXT, kind INTEGER, has_value INTEGER);
         INSERT INTO ind VALUES {};
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
         INSERT INTO lots_cases (case_id, workflow, content_hash, unit, seq, opened_us, updated_us)
           SELECT printf('b-%07d', i), 'vuxna_utsatta', 'bench', 'molndal', 17, 0, 0 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
         INSERT INTO lots_figures (case_id, indicator, version, workflow, unit, opened_on,
                                   closed_on, included, c0, c1, c2, c3, met, value)
           SELECT printf('b-%07d', i), ind.id, 1, 'vuxna_utsatta',
                  CASE i % 3 WHEN 0 THEN 'molndal' WHEN 1 THEN 'katrineholm' ELSE 'skarholmen' END,
                  date('2016-01-01', '+' || (i % 3650) || ' days'),
                  date('2016-01-01', '+' || (i % 3650 + 20 + i % 150) || ' days'),
                  (i % 10) <> 0,
                  CASE WHEN i % 100 < 68 THEN 'kvinna' WHEN i % 100 < 98 THEN 'man' ELSE 'annat' END,
                  CASE ind.kind WHEN 0 THEN ''
                    WHEN 1 THEN CASE i % 3 WHEN 0 THEN 'molndal' WHEN 1 THEN 'katrineholm' ELSE 'skarholmen' END
                    WHEN 2 THEN CASE i % 4 WHEN 0 THEN 'police' WHEN 1 THEN 'self' WHEN 2 THEN 'other_unit' ELSE 'other' END
                    ELSE CASE i % 4 WHEN 0 THEN '18_25' WHEN 1 THEN '26_40' WHEN 2 THEN '41_64' ELSE '65_plus' END END,
                  '', '', (i * 7) % 10 < 7,
                  CASE WHEN ind.has_value = 1 THEN (i % 200) * 1.0 END
           FROM n CROSS JOIN ind ORDER BY 1, 2;
         INSERT INTO lots_figures_complete SELECT id FROM ind;
         {sum_figures}
         {triggers}",
        kinds.join(", "),
        CASES - 1,
        CASES - 1,
    );
    let (d, ()) = timed(|| {
        rt.block_on(async {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", tmp.display()))
                .await
                .unwrap();
            pool.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                .await
                .unwrap();
            pool.close().await;
        });
    });
    println!(
        "  (made {CASES} stored cases' figures by SQL in {:.0} s)",
        d.as_secs_f64()
    );
    std::fs::rename(&tmp, &path).unwrap();
    path
}

/// The statements of the migration that made the sums by month: the one that sums the figures
/// stored before it, and the triggers that keep the sums after.
fn sums_migration() -> (&'static str, &'static str) {
    let migration = include_str!("../migrations/sqlite/0003_figure_sums.sql");
    let sum = migration.find("INSERT INTO lots_figure_sums").unwrap();
    let triggers = migration.find("-- The row a figure counts in").unwrap();
    (&migration[sum..triggers], &migration[triggers..])
}

fn report_over_a_million(catalog: &Catalog) {
    let path = million(catalog);
    let rt = rt();
    let store = rt.block_on(SqlStore::sqlite(&path, &normal())).unwrap();
    let engine = Engine::with_catalog(catalog.clone(), store);
    let year = Period::parse("2025").unwrap();
    let request = Request {
        period: year,
        earlier: 2,
        unit: None,
    };
    let mut report = Vec::new();
    let mut scan = Vec::new();
    for _ in 0..5 {
        report.push(timed(|| rt.block_on(engine.report(&request)).unwrap()).0);
        // The baseline: counting the figures of the cases closed in the three years shown
        // (every indicator), the floor of a read that sums them case by case.
        scan.push(
            timed(|| {
                rt.block_on(async {
                    use sqlx::Row;
                    sqlx::any::install_default_drivers();
                    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .unwrap();
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n FROM lots_figures WHERE closed_on >= '2023-01-01' \
                         AND closed_on <= '2025-12-31'",
                    )
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                    let n: i64 = row.try_get("n").unwrap();
                    pool.close().await;
                    n
                })
            })
            .0,
        );
    }
    let (report, scan) = (support::median(report), support::median(scan));
    println!(
        "  every shipped indicator ({}), year 2025 and two before, over {CASES} stored closed cases {:>8.0} ms | counting the rows read {:>8.0} ms | ratio {:>5.2}x | target <= 2 s: {}",
        catalog.indicators.len(),
        ms(report),
        ms(scan),
        ratio(report, scan),
        verdict(report <= Duration::from_secs(2))
    );
}

fn simulation(catalog: &Catalog) {
    let options = |cases| Options {
        cases,
        seed: 1,
        unit: None,
        start: "2026-01-01".parse().unwrap(),
        months: 12,
    };
    let (memory, summary) = timed(|| run_in_memory(catalog, &options(100_000)).unwrap());
    let per_s = |d: Duration, n: u64| n as f64 / d.as_secs_f64();
    let rt = rt();
    let dir = std::env::temp_dir().join(format!("lots-bench-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = rt
        .block_on(SqlStore::sqlite(&dir.join("sim.db"), &normal()))
        .unwrap();
    let engine = Engine::with_catalog(catalog.clone(), store);
    let n = 10_000;
    let (sqlite, _) = timed(|| rt.block_on(simulate(&engine, &options(n), |_| {})).unwrap());
    println!(
        "  simulate 100,000 cases in memory (decided, {} events) {:>8.0} cases/s | {n} cases into SQLite (NORMAL) {:>8.0} cases/s | ratio {:>5.2}x | target >= 5,000 cases/s in memory: {}",
        summary.events,
        per_s(memory, summary.cases),
        per_s(sqlite, n),
        per_s(memory, summary.cases) / per_s(sqlite, n),
        verdict(per_s(memory, summary.cases) >= 5000.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cargo bench --bench indicators [-- PART...]`: the parts named (`projection`, `append`,
/// `report`, `simulation`), or all.
fn main() {
    let catalog = catalog();
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |part: &str| named.is_empty() || named.iter().any(|n| n == part);
    println!("\nindicators, same run:");
    if runs("projection") {
        projection(&catalog);
    }
    if runs("append") {
        append_cost(&catalog);
    }
    if runs("report") {
        report_over_a_million(&catalog);
    }
    if runs("simulation") {
        simulation(&catalog);
    }
}
