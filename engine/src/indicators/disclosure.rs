//! Disclosure control: small cells and whatever would let a reader recompute them.
//!
//! A report's tables are one [`System`]: integer cells (counts of people) and linear sum
//! [`Constraint`]s between them (a margin is the sum of its row). [`System::add_cube`] builds
//! a table from its interior counts: one cell for every combination of category or
//! [`TOTAL`] per dimension, with every margin constraint. Several tables go into one system
//! when one report shows them together, and [`System::link`] says that a cell of one table is
//! the same number as a cell of another (two indicators over the same population).
//!
//! [`suppress`] hides every published cell with 1 ≤ n < `min_cell` ([`is_sensitive`]) and the
//! cells the caller forces hidden (*primary* suppression), then hides more published cells
//! until nothing hidden can be recomputed (*complementary* suppression). [`audit`] is the proof:
//! exact integer Gaussian elimination over the constraints shows that no cell that must stay
//! hidden is determined by the published ones. A report whose audit fails is not written.
//!
//! # The rules
//!
//! * **Must stay hidden**: every hidden cell, and every unpublished cell (an interior cell of a
//!   cube no table shows) that is sensitive. **Unknown** to a reader: hidden cells and
//!   unpublished cells; every other cell is known, with its value.
//! * **Derivable**: a cell `x` is determined by the known cells iff the unit vector `e_x` lies
//!   in the row space of the constraint matrix restricted to the unknown columns.
//! * **Zeros** are not sensitive and are published. A zero becomes a complementary suppression
//!   only when the constraint (or, in the audit loop, the constraints) being repaired has no
//!   non-zero candidate.
//! * **Choosing a complement**: among the published cells not yet hidden, the first by
//!   (cells the report would rather keep last, zero last, smallest value, interior before
//!   margin, lowest [`CellId`]; see [`System::keep`]). The result is
//!   deterministic.
//! * **The fast pass**: a constraint with exactly one unknown cell determines it; if that cell
//!   must stay hidden, a complement from that constraint is hidden. Constraints are visited in
//!   the order they were added, repeatedly, until none changes.
//! * **The audit loop**: after the fast pass, the audit runs; while a cell that must stay
//!   hidden is derivable, one more complement is hidden for the derivable cell with the lowest
//!   id, chosen from all constraints that contain it (if none of them has a candidate, from the
//!   constraints one unknown cell further away, and so on), and the fast pass runs again. Every
//!   round hides one more cell, so the loop ends; if no candidate is left, [`suppress`] fails.
//!
//! The audit is linear: it does not use that counts are non-negative (a published zero
//! margin tells that all its parts are zero). Hidden zeros and hidden cells next to published
//! zero margins are protected only in the linear sense.
//!
//! Messages name cells by their labels only, never by their values: the values may be small
//! counts of real people.

use std::collections::{BTreeMap, BTreeSet};

/// The smallest cell size published when an indicator names none.
pub const DEFAULT_MIN_CELL: u32 = 5;

/// The category word a cube's labels use for a margin (the sum over a dimension).
pub const TOTAL: &str = "TOTAL";

/// The most cells one cube may have, margins included.
pub const MAX_CUBE_CELLS: usize = 100_000;

/// Whether a count is too small to publish: 1 ≤ `value` < `min_cell`. Zero is not sensitive.
#[must_use]
pub fn is_sensitive(value: u64, min_cell: u32) -> bool {
    value >= 1 && value < u64::from(min_cell)
}

/// Hides every sensitive published cell and every `forced` cell, then the complements that
/// keep them from being recomputed (see the module documentation for the rules), and audits
/// the result.
///
/// `forced` carries the pattern of other periods shown together: pass the union of their
/// hidden cells. A forced cell that is not published is protected like a hidden one.
///
/// # Errors
///
/// [`AuditFailure::Derivable`] when a cell that must stay hidden stays derivable after every
/// candidate is hidden (a degenerate system), [`AuditFailure::Overflow`] when exact
/// elimination overflows, [`AuditFailure::UnknownCell`] for a forced id of another system.
pub fn suppress(
    system: &System,
    min_cell: u32,
    forced: &[CellId],
) -> Result<Suppression, AuditFailure> {
    let incidence = Incidence::new(system);
    let mut hidden = vec![false; system.cells.len()];
    for id in forced {
        *hidden
            .get_mut(id.0)
            .ok_or(AuditFailure::UnknownCell { index: id.0 })? = true;
    }
    for (flag, cell) in hidden.iter_mut().zip(&system.cells) {
        if cell.published && is_sensitive(cell.value, min_cell) {
            *flag = true;
        }
    }
    let primary_flags = hidden.clone();
    let view = View { system, min_cell };
    loop {
        view.fast_pass(&incidence, &mut hidden);
        let derivable = view.derivable(&incidence, &hidden)?;
        let Some(&first) = derivable.first() else {
            break;
        };
        match view.loop_candidate(&incidence, &hidden, first.0) {
            Some(extra) => set(&mut hidden, extra),
            None => {
                return Err(AuditFailure::Derivable {
                    cells: system.labels(&derivable),
                });
            }
        }
    }
    let mut primary = Vec::new();
    let mut complementary = Vec::new();
    for (index, (&now, &first)) in hidden.iter().zip(&primary_flags).enumerate() {
        if first {
            primary.push(CellId(index));
        } else if now {
            complementary.push(CellId(index));
        }
    }
    Ok(Suppression {
        primary,
        complementary,
    })
}

