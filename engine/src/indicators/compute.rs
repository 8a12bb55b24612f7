//! From summed figures to a report: each indicator's cube (gender × its breakdowns, and for a
//! share the outcome), disclosure control over every cube of the report together, and the
//! published cells.
//!
//! Disclosure control runs over all the report's tables at once:
//! - per period, every indicator's cube goes into one [`super::disclosure::System`], and the
//!   cells of indicators over the same population (workflow, cases, condition) that count the
//!   same cases are linked, so a denominator hidden in one cannot be read off another;
//! - the by-gender cells hidden in one period of an indicator are hidden in every period shown
//!   with it (the same pattern across the trend), and the periods are suppressed again with
//!   those forced until nothing changes;
//! - every period's pattern is audited ([`super::disclosure::audit`]). A report whose audit
//!   fails is an error, and nothing is written.

use std::collections::{BTreeMap, BTreeSet};

use super::disclosure;
use super::period::Period;
use super::report::{self, Cell, IndicatorReport, MeasureKind, Report, Row};
use crate::Catalog;
use crate::model::indicator::{AGE_BANDS, Breakdown, Indicator, Measure, UNKNOWN};
use crate::store::FigureGroup;
use crate::syntax::{CompareOp, PopulationCases};

/// What a report is asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The period reported; the trend shows earlier periods of the same kind.
    pub period: Period,
    /// How many earlier periods the trend shows.
    pub earlier: usize,
    /// Only this unit's cases.
    pub unit: Option<String>,
}

/// The summed figures a report is made from: per indicator, per period of
/// [`Request::period`]`.with_earlier(..)` (oldest first).
pub type Sums = BTreeMap<String, Vec<Vec<FigureGroup>>>;

/// Why no report was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Disclosure control could not prove the report safe: it is not written.
    #[error("indicator `{indicator}`: {failure}; the report is not written")]
    Audit {
        /// The indicator.
        indicator: String,
        /// What the audit found (cell labels only, never a count).
        failure: String,
    },
    /// The unit asked for is not in the catalog.
    #[error("no unit `{0}` in the catalog")]
    UnknownUnit(String),
}

/// One indicator's dimensions: gender first, then its breakdowns; each a list of category ids
/// and titles.
struct Dims {
    names: Vec<String>,
    categories: Vec<Vec<(String, String)>>,
}

/// The gender categories: `kvinna` and `man` when the fact has them, then one for every other
/// value and for an unrecorded gender together (`Annat eller okänt`).
const OTHER_GENDER: &str = "annat_okant";

fn gender_category(value: &str) -> &str {
    match value {
        "kvinna" | "man" => value,
        _ => OTHER_GENDER,
    }
}

fn dims(catalog: &Catalog, ind: &Indicator, sums: &[Vec<FigureGroup>]) -> Dims {
    let mut names = vec!["Kön".to_owned()];
    let mut categories = vec![vec![
        ("kvinna".to_owned(), "Kvinnor".to_owned()),
        ("man".to_owned(), "Män".to_owned()),
        (OTHER_GENDER.to_owned(), "Annat eller okänt".to_owned()),
    ]];
    for (d, b) in ind.breakdown.iter().enumerate() {
        let (name, mut cats): (String, Vec<(String, String)>) = match b {
            Breakdown::Unit => (
                "Enhet".to_owned(),
                catalog
                    .units_running(&ind.workflow)
                    .map(|u| (u.id.to_string(), u.title.clone()))
                    .collect(),
            ),
            Breakdown::AgeBand(_) => (
                "Åldersgrupp".to_owned(),
                AGE_BANDS
                    .iter()
                    .map(|(id, title, _)| ((*id).to_owned(), (*title).to_owned()))
                    .collect(),
            ),
            Breakdown::Fact {
                title, categories, ..
            } => (
                title.clone(),
                categories
                    .iter()
                    .map(|(id, t)| (id.to_string(), t.clone()))
                    .collect(),
            ),
        };
        // Categories met in the figures but not declared (a unit since removed): kept, by id.
        let seen: BTreeSet<&str> = sums
            .iter()
            .flatten()
            .filter_map(|g| g.categories.get(d + 1).map(String::as_str))
            .collect();
        for id in seen {
            if id != UNKNOWN && !cats.iter().any(|(c, _)| c == id) {
                cats.push((id.to_owned(), id.to_owned()));
            }
        }
        if !matches!(b, Breakdown::Unit) {
            cats.push((UNKNOWN.to_owned(), "Uppgift saknas".to_owned()));
        }
        names.push(name);
        categories.push(cats);
    }
    Dims { names, categories }
}

