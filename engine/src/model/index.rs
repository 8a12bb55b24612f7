//! Indices into a workflow's tables. Names are resolved to these at load, so the runtime and
//! conditions work with indices only.

/// Index of a fact in its workflow's `facts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactSlot(pub u16);

/// Index of a phase in its workflow's `phases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhaseIdx(pub u16);

/// Index of a deadline in its workflow's `deadlines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeadlineIdx(pub u16);

/// Index of a parameter in its workflow's `parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamIdx(pub u16);

/// Index of a person collection in its workflow's `people`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionIdx(pub u16);

/// One person of a case: their collection and position in it (in the order of their keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonIdx {
    /// The collection.
    pub collection: CollectionIdx,
    /// The position.
    pub index: u32,
}

/// Index of a parallel track in its workflow's `tracks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackIdx(pub u16);
