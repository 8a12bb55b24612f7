//! Diagnostics about authored content: code, severity, message, span, help.
//!
//! Diagnostics are collected, never thrown: every check pushes into a [`Diagnostics`] list and
//! carries on. Each diagnostic implements `miette::Diagnostic`, so the CLI renders it with the
//! source excerpt; [`Diagnostic::location`] gives file:line:column for plain and JSON output.

mod code;

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, SourceCode, SourceSpan};

pub use code::Code;

/// The longest line, in characters, that the rendered report shows as a source excerpt. Past
/// it, the report gives the place in words instead. miette 7.6 pads the underline of a label
/// with `format!("{:width$}")`, and a width past 65,535 columns panics; long before that, an
/// excerpt many screens wide helps nobody (a line that long is generated or minified, not
/// written by hand). At 1,000 characters the widest a line can render (every character a
/// double-width one, or a tab expanded to a few columns) stays far below the panic, and no
/// line a person writes is cut off.
const MAX_SHOWN_LINE: usize = 1_000;

/// A byte range in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span from offset and length.
    pub fn new(offset: usize, len: usize) -> Self {
        Span { offset, len }
    }
}

/// A source file's name and text, shared by every diagnostic that points into it.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
}

impl SourceFile {
    /// A source file from its name (a path, as shown to the author) and its text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte offset of a one-based line and column (in characters), clamped to the text.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let in_line: usize = l
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                return offset + in_line;
            }
            offset += l.len();
        }
        self.text.len()
    }

    /// The first line touched by `span` that is longer than `limit` characters, as its
    /// one-based number and its length in characters.
    fn line_longer_than(&self, span: Span, limit: usize) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let start = span.offset.min(bytes.len());
        let end = span
            .offset
            .saturating_add(span.len)
            .clamp(start, bytes.len());
        let before = bytes.get(..start)?;
        let first = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let last = bytes
            .get(end..)?
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| end + i);
        // `first` follows a newline and `last` is one (or the end), so both are char
        // boundaries.
        let lines = self.text.get(first..last)?;
        if lines.len() <= limit {
            return None; // no line has more characters than the whole has bytes
        }
        let first_line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        lines.split('\n').enumerate().find_map(|(i, line)| {
            let n_chars = line.chars().count();
            (n_chars > limit).then_some((first_line + i, n_chars))
        })
    }

    /// A span of the character at a byte offset (empty at the end of the text), moved back to
    /// the start of the character when the offset falls inside one.
    pub fn char_span(&self, offset: usize) -> Span {
        let mut at = offset.min(self.text.len());
        while at > 0 && !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let len = self
            .text
            .get(at..)
            .and_then(|t| t.chars().next())
            .map_or(0, char::len_utf8);
        Span::new(at, len)
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents =
            self.text
                .as_ref()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing; the catalog still loads.
    Warning,
    /// The catalog does not load.
    Error,
}

/// A secondary label pointing at another place in the same file.
#[derive(Debug, Clone)]
pub struct Note {
    /// Where.
    pub span: Span,
    /// What is there.
    pub label: String,
}

/// One problem found in authored content.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code, e.g. `graph::unreachable_phase`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, no final period; user input in backticks.
    pub message: String,
    /// The file it is about, if any.
    pub source: Option<SourceFile>,
    /// Where in the file.
    pub span: Option<Span>,
    /// The label under the span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain it.
    pub notes: Vec<Note>,
}

