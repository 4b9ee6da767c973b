//! Provenance on the synthetic run of [`super::fixture`]: a correct bundle verifies; tampering
//! any link's bytes breaks that link, by name; what cannot be checked yet is incomplete, not
//! broken; and no flipped hex digit anywhere makes verification panic or pass.

use super::bundle::DepositBundle;
use super::files::headers_text;
use super::fixture::{DEPOSIT_SATS, Fixture, INTERVAL, MINTING};
use super::{BadInput, Link, Mark, Provenance, Report, RunRef, Verdict, build, keystone_of, load, verify, write};
use bitcoin::Txid;
use hemisim_node::units::L2Number;

/// The default run: keystone 10 (covering block 7) published at height 9, tip 13.
fn superfinal_run() -> (Fixture, Provenance) {
    let fixture = Fixture::new(&[(10, 9)]);
    let provenance = build(&fixture.input(Some(INTERVAL), 3));
    (fixture, provenance)
}

fn check(headers: &str, bundle: &DepositBundle, txid: &Txid) -> Result<Report, BadInput> {
    verify(headers, &serde_json::to_string(bundle).expect("serialisable"), txid)
}

/// Flips the lowest bit of the hex digit at `at` (from the end when negative): still hex.
fn flip(hex: &mut String, at: isize) {
    let i = if at < 0 { hex.len() - at.unsigned_abs() } else { at as usize };
    let digit = u8::from_str_radix(&hex[i..=i], 16).expect("a hex digit") ^ 1;
    hex.replace_range(i..=i, &format!("{digit:x}"));
}

fn broken_link(report: &Report) -> Option<Link> {
    match &report.verdict {
        Verdict::Broken { link, .. } => Some(*link),
        _ => None,
    }
}

