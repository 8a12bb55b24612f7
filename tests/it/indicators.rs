//! Goal indicators end to end: a simulated population in a store (SQLite and PostgreSQL), the
//! report of a month, a tertial and a year, checked for disclosure by rules written here
//! independently of the engine's, for repeatability, and across the two databases; the export
//! for what it must never hold.

use lots::indicators::compute::Request;
use lots::indicators::export::Key;
use lots::indicators::period::Period;
use lots::indicators::report::{Cell, MeasureKind, Report};
use lots::simulate::{Options, run as simulate};
use lots::{Engine, FsSource};

use crate::root;
use crate::store::{Kind, fresh, open, query_number, run_sql, runtime};

/// The shipped catalog.
fn shipped() -> lots::Catalog {
    lots::Catalog::load(&FsSource::new([
        root().join("workflows"),
        root().join("rules"),
    ]))
    .unwrap()
    .catalog
    .unwrap()
}

/// An engine over a fresh store, opened on `rt`: a PostgreSQL pool lives in the runtime that
/// opened it, so every later call runs on the same one.
fn engine(rt: &tokio::runtime::Runtime, address: &str) -> Engine<lots::store::SqlStore> {
    let catalog = shipped();
    let store = rt.block_on(open(address));
    Engine::with_catalog(catalog, store)
}

fn options(cases: u64, seed: u64) -> Options {
    Options {
        cases,
        seed,
        unit: None,
        start: "2026-01-01".parse().unwrap(),
        months: 12,
    }
}

fn request(period: &str) -> Request {
    let period = Period::parse(period).unwrap();
    Request {
        period,
        earlier: period.default_trend(),
        unit: None,
    }
}

/// Checks a report by rules written here, not by the engine's code: no published figure is
/// computed over 1–4 people (for a share neither those who meet it nor those who do not), and
/// no row or column of a count by gender hides exactly one figure (which the others would give
/// away by subtraction).
fn check_disclosure(report: &Report) {
    let small = |n: u64| (1..5).contains(&n);
    for ind in &report.indicators {
        for row in ind
            .by_gender
            .iter()
            .chain(ind.breakdowns.iter().flat_map(|b| &b.rows))
        {
            for cell in &row.cells {
                if let Cell::Value { n, value, .. } = cell {
                    assert!(!small(*n), "{}: {} published over {n}", ind.id, row.label);
                    if ind.measure == MeasureKind::Share {
                        let met = (value * *n as f64).round() as u64;
                        assert!(
                            !small(met) && !small(n - met),
                            "{}: {} share of {met}/{n}",
                            ind.id,
                            row.label
                        );
                    }
                }
            }
        }
        if ind.measure == MeasureKind::Count {
            // Per period (a column of the by-gender table): the genders and the total.
            for p in 0..report.periods.len() {
                let hidden = ind
                    .by_gender
                    .iter()
                    .filter(|r| matches!(r.cells.get(p), Some(Cell::Suppressed)))
                    .count();
                assert_ne!(hidden, 1, "{}: one hidden figure in period {p}", ind.id);
            }
        }
    }
}

