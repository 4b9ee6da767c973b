//! Deposited transactions (type 0x7E) as the L2 sees them: their source hashes, their encoding
//! and hash, and the L1-info deposit that opens every L2 block.
//!
//! Rules (OP specs: the deposits page and Isthmus's L1-attributes page; op-node's
//! `deposit_source.go` and `l1_block_info.go`):
//! - A deposit's **source hash** makes it unique: `keccak256(bytes32(domain) ++ keccak256(id))`,
//!   where a user deposit (domain 0) is identified by `l1BlockHash ++ bytes32(logIndex)` and an
//!   L1-info deposit (domain 1) by `l1BlockHash ++ bytes32(sequenceNumber)`.
//! - Its **L2 hash** is `keccak256(0x7E ++ rlp([sourceHash, from, to, mint, value, gas,
//!   isSystemTx, data]))`, `to` empty for a contract creation, `isSystemTx` false since Regolith.
//! - The **L1-info deposit** is a call from the depositor account `0xdead…0001` to the `L1Block`
//!   predeploy `0x42…15` with 1,000,000 gas, carrying the origin's number, time, hash and fees and
//!   the block's sequence number within its epoch, packed as `setL1BlockValuesIsthmus()` (176
//!   bytes; Hemi runs Isthmus since 2025-07-03).
//!
//! How a deposit executes (OP specs, deposits, "Execution"): `mint` is credited to `from` first
//! and is never rolled back; the call runs with the sender's current nonce and the deposit's gas
//! limit, at no L2 gas price (the gas was bought on L1) and without refund; if it fails for any
//! reason (revert, halt, even a value the sender cannot cover) the rest of its effects are undone
//! but the nonce is still bumped; a call the EVM refuses to start uses its whole gas limit, one
//! that runs what it used (Regolith). A deposit is never refused by the L2. Executed by the
//! hVM: [`crate::l2::hvm::BlockBuilder::apply_deposit`].

use super::types::{L1BlockRef, PortalDeposit};
use revm::primitives::{Address, B256, Bytes, U256, address, keccak256};

/// The EIP-2718 type byte of deposited transactions.
pub const DEPOSIT_TX_TYPE: u8 = 0x7E;
/// Sender of the L1-info deposit.
pub const L1_INFO_DEPOSITOR: Address = address!("deaddeaddeaddeaddeaddeaddeaddeaddead0001");
/// The `L1Block` predeploy the L1-info deposit calls.
pub const L1_BLOCK_PREDEPLOY: Address = address!("4200000000000000000000000000000000000015");
/// Gas of the L1-info deposit (Regolith and later).
pub const L1_INFO_GAS: u64 = 1_000_000;
/// The mock L1's base fee and blob base fee, in wei: constant, as the mock L1 has no fee market.
pub const MOCK_L1_BASE_FEE_WEI: u128 = 1_000_000_000;
pub const MOCK_L1_BLOB_BASE_FEE_WEI: u128 = 1;

/// The source-hash domains of deposited transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SourceDomain {
    User = 0,
    L1Info = 1,
    Upgrade = 2,
}

/// `keccak256(bytes32(domain) ++ keccak256(identity))`.
pub fn source_hash(domain: SourceDomain, identity: &[u8]) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[31] = domain as u8;
    preimage[32..].copy_from_slice(keccak256(identity).as_slice());
    keccak256(preimage)
}

/// A user deposit's source hash: where its `TransactionDeposited` event was logged.
pub fn user_deposit_source_hash(l1_block_hash: B256, log_index: u64) -> B256 {
    source_hash(SourceDomain::User, &block_hash_and_index(l1_block_hash, log_index))
}

/// An L1-info deposit's source hash: its origin and its block's place in the epoch.
pub fn l1_info_source_hash(l1_block_hash: B256, sequence_number: u64) -> B256 {
    source_hash(SourceDomain::L1Info, &block_hash_and_index(l1_block_hash, sequence_number))
}