#[test]
fn a_correct_bundle_verifies_every_link_and_superfinality() {
    let (fixture, provenance) = superfinal_run();
    let bundle = &provenance.deposits[&fixture.deposit_txid];
    let report = check(&headers_text(&provenance.headers), bundle, &fixture.deposit_txid).expect("good input");
    assert_eq!(report.verdict, Verdict::Verified, "{report}");
    assert_eq!(report.lines.iter().map(|(l, m, _)| (*l, *m)).collect::<Vec<_>>(), Link::ALL.map(|l| (l, Mark::Holds)));
    let text = report.to_string();
    for expected in [
        "heights 0..=13",
        "deposit of 2.00000000 BTC (output 0)",
        "at height 1; 13 confirmations",
        "L2 #7 hash",
        "gave 5 confirmations",
        "L2 #7 chains by parent hash to keystone block #10 (headers #5..=#10)",
        "prev-keystone L2 #5",
        "at height 9; 5 confirmations, superfinal",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    // The anchor's chain starts at the previous keystone block (5), below the minting block.
    assert_eq!(bundle.anchor.as_ref().expect("anchored").l2_headers_hex.len(), 6);
    assert_eq!(provenance.headers.len(), 14);
}

#[test]
fn keystones_rebuilt_from_headers_are_the_sequencers() {
    let fixture = Fixture::new(&[]);
    for made in &fixture.keystones {
        let n = made.l2_number().0;
        let prev = if n == u64::from(INTERVAL) {
            fixture.l2_genesis_hash
        } else {
            fixture.history.header(L2Number(n - u64::from(INTERVAL))).expect("produced").hash()
        };
        assert_eq!(keystone_of(fixture.history.header(L2Number(n)).expect("produced"), prev), made.keystone);
    }
    assert_eq!(fixture.keystones.len(), 3);
}

#[test]
fn files_round_trip_through_write_and_load() {
    let (fixture, provenance) = superfinal_run();
    let dir = std::env::temp_dir().join(format!("hemisim-provenance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = RunRef { seed: 5, trace_hash: "ab".repeat(32) };
    let written = write(&dir, &provenance, &run).expect("temp dir is writable");
    let names: Vec<String> =
        written.iter().map(|p| p.strip_prefix(&dir).expect("inside").display().to_string()).collect();
    let mut expected = vec!["provenance/bitcoin_headers.txt".to_owned()];
    expected.extend([fixture.deposit_txid, fixture.phantom_txid].map(|t| format!("provenance/deposits/{t}.json")));
    expected.sort();
    assert_eq!(names, expected);
    let (headers, bundle) = load(&dir, &fixture.deposit_txid).expect("just written");
    assert_eq!(headers.lines().count(), 14);
    let stamped: DepositBundle = serde_json::from_str(&bundle).expect("a bundle");
    assert_eq!(stamped.run, Some(run), "each bundle names the run that wrote it");
    assert_eq!(verify(&headers, &bundle, &fixture.deposit_txid).expect("good input").verdict, Verdict::Verified);
    let unknown = Txid::from_raw_hash(bitcoin::hashes::Hash::all_zeros());
    assert!(load(&dir, &unknown).expect_err("not minted").0.contains("tunnel.csv"));
    assert!(load(&dir.join("nope"), &unknown).expect_err("no dir").0.contains("no such output directory"));
    let _ = std::fs::remove_dir_all(dir);
}

type Tamper = fn(&mut Vec<String>, &mut DepositBundle);

/// One tampering per link's data, and the link that must be named.
const TAMPERINGS: &[(&str, Link, Tamper)] = &[
    ("a Bitcoin header's merkle root", Link::Headers, |h, _| flip(&mut h[3], 80)),
    ("a Bitcoin header's target", Link::Headers, |h, _| flip(&mut h[5], 145)),
    ("a byte of the deposit transaction", Link::Lock, |_, b| {
        flip(&mut b.deposit.as_mut().expect("on chain").tx_hex, -1)
    }),
    ("the vault script", Link::Lock, |_, b| flip(&mut b.params.vault_script_hex, 10)),
    ("a hash in the deposit's merkle proof", Link::Lock, |_, b| {
        flip(&mut b.deposit.as_mut().expect("on chain").merkle_block_hex, 175)
    }),
    ("the header in the deposit's merkle proof", Link::Lock, |_, b| {
        flip(&mut b.deposit.as_mut().expect("on chain").merkle_block_hex, 10)
    }),
    ("the deposit's height", Link::Lock, |_, b| b.deposit.as_mut().expect("on chain").btc_height = 2),
    ("the minting header's transactions root", Link::Minting, |_, b| flip(&mut b.minting_block.header_hex, 200)),
    ("the minting header's Bitcoin tip height", Link::Minting, |_, b| {
        b.minting_block.header_hex.replace_range(320..328, "00000005")
    }),
    ("the mint's amount", Link::Minting, |_, b| b.minting_block.mints[1].amount_sats += 1),
    ("the mint's recipient", Link::Minting, |_, b| flip(&mut b.minting_block.mints[1].recipient, -1)),
    ("the mint's position", Link::Minting, |_, b| b.minting_block.mint_position = 0),
    ("a user transaction hash", Link::Minting, |_, b| flip(&mut b.minting_block.tx_hashes[0], 5)),
    ("the Bitcoin attributes", Link::Minting, |_, b| flip(&mut b.minting_block.attributes_hex, 5)),
    ("the minting header's gas used", Link::Anchor, |_, b| flip(&mut b.minting_block.header_hex, 127)),
    ("an intermediate L2 header", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").l2_headers_hex[3], 130)
    }),
    ("the previous keystone's L2 header", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").l2_headers_hex[0], 130)
    }),
    ("the keystone block's state root", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").l2_headers_hex[5], 130)
    }),
    ("the prev-keystone hash", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").prev_keystone_hash, 9)
    }),
    ("the keystone in the PoP transaction", Link::Anchor, |_, b| {
        let tx = &mut b.anchor.as_mut().expect("anchored").pop.tx_hex;
        let payload = tx.find("48454d49").expect("a HEMI payload");
        flip(tx, (payload + 100) as isize);
    }),
    ("a byte of the PoP transaction", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").pop.tx_hex, -1)
    }),
    ("a hash in the PoP merkle proof", Link::Anchor, |_, b| {
        flip(&mut b.anchor.as_mut().expect("anchored").pop.merkle_block_hex, 175)
    }),
    ("the PoP block's height", Link::Anchor, |_, b| b.anchor.as_mut().expect("anchored").pop.btc_height = 10),
];

#[test]
fn tampering_each_link_breaks_it_by_name() {
    let (fixture, provenance) = superfinal_run();
    let headers: Vec<String> = headers_text(&provenance.headers).lines().map(str::to_owned).collect();
    for (what, link, tamper) in TAMPERINGS {
        let (mut h, mut b) = (headers.clone(), provenance.deposits[&fixture.deposit_txid].clone());
        tamper(&mut h, &mut b);
        let report =
            check(&h.join("\n"), &b, &fixture.deposit_txid).unwrap_or_else(|e| panic!("{what}: bad input {e}"));
        assert_eq!(broken_link(&report), Some(*link), "{what}:\n{report}");
        assert!(report.to_string().contains(&format!("broken: {link}: ")), "{what}:\n{report}");
    }
}

