//! The output folder as a user meets it (issue 18, items 1-4): a reused folder holds only the
//! last run's files and `verify` tells a bundle of another run from a broken link; a closed pipe
//! keeps the run's exit code; a signal leaves no partial folder; a bad `--out` fails before
//! anything is simulated, and a folder that is not a hemisim output is never replaced.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A short quickstart (under a second of simulation): enough outputs, little time.
const SHORT: [&str; 2] = ["--set", "duration_s=3600"];
/// A fee spike over the whole run keeps every PoP fee above the cap: nothing is published, so no
/// block becomes superfinal, a liveness failure (exit 3) in a few seconds.
const LIVENESS_FAILURE: [&str; 9] = [
    "scenarios/fee-spike.toml",
    "--set",
    "duration_s=7200",
    "--set",
    "bitcoin.fee_spike.start_s=0",
    "--set",
    "bitcoin.fee_spike.duration_s=7200",
    "--set",
    "pop.superfinality_depth=1",
];

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `hemisim args... --out out` to completion; returns (exit code, stdout, stderr).
fn run_into(out: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.extend(["--out", path(out)]);
    let output = hemisim(&all);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned());
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().expect("exited, not killed"), stdout, stderr)
}

/// The names directly in `dir`, sorted (hidden ones too: staging folders would show here).
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("listable")
        .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("a manifest")).expect("JSON")
}

/// The manifest lists exactly the files present, besides itself.
fn assert_manifest_is_exact(dir: &Path) {
    let listed: Vec<String> = manifest(dir)["files"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f.as_str().expect("a name").to_owned())
        .collect();
    let present: Vec<String> = files(dir).into_iter().filter(|f| f != "manifest.json").collect();
    assert_eq!(listed, present, "manifest.json of {}", dir.display());
}

/// The txid of the first `mint` row of `dir`'s tunnel.csv.
fn first_minted_txid(dir: &Path) -> String {
    let csv = std::fs::read_to_string(dir.join("tunnel.csv")).expect("tunnel.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let (kind, txid) = (
        header.iter().position(|c| *c == "kind").expect("kind"),
        header.iter().position(|c| *c == "txid").expect("txid"),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[kind] == "mint")
        .map(|r| r[txid].to_owned())
        .expect("a mint")
}

/// Item 1, the repro: treasury seed 1, then seed 2 into the same folder, then `verify` of a
/// deposit only seed 1 minted. Its bundle is gone with the rest of seed 1's files, and a bundle
/// put back by hand is named as another run's, not as a broken link.
#[test]
fn a_reused_folder_holds_only_the_last_run_and_verify_names_a_bundle_of_another_run() {
    let root = scratch_dir("outputs-reused");
    let out = root.join("out-x");
    let treasury = ["run", "scenarios/treasury.toml", "--set", "duration_s=21600"];
    assert_eq!(run_into(&out, &treasury).0, 0);
    let txid = first_minted_txid(&out);
    let seed_1 = manifest(&out)["trace_hash"].as_str().expect("a hash").to_owned();
    let verify = |txid: &str| hemisim(&["verify", path(&out), txid]);
    let own = verify(&txid);
    let stdout = String::from_utf8_lossy(&own.stdout);
    assert_eq!(own.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&own.stderr));
    assert!(stdout.contains(&format!("run: seed 1, trace hash {seed_1}")), "{stdout}");
    let bundle = format!("provenance/deposits/{txid}.json");
    let kept = root.join("seed-1-bundle.json");
    std::fs::copy(out.join(&bundle), &kept).expect("copyable");

    assert_eq!(run_into(&out, &[&treasury[..], &["--seed", "2"]].concat()).0, 0);
    assert_manifest_is_exact(&out);
    assert_eq!(manifest(&out)["seed"], 2);
    let seed_2 = manifest(&out)["trace_hash"].as_str().expect("a hash").to_owned();
    assert!(!out.join(&bundle).exists(), "seed 1's bundle left beside seed 2's outputs");
    assert!(
        !std::fs::read_to_string(out.join("tunnel.csv")).expect("written").contains(&txid),
        "the deposit is seed 1's only"
    );
    let gone = verify(&txid);
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(gone.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("was not minted in this run") && !stderr.contains("broken"), "{stderr}");

    std::fs::copy(&kept, out.join(&bundle)).expect("copyable");
    let mixed = verify(&txid);
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is from another run") && stderr.contains(&seed_1) && stderr.contains(&seed_2), "{stderr}");
    assert!(!stderr.contains("broken") && stderr.trim_end().lines().count() == 1, "{stderr}");
    assert_eq!(entries(&root), ["out-x", "seed-1-bundle.json"], "no staging or old folder left");
    let _ = std::fs::remove_dir_all(root);
}

