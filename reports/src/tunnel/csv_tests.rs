//! Tests of the tunnel CSVs on the hand-checked record of [`crate::testutil::tunnel_run`].

use super::*;
use crate::testutil::{hash, sample_record, tunnel_run};

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("CSV of ASCII fields")
}

fn tunnel() -> TunnelRecord {
    tunnel_run(1).tunnel.expect("tunnel run")
}

#[test]
fn tunnel_csv_has_every_field_and_empty_cells_for_none() {
    let got = text(tunnel_csv(&tunnel()).expect("in memory"));
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(
        lines[0],
        "at_s,kind,txid,vout,l2_number,withdrawal_id,account,amount_sats,fee_sats,btc_height,\
         flag,age_s,confirmed_at_s,attacker"
    );
    assert_eq!(lines.len(), 1 + 15, "one row per operation");
    let (a, b) = (hash(0xd001), hash(0xd002));
    assert_eq!(lines[1], format!("100.000000,deposit,{a},,,,0xaa,50000000,,,true,,,false"));
    assert_eq!(lines[3], format!("3700.000000,mint,{a},0,308,,0xaa,50000000,,108,false,,,false"));
    assert_eq!(
        lines[10],
        format!("5500.000000,payout,{},,451,2,,5000000,1000,,false,,6000.000000,false", hash(0xe002))
    );
    // The payout a reorg took away: no confirmation time.
    assert_eq!(lines[12], format!("7012.000000,payout,{},,434,1,,30000000,1500,,true,,,false", hash(0xe001)));
    assert_eq!(lines[11], format!("6000.000000,unwound,{b},1,358,,,20000000,,,false,,,false"));
    assert_eq!(lines[15], "10000.000000,overdue,,,749,3,,0,,,false,1000,,false");
    let kinds: Vec<&str> = lines[1..].iter().filter_map(|l| l.split(',').nth(1)).collect();
    assert_eq!(kinds[5..7], ["withdrawal-request", "burn"]);
}

#[test]
fn the_attackers_rows_are_marked() {
    let mut t = tunnel();
    for o in t.operations.iter_mut().filter(|o| o.op.txid() == Some(hash(0xd002).as_str())) {
        match &mut o.op {
            Operation::Deposit { attacker, .. }
            | Operation::Mint { attacker, .. }
            | Operation::Unwound { attacker, .. }
            | Operation::Restored { attacker, .. } => *attacker = true,
            other => panic!("a deposit's txid on {other:?}"),
        }
    }
    let got = text(tunnel_csv(&t).expect("in memory"));
    let marked: Vec<&str> =
        got.lines().skip(1).filter(|l| l.ends_with(",true")).filter_map(|l| l.split(',').nth(1)).collect();
    assert_eq!(marked, ["deposit", "mint", "unwound"]);
}

/// One operation of every kind, each field set to a value no other field has.
fn one_of_each_kind() -> Vec<TunnelOp> {
    let (txid, account) = (|| "ab".repeat(32), || "0x11".to_string());
    let ops = [
        Operation::Deposit { txid: txid(), recipient: account(), amount_sats: 2, treasury: true, attacker: true },
        Operation::Mint {
            txid: txid(),
            vout: 3,
            l2_number: 4,
            recipient: account(),
            amount_sats: 5,
            btc_height: 6,
            attacker: true,
        },
        Operation::WithdrawalRequest { from: account(), amount_sats: 7, treasury: true },
        Operation::Burn { l2_number: 8, id: 9, from: account(), amount_sats: 10 },
        Operation::Payout {
            txid: txid(),
            l2_number: 11,
            id: 12,
            amount_sats: 13,
            fee_sats: 14,
            superfinal: true,
            confirmed_at_us: Some(15_500_000),
        },
        Operation::Overdue { l2_number: 16, id: 17, age_s: 18 },
        Operation::Unwound { txid: txid(), vout: 19, l2_number: 20, amount_sats: 21, attacker: true },
        Operation::Restored { txid: txid(), vout: 22, amount_sats: 23, attacker: true },
    ];
    ops.into_iter().map(|op| TunnelOp { at_us: 1_000_000, op }).collect()
}

