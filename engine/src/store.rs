//! Durable cases: the [`Store`] boundary, and its SQL implementation for SQLite (the embedded
//! default) and PostgreSQL (several processes sharing one database).
//!
//! The core stays pure: [`crate::runtime::apply`] decides, the store only keeps what was decided.
//! One [`Store::append`] writes a case's accepted events, the actions they emitted (the outbox)
//! and the audit entry in one transaction, guarded by the sequence number the writer expects: a
//! stale writer gets [`StoreError::Conflict`] and nothing is written. Every event keeps when it
//! happened (domain time, in the event) and when it was recorded (UTC, here), so a case can be
//! rebuilt as it was known on an earlier date ([`crate::runtime::Case::as_of`]). Events keep the
//! format they were written in and are upcast on read ([`format`]).

pub mod format;
mod sql;

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;

use jiff::civil::Date;

use crate::diagnostics::SourceFile;
use crate::indicators::record::{DIMENSIONS, Figure};
use crate::runtime::{Action, Recorded};
use crate::syntax::PopulationCases;

pub use sql::{Backend, SqlStore, StoreOptions, Synchronous};

/// An accepted event as stored: the event and when the store recorded it (UTC).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredEvent {
    /// The event, its sequence number, domain time and actor.
    pub recorded: Arc<Recorded>,
    /// When it was written to the store.
    pub recorded_at: Timestamp,
}

/// What a new case is pinned to: its workflow version, and the catalog files that define it,
/// kept so the case resumes on them after the files change and the process restarts.
#[derive(Debug, Clone)]
pub struct Pin {
    /// The workflow's id.
    pub workflow: String,
    /// The workflow version's content hash (as in `Case::content_hash`).
    pub content_hash: String,
    /// The workflow's declared version.
    pub version: u32,
    /// The unit that runs the case.
    pub unit: String,
    /// The catalog files the workflow version was compiled from.
    pub sources: Arc<[SourceFile]>,
}

/// One atomic write: a case's new events, their actions and the audit entry.
#[derive(Debug, Clone)]
pub struct Append<'a> {
    /// The case.
    pub case_id: &'a str,
    /// The sequence number of the case's last stored event as the writer read it (0 for a case
    /// not stored yet).
    pub expected_seq: u64,
    /// For a new case (`expected_seq == 0`): what it is pinned to.
    pub pin: Option<&'a Pin>,
    /// The events, in order, numbered from `expected_seq + 1`.
    pub events: &'a [StoredEvent],
    /// The actions they emitted: each goes to the outbox.
    pub actions: &'a [Action],
    /// The case's indicator figures after the events (they replace its earlier ones).
    pub figures: &'a [Figure],
    /// Who wrote, through which route.
    pub audit: &'a AuditEntry,
}

/// Which figures of one indicator a report sums: the cases of a population in a period.
#[derive(Debug, Clone)]
pub struct FigureQuery<'a> {
    /// The indicator.
    pub indicator: &'a str,
    /// Cases opened, active or closed in the period (by the events' dates).
    pub population: PopulationCases,
    /// The period's first day.
    pub first: Date,
    /// Its last day.
    pub last: Date,
    /// Only this unit's cases.
    pub unit: Option<&'a str>,
    /// Whether to return each case's value too (for a median).
    pub values: bool,
}

/// The figures of the cases counted under one combination of categories.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureGroup {
    /// The categories (as in [`Figure::categories`]).
    pub categories: [String; DIMENSIONS],
    /// Cases in the population.
    pub n: u64,
    /// Of them, meeting a share's condition.
    pub met: u64,
    /// Of them, with a value.
    pub with_value: u64,
    /// The sum of their values.
    pub sum: f64,
    /// Their values, ascending, each with how many cases have it, when the query asked for
    /// them.
    pub values: Vec<(f64, u64)>,
}

/// A stored case: its head and every event, upcast to the current format.
#[derive(Debug, Clone)]
pub struct StoredCase {
    /// What the case is and where it stands.
    pub head: CaseHead,
    /// Its events, in sequence order.
    pub events: Vec<StoredEvent>,
}

/// A case's row: what it is pinned to and its last sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHead {
    /// The case's id.
    pub case_id: String,
    /// Its workflow.
    pub workflow: String,
    /// The workflow version's content hash.
    pub content_hash: String,
    /// The unit that runs it.
    pub unit: String,
    /// The sequence number of its last event.
    pub seq: u64,
}

/// An action in the outbox, waiting to be delivered to the host.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    /// The action; its `id` is stable, so a host can deliver it idempotently.
    pub action: Action,
    /// The case it belongs to.
    pub case_id: String,
    /// How often it was claimed.
    pub attempts: u32,
    /// Until when the current claim holds, if claimed.
    pub lease_until: Option<Timestamp>,
    /// Who holds the claim.
    pub lease_owner: Option<String>,
}

/// Who read or changed a case, when, and through which route. Actor ids only: never a name or
/// a personal identity number (checked before writing, as `apply` checks actor ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When (UTC).
    pub at: Timestamp,
    /// The pseudonymous actor id, e.g. `hl-17`.
    pub actor: String,
    /// The role they acted in.
    pub role: String,
    /// What was done.
    pub operation: Operation,
    /// Through which route: `rust`, `cli`, `http`, …
    pub route: String,
    /// The case, if one.
    pub case_id: Option<String>,
    /// The sequence number written or read up to, if any.
    pub seq: Option<u64>,
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A case was opened.
    Open,
    /// Events were appended to a case.
    Append,
    /// A case was read.
    Read,
    /// A case was read as it was known at an earlier time.
    ReadAsOf,
    /// A case's explanation was read.
    Explain,
    /// A case's events were listed.
    History,
    /// Outbox actions were claimed for delivery.
    Claim,
    /// An outbox action was acknowledged as delivered.
    Acknowledge,
    /// Cases' follow-up variables were exported (pseudonymised), or their indicator figures
    /// made again for a report.
    Export,
    /// A report of the indicators (figures only, no case's facts) was read.
    Report,
    /// The outbox's pending actions were listed.
    ListActions,
    /// A request was refused (no or an unknown token, a role or unit it may not act for);
    /// the entry's route names the request, its case the case asked for, if any.
    Denied,
}

