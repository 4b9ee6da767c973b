//! `hemisim baseline refresh|check` through the real binary: fresh baselines check as identical,
//! a changed CI scenario is a regression (exit 5, named), the shipped reports/baselines/ match
//! this build, and a bad ci.toml is one line with exit code 2.

mod common;

use common::*;
use std::path::Path;
use std::process::Output;

fn baseline(args: &[&str]) -> Output {
    let mut all = vec!["baseline"];
    all.extend_from_slice(args);
    hemisim(&all)
}

/// A ci.toml with one quick PoP scenario (the quickstart, 6 hours, one run: about a second).
fn ci_toml(extra_set: &str) -> String {
    format!(
        "[[baseline]]\nname = \"quick\"\nscenario = \"scenarios/quickstart.toml\"\nset = [\"duration_s=21600\"{extra_set}]\n"
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fresh_baselines_check_identical_and_a_longer_keystone_interval_regresses() {
    let dir = scratch_dir("baseline");
    let (baselines, out) = (dir.join("baselines"), dir.join("out"));
    std::fs::create_dir_all(&baselines).expect("writable");
    std::fs::write(baselines.join("ci.toml"), ci_toml("")).expect("writable");
    let dir_arg = baselines.to_str().expect("utf-8");

    let refreshed = baseline(&["refresh", "--dir", dir_arg]);
    assert_eq!(refreshed.status.code(), Some(0), "{}", text(&refreshed.stderr));
    let quick = baselines.join("quick");
    let mut files: Vec<String> = std::fs::read_dir(&quick)
        .expect("a baseline folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["command.txt", "manifest.json", "summary.json"]);
    assert_eq!(read(&quick.join("command.txt")), "hemisim run scenarios/quickstart.toml --set duration_s=21600\n");
    let summary: serde_json::Value = serde_json::from_str(&read(&quick.join("summary.json"))).expect("JSON");
    assert_eq!(summary["wall_time_s"], 0.0);
    assert_eq!(summary["perf"]["events_per_wall_second"], serde_json::Value::Null);
    // Nothing changed: a second refresh rewrites the same bytes.
    let before = read(&quick.join("summary.json"));
    assert_eq!(baseline(&["refresh", "--dir", dir_arg]).status.code(), Some(0));
    assert_eq!(read(&quick.join("summary.json")), before);

    let out_arg = out.to_str().expect("utf-8");
    let same = baseline(&["check", "--dir", dir_arg, "--out", out_arg]);
    let stdout = text(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{stdout}{}", text(&same.stderr));
    assert!(stdout.contains("identical: same trace hash"), "{stdout}");
    assert!(stdout.contains("baseline check: 1 baseline checked, none regressed"), "{stdout}");
    // The baseline's summary is the run's, digit for digit, but for the wall-clock figures.
    let deterministic = |path: &Path| read(path).lines().filter(|l| !l.contains("wall")).collect::<Vec<_>>().join("\n");
    assert_eq!(deterministic(&quick.join("summary.json")), deterministic(&out.join("quick").join("summary.json")));
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("quick.compare.json"))).expect("JSON");
    assert_eq!(json["identical"], true);
    assert!(read(&out.join("quick.junit.xml")).contains("failures=\"0\""));

    // The CI scenario changed: half as many keystones slow superfinality.
    std::fs::write(baselines.join("ci.toml"), ci_toml(", \"pop.keystone_interval_blocks=50\"")).expect("writable");
    let worse = baseline(&["check", "--dir", dir_arg, "--out", out_arg]);
    let (stdout, stderr) = (text(&worse.stdout), text(&worse.stderr));
    assert_eq!(worse.status.code(), Some(5), "{stdout}{stderr}");
    assert!(stderr.contains("pop.superfinality_latency_s.mean"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().last(), Some("baseline check: regressed: quick"), "{stderr}");
    assert!(read(&out.join("quick.junit.xml")).contains("<failure message=\"regressed"));
    // A tolerances file wide enough for the change lets it pass.
    std::fs::write(
        dir.join("wide.toml"),
        "\"pop.superfinality_latency_s.mean\" = 50\n\"pop.superfinality_latency_s.p95\" = 50\n",
    )
    .expect("writable");
    let wide = dir.join("wide.toml");
    let tolerant =
        baseline(&["check", "--dir", dir_arg, "--out", out_arg, "--tolerances", wide.to_str().expect("utf-8")]);
    assert_eq!(tolerant.status.code(), Some(0), "{}{}", text(&tolerant.stdout), text(&tolerant.stderr));

    // A refresh whose run fails replaces nothing.
    std::fs::write(baselines.join("ci.toml"), ci_toml(", \"pop.no_such_key=1\"")).expect("writable");
    let failed = baseline(&["refresh", "--dir", dir_arg]);
    assert_eq!(failed.status.code(), Some(2), "{}", text(&failed.stderr));
    assert!(text(&failed.stderr).contains("left as it was"), "{}", text(&failed.stderr));
    assert_eq!(read(&quick.join("summary.json")), before);
}

#[test]
fn the_shipped_baselines_match_this_build() {
    let out = scratch_dir("baseline-shipped");
    let check = baseline(&["check", "--out", out.to_str().expect("utf-8")]);
    let (stdout, stderr) = (text(&check.stdout), text(&check.stderr));
    assert_eq!(
        check.status.code(),
        Some(0),
        "reports/baselines/ is stale: run `hemisim baseline refresh` if the change is meant\n{stdout}{stderr}"
    );
    let ci = read(&repo_root().join("reports/baselines/ci.toml"));
    let entries = ci.matches("[[baseline]]").count();
    assert!(entries >= 3, "{ci}");
    assert_eq!(stdout.matches("identical: same trace hash").count(), entries, "{stdout}");
}

/// Runs `hemisim baseline check` on a folder whose ci.toml is `ci`; returns its one error line.
fn refused(name: &str, ci: Option<&str>) -> String {
    let dir = scratch_dir(name);
    if let Some(ci) = ci {
        std::fs::write(dir.join("ci.toml"), ci).expect("writable");
    }
    let out =
        baseline(&["check", "--dir", dir.to_str().expect("utf-8"), "--out", dir.join("out").to_str().expect("utf-8")]);
    refused_line(&out, "baseline check")
}

#[test]
fn a_bad_ci_file_or_a_missing_baseline_is_one_line_and_exit_2() {
    assert!(refused("baseline-none", None).contains("ci.toml: cannot read"));
    assert!(refused("baseline-empty", Some("")).contains("no [[baseline]] entries"));
    let unknown = refused("baseline-unknown", Some("[[baseline]]\nname = \"a\"\nscenario = \"x.toml\"\nrun = 2\n"));
    assert!(unknown.contains("unknown field `run`"), "{unknown}");
    let twice = ci_toml("") + &ci_toml("");
    assert!(refused("baseline-twice", Some(&twice)).contains("baseline name \"quick\" is given twice"));
    let bad_name = "[[baseline]]\nname = \"../x\"\nscenario = \"scenarios/quickstart.toml\"\n";
    assert!(refused("baseline-name", Some(bad_name)).contains("it names a folder"));
    // A CI scenario without its baseline folder, a bad tolerances file: said before anything runs.
    let missing = refused("baseline-missing", Some(&ci_toml("")));
    assert!(missing.contains("no baseline for CI scenario quick") && missing.contains("baseline refresh"), "{missing}");
    let with_tolerances = format!("tolerances = \"no-such.toml\"\n{}", ci_toml(""));
    let dir = scratch_dir("baseline-tolerances");
    std::fs::write(dir.join("ci.toml"), &with_tolerances).expect("writable");
    let made = baseline(&["refresh", "--dir", dir.to_str().expect("utf-8")]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let out =
        baseline(&["check", "--dir", dir.to_str().expect("utf-8"), "--out", dir.join("out").to_str().expect("utf-8")]);
    let line = refused_line(&out, "baseline check --tolerances");
    assert!(line.starts_with("error: --tolerances ") && line.contains("no-such.toml: cannot read"), "{line}");
    assert!(!dir.join("out").exists(), "nothing ran");
}

#[test]
fn baseline_help_names_the_files_and_exit_codes() {
    let help = baseline(&["--help"]);
    let stdout = text(&help.stdout);
    assert_eq!(help.status.code(), Some(0));
    for needle in ["reports/baselines/ci.toml", "command.txt", "refresh", "check"] {
        assert!(stdout.contains(needle), "{needle} missing from:\n{stdout}");
    }
    let check = text(&baseline(&["check", "--help"]).stdout);
    assert!(check.contains("5 a baseline regressed") && check.contains("--tolerances"), "{check}");
}