#[test]
fn a_mint_whose_deposit_is_on_no_main_chain_block_is_unbacked() {
    let (fixture, provenance) = superfinal_run();
    let report =
        check(&headers_text(&provenance.headers), &provenance.deposits[&fixture.phantom_txid], &fixture.phantom_txid)
            .expect("good input");
    assert_eq!(broken_link(&report), Some(Link::Lock), "{report}");
    assert!(report.to_string().contains("unbacked"), "{report}");
}

/// Verifies the fixture's deposit with `publications`, `interval` and `depth`; returns the
/// verdict and the anchor's line.
fn anchor_of(publications: &[(u64, u32)], interval: Option<u32>, depth: u32) -> (Verdict, String) {
    let fixture = Fixture::new(publications);
    let provenance = build(&fixture.input(interval, depth));
    let report =
        check(&headers_text(&provenance.headers), &provenance.deposits[&fixture.deposit_txid], &fixture.deposit_txid)
            .expect("good input");
    let line = report.lines.last().map(|(_, _, t)| t.clone()).unwrap_or_default();
    (report.verdict, line)
}

#[test]
fn the_covering_keystone_is_the_lowest_superfinal_one_else_the_lowest_published() {
    // Keystone 10 published at 12 (1 block on top), keystone 15 at 10 (3 on top); 5 is below 7.
    let both = [(5, 9), (10, 12), (15, 10)];
    let (verdict, line) = anchor_of(&both, Some(INTERVAL), 3);
    assert_eq!(verdict, Verdict::Verified);
    assert!(
        line.contains(&format!("L2 #{MINTING} chains by parent hash to keystone block #15 (headers #{MINTING}..=#15)"))
            && line.contains("prev-keystone L2 #10"),
        "{line}"
    );
    let (verdict, line) = anchor_of(&both, Some(INTERVAL), 1);
    assert_eq!(verdict, Verdict::Verified);
    assert!(line.contains("keystone block #10") && line.contains("at height 12"), "{line}");
    let (verdict, line) = anchor_of(&both, Some(INTERVAL), 5);
    assert!(
        matches!(verdict, Verdict::Incomplete(ref why) if why.contains("1 blocks on top, superfinality needs 5")),
        "{verdict:?}"
    );
    assert!(line.contains("keystone block #10") && line.contains("not yet superfinal"), "{line}");
}

#[test]
fn without_a_published_keystone_or_without_pop_the_chain_is_incomplete_not_broken() {
    let (verdict, line) = anchor_of(&[(5, 9)], Some(INTERVAL), 3);
    assert!(
        matches!(verdict, Verdict::Incomplete(ref why) if why.contains("no keystone covering L2 #7")),
        "{verdict:?}"
    );
    assert!(line.contains("no keystone at or above L2 #7"), "{line}");
    let (verdict, _) = anchor_of(&[(10, 9)], None, 3);
    assert!(matches!(verdict, Verdict::Incomplete(ref why) if why.contains("no Proof-of-Proof")), "{verdict:?}");
}

/// A block whose carried Bitcoin tip was later reorged away still minted a deposit that is on
/// the main chain: reported, not failed. (Without PoP nothing else commits to the header here.)
#[test]
fn a_minting_block_on_a_reorged_bitcoin_view_is_noted_not_broken() {
    let fixture = Fixture::new(&[]);
    let provenance = build(&fixture.input(None, 3));
    let mut bundle = provenance.deposits[&fixture.deposit_txid].clone();
    flip(&mut bundle.minting_block.header_hex, 330);
    let report = check(&headers_text(&provenance.headers), &bundle, &fixture.deposit_txid).expect("good input");
    assert!(matches!(report.verdict, Verdict::Incomplete(_)), "{report}");
    assert_eq!(report.lines[2].1, Mark::Holds, "{report}");
    assert!(report.lines[2].2.contains("carried a branch later reorged"), "{report}");
}

