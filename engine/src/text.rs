//! Rules for what people write: the identifiers of catalog files and the written reasons of
//! caseworkers and units. Pure functions; the loader turns a broken rule into a diagnostic and
//! the runtime into a rejection.

/// The longest identifier, in bytes.
pub const MAX_ID_BYTES: usize = 64;

/// Words no identifier may be: the names scripts see besides facts (`phase`, `event`, `unit`),
/// rhai's keywords and reserved words, and names the engine gives meaning to. A fact called
/// `if` could never be read by a script, and an id called `event` would shadow the event.
pub const RESERVED: &[&str] = &[
    "phase",
    "event",
    "unit",
    "true",
    "false",
    "let",
    "const",
    "if",
    "else",
    "switch",
    "do",
    "while",
    "until",
    "loop",
    "for",
    "in",
    "continue",
    "break",
    "return",
    "throw",
    "try",
    "catch",
    "fn",
    "private",
    "import",
    "export",
    "as",
    "global",
    "this",
    "is_def_var",
    "is_def_fn",
    "is_shared",
    "call",
    "curry",
    "print",
    "debug",
    "type_of",
    "eval",
    "var",
    "static",
    "shared",
    "sync",
    "async",
    "await",
    "yield",
    "match",
    "default",
    "void",
    "null",
    "nil",
    "spawn",
    "thread",
    "go",
    "goto",
    "module",
    "super",
    "new",
    "use",
    "with",
];

/// What is wrong with an identifier, in words for the help text; `None` when it is fine.
/// An identifier is `[a-z][a-z0-9_]*`, at most [`MAX_ID_BYTES`] bytes, and not [`RESERVED`].
pub fn id_problem(id: &str) -> Option<String> {
    if let Some(problem) = length_problem(id, MAX_ID_BYTES) {
        return Some(problem);
    }
    let mut chars = id.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Some("it must start with a lowercase letter a–z".to_owned());
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Some(format!(
            "it contains {}, which an id may not hold",
            describe_char(bad)
        ));
    }
    if RESERVED.contains(&id) {
        return Some(format!("`{id}` is a reserved word"));
    }
    None
}

