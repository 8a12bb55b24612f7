//! Unit scripts (rhai): `script:` condition leaves and unit hooks. The only module that names
//! rhai. Scripts are compiled once at load, against the facts of the workflow they run in, and
//! evaluated in a sandbox with limits; an error or a limit hit never crashes the host: the
//! script counts as false / no actions, and the error is reported with the script's
//! file:line:column.

pub(crate) mod sandbox;

use std::fmt;
use std::sync::Arc;

use rhai::{AST, Dynamic, Engine, EvalAltResult, Position, Scope};

use crate::diagnostics::{Code, Diagnostic, SourceFile, Span};
use crate::model::fact::FactTable;
use crate::model::fact::Value;
use crate::model::index::FactSlot;
use crate::syntax::FactType;

/// Sandbox limits. Every script runs within all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Operations per evaluation (stops endless loops).
    pub max_operations: u64,
    /// Expression nesting depth.
    pub max_expr_depth: usize,
    /// Longest string, in bytes.
    pub max_string_size: usize,
    /// Largest array.
    pub max_array_size: usize,
    /// Largest map.
    pub max_map_size: usize,
    /// Variables in scope.
    pub max_variables: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 20_000,
            max_expr_depth: 32,
            max_string_size: 1_024,
            max_array_size: 256,
            max_map_size: 64,
            max_variables: 64,
        }
    }
}

impl Limits {
    /// An upper bound, in bytes, on what one evaluation can hold: every variable at the
    /// largest value the size limits allow (rhai counts nested strings, array elements and map
    /// entries towards the limits of the value that holds them; a map key may be as long as a
    /// string), plus a fixed allowance for the engine's own frames. It holds because nothing
    /// grows a value past the limits unchecked: assignment through `[...]` and a map's `set`,
    /// which rhai does not size-check as they add keys, are refused. The memory test holds the
    /// hostile scripts to it.
    pub fn memory_budget(&self) -> usize {
        const DYNAMIC: usize = 16;
        const MAP_ENTRY: usize = 64;
        const ENGINE: usize = 1 << 20;
        let value = self.max_string_size
            + self.max_array_size * DYNAMIC
            + self.max_map_size * (MAP_ENTRY + self.max_string_size);
        (self.max_variables + 1) * value + ENGINE
    }
}

/// The shared sandboxed engine of a catalog.
#[derive(Clone)]
pub struct Scripting {
    engine: Arc<Engine>,
    /// The limits it was built with.
    pub limits: Limits,
}

impl fmt::Debug for Scripting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scripting")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting::new(Limits::default())
    }
}

impl Scripting {
    /// A sandboxed engine with these limits.
    pub fn new(limits: Limits) -> Self {
        Scripting {
            engine: Arc::new(sandbox::engine(&limits)),
            limits,
        }
    }
}

/// A compiled script with where it was written and the facts it reads.
#[derive(Debug, Clone)]
pub struct Script {
    ast: AST,
    /// The file.
    pub source: SourceFile,
    /// Where the script's text starts in the file (line 1 column 1 of the script).
    pub span: Span,
    /// The script text.
    pub text: Arc<str>,
    /// The facts it names, with their slots.
    reads: Vec<(Arc<str>, FactSlot)>,
    /// Which of [`BUILTINS`] it names (only those are put in scope).
    uses: [bool; 3],
    /// What it reads of `event` (only that is built).
    event: EventReads,
}

/// What a script reads of `event`, found in its syntax tree at load, so that the runtime
/// builds only those properties of the event map (`runtime::event_map`).
///
/// A script that names only `event.<property>` (or `event.<property>.<name>`) gets a map with
/// only those properties (and of that property's map only those names); one that uses `event`
/// as a whole value anywhere (passes it to a function, indexes it, iterates it, calls a method
/// on it, assigns it) gets every property. A smaller map reads the same as the whole one for
/// such a script: a property it does not name it cannot reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum EventReads {
    /// Every property.
    #[default]
    All,
    /// Only these properties.
    Only(Vec<EventProperty>),
}

