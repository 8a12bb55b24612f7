//! `GET /v1/catalog`: the workflow versions in use and what the last (re)load reported.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Serialize;

use crate::auth::{Access, Principal};
use crate::error::ApiError;
use crate::state::{AppState, ReloadStatus};

/// The catalog in use.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CatalogView {
    /// The workflows new cases are opened on: id, declared version and content hash (a case
    /// stays on the version it was opened under).
    pub workflows: Vec<WorkflowVersion>,
    /// How many earlier catalogs are kept for cases pinned to versions this one replaced.
    pub earlier: usize,
    /// What the last load or reload reported (a reload with errors keeps the last good
    /// catalog, and its diagnostics are here).
    pub reload: ReloadStatus,
}

/// One workflow version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WorkflowVersion {
    /// Its id.
    pub id: String,
    /// Its declared version.
    pub version: u32,
    /// The content hash cases are pinned to.
    pub content_hash: String,
}

/// `GET /v1/catalog`.
pub async fn get(
    State(state): State<Arc<AppState>>,
    who: Principal,
) -> Result<Json<CatalogView>, ApiError> {
    state.require(&who, Access::Catalog).await?;
    let catalog = state.engine.catalog();
    Ok(Json(CatalogView {
        workflows: catalog
            .workflows
            .iter()
            .map(|w| WorkflowVersion {
                id: w.id.to_string(),
                version: w.version,
                content_hash: w.content_hash.to_string(),
            })
            .collect(),
        earlier: catalog.earlier.len(),
        reload: state.reload_status(),
    }))
}
