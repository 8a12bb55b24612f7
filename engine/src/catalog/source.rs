//! Where catalog files come from. The only module of the loader that reads the file system.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, SourceFile};

/// The largest file the loader reads (1 MiB). A larger one is a diagnostic, not a hang.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One file a source offers.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file's name and text.
    Text(SourceFile),
    /// A file larger than [`MAX_FILE_BYTES`]; not read past the limit.
    TooLarge {
        /// The file's name.
        name: String,
        /// Its size in bytes (at least this many, when the file did not say).
        size: u64,
    },
    /// A file that is not UTF-8.
    NotUtf8 {
        /// The file's name.
        name: String,
    },
    /// A path that is not a regular file: a pipe, a device, a socket (also behind a link).
    NotAFile {
        /// The path.
        name: String,
        /// What it is instead.
        what: &'static str,
    },
    /// A symbolic link that leads back to itself, or a folder inside a folder being read.
    SymlinkLoop {
        /// The path.
        name: String,
    },
}

impl Input {
    /// The diagnostic for a file that could not be read as text; `None` for text.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        Some(match self {
            Input::Text(_) => return None,
            Input::TooLarge { name, size } => Diagnostic::new(
                Code::FileTooLarge,
                format!("`{name}` is {size} bytes or more; files may be at most {MAX_FILE_BYTES}"),
            )
            .help("split the file, or check that it is the file you meant"),
            Input::NotUtf8 { name } => {
                Diagnostic::new(Code::NotUtf8, format!("`{name}` is not UTF-8 text"))
                    .help("save the file as UTF-8")
            }
            Input::NotAFile { name, what } => Diagnostic::new(
                Code::NotAFile,
                format!("`{name}` is {what}, not a regular file; it was not read"),
            )
            .help(
                "catalog and scenario files are plain files; remove it or point to the file itself",
            ),
            Input::SymlinkLoop { name } => Diagnostic::new(
                Code::SymlinkLoop,
                format!("`{name}` is a symbolic link that leads back into itself; it was not read"),
            )
            .help("replace the link with the file or folder it should point to"),
        })
    }
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

/// Files and directories on disk; directories are walked for `*.yaml`, `*.yml` and `*.rhai`
/// (or the extensions given). Only regular files are read, and at most [`MAX_FILE_BYTES`] of
/// each; pipes, devices and sockets are reported, never opened for a blocking read; a link back
/// into a folder being walked is reported, never followed again.
#[derive(Debug, Clone)]
pub struct FsSource {
    paths: Vec<PathBuf>,
    extensions: &'static [&'static str],
}

/// The extensions of catalog files.
pub const CATALOG_EXTENSIONS: &[&str] = &["yaml", "yml", "rhai"];

/// The extensions of scenario and allowance files.
pub const YAML_EXTENSIONS: &[&str] = &["yaml", "yml"];

impl FsSource {
    /// A source of catalog files under these files and directories.
    pub fn new(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        Self::with_extensions(paths, CATALOG_EXTENSIONS)
    }

    /// A source of the files with these extensions under these files and directories. A file
    /// named directly is read whatever its extension.
    pub fn with_extensions(
        paths: impl IntoIterator<Item = impl Into<PathBuf>>,
        extensions: &'static [&'static str],
    ) -> Self {
        FsSource {
            paths: paths.into_iter().map(Into::into).collect(),
            extensions,
        }
    }
}

impl Source for FsSource {
    fn inputs(&self) -> Result<Vec<Input>, SourceError> {
        let mut walk = Walk {
            extensions: self.extensions,
            files: Vec::new(),
            problems: Vec::new(),
            open: Vec::new(),
            seen: std::collections::HashSet::new(),
        };
        for path in &self.paths {
            if std::fs::symlink_metadata(path).is_err() {
                return Err(SourceError::Missing(path.clone()));
            }
            walk.visit(path, true)?;
        }
        walk.files.sort();
        walk.files.dedup();
        let mut inputs = walk.problems;
        for path in &walk.files {
            inputs.push(read(path)?);
        }
        Ok(inputs)
    }
}

/// A walk over folders, remembering the folders it is inside (to see a link back into one) and
/// every folder and file it has met (by their real path), so that links reaching one place by
/// several ways read it once: the walk is linear in the places, not in the paths to them.
struct Walk {
    extensions: &'static [&'static str],
    files: Vec<PathBuf>,
    problems: Vec<Input>,
    open: Vec<PathBuf>,
    seen: std::collections::HashSet<PathBuf>,
}

impl Walk {
    fn visit(&mut self, path: &Path, named: bool) -> Result<(), SourceError> {
        let err = |source| SourceError::Read {
            path: path.to_owned(),
            source,
        };
        let name = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if is_loop(&e) => {
                self.problems.push(Input::SymlinkLoop { name });
                return Ok(());
            }
            // A link to nothing: there is no file to read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(()),
            Err(e) => return Err(err(e)),
        };
        if meta.is_dir() {
            let real = std::fs::canonicalize(path).map_err(err)?;
            if self.open.contains(&real) {
                self.problems.push(Input::SymlinkLoop { name });
                return Ok(());
            }
            if !self.seen.insert(real.clone()) {
                return Ok(());
            }
            self.open.push(real);
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(err)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            entries.sort();
            for entry in entries {
                self.visit(&entry, false)?;
            }
            self.open.pop();
            return Ok(());
        }
        let wanted = named
            || path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| self.extensions.contains(&e));
        if !wanted {
            return Ok(());
        }
        if meta.is_file() {
            let real = std::fs::canonicalize(path).map_err(err)?;
            if self.seen.insert(real) {
                self.files.push(path.to_owned());
            }
        } else {
            self.problems.push(Input::NotAFile {
                name,
                what: file_kind(&meta),
            });
        }
        Ok(())
    }
}

/// Whether an IO error says a link leads round in a circle.
fn is_loop(e: &std::io::Error) -> bool {
    // ELOOP has no stable `ErrorKind` on every toolchain we support; its raw code is 40 on
    // Linux and 62 on the BSDs and macOS.
    matches!(e.raw_os_error(), Some(40 | 62)) || e.to_string().contains("symbolic links")
}

/// What a path that is not a regular file is, in words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "not a plain file"
}

/// Reads a regular file, at most one byte past [`MAX_FILE_BYTES`]. The file is opened without
/// blocking and checked again once open, so a path swapped for a pipe meanwhile is reported,
/// not waited on.
fn read(path: &Path) -> Result<Input, SourceError> {
    use std::io::Read as _;
    let err = |source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    let name = path.display().to_string();
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if is_loop(&e) => return Ok(Input::SymlinkLoop { name }),
        Err(e) => return Err(err(e)),
    };
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Ok(Input::NotAFile {
            name,
            what: file_kind(&meta),
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
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