/// The sums of one period of one indicator, by interior coordinate.
#[derive(Default, Clone)]
struct Tally {
    n: u64,
    met: u64,
    with_value: u64,
    sum: f64,
    /// For a median: each value and how many cases have it.
    values: Vec<(f64, u64)>,
}

/// A cube: the dimensions (each with a total), and the tallies of its interior cells. For
/// disclosure a share's cube has one more dimension, the outcome (met, not met).
struct Cube {
    sizes: Vec<usize>,
    interior: BTreeMap<Vec<usize>, Tally>,
}

impl Cube {
    fn build(dims: &Dims, groups: &[FigureGroup]) -> Cube {
        let sizes: Vec<usize> = dims.categories.iter().map(Vec::len).collect();
        let mut interior: BTreeMap<Vec<usize>, Tally> = BTreeMap::new();
        for g in groups {
            let mut coords = Vec::with_capacity(sizes.len());
            for (d, cats) in dims.categories.iter().enumerate() {
                let raw = g.categories.get(d).map_or("", String::as_str);
                let id = if d == 0 { gender_category(raw) } else { raw };
                let at = cats
                    .iter()
                    .position(|(c, _)| c == id)
                    .or_else(|| cats.iter().position(|(c, _)| c == UNKNOWN))
                    .unwrap_or(0);
                coords.push(at);
            }
            let t = interior.entry(coords).or_default();
            t.n += g.n;
            t.met += g.met;
            t.with_value += g.with_value;
            t.sum += g.sum;
            t.values.extend_from_slice(&g.values);
        }
        Cube { sizes, interior }
    }

    /// The tally of a cell: `None` in a coordinate is that dimension's total.
    fn tally(&self, cell: &[Option<usize>]) -> Tally {
        let mut out = Tally::default();
        for (coords, t) in &self.interior {
            if coords
                .iter()
                .zip(cell)
                .all(|(c, want)| want.is_none_or(|w| w == *c))
            {
                out.n += t.n;
                out.met += t.met;
                out.with_value += t.with_value;
                out.sum += t.sum;
                out.values.extend_from_slice(&t.values);
            }
        }
        out
    }
}

/// The count a cell of an indicator's cube protects: cases, cases with a value, or (for a
/// share's outcome) cases meeting or not meeting the condition.
fn protected(measure: &Measure, t: &Tally, outcome: Option<bool>) -> u64 {
    match (measure, outcome) {
        (Measure::Share(_), Some(true)) => t.met,
        (Measure::Share(_), Some(false)) => t.n.saturating_sub(t.met),
        (Measure::Mean(_) | Measure::Median(_) | Measure::TimeBetween(..), _) => t.with_value,
        _ => t.n,
    }
}

/// A published cell of an indicator: its coordinate (gender and breakdowns; `None` a total).
type Coord = Vec<Option<usize>>;

/// The cells a report shows of a cube: gender by total, and gender by each breakdown.
fn shown(sizes: &[usize]) -> Vec<Coord> {
    let mut out = BTreeSet::new();
    let genders = sizes.first().copied().unwrap_or(0);
    for d in 0..sizes.len() {
        let along = sizes.get(d).copied().unwrap_or(0);
        for g in (0..genders).map(Some).chain([None]) {
            for c in (0..along).map(Some).chain([None]) {
                let mut coord: Coord = vec![None; sizes.len()];
                if let Some(x) = coord.first_mut() {
                    *x = g;
                }
                if d > 0
                    && let Some(x) = coord.get_mut(d)
                {
                    *x = c;
                }
                out.insert(coord);
            }
        }
    }
    out.into_iter().collect()
}

