//! The results board (resultattavla): a [`Report`] as one self-contained HTML page for Swedish
//! boards and process owners. Per indicator: its goal, target and population, the figures for
//! the period reported with whether the target is met (in words and a symbol, not only colour),
//! the trend as an inline SVG chart followed by its data table (the chart's text alternative),
//! and a table per breakdown.
//!
//! The page has no JavaScript and loads nothing (no fonts, images or style sheets from
//! anywhere), prints on A4, and is byte-identical for the same report. The template
//! (`engine/templates/board.html`, compiled by askama, which escapes every value) only lays out
//! a view prepared here: formatted Swedish strings and chart coordinates.
//!
//! Knows only [`report`](super::report): it renders what the report holds and nothing else. A
//! suppressed cell carries no number, so it cannot be drawn; it is a gap in the chart and `..`
//! in the tables.

use askama::Template;

use super::report::{Breakdown, Cell, IndicatorReport, MeasureKind, Report, Row};

/// The board could not be rendered (the template failed to write).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the results board: {0}")]
pub struct BoardError(#[source] askama::Error);

/// The report as a results board: one HTML page, Swedish, printable on A4.
pub fn html(report: &Report) -> Result<String, BoardError> {
    board_view(report).render().map_err(BoardError)
}

/// The row label the report gives the row for all genders.
const TOTAL: &str = "Totalt";

/// What a suppressed cell says when a reader asks (the `title` of `..`).
const SUPPRESSED_HINT: &str = "Visas inte: för få ärenden, eller skulle gå att räkna fram";

#[derive(Template)]
#[template(path = "board.html", whitespace = "minimize")]
struct BoardView<'a> {
    title: &'a str,
    period_label: &'a str,
    unit: &'a str,
    disclosure: String,
    indicators: Vec<IndicatorView<'a>>,
}

struct IndicatorView<'a> {
    /// 1-based position, for element ids (indicator ids are not used as HTML ids).
    number: usize,
    title: &'a str,
    goal: &'a str,
    source: Option<&'a str>,
    /// `Mål: minst 80 %`.
    target: Option<String>,
    population: &'a str,
    /// Said only when the indicator's smallest cell differs from the report's.
    own_disclosure: Option<String>,
    figures_heading: String,
    figures: Vec<FigureView<'a>>,
    chart: ChartView,
    trend: TableView<'a>,
    breakdowns: Vec<TableView<'a>>,
}

/// One gender's figure for the period reported.
struct FigureView<'a> {
    label: &'a str,
    value: TextCell,
    total: bool,
    status: Option<Status>,
}

struct Status {
    class: &'static str,
    symbol: &'static str,
    text: &'static str,
}

struct TableView<'a> {
    caption: String,
    corner: &'a str,
    columns: Vec<&'a str>,
    rows: Vec<TableRow<'a>>,
}

struct TableRow<'a> {
    label: &'a str,
    /// The `Totalt` row of a breakdown, the period reported in the trend: in bold.
    emphasis: bool,
    cells: Vec<TextCell>,
}

/// A cell as written, and whether it is a suppressed `..` (which gets an explanation).
struct TextCell {
    text: String,
    suppressed: bool,
}

/// An SVG chart: every coordinate already written as text.
struct ChartView {
    title_id: String,
    desc_id: String,
    title: String,
    desc: String,
    width: String,
    height: String,
    left: String,
    right: String,
    top: String,
    bottom: String,
    tick_label_x: String,
    x_label_y: String,
    y_ticks: Vec<Tick>,
    x_labels: Vec<XLabel>,
    target: Option<TargetLine>,
    series: Vec<SeriesView>,
}

struct Tick {
    y: String,
    label: String,
}

struct XLabel {
    x: String,
    line1: String,
    line2: Option<String>,
}

/// The target as a dashed line, labelled `Mål` at its right end and in full in the legend.
struct TargetLine {
    y: String,
    label_x: String,
    label_y: String,
    legend: Legend,
    legend_text: String,
}

struct SeriesView {
    label: String,
    colour: &'static str,
    dash: &'static str,
    stroke_width: &'static str,
    /// `points` of one polyline per run of consecutive plotted periods.
    lines: Vec<String>,
    markers: Vec<Marker>,
    legend: Legend,
}

struct Marker {
    d: String,
    label: String,
}

struct Legend {
    line_x1: String,
    line_x2: String,
    line_y: String,
    marker: String,
    text_x: String,
    text_y: String,
}