fn block_hash_and_index(l1_block_hash: B256, index: u64) -> [u8; 64] {
    let mut identity = [0u8; 64];
    identity[..32].copy_from_slice(l1_block_hash.as_slice());
    identity[56..].copy_from_slice(&index.to_be_bytes());
    identity
}

/// A deposited transaction: what the L2 executes for a portal deposit or an L1-info deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositTx {
    pub source_hash: B256,
    pub from: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub mint: U256,
    pub value: U256,
    pub gas_limit: u64,
    pub data: Bytes,
}

impl DepositTx {
    /// The deposited transaction of a portal deposit.
    pub fn of_portal_deposit(deposit: &PortalDeposit) -> DepositTx {
        DepositTx {
            source_hash: user_deposit_source_hash(deposit.l1_block_hash, deposit.log_index.into()),
            from: deposit.from,
            to: deposit.to,
            mint: deposit.mint,
            value: deposit.value,
            gas_limit: deposit.gas_limit,
            data: deposit.data.clone(),
        }
    }

    /// `0x7E ++ rlp([sourceHash, from, to, mint, value, gas, isSystemTx = false, data])`.
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = Vec::with_capacity(160 + self.data.len());
        rlp::string(&mut fields, self.source_hash.as_slice());
        rlp::string(&mut fields, self.from.as_slice());
        rlp::string(&mut fields, self.to.as_ref().map_or(&[][..], |to| to.as_slice()));
        rlp::uint(&mut fields, &self.mint.to_be_bytes::<32>());
        rlp::uint(&mut fields, &self.value.to_be_bytes::<32>());
        rlp::uint(&mut fields, &self.gas_limit.to_be_bytes());
        rlp::uint(&mut fields, &[0]); // isSystemTx: false (a system deposit is invalid since Regolith)
        rlp::string(&mut fields, &self.data);
        let mut out = Vec::with_capacity(fields.len() + 10);
        out.push(DEPOSIT_TX_TYPE);
        rlp::list(&mut out, &fields);
        out
    }

    /// The L2 transaction hash.
    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// The L1-info deposit of an L2 block: its origin, its place in the epoch and the L1 fee
/// parameters, in the Isthmus layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1InfoDeposit {
    pub number: u64,
    pub time_s: u64,
    pub base_fee_wei: u128,
    pub blob_base_fee_wei: u128,
    pub block_hash: B256,
    /// How many L2 blocks of the same epoch precede this one (0 for an epoch's first block).
    pub sequence_number: u64,
    pub batcher_hash: B256,
    pub base_fee_scalar: u32,
    pub blob_base_fee_scalar: u32,
    pub operator_fee_scalar: u32,
    pub operator_fee_constant: u64,
}

impl L1InfoDeposit {
    /// The first four bytes of `keccak256("setL1BlockValuesIsthmus()")`.
    pub const SELECTOR: [u8; 4] = [0x09, 0x89, 0x99, 0xbe];
    /// Length of the calldata.
    pub const CALLDATA_LEN: usize = 176;

    /// The L1-info deposit of an L2 block with origin `origin`, `sequence_number` blocks into the
    /// epoch; the mock L1's constant fees, no batcher hash or scalars (the L2 charges no L1 fee).
    pub fn new(origin: &L1BlockRef, sequence_number: u64) -> L1InfoDeposit {
        L1InfoDeposit {
            number: origin.number.0,
            time_s: origin.time_s,
            base_fee_wei: MOCK_L1_BASE_FEE_WEI,
            blob_base_fee_wei: MOCK_L1_BLOB_BASE_FEE_WEI,
            block_hash: origin.hash,
            sequence_number,
            batcher_hash: B256::ZERO,
            base_fee_scalar: 0,
            blob_base_fee_scalar: 0,
            operator_fee_scalar: 0,
            operator_fee_constant: 0,
        }
    }

