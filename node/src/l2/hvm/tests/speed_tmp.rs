use super::support::*;
use crate::l2::hvm::contracts::{self, token_balance_slot};
use crate::l2::hvm::{BlockEnvSpec, Hvm};
use super::fake_view::FakeBtcView;
use revm::primitives::{Address, U256, Bytes, TxKind};
use std::time::{Duration, Instant};

fn addr(i: u32) -> Address { let mut b=[0u8;20]; b[0]=0xaa; b[16..].copy_from_slice(&i.to_be_bytes()); Address::from(b) }

#[test]
fn speed() {
    let n = 20_000u32;
    let accounts: Vec<_> = (0..n).map(|i| (addr(i), U256::from(ETHER))).collect();
    let token = Address::repeat_byte(0x70);
    let storage: Vec<_> = (0..n).map(|i| (token, token_balance_slot(addr(i)), U256::from(1_000_000u64))).collect();
    let mut hvm = Hvm::genesis_with_storage(CHAIN_ID, &accounts, &[(token, contracts::token_runtime())], &storage);
    let view = FakeBtcView::default();
    let per = 2000u32;
    for kind in ["eth", "token"] {
        let mut best = 0f64; let mut best_finish = 0f64;
        for round in 0..6u32 {
            let mut total = Duration::ZERO; let mut finish_t = Duration::ZERO;
            for b in 0..5u32 {
                let txs: Vec<_> = (0..per).map(|k| {
                    let i = (b * per + k + round * 977) % n; let j = (i + 7919) % n;
                    let from = addr(i); let nonce = hvm.nonce(from);
                    if kind == "eth" { transfer(from, addr(j), nonce, 1) } else { call(from, token, nonce, 60_000, contracts::token_transfer_calldata(addr(j), U256::from(1))) }
                }).collect();
                let e = BlockEnvSpec { gas_limit: 1_000_000_000, ..env(hvm.blocks_executed() + 1) };
                let start = Instant::now();
                let mut block = hvm.begin_block(&e, &view);
                for tx in &txs { assert!(block.apply(tx).expect("valid").success); }
                let f0 = Instant::now();
                block.finish();
                finish_t += f0.elapsed();
                total += start.elapsed();
            }
            let rate = (5 * per) as f64 / total.as_secs_f64();
            if rate > best { best = rate; best_finish = finish_t.as_secs_f64() / total.as_secs_f64(); }
        }
        println!("{kind}: best {best:.0} tx/s through BlockBuilder::apply+finish (finish share {:.1}%)", 100.0 * best_finish);
    }
    assert_eq!(hvm.recompute_state_root(), hvm.state_root());

    use revm::{Context, MainContext, MainBuilder, ExecuteCommitEvm};
    use revm::context::TxEnv;
    use revm::database::{CacheDB, EmptyDB};
    let mut db = CacheDB::<EmptyDB>::default();
    for i in 0..n { db.insert_account_info(addr(i), revm::state::AccountInfo::from_balance(U256::from(ETHER))); }
    db.insert_account_info(token, revm::state::AccountInfo::from_bytecode(revm::bytecode::Bytecode::new_raw(contracts::token_runtime())));
    for i in 0..n { db.insert_account_storage(token, token_balance_slot(addr(i)), U256::from(1_000_000u64)).unwrap_or_else(|e| match e {}); }
    let mut evm = Context::mainnet().with_db(db).modify_cfg_chained(|c| c.chain_id = CHAIN_ID).build_mainnet();
    let mut nonces = vec![0u64; n as usize];
    for kind in ["eth", "token"] {
        let mut best = 0f64;
        for round in 0..6u32 {
            let start = Instant::now();
            for k in 0..10_000u32 {
                let i = (k + round * 977) % n; let j = (i + 7919) % n;
                let (to, value, data, gas) = if kind == "eth" { (addr(j), U256::from(1), Bytes::new(), 21_000) } else { (token, U256::ZERO, contracts::token_transfer_calldata(addr(j), U256::from(1)), 60_000) };
                let tx = TxEnv { tx_type: 0, caller: addr(i), gas_limit: gas, gas_price: 0, kind: TxKind::Call(to), value, data, nonce: nonces[i as usize], chain_id: Some(CHAIN_ID), ..Default::default() };
                nonces[i as usize] += 1;
                assert!(evm.transact_commit(tx).expect("ok").is_success());
            }
            best = best.max(10_000.0 / start.elapsed().as_secs_f64());
        }
        println!("raw revm transact_commit {kind}: best {best:.0} tx/s");
    }
}

#[test]
fn speed_ours_eth() {
    let n = 20_000u32;
    let accounts: Vec<_> = (0..n).map(|i| (addr(i), U256::from(ETHER))).collect();
    let mut hvm = Hvm::genesis(CHAIN_ID, &accounts, &[]);
    let view = FakeBtcView::default();
    let per = 2000u32;
    let mut total = Duration::ZERO;
    for b in 0..100u32 {
        let txs: Vec<_> = (0..per).map(|k| { let i = (b * per + k) % n; let j = (i + 7919) % n; transfer(addr(i), addr(j), hvm.nonce(addr(i)), 1) }).collect();
        let e = BlockEnvSpec { gas_limit: 1_000_000_000, ..env(hvm.blocks_executed() + 1) };
        let start = Instant::now();
        let mut block = hvm.begin_block(&e, &view);
        for tx in &txs { block.apply(tx).expect("valid"); }
        block.finish();
        total += start.elapsed();
    }
    println!("ours eth: {:.0} tx/s", (100 * per) as f64 / total.as_secs_f64());
}
