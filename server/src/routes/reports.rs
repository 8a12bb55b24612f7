//! The indicators' report (JSON) and the results board (HTML), disclosure-controlled by the
//! engine. A token for some units only asks for one of its units.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lots::indicators::compute::Request;
use lots::indicators::period::Period;
use lots::store::Operation;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Query;
use crate::auth::{Access, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /v1/indicators` and `GET /v1/board` parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The period: a month `2026-10`, a tertial `2026-T3`, a year `2026`, or days
    /// `2026-01-01..2026-06-30`.
    pub period: String,
    /// Only this unit's cases.
    #[serde(default)]
    pub unit: Option<String>,
    /// How many earlier periods the trend shows [default: by the period's kind].
    #[serde(default)]
    pub trend: Option<usize>,
    /// `json`, the only format of `/v1/indicators` (the board is HTML).
    #[serde(default)]
    pub format: Option<String>,
}

async fn report(
    state: &AppState,
    who: &Principal,
    query: &ReportQuery,
) -> Result<lots::indicators::report::Report, ApiError> {
    state.require(who, Access::Reports).await?;
    let allowed = match &query.unit {
        Some(u) => who.units.allows(u),
        None => who.units.all(),
    };
    if !allowed {
        return Err(state
            .deny(
                who,
                None,
                ApiError::forbidden(
                    "unit_not_permitted",
                    "the token may report only on its own units: name one with `unit`",
                ),
            )
            .await);
    }
    let period = Period::parse(&query.period)
        .map_err(|e| ApiError::bad_request("invalid_period", e.to_string()))?;
    let trend = query.trend.unwrap_or_else(|| period.default_trend());
    if trend > 24 {
        return Err(ApiError::bad_request(
            "invalid_trend",
            "`trend` is at most 24 earlier periods",
        ));
    }
    state.record(who, Operation::Report).await?;
    let request = Request {
        period,
        earlier: trend,
        unit: query.unit.clone(),
    };
    Ok(state.engine.report(&request).await?)
}

/// `GET /v1/indicators?period=&unit=&format=json`.
pub async fn indicators(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    if query.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::bad_request(
            "invalid_format",
            "`format` is `json` (the HTML board is `/v1/board`)",
        ));
    }
    let report = report(&state, &who, &query).await?;
    let json = report
        .json()
        .map_err(|e| ApiError::internal("report_error", e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// `GET /v1/board?period=&unit=`: the results board, one HTML page without JavaScript.
pub async fn board(
    State(state): State<Arc<AppState>>,
    who: Principal,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report(&state, &who, &query).await?;
    let html = lots::indicators::board::html(&report)
        .map_err(|e| ApiError::internal("board_error", e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}
