//! Disclosure control against hand-computed tables: every file in `tests/data/disclosure/`
//! (format in its README) is built, suppressed and compared with the hidden cells the file
//! expects. Then, without the engine's audit, each cell that must stay hidden gets a witness:
//! an integer vector that changes it and keeps every constraint with every published,
//! unhidden cell fixed, so no reader can recompute it by linear algebra.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use lots::indicators::disclosure::{
    self, AuditFailure, CellId, CubeSpec, DEFAULT_MIN_CELL, Dimension, Published, System,
};
use serde::Deserialize;

use crate::root;

/// One file: a single table at the top level, or `tables` with `links`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default = "default_min_cell")]
    min_cell: u32,
    dimensions: Option<Vec<DimensionSyntax>>,
    cells: Option<Vec<u64>>,
    published: Option<PublishedSyntax>,
    tables: Option<Vec<TableSyntax>>,
    #[serde(default)]
    links: Vec<Vec<String>>,
    #[serde(default)]
    forced: Vec<String>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSyntax {
    name: String,
    dimensions: Vec<DimensionSyntax>,
    cells: Vec<u64>,
    published: PublishedSyntax,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionSyntax {
    name: String,
    categories: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PublishedSyntax {
    Word(String),
    Tables(Vec<Vec<String>>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    hidden: Vec<String>,
    primary: Option<Vec<String>>,
}

fn default_min_cell() -> u32 {
    DEFAULT_MIN_CELL
}

#[test]
fn disclosure_tables_suppress_as_hand_computed() {
    let dir = root().join("tests/data/disclosure");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected at least 12 tables in {}, found {}",
        dir.display(),
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let file: TableFile = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: not a disclosure table file: {e}"));
        failures.extend(check(&file).into_iter().map(|f| format!("{name}: {f}")));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Everything wrong with one file's result.
fn check(file: &TableFile) -> Vec<String> {
    let (system, by_label) = build(file);
    let id = |label: &String| {
        *by_label
            .get(label)
            .unwrap_or_else(|| panic!("no cell labelled `{label}`"))
    };
    let forced: Vec<CellId> = file.forced.iter().map(id).collect();
    let min_cell = file.min_cell;
    let result = match disclosure::suppress(&system, min_cell, &forced) {
        Ok(result) => result,
        Err(e) => return vec![format!("suppression failed: {e}")],
    };
    let mut failures = Vec::new();
    let label = |c: CellId| system.label(c).unwrap().to_owned();
    let published = |c: &CellId| system.cell(*c).unwrap().published;

    let expected: BTreeSet<String> = file.expect.hidden.iter().cloned().collect();
    assert_eq!(
        expected.len(),
        file.expect.hidden.len(),
        "expect.hidden repeats a label"
    );
    for l in &expected {
        id(l);
    }
    let hidden = result.hidden();
    let found: BTreeSet<String> = hidden
        .iter()
        .filter(|c| published(c))
        .map(|&c| label(c))
        .collect();
    if found != expected {
        failures.push(format!(
            "hidden cells differ\n  missing: {:?}\n  extra:   {:?}",
            expected.difference(&found).collect::<Vec<_>>(),
            found.difference(&expected).collect::<Vec<_>>()
        ));
    }
    if let Some(primary) = &file.expect.primary {
        let expected: BTreeSet<String> = primary.iter().cloned().collect();
        let found: BTreeSet<String> = result.primary.iter().map(|&c| label(c)).collect();
        if found != expected {
            failures.push(format!(
                "primary cells differ: expected {expected:?}, found {found:?}"
            ));
        }
    }

    if let Err(e) = disclosure::audit(&system, min_cell, &hidden) {
        failures.push(format!("the audit rejects the suppression: {e}"));
    }
    // The audit is not vacuous: whenever complements were needed, the primary cells alone fail.
    if !result.complementary.is_empty() {
        let primary: BTreeSet<CellId> = result.primary.iter().copied().collect();
        match disclosure::audit(&system, min_cell, &primary) {
            Err(AuditFailure::Derivable { cells }) if !cells.is_empty() => {}
            other => failures.push(format!("the primary cells alone pass the audit: {other:?}")),
        }
    }

    for cell in system.ids() {
        let c = system.cell(cell).unwrap();
        if c.published && disclosure::is_sensitive(c.value, min_cell) && !hidden.contains(&cell) {
            failures.push(format!("sensitive cell `{}` is published", c.label));
        }
    }

    // Independent of the engine's elimination: a witness for every cell that must stay hidden.
    let unknown = |hidden: &BTreeSet<CellId>| -> BTreeSet<usize> {
        system
            .ids()
            .filter(|c| hidden.contains(c) || !published(c))
            .map(CellId::index)
            .collect()
    };
    let protected = |hidden: &BTreeSet<CellId>| -> Vec<CellId> {
        system
            .ids()
            .filter(|c| {
                let cell = system.cell(*c).unwrap();
                hidden.contains(c)
                    || (!cell.published && disclosure::is_sensitive(cell.value, min_cell))
            })
            .collect()
    };
    // The witness search is not vacuous either: with the primary cells alone, some cell has none.
    if !result.complementary.is_empty() {
        let primary: BTreeSet<CellId> = result.primary.iter().copied().collect();
        let unknown = unknown(&primary);
        if protected(&primary)
            .iter()
            .all(|c| witness(&system, &unknown, c.index()).is_some())
        {
            failures.push("every cell has a witness with the primary cells alone".into());
        }
    }
    let unknown = unknown(&hidden);
    for cell in protected(&hidden) {
        match witness(&system, &unknown, cell.index()) {
            Some(v) => {
                if let Err(e) = verify(&system, &unknown, &v, cell.index()) {
                    failures.push(format!("witness for `{}` is wrong: {e}", label(cell)));
                }
            }
            None => failures.push(format!("`{}` can be recomputed", label(cell))),
        }
    }
    failures
}

/// The system of a file, and its cells by label.
fn build(file: &TableFile) -> (System, BTreeMap<String, CellId>) {
    let tables: Vec<(String, &[DimensionSyntax], &[u64], &PublishedSyntax)> =
        match (&file.tables, &file.dimensions, &file.cells, &file.published) {
            (Some(tables), None, None, None) => tables
                .iter()
                .map(|t| {
                    (
                        t.name.clone(),
                        &t.dimensions[..],
                        &t.cells[..],
                        &t.published,
                    )
                })
                .collect(),
            (None, Some(d), Some(c), Some(p)) => vec![(String::new(), &d[..], &c[..], p)],
            _ => panic!("a file has either `dimensions`, `cells` and `published`, or `tables`"),
        };
    let mut system = System::default();
    for (name, dimensions, cells, published) in tables {
        let index = |n: &String| {
            dimensions
                .iter()
                .position(|d| d.name == *n)
                .unwrap_or_else(|| panic!("no dimension `{n}`"))
        };
        let published = match published {
            PublishedSyntax::Word(w) if w == "all" => Published::All,
            PublishedSyntax::Word(w) => panic!("`published: {w}`: expected `all` or a list"),
            PublishedSyntax::Tables(tables) => Published::Tables(
                tables
                    .iter()
                    .map(|t| t.iter().map(index).collect())
                    .collect(),
            ),
        };
        system
            .add_cube(CubeSpec {
                name,
                dimensions: dimensions
                    .iter()
                    .map(|d| Dimension {
                        name: d.name.clone(),
                        categories: d.categories.clone(),
                    })
                    .collect(),
                interior: cells.to_vec(),
                published,
            })
            .unwrap();
    }
    let mut by_label = BTreeMap::new();
    for cell in system.ids() {
        let label = system.label(cell).unwrap().to_owned();
        assert!(
            by_label.insert(label.clone(), cell).is_none(),
            "two cells labelled `{label}`"
        );
    }
    for link in &file.links {
        let [a, b] = &link[..] else {
            panic!("a link names two cells: {link:?}")
        };
        system.link(by_label[a], by_label[b]).unwrap();
    }
    (system, by_label)
}

/// Net coefficients of a constraint (`+1` the total, `-1` each part), recomputed here.
fn coefficients(system: &System, k: usize) -> BTreeMap<usize, i128> {
    let constraint = &system.constraints()[k];
    let mut row = BTreeMap::new();
    *row.entry(constraint.total.index()).or_insert(0) += 1;
    for part in &constraint.parts {
        *row.entry(part.index()).or_insert(0) -= 1;
    }
    row
}

/// An integer vector over the unknown cells, 1 (scaled) at `x`, with every constraint's
/// unknown part summing to zero: solves A' w = −a_x over the rationals, where A' is the
/// constraint matrix on the other unknowns, with free variables zero. `None` if no solution
/// (then `x` is determined).
fn witness(system: &System, unknown: &BTreeSet<usize>, x: usize) -> Option<BTreeMap<usize, i128>> {
    let others: Vec<usize> = unknown.iter().copied().filter(|&c| c != x).collect();
    let mut rows: Vec<(Vec<Q>, Q)> = (0..system.constraints().len())
        .map(|k| {
            let row = coefficients(system, k);
            let coefficient = |c: usize| Q::int(row.get(&c).copied().unwrap_or(0));
            (
                others.iter().map(|&c| coefficient(c)).collect(),
                Q::int(0).sub(coefficient(x)),
            )
        })
        .collect();
    // Row echelon form.
    let mut pivots = Vec::new();
    let mut r = 0;
    for col in 0..others.len() {
        let Some(p) = (r..rows.len()).find(|&i| !rows[i].0[col].is_zero()) else {
            continue;
        };
        rows.swap(r, p);
        for i in r + 1..rows.len() {
            let factor = rows[i].0[col].div(rows[r].0[col]);
            if factor.is_zero() {
                continue;
            }
            for j in col..others.len() {
                let v = rows[i].0[j].sub(factor.mul(rows[r].0[j]));
                rows[i].0[j] = v;
            }
            rows[i].1 = rows[i].1.sub(factor.mul(rows[r].1));
        }
        pivots.push(col);
        r += 1;
    }
    if rows[r..].iter().any(|(_, rhs)| !rhs.is_zero()) {
        return None;
    }
    // Back substitution, free variables zero.
    let mut w = vec![Q::int(0); others.len()];
    for (i, &col) in pivots.iter().enumerate().rev() {
        let (row, rhs) = &rows[i];
        let mut value = *rhs;
        for j in col + 1..others.len() {
            value = value.sub(row[j].mul(w[j]));
        }
        w[col] = value.div(row[col]);
    }
    let scale = w.iter().fold(1i128, |l, q| lcm(l, q.d));
    let mut v: BTreeMap<usize, i128> = others
        .iter()
        .zip(&w)
        .map(|(&c, q)| (c, q.n * (scale / q.d)))
        .collect();
    v.insert(x, scale);
    Some(v)
}

/// A witness is nonzero at `x`, zero off the unknowns, and keeps every constraint.
fn verify(
    system: &System,
    unknown: &BTreeSet<usize>,
    v: &BTreeMap<usize, i128>,
    x: usize,
) -> Result<(), String> {
    if v.get(&x).copied().unwrap_or(0) == 0 {
        return Err("zero at the cell".into());
    }
    if let Some(c) = v.keys().find(|c| !unknown.contains(c)) {
        return Err(format!("moves the published cell {c}"));
    }
    for k in 0..system.constraints().len() {
        let sum: i128 = coefficients(system, k)
            .iter()
            .map(|(c, a)| a * v.get(c).copied().unwrap_or(0))
            .sum();
        if sum != 0 {
            return Err(format!("breaks constraint {k}"));
        }
    }
    Ok(())
}

/// An exact fraction n/d, d > 0, in lowest terms; panics on overflow (tables are small).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Q {
    n: i128,
    d: i128,
}

impl Q {
    fn int(n: i128) -> Self {
        Q { n, d: 1 }
    }

    fn new(n: i128, d: i128) -> Self {
        assert!(d != 0, "division by zero");
        let g = gcd(n, d).max(1);
        let sign = if d < 0 { -1 } else { 1 };
        Q {
            n: sign * n / g,
            d: sign * d / g,
        }
    }

    fn is_zero(self) -> bool {
        self.n == 0
    }

    fn sub(self, o: Q) -> Q {
        Q::new(
            self.n.checked_mul(o.d).unwrap() - o.n.checked_mul(self.d).unwrap(),
            self.d.checked_mul(o.d).unwrap(),
        )
    }

    fn mul(self, o: Q) -> Q {
        Q::new(
            self.n.checked_mul(o.n).unwrap(),
            self.d.checked_mul(o.d).unwrap(),
        )
    }

    fn div(self, o: Q) -> Q {
        Q::new(
            self.n.checked_mul(o.d).unwrap(),
            self.d.checked_mul(o.n).unwrap(),
        )
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: i128, b: i128) -> i128 {
    a / gcd(a, b) * b
}
