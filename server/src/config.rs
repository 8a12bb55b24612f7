//! The server's configuration file (TOML): where it listens, its limits, and the tokens that
//! may call it. A token is kept only as the SHA-256 hash of its text (hex), so the file
//! reveals no token; each maps to the pseudonymous actor and role every event it sends is
//! recorded under, its kind (what it may do) and the units it may act for.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The request body limit when the file names none: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The request timeout when the file names none.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

/// The address `lots serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The configuration file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen, e.g. `127.0.0.1:8080` (the command line's `--listen` wins).
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// Whether the server may listen on an address other than a loopback one. Off unless
    /// set: a server reachable from the network needs TLS in front of it.
    #[serde(default)]
    pub allow_non_loopback: bool,
    /// The largest request body accepted, in bytes [default: 65536].
    #[serde(default)]
    pub body_limit_bytes: Option<usize>,
    /// How long a request may take before it is answered 408 [default: 30 s].
    #[serde(default)]
    pub request_timeout_seconds: Option<u64>,
    /// The roles (as in a token's `role`) that may read and write cases with protected
    /// identity (a `protection_level` fact other than `none`: sekretessmarkering, skyddad
    /// folkbokföring, fingerade personuppgifter). Nobody else may, whatever their units.
    #[serde(default)]
    pub protected_identity_roles: Vec<String>,
    /// The tokens that may call the server.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
}

/// One token.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The SHA-256 hash of the token's text, 64 hex digits (`lots serve hash-token` prints
    /// it).
    pub sha256: String,
    /// The pseudonymous actor id its requests act as, e.g. `hl-17`.
    pub actor: String,
    /// The role it acts in, e.g. `socialsekreterare` (one the workflows declare).
    pub role: String,
    /// What it may do.
    pub kind: Kind,
    /// The units it may act for: a list of unit ids, or `"all"`.
    pub units: Units,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Reads and writes cases of its units; lists actions; reads catalog and indicators.
    Caseworker,
    /// As a caseworker (the role, not the kind, says what they may decide).
    UnitHead,
    /// Reads indicators and the results board only: no case, no action.
    QualityReader,
    /// Reads the catalog and the outbox, claims and acknowledges actions: no case.
    Operator,
}

/// The units a token may act for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Units {
    /// `"all"` (any other text is refused when the file is read).
    All(String),
    /// These units.
    Some(Vec<String>),
}

impl Units {
    /// Whether the token may act for `unit`.
    pub fn allows(&self, unit: &str) -> bool {
        match self {
            Units::All(_) => true,
            Units::Some(units) => units.iter().any(|u| u == unit),
        }
    }

    /// Whether the token may act for every unit.
    pub fn all(&self) -> bool {
        matches!(self, Units::All(_))
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of this shape.
    #[error("the configuration `{path}` is not valid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with its place.
        message: String,
    },
    /// A value is not usable.
    #[error("the configuration is not usable: {0}")]
    Invalid(String),
}

/// A configuration checked and ready: token hashes decoded.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The file as written.
    pub config: Config,
    /// Each token's hash, beside its entry.
    pub hashes: Vec<[u8; 32]>,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn read(path: &Path) -> Result<Checked, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text)
            .map_err(|message| ConfigError::Parse {
                path: path.display().to_string(),
                message,
            })?
            .check()
    }

    /// Parses a configuration's text.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Checks the values the types do not: hashes, actor ids, `"all"`.
    pub fn check(self) -> Result<Checked, ConfigError> {
        let mut hashes = Vec::with_capacity(self.tokens.len());
        for (i, t) in self.tokens.iter().enumerate() {
            let n = i + 1;
            let mut hash = [0u8; 32];
            hex::decode_to_slice(t.sha256.trim(), &mut hash).map_err(|_| {
                ConfigError::Invalid(format!(
                    "token {n}: `sha256` must be 64 hex digits (the SHA-256 hash of the token, as `lots serve hash-token` prints it)"
                ))
            })?;
            if hashes.contains(&hash) {
                return Err(ConfigError::Invalid(format!(
                    "token {n}: the same hash is listed twice"
                )));
            }
            hashes.push(hash);
            if let Some(problem) = lots::text::actor_id_problem(&t.actor) {
                return Err(ConfigError::Invalid(format!(
                    "token {n}: its actor id is refused: {problem}"
                )));
            }
            if let Some(problem) = lots::text::actor_id_problem(&t.role) {
                return Err(ConfigError::Invalid(format!(
                    "token {n}: its role is refused: {problem}"
                )));
            }
            if let Units::All(word) = &t.units
                && word != "all"
            {
                return Err(ConfigError::Invalid(format!(
                    "token {n}: `units` is a list of unit ids or \"all\", not `{word}`"
                )));
            }
        }
        if self.body_limit_bytes == Some(0) {
            return Err(ConfigError::Invalid(
                "`body_limit_bytes` must be more than 0".to_owned(),
            ));
        }
        if self.request_timeout_seconds == Some(0) {
            return Err(ConfigError::Invalid(
                "`request_timeout_seconds` must be more than 0".to_owned(),
            ));
        }
        Ok(Checked {
            config: self,
            hashes,
        })
    }
}

impl Checked {
    /// The request body limit.
    pub fn body_limit(&self) -> usize {
        self.config.body_limit_bytes.unwrap_or(DEFAULT_BODY_LIMIT)
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(
            self.config
                .request_timeout_seconds
                .unwrap_or(DEFAULT_TIMEOUT_SECONDS),
        )
    }
}

/// The SHA-256 hash of a token, as the configuration lists it (lowercase hex). Surrounding
/// whitespace (a trailing newline from `echo`) is not part of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}