    /// `setL1BlockValuesIsthmus()`'s packed calldata.
    pub fn calldata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::CALLDATA_LEN);
        out.extend_from_slice(&Self::SELECTOR);
        out.extend_from_slice(&self.base_fee_scalar.to_be_bytes());
        out.extend_from_slice(&self.blob_base_fee_scalar.to_be_bytes());
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.time_s.to_be_bytes());
        out.extend_from_slice(&self.number.to_be_bytes());
        out.extend_from_slice(&U256::from(self.base_fee_wei).to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(self.blob_base_fee_wei).to_be_bytes::<32>());
        out.extend_from_slice(self.block_hash.as_slice());
        out.extend_from_slice(self.batcher_hash.as_slice());
        out.extend_from_slice(&self.operator_fee_scalar.to_be_bytes());
        out.extend_from_slice(&self.operator_fee_constant.to_be_bytes());
        debug_assert_eq!(out.len(), Self::CALLDATA_LEN);
        out
    }

    /// The deposited transaction that carries it.
    pub fn to_deposit_tx(&self) -> DepositTx {
        DepositTx {
            source_hash: l1_info_source_hash(self.block_hash, self.sequence_number),
            from: L1_INFO_DEPOSITOR,
            to: Some(L1_BLOCK_PREDEPLOY),
            mint: U256::ZERO,
            value: U256::ZERO,
            gas_limit: L1_INFO_GAS,
            data: Bytes::from(self.calldata()),
        }
    }
}

/// The few RLP encodings a deposited transaction needs (Ethereum yellow paper, appendix B).
mod rlp {
    /// A byte string.
    pub fn string(out: &mut Vec<u8>, bytes: &[u8]) {
        if let [single] = bytes
            && *single < 0x80
        {
            out.push(*single);
            return;
        }
        header(out, 0x80, bytes.len());
        out.extend_from_slice(bytes);
    }

    /// An unsigned integer given big-endian: its bytes without leading zeros (zero is empty).
    pub fn uint(out: &mut Vec<u8>, big_endian: &[u8]) {
        let first = big_endian.iter().position(|&b| b != 0).unwrap_or(big_endian.len());
        string(out, &big_endian[first..]);
    }

    /// A list whose items are already encoded in `payload`.
    pub fn list(out: &mut Vec<u8>, payload: &[u8]) {
        header(out, 0xc0, payload.len());
        out.extend_from_slice(payload);
    }