/// Proves that no cell that must stay hidden can be recomputed from the published cells when
/// `hidden` is withheld: neither a hidden cell nor an unpublished sensitive one.
///
/// # Errors
///
/// [`AuditFailure::Derivable`] with the labels of every derivable cell that must stay hidden,
/// [`AuditFailure::Overflow`] when exact elimination overflows (never a pass),
/// [`AuditFailure::UnknownCell`] for an id of another system.
pub fn audit(
    system: &System,
    min_cell: u32,
    hidden: &BTreeSet<CellId>,
) -> Result<(), AuditFailure> {
    let mut flags = vec![false; system.cells.len()];
    for id in hidden {
        *flags
            .get_mut(id.0)
            .ok_or(AuditFailure::UnknownCell { index: id.0 })? = true;
    }
    let view = View { system, min_cell };
    let derivable = view.derivable(&Incidence::new(system), &flags)?;
    if derivable.is_empty() {
        Ok(())
    } else {
        Err(AuditFailure::Derivable {
            cells: system.labels(&derivable),
        })
    }
}

/// A cell of a [`System`]; ids are dense and in the order cells were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(usize);

impl CellId {
    /// The position of the cell in [`System::cells`].
    #[must_use]
    pub fn index(self) -> usize {
        self.0
    }
}

/// One number of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// How messages and tests name the cell, e.g. `kön=man, enhet=TOTAL`. Never a value.
    pub label: String,
    /// The count.
    pub value: u64,
    /// Whether the report shows the cell at all (hidden or not).
    pub published: bool,
    /// Whether the cell is a margin (a sum); interior cells are preferred as complements.
    pub margin: bool,
    /// Whether the report would rather keep the cell shown (a headline figure): such cells are
    /// taken as complements only when no other candidate is left.
    pub keep: bool,
}

/// `value(total) = Σ value(parts)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The sum.
    pub total: CellId,
    /// What it sums.
    pub parts: Vec<CellId>,
}

/// The cells of one report and the constraints between them.
#[derive(Debug, Clone, Default)]
pub struct System {
    cells: Vec<Cell>,
    constraints: Vec<Constraint>,
}

/// A dimension of a cube: a breakdown such as gender or unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    /// The name labels use, e.g. `kön`.
    pub name: String,
    /// The categories, in order, e.g. `kvinna`, `man`, `annat`.
    pub categories: Vec<String>,
}

/// A coordinate of a cube cell in one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coord {
    /// The category at this position of the dimension.
    Category(usize),
    /// The margin: the sum over the dimension's categories.
    Total,
}

/// Which cells of a cube the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Every cell: the interior and all margins.
    All,
    /// The tables over these sets of dimensions (indices), each with its margins: a cell is
    /// published iff the dimensions where it has a category are a subset of one listed set.
    /// `[[0, 1], [0, 2]]` of a three-dimensional cube shows the 0×1 and 0×2 tables; the
    /// interior is unknown to the reader.
    Tables(Vec<Vec<usize>>),
}

/// What [`System::add_cube`] builds a cube from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CubeSpec {
    /// Prefixes the labels (`name: kön=man`); empty for a report of one table.
    pub name: String,
    /// The dimensions, at least one, none empty.
    pub dimensions: Vec<Dimension>,
    /// The interior counts in row-major order (the last dimension varies fastest).
    pub interior: Vec<u64>,
    /// Which cells the report shows.
    pub published: Published,
}

/// A table added to a [`System`]: where its cells are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cube {
    dimensions: Vec<Dimension>,
    first: usize,
    shape: Shape,
}

/// What [`suppress`] hides. Both lists are sorted by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suppression {
    /// Sensitive published cells and the forced ones.
    pub primary: Vec<CellId>,
    /// Cells hidden so that the primary ones cannot be recomputed.
    pub complementary: Vec<CellId>,
}

/// A table that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A cube without dimensions.
    #[error("a table needs at least one dimension")]
    NoDimensions,
    /// A dimension without categories.
    #[error("dimension `{dimension}` has no categories")]
    EmptyDimension {
        /// Its name.
        dimension: String,
    },
    /// More cells than [`MAX_CUBE_CELLS`].
    #[error("a table may have at most {MAX_CUBE_CELLS} cells, margins included")]
    TooLarge,
    /// The interior counts do not fill the cube.
    #[error("expected {expected} interior counts, found {found}")]
    InteriorCount {
        /// Cells of the interior.
        expected: usize,
        /// Counts given.
        found: usize,
    },
    /// A published table names a dimension the cube does not have.
    #[error("a published table names dimension {index}, but the table has {dimensions}")]
    UnknownDimension {
        /// The index named.
        index: usize,
        /// How many dimensions there are.
        dimensions: usize,
    },
    /// A margin exceeds `u64`.
    #[error("the margin `{label}` is larger than a count can be")]
    Overflow {
        /// The margin's label.
        label: String,
    },
    /// An id of another system.
    #[error("no cell {index} in this system")]
    UnknownCell {
        /// The id's index.
        index: usize,
    },
    /// A constraint the values do not satisfy.
    #[error("the parts of `{label}` do not add up to it")]
    Unbalanced {
        /// The total's label.
        label: String,
    },
}

