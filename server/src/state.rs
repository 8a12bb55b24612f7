//! What every request shares: the engine (catalog hot-reloaded, store), the checked
//! configuration, and what the last catalog reload reported.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use lots::runtime::{Case, FactValue};
use lots::store::{AuditEntry, Operation, SqlStore, Store as _, StoredCase};
use lots::syntax::FactType;
use lots::{Diagnostic, Engine, EngineError};
use schemars::JsonSchema;
use serde::Serialize;

use crate::auth::{Access, Principal};
use crate::config::Checked;
use crate::error::ApiError;

/// Shared by every request.
pub struct AppState {
    /// The engine over the store; its route in the audit log is `http`.
    pub engine: Engine<SqlStore>,
    /// The configuration.
    pub config: Checked,
    /// What the catalog's last load or reload reported.
    pub reload: RwLock<ReloadStatus>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// What the catalog's last load or reload did, for `GET /v1/catalog`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReloadStatus {
    /// `loaded` (at start), `swapped` (a reload is in use), `kept` (the files have errors;
    /// the last good catalog stays in use) or `failed` (the files could not be read).
    pub outcome: &'static str,
    /// When (UTC).
    #[schemars(with = "String")]
    pub at: Timestamp,
    /// The diagnostics of that load: warnings, or the errors that kept the last good catalog.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub diagnostics: Vec<Diagnostic>,
    /// Why the files could not be read, for `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AppState {
    /// Records a refused request in the audit log (actor, role, route, the case asked for;
    /// never a body) and gives back the error to answer. A failure to record is logged.
    pub async fn deny(&self, who: &Principal, case_id: Option<&str>, error: ApiError) -> ApiError {
        let entry = AuditEntry {
            at: Timestamp::now(),
            actor: who.actor.id.clone(),
            role: who.actor.role.clone(),
            operation: Operation::Denied,
            route: who.route.clone(),
            case_id: case_id.map(str::to_owned),
            seq: None,
        };
        if let Err(e) = self.engine.store().record(&entry).await {
            tracing::error!(error = %e, "cannot record a denied request in the audit log");
        }
        tracing::info!(route = %who.route, actor = %who.actor.id, code = error.code(), "denied");
        error
    }

    /// Records an operation the engine does not audit itself (a report, a listing).
    pub async fn record(&self, who: &Principal, operation: Operation) -> Result<(), ApiError> {
        let entry = AuditEntry {
            at: Timestamp::now(),
            actor: who.actor.id.clone(),
            role: who.actor.role.clone(),
            operation,
            route: "http".to_owned(),
            case_id: None,
            seq: None,
        };
        self.engine
            .store()
            .record(&entry)
            .await
            .map_err(|e| ApiError::from(EngineError::Store(e)))
    }

    /// Refuses (403, audited) a token whose kind does not give `access`.
    pub async fn require(&self, who: &Principal, access: Access) -> Result<(), ApiError> {
        if who.kind.may(access) {
            return Ok(());
        }
        Err(self
            .deny(
                who,
                None,
                ApiError::forbidden(
                    "forbidden",
                    format!("a {} token may not use this route", who.kind.as_str()),
                ),
            )
            .await)
    }

    /// Lets `who` at a stored case, or refuses, audited: a case of a unit the token does not
    /// act for answers exactly like a missing one (404); a case with protected identity
    /// answers 403 to a role the configuration does not list.
    pub async fn authorise_case(&self, who: &Principal, case_id: &str) -> Result<(), ApiError> {
        self.require(who, Access::Cases).await?;
        let stored = self
            .engine
            .store()
            .load(case_id, None)
            .await
            .map_err(|e| ApiError::from(EngineError::Store(e)))?;
        let Some(stored) = stored else {
            return Err(self
                .deny(who, Some(case_id), ApiError::case_not_found(case_id))
                .await);
        };
        if !who.units.allows(&stored.head.unit) {
            return Err(self
                .deny(who, Some(case_id), ApiError::case_not_found(case_id))
                .await);
        }
        let cleared = self
            .config
            .config
            .protected_identity_roles
            .contains(&who.actor.role);
        // A case whose protection cannot be told (its workflow version is in no catalog in
        // memory) counts as protected.
        if !cleared && self.protected(&stored) != Some(false) {
            return Err(self
                .deny(
                    who,
                    Some(case_id),
                    ApiError::forbidden(
                        "protected_identity",
                        "the case has protected identity: only the roles the server's configuration lists may read or change it",
                    ),
                )
                .await);
        }
        Ok(())
    }

    /// Whether a stored case has protected identity: a `protection_level` fact, the case's
    /// or a person's, other than `none`. `None` when it cannot be told.
    fn protected(&self, stored: &StoredCase) -> Option<bool> {
        let current = self.engine.catalog();
        let catalog = current.for_case(&stored.head.workflow, &stored.head.content_hash)?;
        let case = Case::replay(catalog, stored.events.iter().map(|e| &e.recorded)).ok()?;
        let wf = catalog.workflow(&case.workflow)?;
        let is_protected = |id: &str, value: &FactValue| {
            wf.fact(id)
                .is_some_and(|(_, f)| f.ty == FactType::ProtectionLevel)
                && !matches!(value, FactValue::Text(t) if t == "none")
        };
        let own = case.facts.iter().any(|(id, v)| is_protected(id, v));
        let people = case
            .people
            .values()
            .flat_map(|p| p.values())
            .any(|p| p.facts.iter().any(|(id, v)| is_protected(id, v)));
        Some(own || people)
    }

    fn set_reload(&self, status: ReloadStatus) {
        match self.reload.write() {
            Ok(mut slot) => *slot = status,
            Err(poisoned) => *poisoned.into_inner() = status,
        }
    }

    /// The last reload's status.
    pub fn reload_status(&self) -> ReloadStatus {
        match self.reload.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Follows the engine's catalog reloads until `stop` is set, keeping the last one's report
/// (the engine keeps the last good catalog itself). Runs on its own thread: the watcher's
/// channel blocks.
pub fn follow_reloads(state: &Arc<AppState>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let Some(reload) = state.engine.next_reload(Duration::from_millis(250)) else {
            continue;
        };
        let status = match reload {
            lots::watch::Reload::Swapped { diagnostics, .. } => ReloadStatus {
                outcome: "swapped",
                at: Timestamp::now(),
                diagnostics: diagnostics.into_iter().collect(),
                error: None,
            },
            lots::watch::Reload::Kept { diagnostics, .. } => ReloadStatus {
                outcome: "kept",
                at: Timestamp::now(),
                diagnostics: diagnostics.into_iter().collect(),
                error: None,
            },
            lots::watch::Reload::Failed { error } => ReloadStatus {
                outcome: "failed",
                at: Timestamp::now(),
                diagnostics: Vec::new(),
                error: Some(error),
            },
        };
        tracing::info!(
            outcome = status.outcome,
            diagnostics = status.diagnostics.len(),
            "catalog reload"
        );
        state.set_reload(status);
    }
}
