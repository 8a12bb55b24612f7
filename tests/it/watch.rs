//! Hot reload over a temporary copy of the shipped catalog: a good edit is swapped in, a
//! broken edit leaves the last good catalog in use, and a case opened before an edit stays on
//! the workflow version it started with while new cases get the new one. Waits are bounded
//! waits for the watcher's report, not sleeps.

use std::path::Path;
use std::time::Duration;

use lots::runtime::{self, Case, Event};
use lots::watch::{Reload, Watcher};
use lots::{Catalog, FsSource};

const WAIT: Duration = Duration::from_secs(10);

fn at(s: &str) -> jiff::civil::DateTime {
    s.parse().unwrap()
}

fn open(catalog: &Catalog, id: &str) -> Case {
    let event = Event::CaseOpened {
        case_id: id.into(),
        workflow: "vuxna_utsatta".into(),
        unit: "skarholmen".into(),
        referral_source: None,
        facts: Default::default(),
    };
    runtime::apply(
        catalog,
        &Case::default(),
        event,
        crate::caseworker(),
        at("2025-09-01T09:00"),
    )
    .unwrap()
    .case
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Waits (at most `WAIT` in all) for a report of the wanted kind. An editor's save can raise
/// several file events, so a reload report may come more than once per edit.
fn wait_for(watcher: &Watcher, want: fn(&Reload) -> bool) -> Reload {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let report = watcher
            .next_reload(left)
            .expect("the watcher reports within 10 s");
        if want(&report) {
            return report;
        }
    }
}

#[test]
fn reload_swaps_good_edits_keeps_last_good_and_pins_running_cases() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watch");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in crate::shipped_inputs() {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let paths = vec![dir.join("workflows"), dir.join("rules")];
    let initial = Catalog::load(&FsSource::new(paths.clone()))
        .unwrap()
        .catalog
        .unwrap();
    let old_hash = initial
        .workflow("vuxna_utsatta")
        .unwrap()
        .content_hash
        .clone();
    let watcher = Watcher::start(initial, paths.clone()).unwrap();
    let before = open(&watcher.catalog(), "before-edit");

    // A good edit: the workflow's title changes, so its content hash does.
    let wf = dir.join("workflows/vuxna_utsatta.yaml");
    edit(
        &wf,
        "title: Fas 2 Utredning",
        "title: Fas 2 Utredning (ny version)",
    );
    let Reload::Swapped { took, .. } = wait_for(&watcher, |r| matches!(r, Reload::Swapped { .. }))
    else {
        unreachable!()
    };
    assert!(took < Duration::from_secs(1), "reload took {took:?}");
    let swapped = watcher.catalog();
    let new_hash = swapped
        .workflow("vuxna_utsatta")
        .unwrap()
        .content_hash
        .clone();
    assert_ne!(new_hash, old_hash);
    let fresh = Catalog::load(&FsSource::new(paths.clone()))
        .unwrap()
        .catalog
        .unwrap();
    assert_eq!(
        fresh.workflow("vuxna_utsatta").unwrap().content_hash,
        new_hash,
        "swapped equals a fresh load"
    );

    // The case opened before the edit stays on its version; a new case gets the new one.
    let step = runtime::apply(
        &swapped,
        &before,
        Event::SessionHeld { location: None },
        crate::caseworker(),
        at("2025-09-02T09:00"),
    )
    .unwrap();
    assert_eq!(step.case.content_hash, old_hash);
    let after = open(&swapped, "after-edit");
    assert_eq!(after.content_hash, new_hash);

    // A broken edit: a transition to a phase that does not exist. The last good catalog stays.
    edit(&wf, "    to: delgivning\n", "    to: delgivnig\n");
    let Reload::Kept { diagnostics, .. } = wait_for(&watcher, |r| matches!(r, Reload::Kept { .. }))
    else {
        unreachable!()
    };
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == lots::Code::UnknownTarget)
    );
    assert_eq!(hash_in_use(&watcher), new_hash);
    assert!(
        runtime::apply(
            &watcher.catalog(),
            &before,
            Event::TimePassed,
            crate::caseworker(),
            at("2025-09-03T09:00")
        )
        .is_ok()
    );

    // Fixing it swaps again.
    edit(&wf, "    to: delgivnig\n", "    to: delgivning\n");
    wait_for(&watcher, |r| matches!(r, Reload::Swapped { .. }));
    assert_eq!(hash_in_use(&watcher), new_hash);

    // Regression: a reload reads every file, and reading must not count as a change (the
    // first watcher reacted to its own reads and reloaded forever).
    let extra = watcher.next_reload(Duration::from_millis(800));
    assert!(extra.is_none(), "a reload triggered another: {extra:?}");
}

/// The content hash of `vuxna_utsatta` in the catalog in use.
fn hash_in_use(watcher: &Watcher) -> String {
    watcher
        .catalog()
        .workflow("vuxna_utsatta")
        .unwrap()
        .content_hash
        .clone()
}