/// A suppression that cannot be shown safe; the report is not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditFailure {
    /// Cells that must stay hidden can be recomputed from the published ones.
    #[error("hidden cells can be recomputed from the published ones: {}", backticked(.cells))]
    Derivable {
        /// Their labels, in id order.
        cells: Vec<String>,
    },
    /// Exact elimination needed integers beyond 128 bits.
    #[error(
        "the audit's exact elimination overflowed 128-bit integers: the table is not shown safe"
    )]
    Overflow,
    /// An id of another system.
    #[error("no cell {index} in this system")]
    UnknownCell {
        /// The id's index.
        index: usize,
    },
}

impl System {
    /// Adds a cell; its id is the number of cells before it.
    pub fn add_cell(&mut self, cell: Cell) -> CellId {
        self.cells.push(cell);
        CellId(self.cells.len() - 1)
    }

    /// Adds a constraint.
    ///
    /// # Errors
    ///
    /// [`BuildError::UnknownCell`] for an id of another system, [`BuildError::Unbalanced`]
    /// when the values do not satisfy it.
    pub fn add_constraint(&mut self, constraint: Constraint) -> Result<(), BuildError> {
        let total = self.value(constraint.total)?;
        let mut sum: u128 = 0;
        for &part in &constraint.parts {
            sum = sum.saturating_add(u128::from(self.value(part)?));
        }
        if sum != u128::from(total) {
            return Err(BuildError::Unbalanced {
                label: self.label(constraint.total).unwrap_or_default().to_owned(),
            });
        }
        self.constraints.push(constraint);
        Ok(())
    }

    /// Says that `a` and `b` are the same number (for example the population of two
    /// indicators), as the constraint `a = b`. Both keep their labels; hiding one makes the
    /// other a lone unknown of that constraint, so the fast pass hides it too.
    ///
    /// # Errors
    ///
    /// As [`System::add_constraint`]: the two values must be equal.
    pub fn link(&mut self, a: CellId, b: CellId) -> Result<(), BuildError> {
        self.add_constraint(Constraint {
            total: a,
            parts: vec![b],
        })
    }

    /// Marks a cell the report would rather keep shown (a headline figure, e.g. the value for
    /// women): it is taken as a complement only when no other candidate is left. Primary
    /// suppression is unchanged.
    ///
    /// # Errors
    ///
    /// [`BuildError::UnknownCell`] for an id of another system.
    pub fn keep(&mut self, id: CellId) -> Result<(), BuildError> {
        let cell = self
            .cells
            .get_mut(id.0)
            .ok_or(BuildError::UnknownCell { index: id.0 })?;
        cell.keep = true;
        Ok(())
    }

    /// Shows or withholds a cell from the report.
    ///
    /// # Errors
    ///
    /// [`BuildError::UnknownCell`] for an id of another system.
    pub fn set_published(&mut self, id: CellId, published: bool) -> Result<(), BuildError> {
        let cell = self
            .cells
            .get_mut(id.0)
            .ok_or(BuildError::UnknownCell { index: id.0 })?;
        cell.published = published;
        Ok(())
    }

    /// Adds a cube: one cell for every combination of category or [`TOTAL`] per dimension, in
    /// row-major order (the last dimension varies fastest, categories before the total), with
    /// values summed from the interior, and one constraint for every cell and every dimension
    /// in which it is a total, in the same order. Labels are `dim=category` joined by `, `
    /// (prefixed by `name: ` when the spec has a name).
    ///
    /// # Errors
    ///
    /// [`BuildError`] for a malformed spec or a margin beyond `u64`.
    pub fn add_cube(&mut self, spec: CubeSpec) -> Result<Cube, BuildError> {
        let CubeSpec {
            name,
            dimensions,
            interior,
            published,
        } = spec;
        if dimensions.is_empty() {
            return Err(BuildError::NoDimensions);
        }
        if let Some(empty) = dimensions.iter().find(|d| d.categories.is_empty()) {
            return Err(BuildError::EmptyDimension {
                dimension: empty.name.clone(),
            });
        }
        let shape = Shape::new(dimensions.iter().map(|d| d.categories.len()))?;
        let expected = shape.interior_len();
        if interior.len() != expected {
            return Err(BuildError::InteriorCount {
                expected,
                found: interior.len(),
            });
        }
        let shown = match &published {
            Published::All => None,
            Published::Tables(tables) => {
                let mut sets = Vec::with_capacity(tables.len());
                for table in tables {
                    let mut set = vec![false; dimensions.len()];
                    for &index in table {
                        *set.get_mut(index).ok_or(BuildError::UnknownDimension {
                            index,
                            dimensions: dimensions.len(),
                        })? = true;
                    }
                    sets.push(set);
                }
                Some(sets)
            }
        };
        let label = |coords: &[usize]| cube_label(&name, &dimensions, coords);
        let values = shape.values(&interior, &label)?;
        let first = self.cells.len();
        for (index, value) in values.into_iter().enumerate() {
            let coords = shape.coords(index);
            let totals: Vec<bool> = shape.totals(&coords).collect();
            let published = shown.as_ref().is_none_or(|sets| {
                sets.iter().any(|set| {
                    totals
                        .iter()
                        .zip(set)
                        .all(|(&total, &shown)| total || shown)
                })
            });
            self.cells.push(Cell {
                label: label(&coords),
                value,
                published,
                margin: totals.iter().any(|&t| t),
                keep: false,
            });
        }
        for index in 0..shape.len() {
            let coords = shape.coords(index);
            for (dim, (&coord, &n)) in coords.iter().zip(&shape.categories).enumerate() {
                if coord != n {
                    continue;
                }
                let parts = (0..n)
                    .map(|k| {
                        let mut part = coords.clone();
                        if let Some(c) = part.get_mut(dim) {
                            *c = k;
                        }
                        CellId(first + shape.index(&part))
                    })
                    .collect();
                self.add_constraint(Constraint {
                    total: CellId(first + index),
                    parts,
                })?;
            }
        }
        Ok(Cube {
            dimensions,
            first,
            shape,
        })
    }