/// Item 1: a plain run, then `--runs 2` into the same folder: only the second's files.
#[test]
fn replications_into_a_plain_runs_folder_replace_it() {
    let root = scratch_dir("outputs-runs");
    let out = root.join("out");
    let quickstart = ["run", "scenarios/quickstart.toml", SHORT[0], SHORT[1]];
    assert_eq!(run_into(&out, &quickstart).0, 0);
    assert!(out.join("blocks.csv").exists());
    let (code, stdout, _) = run_into(&out, &[&quickstart[..], &["--seed", "4", "--runs", "2"]].concat());
    assert_eq!(code, 0, "{stdout}");
    let present = files(&out);
    assert!(
        present.contains(&"runs.csv".to_owned()) && present.iter().any(|f| f.starts_with("runs/seed-4/")),
        "{present:?}"
    );
    assert!(
        !present.iter().any(|f| f == "blocks.csv" || f == "keystones.csv"),
        "the first run's CSVs are left: {present:?}"
    );
    assert_manifest_is_exact(&out);
    let listed = manifest(&out);
    let dirs: Vec<&str> =
        listed["runs"].as_array().expect("runs").iter().map(|r| r["dir"].as_str().expect("a dir")).collect();
    assert_eq!(dirs.len(), 2);
    assert!(dirs.iter().all(|d| d.starts_with("runs/seed-")), "{dirs:?}");
    assert!(stdout.contains(&format!("wrote {} files to", present.len() - 1)), "{stdout}");
    assert_eq!(entries(&root), ["out"]);
    let _ = std::fs::remove_dir_all(root);
}

/// Starts `hemisim args...`, drops the read ends of its stdout (and stderr, when asked) at once,
/// and waits.
fn with_closed_pipes(args: &[&str], close_stderr: bool) -> ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hemisim"))
        .args(args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(if close_stderr { Stdio::piped() } else { Stdio::null() })
        .spawn()
        .expect("the hemisim binary runs");
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().expect("waitable")
}

/// Item 2: `hemisim ... | head -1` keeps the run's own exit code (it panicked with 101).
#[test]
fn a_closed_pipe_keeps_the_exit_code() {
    let root = scratch_dir("outputs-pipe");
    let ok = root.join("ok");
    let status =
        with_closed_pipes(&["run", "scenarios/quickstart.toml", SHORT[0], SHORT[1], "--out", path(&ok)], false);
    assert_eq!(status.code(), Some(0), "{status}");
    assert_manifest_is_exact(&ok);
    let failing = root.join("liveness");
    let status = with_closed_pipes(&[&["run"], &LIVENESS_FAILURE[..], &["--out", path(&failing)]].concat(), true);
    assert_eq!(status.code(), Some(3), "a liveness failure must reach CI through a closed pipe: {status}");
    let sweep = root.join("sweep");
    let status = with_closed_pipes(
        &[
            "sweep",
            "scenarios/quickstart.toml",
            SHORT[0],
            SHORT[1],
            "--grid",
            "bitcoin.miners=4,8",
            "--out",
            path(&sweep),
        ],
        true,
    );
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(sweep.join("sweep.json").exists());
    let verify = with_closed_pipes(&["verify", path(&ok), &"ab".repeat(32)], true);
    assert_eq!(verify.code(), Some(2), "{verify}");
    let _ = std::fs::remove_dir_all(root);
}