/// Whether an indicator's disclosure cube has the outcome dimension (met, not met) last.
fn has_outcome(ind: &Indicator) -> bool {
    matches!(ind.measure, Measure::Share(_))
}

/// Whether the cases an indicator's cube counts are its whole population (so indicators over
/// the same population count the same numbers); a mean counts the cases with a value.
fn counts_population(ind: &Indicator) -> bool {
    matches!(
        ind.measure,
        Measure::Share(_) | Measure::Count | Measure::Rate
    )
}

/// The disclosure cell of an indicator's coordinate (for a share, the outcome: `Some(true)`
/// met, `Some(false)` not, `None` both).
fn cell_of(
    cube: &disclosure::Cube,
    coord: &[Option<usize>],
    outcome: Option<Option<bool>>,
) -> Option<disclosure::CellId> {
    let mut coords: Vec<disclosure::Coord> = coord
        .iter()
        .map(|c| c.map_or(disclosure::Coord::Total, disclosure::Coord::Category))
        .collect();
    if let Some(o) = outcome {
        coords.push(match o {
            Some(true) => disclosure::Coord::Category(0),
            Some(false) => disclosure::Coord::Category(1),
            None => disclosure::Coord::Total,
        });
    }
    cube.cell(&coords)
}

/// The outcomes a coordinate's figure is made of.
fn outcomes(ind: &Indicator) -> Vec<Option<Option<bool>>> {
    if has_outcome(ind) {
        vec![Some(Some(true)), Some(Some(false)), Some(None)]
    } else {
        vec![None]
    }
}

/// The interior counts of an indicator's disclosure cube, the last dimension fastest.
fn interior(ind: &Indicator, cube: &Cube, sizes: &[usize]) -> Vec<u64> {
    let outcome = has_outcome(ind);
    let mut out = Vec::with_capacity(sizes.iter().product());
    let mut coords = vec![0usize; sizes.len()];
    'cells: loop {
        let (base, o) = match coords.split_last() {
            Some((last, base)) if outcome => (base.to_vec(), Some(*last == 0)),
            _ => (coords.clone(), None),
        };
        let t = cube.interior.get(&base).cloned().unwrap_or_default();
        out.push(protected(&ind.measure, &t, o));
        for d in (0..coords.len()).rev() {
            if let (Some(c), Some(n)) = (coords.get_mut(d), sizes.get(d)) {
                *c += 1;
                if *c < *n {
                    continue 'cells;
                }
                *c = 0;
            }
        }
        break;
    }
    out
}