fn board_view(report: &Report) -> BoardView<'_> {
    BoardView {
        title: &report.title,
        period_label: &report.period_label,
        unit: report.unit.as_deref().unwrap_or("Alla enheter"),
        disclosure: format!(
            "Celler med färre än {} ärenden visas som .. , liksom celler som annars skulle gå \
             att räkna fram. – betyder att det inte fanns några ärenden att räkna på.",
            report.min_cell
        ),
        indicators: report
            .indicators
            .iter()
            .enumerate()
            .map(|(idx, ind)| indicator_view(report, ind, idx + 1))
            .collect(),
    }
}

fn indicator_view<'a>(
    report: &'a Report,
    ind: &'a IndicatorReport,
    number: usize,
) -> IndicatorView<'a> {
    let kind = ind.measure;
    IndicatorView {
        number,
        title: &ind.title,
        goal: &ind.goal,
        source: ind.source.as_deref(),
        target: ind.target.as_ref().map(|t| format!("Mål: {}", t.text)),
        population: &ind.population,
        own_disclosure: (ind.min_cell != report.min_cell).then(|| {
            format!(
                "För den här indikatorn visas celler med färre än {} ärenden som ..",
                ind.min_cell
            )
        }),
        figures_heading: format!("Resultat för {}", report.period_label),
        figures: ind
            .by_gender
            .iter()
            .map(|row| figure_view(row, kind, ind.target.is_some()))
            .collect(),
        chart: chart_view(ind, &report.periods, number),
        trend: trend_table(ind, &report.periods),
        breakdowns: ind
            .breakdowns
            .iter()
            .map(|b| breakdown_view(b, kind, &report.period_label))
            .collect(),
    }
}

fn figure_view(row: &Row, kind: MeasureKind, has_target: bool) -> FigureView<'_> {
    let cell = row.cells.last();
    let status = match cell {
        Some(Cell::Value { met: Some(met), .. }) if has_target => Some(status(*met)),
        _ => None,
    };
    FigureView {
        label: &row.label,
        value: cell.map_or_else(
            || TextCell {
                text: "–".to_owned(),
                suppressed: false,
            },
            |c| text_cell(c, kind),
        ),
        total: row.label == TOTAL,
        status,
    }
}

fn status(met: bool) -> Status {
    if met {
        Status {
            class: "met",
            symbol: "✓",
            text: "Målet nått",
        }
    } else {
        Status {
            class: "not-met",
            symbol: "✗",
            text: "Målet inte nått",
        }
    }
}

