//! The results board in a real browser: a hand-built report rendered by
//! `lots::indicators::board::html`, screenshotted by headless Chromium, and the PNG decoded to
//! check the page is not blank (text, tables and the charts' colours are there). The screenshot
//! and the page are kept as `target/board-screenshot.png` and `target/board.html` to look at.
//!
//! Chromium is required, not optional: without Debian's `chromium` package the test fails and
//! says so (`.ci/run` installs it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use lots::indicators::board;
use lots::indicators::report::{
    Breakdown, Cell, IndicatorReport, MeasureKind, Report, Row, Target,
};

#[test]
fn the_board_renders_in_chromium() {
    let browser = chromium();
    let html = board::html(&report()).unwrap();
    let dir = std::env::temp_dir().join(format!("lots-board-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("resultattavla.html");
    std::fs::write(&page, &html).unwrap();
    let shot = dir.join("board.png");

    let out = check_screenshot(&browser, &page, &shot, &dir.join("profile"));
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "Chromium wrote no screenshot ({e}); status {}, stderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let target = super::root().join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("board-screenshot.png"), &png).unwrap();
    std::fs::write(target.join("board.html"), &html).unwrap();

    let (width, height, pixels) = decode(&png);
    assert_eq!((width, height), (1240, 1754), "the window size");
    let n_pixels = pixels.len();
    let non_white: Vec<[u8; 3]> = pixels
        .into_iter()
        .filter(|p| p.iter().any(|c| *c < 245))
        .collect();
    let distinct: BTreeSet<[u8; 3]> = non_white.iter().copied().collect();
    let share = non_white.len() as f64 / n_pixels as f64;
    assert!(
        share >= 0.01,
        "the screenshot is nearly blank: {:.3} % non-white pixels",
        share * 100.0
    );
    assert!(
        distinct.len() >= 2,
        "the screenshot has {} non-white colours",
        distinct.len()
    );
    // The charts were drawn: the women's and men's series colours appear (board.rs styles).
    for (name, colour) in [("Kvinnor", [0xc0, 0x45, 0x0b]), ("Män", [0x00, 0x64, 0xa0])] {
        let n = non_white.iter().filter(|p| near(**p, colour)).count();
        assert!(
            n >= 50,
            "the {name} series is not in the screenshot ({n} pixels)"
        );
    }
    // Black text, from the headings and the tables.
    let n_dark = non_white
        .iter()
        .filter(|p| p.iter().all(|c| *c < 60))
        .count();
    assert!(n_dark >= 2000, "hardly any text: {n_dark} dark pixels");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Chromium from Debian: `/usr/bin/chromium`, or `chromium` on `PATH`.
fn chromium() -> PathBuf {
    let debian = Path::new("/usr/bin/chromium");
    if debian.is_file() {
        return debian.to_owned();
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the results board test needs headless Chromium, and neither /usr/bin/chromium \
                 nor `chromium` on PATH exists: install Debian's `chromium` package \
                 (`apt-get install -y chromium`; .ci/run does)"
            )
        })
}

/// Screenshots `page` at A4 proportions (1240 × 1754, A4 at 150 dpi). `--no-sandbox` because
/// the tests run as root in CI, where Chromium refuses its sandbox.
#[track_caller]
fn check_screenshot(browser: &Path, page: &Path, shot: &Path, profile: &Path) -> Output {
    let child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--force-device-scale-factor=1",
            "--window-size=1240,1754",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let pid = child.id();
    // A thread waits; the generous timeout only catches a hang, and then ends this one process.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(180)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("Chromium did not finish the screenshot within 180 s");
        }
    };
    assert!(
        out.status.success(),
        "Chromium failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The PNG's size and its pixels as RGB (alpha dropped: the page has a white background).
fn decode(png: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let pixels = match info.color_type {
        png::ColorType::Rgba => bytes.chunks_exact(4).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Rgb => bytes.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::GrayscaleAlpha => bytes.chunks_exact(2).map(|p| [p[0]; 3]).collect(),
        png::ColorType::Grayscale => bytes.iter().map(|g| [*g; 3]).collect(),
        png::ColorType::Indexed => panic!("EXPAND leaves no indexed colour"),
    };
    (info.width, info.height, pixels)
}

fn near(p: [u8; 3], colour: [u8; 3]) -> bool {
    p.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 16)
}