impl Diagnostic {
    /// An error with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            source: None,
            span: None,
            label: None,
            help: None,
            notes: Vec::new(),
        }
    }

    /// Points the diagnostic at a place in a file.
    #[must_use]
    pub fn at(mut self, source: &SourceFile, span: Span) -> Self {
        self.source = Some(source.clone());
        self.span = Some(span);
        self
    }

    /// Sets the label under the span.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label in the same file.
    #[must_use]
    pub fn note(mut self, span: Span, label: impl Into<String>) -> Self {
        self.notes.push(Note {
            span,
            label: label.into(),
        });
        self
    }

    /// File name, line and column (one-based), when the diagnostic has a place.
    pub fn location(&self) -> Option<(&str, usize, usize)> {
        let source = self.source.as_ref()?;
        let (line, column) = source.line_column(self.span.map_or(0, |s| s.offset));
        Some((source.name(), line, column))
    }

    /// A line under the span or a note that is too long to show in an excerpt
    /// ([`MAX_SHOWN_LINE`]): its number and length in characters.
    fn too_long_line(&self) -> Option<(usize, usize)> {
        let source = self.source.as_ref()?;
        self.span
            .iter()
            .chain(self.notes.iter().map(|n| &n.span))
            .find_map(|&span| source.line_longer_than(span, MAX_SHOWN_LINE))
    }

    /// The help, followed by the places in words, for a diagnostic whose excerpt is not shown
    /// because a line is too long.
    fn help_with_places(&self, long_line: usize, n_chars: usize) -> String {
        let mut text = self.help.clone().unwrap_or_default();
        let line_break = |text: &mut String| {
            if !text.is_empty() {
                text.push('\n');
            }
        };
        if let Some((file, line, column)) = self.location() {
            line_break(&mut text);
            let which = if line == long_line {
                "the line".to_owned()
            } else {
                format!("line {long_line}")
            };
            text.push_str(&format!(
                "at {file}:{line}:{column} ({which} is {n_chars} characters long, too long to show)"
            ));
        }
        if let Some(source) = &self.source {
            for note in &self.notes {
                let (line, column) = source.line_column(note.span.offset);
                line_break(&mut text);
                text.push_str(&format!(
                    "{} at {}:{line}:{column}",
                    note.label,
                    source.name()
                ));
            }
        }
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A diagnostic as data (what `lots check --error-format json` prints and `lots serve` answers):
/// code, severity, message, file, line, column, label and help. The source text is not part of
/// it.
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let (file, line, column) = match self.location() {
            Some((f, l, c)) => (Some(f), Some(l), Some(c)),
            None => (None, None, None),
        };
        let mut s = serializer.serialize_struct("Diagnostic", 8)?;
        s.serialize_field("code", self.code.as_str())?;
        s.serialize_field(
            "severity",
            match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        )?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("file", &file)?;
        s.serialize_field("line", &line)?;
        s.serialize_field("column", &column)?;
        s.serialize_field("label", &self.label)?;
        s.serialize_field("help", &self.help)?;
        s.end()
    }
}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if let Some((line, n_chars)) = self.too_long_line() {
            return Some(Box::new(self.help_with_places(line, n_chars)));
        }
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    // No excerpt when a line is too long to show (see `MAX_SHOWN_LINE`); `help` says where.
    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.too_long_line().is_some() {
            return None;
        }
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.too_long_line().is_some() {
            return None;
        }
        let span = self.span?;
        let primary = LabeledSpan::new_primary_with_span(
            self.label.clone(),
            SourceSpan::new(span.offset.into(), span.len),
        );
        let notes = self.notes.iter().map(|n| {
            LabeledSpan::new_with_span(
                Some(n.label.clone()),
                SourceSpan::new(n.span.offset.into(), n.span.len),
            )
        });
        Some(Box::new(std::iter::once(primary).chain(notes)))
    }
}

/// The diagnostics of one load, in the order found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Every diagnostic.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// How many errors.
    pub fn n_errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// How many warnings.
    pub fn n_warnings(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.n_errors() > 0
    }

    /// True when there are none at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file, position and code, so output is stable whatever the check order.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.source.as_ref().map(|s| s.name().to_owned()),
                    d.span.map(|s| s.offset),
                    d.code.as_str(),
                )
            };
            key(a).cmp(&key(b))
        });
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// "did you mean `x`?" for the closest of `candidates`, when one is close enough.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(wrong, candidate);
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// A help text listing what may be written, with a "did you mean" first when one is close.
pub fn suggest<'a>(
    wrong: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(dym) = did_you_mean(wrong, candidates.clone()) {
        return dym;
    }
    const SHOWN: usize = 12;
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        return format!("no {what} are declared");
    }
    let list: Vec<String> = all.iter().take(SHOWN).map(|c| format!("`{c}`")).collect();
    let more = all.len().saturating_sub(SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("declared {what}: {}{tail}", list.join(", "))
}