/// The trend as a table, the chart's text alternative: one row per period (so a long trend
/// stays as wide as the page), one column per gender like a breakdown's table.
fn trend_table<'a>(ind: &'a IndicatorReport, periods: &'a [String]) -> TableView<'a> {
    TableView {
        caption: format!("Värden per period: {}", ind.title),
        corner: "Period",
        columns: ind.by_gender.iter().map(|row| row.label.as_str()).collect(),
        rows: periods
            .iter()
            .enumerate()
            .map(|(i, period)| TableRow {
                label: period,
                emphasis: i + 1 == periods.len(),
                cells: ind
                    .by_gender
                    .iter()
                    .map(|row| {
                        row.cells.get(i).map_or_else(
                            || TextCell {
                                text: String::new(),
                                suppressed: false,
                            },
                            |c| text_cell(c, ind.measure),
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn table_row(row: &Row, kind: MeasureKind) -> TableRow<'_> {
    TableRow {
        label: &row.label,
        emphasis: row.label == TOTAL,
        cells: row.cells.iter().map(|c| text_cell(c, kind)).collect(),
    }
}

fn text_cell(cell: &Cell, kind: MeasureKind) -> TextCell {
    TextCell {
        text: cell.text(kind),
        suppressed: matches!(cell, Cell::Suppressed),
    }
}

fn breakdown_view<'a>(b: &'a Breakdown, kind: MeasureKind, period_label: &str) -> TableView<'a> {
    TableView {
        caption: format!("Efter {} och kön, {period_label}", lower_first(&b.title)),
        corner: &b.title,
        columns: b.columns.iter().map(String::as_str).collect(),
        rows: b.rows.iter().map(|row| table_row(row, kind)).collect(),
    }
}

/// `Enhet` → `enhet`, for use inside a sentence; leaves `LSS-insats` alone.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// The chart

const WIDTH: f64 = 680.0;
const PLOT_LEFT: f64 = 78.0;
/// Leaves room right of the plot for the target line's label.
const PLOT_RIGHT: f64 = 630.0;
const PLOT_TOP: f64 = 18.0;
const PLOT_BOTTOM: f64 = 212.0;
/// Space at either end of the time axis, so the first and last points are not on the frame.
const X_PAD: f64 = 24.0;
/// At most this many period labels under the axis; more periods show every k-th label.
const MAX_X_LABELS: usize = 12;
const LEGEND_TOP: f64 = PLOT_BOTTOM + 58.0;
const LEGEND_ROW: f64 = 20.0;

/// How a series is drawn: colour (Okabe–Ito, safe for colour-blind readers, at least 3:1
/// against white), dash pattern and marker shape, so series differ without colour too.
#[derive(Clone, Copy)]
struct Style {
    colour: &'static str,
    dash: &'static str,
    stroke_width: &'static str,
    shape: Shape,
}

#[derive(Clone, Copy)]
enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

const GENDER_STYLES: [Style; 3] = [
    Style {
        colour: "#c0450b",
        dash: "none",
        stroke_width: "2",
        shape: Shape::Circle,
    },
    Style {
        colour: "#0064a0",
        dash: "7 4",
        stroke_width: "2",
        shape: Shape::Square,
    },
    Style {
        colour: "#007a5a",
        dash: "2 3",
        stroke_width: "2",
        shape: Shape::Triangle,
    },
];

const TOTAL_STYLE: Style = Style {
    colour: "#111111",
    dash: "none",
    stroke_width: "3",
    shape: Shape::Diamond,
};

/// A point of a series: a value to plot, or a gap and why.
#[derive(Clone, Copy, PartialEq)]
enum Point {
    Value(f64),
    Suppressed,
    /// No cases (for a count that is the value 0, never a gap), or no cell at all.
    Missing,
}

/// What is plotted for a cell: a count with no cases is 0; a suppressed cell, another measure
/// with no cases, or a value that is not a number are gaps (never 0).
fn point(cell: Option<&Cell>, kind: MeasureKind) -> Point {
    match cell {
        Some(Cell::Value { value, .. }) if value.is_finite() => Point::Value(*value),
        Some(Cell::Empty) if kind == MeasureKind::Count => Point::Value(0.0),
        Some(Cell::Suppressed) => Point::Suppressed,
        _ => Point::Missing,
    }
}

fn chart_view(ind: &IndicatorReport, periods: &[String], number: usize) -> ChartView {
    let kind = ind.measure;
    let points: Vec<Vec<Point>> = ind
        .by_gender
        .iter()
        .map(|row| {
            (0..periods.len())
                .map(|i| point(row.cells.get(i), kind))
                .collect()
        })
        .collect();
    let plotted = points.iter().flatten().filter_map(|p| match p {
        Point::Value(v) => Some(*v),
        Point::Suppressed | Point::Missing => None,
    });
    let target = ind.target.as_ref().filter(|t| t.value.is_finite());
    let axis = Axis::new(kind, plotted.chain(target.map(|t| t.value)));
    let x_of = |i: usize| x_position(i, periods.len());

    let mut legend_x = PLOT_LEFT;
    let mut legend_y = LEGEND_TOP;
    let mut series = Vec::new();
    let mut gender_idx = 0;
    for (row, row_points) in ind.by_gender.iter().zip(&points) {
        let style = if row.label == TOTAL {
            TOTAL_STYLE
        } else {
            let s = GENDER_STYLES
                .get(gender_idx % GENDER_STYLES.len())
                .copied()
                .unwrap_or(TOTAL_STYLE);
            gender_idx += 1;
            s
        };
        let mut lines = Vec::new();
        let mut run: Vec<String> = Vec::new();
        let mut markers = Vec::new();
        for (i, (p, period)) in row_points.iter().zip(periods).enumerate() {
            if let Point::Value(v) = p {
                let (x, y) = (x_of(i), axis.y(*v));
                run.push(format!("{},{}", num(x), num(y)));
                markers.push(Marker {
                    d: marker_path(style.shape, x, y),
                    label: format!("{}, {period}: {}", row.label, kind.format(*v)),
                });
            } else if !run.is_empty() {
                lines.push(std::mem::take(&mut run).join(" "));
            }
        }
        if !run.is_empty() {
            lines.push(run.join(" "));
        }
        // A lone point has no line to draw; its marker shows it.
        lines.retain(|l| l.contains(' '));

        let item_width = 36.0 + 7.0 * row.label.chars().count() as f64 + 22.0;
        if legend_x + item_width > WIDTH && legend_x > PLOT_LEFT {
            legend_x = PLOT_LEFT;
            legend_y += LEGEND_ROW;
        }
        series.push(SeriesView {
            label: row.label.clone(),
            colour: style.colour,
            dash: style.dash,
            stroke_width: style.stroke_width,
            lines,
            markers,
            legend: Legend {
                line_x1: num(legend_x),
                line_x2: num(legend_x + 28.0),
                line_y: num(legend_y),
                marker: marker_path(style.shape, legend_x + 14.0, legend_y),
                text_x: num(legend_x + 36.0),
                text_y: num(legend_y + 4.0),
            },
        });
        legend_x += item_width;
    }

    let target_line = target.map(|t| {
        let legend_text = format!("Mål: {}", t.text);
        let item_width = 36.0 + 7.0 * legend_text.chars().count() as f64;
        if legend_x + item_width > WIDTH && legend_x > PLOT_LEFT {
            legend_x = PLOT_LEFT;
            legend_y += LEGEND_ROW;
        }
        let y = axis.y(t.value);
        TargetLine {
            y: num(y),
            label_x: num(PLOT_RIGHT + 6.0),
            label_y: num(y + 4.0),
            legend: Legend {
                line_x1: num(legend_x),
                line_x2: num(legend_x + 28.0),
                line_y: num(legend_y),
                marker: String::new(),
                text_x: num(legend_x + 36.0),
                text_y: num(legend_y + 4.0),
            },
            legend_text,
        }
    });

    let step = periods.len().div_ceil(MAX_X_LABELS).max(1);
    let x_labels = periods
        .iter()
        .enumerate()
        .filter(|(i, _)| (periods.len() - 1 - i).is_multiple_of(step))
        .map(|(i, label)| {
            let (line1, line2) = match label.rsplit_once(' ') {
                Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
                None => (label.clone(), None),
            };
            XLabel {
                x: num(x_of(i)),
                line1,
                line2,
            }
        })
        .collect();

    ChartView {
        title_id: format!("indikator-{number}-diagram-titel"),
        desc_id: format!("indikator-{number}-diagram-beskrivning"),
        title: format!("Utveckling över tid: {}", ind.title),
        desc: chart_desc(ind, periods, &points),
        width: num(WIDTH),
        height: num(legend_y + 14.0),
        left: num(PLOT_LEFT),
        right: num(PLOT_RIGHT),
        top: num(PLOT_TOP),
        bottom: num(PLOT_BOTTOM),
        tick_label_x: num(PLOT_LEFT - 8.0),
        x_label_y: num(PLOT_BOTTOM + 20.0),
        y_ticks: axis
            .ticks()
            .map(|v| Tick {
                y: num(axis.y(v)),
                label: axis.label(kind, v),
            })
            .collect(),
        x_labels,
        target: target_line,
        series,
    }
}

/// The chart in words, for `<desc>`: the periods, each series' first and last shown value, the
/// target and what the gaps mean.
fn chart_desc(ind: &IndicatorReport, periods: &[String], points: &[Vec<Point>]) -> String {
    let kind = ind.measure;
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return "Inga perioder att visa.".to_owned();
    };
    let mut out = if periods.len() == 1 {
        format!("Linjediagram för {first}, en linje per grupp.")
    } else {
        format!(
            "Linjediagram över {} perioder, från {first} till {last}, en linje per grupp.",
            periods.len()
        )
    };
    for (row, row_points) in ind.by_gender.iter().zip(points) {
        let mut shown = row_points
            .iter()
            .zip(periods)
            .filter_map(|(p, period)| match p {
                Point::Value(v) => Some((kind.format(*v), period)),
                Point::Suppressed | Point::Missing => None,
            });
        let first_shown = shown.next();
        let last_shown = shown.next_back();
        let sentence = match (first_shown, last_shown) {
            (Some((a, pa)), Some((b, pb))) => {
                format!(" {}: från {a} ({pa}) till {b} ({pb}).", row.label)
            }
            (Some((a, pa)), None) => format!(" {}: {a} ({pa}).", row.label),
            (None, _) => format!(" {}: inga värden som kan visas.", row.label),
        };
        out.push_str(&sentence);
    }
    if let Some(t) = &ind.target {
        out.push_str(&format!(" Den streckade linjen är målet, {}.", t.text));
    }
    let any = |wanted: Point| points.iter().flatten().any(|p| *p == wanted);
    match (any(Point::Suppressed), any(Point::Missing)) {
        (true, true) => out.push_str(
            " Luckor i linjerna är perioder där värdet inte visas (..) eller där det inte \
             fanns några ärenden.",
        ),
        (true, false) => {
            out.push_str(" Luckor i linjerna är perioder där värdet inte visas (..).");
        }
        (false, true) => out.push_str(
            " Luckor i linjerna är perioder där det inte fanns några ärenden att räkna på.",
        ),
        (false, false) => {}
    }
    out.push_str(" Alla värden finns i tabellen under diagrammet.");
    out
}

/// The x coordinate of period `idx` of `n`.
fn x_position(idx: usize, n: usize) -> f64 {
    if n <= 1 {
        return f64::midpoint(PLOT_LEFT, PLOT_RIGHT);
    }
    let span = PLOT_RIGHT - PLOT_LEFT - 2.0 * X_PAD;
    PLOT_LEFT + X_PAD + span * idx as f64 / (n - 1) as f64
}

/// The value axis: from `lo` to `hi` in ticks of `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    /// An axis that holds every value (and 0): a share runs 0–100 %; others end on a round
    /// number, with ticks no finer than the figure is written (whole counts and days, tenths).
    fn new(kind: MeasureKind, values: impl Iterator<Item = f64>) -> Axis {
        let (mut min, mut max) = (0.0_f64, f64::NEG_INFINITY);
        for v in values {
            min = min.min(v);
            max = max.max(v);
        }
        if max == f64::NEG_INFINITY {
            max = 1.0;
        }
        if kind == MeasureKind::Share && min >= 0.0 && max <= 1.0 {
            return Axis {
                lo: 0.0,
                hi: 1.0,
                step: 0.25,
            };
        }
        let min_step = match kind {
            MeasureKind::Count | MeasureKind::Days => 1.0,
            MeasureKind::Share => 0.01,
            MeasureKind::Mean | MeasureKind::Median | MeasureKind::Rate => 0.1,
        };
        let span = (max - min).max(min_step);
        let step = nice_step(span / 4.0).max(min_step);
        let lo = (min / step).floor() * step;
        let hi = ((max / step).ceil() * step).max(lo + step);
        Axis { lo, hi, step }
    }

    fn y(self, value: f64) -> f64 {
        PLOT_BOTTOM - (value - self.lo) / (self.hi - self.lo) * (PLOT_BOTTOM - PLOT_TOP)
    }

    /// A tick as the figure is written, but whole numbers without decimals (`2`, not `2,0`).
    fn label(self, kind: MeasureKind, value: f64) -> String {
        match kind {
            MeasureKind::Mean | MeasureKind::Median | MeasureKind::Rate
                if self.step.fract() == 0.0 && self.lo.fract() == 0.0 =>
            {
                MeasureKind::Count.format(value)
            }
            _ => kind.format(value),
        }
    }

    fn ticks(self) -> impl Iterator<Item = f64> {
        let n = ((self.hi - self.lo) / self.step).round();
        // At most a handful by construction; the bound only guards against odd input.
        let n = if n.is_finite() && n <= 20.0 {
            n as u32
        } else {
            0
        };
        (0..=n).map(move |k| self.lo + f64::from(k) * self.step)
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let base = 10_f64.powf(raw.log10().floor());
    let f = raw / base;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * base
}

fn marker_path(shape: Shape, x: f64, y: f64) -> String {
    match shape {
        Shape::Circle => format!(
            "M{},{} a4,4 0 1,0 8,0 a4,4 0 1,0 -8,0 Z",
            num(x - 4.0),
            num(y)
        ),
        Shape::Square => format!("M{},{} h7 v7 h-7 Z", num(x - 3.5), num(y - 3.5)),
        Shape::Triangle => format!("M{},{} l4.5,8 h-9 Z", num(x), num(y - 5.0)),
        Shape::Diamond => format!("M{},{} l5,5 l-5,5 l-5,-5 Z", num(x), num(y - 5.0)),
    }
}

/// A coordinate as SVG text: one decimal, so output is stable.
fn num(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::report::Target;

    fn value(n: u64, value: f64, met: Option<bool>) -> Cell {
        Cell::Value { n, value, met }
    }

    fn row(label: &str, cells: Vec<Cell>) -> Row {
        Row {
            label: label.to_owned(),
            cells,
        }
    }

    fn gender_columns() -> Vec<String> {
        ["Kvinnor", "Män", "Annat eller okänt", "Totalt"]
            .map(str::to_owned)
            .to_vec()
    }

    /// Three indicators over four tertials: a share with a target and a breakdown by unit, a
    /// count, a mean; suppressed and empty cells in each.
    fn sample() -> Report {
        let risk = IndicatorReport {
            id: "riskbedomning_14_dagar".to_owned(),
            title: "Riskbedömning inom 14 dagar".to_owned(),
            goal: "Våldsutsatta får sin risk bedömd snabbt.".to_owned(),
            source: Some("Socialstyrelsens föreskrifter (SOSFS 2014:4)".to_owned()),
            measure: MeasureKind::Share,
            population: "Ärenden aktualiserade under perioden.".to_owned(),
            target: Some(Target {
                op: ">=".to_owned(),
                value: 0.8,
                text: "minst 80 %".to_owned(),
            }),
            min_cell: 5,
            by_gender: vec![
                row(
                    "Kvinnor",
                    vec![
                        value(20, 0.7, Some(false)),
                        Cell::Suppressed,
                        value(25, 0.8, Some(true)),
                        value(30, 0.833, Some(true)),
                    ],
                ),
                row(
                    "Män",
                    vec![
                        Cell::Suppressed,
                        value(10, 0.6, Some(false)),
                        Cell::Empty,
                        value(12, 0.75, Some(false)),
                    ],
                ),
                row("Annat eller okänt", vec![Cell::Suppressed; 4]),
                row(
                    "Totalt",
                    vec![
                        value(32, 0.66, Some(false)),
                        value(30, 0.7, Some(false)),
                        value(36, 0.78, Some(false)),
                        value(44, 0.81, Some(true)),
                    ],
                ),
            ],
            breakdowns: vec![Breakdown {
                title: "Enhet".to_owned(),
                columns: gender_columns(),
                rows: vec![
                    row(
                        "Relationsvåldsteamet",
                        vec![
                            value(18, 0.833, Some(true)),
                            value(7, 0.714, Some(false)),
                            Cell::Suppressed,
                            value(27, 0.8, Some(true)),
                        ],
                    ),
                    row(
                        "Barn och familj",
                        vec![
                            value(12, 0.833, Some(true)),
                            Cell::Suppressed,
                            Cell::Empty,
                            value(17, 0.824, Some(true)),
                        ],
                    ),
                    row(
                        "Totalt",
                        vec![
                            value(30, 0.833, Some(true)),
                            value(12, 0.75, Some(false)),
                            Cell::Suppressed,
                            value(44, 0.81, Some(true)),
                        ],
                    ),
                ],
            }],
        };
        let count = IndicatorReport {
            id: "skyddat_boende".to_owned(),
            title: "Placeringar i skyddat boende".to_owned(),
            goal: "Den som behöver skydd får det.".to_owned(),
            source: None,
            measure: MeasureKind::Count,
            population: "Beslut om skyddat boende under perioden.".to_owned(),
            target: None,
            min_cell: 5,
            by_gender: vec![
                row(
                    "Kvinnor",
                    vec![
                        value(9, 9.0, None),
                        value(12, 12.0, None),
                        value(7, 7.0, None),
                        value(11, 11.0, None),
                    ],
                ),
                row(
                    "Män",
                    vec![Cell::Empty, Cell::Suppressed, Cell::Empty, Cell::Empty],
                ),
                row("Annat eller okänt", vec![Cell::Empty; 4]),
                row(
                    "Totalt",
                    vec![
                        value(9, 9.0, None),
                        Cell::Suppressed,
                        value(7, 7.0, None),
                        value(11, 11.0, None),
                    ],
                ),
            ],
            breakdowns: vec![],
        };
        let mean = IndicatorReport {
            id: "insatser_per_arende".to_owned(),
            title: "Insatser per avslutat ärende".to_owned(),
            goal: "Stödet motsvarar behovet.".to_owned(),
            source: None,
            measure: MeasureKind::Mean,
            population: "Ärenden avslutade under perioden.".to_owned(),
            target: None,
            min_cell: 10,
            by_gender: vec![
                row(
                    "Kvinnor",
                    vec![
                        Cell::Empty,
                        value(14, 2.4, None),
                        value(15, 2.9, None),
                        value(11, 3.1, None),
                    ],
                ),
                row("Män", vec![Cell::Suppressed; 4]),
                row("Annat eller okänt", vec![Cell::Empty; 4]),
                row(
                    "Totalt",
                    vec![
                        Cell::Empty,
                        value(19, 2.2, None),
                        value(21, 2.7, None),
                        value(16, 2.95, None),
                    ],
                ),
            ],
            breakdowns: vec![],
        };
        Report {
            title: "Resultattavla – Relationsvåldsteamet".to_owned(),
            period: "2026-T3".to_owned(),
            period_label: "tertial 3 2026".to_owned(),
            periods: ["T3 2025", "T1 2026", "T2 2026", "T3 2026"]
                .map(str::to_owned)
                .to_vec(),
            unit: None,
            min_cell: 5,
            indicators: vec![risk, count, mean],
        }
    }

    fn cells(report: &Report) -> impl Iterator<Item = &Cell> {
        report.indicators.iter().flat_map(|ind| {
            ind.by_gender
                .iter()
                .chain(ind.breakdowns.iter().flat_map(|b| &b.rows))
                .flat_map(|r| &r.cells)
        })
    }

    #[test]
    fn renders_swedish_labels() {
        let report = sample();
        let out = html(&report).unwrap();
        for text in [
            "<!doctype html>",
            "<html lang=\"sv\">",
            "<title>Resultattavla – Relationsvåldsteamet – tertial 3 2026</title>",
            "<h1>Resultattavla – Relationsvåldsteamet</h1>",
            "tertial 3 2026",
            "Alla enheter",
            "Celler med färre än 5 ärenden visas som .. , liksom celler som annars skulle gå \
             att räkna fram.",
            "För den här indikatorn visas celler med färre än 10 ärenden som ..",
            "Riskbedömning inom 14 dagar",
            "Våldsutsatta får sin risk bedömd snabbt.",
            "Mål: minst 80 %",
            "Ärenden aktualiserade under perioden.",
            "Socialstyrelsens föreskrifter (SOSFS 2014:4)",
            "Resultat för tertial 3 2026",
            "Kvinnor",
            "Män",
            "Annat eller okänt",
            "Totalt",
            "Målet nått",
            "Målet inte nått",
            "83 %",
            "Efter enhet och kön, tertial 3 2026",
            "Relationsvåldsteamet",
            "<th scope=\"row\">T1 2026</th>",
            "<th scope=\"col\">Annat eller okänt</th>",
            "<th scope=\"row\">Relationsvåldsteamet</th>",
            "<th scope=\"col\">Kvinnor</th>",
            "<caption>Värden per period: Placeringar i skyddat boende</caption>",
            "2,9",
            "@page { size: A4; margin: 15mm }",
            "break-inside: avoid",
            "@media print",
        ] {
            assert!(out.contains(text), "missing {text:?} in\n{out}");
        }
        assert!(!out.contains("<script"), "{out}");
        // Only the report's own labels: no indicator ids.
        assert!(!out.contains("riskbedomning_14_dagar"));
    }

    #[test]
    fn a_unit_report_names_its_unit() {
        let mut report = sample();
        report.unit = Some("Barn och familj".to_owned());
        let out = html(&report).unwrap();
        assert!(out.contains("<dd>Barn och familj</dd>"), "{out}");
        assert!(!out.contains("Alla enheter"));
    }

    #[test]
    fn suppressed_cells_are_two_dots() {
        let report = sample();
        let out = html(&report).unwrap();
        let n_suppressed = cells(&report)
            .filter(|c| matches!(c, Cell::Suppressed))
            .count();
        // Every suppressed cell in a table, plus the suppressed figures of the period reported.
        let n_figures = report
            .indicators
            .iter()
            .flat_map(|ind| &ind.by_gender)
            .filter(|r| matches!(r.cells.last(), Some(Cell::Suppressed)))
            .count();
        let n_dots = out.matches(">..</abbr>").count();
        assert_eq!(n_dots, n_suppressed + n_figures, "{out}");
        assert!(n_suppressed > 5);
        // A count with no cases is 0; another measure with none is a dash.
        assert!(out.contains("<td>0</td>"), "{out}");
        assert!(out.contains("<td>–</td>"), "{out}");
    }

    #[test]
    fn every_chart_has_a_title_and_a_description() {
        let report = sample();
        let out = html(&report).unwrap();
        let charts: Vec<&str> = out
            .split("<svg")
            .skip(1)
            .map(|rest| rest.split("</svg>").next().unwrap())
            .collect();
        assert_eq!(charts.len(), report.indicators.len());
        for chart in charts {
            let title = chart.find("<title id=").expect(chart);
            let desc = chart.find("<desc id=").expect(chart);
            assert!(title < desc, "{chart}");
            assert!(chart.contains("role=\"img\""), "{chart}");
        }
        assert!(out.contains("Kvinnor: från 70 % (T3 2025) till 83 % (T3 2026).",));
        assert!(out.contains("Annat eller okänt: inga värden som kan visas."));
        assert!(out.contains("Den streckade linjen är målet, minst 80 %."));
        assert!(
            out.contains("stroke-dasharray=\"8 5\""),
            "target line: {out}"
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut report = sample();
        report.title = "Tavla <b>\"A & B\"</b>".to_owned();
        report.indicators[0].title = "Andel <script>alert(1)</script> & \"snabba\"".to_owned();
        report.indicators[0].by_gender[0].label = "<i>Kvinnor</i>".to_owned();
        let out = html(&report).unwrap();
        assert!(!out.contains("<b>"), "{out}");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<i>"), "{out}");
        assert!(
            out.contains("Tavla &#60;b&#62;&#34;A &#38; B&#34;&#60;/b&#62;"),
            "{out}"
        );
        assert!(
            out.contains("Andel &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;snabba&#34;")
        );
    }

    #[test]
    fn loads_nothing_from_anywhere() {
        let out = html(&sample()).unwrap();
        for text in [
            "http:",
            "https:",
            "url(",
            "@import",
            "<link",
            "<img",
            "src=",
            "@font-face",
        ] {
            assert!(!out.contains(text), "{text:?} in\n{out}");
        }
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(html(&sample()).unwrap(), html(&sample()).unwrap());
    }

    #[test]
    fn gaps_are_not_plotted_as_zero() {
        let report = sample();
        let share = chart_view(&report.indicators[0], &report.periods, 1);
        // Kvinnor: value, suppressed, value, value → a lone point, then a line of two.
        let women = &share.series[0];
        assert_eq!(women.markers.len(), 3);
        assert_eq!(women.lines.len(), 1);
        assert_eq!(women.lines[0].split(' ').count(), 2);
        // Män: suppressed, value, empty, value → two lone points, no line.
        assert_eq!(share.series[1].markers.len(), 2);
        assert!(share.series[1].lines.is_empty());
        // Annat eller okänt: nothing to draw.
        assert!(share.series[2].markers.is_empty());
        assert_eq!(share.series[3].lines.len(), 1);
        assert_eq!(share.series[3].lines[0].split(' ').count(), 4);

        // A count's empty cell is 0, on the axis; its suppressed cell is a gap.
        let count = chart_view(&report.indicators[1], &report.periods, 2);
        let men = &count.series[1];
        assert_eq!(men.markers.len(), 3);
        let bottom = num(PLOT_BOTTOM);
        assert!(
            men.lines
                .iter()
                .all(|l| l.split(' ').all(|p| p.ends_with(&bottom)))
        );
        assert_eq!(men.lines.len(), 1, "the empty cells after the gap join up");
        assert_eq!(count.series[2].markers.len(), 4);
    }

    #[test]
    fn axes_end_on_round_numbers() {
        let share = Axis::new(MeasureKind::Share, [0.3, 0.9].into_iter());
        assert_eq!((share.lo, share.hi, share.step), (0.0, 1.0, 0.25));
        let count = Axis::new(MeasureKind::Count, [0.0, 11.0, 12.0].into_iter());
        assert_eq!((count.lo, count.hi, count.step), (0.0, 15.0, 5.0));
        let zeros = Axis::new(MeasureKind::Count, [0.0].into_iter());
        assert_eq!((zeros.lo, zeros.hi, zeros.step), (0.0, 1.0, 1.0));
        let mean = Axis::new(MeasureKind::Mean, [2.2, 3.1].into_iter());
        assert_eq!((mean.lo, mean.hi), (0.0, 4.0));
        let nothing = Axis::new(MeasureKind::Mean, std::iter::empty());
        assert!(nothing.hi > nothing.lo);
        assert_eq!(
            Axis::new(MeasureKind::Count, [12.0].into_iter())
                .ticks()
                .map(|v| MeasureKind::Count.format(v))
                .collect::<Vec<_>>(),
            ["0", "5", "10", "15"]
        );
    }

    #[test]
    fn a_report_without_periods_renders() {
        let mut report = sample();
        report.periods.clear();
        for ind in &mut report.indicators {
            for row in &mut ind.by_gender {
                row.cells.clear();
            }
        }
        let out = html(&report).unwrap();
        assert!(out.contains("Inga perioder att visa."), "{out}");
    }
}