#[test]
fn a_simulated_year_reports_safely_and_the_same_every_time() {
    let rt = runtime();
    let address = fresh(Kind::Sqlite, "indicators");
    let engine = engine(&rt, &address);
    let summary = rt
        .block_on(simulate(&engine, &options(600, 7), |_| {}))
        .unwrap();
    assert_eq!(summary.cases, 600);
    assert_eq!(
        summary.rejected, 0,
        "the simulation only sends events the workflow accepts"
    );
    assert!(summary.closed > 200 && summary.closed < 600, "{summary:?}");
    let catalog = engine.catalog();
    // Decided on every core in memory, the same cases as one by one into the store.
    assert_eq!(
        lots::simulate::run_in_memory(&catalog, &options(600, 7)).unwrap(),
        summary
    );
    for period in ["2026-10", "2026-T2", "2026"] {
        let report = rt.block_on(engine.report(&request(period))).unwrap();
        assert_eq!(report.indicators.len(), catalog.indicators.len());
        for ind in &report.indicators {
            let labels: Vec<&str> = ind.by_gender.iter().map(|r| r.label.as_str()).collect();
            assert_eq!(
                labels,
                ["Kvinnor", "Män", "Annat eller okänt", "Totalt"],
                "{}",
                ind.id
            );
            for row in &ind.by_gender {
                assert_eq!(row.cells.len(), report.periods.len());
            }
        }
        check_disclosure(&report);
        // Something is shown: a year of 600 cases is not all small cells.
        let shown = report
            .indicators
            .iter()
            .flat_map(|i| &i.by_gender)
            .flat_map(|r| &r.cells)
            .filter(|c| matches!(c, Cell::Value { .. }))
            .count();
        assert!(shown > 10, "{period}: only {shown} figures shown");
        let again = rt.block_on(engine.report(&request(period))).unwrap();
        assert_eq!(report.json().unwrap(), again.json().unwrap());
        let html = lots::indicators::board::html(&report).unwrap();
        assert!(html.contains("Resultattavla") && !html.contains("<script"));
    }
    // A report made again from the events gives the same figures: the figures of cases stored
    // before (here: all of them, deleted, which takes them out of the sums by month) are made
    // first.
    let before = rt.block_on(engine.report(&request("2026"))).unwrap();
    rt.block_on(run_sql(
        &address,
        "DELETE FROM lots_figures; DELETE FROM lots_figures_complete",
    ));
    let after = rt.block_on(engine.report(&request("2026"))).unwrap();
    assert_eq!(before.json().unwrap(), after.json().unwrap());
}

/// The figures summed by month, as the migration that made the sums defines them (the sums of
/// values to six decimals: the sums add and take away, the figures add once).
const FIGURES_SUMMED: &str = "SELECT COALESCE(SUBSTR(opened_on, 1, 7), ''), \
    COALESCE(SUBSTR(closed_on, 1, 7), ''), unit, indicator, c0, c1, c2, c3, COUNT(*), \
    COALESCE(SUM(COALESCE(met, 0)), 0), COUNT(value), ROUND(CAST(COALESCE(SUM(value), 0) AS NUMERIC), 6) \
    FROM lots_figures WHERE included = 1 \
    GROUP BY COALESCE(SUBSTR(opened_on, 1, 7), ''), COALESCE(SUBSTR(closed_on, 1, 7), ''), \
    unit, indicator, c0, c1, c2, c3";

/// The rows of the sums by month (those not fallen to zero).
const SUMS: &str = "SELECT opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, \
    with_value, ROUND(CAST(total AS NUMERIC), 6) FROM lots_figure_sums WHERE n <> 0";

