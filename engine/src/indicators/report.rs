//! A computed report: what a results board, a table, CSV and JSON are drawn from. Every figure
//! in it has passed disclosure control; a suppressed cell is [`Cell::Suppressed`] and carries
//! no number at all, so no output format can leak it.

use serde::Serialize;

/// A report over one period (with earlier periods for the trend).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The board's title, e.g. `Resultattavla – Relationsvåldsteamet`.
    pub title: String,
    /// The period reported, as the CLI takes it (`2026-10`).
    pub period: String,
    /// Its Swedish label (`oktober 2026`).
    pub period_label: String,
    /// The periods shown, oldest first; the last is the period reported. Short Swedish labels
    /// (`okt 2026`).
    pub periods: Vec<String>,
    /// The unit reported on (its title), or `None` for all units.
    pub unit: Option<String>,
    /// The smallest cell shown anywhere in the report.
    pub min_cell: u32,
    /// One entry per indicator, in catalog order.
    pub indicators: Vec<IndicatorReport>,
}

/// One indicator's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorReport {
    /// The indicator's id.
    pub id: String,
    /// Its title (Swedish).
    pub title: String,
    /// The goal it serves (Swedish).
    pub goal: String,
    /// Where it comes from, if the file says.
    pub source: Option<String>,
    /// What kind of figure it is.
    pub measure: MeasureKind,
    /// Which cases count, in Swedish (`Ärenden avslutade under perioden där …`).
    pub population: String,
    /// The target, if any.
    pub target: Option<Target>,
    /// The smallest cell this indicator shows.
    pub min_cell: u32,
    /// By gender: one row per gender category and a last row for all (`Totalt`), each with
    /// one cell per period of [`Report::periods`] (the trend; the last is the period reported).
    pub by_gender: Vec<Row>,
    /// For each breakdown the indicator names besides gender: a table for the period reported,
    /// one row per category (and `Totalt`), one cell per gender column (and `Totalt`).
    pub breakdowns: Vec<Breakdown>,
}

/// A table of one breakdown × gender, for the period reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The dimension's title (`Enhet`, `Åldersgrupp`, `Aktualiserad av`).
    pub title: String,
    /// The column headings: the gender categories, then `Totalt`.
    pub columns: Vec<String>,
    /// One row per category of the dimension, then `Totalt`.
    pub rows: Vec<Row>,
}

/// A row of figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The row's heading (`Kvinnor`, `Män`, `Annat eller okänt`, `Totalt`, a unit's title).
    pub label: String,
    /// The cells, one per column.
    pub cells: Vec<Cell>,
}

/// One published figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Cell {
    /// A figure.
    Value {
        /// The cases it is computed over.
        n: u64,
        /// The value: a share (0–1), a count, a mean, a median, days, or a rate per 10,000.
        value: f64,
        /// Whether it meets the target (`None`: no target, or not a comparable figure).
        met: Option<bool>,
    },
    /// No cases: nothing to compute (a count shows 0).
    Empty,
    /// Suppressed: too few cases, or it would let a reader recompute a cell that is. Shown as
    /// `..`.
    Suppressed,
}

/// The kind of an indicator's figure, which says how to write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A share, written as a percentage.
    Share,
    /// A number of cases.
    Count,
    /// A mean of a fact.
    Mean,
    /// A median of a fact.
    Median,
    /// A mean number of days between two events.
    Days,
    /// Cases per 10,000 residents.
    Rate,
}

/// A target and how it reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The comparison: `>=`, `>`, `<=`, `<`, `==`, `!=`.
    pub op: String,
    /// The value (a share 0–1).
    pub value: f64,
    /// As a board writes it: `minst 80 %`.
    pub text: String,
}

impl MeasureKind {
    /// A value as a board writes it (Swedish: decimal comma, `%` after a space).
    pub fn format(self, value: f64) -> String {
        match self {
            MeasureKind::Share => format!("{} %", decimal(value * 100.0, 0)),
            MeasureKind::Count => decimal(value, 0),
            MeasureKind::Mean | MeasureKind::Median | MeasureKind::Rate => decimal(value, 1),
            MeasureKind::Days => format!("{} dagar", decimal(value, 0)),
        }
    }
}

impl Cell {
    /// The cell as a table writes it: the value, `0` or `–` when there were no cases, `..`
    /// when suppressed.
    pub fn text(&self, kind: MeasureKind) -> String {
        match self {
            Cell::Value { value, .. } => kind.format(*value),
            Cell::Empty if kind == MeasureKind::Count => "0".to_owned(),
            Cell::Empty => "–".to_owned(),
            Cell::Suppressed => "..".to_owned(),
        }
    }
}

/// A number with `places` decimals and a decimal comma.
fn decimal(value: f64, places: usize) -> String {
    format!("{value:.places$}").replace('.', ",")
}

impl Report {
    /// The report as JSON (suppressed cells carry no number).
    pub fn json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The report as CSV: one line per published cell, `..` for a suppressed value.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "indikator",
            "titel",
            "tabell",
            "rad",
            "kolumn",
            "antal",
            "varde",
            "text",
            "mal_nått",
        ])?;
        for ind in &self.indicators {
            for (table, columns, rows) in ind.tables(self) {
                for row in rows {
                    for (column, cell) in columns.iter().zip(&row.cells) {
                        let (n, value, met) = match cell {
                            Cell::Value { n, value, met } => (
                                n.to_string(),
                                value.to_string(),
                                met.map_or(String::new(), |m| {
                                    if m { "ja" } else { "nej" }.to_owned()
                                }),
                            ),
                            Cell::Empty => ("0".to_owned(), String::new(), String::new()),
                            Cell::Suppressed => ("..".to_owned(), "..".to_owned(), String::new()),
                        };
                        w.write_record([
                            ind.id.as_str(),
                            ind.title.as_str(),
                            table.as_str(),
                            row.label.as_str(),
                            column.as_str(),
                            n.as_str(),
                            value.as_str(),
                            cell.text(ind.measure).as_str(),
                            met.as_str(),
                        ])?;
                    }
                }
            }
        }
        let bytes = w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The report as terminal tables.
    pub fn text(&self) -> String {
        let mut out = format!("{} – {}\n", self.title, self.period_label);
        out.push_str(&format!(
            "Celler med färre än {} ärenden visas som .., liksom celler som annars skulle gå att räkna fram.\n",
            self.min_cell
        ));
        for ind in &self.indicators {
            out.push('\n');
            out.push_str(&format!("{}\n", ind.title));
            if let Some(t) = &ind.target {
                out.push_str(&format!("Mål: {}\n", t.text));
            }
            out.push_str(&format!("{}\n", ind.population));
            for (table, columns, rows) in ind.tables(self) {
                let mut t = comfy_table::Table::new();
                t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
                let mut header = vec![table.clone()];
                header.extend(columns.iter().cloned());
                t.set_header(header);
                for row in rows {
                    let mut line = vec![row.label.clone()];
                    line.extend(row.cells.iter().map(|c| c.text(ind.measure)));
                    t.add_row(line);
                }
                out.push_str(&format!("{t}\n"));
            }
        }
        out
    }
}

impl IndicatorReport {
    /// The indicator's tables: by gender over the periods, then each breakdown by gender.
    pub fn tables<'a>(&'a self, report: &'a Report) -> Vec<(String, &'a [String], &'a [Row])> {
        let mut out = vec![(
            "Kön".to_owned(),
            report.periods.as_slice(),
            self.by_gender.as_slice(),
        )];
        for b in &self.breakdowns {
            out.push((b.title.clone(), b.columns.as_slice(), b.rows.as_slice()));
        }
        out
    }
}
