//! What the command line says, and where: logs on stderr with -v, no colour codes in a pipe,
//! usage errors on one line, messages that match the rules they state, replay lines that name
//! the output folder, and refusals of ambiguous input (two seeds, two equal grid values).

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// A small Bitcoin network with an empty L2: each run takes a fraction of a second.
const SCENARIO: &str = "name = \"messages-test\"\nseed = 3\nduration_s = 1800\n\n[bitcoin]\nblock_interval_s = 120\nminers = 4\n\n[l2]\nblock_time_s = 12\n";

/// Runs the binary with RUST_LOG as given (or unset), stdout and stderr piped.
fn hemisim_with_log(rust_log: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hemisim"));
    command.args(args).current_dir(repo_root()).env_remove("RUST_LOG");
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    command.output().expect("the hemisim binary runs")
}

/// Runs `hemisim args` and checks the bad-input contract; returns the one line.
fn refused(args: &[&str]) -> String {
    refused_line(&hemisim(args), &format!("{args:?}"))
}

#[test]
fn verbose_flags_show_the_run_logs_on_stderr_without_colour_in_a_pipe() {
    let dir = scratch_dir("messages-logs");
    let scenario = scenario_file(&dir, "messages-test.toml", SCENARIO);
    let out = dir.join("out");
    let run = ["run", utf8(&scenario), "--out", utf8(&out)];

    let quiet = hemisim_with_log(None, &run);
    assert!(quiet.status.success() && quiet.stderr.is_empty(), "no logs by default: {}", text(&quiet.stderr));

    let info = hemisim_with_log(None, &[&["-v"][..], &run].concat());
    let stderr = text(&info.stderr);
    assert!(info.status.success(), "{stderr}");
    assert!(
        stderr.contains("INFO") && stderr.contains("seed 3: finished in") && stderr.contains("trace hash"),
        "-v shows the run's info logs: {stderr}"
    );
    assert!(!stderr.contains("DEBUG"), "-v stops at info: {stderr}");
    assert!(!text(&info.stdout).contains("INFO"), "logs go to stderr only");

    let debug = hemisim_with_log(None, &[&run[..], &["-vv"]].concat());
    assert!(
        text(&debug.stderr).contains("DEBUG") && text(&debug.stderr).contains("resolved scenario"),
        "{}",
        text(&debug.stderr)
    );

    for output in [&info, &debug, &hemisim_with_log(Some("debug"), &run)] {
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(!stderr.contains('\u{1b}') && !stdout.contains('\u{1b}'), "no ANSI escapes in a pipe: {stderr:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn usage_errors_are_one_line_with_exit_2_and_help_stays_rich() {
    let unknown = refused(&["run", "scenarios/quickstart.toml", "--bogus"]);
    assert!(unknown.contains("unexpected argument '--bogus'") && unknown.contains("Usage: hemisim run"), "{unknown}");
    let missing = refused(&["run"]);
    assert!(missing.contains("required arguments were not provided: <SCENARIO>"), "{missing}");
    assert!(refused(&["frob"]).contains("unrecognized subcommand 'frob'"));
    assert!(
        refused(&["run", "scenarios/quickstart.toml", "--seed", "x"]).contains("invalid value 'x' for '--seed <SEED>'")
    );
    assert!(refused(&["sweep", "scenarios/quickstart.toml"]).contains("--grid"));

    let help = hemisim(&["run", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        text(&help.stdout).contains("Options:") && text(&help.stdout).lines().count() > 10,
        "--help keeps its full text"
    );
}

#[test]
fn messages_say_what_the_rules_are() {
    let confirmations = refused(&["run", "scenarios/tunnel-reorg.toml", "--set", "attack.confirmations=3"]);
    assert!(
        confirmations.contains("tunnel.deposit_confirmations + 3 confirmations"),
        "as scenarios/README.md and the summary count: {confirmations}"
    );

    let dir = scratch_dir("messages-range");
    let scenario = scenario_file(&dir, "messages-test.toml", SCENARIO);
    let huge = "99999999999999999999";
    let from_set = refused(&["run", utf8(&scenario), "--set", &format!("duration_s={huge}")]);
    assert_eq!(from_set, format!("error: --set duration_s: expected an integer in 1..=315360000, got {huge}"));
    let file = dir.join("huge.toml");
    std::fs::write(&file, SCENARIO.replace("duration_s = 1800", &format!("duration_s = {huge}")))
        .expect("temp dir is writable");
    let from_file = refused(&["run", utf8(&file)]);
    assert!(
        from_file.ends_with(&format!("huge.toml:3: duration_s: expected an integer in 1..=315360000, got {huge}")),
        "{from_file}"
    );
    assert!(!from_file.contains("i128"), "{from_file}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn seed_and_set_seed_together_are_refused_and_replay_lines_name_the_output_folder() {
    let dir = scratch_dir("messages-replay");
    let scenario = scenario_file(&dir, "messages-test.toml", SCENARIO);
    for command in [&["run", utf8(&scenario)][..], &["sweep", utf8(&scenario), "--grid", "bitcoin.miners=2,4"][..]] {
        let both = refused(&[command, &["--seed", "5", "--set", "seed=6"]].concat());
        assert_eq!(both, "error: --seed 5 and --set seed=6 both give the seed; give one of them");
    }

    let out = dir.join("run out");
    let run = hemisim(&["run", utf8(&scenario), "--set", "seed=6", "--out", utf8(&out), "--trace"]);
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", text(&run.stderr));
    let replay = format!("replay: hemisim run {} --seed 6 --out '{}' --trace", utf8(&scenario), utf8(&out));
    assert!(stdout.contains(&replay), "the seed once, the output folder quoted: {stdout}");

    let sweep_out = dir.join("sweep");
    let sweep = hemisim(&["sweep", utf8(&scenario), "--grid", "bitcoin.miners=4", "--out", utf8(&sweep_out)]);
    let stdout = text(&sweep.stdout);
    assert!(sweep.status.success(), "{stdout}{}", text(&sweep.stderr));
    assert!(stdout.contains("1 cell × 1 run = 1 run on 1 thread"), "no \"1 runs\": {stdout}");
    assert!(stdout.contains("(1 cell summary) to"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "replay: hemisim sweep {} --seed 3 --grid bitcoin.miners=4 --out {}",
            utf8(&scenario),
            utf8(&sweep_out)
        )),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn grid_values_that_are_one_setting_are_refused() {
    let dir = scratch_dir("messages-grid");
    let scenario = scenario_file(&dir, "messages-test.toml", SCENARIO);
    let out = dir.join("out");
    let same =
        refused(&["sweep", utf8(&scenario), "--grid", "bitcoin.block_interval_s=600,600.0", "--out", utf8(&out)]);
    assert_eq!(
        same,
        "error: --grid bitcoin.block_interval_s: the values 600 and 600.0 are the same setting (their cells would run the same scenario); give it once"
    );
    assert!(!out.exists(), "nothing ran");
    let _ = std::fs::remove_dir_all(dir);
}

/// `verify` pointed at something near a run's output directory says which directory to give.
#[test]
fn verify_points_from_a_file_provenance_or_runs_folder_to_the_run_directory() {
    let dir = scratch_dir("messages-verify");
    let out = dir.join("treasury");
    let run =
        hemisim(&["run", "scenarios/treasury.toml", "--set", "duration_s=3600", "--runs", "2", "--out", utf8(&out)]);
    assert!(run.status.success(), "{}{}", text(&run.stdout), text(&run.stderr));
    let txid = "c7209771bbefa7efa6b901e689408c3d3c73da201282ca0039470fcbca0e42ed";
    let replication = out.join("runs").join("seed-1");
    let verify = |path: &Path| refused(&["verify", utf8(path), txid]);

    let shown = replication.display().to_string();
    for inside in [replication.join("tunnel.csv"), replication.join("provenance")] {
        let message = verify(&inside);
        assert!(
            message.ends_with(&format!("inside the output directory of a run; give that directory: {shown}")),
            "{message}"
        );
    }
    for runs in [out.clone(), out.join("runs")] {
        let message = verify(&runs);
        assert!(
            message.contains("replications of a --runs run")
                && message.contains(&format!("{}/seed-*/", out.join("runs").display())),
            "{message}"
        );
        assert!(message.contains(&format!("(e.g. {shown})")), "{message}");
    }
    // The folder it points to is the one verify reads (this txid was not minted there).
    assert!(verify(&replication).contains("was not minted in this run"));
    let _ = std::fs::remove_dir_all(dir);
}
