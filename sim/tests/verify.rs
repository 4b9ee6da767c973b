//! `hemisim verify` end to end: run the treasury scenario, pick a minted deposit from tunnel.csv,
//! verify its chain of trust (exit 0), then tamper copies of its provenance files, one link at a
//! time, and expect exit 1 naming that link; unreadable input is exit 2.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The txid of the first `mint` row of the run's tunnel.csv.
fn first_minted_txid(out: &Path) -> String {
    let csv = std::fs::read_to_string(out.join("tunnel.csv")).expect("the run wrote tunnel.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header row").split(',').collect();
    let column = |name: &str| {
        header.iter().position(|c| *c == name).unwrap_or_else(|| panic!("tunnel.csv has no {name} column"))
    };
    let (kind, txid) = (column("kind"), column("txid"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|row| row.get(kind) == Some(&"mint"))
        .map(|row| row[txid].to_owned())
        .expect("the treasury run mints deposits")
}

/// Runs `hemisim verify <dir> <txid>`: (exit code, stdout, stderr).
fn verify(dir: &Path, txid: &str) -> (i32, String, String) {
    let out = hemisim(&["verify", dir.to_str().expect("utf-8 path"), txid]);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().expect("exited"), stdout, stderr)
}

/// A copy of the run's provenance files for `txid` in a fresh directory, tampered by `tamper`
/// (which edits the headers file's lines and the bundle's JSON).
fn tampered_copy(run: &Path, txid: &str, name: &str, tamper: impl FnOnce(&mut Vec<String>, &mut Value)) -> PathBuf {
    let dir = scratch_dir(&format!("verify-tamper-{name}"));
    let bundle_rel = format!("provenance/deposits/{txid}.json");
    let mut headers: Vec<String> = std::fs::read_to_string(run.join("provenance/bitcoin_headers.txt"))
        .expect("written")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join(&bundle_rel)).expect("written")).expect("JSON");
    tamper(&mut headers, &mut bundle);
    std::fs::create_dir_all(dir.join("provenance/deposits")).expect("writable");
    std::fs::write(dir.join("provenance/bitcoin_headers.txt"), headers.join("\n") + "\n").expect("writable");
    std::fs::write(dir.join(&bundle_rel), serde_json::to_string_pretty(&bundle).expect("JSON")).expect("writable");
    dir
}

/// Flips the lowest bit of the hex digit at `at` (from the end when negative) of a JSON string.
fn flip(value: &mut Value, at: isize) {
    let Value::String(hex) = value else { panic!("not a string: {value}") };
    let i = if at < 0 { hex.len() - at.unsigned_abs() } else { at as usize };
    let digit = u8::from_str_radix(&hex[i..=i], 16).expect("a hex digit") ^ 1;
    hex.replace_range(i..=i, &format!("{digit:x}"));
}

/// Edits a copy's headers file lines and bundle JSON.
type Tamper = dyn FnOnce(&mut Vec<String>, &mut Value);

#[test]
fn a_treasury_deposit_verifies_and_each_tampered_link_is_named() {
    let run = scratch_dir("verify-run");
    let out = hemisim(&["run", "scenarios/treasury.toml", "--out", run.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let txid = first_minted_txid(&run);

    let (code, stdout, stderr) = verify(&run, &txid);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for expected in [
        " 1. ✓ Bitcoin headers",
        " 2. ✓ lock transaction",
        " 3. ✓ minting L2 block",
        " 4. ✓ anchor",
        "superfinal",
        "verified: ",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }

    let cases: Vec<(&str, &str, Box<Tamper>)> = vec![
        (
            "header",
            "link 1 (Bitcoin headers)",
            Box::new(|h, b| {
                let height = b["deposit"]["btc_height"].as_u64().expect("a height") as usize;
                let mut line = Value::String(h[height].clone());
                flip(&mut line, 80);
                h[height] = line.as_str().expect("a string").to_owned();
            }),
        ),
        ("deposit-tx", "link 2 (lock transaction)", Box::new(|_, b| flip(&mut b["deposit"]["tx_hex"], -1))),
        (
            "deposit-proof",
            "link 2 (lock transaction)",
            Box::new(|_, b| flip(&mut b["deposit"]["merkle_block_hex"], 175)),
        ),
        ("l2-header", "link 3 (minting L2 block)", Box::new(|_, b| flip(&mut b["minting_block"]["header_hex"], 200))),
        (
            "mint",
            "link 3 (minting L2 block)",
            Box::new(|_, b| {
                let position = b["minting_block"]["mint_position"].as_u64().expect("a position") as usize;
                let amount = &mut b["minting_block"]["mints"][position]["amount_sats"];
                *amount = Value::from(amount.as_u64().expect("an amount") + 1);
            }),
        ),
        (
            "intermediate-l2-header",
            "link 4 (anchor)",
            Box::new(|_, b| {
                let chain = b["anchor"]["l2_headers_hex"].as_array_mut().expect("a covering keystone");
                let below_keystone = chain.len().saturating_sub(2);
                flip(&mut chain[below_keystone], 130);
            }),
        ),
        (
            "pop-tx",
            "link 4 (anchor)",
            Box::new(|_, b| {
                let tx = &mut b["anchor"]["pop"]["tx_hex"];
                let payload = tx.as_str().expect("hex").find("48454d49").expect("a HEMI payload");
                flip(tx, (payload + 100) as isize);
            }),
        ),
        ("pop-proof", "link 4 (anchor)", Box::new(|_, b| flip(&mut b["anchor"]["pop"]["merkle_block_hex"], 175))),
    ];
    for (name, link, tamper) in cases {
        let dir = tampered_copy(&run, &txid, name, tamper);
        let (code, stdout, stderr) = verify(&dir, &txid);
        assert_eq!(code, 1, "{name}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("error: {link}: ")) && stdout.contains(&format!("broken: {link}")),
            "{name}: {stdout}{stderr}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    let malformed =
        tampered_copy(&run, &txid, "json", |_, b| b["minting_block"]["header_hex"] = Value::from("not hex"));
    let (code, _, stderr) = verify(&malformed, &txid);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("minting_block.header_hex"), "{stderr}");
    let (code, _, stderr) = verify(&run, &"0".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("tunnel.csv"), "{stderr}");
    let _ = std::fs::remove_dir_all(malformed);
    let _ = std::fs::remove_dir_all(run);
}

#[test]
fn verify_teaches_its_checks_and_refuses_bad_input_with_exit_code_2() {
    let help = String::from_utf8_lossy(&hemisim(&["verify", "--help"]).stdout).into_owned();
    for expected in ["tunnel.csv", "Exit codes", "merkle", "superfinal", "link 2 (lock transaction)"] {
        assert!(help.contains(expected), "verify --help lacks {expected:?}:\n{help}");
    }
    let dir = scratch_dir("verify-bad-input");
    let (code, _, stderr) = verify(&dir.join("missing"), &"ab".repeat(32));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no such output directory"), "{stderr}");
    let (code, _, stderr) = verify(&dir, &"ab".repeat(32));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("provenance"), "{stderr}");
    let (code, _, stderr) = verify(&dir, "not-a-txid");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
