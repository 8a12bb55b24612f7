//! Every error the API answers, as one JSON shape: `{"error": {"code", "message"}}`, with a
//! stable snake_case code. A caller's mistake is a 4xx, never a 5xx; a 5xx means the store or
//! the server failed.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lots::EngineError;
use lots::runtime::{Lang, Rejection};
use lots::store::StoreError;
use schemars::JsonSchema;
use serde::Serialize;

/// An error answered to the caller.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code, e.g. `case_not_found`, `malformed_json`, or for a rejected
    /// event the engine's code of its first reason (`instrument_missing`).
    pub code: String,
    /// The error in words (English).
    pub message: String,
    /// For a rejected event: the engine's rejection, every reason as data.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub rejection: Option<Rejection>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message: message.into(),
                    rejection: None,
                },
            },
        }
    }

    /// The answer for a case that is not stored, and for one the caller may not see: the
    /// same, so that a case's existence does not leak.
    pub fn case_not_found(case_id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "case_not_found",
            format!("no case `{case_id}` is stored"),
        )
    }

    /// No or an unknown token.
    pub fn unauthorised() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "a valid bearer token is needed: `Authorization: Bearer <token>`",
        )
    }

    /// The token may not do this.
    pub fn forbidden(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A bad request.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A rejected event: 422, the first reason's code, every reason in words and as data.
    pub fn rejected(rejection: Rejection) -> ApiError {
        let code = rejection
            .reasons
            .first()
            .and_then(|r| serde_json::to_value(r).ok())
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "event_rejected".to_owned());
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            &code,
            format!(
                "the `{}` event was rejected; nothing was stored: {}",
                rejection.event,
                rejection.describe(Lang::En).replace('\n', "; ")
            ),
        );
        e.body.error.rejection = Some(rejection);
        e
    }

    /// The server failed (the cause is logged, not answered).
    pub fn internal(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, code, message)
    }

    /// The code.
    pub fn code(&self) -> &str {
        &self.body.error.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::Rejected(r) => ApiError::rejected(r),
            EngineError::NoCase(id) | EngineError::Store(StoreError::NotFound(id)) => {
                ApiError::case_not_found(&id)
            }
            EngineError::NotAnOpening(kind) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_an_opening",
                format!("a case is opened with a `case_opened` event, not `{kind}`"),
            ),
            EngineError::Store(StoreError::Conflict { .. }) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "the case was changed by another writer while this event was decided, twice; load the case and send the event again",
            ),
            EngineError::Store(StoreError::Invalid(message)) => {
                ApiError::bad_request("invalid", message)
            }
            EngineError::Report(lots::indicators::compute::ReportError::UnknownUnit(unit)) => {
                ApiError::bad_request("unknown_unit", format!("no unit `{unit}` in the catalog"))
            }
            EngineError::Report(e @ lots::indicators::compute::ReportError::Audit { .. }) => {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "report_unsafe",
                    e.to_string(),
                )
            }
            EngineError::Store(
                e @ (StoreError::Unavailable(_)
                | StoreError::Full(_)
                | StoreError::ReadOnly(_)
                | StoreError::Uncertain(_)),
            ) => {
                tracing::error!(error = %e, "store unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the store cannot be written or reached now; nothing was stored unless the case says so; try again later",
                )
            }
            EngineError::Store(e) => {
                tracing::error!(error = %e, "store error");
                ApiError::internal("store_error", "the store failed; see the server's log")
            }
            EngineError::Catalog(message) => {
                tracing::error!(error = %message, "catalog error");
                ApiError::internal(
                    "catalog_error",
                    "the case's workflow version cannot be loaded; see the server's log",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with `Content-Type: application/json`",
            ),
            JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
                "malformed_json",
                format!("the body is not JSON: {}", e.body_text()),
            ),
            JsonRejection::JsonDataError(e) => ApiError::bad_request(
                "invalid_body",
                format!(
                    "the body does not have the expected shape: {}",
                    e.body_text()
                ),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            other => ApiError::bad_request("unreadable_body", other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::bad_request("invalid_path", r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::bad_request("invalid_query", r.body_text())
    }
}

/// A body over the limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "the request body is larger than the server accepts",
    )
}

/// The error for a status that a layer (timeout, routing) answered without a body.
pub fn for_status(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "the route does not take this method")
        }
        StatusCode::REQUEST_TIMEOUT => {
            ("timeout", "the request took longer than the server allows")
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is larger than the server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "the body must be JSON"),
        s if s.is_client_error() => ("bad_request", "the request cannot be served"),
        _ => ("internal", "the server failed; see its log"),
    };
    ApiError::new(status, code, message)
}