/// Cases told event by event (every append moves the sums by the figures it changes: the old
/// one out, the new one in) keep the sums by month equal to their figures summed, on both
/// databases, and whole months read from the sums count the cases their days would.
#[test]
fn the_sums_by_month_stay_the_figures_summed() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let rt = runtime();
        let address = fresh(kind, "figure_sums");
        let engine = engine(&rt, &address);
        let catalog = engine.catalog();
        let mut appends = 0;
        for told in lots::simulate::Population::new(&catalog, &options(120, 5)).unwrap() {
            let mut events = told.events.into_iter();
            let (event, by, at) = events.next().unwrap();
            let opened = rt.block_on(engine.open_case(event, by, at)).unwrap();
            for (event, by, at) in events {
                rt.block_on(engine.apply(&opened.case.id, event, by, at))
                    .unwrap();
                appends += 1;
            }
        }
        assert!(appends > 500, "{appends} appends");
        for (a, b) in [(SUMS, FIGURES_SUMMED), (FIGURES_SUMMED, SUMS)] {
            let differing = rt.block_on(query_number(
                &address,
                &format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS d"),
            ));
            assert_eq!(differing, 0, "{kind:?}: rows of\n{a}\nnot in\n{b}");
        }
        let rows = rt.block_on(query_number(
            &address,
            &format!("SELECT COUNT(*) FROM ({SUMS}) AS s"),
        ));
        assert!(rows > 100, "{kind:?}: {rows} rows of sums");
        let figures = rt.block_on(query_number(&address, "SELECT COUNT(*) FROM lots_figures"));
        assert!(figures > rows, "{kind:?}: {figures} figures, {rows} sums");
        // Whole months read from the sums count the cases the days would, for each population.
        use lots::store::{FigureQuery, Store};
        use lots::syntax::PopulationCases;
        let (first, last) = ("2026-05-01", "2026-08-31");
        for ind in &catalog.indicators {
            for (population, days) in [
                (
                    PopulationCases::Opened,
                    "opened_on >= '{first}' AND opened_on <= '{last}'",
                ),
                (
                    PopulationCases::Closed,
                    "closed_on >= '{first}' AND closed_on <= '{last}'",
                ),
                (
                    PopulationCases::Active,
                    "opened_on <= '{last}' AND (closed_on IS NULL OR closed_on >= '{first}')",
                ),
            ] {
                let groups = rt
                    .block_on(engine.store().figure_groups(&FigureQuery {
                        indicator: &ind.id,
                        population,
                        first: first.parse().unwrap(),
                        last: last.parse().unwrap(),
                        unit: None,
                        values: true,
                    }))
                    .unwrap();
                for g in &groups {
                    let valued: u64 = g.values.iter().map(|(_, k)| k).sum();
                    assert_eq!(valued, g.with_value, "{kind:?} {}", ind.id);
                }
                let summed: u64 = groups.iter().map(|g| g.n).sum();
                let days = days.replace("{first}", first).replace("{last}", last);
                let counted = rt.block_on(query_number(
                    &address,
                    &format!(
                        "SELECT COUNT(*) FROM lots_figures WHERE indicator = '{}' \
                         AND included = 1 AND {days}",
                        ind.id
                    ),
                ));
                assert_eq!(summed as i64, counted, "{kind:?} {} {population:?}", ind.id);
            }
        }
    }
}

/// A store of version 2 (figures, no sums) migrated to version 3 gets its sums from the figures
/// it holds: the report of a year is the same before and after, on both databases.
#[test]
fn a_store_of_version_2_gets_its_sums_by_month_when_migrated() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let address = fresh(kind, "figure_sums_migrated");
        let before = {
            let rt = runtime();
            let engine = engine(&rt, &address);
            rt.block_on(simulate(&engine, &options(90, 13), |_| {}))
                .unwrap();
            let report = rt.block_on(engine.report(&request("2026"))).unwrap();
            rt.block_on(engine.store().close());
            // Back to version 2: the sums, their triggers and the record of their migration
            // gone.
            let triggers = match kind {
                Kind::Sqlite => {
                    "DROP TRIGGER lots_figure_added; DROP TRIGGER lots_figure_removed; \
                     DROP TRIGGER lots_figure_replaced_old; DROP TRIGGER lots_figure_replaced_new;"
                }
                Kind::Postgres => {
                    "DROP TRIGGER lots_figure_moved ON lots_figures; \
                     DROP FUNCTION lots_figure_moved(); \
                     DROP FUNCTION lots_figure_count(lots_figures, BIGINT);"
                }
            };
            rt.block_on(run_sql(
                &address,
                &format!(
                    "{triggers} DROP TABLE lots_figure_sums; \
                     DELETE FROM _sqlx_migrations WHERE version = 3"
                ),
            ));
            report.json().unwrap()
        };
        let rt = runtime();
        let engine = engine(&rt, &address);
        let after = rt.block_on(engine.report(&request("2026"))).unwrap();
        assert_eq!(before, after.json().unwrap(), "{kind:?}");
        for (a, b) in [(SUMS, FIGURES_SUMMED), (FIGURES_SUMMED, SUMS)] {
            let differing = rt.block_on(query_number(
                &address,
                &format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS d"),
            ));
            assert_eq!(differing, 0, "{kind:?}");
        }
    }
}

