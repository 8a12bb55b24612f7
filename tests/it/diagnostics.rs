//! The invalid-input corpus: `tests/data/invalid/<module>/<name>.yaml` is loaded together with
//! the shipped catalog and must produce diagnostic `<module>::<name>`; every diagnostic it
//! produces is rendered (miette, no colour, width 80) and snapshotted.
//!
//! A first line `# lots-test: pad-to-bytes N` pads the file with comment lines to N bytes
//! before loading (for the size limit, without committing a huge file). A first line
//! `# lots-test: fs-link TARGET` stands for a file that cannot be committed: the test makes a
//! symbolic link of that name to TARGET (`self` for a link to itself, or a path such as
//! `/dev/null`) in a temporary folder and loads it from disk, beside the shipped catalog.

use std::path::Path;

use lots::{Code, MemorySource};
use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::{root, shipped_inputs};

const DIRECTIVE: &str = "# lots-test: pad-to-bytes ";
const FS_LINK: &str = "# lots-test: fs-link ";

/// The shipped catalog from memory, plus files read from disk.
struct WithDisk(MemorySource, lots::FsSource);

impl lots::Source for WithDisk {
    fn inputs(&self) -> Result<Vec<lots::catalog::Input>, lots::SourceError> {
        let mut inputs = self.0.inputs()?;
        inputs.extend(self.1.inputs()?);
        Ok(inputs)
    }
}

#[test]
fn invalid_inputs() {
    insta::glob!("../data", "invalid/**/*.yaml", |path| check_invalid(path));
}

#[test]
fn every_code_has_an_invalid_file() {
    let dir = root().join("tests/data/invalid");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| {
            let (module, name) = c.split_once("::").unwrap();
            !dir.join(module).join(format!("{name}.yaml")).exists()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a file in tests/data/invalid/: {missing:?}"
    );
}

#[track_caller]
fn check_invalid(path: &Path) {
    let rel = path
        .strip_prefix(root().join("tests/data"))
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let module = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let expected = format!("{module}::{name}");
    let mut bytes = std::fs::read(path).unwrap();
    if let Some(n) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| t.lines().next())
        .and_then(|l| l.strip_prefix(DIRECTIVE))
    {
        let n: usize = n.trim().parse().unwrap();
        while bytes.len() < n {
            bytes.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
        }
    }
    let mut source = MemorySource::new();
    for (file, text) in shipped_inputs() {
        source = source.with(file, text);
    }
    let link = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| t.lines().next())
        .and_then(|l| l.strip_prefix(FS_LINK))
        .map(|t| t.trim().to_owned());
    let mut scratch = None;
    let loaded = match link {
        Some(target) => {
            let dir = std::env::temp_dir().join(format!("lots-fs-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let at = dir.join(&rel);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            let target = if target == "self" {
                at.clone()
            } else {
                target.into()
            };
            std::os::unix::fs::symlink(target, &at).unwrap();
            let loaded =
                lots::Catalog::load(&WithDisk(source, lots::FsSource::new([&dir]))).unwrap();
            scratch = Some(dir);
            loaded
        }
        None => lots::Catalog::load(&source.with_bytes(rel.clone(), bytes)).unwrap(),
    };
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(
        codes.contains(&expected.as_str()),
        "{rel} should produce `{expected}`, produced {codes:?}"
    );
    let strays: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter_map(|d| d.location().map(|l| l.0.to_owned()))
        .filter(|f| *f != rel)
        .collect();
    assert!(
        strays.is_empty(),
        "{rel} caused diagnostics in shipped files: {strays:?}"
    );
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut rendered = String::new();
    for d in loaded.diagnostics.iter() {
        let mut d = d.clone();
        if let Some(dir) = &scratch {
            d.message = d.message.replace(&format!("{}/", dir.display()), "");
        }
        handler.render_report(&mut rendered, &d).unwrap();
        rendered.push('\n');
    }
    if let Some(dir) = scratch {
        std::fs::remove_dir_all(dir).unwrap();
    }
    insta::assert_snapshot!(rendered);
}

/// Ids defined in two files are reported at the later file (in name order), at the id, with
/// the first file named in the help. (Not in the corpus: a corpus file sorts before the shipped
/// files, so the diagnostic would land in a shipped file.)
#[test]
fn ids_defined_in_two_files() {
    let rules = "# yaml-language-server: $schema=../schemas/rules.json\nkind: Rules\nid: zz_dup\nversion: 1\ntitle: Dup\nworkflows: [vuxna_utsatta]\nrules:\n  - id: orosanmalan_barn\n    title: Copy\n    when: {is_set: age}\n    actions: [{flag: {message: x}}]\n";
    let legal = "# yaml-language-server: $schema=../schemas/legal-reference.json\nkind: LegalReference\nid: zz_legal\nversion: 1\ntitle: Dup\nconcepts:\n  - id: investigation.duty\n    title: Copy\n    versions: [{statute: SoL, number: \"2025:400\", valid_from: \"2025-07-01\", verified: false}]\n";
    let loaded = crate::load_with([
        ("zz/rules.yaml".to_owned(), rules.to_owned()),
        ("zz/legal.yaml".to_owned(), legal.to_owned()),
    ]);
    let found: Vec<(String, usize, usize, String)> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let (file, line, column) = d.location().unwrap();
            (
                file.to_owned(),
                line,
                column,
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|d| d.code == Code::DuplicateId)
    );
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2),
        ("zz/legal.yaml", 7, 9)
    );
    assert!(
        found[0].3.contains("rules/legal/sol.yaml"),
        "{}",
        found[0].3
    );
    assert_eq!(
        (found[1].0.as_str(), found[1].1, found[1].2),
        ("zz/rules.yaml", 8, 9)
    );
    assert!(
        found[1].3.contains("rules/routing/vinr.yaml"),
        "{}",
        found[1].3
    );
}

/// A note on a line too long to show (a generated file) drops the excerpt, as a long primary
/// line does; the help then gives both places in words, naming the long line.
#[test]
fn a_note_on_a_too_long_line_is_given_in_words() {
    let long = "y".repeat(5_000);
    let text = format!("kind: Unit\nid: a\nlong: {long}\n");
    let source = lots::SourceFile::new("u.yaml", text.clone());
    let at_long = text.find('y').unwrap();
    let d = lots::Diagnostic::new(Code::ALL[0], "a problem")
        .at(&source, lots::Span::new(text.find("a\n").unwrap(), 1))
        .label("here")
        .help("fix it")
        .note(lots::Span::new(at_long, 3), "because of this");
    assert_eq!(d.location(), Some(("u.yaml", 2, 5)));
    let mut rendered = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut rendered, &d)
        .unwrap();
    assert!(!rendered.contains("yyy"), "{rendered}");
    assert!(
        rendered.contains("at u.yaml:2:5 (line 3 is 5006 characters long, too long to show)"),
        "{rendered}"
    );
    assert!(
        rendered.contains("because of this at u.yaml:3:7"),
        "{rendered}"
    );
    assert!(rendered.contains("fix it"), "{rendered}");
}