/// A property of `event` a script reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventProperty {
    /// Its name (`facts`).
    name: Box<str>,
    /// The names the script reads of its value (`home_visit_planned`), or `None` when it reads
    /// the whole value.
    names: Option<Vec<Box<str>>>,
}

impl EventReads {
    /// Whether the script reads the property `name` of the event.
    pub(crate) fn wants(&self, name: &str) -> bool {
        match self {
            EventReads::All => true,
            EventReads::Only(props) => props.iter().any(|p| &*p.name == name),
        }
    }

    /// Whether the script reads `name` of the event's property `property` (a map).
    pub(crate) fn wants_in(&self, property: &str, name: &str) -> bool {
        match self {
            EventReads::All => true,
            EventReads::Only(props) => props.iter().any(|p| {
                &*p.name == property
                    && p.names
                        .as_ref()
                        .is_none_or(|n| n.iter().any(|x| &**x == name))
            }),
        }
    }

    /// Adds a read of `property` (of its whole value when `name` is `None`).
    fn add(&mut self, property: &str, name: Option<&str>) {
        let EventReads::Only(props) = self else {
            return;
        };
        match props.iter_mut().find(|p| &*p.name == property) {
            None => props.push(EventProperty {
                name: property.into(),
                names: name.map(|n| vec![n.into()]),
            }),
            Some(p) => match (&mut p.names, name) {
                (Some(names), Some(n)) => {
                    if !names.iter().any(|x| &**x == n) {
                        names.push(n.into());
                    }
                }
                (names, _) => *names = None,
            },
        }
    }
}

/// A name a script sees besides facts, as [`Script::eval`] asks the host for it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Builtin<'s> {
    /// `phase`.
    Phase,
    /// `event`, of which the script reads this much.
    Event(&'s EventReads),
    /// `unit`.
    Unit,
}

/// A script that failed at run time or hit a limit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScriptError {
    /// `file:line:column` of the failure.
    pub location: String,
    /// What went wrong.
    pub message: String,
    /// Whether a sandbox limit stopped it.
    pub limit: bool,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Names the script may use besides facts.
pub(crate) const BUILTINS: [&str; 3] = ["phase", "event", "unit"];

