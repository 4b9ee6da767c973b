//! The command line as a user meets it: help that teaches, and bad input that gets one clear
//! line and exit code 2 — never a panic or a backtrace.

mod common;

use common::*;
use std::path::Path;

/// Runs `hemisim run <file> <extra>` and checks the bad-input contract; returns the message.
fn bad_input(file: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", file.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    refused_line(&hemisim(&args), &format!("{args:?}"))
}

#[test]
fn bad_scenarios_and_overrides_get_one_line_and_exit_code_2() {
    let dir = scratch_dir("bad-input");
    let base = "name = \"t\"\nseed = 1\nduration_s = 3600\n[bitcoin]\n";
    let unknown = scenario_file(&dir, "unknown.toml", &format!("{base}minerz = 3\n"));
    assert!(bad_input(&unknown, &[]).contains("unknown.toml:5: bitcoin.minerz: unknown key"));
    let wrong_type = scenario_file(&dir, "type.toml", &format!("{base}miners = \"eight\"\n"));
    assert!(bad_input(&wrong_type, &[]).contains("type.toml:5: bitcoin.miners: expected an integer"));
    let malformed = scenario_file(&dir, "malformed.toml", &format!("{base}miners = = 3\n"));
    assert!(bad_input(&malformed, &[]).contains("malformed.toml:5"));
    let good = scenario_file(&dir, "good.toml", base);
    assert!(
        bad_input(&good, &["--set", "bitcoin.miners=0"])
            .contains("--set bitcoin.miners: expected an integer in 1..=1000, got 0")
    );
    assert!(bad_input(&good, &["--set", "bitcoin.miners"]).contains("expected KEY=VALUE"));
    assert!(bad_input(&good, &["--set", "bitcoin.nope=1"]).contains("unknown key"));
    assert!(bad_input(&dir.join("missing.toml"), &[]).contains("cannot read the scenario file"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_ethereum_tables_get_one_line_and_exit_code_2() {
    let dir = scratch_dir("bad-ethereum");
    let base = "name = \"t\"\nseed = 1\nduration_s = 3600\n[bitcoin]\n";
    let no_l2 = scenario_file(&dir, "no-l2.toml", &format!("{base}[ethereum]\n"));
    let message = bad_input(&no_l2, &[]);
    assert!(message.contains("no-l2.toml"), "{message}");
    assert!(
        message.ends_with(": ethereum: expected an [l2] table: Ethereum is the L2's settlement layer"),
        "{message}"
    );
    let good = scenario_file(&dir, "good.toml", &format!("{base}[l2]\n[ethereum]\n"));
    assert!(
        bad_input(&good, &["--set", "ethereum.missed_slot_rate=1.5"])
            .contains("--set ethereum.missed_slot_rate: expected a finite number in [0, 0.99], got 1.5")
    );
    assert!(
        bad_input(&good, &["--set", "ethereum.slot_s=0"])
            .contains("--set ethereum.slot_s: expected an integer in 1..=3600, got 0")
    );
    // Fast slots and slow links: every batch the batcher closes at its safety margin would land
    // after its sequencing window (swarm world 105 drew one); refused, naming what to change.
    let slow = bad_input(
        &good,
        &["--set", "ethereum.slot_s=3", "--set", "l2.block_time_s=3", "--set", "bitcoin.propagation_delay_ms=15000"],
    );
    assert!(
        slow.contains(
            "ethereum.slot_s: expected slots long enough for a batch to land within the batcher's safety margin (10 slots, 30 s here): a batch closed at the margin needs up to 39.0 s"
        ) && slow.ends_with("raise ethereum.slot_s or lower the propagation delay, got 3"),
        "{slow}"
    );
    assert_eq!(
        hemisim(&[
            "run",
            good.to_str().expect("utf-8"),
            "--set",
            "ethereum.slot_s=3",
            "--set",
            "l2.block_time_s=3",
            "--set",
            "duration_s=60",
            "--out",
            dir.join("fast-slots").to_str().expect("utf-8")
        ])
        .status
        .code(),
        Some(0),
        "3 s slots with the default 2 s delay are fine"
    );
    let unknown = scenario_file(&dir, "unknown.toml", &format!("{base}[l2]\n[ethereum]\nslot_ms = 12\n"));
    assert!(bad_input(&unknown, &[]).contains("unknown.toml:7: ethereum.slot_ms: unknown key"));
    let wrong_type = scenario_file(&dir, "type.toml", &format!("{base}[l2]\n[ethereum]\nbatcher_enabled = \"yes\"\n"));
    assert!(
        bad_input(&wrong_type, &[])
            .contains("type.toml:7: ethereum.batcher_enabled: expected true or false, got \"yes\"")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_teaches_the_commands_and_exit_codes() {
    let top = String::from_utf8_lossy(&hemisim(&["--help"]).stdout).into_owned();
    assert!(top.contains("run") && top.contains("Exit codes"), "{top}");
    let run = String::from_utf8_lossy(&hemisim(&["run", "--help"]).stdout).into_owned();
    for flag in ["--seed", "--set", "--runs", "--jobs", "--out", "--trace"] {
        assert!(run.contains(flag), "run --help lacks {flag}: {run}");
    }
}

#[test]
fn a_run_prints_seed_hashes_and_a_replay_line() {
    let dir = scratch_dir("replay-line");
    let out = hemisim(&[
        "run",
        "scenarios/quickstart.toml",
        "--seed",
        "3",
        "--set",
        "duration_s=7200",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("seed 3") && stdout.contains("scenario hash ") && stdout.contains("trace hash "),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay: hemisim run scenarios/quickstart.toml --seed 3 --set duration_s=7200"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `hemisim keystone`: Hemi's test keystone 1 encodes to docs/protocol.md §3's vector, and decodes back
/// from its script and from a transaction carrying it; anything else is one clear error.
#[test]
fn keystone_tool_encodes_hemi_vectors_and_decodes_scripts_and_transactions() {
    let vector = "0100002711000000199dcf97a184f32623d11a736e340b9cffb37a989ca544e675c8fd04ad916aec3e3d5cb76a452b116b3d4d0912a0a485e9fb8e3d240e210c4bf5122f344554c53bde2ebb";
    let hash = "c1d7ee497897038a7756fe4c77daf78b40ddbb3b0f1659b261e5774984c583d6";
    let out = hemisim(&[
        "keystone",
        "encode",
        "--l1-block",
        "10001",
        "--l2-block",
        "25",
        "--parent-hash",
        "9dcf97a184f32623d11a73124ceb99a5709b083721e878a16d78f596718ba7b2",
        "--prev-keystone-hash",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "--state-root",
        "75c8fd04ad916aec3e3d5cb76a452b116b3d4d0912a0a485e9fb8e3d240e210c",
        "--block-hash",
        "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && stdout.contains(vector) && stdout.contains(hash), "{stdout}");
    let script = format!("6a4c5048454d49{vector}");
    assert!(stdout.contains(&script), "{stdout}");

    let decoded = String::from_utf8_lossy(&hemisim(&["keystone", "decode", &script]).stdout).into_owned();
    assert!(decoded.contains("L2 block number:    25") && decoded.contains(hash), "{decoded}");

    // A version-2 transaction with one input and the PoP output, serialised as a node would.
    let pop_script = bitcoin::ScriptBuf::from_bytes(bitcoin::hex::FromHex::from_hex(&script).expect("hex"));
    let tx = bitcoin::Transaction {
        version: bitcoin::transaction::Version::TWO,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: vec![bitcoin::TxIn {
            previous_output: bitcoin::OutPoint { txid: bitcoin::hashes::Hash::from_byte_array([1; 32]), vout: 0 },
            ..Default::default()
        }],
        output: vec![bitcoin::TxOut { value: bitcoin::Amount::ZERO, script_pubkey: pop_script }],
    };
    let from_tx = hemisim(&["keystone", "decode", &bitcoin::consensus::encode::serialize_hex(&tx)]);
    let text = String::from_utf8_lossy(&from_tx.stdout).into_owned();
    assert!(
        from_tx.status.success() && text.starts_with("source:             transaction ") && text.contains(hash),
        "{text}{}",
        String::from_utf8_lossy(&from_tx.stderr)
    );

    for bad in ["6a0548454d5802", "zz", "0200000000"] {
        let out = hemisim(&["keystone", "decode", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{bad}: {stderr}");
        if bad == "0200000000" {
            assert!(stderr.contains("ends too early"), "a truncated transaction should say so: {stderr}");
        }
    }
}
