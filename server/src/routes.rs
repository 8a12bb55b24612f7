//! The routes under `/v1` and the health checks, and the layers around them (body limit,
//! timeout, JSON errors for whatever a layer answers, a log line per request with ids and
//! counts only).
//!
//! Request and response bodies are the engine's own types (`Event`, `Case`, `Applied`,
//! `Explanation`, `StoredEvent`, `OutboxEntry`, `Report`), serialised as the engine
//! serialises them; the few types here are envelopes around them.

pub mod actions;
pub mod cases;
pub mod catalog;
pub mod reports;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lots::store::Store as _;
use serde::de::DeserializeOwned;

use crate::error::{self, ApiError};
use crate::state::AppState;

/// The router: every route, with its layers.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.config.body_limit();
    let timeout = state.config.timeout();
    Router::new()
        .route("/v1/cases", post(cases::open))
        .route("/v1/cases/{id}", get(cases::get))
        .route("/v1/cases/{id}/events", post(cases::apply))
        .route("/v1/cases/{id}/explain", get(cases::explain))
        .route("/v1/cases/{id}/history", get(cases::history))
        .route("/v1/actions", get(actions::pending))
        .route("/v1/actions/claim", post(actions::claim))
        .route("/v1/actions/{id}/ack", post(actions::ack))
        .route("/v1/catalog", get(catalog::get))
        .route("/v1/indicators", get(reports::indicators))
        .route("/v1/board", get(reports::board))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(|| async { error::for_status(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async { error::for_status(StatusCode::METHOD_NOT_ALLOWED) })
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(observe))
        .with_state(state)
}

/// Logs each request (method, route pattern, status, milliseconds: no path values, no body)
/// and turns an error a layer answered without a JSON body (a timeout, a panic) into the API's
/// JSON error.
async fn observe(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status();
    tracing::info!(
        %method,
        route = %route,
        status = status.as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return error::for_status(status).into_response();
    }
    response
}

/// A JSON body; every way it can be wrong is the API's JSON error (400, 413, 415).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Body(value))
    }
}

/// Query parameters; a bad one is the API's JSON error (400).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

/// A path's `{id}`; a bad one is the API's JSON error (400).
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await?;
        Ok(Id(id))
    }
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Ready when the store answers and a catalog is loaded.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let store = state.engine.store().pending(1).await;
    let n_workflows = state.engine.catalog().workflows.len();
    match store {
        Ok(_) if n_workflows > 0 => {
            axum::Json(serde_json::json!({"status": "ready", "workflows": n_workflows}))
                .into_response()
        }
        Ok(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the catalog holds no workflow",
        )
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the store cannot be reached",
            )
            .into_response()
        }
    }
}