#[test]
fn unreadable_input_is_bad_input_not_a_broken_link() {
    let (fixture, provenance) = superfinal_run();
    let (headers, bundle) = (headers_text(&provenance.headers), provenance.deposits[&fixture.deposit_txid].clone());
    let txid = &fixture.deposit_txid;
    assert!(verify(&headers, "{ not json", txid).is_err());
    assert!(
        verify("", &serde_json::to_string(&bundle).expect("ok"), txid).expect_err("no headers").0.contains("no header")
    );
    assert!(check("zz\n", &bundle, txid).expect_err("not hex").0.contains("line 1"));
    let mut odd = bundle.clone();
    odd.minting_block.header_hex.push('0');
    assert!(check(&headers, &odd, txid).expect_err("odd hex").0.contains("minting_block.header_hex"));
    let mut future = bundle;
    future.format += 1;
    assert!(check(&headers, &future, txid).expect_err("format").0.contains("format"));
}

type Field = dyn for<'a> Fn(&'a mut Vec<String>, &'a mut DepositBundle) -> &'a mut String;

/// Flips each hex digit of one field in turn (but the last `skip_last`): the verdict must be
/// bad input or a broken link. Returns how many flips were checked.
fn flip_each_digit(
    base: &(Vec<String>, DepositBundle),
    txid: &Txid,
    name: &str,
    field: &Field,
    skip_last: usize,
) -> usize {
    let len = field(&mut base.0.clone(), &mut base.1.clone()).len();
    let text = field(&mut base.0.clone(), &mut base.1.clone()).clone();
    for at in (0..len - skip_last).filter(|&i| text.as_bytes()[i].is_ascii_hexdigit()) {
        let (mut headers, mut bundle) = base.clone();
        flip(field(&mut headers, &mut bundle), at as isize);
        if let Ok(report) = check(&headers.join("\n"), &bundle, txid) {
            assert!(broken_link(&report).is_some(), "{name} digit {at}: {report}");
        }
    }
    len - skip_last
}

/// Every hex digit of every field, flipped one at a time: never a panic, never a pass. Not
/// flipped: the tip header (nothing commits to it, and regtest's target is met by about half of
/// all hashes), a merkle proof's last byte (its flag bits' padding is not committed to, BIP 37),
/// and the L2 genesis hash (keystone 10's previous keystone is block 5, not genesis).
#[test]
fn no_flipped_hex_digit_panics_or_passes() {
    let (fixture, provenance) = superfinal_run();
    let headers: Vec<String> = headers_text(&provenance.headers).lines().map(str::to_owned).collect();
    let base = (headers, provenance.deposits[&fixture.deposit_txid].clone());
    let txid = &fixture.deposit_txid;
    let mut checked = 0;
    for i in 0..base.0.len() - 1 {
        checked += flip_each_digit(&base, txid, "Bitcoin header", &move |h, _| &mut h[i], 0);
    }
    checked += flip_each_digit(&base, txid, "deposit tx", &|_, b| &mut b.deposit.as_mut().expect("on chain").tx_hex, 0);
    checked += flip_each_digit(
        &base,
        txid,
        "deposit proof",
        &|_, b| &mut b.deposit.as_mut().expect("on chain").merkle_block_hex,
        2,
    );
    checked += flip_each_digit(&base, txid, "vault", &|_, b| &mut b.params.vault_script_hex, 0);
    checked += flip_each_digit(&base, txid, "L2 header", &|_, b| &mut b.minting_block.header_hex, 0);
    checked += flip_each_digit(&base, txid, "attributes", &|_, b| &mut b.minting_block.attributes_hex, 0);
    checked += flip_each_digit(&base, txid, "mint txid", &|_, b| &mut b.minting_block.mints[1].txid, 0);
    checked += flip_each_digit(&base, txid, "tx hash", &|_, b| &mut b.minting_block.tx_hashes[0], 0);
    for i in 0..base.1.anchor.as_ref().expect("anchored").l2_headers_hex.len() {
        checked += flip_each_digit(
            &base,
            txid,
            "chain header",
            &move |_, b| &mut b.anchor.as_mut().expect("anchored").l2_headers_hex[i],
            0,
        );
    }
    checked += flip_each_digit(
        &base,
        txid,
        "prev keystone",
        &|_, b| &mut b.anchor.as_mut().expect("anchored").prev_keystone_hash,
        0,
    );
    checked += flip_each_digit(&base, txid, "PoP tx", &|_, b| &mut b.anchor.as_mut().expect("anchored").pop.tx_hex, 0);
    checked += flip_each_digit(
        &base,
        txid,
        "PoP proof",
        &|_, b| &mut b.anchor.as_mut().expect("anchored").pop.merkle_block_hex,
        2,
    );
    assert!(checked > 5_000, "{checked}");
    assert_eq!(base.1.minting_block.mints[1].amount_sats, DEPOSIT_SATS);
}
