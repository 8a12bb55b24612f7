//! Case routes: open, apply an event, read (now or as known at a time), explain, history.
//! Every one checks the token's units and the case's protection first (audited when refused);
//! the engine audits the operation itself.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::DateTime;
use lots::Applied;
use lots::runtime::{Case, Event, Explanation};
use lots::store::StoredEvent;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Body, Id, Query};
use crate::auth::{Access, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// An event to open a case with or apply to one. The actor and role are the token's: a body
/// that names one (`by`) is refused (400 `actor_in_body`), so that no request can record an
/// event under someone else's name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// When it happened: Swedish civil time, e.g. `2025-09-01T09:00`.
    #[schemars(with = "String")]
    pub at: DateTime,
    /// The event, as the engine takes it (`{"type": "facts_recorded", …}`).
    pub event: Event,
    /// Refused when present: the actor comes from the token.
    #[serde(default)]
    #[schemars(skip)]
    pub by: Option<serde::de::IgnoredAny>,
}

impl EventRequest {
    fn checked(self) -> Result<(DateTime, Event), ApiError> {
        if self.by.is_some() {
            return Err(ApiError::bad_request(
                "actor_in_body",
                "the actor and role of an event are the token's; leave `by` out of the body",
            ));
        }
        Ok((self.at, self.event))
    }
}

/// `GET /v1/cases/{id}` parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// The case as it was known at this time (UTC, e.g. `2025-09-01T07:00:00Z`): only the
    /// events recorded by then.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub as_of: Option<Timestamp>,
}

/// `GET /v1/cases/{id}/explain` parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    /// What is due at this Swedish civil time [default: now].
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub at: Option<DateTime>,
}

/// A case as answered: the engine's case, less the earlier values of its sensitive facts
/// (kept only for the redaction step, never shown).
fn shown(mut case: Case) -> Case {
    case.former_sensitive = lots::runtime::History::new();
    case
}

fn shown_applied(mut applied: Applied) -> Applied {
    applied.case = shown(applied.case);
    applied
}

/// `POST /v1/cases`: opens a case with its `case_opened` event (201).
pub async fn open(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Body(body): Body<EventRequest>,
) -> Result<(StatusCode, Json<Applied>), ApiError> {
    state.require(&who, Access::Cases).await?;
    let (at, event) = body.checked()?;
    if let Event::CaseOpened { unit, case_id, .. } = &event
        && !who.units.allows(unit)
    {
        return Err(state
            .deny(
                &who,
                Some(case_id),
                ApiError::forbidden(
                    "unit_not_permitted",
                    format!("the token may not open cases for unit `{unit}`"),
                ),
            )
            .await);
    }
    let applied = state.engine.open_case(event, who.actor, at).await?;
    tracing::info!(
        case_id = %applied.case.id,
        seq = applied.seq,
        actions = applied.actions.len(),
        "case opened"
    );
    Ok((StatusCode::CREATED, Json(shown_applied(applied))))
}

/// `POST /v1/cases/{id}/events`: applies an event.
pub async fn apply(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Id(id): Id,
    Body(body): Body<EventRequest>,
) -> Result<Json<Applied>, ApiError> {
    let (at, event) = body.checked()?;
    state.authorise_case(&who, &id).await?;
    let kind = event.kind();
    let applied = state.engine.apply(&id, event, who.actor, at).await?;
    tracing::info!(
        case_id = %id,
        event = kind,
        seq = applied.seq,
        actions = applied.actions.len(),
        "event applied"
    );
    Ok(Json(shown_applied(applied)))
}

/// `GET /v1/cases/{id}[?as_of=]`: the case now, or as known at a time.
pub async fn get(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Id(id): Id,
    Query(query): Query<CaseQuery>,
) -> Result<Json<Case>, ApiError> {
    state.authorise_case(&who, &id).await?;
    let case = match query.as_of {
        Some(t) => state.engine.case_as_of(&id, t, &who.actor).await?,
        None => state.engine.case(&id, &who.actor).await?,
    };
    Ok(Json(shown(case)))
}

/// `GET /v1/cases/{id}/explain[?at=]`: what the caseworker must do next.
pub async fn explain(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Id(id): Id,
    Query(query): Query<ExplainQuery>,
) -> Result<Json<Explanation>, ApiError> {
    state.authorise_case(&who, &id).await?;
    let at = query.at.unwrap_or_else(now);
    Ok(Json(state.engine.explain(&id, at, &who.actor).await?))
}

/// `GET /v1/cases/{id}/history`: the events, with when each was recorded.
pub async fn history(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Id(id): Id,
) -> Result<Json<Vec<StoredEvent>>, ApiError> {
    state.authorise_case(&who, &id).await?;
    Ok(Json(state.engine.history(&id, &who.actor).await?))
}

/// Now, in Swedish civil time.
fn now() -> DateTime {
    let tz = jiff::tz::db()
        .get("Europe/Stockholm")
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Timestamp::now().to_zoned(tz).datetime()
}