#[test]
fn every_field_of_every_kind_lands_in_its_column() {
    let t = TunnelRecord { operations: one_of_each_kind(), ..tunnel() };
    let got = text(tunnel_csv(&t).expect("in memory"));
    let tx = "ab".repeat(32);
    let rows: Vec<&str> = got.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            format!("1.000000,deposit,{tx},,,,0x11,2,,,true,,,true"),
            format!("1.000000,mint,{tx},3,4,,0x11,5,,6,false,,,true"),
            "1.000000,withdrawal-request,,,,,0x11,7,,,true,,,false".to_string(),
            "1.000000,burn,,,8,9,0x11,10,,,false,,,false".to_string(),
            format!("1.000000,payout,{tx},,11,12,,13,14,,true,,15.500000,false"),
            "1.000000,overdue,,,16,17,,0,,,false,18,,false".to_string(),
            format!("1.000000,unwound,{tx},19,20,,,21,,,false,,,true"),
            format!("1.000000,restored,{tx},22,,,,23,,,false,,,true"),
        ]
    );
}

#[test]
fn kind_names_are_the_record_names() {
    for o in one_of_each_kind() {
        let serde = serde_json::to_value(&o).expect("a record serialises");
        assert_eq!(serde["kind"].as_str(), Some(kind_name(o.op.kind())), "{serde}");
        assert_eq!(serde_json::to_value(o.op.kind()).ok().as_ref(), Some(&serde["kind"]));
        let back: TunnelOp = serde_json::from_value(serde).expect("reads back");
        assert_eq!(back, o);
    }
}

#[test]
fn ledger_csv_computes_both_sides() {
    let mut t = tunnel();
    let got = text(ledger_csv(&t).expect("in memory"));
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(
        lines[0],
        "at_s,l2_number,locked_sats,minted_sats,burned_sats,pending_sats,unminted_sats,\
         unbacked_sats,other_sats,lost_payout_sats,vault_side_sats,l2_side_sats,balanced"
    );
    assert_eq!(lines.len(), 1 + 9);
    // 16M locked - 1M other - 0 unminted = 70M - 35M + 0 - 20M.
    assert_eq!(lines[7], "8400.000000,700,16000000,70000000,35000000,0,0,20000000,1000000,0,15000000,15000000,true");
    assert!(lines[1..].iter().all(|l| l.ends_with(",true")));
    // Broken books: a satoshi missing from the vault, and a vault side below zero.
    t.ledger[6].locked_sats -= 1;
    t.ledger[7].locked_sats = 0;
    let got = text(ledger_csv(&t).expect("in memory"));
    let lines: Vec<&str> = got.lines().collect();
    assert!(lines[7].ends_with(",1000000,0,14999999,15000000,false"), "{}", lines[7]);
    assert!(lines[8].ends_with(",-1000000,15000000,false"), "{}", lines[8]);
}

#[test]
fn losses_csv_snapshot() {
    let got = text(losses_csv(&tunnel()).expect("in memory"));
    assert_eq!(
        got,
        format!(
            "txid,vout,amount_sats,l2_number,minted_at_s,unwound_at_s\n\
             {},1,20000000,358,4300.000000,6000.000000\n",
            hash(0xd002)
        )
    );
}

#[test]
fn runs_columns_of_a_tunnel_run_and_of_one_without() {
    let got = runs_columns(&tunnel_run(1));
    let expected = [
        "3",
        "70000000",
        "16000000",
        "45000000",
        "35000000",
        "1",
        "5000000",
        "1",
        "20000000",
        "0",
        "3600.000000",
        "88.000000",
        "588.000000",
    ];
    assert_eq!(got, expected);
    let columns = runs_columns(&sample_record(1));
    assert_eq!(columns.len(), RUNS_COLUMNS.len());
    assert!(columns.iter().all(String::is_empty));
}