/// Sends `signal` to a running child with the `kill` command.
fn send(child: &Child, signal: &str) {
    let status =
        Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -{signal} failed");
}

/// Item 3: SIGTERM and SIGINT in the middle of a run leave the folder as it was (here: a
/// previous run's complete outputs), no temporary beside it, and exit 143 and 130.
#[test]
fn a_signal_mid_run_leaves_the_previous_folder_whole_and_no_temporaries() {
    let root = scratch_dir("outputs-signal");
    let out = root.join("out");
    assert_eq!(run_into(&out, &["run", "scenarios/quickstart.toml", SHORT[0], SHORT[1]]).0, 0);
    let before = files(&out);
    let manifest_before = manifest(&out);
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        // The whole quickstart with its trace: several seconds of simulation and a growing file.
        let child = Command::new(env!("CARGO_BIN_EXE_hemisim"))
            .args(["run", "scenarios/quickstart.toml", "--seed", "9", "--trace", "--out", path(&out)])
            .current_dir(repo_root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the hemisim binary runs");
        std::thread::sleep(Duration::from_millis(1500));
        assert!(entries(&root).len() == 2, "the run is staging beside the folder: {:?}", entries(&root));
        send(&child, signal);
        let output = child.wait_with_output().expect("waitable");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted (SIG{signal})")) && stderr.contains("left as it was"),
            "{stderr}"
        );
        assert_eq!(entries(&root), ["out"], "no staging folder or temporary left after SIG{signal}");
        assert_eq!(files(&out), before, "the previous outputs, whole");
        assert_eq!(manifest(&out), manifest_before);
    }
    let _ = std::fs::remove_dir_all(root);
}

/// Item 4: an `--out` that cannot be created fails at once (the simulation takes seconds), for a
/// run and for a sweep, with one line naming it; a folder that is not a hemisim output (or a
/// file) is refused, exit 2, and left untouched.
#[test]
fn a_bad_out_fails_before_simulating_and_a_foreign_folder_is_never_replaced() {
    let unwritable = Path::new("/proc/hemisim-test-out");
    for args in [
        vec!["run", "scenarios/quickstart.toml"],
        vec!["sweep", "scenarios/quickstart.toml", "--grid", "bitcoin.miners=4,8"],
    ] {
        let started = Instant::now();
        let (code, _, stderr) = run_into(unwritable, &args);
        let elapsed = started.elapsed();
        assert_eq!(code, 4, "{args:?}: {stderr}");
        assert!(elapsed < Duration::from_secs(5), "{args:?} took {elapsed:?}: it simulated first");
        assert!(
            stderr.starts_with("error: output folder /proc/hemisim-test-out: cannot create")
                && stderr.trim_end().lines().count() == 1,
            "{stderr}"
        );
    }

    let root = scratch_dir("outputs-foreign");
    let home = root.join("home");
    std::fs::create_dir_all(home.join("photos")).expect("writable");
    std::fs::write(home.join("notes.txt"), "mine").expect("writable");
    let started = Instant::now();
    let (code, _, stderr) = run_into(&home, &["run", "scenarios/quickstart.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        stderr.contains("not a hemisim output")
            && stderr.contains("refusing to replace it")
            && stderr.trim_end().lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(entries(&home), ["notes.txt", "photos"]);
    assert_eq!(std::fs::read_to_string(home.join("notes.txt")).expect("kept"), "mine");
    let (code, _, stderr) =
        run_into(&home.join("notes.txt"), &["sweep", "scenarios/quickstart.toml", "--grid", "bitcoin.miners=4,8"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a folder"), "{stderr}");
    assert_eq!(entries(&root), ["home"], "nothing staged beside a refused folder");
    let _ = std::fs::remove_dir_all(root);
}
