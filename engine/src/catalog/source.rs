//! Where catalog files come from. The only module of the loader that reads the file system.

use std::path::{Path, PathBuf};

use crate::diagnostics::SourceFile;

/// The largest file the loader reads (1 MiB). A larger one is a diagnostic, not a hang.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One file a source offers.
#[derive(Debug, Clone)]
pub enum Input {
    /// A YAML file's name and text.
    Text(SourceFile),
    /// A file larger than [`MAX_FILE_BYTES`]; not read.
    TooLarge {
        /// The file's name.
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// A file that is not UTF-8.
    NotUtf8 {
        /// The file's name.
        name: String,
    },
}

/// An IO problem reading a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A path given to the source does not exist.
    #[error("`{0}` does not exist")]
    Missing(PathBuf),
}

/// Something that offers catalog files.
pub trait Source {
    /// Every YAML file, in a stable order (sorted by name).
    fn inputs(&self) -> Result<Vec<Input>, SourceError>;
}

/// Files in memory, for tests and hosts that keep definitions elsewhere.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: Vec<(String, Vec<u8>)>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text file.
    #[must_use]
    pub fn with(self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.with_bytes(name, text.into().into_bytes())
    }

    /// Adds a file as bytes (checked for UTF-8 like a file on disk).
    #[must_use]
    pub fn with_bytes(mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.push((name.into(), bytes.into()));
        self
    }
}

impl Source for MemorySource {
    fn inputs(&self) -> Result<Vec<Input>, SourceError> {
        let mut files = self.files.clone();
        files.sort();
        Ok(files
            .into_iter()
            .map(|(name, bytes)| classify(name, bytes))
            .collect())
    }
}

/// Files and directories on disk; directories are walked for `*.yaml`, `*.yml` and `*.rhai`.
#[derive(Debug, Clone)]
pub struct FsSource {
    paths: Vec<PathBuf>,
}

impl FsSource {
    /// A source over these files and directories.
    pub fn new(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        FsSource {
            paths: paths.into_iter().map(Into::into).collect(),
        }
    }
}

impl Source for FsSource {
    fn inputs(&self) -> Result<Vec<Input>, SourceError> {
        let mut found = Vec::new();
        for path in &self.paths {
            if !path.exists() {
                return Err(SourceError::Missing(path.clone()));
            }
            collect(path, &mut found)?;
        }
        found.sort();
        found.dedup();
        found.iter().map(|path| read(path)).collect()
    }
}

fn collect(path: &Path, found: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let err = |source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(err)? {
            let entry = entry.map_err(err)?;
            collect(&entry.path(), found)?;
        }
    } else if is_yaml(path) {
        found.push(path.to_owned());
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "rhai")
    )
}

fn read(path: &Path) -> Result<Input, SourceError> {
    let err = |source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    let name = path.display().to_string();
    let size = std::fs::metadata(path).map_err(err)?.len();
    if size > MAX_FILE_BYTES {
        return Ok(Input::TooLarge { name, size });
    }
    let bytes = std::fs::read(path).map_err(err)?;
    Ok(classify(name, bytes))
}

/// Too large, not UTF-8, or text.
fn classify(name: String, bytes: Vec<u8>) -> Input {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Input::TooLarge { name, size };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Input::Text(SourceFile::new(name, text)),
        Err(_) => Input::NotUtf8 { name },
    }
}
