//! Each Bitcoin precompile against outputs computed by hand from the standard chain
//! (see `fake_view`), including invalid and short inputs.

use super::fake_view::*;
use crate::l2::hvm::precompiles::{Answer, BtcPrecompile};
use bitcoin::address::Address;
use bitcoin::hashes::Hash;
use bitcoin::hex::FromHex;
use bitcoin::{Network, ScriptHash, WitnessVersion};

fn run(precompile: BtcPrecompile, input: &[u8]) -> Answer {
    precompile.run(input, &standard_chain().view)
}

fn returned(answer: Answer) -> Vec<u8> {
    match answer {
        Answer::Return(bytes) => bytes,
        Answer::Fail(reason) => panic!("expected a return, got a failure: {reason}"),
    }
}

fn empty() -> Answer {
    Answer::Return(Vec::new())
}

/// Concatenates byte strings, to write expected outputs field by field.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn gas_and_addresses_follow_hemi() {
    let gas: Vec<(u8, u64)> = BtcPrecompile::ALL.iter().map(|p| (*p as u8, p.gas())).collect();
    assert_eq!(
        gas,
        [(0x40, 50_000), (0x41, 100_000), (0x42, 25_000), (0x43, 5_000), (0x44, 5_000), (0x45, 6_000), (0x46, 25_000)]
    );
    for p in BtcPrecompile::ALL {
        assert_eq!(BtcPrecompile::from_address(&p.address()), Some(p));
    }
    let mut not_ours = BtcPrecompile::BalAddr.address().0.0;
    not_ours[0] = 1;
    assert_eq!(BtcPrecompile::from_address(&not_ours.into()), None);
}

#[test]
fn bal_addr_sums_the_indexed_utxos_of_an_address() {
    let a = p2pkh_address(A);
    assert_eq!(run(BtcPrecompile::BalAddr, a.as_bytes()), Answer::Return(4_400_000_000u64.to_be_bytes().to_vec()));
    let b = segwit_address(WitnessVersion::V0, &B);
    assert_eq!(run(BtcPrecompile::BalAddr, b.as_bytes()), Answer::Return((30 * BTC).to_be_bytes().to_vec()));
    // Never paid: a full 8-byte zero, not empty.
    let unfunded = p2pkh_address(UNFUNDED);
    assert_eq!(run(BtcPrecompile::BalAddr, unfunded.as_bytes()), Answer::Return(vec![0; 8]));
}