impl Script {
    /// Compiles a script against a workflow's facts. `expression` scripts are single
    /// expressions (condition leaves, derived facts); others may be statements (hooks).
    /// Errors are diagnostics at the script's file:line:column.
    pub(crate) fn compile(
        scripting: &Scripting,
        wf: &impl FactTable,
        source: &SourceFile,
        span: Span,
        text: &str,
        expression: bool,
    ) -> Result<Script, Box<Diagnostic>> {
        // Sensitive facts are not in scope at all: a script cannot read them, so nothing it
        // returns, throws or encodes can hold one.
        let mut scope = Scope::new();
        for f in wf.facts().iter().filter(|f| !f.sensitive && f.of.is_none()) {
            scope.push_dynamic(f.id.to_string(), Dynamic::UNIT);
        }
        for b in BUILTINS {
            scope.push_dynamic(b, Dynamic::UNIT);
        }
        let engine = &scripting.engine;
        let compiled = if expression {
            engine.compile_expression_with_scope(&scope, text)
        } else {
            engine.compile_with_scope(&scope, text)
        };
        let compiled = compiled.map_err(|e| (e.position(), e.err_type().to_string(), Some(e)));
        let compiled = compiled.and_then(|ast| match indexed_assignment(&ast) {
            Some(pos) => Err((
                pos,
                "assigning through `[...]` is not allowed".to_owned(),
                None,
            )),
            None => Ok(ast),
        });
        match compiled {
            Ok(ast) => {
                let reads = identifiers(text)
                    .filter_map(|id| wf.fact(id).filter(|(_, f)| !f.sensitive && f.of.is_none()))
                    .map(|(slot, f)| (f.id.clone(), slot))
                    .fold(Vec::new(), |mut v: Vec<(Arc<str>, FactSlot)>, r| {
                        if !v.iter().any(|x| x.1 == r.1) {
                            v.push(r);
                        }
                        v
                    });
                let uses = BUILTINS.map(|b| identifiers(text).any(|id| id == b));
                let event = if uses[1] {
                    event_reads(&ast)
                } else {
                    EventReads::All
                };
                Ok(Script {
                    uses,
                    event,
                    ast,
                    source: source.clone(),
                    span,
                    text: text.into(),
                    reads,
                })
            }
            Err((position, message, error)) => {
                let at = offset_of(source, span, position);
                if let Some(rhai::ParseErrorType::VariableUndefined(name)) =
                    error.as_ref().map(rhai::ParseError::err_type)
                    && let Some((_, fact)) = wf.fact(name).filter(|(_, f)| f.sensitive)
                {
                    return Err(Box::new(
                        Diagnostic::new(
                            Code::ReadsSensitiveFact,
                            format!("the script reads `{}`, a fact marked sensitive", fact.id),
                        )
                        .at(source, Span::new(at, fact.id.len()))
                        .label("sensitive: scripts may not read it")
                        .help(
                            "scripts never see sensitive facts (addresses, phone numbers): \
                             whatever a script returns, throws or encodes could carry them out of \
                             the engine; decide on a fact that is not sensitive, or do this in \
                             the host",
                        ),
                    ));
                }
                let help = if message.contains("Undefined variable")
                    || message.contains("not found")
                {
                    let facts: Vec<&str> = wf
                        .facts()
                        .iter()
                        .filter(|f| f.of.is_none())
                        .map(|f| f.id.as_ref())
                        .collect();
                    format!(
                        "scripts may name the workflow's facts and `phase`, `event`, `unit`; facts: {}",
                        facts.join(", ")
                    )
                } else if message.contains("reserved")
                    || message.contains("'|'")
                    || message.contains("function")
                    || message.contains("[...]")
                {
                    format!(
                        "scripts run in a sandbox without {}, function definitions, closures or \
                         assignments through `[...]` (a map grown by index is not size-checked); \
                         write the hook as plain expressions and statements, maps as `#{{...}}`",
                        sandbox::DISABLED.map(|k| format!("`{k}`")).join(", ")
                    )
                } else {
                    "see the rhai book for the syntax; scripts run in a sandbox without files, time or eval"
                        .to_owned()
                };
                Err(Box::new(
                    Diagnostic::new(
                        Code::ScriptCompile,
                        format!("the script does not compile: {message}"),
                    )
                    .at(source, source.char_span(at))
                    .label("here")
                    .help(help),
                ))
            }
        }
    }