/// Whether a text is a plain word a script may see: 1 to 64 lowercase ASCII letters, digits,
/// `_` or `-` (`office`, `police`, `sarskilda_skal`). Anything else a host sends is free text.
pub fn is_word(text: &str) -> bool {
    (1..=MAX_ID_BYTES).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The longest case id a host may give, in bytes.
pub const MAX_CASE_ID_BYTES: usize = 128;

/// What is wrong with a host's case id, if anything. Case ids are part of every action id
/// (`<case>/rule/<rule>/<n>/<i>`), so they hold no `/`, no whitespace and no control or
/// format characters, and are at most [`MAX_CASE_ID_BYTES`] bytes. They are pseudonymous:
/// nothing shaped like a personal identity number ([`looks_like_personal_number`]).
pub fn case_id_problem(id: &str) -> Option<String> {
    if let Some(problem) = length_problem(id, MAX_CASE_ID_BYTES) {
        return Some(problem);
    }
    if let Some(bad) = id.chars().find(|c| {
        *c == '/' || c.is_whitespace() || c.is_control() || (!c.is_ascii() && !c.is_alphanumeric())
    }) {
        return Some(format!(
            "it contains U+{:04X}; a case id holds no `/`, whitespace or invisible characters",
            u32::from(bad)
        ));
    }
    looks_like_personal_number(id).then(|| {
        "it holds ten or more digits shaped like a personal identity number; a case id is \
         pseudonymous (e.g. `sk-2025-0142`)"
            .to_owned()
    })
}

/// The longest actor id a host may give, in bytes.
pub const MAX_ACTOR_ID_BYTES: usize = 64;

/// What is wrong with a host's actor id, if anything. An actor id is pseudonymous: it says
/// which member of staff acted without saying who they are. It follows the rules of case ids
/// (no `/`, whitespace or invisible characters), is at most [`MAX_ACTOR_ID_BYTES`] bytes, and
/// holds nothing shaped like a personal identity number or coordination number
/// (`YYMMDD-NNNN`, `YYYYMMDDNNNN`): such an id would put a person's identity in every trace.
pub fn actor_id_problem(id: &str) -> Option<String> {
    if let Some(problem) = length_problem(id, MAX_ACTOR_ID_BYTES) {
        return Some(problem);
    }
    if let Some(bad) = id.chars().find(|c| {
        *c == '/' || c.is_whitespace() || c.is_control() || (!c.is_ascii() && !c.is_alphanumeric())
    }) {
        return Some(format!(
            "it contains U+{:04X}; an actor id holds no `/`, whitespace or invisible characters",
            u32::from(bad)
        ));
    }
    looks_like_personal_number(id).then(|| {
        "it holds ten or more digits shaped like a personal identity number; an actor id is \
         pseudonymous (e.g. `hl-17`), never a person's identity"
            .to_owned()
    })
}

/// The longest person key, in bytes.
pub const MAX_PERSON_KEY_BYTES: usize = 64;

/// What is wrong with a host's person key, if anything. A person inside a case (a child of
/// the family) is known by a pseudonymous key such as `barn-1`: lowercase letters, digits, `-`
/// and `_`, at most [`MAX_PERSON_KEY_BYTES`] bytes, and nothing shaped like a personal identity
/// number. The key is never repeated in the reason, since it may be the identity it must not be.
pub fn person_key_problem(key: &str) -> Option<String> {
    if let Some(problem) = length_problem(key, MAX_PERSON_KEY_BYTES) {
        return Some(problem);
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Some(
            "a person's key holds only lowercase letters a-z, digits, `-` and `_` (e.g. `barn-1`)"
                .to_owned(),
        );
    }
    looks_like_personal_number(key).then(|| {
        "it holds ten or more digits shaped like a personal identity number; a person's key is \
         pseudonymous (e.g. `barn-1`), never their identity"
            .to_owned()
    })
}

/// Whether a text holds something shaped like a Swedish personal identity number or
/// coordination number: ten digits `YYMMDDNNNN` with a plausible month and day (a
/// coordination number adds 60 to the day), with at most one `-` or `+` among them, possibly
/// preceded by the century. The check digit is not needed: the shape alone must not be stored.
pub fn looks_like_personal_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Most texts (actor ids such as `hl-17`) hold fewer than ten digits: nothing to look for.
    if bytes.iter().filter(|b| b.is_ascii_digit()).count() < 10 {
        return false;
    }
    // Runs of digits; a single `-` or `+` between two digits does not end a run.
    let mut runs: Vec<Vec<u8>> = vec![Vec::new()];
    for (i, b) in bytes.iter().enumerate() {
        let digit_at =
            |j: Option<usize>| j.and_then(|j| bytes.get(j)).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_digit() {
            if let Some(run) = runs.last_mut() {
                run.push(b - b'0');
            }
        } else if (*b == b'-' || *b == b'+') && digit_at(i.checked_sub(1)) && digit_at(Some(i + 1))
        {
            continue;
        } else {
            runs.push(Vec::new());
        }
    }
    runs.iter().any(|digits| {
        digits.windows(10).any(|w| {
            let two = |i: usize| {
                let d = |j: usize| w.get(j).copied().map_or(0, u32::from);
                d(i) * 10 + d(i + 1)
            };
            let (month, day) = (two(2), two(4));
            (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day))
        })
    })
}

/// An empty text, or one longer than `max` bytes.
fn length_problem(text: &str, max: usize) -> Option<String> {
    if text.is_empty() {
        return Some("it is empty".to_owned());
    }
    (text.len() > max)
        .then(|| format!("it is {} bytes long; at most {max} are allowed", text.len()))
}

/// Like [`id_problem`] for a dotted identifier (legal concept ids such as
/// `child.preassessment.deadline`): parts that are identifiers, joined by single dots.
/// Reserved words are allowed as parts (`reporting.feedback`, `child.investigation.duty`).
pub fn dotted_id_problem(id: &str) -> Option<String> {
    if id.len() > MAX_ID_BYTES {
        return Some(format!(
            "it is {} bytes long; at most {MAX_ID_BYTES} are allowed",
            id.len()
        ));
    }
    id.split('.').find_map(|part| match id_problem(part) {
        Some(_) if RESERVED.contains(&part) => None,
        Some(p) if part.is_empty() => Some(format!("a part between dots is empty ({p})")),
        other => other,
    })
}

/// Whether a written reason holds visible text: at least one letter or digit that is not an
/// invisible filler. Whitespace, zero-width spaces, bidi controls and other format characters
/// alone are not a reason.
pub fn has_visible_text(text: &str) -> bool {
    /// Letters that render as nothing (Hangul fillers).
    const INVISIBLE_LETTERS: [char; 4] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'];
    text.chars()
        .any(|c| c.is_alphanumeric() && !INVISIBLE_LETTERS.contains(&c))
}

/// A character as shown in a message: printable ones quoted, others by code point.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || !c.is_ascii() && !c.is_alphanumeric() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
mod tests;