#[test]
fn bal_addr_invalid_input_is_empty() {
    let a = p2pkh_address(A);
    assert_eq!(run(BtcPrecompile::BalAddr, &a.as_bytes()[..23]), empty(), "shorter than 24 bytes");
    assert_eq!(run(BtcPrecompile::BalAddr, &[b'z'; 24]), empty(), "undecodable");
    assert_eq!(run(BtcPrecompile::BalAddr, b"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), empty(), "mainnet address");
    assert_eq!(run(BtcPrecompile::BalAddr, &[0xff; 40]), empty(), "not UTF-8");
    assert_eq!(run(BtcPrecompile::BalAddr, &[]), empty());
}

#[test]
fn utxos_addr_list_pages_by_offset() {
    let chain = standard_chain();
    let mut utxos = [(chain.cb2.compute_txid(), 0u16, 25 * BTC), (chain.t.compute_txid(), 2u16, 19 * BTC)];
    utxos.sort(); // the index's order: by txid (internal bytes), then vout
    let entry = |(txid, vout, value): (bitcoin::Txid, u16, u64)| {
        cat(&[&display(txid), &vout.to_be_bytes(), &value.to_be_bytes()])
    };
    let query = |start: [u8; 3], size: u8| {
        let mut input = p2pkh_address(A).into_bytes();
        input.extend_from_slice(&start);
        input.push(size);
        returned(BtcPrecompile::UtxosAddrList.run(&input, &chain.view))
    };
    assert_eq!(query([0, 0, 0], 0), cat(&[&[2], &entry(utxos[0]), &entry(utxos[1])]), "size 0 means 10");
    assert_eq!(query([0, 0, 0], 1), cat(&[&[1], &entry(utxos[0])]));
    assert_eq!(query([0, 0, 1], 1), cat(&[&[1], &entry(utxos[1])]), "the u24 is an offset, not a page");
    assert_eq!(query([0, 0, 2], 5), vec![0]);
    assert_eq!(query([1, 0, 0], 10), vec![0], "the high byte reaches the offset");
}

#[test]
fn utxos_addr_list_invalid_input_is_empty() {
    let mut unfunded = p2pkh_address(UNFUNDED).into_bytes();
    unfunded.extend_from_slice(&[0, 0, 0, 10]);
    assert_eq!(run(BtcPrecompile::UtxosAddrList, &unfunded), Answer::Return(vec![0]), "valid, no UTXOs");
    assert_eq!(run(BtcPrecompile::UtxosAddrList, &[b'1'; 27]), empty(), "shorter than 28 bytes");
    let mut junk = vec![b'z'; 30];
    junk.extend_from_slice(&[0, 0, 0, 10]);
    assert_eq!(run(BtcPrecompile::UtxosAddrList, &junk), empty(), "undecodable");
    // The address string itself, without the 4 paging bytes, loses its last 4 characters.
    assert_eq!(run(BtcPrecompile::UtxosAddrList, p2pkh_address(A).as_bytes()), empty());
}

fn tx_query(txid: bitcoin::Txid, flags: [u8; 4]) -> Vec<u8> {
    let chain = standard_chain();
    returned(BtcPrecompile::TxByTxid.run(&cat(&[&display(txid), &flags]), &chain.view))
}

#[test]
fn tx_by_txid_header_fields() {
    let t = standard_chain().t.compute_txid();
    // version | sizes | lock time. T is 150 bytes stripped, 158 with its 2-item witness.
    let out = tx_query(t, [0x38, 0, 0, 0]);
    assert_eq!(out, cat(&[&2u32.to_be_bytes(), &158u32.to_be_bytes(), &150u32.to_be_bytes(), &101u32.to_be_bytes()]));
}

#[test]
fn tx_by_txid_inputs() {
    let chain = standard_chain();
    let t = chain.t.compute_txid();
    // inputs | source | scriptSig, + sequence; at most 2 inputs, scriptSigs cut to 32 bytes.
    let out = tx_query(t, [0x07, 0x80, 0x08, 0x04]);
    let expected = cat(&[
        &1u16.to_be_bytes(),
        &(50 * BTC).to_be_bytes(),
        &display(chain.cb1.compute_txid()),
        &0u32.to_be_bytes(),
        &20u16.to_be_bytes(),
        &[0x51; 20],
        &0xffff_fffeu32.to_be_bytes(),
    ]);
    assert_eq!(out, expected);
    // scriptSigs cut to 16 bytes: the length word still says 20.
    let cut = tx_query(t, [0x05, 0x00, 0x08, 0x00]);
    assert_eq!(cut, cat(&[&1u16.to_be_bytes(), &(50 * BTC).to_be_bytes(), &20u16.to_be_bytes(), &[0x51; 16]]));
}

#[test]
fn tx_by_txid_containing_block_also_adds_witness_counts() {
    let chain = standard_chain();
    let block_2 = chain.view.headers[2].block_hash();
    let out = tx_query(chain.t.compute_txid(), [0x44, 0x00, 0x08, 0x00]);
    assert_eq!(
        out,
        cat(&[&display_block(block_2), &1u16.to_be_bytes(), &2u16.to_be_bytes(), &(50 * BTC).to_be_bytes()])
    );
    let block_only = tx_query(chain.t.compute_txid(), [0x40, 0, 0, 0]);
    assert_eq!(block_only, display_block(block_2).to_vec());
}

#[test]
fn tx_by_txid_outputs() {
    let chain = standard_chain();
    let t = chain.t.compute_txid();
    let script_a = p2pkh_script(A);
    let script_b = p2wpkh_script(B);
    // outputs | scripts, at most 2, scripts up to 32 bytes: the OP_RETURN is left out.
    let spendable = tx_query(t, [0x00, 0x30, 0x01, 0x01]);
    let expected = cat(&[
        &2u16.to_be_bytes(),
        &(30 * BTC).to_be_bytes(),
        &22u16.to_be_bytes(),
        script_b.as_bytes(),
        &(19 * BTC).to_be_bytes(),
        &25u16.to_be_bytes(),
        script_a.as_bytes(),
    ]);
    assert_eq!(spendable, expected);
    // + unspendable + unspent flag, at most 4, scripts cut to 16 bytes.
    let all = tx_query(t, [0x00, 0x3c, 0x02, 0x00]);
    let expected = cat(&[
        &3u16.to_be_bytes(),
        &(30 * BTC).to_be_bytes(),
        &22u16.to_be_bytes(),
        &script_b.as_bytes()[..16],
        &[1],
        &0u64.to_be_bytes(),
        &5u16.to_be_bytes(),
        op_return_hvm().as_bytes(),
        &[0],
        &(19 * BTC).to_be_bytes(),
        &25u16.to_be_bytes(),
        &script_a.as_bytes()[..16],
        &[1],
    ]);
    assert_eq!(all, expected);
    // Count chop: the count word still says 2.
    assert_eq!(tx_query(t, [0x00, 0x20, 0x00, 0x00]), cat(&[&2u16.to_be_bytes(), &(30 * BTC).to_be_bytes()]));
    // cb1's only output was spent by T: flag 0.
    let cb1 = tx_query(chain.cb1.compute_txid(), [0x00, 0x24, 0x00, 0x00]);
    assert_eq!(cb1, cat(&[&1u16.to_be_bytes(), &(50 * BTC).to_be_bytes(), &[0]]));
}

#[test]
fn tx_by_txid_invalid_input_is_empty() {
    let chain = standard_chain();
    let t = display(chain.t.compute_txid());
    assert!(tx_query(chain.cb2.compute_txid(), [0x04, 0, 0, 0]).is_empty(), "a coinbase input spends nothing indexed");
    assert_eq!(run(BtcPrecompile::TxByTxid, &cat(&[&[0xde; 32], &[0x40, 0, 0, 0]])), empty(), "unknown txid");
    assert_eq!(run(BtcPrecompile::TxByTxid, &t), empty(), "txid without flags");
    assert_eq!(run(BtcPrecompile::TxByTxid, &cat(&[&t, &[0x40, 0, 0]])), empty(), "35 bytes");
    assert_eq!(run(BtcPrecompile::TxByTxid, &cat(&[&t, &[0x40, 0, 0, 0, 0]])), empty(), "37 bytes");
    let above_index = chain.view.blocks[4][0].compute_txid();
    assert!(tx_query(above_index, [0x40, 0, 0, 0]).is_empty(), "block 4 is above the indexed tip");
}

#[test]
fn tx_confirmations_count_against_the_header_tip() {
    let chain = standard_chain();
    // Header tip 5: T at height 2 has 5 - 2 + 1 = 4, cb3 at height 3 has 3.
    assert_eq!(run(BtcPrecompile::TxConfirmations, &display(chain.t.compute_txid())), Answer::Return(vec![0, 0, 0, 4]));
    assert_eq!(
        run(BtcPrecompile::TxConfirmations, &display(chain.cb3.compute_txid())),
        Answer::Return(vec![0, 0, 0, 3])
    );
}

#[test]
fn tx_confirmations_short_input_is_empty_and_unknown_tx_fails() {
    // Hemi's mainnet incident (PR #1073): a 4-byte input.
    assert_eq!(run(BtcPrecompile::TxConfirmations, &[0, 0, 0, 0]), empty());
    assert_eq!(run(BtcPrecompile::TxConfirmations, &[]), empty());
    assert_eq!(run(BtcPrecompile::TxConfirmations, &[7; 31]), empty());
    assert_eq!(run(BtcPrecompile::TxConfirmations, &[7; 33]), empty());
    assert!(matches!(run(BtcPrecompile::TxConfirmations, &[0xab; 32]), Answer::Fail(_)), "not indexed");
    let chain = standard_chain();
    let above_index = display(chain.view.blocks[5][0].compute_txid());
    assert!(matches!(BtcPrecompile::TxConfirmations.run(&above_index, &chain.view), Answer::Fail(_)));
}

/// The 116-byte header encoding, written out by hand for the standard chain's block `height`.
fn expected_header(height: u32) -> Vec<u8> {
    let chain = standard_chain();
    let header = chain.view.headers[height as usize];
    let prev = chain.view.headers[height as usize - 1].block_hash();
    cat(&[
        &height.to_be_bytes(),
        &display_block(header.block_hash()),
        &[0x20, 0, 0, 0],
        &display_block(prev),
        &[height as u8 + 0xa0; 32],
        &(1_700_000_000 + 600 * height).to_be_bytes(),
        &[0x20, 0x7f, 0xff, 0xff],
        &(1000 + height).to_be_bytes(),
    ])
}

#[test]
fn last_header_is_the_indexed_tip() {
    let out = returned(run(BtcPrecompile::LastHeader, &[]));
    assert_eq!(out.len(), 116);
    assert_eq!(out, expected_header(3), "header tip 5, indexed tip 5 - 2");
    assert_eq!(run(BtcPrecompile::LastHeader, b"ignored input"), Answer::Return(expected_header(3)));
}

#[test]
fn last_header_without_an_indexed_block_is_empty() {
    let mut view = FakeBtcView::default();
    assert_eq!(BtcPrecompile::LastHeader.run(&[], &view), empty());
    view.push_block(vec![]);
    view.push_block(vec![]);
    assert_eq!(BtcPrecompile::LastHeader.run(&[], &view), empty(), "tip 1: nothing indexed yet");
}

#[test]
fn header_n_serves_indexed_heights_only() {
    assert_eq!(run(BtcPrecompile::HeaderN, &[0, 0, 0, 2]), Answer::Return(expected_header(2)));
    assert_eq!(run(BtcPrecompile::HeaderN, &[0, 0, 0, 3]), Answer::Return(expected_header(3)));
    assert_eq!(run(BtcPrecompile::HeaderN, &[0, 0, 0, 4]), empty(), "above the indexed tip");
    assert_eq!(run(BtcPrecompile::HeaderN, &[0xff, 0, 0, 0]), empty());
    assert_eq!(run(BtcPrecompile::HeaderN, &[0, 0, 2]), empty(), "3 bytes");
    assert_eq!(run(BtcPrecompile::HeaderN, &[0, 0, 0, 0, 2]), empty(), "5 bytes");
}

#[test]
fn addr_to_script_decodes_every_regtest_address_kind() {
    let script = |address: &str| returned(run(BtcPrecompile::AddrToScript, address.as_bytes()));
    assert_eq!(script(&p2pkh_address(A)), p2pkh_script(A).into_bytes());
    assert_eq!(script(&segwit_address(WitnessVersion::V0, &B)), p2wpkh_script(B).into_bytes());
    let p2sh = Address::p2sh_from_hash(ScriptHash::from_byte_array([0x77; 20]), Network::Regtest).to_string();
    assert_eq!(script(&p2sh), cat(&[&[0xa9, 0x14], &[0x77; 20], &[0x87]]));
    let p2wsh = segwit_address(WitnessVersion::V0, &[0x66; 32]);
    assert_eq!(script(&p2wsh), cat(&[&[0x00, 0x20], &[0x66; 32]]));
    let taproot = segwit_address(WitnessVersion::V1, &[0x55; 32]);
    assert_eq!(script(&taproot), cat(&[&[0x51, 0x20], &[0x55; 32]]));
    // btcutil also reads a hex public key as a pay-to-pubkey "address".
    let generator = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    let key = Vec::<u8>::from_hex(generator).expect("the generator's hex is valid");
    let p2pk = cat(&[&[0x21], &key, &[0xac]]);
    assert_eq!(script(generator), p2pk);
}

#[test]
fn addr_to_script_short_is_empty_and_undecodable_fails() {
    assert_eq!(run(BtcPrecompile::AddrToScript, &p2pkh_address(A).as_bytes()[..23]), empty());
    let fails = |input: &[u8]| matches!(run(BtcPrecompile::AddrToScript, input), Answer::Fail(_));
    assert!(fails(&[b'z'; 24]));
    assert!(fails(b"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), "mainnet");
    assert!(fails(b"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"), "testnet bech32");
    assert!(fails(segwit_address(WitnessVersion::V2, &[0x55; 32]).as_bytes()), "witness v2");
    assert!(fails(segwit_address(WitnessVersion::V1, &[0x55; 20]).as_bytes()), "v1 that is not taproot");
}

#[test]
fn no_input_makes_a_precompile_panic() {
    let chain = standard_chain();
    let t = display(chain.t.compute_txid());
    let address = p2pkh_address(A);
    let seeds: [&[u8]; 4] = [&[], &t, address.as_bytes(), &[0xff; 3]];
    for precompile in BtcPrecompile::ALL {
        for seed in seeds {
            for len in 0..=seed.len() + 8 {
                for fill in [0x00, 0x31, 0xff] {
                    let mut input = seed[..len.min(seed.len())].to_vec();
                    input.resize(len, fill);
                    let _ = precompile.run(&input, &chain.view);
                }
            }
        }
        for flags in 0..=255u8 {
            let _ = precompile.run(&cat(&[&t, &[flags, flags, flags, flags]]), &chain.view);
        }
    }
}