    /// The facts the script reads (never a sensitive one: those are not in its scope).
    pub fn reads(&self) -> impl Iterator<Item = FactSlot> + '_ {
        self.reads.iter().map(|(_, slot)| *slot)
    }

    /// Whether the script reads the case's phase.
    pub fn reads_phase(&self) -> bool {
        self.uses[0]
    }

    /// Evaluates the script with the case's facts and the builtins in scope.
    pub(crate) fn eval(
        &self,
        scripting: &Scripting,
        wf: &impl FactTable,
        slots: &[Option<Value>],
        builtin: &dyn Fn(Builtin<'_>) -> Dynamic,
    ) -> Result<Dynamic, ScriptError> {
        let mut scope = Scope::new();
        for (name, slot) in &self.reads {
            let value = slots.get(usize::from(slot.0)).and_then(Option::as_ref);
            let fact = wf.facts().get(usize::from(slot.0));
            scope.push_dynamic(
                name.as_ref(),
                to_dynamic(value, fact.map(|f| (f.ty, &f.values))),
            );
        }
        for (name, used) in BUILTINS.iter().zip(self.uses) {
            if used {
                let which = match *name {
                    "phase" => Builtin::Phase,
                    "event" => Builtin::Event(&self.event),
                    _ => Builtin::Unit,
                };
                scope.push_dynamic(*name, builtin(which));
            }
        }
        scripting
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast)
            .map_err(|e| self.error(&e, &scripting.limits))
    }

    /// Evaluates a condition: anything but `true` is false; errors are returned.
    pub(crate) fn eval_bool(
        &self,
        scripting: &Scripting,
        wf: &impl FactTable,
        slots: &[Option<Value>],
        builtin: &dyn Fn(Builtin<'_>) -> Dynamic,
    ) -> Result<bool, ScriptError> {
        let value = self.eval(scripting, wf, slots, builtin)?;
        value.as_bool().map_err(|t| ScriptError {
            location: self.location(Position::NONE),
            message: format!("the script returned {t}, not true or false"),
            limit: false,
        })
    }

    fn error(&self, e: &EvalAltResult, limits: &Limits) -> ScriptError {
        let limit = matches!(
            e,
            EvalAltResult::ErrorTooManyOperations(..)
                | EvalAltResult::ErrorStackOverflow(..)
                | EvalAltResult::ErrorDataTooLarge(..)
                | EvalAltResult::ErrorTooManyVariables(..)
                | EvalAltResult::ErrorTooManyModules(..)
                | EvalAltResult::ErrorTerminated(..)
        );
        let message = match e {
            EvalAltResult::ErrorTooManyOperations(..) => format!(
                "stopped after {} operations (sandbox limit)",
                limits.max_operations
            ),
            EvalAltResult::ErrorStackOverflow(..) => {
                "stopped: calls nested too deep (sandbox limit)".to_owned()
            }
            EvalAltResult::ErrorDataTooLarge(what, ..) => {
                format!("stopped: {} exceeds the sandbox limit", what.to_lowercase())
            }
            EvalAltResult::ErrorTooManyModules(..) => {
                "`import` is not allowed: scripts cannot read modules or files".to_owned()
            }
            other => {
                let text = other.to_string();
                text.rfind(" (line ")
                    .map_or(text.clone(), |i| text.get(..i).unwrap_or(&text).to_owned())
            }
        };
        ScriptError {
            location: self.location(e.position()),
            message,
            limit,
        }
    }

    fn location(&self, pos: Position) -> String {
        let at = offset_of(&self.source, self.span, pos);
        let (line, column) = self.source.line_column(at);
        format!("{}:{line}:{column}", self.source.name())
    }
}

/// Where a script assigns through an index (`m[k] = v`, `m.x[k] += v`), if it does. rhai checks
/// the size of an object map when it is next used, not when an index assignment adds a key, so
/// a loop of them could hold far more than the limits allow before anything notices: the
/// sandbox refuses them at load (property assignment `m.x = v` is checked, and stays).
fn indexed_assignment(ast: &AST) -> Option<Position> {
    use rhai::{ASTNode, Expr, Stmt};
    let mut found = None;
    walk(ast, &mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Assignment(x))) = path.last() {
            let mut lhs = &x.1.lhs;
            loop {
                match lhs {
                    Expr::Index(..) => {
                        found = Some(lhs.position());
                        break;
                    }
                    Expr::Dot(dot, ..) => {
                        if matches!(dot.rhs, Expr::Index(..)) {
                            found = Some(dot.rhs.position());
                            break;
                        }
                        lhs = &dot.lhs;
                    }
                    _ => break,
                }
            }
        }
        found.is_none()
    });
    found
}

/// Walks every node of a script, as `AST::walk` does, and also into the value of a
/// `break value` (which `AST::walk` passes over): a check that walks the tree sees all of it.
/// Inside such a value the path starts again at the value.
fn walk(ast: &AST, visit: &mut dyn FnMut(&[rhai::ASTNode]) -> bool) -> bool {
    ast.walk(&mut |path: &[rhai::ASTNode]| visit_node(path, visit))
}

fn visit_node(path: &[rhai::ASTNode], visit: &mut dyn FnMut(&[rhai::ASTNode]) -> bool) -> bool {
    use rhai::{ASTNode, Stmt};
    if !visit(path) {
        return false;
    }
    match path.last() {
        Some(ASTNode::Stmt(Stmt::BreakLoop(Some(value), ..))) => value
            .walk(&mut Vec::new(), &mut |inner: &[ASTNode]| {
                visit_node(inner, visit)
            }),
        _ => true,
    }
}