/// One period's disclosure control over every indicator's cube together: the cubes in one
/// system, the denominators of indicators over the same population linked, `forced`
/// coordinates hidden, and the result audited. Per indicator: the hidden coordinates.
fn suppress_period(
    prepared: &[(&Indicator, Dims, Vec<Cube>)],
    period: usize,
    forced: &[BTreeSet<Coord>],
    min_cell: u32,
) -> Result<Vec<BTreeSet<Coord>>, ReportError> {
    let fail = |ind: &Indicator, failure: String| ReportError::Audit {
        indicator: ind.id.to_string(),
        failure,
    };
    let mut system = disclosure::System::default();
    let mut cubes = Vec::with_capacity(prepared.len());
    for (ind, dims, per) in prepared {
        let Some(cube) = per.get(period) else {
            return Err(fail(ind, "a period without figures".to_owned()));
        };
        let mut dimensions: Vec<disclosure::Dimension> = dims
            .names
            .iter()
            .zip(&dims.categories)
            .map(|(name, cats)| disclosure::Dimension {
                name: name.clone(),
                categories: cats.iter().map(|(id, _)| id.clone()).collect(),
            })
            .collect();
        if has_outcome(ind) {
            dimensions.push(disclosure::Dimension {
                name: "utfall".to_owned(),
                categories: vec!["ja".to_owned(), "nej".to_owned()],
            });
        }
        let sizes: Vec<usize> = dimensions.iter().map(|d| d.categories.len()).collect();
        let k = dims.categories.len();
        // The tables shown: gender alone and gender by each breakdown (with the outcome).
        let tables: Vec<Vec<usize>> = (0..k)
            .map(|d| {
                let mut t = vec![0];
                if d > 0 {
                    t.push(d);
                }
                if has_outcome(ind) {
                    t.push(k);
                }
                t
            })
            .collect();
        let built = system
            .add_cube(disclosure::CubeSpec {
                name: ind.id.to_string(),
                dimensions,
                interior: interior(ind, cube, &sizes),
                published: disclosure::Published::Tables(tables),
            })
            .map_err(|e| fail(ind, e.to_string()))?;
        // The figures by gender are the board's headline ("always split by gender"): a total
        // is hidden as a complement before a gender's figure is.
        for g in 0..dims.categories.first().map_or(0, Vec::len) {
            let mut coord: Coord = vec![None; k];
            if let Some(x) = coord.first_mut() {
                *x = Some(g);
            }
            for o in outcomes(ind) {
                if let Some(cell) = cell_of(&built, &coord, o) {
                    system.keep(cell).map_err(|e| fail(ind, e.to_string()))?;
                }
            }
        }
        cubes.push(built);
    }
    // Indicators over the same population count the same cases in the cells they share.
    let mut first: BTreeMap<(String, String), disclosure::CellId> = BTreeMap::new();
    for ((ind, dims, per), cube) in prepared.iter().zip(&cubes) {
        let Some(c) = per.get(period).filter(|_| counts_population(ind)) else {
            continue;
        };
        for coord in shown(&c.sizes) {
            let key = (population_key(ind), named(dims, &coord));
            let Some(cell) = cell_of(cube, &coord, has_outcome(ind).then_some(None)) else {
                continue;
            };
            match first.get(&key) {
                Some(&other) => system
                    .link(other, cell)
                    .map_err(|e| fail(ind, e.to_string()))?,
                None => {
                    first.insert(key, cell);
                }
            }
        }
    }
    let mut forced_cells = Vec::new();
    for (((ind, _, _), cube), f) in prepared.iter().zip(&cubes).zip(forced) {
        for coord in f {
            forced_cells.extend(cell_of(cube, coord, has_outcome(ind).then_some(None)));
        }
    }
    let whole = |e: disclosure::AuditFailure| ReportError::Audit {
        indicator: prepared
            .iter()
            .map(|(i, _, _)| i.id.as_ref())
            .collect::<Vec<_>>()
            .join(", "),
        failure: e.to_string(),
    };
    let result = disclosure::suppress(&system, min_cell, &forced_cells).map_err(whole)?;
    let hidden: BTreeSet<disclosure::CellId> = result
        .primary
        .iter()
        .chain(&result.complementary)
        .copied()
        .collect();
    // The proof, on the pattern as published: every report is audited before it is written.
    disclosure::audit(&system, min_cell, &hidden).map_err(whole)?;
    let mut out = Vec::with_capacity(prepared.len());
    for ((ind, _, per), cube) in prepared.iter().zip(&cubes) {
        let mut h = BTreeSet::new();
        if let Some(c) = per.get(period) {
            for coord in shown(&c.sizes) {
                let any = outcomes(ind)
                    .into_iter()
                    .filter_map(|o| cell_of(cube, &coord, o))
                    .any(|cell| hidden.contains(&cell));
                if any {
                    h.insert(coord);
                }
            }
        }
        out.push(h);
    }
    Ok(out)
}