#[test]
fn the_report_is_the_same_on_postgresql_and_sqlite() {
    let reports: Vec<String> = [Kind::Sqlite, Kind::Postgres]
        .into_iter()
        .map(|kind| {
            let rt = runtime();
            let engine = engine(&rt, &fresh(kind, "indicators_pg"));
            let summary = rt
                .block_on(simulate(&engine, &options(150, 3), |_| {}))
                .unwrap();
            assert_eq!(summary.rejected, 0);
            rt.block_on(engine.report(&request("2026-T3")))
                .unwrap()
                .json()
                .unwrap()
        })
        .collect();
    assert_eq!(reports.first(), reports.get(1));
}

#[test]
fn the_export_holds_no_case_id_no_sensitive_fact_and_no_actor() {
    let rt = runtime();
    let address = fresh(Kind::Sqlite, "export");
    let engine = engine(&rt, &address);
    rt.block_on(simulate(&engine, &options(80, 11), |_| {}))
        .unwrap();
    // One more case with a protected address and a phone number (sensitive facts).
    let secret = "Skyddade gränd 7";
    let opened: lots::runtime::Event = serde_json::from_value(serde_json::json!({
        "type": "case_opened", "case_id": "hemlig-1", "workflow": "vuxna_utsatta", "unit": "molndal",
        "referral_source": "self",
        "facts": {"gender": "kvinna", "age": 44, "address": secret, "phone": "070-000 00 00"}
    }))
    .unwrap();
    rt.block_on(engine.open_case(
        opened,
        crate::caseworker(),
        "2026-03-02T10:00".parse().unwrap(),
    ))
    .unwrap();
    let key = Key::new(b"a key of the right length for the test, 42 bytes").unwrap();
    let rows = rt
        .block_on(engine.export(
            "vuxna_utsatta",
            &Period::parse("2026").unwrap(),
            None,
            &key,
            &crate::caseworker(),
        ))
        .unwrap();
    assert_eq!(rows.len(), 81);
    let names = lots::indicators::export::variable_names(&engine.catalog(), "vuxna_utsatta");
    assert!(names.contains(&"age_band".to_owned()) && names.contains(&"gender".to_owned()));
    for text in [
        lots::indicators::export::csv(&names, &rows).unwrap(),
        lots::indicators::export::json(&names, &rows).unwrap(),
    ] {
        for forbidden in [
            "sim-11-",
            "hemlig-1",
            secret,
            "070-000",
            lots::runtime::DEFAULT_ACTOR_ID,
            "a key of",
        ] {
            assert!(!text.contains(forbidden), "the export holds `{forbidden}`");
        }
        assert!(text.contains(&key.pseudonym("hemlig-1")));
    }
    // The export is in the audit log, as the caseworker's.
    let log = rt
        .block_on(lots::store::Store::audit_log(engine.store(), None))
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.operation == lots::store::Operation::Export)
    );
}

/// Case `n` of a population is the same whether the cases before it were decided first or
/// not (so the cores can share them out), and different seeds give different cases.
#[test]
fn a_simulated_case_does_not_depend_on_the_cases_before_it() {
    let catalog = shipped();
    let population = lots::simulate::Population::new(&catalog, &options(40, 7)).unwrap();
    let in_order: Vec<_> = lots::simulate::Population::new(&catalog, &options(40, 7))
        .unwrap()
        .map(|told| told.events)
        .collect();
    assert_eq!(in_order.len(), 40);
    for (n, events) in in_order.iter().enumerate().rev() {
        assert_eq!(&population.case(n as u64).events, events, "case {n}");
    }
    let other = lots::simulate::Population::new(&catalog, &options(40, 8)).unwrap();
    let differ = (0..40u64)
        .filter(|&n| other.case(n).events.len() != population.case(n).events.len())
        .count();
    assert!(
        differ > 10,
        "another seed, other stories: {differ} of 40 differ in length"
    );
}
