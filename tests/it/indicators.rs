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
use crate::store::{Kind, fresh, open, run_sql, runtime};

/// An engine over a fresh store, opened on `rt`: a PostgreSQL pool lives in the runtime that
/// opened it, so every later call runs on the same one.
fn engine(rt: &tokio::runtime::Runtime, address: &str) -> Engine<lots::store::SqlStore> {
    let catalog = lots::Catalog::load(&FsSource::new([
        root().join("workflows"),
        root().join("rules"),
    ]))
    .unwrap()
    .catalog
    .unwrap();
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
    // before (here: all of them, deleted) are made first.
    let before = rt.block_on(engine.report(&request("2026"))).unwrap();
    rt.block_on(run_sql(
        &address,
        "DELETE FROM lots_figures; DELETE FROM lots_figures_complete",
    ));
    let after = rt.block_on(engine.report(&request("2026"))).unwrap();
    assert_eq!(before.json().unwrap(), after.json().unwrap());
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
    let catalog = lots::Catalog::load(&FsSource::new([
        root().join("workflows"),
        root().join("rules"),
    ]))
    .unwrap()
    .catalog
    .unwrap();
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