/// Computes the report from the summed figures.
pub fn report(catalog: &Catalog, request: &Request, sums: &Sums) -> Result<Report, ReportError> {
    let unit_title = match &request.unit {
        Some(u) => Some(
            catalog
                .unit(u)
                .map(|u| u.title.clone())
                .ok_or_else(|| ReportError::UnknownUnit(u.clone()))?,
        ),
        None => None,
    };
    let periods = request.period.with_earlier(request.earlier);
    let empty = Vec::new();
    let prepared: Vec<(&Indicator, Dims, Vec<Cube>)> = catalog
        .indicators
        .iter()
        .map(|ind| {
            let s = sums.get(ind.id.as_ref()).unwrap_or(&empty);
            let d = dims(catalog, ind, s);
            let cubes = (0..periods.len())
                .map(|p| Cube::build(&d, s.get(p).map_or(&[][..], Vec::as_slice)))
                .collect();
            (ind, d, cubes)
        })
        .collect();
    let min_cell = catalog
        .indicators
        .iter()
        .map(|i| i.min_cell)
        .max()
        .unwrap_or(disclosure::DEFAULT_MIN_CELL);
    let hidden = suppress_all(&prepared, periods.len(), min_cell)?;
    let indicators = prepared
        .iter()
        .zip(&hidden)
        .map(|((ind, dims, cubes), hidden)| {
            let residents = Residents {
                catalog,
                indicator: ind,
                dims,
                periods: &periods,
                unit: request.unit.as_deref(),
            };
            indicator_report(ind, dims, cubes, hidden, &residents)
        })
        .collect();
    let title = match &unit_title {
        Some(u) => format!("Resultattavla – {u}"),
        None => "Resultattavla".to_owned(),
    };
    Ok(Report {
        title,
        period: request.period.code(),
        period_label: request.period.to_string(),
        periods: periods.iter().map(Period::short_label).collect(),
        unit: unit_title,
        min_cell,
        indicators,
    })
}

/// A key naming a population: indicators with equal keys count the same cases.
fn population_key(ind: &Indicator) -> String {
    format!(
        "{}|{:?}|{:?}",
        ind.workflow, ind.population, ind.population_when
    )
}

/// Disclosure control over the whole report, to a fixpoint (see the module docs). Per
/// indicator, per period: the hidden coordinates.
fn suppress_all(
    prepared: &[(&Indicator, Dims, Vec<Cube>)],
    periods: usize,
    min_cell: u32,
) -> Result<Vec<Vec<BTreeSet<Coord>>>, ReportError> {
    let mut forced: Vec<BTreeSet<Coord>> = vec![BTreeSet::new(); prepared.len()];
    loop {
        let mut by_period = Vec::with_capacity(periods);
        for p in 0..periods {
            by_period.push(suppress_period(prepared, p, &forced, min_cell)?);
        }
        // The by-gender cells hidden in any period are hidden in every period shown with it.
        let mut next = forced.clone();
        for hidden in &by_period {
            for (f, h) in next.iter_mut().zip(hidden) {
                f.extend(
                    h.iter()
                        .filter(|c| c.iter().skip(1).all(Option::is_none))
                        .cloned(),
                );
            }
        }
        if next == forced {
            let mut out: Vec<Vec<BTreeSet<Coord>>> = vec![Vec::new(); prepared.len()];
            for hidden in by_period {
                for (o, h) in out.iter_mut().zip(hidden) {
                    o.push(h);
                }
            }
            return Ok(out);
        }
        forced = next;
    }
}

/// A coordinate by dimension names and category ids (totals left out), so indicators with
/// different breakdowns name the same cell alike.
fn named(dims: &Dims, coord: &[Option<usize>]) -> String {
    let mut parts = Vec::new();
    for (d, c) in coord.iter().enumerate() {
        if let (Some(c), Some(name), Some(cats)) = (c, dims.names.get(d), dims.categories.get(d))
            && let Some((id, _)) = cats.get(*c)
        {
            parts.push(format!("{name}={id}"));
        }
    }
    parts.join(",")
}

fn kind(m: &Measure) -> MeasureKind {
    match m {
        Measure::Share(_) => MeasureKind::Share,
        Measure::Count => MeasureKind::Count,
        Measure::Rate => MeasureKind::Rate,
        Measure::Mean(_) => MeasureKind::Mean,
        Measure::Median(_) => MeasureKind::Median,
        Measure::TimeBetween(..) => MeasureKind::Days,
    }
}