/// What a script reads of `event` (see [`EventReads`]): every use of the variable must be the
/// start of a property access, `event.p` or `event.p.n`; anything else reads the whole event.
fn event_reads(ast: &AST) -> EventReads {
    use rhai::{ASTNode, Expr};
    /// The property an access reads first (`p` of `.p`, `.p.q`, `.p[i]`, `.p.m()`), and the
    /// access after it when it is another `.`.
    fn first(rhs: &Expr) -> Option<(&str, Option<&Expr>)> {
        match rhs {
            Expr::Property(p, ..) => Some((p.2.as_str(), None)),
            Expr::Dot(x, ..) => match &x.lhs {
                Expr::Property(p, ..) => Some((p.2.as_str(), Some(&x.rhs))),
                _ => None,
            },
            Expr::Index(x, ..) => match &x.lhs {
                Expr::Property(p, ..) => Some((p.2.as_str(), None)),
                _ => None,
            },
            _ => None,
        }
    }
    let mut reads = EventReads::Only(Vec::new());
    let mut seen = false;
    walk(ast, &mut |path: &[ASTNode]| {
        let Some((ASTNode::Expr(var @ Expr::Variable(x, ..)), parents)) = path.split_last() else {
            return true;
        };
        if x.1 != "event" {
            return true;
        }
        seen = true;
        let read = match parents.last() {
            Some(ASTNode::Expr(Expr::Dot(dot, ..))) if std::ptr::eq(&dot.lhs, *var) => {
                first(&dot.rhs)
            }
            _ => None,
        };
        match read {
            Some((property, then)) => {
                let name = then.and_then(first).map(|(name, _)| name);
                reads.add(property, name);
                true
            }
            None => {
                reads = EventReads::All;
                false
            }
        }
    });
    // The text names `event` but the tree does not (a comment, a string): nothing to narrow.
    if seen { reads } else { EventReads::All }
}

/// Byte offset in the file of a rhai position inside a script that starts at `span`.
fn offset_of(source: &SourceFile, span: Span, pos: Position) -> usize {
    let (Some(line), col) = (pos.line(), pos.position().unwrap_or(1)) else {
        return span.offset;
    };
    let (start_line, start_col) = source.line_column(span.offset);
    if line <= 1 {
        source.offset_of(start_line, start_col + col.saturating_sub(1))
    } else {
        source.offset_of(start_line + line - 1, col)
    }
}

/// The identifiers in a script's text (a cheap scan; used to pick the facts it reads).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        })
}

fn to_dynamic(value: Option<&Value>, fact: Option<(FactType, &Arc<[Arc<str>]>)>) -> Dynamic {
    match value {
        None => Dynamic::UNIT,
        Some(Value::Bool(b)) => Dynamic::from_bool(*b),
        Some(Value::Integer(i)) => Dynamic::from_int(*i),
        Some(Value::Decimal(d)) => Dynamic::from_float(*d),
        Some(Value::Date(d)) => Dynamic::from(d.to_string()),
        Some(Value::Text(t)) => Dynamic::from(t.to_string()),
        Some(Value::Enum(i)) => {
            let name = fact
                .and_then(|(_, vs)| vs.get(usize::from(*i)))
                .map_or_else(String::new, ToString::to_string);
            Dynamic::from(name)
        }
    }
}

/// A dynamic as a fact value of a type, if it fits.
pub(crate) fn from_dynamic(value: &Dynamic, ty: FactType, values: &[Arc<str>]) -> Option<Value> {
    match ty {
        FactType::Bool => value.as_bool().ok().map(Value::Bool),
        FactType::Integer => value.as_int().ok().map(Value::Integer),
        FactType::Decimal => value
            .as_float()
            .ok()
            .or_else(|| value.as_int().ok().map(|i| i as f64))
            .filter(|d| d.is_finite())
            .map(Value::Decimal),
        FactType::Text => value
            .clone()
            .into_string()
            .ok()
            .map(|s| Value::Text(s.into())),
        FactType::Date => value
            .clone()
            .into_string()
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Value::Date),
        FactType::Enum | FactType::ProtectionLevel => {
            let s = value.clone().into_string().ok()?;
            values
                .iter()
                .position(|v| v.as_ref() == s)
                .and_then(|i| u16::try_from(i).ok())
                .map(Value::Enum)
        }
    }
}

#[cfg(test)]
mod tests;