    fn header(out: &mut Vec<u8>, offset: u8, len: usize) {
        if len <= 55 {
            out.push(offset + len as u8);
        } else {
            let len_bytes = (len as u64).to_be_bytes();
            let first = len_bytes.iter().position(|&b| b != 0).unwrap_or(7);
            out.push(offset + 55 + (8 - first) as u8);
            out.extend_from_slice(&len_bytes[first..]);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn yellow_paper_examples() {
            let enc = |f: &dyn Fn(&mut Vec<u8>)| {
                let mut out = Vec::new();
                f(&mut out);
                out
            };
            assert_eq!(enc(&|o| string(o, b"dog")), [0x83, b'd', b'o', b'g']);
            assert_eq!(enc(&|o| string(o, b"")), [0x80]);
            assert_eq!(enc(&|o| string(o, &[0x0f])), [0x0f]);
            assert_eq!(enc(&|o| string(o, &[0x80])), [0x81, 0x80]);
            assert_eq!(enc(&|o| uint(o, &0u64.to_be_bytes())), [0x80]);
            assert_eq!(enc(&|o| uint(o, &1024u64.to_be_bytes())), [0x82, 0x04, 0x00]);
            let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
            let mut expected = vec![0xb8, 0x38];
            expected.extend_from_slice(lorem);
            assert_eq!(enc(&|o| string(o, lorem)), expected);
            let mut cat_dog = Vec::new();
            string(&mut cat_dog, b"cat");
            string(&mut cat_dog, b"dog");
            assert_eq!(enc(&|o| list(o, &cat_dog)), [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']);
            assert_eq!(enc(&|o| list(o, &[])), [0xc0]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::L1Number;

    fn hash(hex: &str) -> B256 {
        hex.parse().expect("32-byte hex")
    }

    #[test]
    fn source_hashes_match_published_vectors() {
        // OP's contracts test (Hashing.hashDepositSource).
        assert_eq!(
            user_deposit_source_hash(hash("d25df7858efc1778118fb133ac561b138845361626dfb976699c5287ed0f4959"), 1),
            hash("f923fb07134d7d287cb52c770cc619e17e82606c21a875c92f4c63b65280a5cc")
        );
        // viem's computeSourceHash tests.
        let block = hash("9ba3933dc6ce43c145349770a39c30f9b647f17668f004bd2e05c80a2e7262f7");
        assert_eq!(
            user_deposit_source_hash(block, 196),
            hash("d0868c8764d81f1749edb7dec4a550966963540d9fe50aefce8cdb38ea7b2213")
        );
        assert_eq!(
            l1_info_source_hash(block, 1),
            hash("722c43232e2f9dc07ebc07a02a3056993a2ed1328a1c81377ea99d135af39536")
        );
        // op-node's upgrade-deposit test: domain 2 over an intent string.
        assert_eq!(
            source_hash(SourceDomain::Upgrade, b"Ecotone: L1 Block Proxy Update"),
            hash("18acb38c5ff1c238a7460ebc1b421fa49ec4874bdf1e0a530d234104e5e67dbc")
        );
    }

    #[test]
    fn l1_info_calldata_has_the_isthmus_layout() {
        assert_eq!(keccak256("setL1BlockValuesIsthmus()")[..4], L1InfoDeposit::SELECTOR);
        let origin = L1BlockRef {
            number: L1Number(0x0102),
            hash: B256::repeat_byte(0xaa),
            parent_hash: B256::ZERO,
            time_s: 0x0304,
        };
        let info = L1InfoDeposit { base_fee_scalar: 5, operator_fee_constant: 9, ..L1InfoDeposit::new(&origin, 7) };
        let data = info.calldata();
        assert_eq!(data.len(), 176);
        assert_eq!(data[4..8], 5u32.to_be_bytes(), "base fee scalar");
        assert_eq!(data[12..20], 7u64.to_be_bytes(), "sequence number");
        assert_eq!(data[20..28], 0x0304u64.to_be_bytes(), "origin time");
        assert_eq!(data[28..36], 0x0102u64.to_be_bytes(), "origin number");
        assert_eq!(data[36..68], U256::from(MOCK_L1_BASE_FEE_WEI).to_be_bytes::<32>(), "base fee");
        assert_eq!(data[100..132], [0xaa; 32], "origin hash");
        assert_eq!(data[168..176], 9u64.to_be_bytes(), "operator fee constant");
        let tx = info.to_deposit_tx();
        assert_eq!(
            (tx.from, tx.to, tx.gas_limit, tx.mint),
            (L1_INFO_DEPOSITOR, Some(L1_BLOCK_PREDEPLOY), 1_000_000, U256::ZERO)
        );
        assert_eq!(tx.source_hash, l1_info_source_hash(origin.hash, 7));
        let next = L1InfoDeposit::new(&origin, 8).to_deposit_tx();
        assert_ne!(
            next.hash(),
            L1InfoDeposit::new(&origin, 7).to_deposit_tx().hash(),
            "one L1-info deposit per L2 block"
        );
    }

    #[test]
    fn long_deposit_data_gets_a_long_rlp_header() {
        let tx = DepositTx {
            source_hash: B256::ZERO,
            from: Address::ZERO,
            to: None,
            mint: U256::ZERO,
            value: U256::ZERO,
            gas_limit: 0,
            data: Bytes::from(vec![1; 300]),
        };
        let encoded = tx.encode();
        // type, list header (0xf9 + 2 length bytes), then 33 + 21 + 1 * 5 field bytes, then the data
        // (0xb9 + 2 length bytes + 300).
        let payload = 33 + 21 + 5 + 3 + 300;
        assert_eq!(encoded[..4], [DEPOSIT_TX_TYPE, 0xf9, (payload >> 8) as u8, payload as u8]);
        assert_eq!(encoded[4 + 33 + 21], 0x80, "creation: empty to");
        assert_eq!(encoded.len(), 4 + payload);
    }
}