fn op_text(op: CompareOp) -> (&'static str, &'static str) {
    match op {
        CompareOp::Ge => (">=", "minst"),
        CompareOp::Gt => (">", "mer än"),
        CompareOp::Le => ("<=", "högst"),
        CompareOp::Lt => ("<", "under"),
        CompareOp::Eq => ("==", "exakt"),
        CompareOp::Ne => ("!=", "inte"),
    }
}

fn population_text(p: PopulationCases, conditional: bool) -> String {
    let base = match p {
        PopulationCases::Opened => "Ärenden aktualiserade under perioden",
        PopulationCases::Active => "Ärenden pågående under perioden",
        PopulationCases::Closed => "Ärenden avslutade under perioden",
    };
    if conditional {
        format!("{base} som uppfyller indikatorns villkor")
    } else {
        base.to_owned()
    }
}

/// The adult residents a rate's cell is divided by.
struct Residents<'a> {
    catalog: &'a Catalog,
    indicator: &'a Indicator,
    dims: &'a Dims,
    periods: &'a [Period],
    unit: Option<&'a str>,
}

impl Residents<'_> {
    /// The adults of a cell of period `p`: of its gender (none for "other or unknown") and of
    /// the municipalities of its unit, or of every unit reported on. `None` when a unit has no
    /// municipality or its municipality no residents for the year.
    fn of(&self, p: usize, coord: &[Option<usize>]) -> Option<u64> {
        let year = self.periods.get(p)?.year();
        let unit_dim = self
            .indicator
            .breakdown
            .iter()
            .position(|b| matches!(b, Breakdown::Unit))
            .map(|i| i + 1);
        let units: Vec<&crate::model::unit::Unit> =
            match unit_dim.and_then(|d| coord.get(d).copied().flatten().map(|c| (d, c))) {
                Some((d, c)) => {
                    let (id, _) = self.dims.categories.get(d)?.get(c)?;
                    vec![self.catalog.unit(id)?]
                }
                None => self
                    .catalog
                    .units_running(&self.indicator.workflow)
                    .filter(|u| self.unit.is_none_or(|x| x == u.id.as_ref()))
                    .collect(),
            };
        let mut municipalities = BTreeSet::new();
        for u in units {
            municipalities.insert(u.municipality.as_deref()?.trim());
        }
        let mut adults = crate::model::residents::Adults::default();
        for m in municipalities {
            let r = self
                .catalog
                .residents
                .iter()
                .find(|r| r.municipality == m)?;
            adults = adults.plus(r.for_year(year)?.1);
        }
        let gender = coord.first().copied().flatten().and_then(|g| {
            self.dims
                .categories
                .first()
                .and_then(|c| c.get(g))
                .map(|(id, _)| id.as_str())
        });
        let n = match gender {
            None => adults.total,
            Some("kvinna") => adults.women,
            Some("man") => adults.men,
            Some(_) => return None,
        };
        (n > 0).then_some(n)
    }
}

/// Cases per this many residents, as Kolada counts.
const RATE_PER: f64 = 10_000.0;