    /// A cell.
    #[must_use]
    pub fn cell(&self, id: CellId) -> Option<&Cell> {
        self.cells.get(id.0)
    }

    /// A cell's label.
    #[must_use]
    pub fn label(&self, id: CellId) -> Option<&str> {
        self.cell(id).map(|c| c.label.as_str())
    }

    /// Every cell; a cell's position is its [`CellId::index`].
    #[must_use]
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// Every cell's id, in order.
    pub fn ids(&self) -> impl Iterator<Item = CellId> + use<> {
        (0..self.cells.len()).map(CellId)
    }

    /// Every constraint, in the order added.
    #[must_use]
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    fn value(&self, id: CellId) -> Result<u64, BuildError> {
        self.cell(id)
            .map(|c| c.value)
            .ok_or(BuildError::UnknownCell { index: id.0 })
    }

    fn labels(&self, ids: &[CellId]) -> Vec<String> {
        ids.iter()
            .map(|&id| self.label(id).unwrap_or_default().to_owned())
            .collect()
    }
}

impl Cube {
    /// The cell at these coordinates, one per dimension.
    #[must_use]
    pub fn cell(&self, coords: &[Coord]) -> Option<CellId> {
        if coords.len() != self.shape.categories.len() {
            return None;
        }
        let mut numbers = Vec::with_capacity(coords.len());
        for (coord, &n) in coords.iter().zip(&self.shape.categories) {
            numbers.push(match *coord {
                Coord::Category(k) if k < n => k,
                Coord::Category(_) => return None,
                Coord::Total => n,
            });
        }
        Some(CellId(self.first + self.shape.index(&numbers)))
    }

    /// The dimensions.
    #[must_use]
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dimensions
    }

    /// Every cell of the cube, in row-major order.
    pub fn ids(&self) -> impl Iterator<Item = CellId> + use<> {
        let first = self.first;
        (first..first + self.shape.len()).map(CellId)
    }
}

impl Suppression {
    /// Every hidden cell.
    #[must_use]
    pub fn hidden(&self) -> BTreeSet<CellId> {
        self.primary
            .iter()
            .chain(&self.complementary)
            .copied()
            .collect()
    }
}

fn backticked(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cube_label(name: &str, dimensions: &[Dimension], coords: &[usize]) -> String {
    let body = dimensions
        .iter()
        .zip(coords)
        .map(|(d, &k)| {
            let category = d.categories.get(k).map_or(TOTAL, String::as_str);
            format!("{}={category}", d.name)
        })
        .collect::<Vec<_>>()
        .join(", ");
    if name.is_empty() {
        body
    } else {
        format!("{name}: {body}")
    }
}

fn flag(flags: &[bool], index: usize) -> bool {
    flags.get(index).copied().unwrap_or(false)
}

fn set(flags: &mut [bool], index: usize) {
    if let Some(f) = flags.get_mut(index) {
        *f = true;
    }
}

/// The layout of a cube: coordinate `n_d` (the number of categories) is the total.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    categories: Vec<usize>,
    strides: Vec<usize>,
    len: usize,
}

impl Shape {
    fn new(categories: impl Iterator<Item = usize>) -> Result<Self, BuildError> {
        let categories: Vec<usize> = categories.collect();
        let mut strides = vec![0; categories.len()];
        let mut len: usize = 1;
        for (stride, &n) in strides.iter_mut().zip(&categories).rev() {
            *stride = len;
            len = n
                .checked_add(1)
                .and_then(|radix| len.checked_mul(radix))
                .filter(|&l| l <= MAX_CUBE_CELLS)
                .ok_or(BuildError::TooLarge)?;
        }
        Ok(Self {
            categories,
            strides,
            len,
        })
    }

    fn len(&self) -> usize {
        self.len
    }

    fn interior_len(&self) -> usize {
        self.categories.iter().product()
    }

    fn coords(&self, index: usize) -> Vec<usize> {
        self.strides
            .iter()
            .zip(&self.categories)
            .map(|(&stride, &n)| (index / stride) % (n + 1))
            .collect()
    }

    fn index(&self, coords: &[usize]) -> usize {
        coords.iter().zip(&self.strides).map(|(c, s)| c * s).sum()
    }

    fn totals<'a>(&'a self, coords: &'a [usize]) -> impl Iterator<Item = bool> + 'a {
        coords.iter().zip(&self.categories).map(|(c, n)| c == n)
    }

