//! The outbox: pending actions, claims with a lease, acknowledgements. A token that acts for
//! some units only sees their cases' actions; claiming and acknowledging take a token for
//! every unit (the delivery process's), since a claim takes the oldest actions of any case.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use lots::store::{Operation, OutboxEntry, Store as _};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Body, Id, Query};
use crate::auth::{Access, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The most actions one request lists or claims.
pub const MAX_LIMIT: u32 = 1000;

/// The longest lease, in seconds (a day).
pub const MAX_LEASE_SECONDS: u64 = 86_400;

/// `GET /v1/actions` parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingQuery {
    /// At most this many, oldest first [default: 100, at most 1000].
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `POST /v1/actions/claim` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// At most this many actions (1 to 1000).
    pub limit: u32,
    /// How long the claim holds, in seconds (1 to 86400): an action not acknowledged by then
    /// is claimed again (at-least-once delivery).
    pub lease_seconds: u64,
}

/// `POST /v1/actions/{id}/ack` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Acknowledged {
    /// `true` when the action was pending and is now acknowledged; `false` when it was
    /// already acknowledged, or is unknown (acknowledging twice is harmless).
    pub acknowledged: bool,
}

fn limit(n: Option<u32>) -> Result<u32, ApiError> {
    match n {
        None => Ok(100),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(
            "invalid_limit",
            format!("`limit` is from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// `GET /v1/actions?limit=`: actions not yet acknowledged, oldest first.
pub async fn pending(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Query(query): Query<PendingQuery>,
) -> Result<Json<Vec<OutboxEntry>>, ApiError> {
    state.require(&who, Access::Actions).await?;
    let n = limit(query.limit)?;
    state.record(&who, Operation::ListActions).await?;
    let mut entries = state.engine.pending_actions(n).await?;
    if !who.units.all() {
        let units: HashMap<String, String> = state
            .engine
            .store()
            .cases()
            .await
            .map_err(|e| ApiError::from(lots::EngineError::Store(e)))?
            .into_iter()
            .map(|h| (h.case_id, h.unit))
            .collect();
        entries.retain(|e| units.get(&e.case_id).is_some_and(|u| who.units.allows(u)));
    }
    tracing::info!(actions = entries.len(), "pending actions listed");
    Ok(Json(entries))
}

async fn require_all_units(state: &AppState, who: &Principal) -> Result<(), ApiError> {
    state.require(who, Access::Actions).await?;
    if who.units.all() {
        return Ok(());
    }
    Err(state
        .deny(
            who,
            None,
            ApiError::forbidden(
                "needs_all_units",
                "claiming and acknowledging actions takes a token for all units",
            ),
        )
        .await)
}

/// `POST /v1/actions/claim`: claims actions for delivery with a lease.
pub async fn claim(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Body(body): Body<ClaimRequest>,
) -> Result<Json<Vec<OutboxEntry>>, ApiError> {
    require_all_units(&state, &who).await?;
    let n = limit(Some(body.limit))?;
    if !(1..=MAX_LEASE_SECONDS).contains(&body.lease_seconds) {
        return Err(ApiError::bad_request(
            "invalid_lease",
            format!("`lease_seconds` is from 1 to {MAX_LEASE_SECONDS}"),
        ));
    }
    let claimed = state
        .engine
        .claim_actions(&who.actor, Duration::from_secs(body.lease_seconds), n)
        .await?;
    tracing::info!(actions = claimed.len(), "actions claimed");
    Ok(Json(claimed))
}

/// `POST /v1/actions/{id}/ack`: marks an action delivered.
pub async fn ack(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Id(id): Id,
) -> Result<Json<Acknowledged>, ApiError> {
    require_all_units(&state, &who).await?;
    let acknowledged = state.engine.acknowledge(&id, &who.actor).await?;
    tracing::info!(action_id = %id, acknowledged, "action acknowledged");
    Ok(Json(Acknowledged { acknowledged }))
}