fn indicator_report(
    ind: &Indicator,
    dims: &Dims,
    cubes: &[Cube],
    hidden: &[BTreeSet<Coord>],
    residents: &Residents<'_>,
) -> IndicatorReport {
    let kind = kind(&ind.measure);
    let target = ind.target.map(|(op, value)| {
        let (symbol, words) = op_text(op);
        report::Target {
            op: symbol.to_owned(),
            value,
            text: format!("{words} {}", kind.format(value)),
        }
    });
    let cell = |p: usize, coord: &Coord| -> Cell {
        let (Some(cube), Some(h)) = (cubes.get(p), hidden.get(p)) else {
            return Cell::Empty;
        };
        if h.contains(coord) {
            return Cell::Suppressed;
        }
        let t = cube.tally(coord);
        let value = match &ind.measure {
            Measure::Count => (t.n > 0).then_some((t.n, t.n as f64)),
            Measure::Rate => residents
                .of(p, coord)
                .map(|adults| (t.n, t.n as f64 * RATE_PER / adults as f64)),
            Measure::Share(_) => (t.n > 0).then(|| (t.n, t.met as f64 / t.n as f64)),
            Measure::Mean(_) | Measure::TimeBetween(..) => {
                (t.with_value > 0).then(|| (t.with_value, t.sum / t.with_value as f64))
            }
            Measure::Median(_) => median(t.values).map(|m| (t.with_value, m)),
        };
        match value {
            None => Cell::Empty,
            Some((n, value)) => Cell::Value {
                n,
                value,
                met: ind
                    .target
                    .map(|(op, target)| value.partial_cmp(&target).is_some_and(|o| op.holds(o))),
            },
        }
    };
    let last = cubes.len().saturating_sub(1);
    let size = |d: usize| dims.categories.get(d).map_or(0, Vec::len);
    let mut total_coord: Coord = vec![None; dims.categories.len()];
    let mut by_gender = Vec::new();
    for g in (0..size(0)).map(Some).chain([None]) {
        if let Some(x) = total_coord.first_mut() {
            *x = g;
        }
        let label = match g {
            Some(g) => dims
                .categories
                .first()
                .and_then(|c| c.get(g))
                .map_or_else(String::new, |(_, t)| t.clone()),
            None => "Totalt".to_owned(),
        };
        by_gender.push(Row {
            label,
            cells: (0..cubes.len()).map(|p| cell(p, &total_coord)).collect(),
        });
    }
    let mut breakdowns = Vec::new();
    for d in 1..dims.categories.len() {
        let mut columns: Vec<String> = dims
            .categories
            .first()
            .map(|c| c.iter().map(|(_, t)| t.clone()).collect())
            .unwrap_or_default();
        columns.push("Totalt".to_owned());
        let mut rows = Vec::new();
        for c in (0..size(d)).map(Some).chain([None]) {
            let mut cells = Vec::new();
            let mut any = false;
            for g in (0..size(0)).map(Some).chain([None]) {
                let mut coord: Coord = vec![None; dims.categories.len()];
                if let Some(x) = coord.first_mut() {
                    *x = g;
                }
                if let Some(x) = coord.get_mut(d) {
                    *x = c;
                }
                any |= cubes.get(last).is_some_and(|cube| cube.tally(&coord).n > 0);
                cells.push(cell(last, &coord));
            }
            // A category no case fell in, in the period reported, is left out of the table.
            if c.is_none() || any {
                rows.push(Row {
                    label: match c {
                        Some(c) => dims
                            .categories
                            .get(d)
                            .and_then(|cats| cats.get(c))
                            .map_or_else(String::new, |(_, t)| t.clone()),
                        None => "Totalt".to_owned(),
                    },
                    cells,
                });
            }
        }
        breakdowns.push(report::Breakdown {
            title: dims.names.get(d).cloned().unwrap_or_default(),
            columns,
            rows,
        });
    }
    IndicatorReport {
        id: ind.id.to_string(),
        title: ind.title.clone(),
        goal: ind.goal.clone(),
        source: ind.source.clone(),
        measure: kind,
        population: population_text(ind.population, ind.population_when.is_some()),
        target,
        min_cell: ind.min_cell,
        by_gender,
        breakdowns,
    }
}

/// The median of values counted with their multiplicity.
fn median(mut values: Vec<(f64, u64)>) -> Option<f64> {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n: u64 = values.iter().map(|(_, k)| k).sum();
    // The value at a rank (0-based) of the values laid out in order.
    let at = |rank: u64| {
        let mut seen = 0;
        values.iter().find_map(|&(v, k)| {
            seen += k;
            (rank < seen).then_some(v)
        })
    };
    match n {
        0 => None,
        n if n % 2 == 1 => at(n / 2),
        n => Some((at(n / 2 - 1)? + at(n / 2)?) / 2.0),
    }
}
