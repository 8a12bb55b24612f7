//! The engine's layers, checked from its source: imports run one way (ARCHITECTURE.md, code
//! map). Each file's `crate::` and `super::` paths (outside comments) are resolved to the file
//! that defines the module they name; the test fails on an import circle between files, and on
//! a file importing a layer above its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each layer and the layers it must not import (the table in ARCHITECTURE.md).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "diagnostics",
        &[
            "syntax", "model", "catalog", "runtime", "quality", "schema", "watch",
        ],
    ),
    (
        "text",
        &[
            "syntax", "model", "catalog", "runtime", "quality", "schema", "watch",
        ],
    ),
    (
        "syntax",
        &["model", "catalog", "runtime", "quality", "schema", "watch"],
    ),
    (
        "model",
        &["catalog", "runtime", "quality", "schema", "watch"],
    ),
    ("catalog", &["runtime", "quality", "schema", "watch"]),
    ("runtime", &["quality", "schema", "watch"]),
    ("quality", &["schema", "watch"]),
];

type Module = Vec<String>;

#[test]
fn engine_imports_run_one_way() {
    let src = super::root().join("engine/src");
    let files = modules(&src);
    assert!(
        files.len() > 50,
        "engine/src not found at {}",
        src.display()
    );
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &files {
        let targets = edges.entry(module.clone()).or_default();
        for path in imported_paths(&code_only(text), module) {
            if let Some(target) = resolve(&files, &path)
                && target != *module
                && !target.is_empty()
            {
                targets.insert(target);
            }
        }
    }

    let mut wrong_layer = Vec::new();
    for (from, targets) in &edges {
        let Some((_, forbidden)) = LAYERS
            .iter()
            .find(|(l, _)| from.first().is_some_and(|f| f == l))
        else {
            continue;
        };
        for to in targets {
            if to.first().is_some_and(|t| forbidden.contains(&t.as_str())) {
                wrong_layer.push(format!("{} imports {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        wrong_layer.is_empty(),
        "imports against the layers:\n{}",
        wrong_layer.join("\n")
    );

    let circles: Vec<String> = strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            c.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(" ↔ ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// Every `.rs` file under `src`, by module path (`model/fact.rs` is `["model", "fact"]`).
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module.last().is_some_and(|l| l == "lib" || l == "mod") {
                    module.pop();
                }
                out.insert(module, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// The text without comments (doc links name modules without importing them) or string
/// literals.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.split("//").next().unwrap_or("");
            let mut out = String::new();
            let mut in_string = false;
            for ch in line.chars() {
                if ch == '"' {
                    in_string = !in_string;
                } else if !in_string {
                    out.push(ch);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path a file names through `crate::` or `super::`, use trees expanded.
fn imported_paths(code: &str, module: &Module) -> Vec<Module> {
    let mut out = Vec::new();
    for (anchor, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut rest = code;
        while let Some(i) = rest.find(anchor) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + anchor.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            use_tree(rest, base.clone(), &mut out);
        }
    }
    out
}

fn parent(module: &Module) -> Module {
    module[..module.len().saturating_sub(1)].to_vec()
}

/// Reads `a::b::{c, d::e}` at the start of `text` into full paths.
fn use_tree(text: &str, prefix: Module, out: &mut Vec<Module>) -> usize {
    let mut path = prefix;
    let mut i = 0;
    let bytes = text.as_bytes();
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            path.push(text[start..i].to_owned());
        }
        if text[i..].starts_with("::{") {
            i += 3;
            loop {
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return i + 1;
                }
                i += use_tree(&text[i..], path.clone(), out);
                while i < bytes.len() && bytes[i] != b',' && bytes[i] != b'}' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b',' {
                    i += 1;
                }
            }
        } else if text[i..].starts_with("::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The longest prefix of `path` that is a file's module.
fn resolve(files: &BTreeMap<Module, String>, path: &Module) -> Option<Module> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| files.contains_key(prefix))
}

/// Tarjan's strongly connected components.
fn strongly_connected(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let Some((w, _)) = s.edges.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}
