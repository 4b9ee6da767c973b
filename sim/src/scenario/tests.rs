//! Unit tests of scenario loading: the shipped files, defaults, overrides, the hash, and the exact
//! text of the errors a user sees.

use std::path::{Path, PathBuf};

use super::schema::{self, Shape};
use super::*;

/// `name` is on line 2, `[bitcoin]` on line 6, `miners` on line 7.
const MINIMAL: &str = r#"
name = "t"
seed = 7
duration_s = 3600

[bitcoin]
miners = 4
"#;

fn load(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s)).collect::<Result<_, _>>()?;
    Scenario::from_toml_str(text, "t.toml", &overrides)
}

/// The one-line message of a scenario that must fail.
fn error(text: &str, sets: &[&str]) -> String {
    match load(text, sets) {
        Ok(scenario) => panic!("expected an error, loaded {scenario:?}"),
        Err(e) => e.to_string(),
    }
}

fn with_attack(attack: &str) -> String {
    format!("{MINIMAL}\n[attack]\n{attack}\n")
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_file_loads_and_is_named_after_its_file() {
    let files = scenario_files();
    assert!(files.len() >= 4, "expected the example scenarios, found {files:?}");
    for path in files {
        let scenario = Scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
        let stem = path.file_stem().and_then(|s| s.to_str());
        assert_eq!(Some(scenario.name.as_str()), stem, "{}", path.display());
    }
}

#[test]
fn defaults_fill_every_absent_key() {
    let s = load(MINIMAL, &[]).expect("minimal scenario");
    assert_eq!((s.name.as_str(), s.seed, s.duration_s), ("t", 7, 3600));
    let b = &s.bitcoin;
    assert_eq!(b.miners, 4);
    assert_eq!(b.block_interval_s, defaults::block_interval_s());
    assert_eq!(b.propagation_delay_ms, defaults::propagation_delay_ms());
    assert_eq!((b.propagation_jitter_ms, b.background_tx_rate_per_s), (0, 0.0));
    assert_eq!(b.max_block_weight, 4_000_000);
    assert_eq!(b.hashrate_shares, None);
    assert_eq!(s.attack, None);
    let a = load(&with_attack("kind = \"double-spend\"\nhashrate_share = 0.1"), &[]).expect("attack");
    let a = a.attack.expect("attack table");
    assert_eq!((a.confirmations, a.give_up_deficit_blocks, a.gamma), (6, 24, 0.0));
}

#[test]
fn the_bitcoin_table_may_be_left_out() {
    let without = load("name = \"t\"\nseed = 7\nduration_s = 3600\n", &[]).expect("no [bitcoin] table");
    let empty = load("name = \"t\"\nseed = 7\nduration_s = 3600\n[bitcoin]\n", &[]).expect("empty [bitcoin] table");
    assert_eq!(without, empty);
    assert_eq!(without.hash_hex(), empty.hash_hex(), "the same resolved scenario, the same hash");
    assert_eq!(without.bitcoin.miners, defaults::miners());
}

#[test]
fn unknown_key_names_the_key_its_line_and_the_valid_keys() {
    assert_eq!(
        error(&format!("{MINIMAL}minerz = 3\n"), &[]),
        "t.toml:8: bitcoin.minerz: unknown key (did you mean `miners`?); valid keys in [bitcoin]: \
         block_interval_s, miners, hashrate_shares, propagation_delay_ms, propagation_jitter_ms, \
         max_block_weight, background_tx_rate_per_s, background_fee_rate_min_sat_per_vb, \
         background_fee_rate_max_sat_per_vb, fee_spike, background_model, block_fill_bytes"
    );
    assert_eq!(
        error(&format!("{MINIMAL}[l3]\nx = 1\n"), &[]),
        "t.toml:8: l3: unknown key (did you mean `l2`?); valid keys in the top level: name, seed, duration_s, bitcoin, attack, l2, workload, pop, tunnel, ethereum, sequencer, network, censor, fault"
    );
}

/// Seeds are JSON-safe (at most 2^53 - 1) wherever they come from; integers too large for TOML
/// are reported against the key's range, not as a parser's `i128` or `u64` complaint.
#[test]
fn seeds_and_huge_integers_are_checked_against_the_range() {
    assert_eq!(load(MINIMAL, &["seed=9007199254740991"]).expect("the largest seed").seed, SEED_MAX);
    let seed_range = "expected an integer in 0..=9007199254740991";
    assert_eq!(error(MINIMAL, &["seed=9007199254740992"]), format!("--set seed: {seed_range}, got 9007199254740992"));
    assert_eq!(
        error(MINIMAL, &["seed=17040860998032026281"]),
        format!("--set seed: {seed_range}, got 17040860998032026281")
    );
    assert_eq!(
        error(&MINIMAL.replace("seed = 7", "seed = 17040860998032026281"), &[]),
        format!("t.toml:3: seed: {seed_range}, got 17040860998032026281")
    );
    let duration_range = "expected an integer in 1..=315360000";
    for huge in ["12345678901234567890", "99999999999999999999", "-99999999999999999999"] {
        assert_eq!(
            error(&MINIMAL.replace("duration_s = 3600", &format!("duration_s = {huge}")), &[]),
            format!("t.toml:4: duration_s: {duration_range}, got {huge}")
        );
        assert_eq!(
            error(MINIMAL, &[&format!("duration_s={huge}")]),
            format!("--set duration_s: {duration_range}, got {huge}")
        );
    }
    assert_eq!(
        error(&MINIMAL.replace("duration_s = 3600", "duration_s = -5"), &[]),
        format!("t.toml:4: duration_s: {duration_range}, got -5")
    );
    assert_eq!(
        error(&MINIMAL.replace("miners = 4", "miners = 2\nhashrate_shares = [1, 99999999999999999999]"), &[]),
        "t.toml:8: bitcoin.hashrate_shares[1]: 99999999999999999999 is beyond TOML's integer range -9223372036854775808..=9223372036854775807"
    );
}

#[test]
fn wrong_type_names_what_was_expected() {
    let text = MINIMAL.replace("miners = 4", "miners = \"eight\"");
    assert_eq!(error(&text, &[]), "t.toml:7: bitcoin.miners: expected an integer, got \"eight\"");
    let text = MINIMAL.replace("duration_s = 3600", "duration_s = 1.5");
    assert_eq!(error(&text, &[]), "t.toml:4: duration_s: expected an integer, got 1.5");
    let text = MINIMAL.replace("seed = 7", "seed = -7");
    assert_eq!(error(&text, &[]), "t.toml:3: seed: expected an integer in 0..=9007199254740991, got -7");
    let text = with_attack("kind = \"double-spent\"\nhashrate_share = 0.1");
    assert_eq!(
        error(&text, &[]),
        "t.toml:10: attack.kind: expected one of \"double-spend\", \"selfish-mining\", \"equivocate\", \"rewrite\", got \"double-spent\""
    );
    assert_eq!(
        error(MINIMAL, &["bitcoin.background_model=aggregated"]),
        "--set bitcoin.background_model: expected one of \"transactions\", \"aggregate\", got \"aggregated\""
    );
    let text = MINIMAL.replace("miners = 4", "miners = 4\nbackground_model = 1");
    assert!(error(&text, &[]).starts_with("t.toml:8: bitcoin.background_model: expected"), "{}", error(&text, &[]));
}

#[test]
fn the_background_model_defaults_to_transactions_and_reads_aggregate() {
    assert_eq!(load(MINIMAL, &[]).expect("loads").bitcoin.background_model, BackgroundModel::Transactions);
    let scenario = load(MINIMAL, &["bitcoin.background_model=aggregate"]).expect("loads");
    assert_eq!(scenario.bitcoin.background_model, BackgroundModel::Aggregate);
}

#[test]
fn out_of_range_value_says_the_range_and_the_value() {
    let text = MINIMAL.replace("miners = 4", "miners = 0");
    assert_eq!(error(&text, &[]), "t.toml:7: bitcoin.miners: expected an integer in 1..=1000, got 0");
    let text = format!("{MINIMAL}block_interval_s = nan\n");
    assert_eq!(
        error(&text, &[]),
        "t.toml:8: bitcoin.block_interval_s: expected a finite number in [1, 86400], got NaN"
    );
    let text = MINIMAL.replace("name = \"t\"", "name = \"my run\"");
    assert_eq!(
        error(&text, &[]),
        "t.toml:2: name: expected 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-', got \"my run\""
    );
    let text = with_attack("kind = \"double-spend\"\nhashrate_share = 1.0");
    assert_eq!(
        error(&text, &[]),
        "t.toml:11: attack.hashrate_share: expected a number strictly between 0 and 1, got 1"
    );
}

#[test]
fn hashrate_shares_need_one_positive_share_per_miner() {
    let text = format!("{MINIMAL}hashrate_shares = [1, 1]\n");
    assert_eq!(
        error(&text, &[]),
        "t.toml:8: bitcoin.hashrate_shares: expected one share per honest miner (4, as bitcoin.miners = 4), got 2"
    );
    let text = format!("{MINIMAL}hashrate_shares = [\n  1,\n  0,\n  1,\n  1,\n]\n");
    assert_eq!(error(&text, &[]), "t.toml:10: bitcoin.hashrate_shares[1]: expected a finite number > 0, got 0");
    let huge = load(MINIMAL, &["bitcoin.hashrate_shares=[1e308, 1e308, 1e308, 1e308]"]);
    assert!(huge.is_err(), "shares are normalised by their sum, which must be finite");
}

#[test]
fn missing_required_key_names_the_table() {
    let text = MINIMAL.replace("seed = 7\n", "");
    assert_eq!(error(&text, &[]), "t.toml: seed: missing key; the top level requires name, seed, duration_s");
    assert_eq!(
        error(&with_attack("kind = \"double-spend\""), &[]),
        "t.toml:9: attack.hashrate_share: missing key; [attack] requires kind, hashrate_share"
    );
}

#[test]
fn missing_file_names_the_path_and_the_os_reason() {
    let message = match Scenario::load(Path::new("no/such/dir/x.toml"), &[]) {
        Ok(_) => panic!("loaded a file that does not exist"),
        Err(e) => e.to_string(),
    };
    assert!(message.starts_with("no/such/dir/x.toml: cannot read the scenario file: no such file"), "{message}");
}

#[test]
fn malformed_toml_names_line_and_column() {
    let text = MINIMAL.replace("miners = 4", "miners = = 4");
    let e = load(&text, &[]).expect_err("malformed TOML");
    assert_eq!((e.line, e.column), (Some(7), Some(10)), "{e}");
    assert!(e.to_string().starts_with("t.toml:7:10: invalid TOML: "), "{e}");
    let duplicate = format!("{MINIMAL}miners = 5\n");
    assert!(error(&duplicate, &[]).starts_with("t.toml:8:1: invalid TOML: duplicate key"));
}

#[test]
fn bad_set_syntax_is_an_error() {
    let message = |arg: &str| Override::parse(arg).map(|_| ()).expect_err("the override is invalid").to_string();
    assert_eq!(
        message("bitcoin.miners"),
        "--set bitcoin.miners: expected KEY=VALUE (e.g. --set bitcoin.miners=16), got \"bitcoin.miners\""
    );
    assert_eq!(message("=3"), "--set =3: empty KEY; expected KEY=VALUE (e.g. --set bitcoin.miners=16)");
    assert_eq!(
        message("bitcoin..miners=3"),
        "--set bitcoin..miners=3: expected KEY to be names of letters, digits, '_' and '-' joined by '.', \
         got \"bitcoin..miners\""
    );
}

#[test]
fn set_values_are_toml_or_else_bare_strings() {
    let value = |arg: &str| Override::parse(arg).expect("valid --set").value().clone();
    assert_eq!(value("bitcoin.miners=16"), toml::Value::Integer(16));
    assert_eq!(value("attack.gamma = 0.5"), toml::Value::Float(0.5));
    assert_eq!(value("attack.kind=double-spend"), toml::Value::String("double-spend".into()));
    assert_eq!(value("name=\"x\""), toml::Value::String("x".into()));
    let shares = load(MINIMAL, &["bitcoin.hashrate_shares=[1, 2, 3, 4.5]"]).expect("array");
    assert_eq!(shares.bitcoin.hashrate_shares, Some(vec![1.0, 2.0, 3.0, 4.5]));
    let name = load(MINIMAL, &["name=2024"]).expect("a string key takes the text as typed");
    assert_eq!(name.name, "2024");
}

#[test]
fn set_errors_name_the_set_instead_of_a_line() {
    assert_eq!(error(MINIMAL, &["bitcoin.miners=0"]), "--set bitcoin.miners: expected an integer in 1..=1000, got 0");
    assert!(
        error(MINIMAL, &["bitcoin.minerz=3"])
            .starts_with("--set bitcoin.minerz: unknown key (did you mean `miners`?); valid keys in [bitcoin]: "),
    );
    assert_eq!(error(MINIMAL, &["seed.x=1"]), "--set seed.x: seed: cannot set a key inside seed, which is 7");
    assert_eq!(
        error(MINIMAL, &["attack.hashrate_share=0.3"]),
        "--set attack.hashrate_share: attack.kind: missing key; [attack] requires kind, hashrate_share"
    );
}

#[test]
fn grid_values_are_blamed_only_for_their_own_errors() {
    let e = load(MINIMAL, &["bitcoin.miners=0"]).expect_err("invalid");
    assert_eq!(
        e.clone().in_grid("bitcoin.miners", "0").to_string(),
        "--grid bitcoin.miners=0: expected an integer in 1..=1000, got 0"
    );
    assert_eq!(e.clone().in_grid("bitcoin.block_interval_s", "0"), e, "another key's --set");
    let syntax = Override::parse("bitcoin..miners=4").expect_err("bad key");
    assert!(
        syntax
            .in_grid("bitcoin..miners", "4")
            .to_string()
            .starts_with("--grid bitcoin..miners=4: expected KEY to be names")
    );
    let file = load(&format!("{MINIMAL}minerz = 1\n"), &[]).expect_err("unknown key");
    assert_eq!(file.clone().in_grid("bitcoin.minerz", "1"), file, "the file's own error");
}

#[test]
fn set_overrides_the_file_and_creates_missing_tables() {
    let s = load(MINIMAL, &["bitcoin.miners=16", "attack.kind=double-spend", "attack.hashrate_share=0.3"])
        .expect("valid overrides");
    assert_eq!(s.bitcoin.miners, 16);
    let attack = s.attack.expect("[attack] created by --set");
    assert_eq!((attack.kind, attack.hashrate_share, attack.confirmations), (AttackKind::DoubleSpend, 0.3, 6));
}

#[test]
fn kind_specific_keys_are_rejected_for_the_other_kind() {
    let text = with_attack("kind = \"double-spend\"\nhashrate_share = 0.3\ngamma = 0.5");
    assert_eq!(
        error(&text, &[]),
        "t.toml:12: attack.gamma: only used by kind = \"selfish-mining\", but attack.kind = \"double-spend\"; remove it"
    );
    let text = with_attack("kind = \"double-spend\"\nhashrate_share = 0.3\nconfirmations = 6");
    assert_eq!(
        error(&text, &["attack.kind=selfish-mining"]),
        "t.toml:12: attack.confirmations: only used by kind = \"double-spend\", but attack.kind = \"selfish-mining\"; remove it"
    );
    let selfish = with_attack("kind = \"selfish-mining\"\nhashrate_share = 0.3");
    assert!(load(&selfish, &[]).is_ok(), "defaults of double-spend keys must not trip the check");
}

#[test]
fn hash_is_stable_and_tracks_every_key() {
    let base = load(MINIMAL, &[]).expect("minimal").hash_hex();
    assert_eq!(base.len(), 64);
    assert!(base.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(load(MINIMAL, &[]).expect("minimal").hash_hex(), base);
    assert_ne!(load(MINIMAL, &["bitcoin.miners=5"]).expect("5 miners").hash_hex(), base);
    assert_ne!(load(MINIMAL, &["seed=8"]).expect("seed 8").hash_hex(), base);
    let explicit_default = load(MINIMAL, &["bitcoin.block_interval_s=600"]).expect("default");
    assert_eq!(explicit_default.hash_hex(), base, "the hash is of the resolved scenario");
}

#[test]
fn resolved_toml_loads_back_to_the_same_scenario() {
    for sets in [&[][..], &["attack.kind=selfish-mining", "attack.hashrate_share=0.3", "attack.gamma=0.5"]] {
        let s = load(MINIMAL, sets).expect("valid");
        let text = s.to_toml_string().expect("seed fits TOML");
        assert_eq!(Scenario::from_toml_str(&text, "resolved", &[]), Ok(s), "{text}");
    }
}

#[test]
fn schema_is_read_from_the_serde_derives() {
    let Shape::Table(fields) = schema::scenario() else { panic!("the scenario is a table") };
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    assert_eq!(required, ["name", "seed", "duration_s"], "[bitcoin] may be left out: every key has a default");
    assert_eq!(schema::scenario().at("bitcoin.miners"), Some(&Shape::Integer { min: 0, max: u32::MAX.into() }));
    assert_eq!(schema::scenario().at("attack.gamma"), Some(&Shape::Number));
    assert!(!format!("{:?}", schema::scenario()).contains("Unsupported"), "every key has a TOML type");
}

#[test]
fn odd_input_is_an_error_not_a_panic() {
    for text in [
        "",
        "bitcoin = 5",
        "[[bitcoin]]",
        "name = 5",
        "name = \"é\"\nseed = 1\nduration_s = 1\n[bitcoin]",
        "\u{feff}x",
        "a = 1979-05-27T07:32:00Z",
        "[bitcoin]\nhashrate_shares = [[1]]",
    ] {
        assert!(load(text, &[]).is_err(), "{text:?}");
    }
    assert!(load(MINIMAL, &["bitcoin=5"]).is_err());
    assert!(load(MINIMAL, &["bitcoin.miners.x=1"]).is_err());
}

#[test]
fn tunnel_tables_need_what_they_rely_on() {
    let l2 = format!("{MINIMAL}\n[l2]\n");
    assert!(
        error(&format!("{MINIMAL}\n[tunnel]\n"), &[])
            .ends_with(": tunnel: expected an [l2] table: hBTC is minted on the L2")
    );
    assert!(error(&format!("{l2}\n[tunnel]\n"), &[]).ends_with(
        ": tunnel.payout_policy: expected a [pop] table for \"superfinal\" (superfinality needs keystones and PoP miners), or payout_policy = \"immediate\""
    ));
    assert!(load(&format!("{l2}\n[tunnel]\npayout_policy = \"immediate\"\n"), &[]).is_ok());
    let tunnel_attack = format!(
        "{l2}\n[tunnel]\npayout_policy = \"immediate\"\n[attack]\nkind = \"double-spend\"\nhashrate_share = 0.2\ntarget = \"tunnel\"\n"
    );
    assert!(load(&tunnel_attack, &[]).is_ok());
    assert!(
        error(&tunnel_attack, &["attack.confirmations=3"])
            .contains("attack.confirmations: not read with target = \"tunnel\"")
    );
    assert!(
        error(&with_attack("kind = \"double-spend\"\nhashrate_share = 0.2\ntarget = \"tunnel\""), &[])
            .contains("attack.target: expected a [tunnel] table")
    );
    assert!(error(&format!("{l2}\n[tunnel]\npayout_policy = \"later\"\n"), &[]).contains("tunnel.payout_policy"));
    assert!(
        error(
            &format!("{l2}\n[tunnel]\npayout_policy = \"immediate\"\ntreasury_btc = 1\ntreasury_withdraw_btc = 2\n"),
            &[]
        )
        .contains("tunnel.treasury_withdraw_btc")
    );
}

#[test]
fn ethereum_table_defaults_ranges_and_what_it_needs() {
    let l2 = format!("{MINIMAL}\n[l2]\n");
    assert!(
        error(&format!("{MINIMAL}\n[ethereum]\n"), &[])
            .ends_with(": ethereum: expected an [l2] table: Ethereum is the L2's settlement layer")
    );
    let with_eth = format!("{l2}\n[ethereum]\n");
    let s = load(&with_eth, &[]).expect("an empty [ethereum] is Hemi mainnet's");
    assert_eq!(s.ethereum.expect("the table").params(), hemisim_node::eth::EthParams::default());
    for (set, message) in [
        ("ethereum.slot_s=0", "--set ethereum.slot_s: expected an integer in 1..=3600, got 0"),
        ("ethereum.missed_slot_rate=1", "ethereum.missed_slot_rate: expected a finite number in [0, 0.99], got 1"),
        ("ethereum.seq_window_blocks=10", "ethereum.seq_window_blocks: expected an integer in 11..=1000000, got 10"),
        ("ethereum.batcher_interval_s=0.5", "ethereum.batcher_interval_s: expected a finite number in [1, 86400]"),
        ("ethereum.deposit_rate_per_s=-1", "ethereum.deposit_rate_per_s: expected a finite number in [0, 10], got -1"),
        ("ethereum.batcher_enabled=yes", "ethereum.batcher_enabled: expected true or false, got \"yes\""),
        ("ethereum.slot_ms=12", "ethereum.slot_ms: unknown key"),
    ] {
        let got = error(&with_eth, &[set]);
        assert!(got.contains(message), "{set}: {got}");
    }
    let bad_line = error(&format!("{with_eth}finality_depth_blocks = 100001\n"), &[]);
    assert!(
        bad_line.starts_with("t.toml:12: ethereum.finality_depth_blocks: expected an integer in 0..=100000"),
        "{bad_line}"
    );
}

/// A scenario without `[ethereum]` resolves to the same JSON (so the same hash) as before the
/// table existed; one with it writes it and loads back.
#[test]
fn ethereum_table_is_left_out_when_absent() {
    let without = load(MINIMAL, &[]).expect("minimal");
    let json = serde_json::to_string(&without).expect("serialisable");
    assert!(!json.contains("ethereum"), "{json}");
    let with = load(&format!("{MINIMAL}\n[l2]\n[ethereum]\nmissed_slot_rate = 0.1\n"), &[]).expect("valid");
    assert_ne!(with.hash_hex(), without.hash_hex());
    let text = with.to_toml_string().expect("seed fits TOML");
    assert_eq!(Scenario::from_toml_str(&text, "resolved", &[]), Ok(with), "{text}");
}

/// A censoring L2 with users, as the `[[censor]]` error tests need.
fn with_censor(censor: &str) -> String {
    format!("{MINIMAL}\n[l2]\n[workload]\ntx_rate_per_s = 1\n\n[[censor]]\n{censor}\n")
}

#[test]
fn censor_tables_name_their_index_line_and_unread_keys() {
    // Line 13 is `[[censor]]`, line 14 its first key.
    assert_eq!(
        error(&with_censor("share = 0.1"), &[]),
        "t.toml:13: censor.0.target: missing key; [censor.0] requires target"
    );
    assert_eq!(
        error(&with_censor("target = \"senders\"\nshare = 0.1\nbogus = 1"), &[]),
        "t.toml:16: censor.0.bogus: unknown key; valid keys in [censor.0]: target, share, accounts, mode, delay_s, \
         start_s, duration_s, sequencer"
    );
    assert_eq!(
        error(&with_censor("target = \"all\"\nshare = 0.5"), &[]),
        "t.toml:15: censor.0.share: not read with target = \"all\" and mode = \"drop\"; remove it"
    );
    assert_eq!(
        error(&with_censor("target = \"senders\"\nshare = 1.5"), &[]),
        "t.toml:15: censor.0.share: expected a share in (0, 1] for target = \"senders\", got 1.5"
    );
}

#[test]
fn set_reaches_tables_of_arrays_by_index() {
    let base = format!("{MINIMAL}\n[l2]\n[workload]\ntx_rate_per_s = 1\n");
    let scenario =
        load(&base, &["censor.0.target=senders", "censor.0.share=0.25", "censor.1.target=hvm_calls"]).expect("loads");
    assert_eq!(scenario.censor.len(), 2);
    assert_eq!((scenario.censor[0].target, scenario.censor[0].share), (CensorTarget::Senders, 0.25));
    assert_eq!(scenario.censor[1].target, CensorTarget::HvmCalls);
    assert_eq!(
        error(&base, &["censor.0.share=0.1"]),
        "--set censor.0.share: censor.0.target: missing key; [censor.0] requires target"
    );
    assert_eq!(
        error(&base, &["censor.1.target=all"]),
        "--set censor.1.target: censor.1: expected an index up to 0 (the tables so far, then one more), got 1"
    );
}