// ---------------------------------------------------------------------------------------------
// The report: a year by month for one unit, three indicators (a share with a target and a
// breakdown by age group, a count, a mean number of days), suppressed and empty cells.

const MONTHS: [&str; 12] = [
    "nov 2025", "dec 2025", "jan 2026", "feb 2026", "mar 2026", "apr 2026", "maj 2026", "jun 2026",
    "jul 2026", "aug 2026", "sep 2026", "okt 2026",
];

fn report() -> Report {
    Report {
        title: "Resultattavla – Relationsvåldsteamet".to_owned(),
        period: "2026-10".to_owned(),
        period_label: "oktober 2026".to_owned(),
        periods: MONTHS.map(str::to_owned).to_vec(),
        unit: Some("Relationsvåldsteamet".to_owned()),
        min_cell: 5,
        indicators: vec![share(), count(), days()],
    }
}

/// A cell from a figure: `None` is suppressed, `Some(None)` empty.
fn cells(values: &[Option<Option<f64>>], met: fn(f64) -> Option<bool>) -> Vec<Cell> {
    values
        .iter()
        .map(|v| match v {
            None => Cell::Suppressed,
            Some(None) => Cell::Empty,
            Some(Some(value)) => Cell::Value {
                n: 20,
                value: *value,
                met: met(*value),
            },
        })
        .collect()
}

fn row(label: &str, values: &[Option<Option<f64>>], met: fn(f64) -> Option<bool>) -> Row {
    Row {
        label: label.to_owned(),
        cells: cells(values, met),
    }
}

fn v(value: f64) -> Option<Option<f64>> {
    Some(Some(value))
}

const SUPPRESSED: Option<Option<f64>> = None;
const EMPTY: Option<Option<f64>> = Some(None);

fn no_target(_: f64) -> Option<bool> {
    None
}

fn share() -> IndicatorReport {
    let t = |value| Some(value >= 0.8);
    IndicatorReport {
        id: "riskbedomning_14_dagar".to_owned(),
        title: "Riskbedömning inom 14 dagar".to_owned(),
        goal: "Den som utsätts för våld får sin risk bedömd snabbt.".to_owned(),
        source: Some("SOSFS 2014:4".to_owned()),
        measure: MeasureKind::Share,
        population: "Ärenden aktualiserade under perioden där en riskbedömning ska göras."
            .to_owned(),
        target: Some(Target {
            op: ">=".to_owned(),
            value: 0.8,
            text: "minst 80 %".to_owned(),
        }),
        min_cell: 5,
        by_gender: vec![
            row(
                "Kvinnor",
                &[
                    v(0.62),
                    v(0.65),
                    v(0.7),
                    SUPPRESSED,
                    v(0.72),
                    v(0.75),
                    v(0.78),
                    v(0.74),
                    v(0.8),
                    v(0.82),
                    v(0.79),
                    v(0.84),
                ],
                t,
            ),
            row(
                "Män",
                &[
                    SUPPRESSED,
                    v(0.5),
                    v(0.55),
                    v(0.6),
                    SUPPRESSED,
                    SUPPRESSED,
                    v(0.58),
                    v(0.62),
                    v(0.66),
                    EMPTY,
                    v(0.7),
                    v(0.71),
                ],
                t,
            ),
            row("Annat eller okänt", &[SUPPRESSED; 12], t),
            row(
                "Totalt",
                &[
                    v(0.6),
                    v(0.61),
                    v(0.66),
                    v(0.68),
                    v(0.7),
                    v(0.72),
                    v(0.74),
                    v(0.71),
                    v(0.77),
                    v(0.79),
                    v(0.78),
                    v(0.81),
                ],
                t,
            ),
        ],
        breakdowns: vec![Breakdown {
            title: "Åldersgrupp".to_owned(),
            columns: ["Kvinnor", "Män", "Annat eller okänt", "Totalt"]
                .map(str::to_owned)
                .to_vec(),
            rows: vec![
                row("18–25 år", &[v(0.8), SUPPRESSED, SUPPRESSED, v(0.78)], t),
                row("26–64 år", &[v(0.86), v(0.72), SUPPRESSED, v(0.83)], t),
                row(
                    "65 år och äldre",
                    &[SUPPRESSED, SUPPRESSED, EMPTY, SUPPRESSED],
                    t,
                ),
                row("Totalt", &[v(0.84), v(0.71), SUPPRESSED, v(0.81)], t),
            ],
        }],
    }
}