    /// Every cell's value: the interior in place, then the margins dimension by dimension
    /// (after dimension `d`, every cell whose totals lie in dimensions `..=d` is right).
    fn values(
        &self,
        interior: &[u64],
        label: &dyn Fn(&[usize]) -> String,
    ) -> Result<Vec<u64>, BuildError> {
        let mut values = vec![0u64; self.len];
        let mut next = interior.iter();
        for (index, slot) in values.iter_mut().enumerate() {
            if !self.totals(&self.coords(index)).any(|t| t) {
                *slot = next.next().copied().unwrap_or(0);
            }
        }
        for (&stride, &n) in self.strides.iter().zip(&self.categories) {
            let block = stride * (n + 1);
            for (block_index, chunk) in values.chunks_exact_mut(block).enumerate() {
                let (parts, total) = chunk.split_at_mut(stride * n);
                for (offset, slot) in total.iter_mut().enumerate() {
                    let mut sum: u64 = 0;
                    for part in parts.iter().skip(offset).step_by(stride) {
                        sum = sum.checked_add(*part).ok_or_else(|| BuildError::Overflow {
                            label: label(&self.coords(block_index * block + stride * n + offset)),
                        })?;
                    }
                    *slot = sum;
                }
            }
        }
        Ok(values)
    }
}

/// The constraints as sparse rows of net coefficients (`+1` for the total, `-1` per part,
/// summed when a cell repeats; cells whose coefficient cancels are left out).
struct Incidence {
    rows: Vec<Vec<(usize, i128)>>,
    by_cell: Vec<Vec<usize>>,
}

impl Incidence {
    fn new(system: &System) -> Self {
        let mut by_cell = vec![Vec::new(); system.cells.len()];
        let mut rows = Vec::with_capacity(system.constraints.len());
        for (k, constraint) in system.constraints.iter().enumerate() {
            let mut coefficients: BTreeMap<usize, i128> = BTreeMap::new();
            *coefficients.entry(constraint.total.0).or_default() += 1;
            for part in &constraint.parts {
                *coefficients.entry(part.0).or_default() -= 1;
            }
            let row: Vec<(usize, i128)> = coefficients.into_iter().filter(|e| e.1 != 0).collect();
            for &(cell, _) in &row {
                if let Some(list) = by_cell.get_mut(cell) {
                    list.push(k);
                }
            }
            rows.push(row);
        }
        Self { rows, by_cell }
    }

    fn row_cells(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        self.rows.get(k).into_iter().flatten().map(|e| e.0)
    }
}

/// A system seen with one smallest cell size.
struct View<'a> {
    system: &'a System,
    min_cell: u32,
}