impl Operation {
    /// Its name in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Open => "open",
            Operation::Append => "append",
            Operation::Read => "read",
            Operation::ReadAsOf => "read_as_of",
            Operation::Explain => "explain",
            Operation::History => "history",
            Operation::Claim => "claim",
            Operation::Acknowledge => "acknowledge",
            Operation::Export => "export",
            Operation::Report => "report",
            Operation::ListActions => "list_actions",
            Operation::Denied => "denied",
        }
    }

    /// The operation of a name in the audit log.
    pub fn parse(name: &str) -> Option<Operation> {
        [
            Operation::Open,
            Operation::Append,
            Operation::Read,
            Operation::ReadAsOf,
            Operation::Explain,
            Operation::History,
            Operation::Claim,
            Operation::Acknowledge,
            Operation::Export,
            Operation::Report,
            Operation::ListActions,
            Operation::Denied,
        ]
        .into_iter()
        .find(|o| o.as_str() == name)
    }
}

/// Why a store operation failed. Nothing is half-written in any case: a failed append wrote
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended to the case first: reload it and decide again.
    #[error(
        "case `{case_id}` was changed by another writer: expected it at event {expected}, it is at {actual}; reload the case and apply the event again"
    )]
    Conflict {
        /// The case.
        case_id: String,
        /// The sequence number the writer expected.
        expected: u64,
        /// The sequence number stored.
        actual: u64,
    },
    /// No such case is stored.
    #[error("no case `{0}` is stored")]
    NotFound(String),
    /// What was asked for is not valid (nothing was written).
    #[error("{0}")]
    Invalid(String),
    /// A stored event could not be read in any format this build knows.
    #[error("event {seq} of case `{case_id}` cannot be read: {message}")]
    Format {
        /// The case.
        case_id: String,
        /// The event.
        seq: u64,
        /// Why.
        message: String,
    },
    /// The database cannot be written (a read-only file or database).
    #[error("the store is read-only: {0}; nothing was written")]
    ReadOnly(String),
    /// The disk or database is full.
    #[error("the store is full (no space left): {0}; nothing was written")]
    Full(String),
    /// The database cannot be reached (a server stopped, a connection lost).
    #[error("the store cannot be reached: {0}; nothing was written, try again when it is back")]
    Unavailable(String),
    /// The connection was lost while the append was committing: it may or may not be stored.
    #[error(
        "the connection to the store was lost while the append was committing ({0}): it may or may not be stored; load the case to see before applying the event again"
    )]
    Uncertain(String),
    /// Another database error.
    #[error("database error: {0}")]
    Database(String),
}

/// Where cases are kept. Async, so one store serves many cases at once; every method is one
/// transaction or none.
pub trait Store: Send + Sync {
    /// Appends a case's events with their actions and the audit entry, atomically, if the case
    /// is still at `expected_seq`; returns the case's new last sequence number.
    fn append(&self, append: Append<'_>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Loads a case's head and events (upcast to the current format), recording the read in
    /// the audit log when `audit` is given. `None` when no such case is stored.
    fn load(
        &self,
        case_id: &str,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = Result<Option<StoredCase>, StoreError>> + Send;

    /// The stored cases, by id.
    fn cases(&self) -> impl Future<Output = Result<Vec<CaseHead>, StoreError>> + Send;

    /// The catalog files a workflow version was compiled from, if a case was pinned to it.
    fn definition(
        &self,
        workflow: &str,
        content_hash: &str,
    ) -> impl Future<Output = Result<Option<Vec<SourceFile>>, StoreError>> + Send;

    /// Actions not yet acknowledged, oldest first, at most `limit`.
    fn pending(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;

    /// Claims up to `limit` unacknowledged actions whose lease is free or ran out, for
    /// `owner` until `until`; oldest first. A claimed action is claimed again once its lease
    /// runs out unacknowledged (at-least-once delivery).
    fn claim(
        &self,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;

    /// Marks an action delivered; `false` when no such unacknowledged action exists (already
    /// acknowledged, or unknown).
    fn acknowledge(
        &self,
        action_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a read (or another operation that changes nothing) in the audit log.
    fn record(&self, audit: &AuditEntry) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The figures of one indicator summed by category, for a report.
    fn figure_groups(
        &self,
        query: &FigureQuery<'_>,
    ) -> impl Future<Output = Result<Vec<FigureGroup>, StoreError>> + Send;

    /// The indicators whose figures every stored case has (see [`Store::mark_complete`]).
    fn complete_figures(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Records that every stored case has its figure of an indicator (after making those
    /// missing); appends keep it so.
    fn mark_complete(&self, indicator: &str)
    -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The cases of a workflow that hold no figure of an indicator (stored before the
    /// indicator existed, or before figures were kept): a report makes theirs first.
    fn cases_without_figures(
        &self,
        workflow: &str,
        indicator: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Replaces a case's figures (made again from its events).
    fn replace_figures(
        &self,
        case_id: &str,
        figures: &[Figure],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The audit log, oldest first: of one case, or of every case.
    fn audit_log(
        &self,
        case_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;
}