fn count() -> IndicatorReport {
    IndicatorReport {
        id: "skyddat_boende".to_owned(),
        title: "Placeringar i skyddat boende".to_owned(),
        goal: "Den som behöver skydd får det.".to_owned(),
        source: None,
        measure: MeasureKind::Count,
        population: "Beslut om placering i skyddat boende under perioden.".to_owned(),
        target: None,
        min_cell: 5,
        by_gender: vec![
            row(
                "Kvinnor",
                &[
                    v(9.0),
                    v(11.0),
                    v(8.0),
                    v(12.0),
                    v(10.0),
                    v(7.0),
                    v(9.0),
                    v(13.0),
                    v(11.0),
                    v(10.0),
                    v(12.0),
                    v(14.0),
                ],
                no_target,
            ),
            row(
                "Män",
                &[
                    EMPTY,
                    SUPPRESSED,
                    EMPTY,
                    EMPTY,
                    SUPPRESSED,
                    EMPTY,
                    v(5.0),
                    EMPTY,
                    EMPTY,
                    SUPPRESSED,
                    EMPTY,
                    v(6.0),
                ],
                no_target,
            ),
            row("Annat eller okänt", &[EMPTY; 12], no_target),
            row(
                "Totalt",
                &[
                    v(9.0),
                    SUPPRESSED,
                    v(8.0),
                    v(12.0),
                    SUPPRESSED,
                    v(7.0),
                    v(14.0),
                    v(13.0),
                    v(11.0),
                    SUPPRESSED,
                    v(12.0),
                    v(20.0),
                ],
                no_target,
            ),
        ],
        breakdowns: vec![],
    }
}

fn days() -> IndicatorReport {
    let t = |value| Some(value <= 30.0);
    IndicatorReport {
        id: "dagar_till_insats".to_owned(),
        title: "Dagar från aktualisering till beslutad insats".to_owned(),
        goal: "Stödet kommer i tid.".to_owned(),
        source: None,
        measure: MeasureKind::Days,
        population: "Ärenden där insats beslutades under perioden.".to_owned(),
        target: Some(Target {
            op: "<=".to_owned(),
            value: 30.0,
            text: "högst 30 dagar".to_owned(),
        }),
        min_cell: 10,
        by_gender: vec![
            row(
                "Kvinnor",
                &[
                    v(41.0),
                    v(38.0),
                    EMPTY,
                    v(36.0),
                    v(35.0),
                    v(33.0),
                    v(34.0),
                    v(31.0),
                    v(30.0),
                    v(29.0),
                    v(28.0),
                    v(27.0),
                ],
                t,
            ),
            row("Män", &[SUPPRESSED; 12], t),
            row("Annat eller okänt", &[EMPTY; 12], t),
            row(
                "Totalt",
                &[
                    v(43.0),
                    v(40.0),
                    EMPTY,
                    v(37.0),
                    v(36.0),
                    v(35.0),
                    v(35.0),
                    v(32.0),
                    v(31.0),
                    v(30.0),
                    v(29.0),
                    v(29.0),
                ],
                t,
            ),
        ],
        breakdowns: vec![],
    }
}