impl View<'_> {
    fn published(&self, cell: usize) -> bool {
        self.system.cells.get(cell).is_some_and(|c| c.published)
    }

    fn unknown(&self, hidden: &[bool], cell: usize) -> bool {
        flag(hidden, cell) || !self.published(cell)
    }

    fn must_stay_hidden(&self, hidden: &[bool], cell: usize) -> bool {
        flag(hidden, cell)
            || self
                .system
                .cells
                .get(cell)
                .is_some_and(|c| !c.published && is_sensitive(c.value, self.min_cell))
    }

    /// The best complement among `cells`: published, not hidden, then the first by
    /// (cells to keep last, zero last, smallest value, interior first, lowest id).
    fn best(&self, hidden: &[bool], cells: impl Iterator<Item = usize>) -> Option<usize> {
        cells
            .filter(|&c| self.published(c) && !flag(hidden, c))
            .filter_map(|c| self.system.cells.get(c).map(|cell| (cell, c)))
            .min_by_key(|(cell, c)| (cell.keep, cell.value == 0, cell.value, cell.margin, *c))
            .map(|(_, c)| c)
    }

    fn fast_pass(&self, incidence: &Incidence, hidden: &mut [bool]) {
        loop {
            let mut changed = false;
            for k in 0..incidence.rows.len() {
                let mut unknown = incidence.row_cells(k).filter(|&c| self.unknown(hidden, c));
                let (Some(only), None) = (unknown.next(), unknown.next()) else {
                    continue;
                };
                if !self.must_stay_hidden(hidden, only) {
                    continue;
                }
                if let Some(pick) = self.best(hidden, incidence.row_cells(k)) {
                    set(hidden, pick);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// A complement for the derivable cell `x`: the best candidate of the constraints that
    /// contain it, or, when they have none, of the constraints that contain their unknown
    /// cells, and so on outwards.
    fn loop_candidate(&self, incidence: &Incidence, hidden: &[bool], x: usize) -> Option<usize> {
        let mut seen_rows = vec![false; incidence.rows.len()];
        let mut seen_cells = vec![false; self.system.cells.len()];
        set(&mut seen_cells, x);
        let mut frontier = vec![x];
        while !frontier.is_empty() {
            let mut level = Vec::new();
            for &cell in &frontier {
                for &k in incidence.by_cell.get(cell).into_iter().flatten() {
                    if !flag(&seen_rows, k) {
                        set(&mut seen_rows, k);
                        level.push(k);
                    }
                }
            }
            let cells = || level.iter().flat_map(|&k| incidence.row_cells(k));
            if let Some(pick) = self.best(hidden, cells()) {
                return Some(pick);
            }
            frontier.clear();
            for cell in cells() {
                if self.unknown(hidden, cell) && !flag(&seen_cells, cell) {
                    set(&mut seen_cells, cell);
                    frontier.push(cell);
                }
            }
        }
        None
    }

    /// The cells that must stay hidden and are determined by the known ones, in id order.
    fn derivable(
        &self,
        incidence: &Incidence,
        hidden: &[bool],
    ) -> Result<Vec<CellId>, AuditFailure> {
        let n = self.system.cells.len();
        let mut column = vec![None; n];
        let mut unknowns = Vec::new();
        for (cell, slot) in column.iter_mut().enumerate() {
            if self.unknown(hidden, cell) {
                *slot = Some(unknowns.len());
                unknowns.push(cell);
            }
        }
        let matrix: Vec<Vec<i128>> = incidence
            .rows
            .iter()
            .filter_map(|row| {
                let mut dense = vec![0i128; unknowns.len()];
                let mut any = false;
                for &(cell, coefficient) in row {
                    if let Some(slot) = column
                        .get(cell)
                        .copied()
                        .flatten()
                        .and_then(|j| dense.get_mut(j))
                    {
                        *slot = coefficient;
                        any = true;
                    }
                }
                any.then_some(dense)
            })
            .collect();
        let reduced = Reduced::new(matrix).map_err(|Overflow| AuditFailure::Overflow)?;
        let determined = reduced.determined(unknowns.len());
        Ok(unknowns
            .iter()
            .zip(determined)
            .filter(|&(&cell, determined)| determined && self.must_stay_hidden(hidden, cell))
            .map(|(&cell, _)| CellId(cell))
            .collect())
    }
}

/// Exact arithmetic ran out of 128 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Overflow;

/// A matrix in reduced row echelon form, computed fraction-free: rows stay integer vectors,
/// each divided by the gcd of its entries after every step. Every pivot column is zero outside
/// its pivot row, so a column is determined iff its pivot row has no other nonzero entry.
#[derive(Debug)]
struct Reduced {
    /// The pivot rows, in pivot order (zero rows dropped).
    rows: Vec<Vec<i128>>,
    /// The pivot column of each row.
    pivots: Vec<usize>,
}

impl Reduced {
    /// Gauss–Jordan elimination, O(rows · columns · rank), with checked arithmetic.
    fn new(mut rows: Vec<Vec<i128>>) -> Result<Self, Overflow> {
        rows.retain(|row| row.iter().any(|&v| v != 0));
        for row in &mut rows {
            normalise(row)?;
        }
        let columns = rows.first().map_or(0, Vec::len);
        let mut pivots = Vec::new();
        for col in 0..columns {
            let rank = pivots.len();
            let candidate = rows
                .iter()
                .enumerate()
                .skip(rank)
                .filter_map(|(i, row)| {
                    row.get(col)
                        .filter(|&&v| v != 0)
                        .map(|v| (v.unsigned_abs(), i))
                })
                .min();
            let Some((_, at)) = candidate else {
                continue;
            };
            rows.swap(rank, at);
            let pivot = rows.get(rank).cloned().unwrap_or_default();
            let p = pivot.get(col).copied().unwrap_or(0);
            for (i, row) in rows.iter_mut().enumerate() {
                let a = row.get(col).copied().unwrap_or(0);
                if i == rank || a == 0 {
                    continue;
                }
                // row · (p / g) − pivot · (a / g) is zero in `col`.
                let g = i128::try_from(gcd(p.unsigned_abs(), a.unsigned_abs()))
                    .map_err(|_| Overflow)?;
                let keep = p.checked_div(g).ok_or(Overflow)?;
                let take = a.checked_div(g).ok_or(Overflow)?;
                for (x, &y) in row.iter_mut().zip(&pivot) {
                    *x = x
                        .checked_mul(keep)
                        .zip(y.checked_mul(take))
                        .and_then(|(l, r)| l.checked_sub(r))
                        .ok_or(Overflow)?;
                }
                normalise(row)?;
            }
            pivots.push(col);
        }
        rows.truncate(pivots.len());
        Ok(Self { rows, pivots })
    }

    #[cfg(test)]
    fn rank(&self) -> usize {
        self.pivots.len()
    }

    /// For each of `columns` columns: whether the row space holds its unit vector.
    fn determined(&self, columns: usize) -> Vec<bool> {
        let mut determined = vec![false; columns];
        for (row, &col) in self.rows.iter().zip(&self.pivots) {
            if row.iter().filter(|&&v| v != 0).count() == 1 {
                set(&mut determined, col);
            }
        }
        determined
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Divides a row by the gcd of its entries.
fn normalise(row: &mut [i128]) -> Result<(), Overflow> {
    let g = row.iter().fold(0, |g, v| gcd(g, v.unsigned_abs()));
    if g > 1 {
        let g = i128::try_from(g).map_err(|_| Overflow)?;
        for v in row.iter_mut() {
            *v = v.checked_div(g).ok_or(Overflow)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank(rows: &[Vec<i128>]) -> usize {
        Reduced::new(rows.to_vec()).unwrap().rank()
    }

    /// The definition, by ranks: column `x` is determined iff adding `e_x` keeps the rank.
    fn determined_by_rank(rows: &[Vec<i128>], columns: usize) -> Vec<bool> {
        (0..columns)
            .map(|x| {
                let mut with = rows.to_vec();
                with.push((0..columns).map(|j| i128::from(j == x)).collect());
                rank(&with) == rank(rows)
            })
            .collect()
    }

    fn one_d(values: &[u64]) -> (System, Cube) {
        let mut system = System::default();
        let cube = system
            .add_cube(CubeSpec {
                name: String::new(),
                dimensions: vec![Dimension {
                    name: "kön".into(),
                    categories: (0..values.len()).map(|i| format!("k{i}")).collect(),
                }],
                interior: values.to_vec(),
                published: Published::All,
            })
            .unwrap();
        (system, cube)
    }

    #[test]
    fn ranks_of_small_matrices() {
        assert_eq!(rank(&[]), 0);
        assert_eq!(rank(&[vec![0, 0], vec![0, 0]]), 0);
        assert_eq!(rank(&[vec![1, -1, 0], vec![0, 1, -1], vec![1, 0, -1]]), 2);
        assert_eq!(rank(&[vec![2, 4], vec![3, 5]]), 2);
        // The margins of a 2×2 table: four lines, one dependency.
        let lines = [
            vec![1, 1, 0, 0],
            vec![0, 0, 1, 1],
            vec![1, 0, 1, 0],
            vec![0, 1, 0, 1],
        ];
        assert_eq!(rank(&lines), 3);
    }

    #[test]
    fn determined_columns_agree_with_the_rank_definition() {
        let cases: Vec<(Vec<Vec<i128>>, usize)> = vec![
            // x0 + x1 known, x1 known: both determined.
            (vec![vec![1, 1], vec![0, 1]], 2),
            // x0 + x1 known only.
            (vec![vec![1, 1]], 2),
            // 2×2 block with margins: nothing determined.
            (
                vec![
                    vec![1, 1, 0, 0],
                    vec![0, 0, 1, 1],
                    vec![1, 0, 1, 0],
                    vec![0, 1, 0, 1],
                ],
                4,
            ),
            // The bridge: two 2×2 blocks (a, b) and a cell c in the row of a and the column
            // of b; c is determined although every line holds two unknowns.
            (
                vec![
                    vec![1, 1, 0, 0, 1, 0, 0, 0, 0],
                    vec![0, 0, 1, 1, 0, 0, 0, 0, 0],
                    vec![1, 0, 1, 0, 0, 0, 0, 0, 0],
                    vec![0, 1, 0, 1, 0, 0, 0, 0, 0],
                    vec![0, 0, 0, 0, 0, 1, 1, 0, 0],
                    vec![0, 0, 0, 0, 0, 0, 0, 1, 1],
                    vec![0, 0, 0, 0, 1, 1, 0, 1, 0],
                    vec![0, 0, 0, 0, 0, 0, 1, 0, 1],
                ],
                9,
            ),
            // Coefficients beyond ±1 and a dependent row.
            (vec![vec![2, 3, 0], vec![4, 6, 1], vec![0, 0, 5]], 3),
        ];
        for (rows, columns) in cases {
            let reduced = Reduced::new(rows.clone()).unwrap();
            assert_eq!(
                reduced.determined(columns),
                determined_by_rank(&rows, columns),
                "{rows:?}"
            );
        }
        let bridge = Reduced::new(vec![
            vec![1, 1, 0, 0, 1, 0, 0, 0, 0],
            vec![0, 0, 1, 1, 0, 0, 0, 0, 0],
            vec![1, 0, 1, 0, 0, 0, 0, 0, 0],
            vec![0, 1, 0, 1, 0, 0, 0, 0, 0],
            vec![0, 0, 0, 0, 0, 1, 1, 0, 0],
            vec![0, 0, 0, 0, 0, 0, 0, 1, 1],
            vec![0, 0, 0, 0, 1, 1, 0, 1, 0],
            vec![0, 0, 0, 0, 0, 0, 1, 0, 1],
        ])
        .unwrap();
        assert_eq!(
            bridge.determined(9),
            [false, false, false, false, true, false, false, false, false]
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_pass() {
        let big = i128::MAX - 1;
        assert_eq!(
            Reduced::new(vec![vec![big, 3], vec![3, big]]).map(|r| r.rank()),
            Err(Overflow)
        );
    }

    #[test]
    fn a_lone_hidden_cell_fails_the_audit_by_label_only() {
        let (system, cube) = one_d(&[1234, 3, 4321]);
        let small = cube.cell(&[Coord::Category(1)]).unwrap();
        let failure = audit(&system, DEFAULT_MIN_CELL, &BTreeSet::from([small])).unwrap_err();
        assert_eq!(
            failure,
            AuditFailure::Derivable {
                cells: vec!["kön=k1".into()]
            }
        );
        let message = failure.to_string();
        assert!(message.contains("`kön=k1`"), "{message}");
        for value in ["1234", "4321", "5558"] {
            assert!(!message.contains(value), "{message}");
        }
    }

    #[test]
    fn suppression_hides_the_smallest_non_zero_complement() {
        let (system, cube) = one_d(&[12, 3, 0, 7]);
        let result = suppress(&system, DEFAULT_MIN_CELL, &[]).unwrap();
        let at = |k| cube.cell(&[Coord::Category(k)]).unwrap();
        assert_eq!(result.primary, vec![at(1)]);
        assert_eq!(result.complementary, vec![at(3)]);
        assert!(audit(&system, DEFAULT_MIN_CELL, &result.hidden()).is_ok());
    }

    #[test]
    fn sensitivity_bounds() {
        assert!(!is_sensitive(0, 5));
        assert!(is_sensitive(1, 5));
        assert!(is_sensitive(4, 5));
        assert!(!is_sensitive(5, 5));
        assert!(!is_sensitive(1, 1));
    }

    #[test]
    fn cube_layout_and_margins() {
        let mut system = System::default();
        let cube = system
            .add_cube(CubeSpec {
                name: "t".into(),
                dimensions: vec![
                    Dimension {
                        name: "a".into(),
                        categories: vec!["x".into(), "y".into()],
                    },
                    Dimension {
                        name: "b".into(),
                        categories: vec!["p".into(), "q".into(), "r".into()],
                    },
                ],
                interior: vec![1, 2, 3, 4, 5, 6],
                published: Published::Tables(vec![vec![0]]),
            })
            .unwrap();
        let value = |coords: &[Coord]| system.cell(cube.cell(coords).unwrap()).unwrap();
        assert_eq!(value(&[Coord::Category(1), Coord::Category(2)]).value, 6);
        assert_eq!(value(&[Coord::Category(0), Coord::Total]).value, 6);
        assert_eq!(value(&[Coord::Total, Coord::Category(1)]).value, 7);
        let grand = value(&[Coord::Total, Coord::Total]);
        assert_eq!(grand.value, 21);
        assert_eq!(grand.label, "t: a=TOTAL, b=TOTAL");
        assert!(grand.published && grand.margin);
        assert!(!value(&[Coord::Category(0), Coord::Category(0)]).published);
        assert!(!value(&[Coord::Total, Coord::Category(0)]).published);
        assert!(value(&[Coord::Category(1), Coord::Total]).published);
        assert_eq!(cube.cell(&[Coord::Category(2), Coord::Total]), None);
        assert_eq!(cube.cell(&[Coord::Total]), None);
        // 2 rows + 3 columns + the grand total twice.
        assert_eq!(system.constraints().len(), 7);
    }

    #[test]
    fn malformed_specs_and_links_are_errors() {
        let mut system = System::default();
        let spec = |interior: Vec<u64>| CubeSpec {
            name: String::new(),
            dimensions: vec![Dimension {
                name: "kön".into(),
                categories: vec!["kvinna".into(), "man".into()],
            }],
            interior,
            published: Published::All,
        };
        assert_eq!(
            system.add_cube(spec(vec![1])),
            Err(BuildError::InteriorCount {
                expected: 2,
                found: 1
            })
        );
        assert!(matches!(
            system.add_cube(spec(vec![u64::MAX, 1])),
            Err(BuildError::Overflow { label }) if label == "kön=TOTAL"
        ));
        let cube = system.add_cube(spec(vec![3, 4])).unwrap();
        let a = cube.cell(&[Coord::Category(0)]).unwrap();
        let b = cube.cell(&[Coord::Category(1)]).unwrap();
        assert_eq!(
            system.link(a, b),
            Err(BuildError::Unbalanced {
                label: "kön=kvinna".into()
            })
        );
    }

    #[test]
    fn a_few_hundred_cells_with_many_small_ones() {
        // 4 × 9 × 7 = 252 cells, about a third of the interior small, some zeros.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let interior: Vec<u64> = (0..3 * 8 * 6)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                match (seed >> 33) % 9 {
                    0 => 0,
                    1..=3 => (seed >> 40) % 5,
                    _ => 5 + (seed >> 40) % 40,
                }
            })
            .collect();
        let dimension = |name: &str, n: usize| Dimension {
            name: name.into(),
            categories: (0..n).map(|i| format!("{name}{i}")).collect(),
        };
        for published in [
            Published::All,
            Published::Tables(vec![vec![0, 1], vec![0, 2]]),
        ] {
            let all = published == Published::All;
            let mut system = System::default();
            system
                .add_cube(CubeSpec {
                    name: String::new(),
                    dimensions: vec![dimension("k", 3), dimension("e", 8), dimension("a", 6)],
                    interior: interior.clone(),
                    published,
                })
                .unwrap();
            let result = suppress(&system, DEFAULT_MIN_CELL, &[]).unwrap();
            assert!(!all || !result.primary.is_empty());
            assert!(audit(&system, DEFAULT_MIN_CELL, &result.hidden()).is_ok());
            let again = suppress(&system, DEFAULT_MIN_CELL, &[]).unwrap();
            assert_eq!(result, again, "deterministic");
        }
    }

    #[test]
    fn an_unpublished_derivable_sensitive_cell_gets_protected() {
        // kvinna is not shown but is the total minus man: hide man (or the total).
        let (mut system, cube) = one_d(&[2, 30]);
        let woman = cube.cell(&[Coord::Category(0)]).unwrap();
        system.set_published(woman, false).unwrap();
        let result = suppress(&system, DEFAULT_MIN_CELL, &[]).unwrap();
        assert!(result.primary.is_empty());
        assert_eq!(
            result.complementary,
            vec![cube.cell(&[Coord::Category(1)]).unwrap()]
        );
    }
}
