//! Hot-reload latency: from saving a workflow file to the new catalog being in use, beside a
//! plain load of the same files in the same run. The debounce window (`watch::DEBOUNCE`) is
//! stated and subtracted: it is a deliberate wait, not work.

#![expect(clippy::unwrap_used, clippy::panic, reason = "benchmark setup")]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use lots::catalog::Input;
use lots::watch::{DEBOUNCE, Reload, Watcher};
use lots::{Catalog, FsSource, Source};

mod support;
use support::{median, ms, ratio, verdict};

fn main() {
    let root = support::root();
    let dir = std::env::temp_dir().join(format!("lots-reload-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for input in FsSource::new(support::catalog_paths()).inputs().unwrap() {
        if let Input::Text(f) = input {
            let rel = Path::new(f.name()).strip_prefix(&root).unwrap().to_owned();
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f.text()).unwrap();
        }
    }
    let paths = vec![dir.join("workflows"), dir.join("rules")];
    let source = FsSource::new(paths.clone());
    let initial = Catalog::load(&source).unwrap().catalog.unwrap();
    let watcher = Watcher::start(initial, paths).unwrap();
    let wf = dir.join("workflows/vuxna_utsatta.yaml");
    let original = std::fs::read_to_string(&wf).unwrap();

    let (mut reload, mut baseline, mut work) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..15 {
        // Each round saves a different title, so every save changes the content.
        let text = original.replacen(
            "title: Fas 2 Utredning",
            &format!("title: Fas 2 Utredning r{round}"),
            1,
        );
        // Reports left over from the previous save (one save can raise several file events).
        while watcher.next_reload(Duration::from_millis(400)).is_some() {}
        let saved = Instant::now();
        std::fs::write(&wf, text).unwrap();
        let took = loop {
            match watcher.next_reload(Duration::from_secs(10)) {
                Some(Reload::Swapped { took, .. }) => break took,
                Some(_) => {}
                None => panic!("no reload within 10 s"),
            }
        };
        reload.push(saved.elapsed().saturating_sub(DEBOUNCE));
        work.push(took);
        let t = Instant::now();
        black_box(Catalog::load(&source).unwrap());
        baseline.push(t.elapsed());
    }
    let (r, b, w) = (median(reload), median(baseline), median(work));
    println!(
        "\nLots reload benchmark (median of 15 interleaved rounds; debounce window {} ms excluded)",
        DEBOUNCE.as_millis()
    );
    println!(
        "  save → swap  {:>8.2} ms | baseline load from disk {:>8.2} ms | ratio {:>5.2}x | target < 250 ms: {}",
        ms(r),
        ms(b),
        ratio(r, b),
        verdict(ms(r) < 250.0)
    );
    println!(
        "  of which load + check + swap (measured inside the watcher): {:.2} ms",
        ms(w)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
