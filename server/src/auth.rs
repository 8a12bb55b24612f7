//! Who is calling: a bearer token, hashed and compared in constant time with the hashes the
//! configuration lists, gives the [`Principal`] (actor, role, kind, units). The actor and role
//! of everything a request does come from here, never from the request's body.

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use lots::runtime::Actor;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::config::{Kind, Units};
use crate::error::ApiError;
use crate::state::AppState;

/// The actor id an audit entry of a request without a valid token names.
pub const UNAUTHENTICATED: &str = "unauthenticated";

/// The caller of a request, from its token.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The actor and role the token maps to.
    pub actor: Actor,
    /// What the token may do.
    pub kind: Kind,
    /// The units it may act for.
    pub units: Units,
    /// The request, as the audit log names it: `http GET /v1/cases/{id}` (the route's
    /// pattern, never its values).
    pub route: String,
}

/// What a route gives access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Cases: open, apply, read, explain, history.
    Cases,
    /// The outbox: list, claim, acknowledge.
    Actions,
    /// The catalog's version and diagnostics.
    Catalog,
    /// Indicators and the results board.
    Reports,
}

impl Kind {
    /// Whether a token of this kind may use routes giving `access`.
    pub fn may(self, access: Access) -> bool {
        match self {
            Kind::Caseworker | Kind::UnitHead => true,
            Kind::QualityReader => matches!(access, Access::Catalog | Access::Reports),
            Kind::Operator => matches!(access, Access::Catalog | Access::Actions),
        }
    }

    /// Its name in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Caseworker => "caseworker",
            Kind::UnitHead => "unit_head",
            Kind::QualityReader => "quality_reader",
            Kind::Operator => "operator",
        }
    }
}

/// The request's route as the audit log names it.
pub fn route_of(parts: &Parts) -> String {
    let path = parts
        .extensions
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str);
    format!("http {} {path}", parts.method)
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Principal, ApiError> {
        let route = route_of(parts);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let found = token.and_then(|t| find(state, t));
        match found {
            Some(i) => {
                let Some(t) = state.config.config.tokens.get(i) else {
                    return Err(ApiError::unauthorised());
                };
                Ok(Principal {
                    actor: Actor::new(t.actor.as_str(), t.role.as_str()),
                    kind: t.kind,
                    units: t.units.clone(),
                    route,
                })
            }
            None => {
                let nobody = Principal {
                    actor: Actor::new(UNAUTHENTICATED, "none"),
                    kind: Kind::QualityReader,
                    units: Units::Some(Vec::new()),
                    route,
                };
                tracing::info!(route = %nobody.route, "request without a valid token");
                Err(state.deny(&nobody, None, ApiError::unauthorised()).await)
            }
        }
    }
}

/// The index of the token whose hash matches, comparing with every listed hash in constant
/// time.
fn find(state: &AppState, token: &str) -> Option<usize> {
    let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let mut found = None;
    for (i, hash) in state.config.hashes.iter().enumerate() {
        if bool::from(hash.ct_eq(&presented)) {
            found = Some(i);
        }
    }
    found
}
