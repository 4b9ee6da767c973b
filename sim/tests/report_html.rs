//! `report.html` in a real browser: headless Chromium (Debian's `chromium`; `.ci/run` installs
//! it) loads a run's page, a sweep's page and a cell's page, each with a small probe script
//! added at the end that writes what it found into the DOM: console errors and failed loads, the
//! size of every figure, and every number that carries its exact value (`data-metric`). The test
//! then checks those against the folder's files: no error, every SVG of the folder shown at a
//! non-zero size, every number equal to `summary.json`'s (and its text a correct rounding of it).
//! The screenshots stay in `target/tmp/hemisim-test-report_html-<hash>-report-html/` (`run.png`,
//! `sweep.png`, `cell.png`; the test prints where): look at them after a change to the page.

mod common;

use common::{hemisim, refused_line, scratch_dir, text};
use hemisim_reports::compare::value_at;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary: `$HEMISIM_CHROMIUM`, else `chromium` on the PATH. Missing, the test
/// fails saying how to install it: a browser test that passes without a browser checks nothing.
fn chromium() -> PathBuf {
    let candidate = std::env::var_os("HEMISIM_CHROMIUM").map_or_else(|| PathBuf::from("chromium"), PathBuf::from);
    let found = Command::new(&candidate).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "headless Chromium is needed for this test and `{}` does not run: install it with \
         `apt-get install -y chromium` (Debian; .ci/run does this), or set HEMISIM_CHROMIUM to its binary",
        candidate.display()
    );
    candidate
}

/// Runs Chromium headless on `page` with `extra` flags; returns (stdout, stderr).
fn browse(page: &Path, profile: &Path, extra: &[&str]) -> (String, String) {
    let url = format!("file://{}", page.canonicalize().expect("the page exists").display());
    let out = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
        .args(["--disable-background-networking", "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium starts");
    assert!(out.status.success(), "chromium failed on {}: {}", page.display(), text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

/// Collects errors from the first moment (first thing in `<head>`), and at load writes the
/// findings into `<pre id="probe">`, URI-encoded so that the dumped DOM needs no unescaping.
const PROBE_HEAD: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || 'load error')), true);
window.addEventListener('unhandledrejection', e => window.__errors.push('unhandled rejection: ' + e.reason));
for (const level of ['error', 'warn']) { const f = console[level]; console[level] = (...a) => { window.__errors.push(level + ': ' + a.join(' ')); f.apply(console, a); }; }
</script>"#;
const PROBE_TAIL: &str = r#"<script>
window.addEventListener('load', () => {
  const figures = [...document.querySelectorAll('figure')].map(f => { const s = f.querySelector('svg'); const b = s ? s.getBoundingClientRect() : {width: 0, height: 0}; return [f.id, b.width, b.height]; });
  const metrics = [...document.querySelectorAll('[data-metric]')].map(e => [e.dataset.metric, e.dataset.value, e.dataset.source || 'summary.json', e.textContent]);
  const broken = [...document.querySelectorAll('img')].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  const pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = encodeURIComponent(JSON.stringify({errors: window.__errors.concat(broken), figures, metrics}));
  document.body.appendChild(pre);
});
</script>"#;

/// What the probe found on a page.
#[derive(Debug)]
struct Probe {
    errors: Vec<String>,
    /// (figure id, width, height) in CSS pixels.
    figures: Vec<(String, f64, f64)>,
    /// (metric path, exact value, source file, text shown).
    metrics: Vec<(String, String, String, String)>,
}

/// Loads `dir/report.html` with the probe (a copy beside it, so relative links resolve the
/// same) and takes a screenshot of the page itself.
fn load(dir: &Path, scratch: &Path, name: &str) -> Probe {
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    static_checks(&html, name);
    let probed = html.replacen("<head>", &format!("<head>\n{PROBE_HEAD}"), 1).replacen(
        "</body>",
        &format!("{PROBE_TAIL}\n</body>"),
        1,
    );
    let probe_page = dir.join("report-probe.html");
    std::fs::write(&probe_page, probed).expect("scratch is writable");
    let profile = scratch.join(format!("profile-{name}"));
    let (dom, stderr) = browse(&probe_page, &profile, &["--dump-dom"]);
    std::fs::remove_file(&probe_page).expect("written above");
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{name}: console messages: {console:?}");
    let screenshot = scratch.join(format!("{name}.png"));
    browse(
        &dir.join("report.html"),
        &profile,
        &[&format!("--screenshot={}", screenshot.display()), "--window-size=1280,2400"],
    );
    let png = std::fs::metadata(&screenshot).expect("a screenshot was taken");
    eprintln!("screenshot of the {name} page: {}", screenshot.display());
    assert!(png.len() > 20_000, "{name}: a {}-byte screenshot is blank", png.len());
    parse_probe(&dom, name)
}

/// A self-contained page: nothing to run, fetch or load from elsewhere.
fn static_checks(html: &str, name: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
    assert!(!html.contains("<script"), "{name}: the page has a script");
    for attr in ["src=\"http", "href=\"http", "href=\"//", "src=\"//", "url(", "@import", "<link", "<iframe"] {
        assert!(!html.contains(attr), "{name}: the page refers outside itself ({attr})");
    }
}

fn parse_probe(dom: &str, name: &str) -> Probe {
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| panic!("{name}: the probe did not run: {dom:.500}"));
    let encoded = &dom[start + "<pre id=\"probe\">".len()..];
    let encoded = &encoded[..encoded.find("</pre>").expect("closed")];
    let json: Value = serde_json::from_str(&percent_decode(encoded)).expect("the probe writes JSON");
    let strings =
        |v: &Value| v.as_array().expect("a list").iter().map(|x| x.as_str().unwrap_or("?").to_owned()).collect();
    let list = |key: &str| json[key].as_array().expect("a list").clone();
    Probe {
        errors: strings(&json["errors"]),
        figures: list("figures")
            .iter()
            .map(|f| {
                (f[0].as_str().unwrap_or("").to_owned(), f[1].as_f64().unwrap_or(0.0), f[2].as_f64().unwrap_or(0.0))
            })
            .collect(),
        metrics: list("metrics")
            .iter()
            .map(|m| {
                let s = |i: usize| m[i].as_str().unwrap_or("").to_owned();
                (s(0), s(1), s(2), s(3))
            })
            .collect(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("a percent escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The checks every page must pass; returns the metric paths seen, by source file.
fn check_page(dir: &Path, probe: &Probe, name: &str) -> BTreeMap<String, Vec<String>> {
    assert!(probe.errors.is_empty(), "{name}: errors in the browser: {:?}", probe.errors);
    let svgs = std::fs::read_dir(dir)
        .expect("listable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert_eq!(probe.figures.len(), svgs, "{name}: every SVG of the folder is a figure: {:?}", probe.figures);
    for (id, width, height) in &probe.figures {
        assert!(*width > 100.0 && *height > 100.0, "{name}: figure {id} is {width} x {height}");
    }
    assert!(!probe.metrics.is_empty(), "{name}: no headline numbers");
    eprintln!("{name}: {} figures drawn, {} numbers checked against their summary.json", svgs, probe.metrics.len());
    let mut summaries: BTreeMap<String, Value> = BTreeMap::new();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, exact, source, shown) in &probe.metrics {
        let summary = summaries.entry(source.clone()).or_insert_with(|| {
            serde_json::from_str(&std::fs::read_to_string(dir.join(source)).expect("the source exists")).expect("JSON")
        });
        let expected =
            value_at(summary, path).and_then(Value::as_f64).unwrap_or_else(|| panic!("{name}: {path} not in {source}"));
        let exact: f64 = exact.parse().expect("data-value is a number");
        assert_eq!(exact, expected, "{name}: {path} in the DOM against {source}");
        assert_rounds_to(shown, expected, &format!("{name}: {path}"));
        seen.entry(source.clone()).or_default().push(path.clone());
    }
    seen
}

/// `shown` (with thousands separators) is `value` correctly rounded to the decimals it shows.
fn assert_rounds_to(shown: &str, value: f64, what: &str) {
    let digits = shown.replace(',', "");
    let number: f64 = digits.parse().unwrap_or_else(|_| panic!("{what}: {shown:?} is not a number"));
    let decimals = digits.split_once('.').map_or(0, |(_, f)| f.len());
    let half_unit = 0.5 * 10f64.powi(-(decimals as i32));
    assert!((number - value).abs() <= half_unit * (1.0 + 1e-9), "{what}: {shown} shown for {value}");
}

/// Runs `hemisim ARGS --out OUT`, which must succeed.
fn succeed(args: &[&str], out: &Path) {
    let out = hemisim(&[args, &["--out", out.to_str().expect("a UTF-8 path")]].concat());
    assert_eq!(out.status.code(), Some(0), "hemisim {args:?}: {}", text(&out.stderr));
}

#[test]
fn run_and_sweep_pages_load_cleanly_with_figures_and_the_summary_numbers() {
    let scratch = scratch_dir("report-html");
    let run_dir = scratch.join("run");
    succeed(&["run", "scenarios/quickstart.toml", "--set", "duration_s=14400", "--runs", "2"], &run_dir);
    let probe = load(&run_dir, &scratch, "run");
    let seen = check_page(&run_dir, &probe, "run page");
    let paths = &seen["summary.json"];
    for path in
        ["btc.stale_rate", "l2.tps", "pop.superfinality_latency_s.mean", "pop.superfinality_latency_expected_s.mean"]
    {
        assert!(paths.iter().any(|p| p == path), "the run page shows {path}: {paths:?}");
    }
    let figures: Vec<&str> = probe.figures.iter().map(|f| f.0.as_str()).collect();
    assert!(figures.contains(&"fig-pop_superfinality") && figures.contains(&"fig-block_intervals"), "{figures:?}");

    let sweep_dir = scratch.join("sweep");
    let grid = ["--grid", "l2.block_time_s=6,12", "--grid", "pop.keystone_interval_blocks=10,25,50"];
    succeed(&[&["sweep", "scenarios/quickstart.toml", "--set", "duration_s=7200"][..], &grid].concat(), &sweep_dir);
    let probe = load(&sweep_dir, &scratch, "sweep");
    let seen = check_page(&sweep_dir, &probe, "sweep page");
    assert_eq!(seen.len(), 6, "every cell's numbers, from its own summary.json: {:?}", seen.keys());
    let cell = seen.keys().next().expect("a cell").trim_end_matches("/summary.json").to_owned();
    let probe = load(&sweep_dir.join(&cell), &scratch, "cell");
    check_page(&sweep_dir.join(&cell), &probe, "cell page");
}

#[test]
fn the_page_is_the_same_bytes_for_the_same_seed_and_hemisim_report_rewrites_it() {
    let scratch = scratch_dir("report-cmd");
    let run = |name: &str| {
        let dir = scratch.join(name);
        succeed(&["run", "scenarios/quickstart.toml", "--set", "duration_s=3600"], &dir);
        dir
    };
    let (a, b) = (run("a"), run("b"));
    let page = |dir: &Path| std::fs::read(dir.join("report.html")).expect("every run writes report.html");
    assert_eq!(page(&a), page(&b), "same seed, same page, wherever it is written");
    let scenario = std::fs::read_to_string(a.join("scenario.toml")).expect("every run writes scenario.toml");
    assert!(
        scenario.contains("# replay: hemisim run scenarios/quickstart.toml --seed 1 --set duration_s=3600\n"),
        "{scenario}"
    );
    let manifest = std::fs::read_to_string(a.join("manifest.json")).expect("written");
    assert!(manifest.contains("\"report.html\"") && manifest.contains("\"scenario.toml\""), "{manifest}");

    // `hemisim report` writes the same page again, and leaves the manifest as it was.
    std::fs::remove_file(a.join("report.html")).expect("there");
    let out = hemisim(&["report", a.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("wrote 1 page: "), "{}", text(&out.stdout));
    assert_eq!(page(&a), page(&b));
    assert_eq!(std::fs::read_to_string(a.join("manifest.json")).expect("there"), manifest);

    // Anything else is refused in one line naming the folder.
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).expect("writable");
    let line = refused_line(&hemisim(&["report", empty.to_str().expect("utf-8")]), "report on an empty folder");
    assert!(line.contains("DIR") && line.contains("not a hemisim output folder"), "{line}");
    let line = refused_line(&hemisim(&["report", "scenarios/quickstart.toml"]), "report on a file");
    assert!(line.contains("scenarios/quickstart.toml: not a folder"), "{line}");
}
