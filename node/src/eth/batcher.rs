//! The batcher: posts the sequencer's blocks to L1 as channels of frames (OP's batcher).
//!
//! A faithful simplification of op-batcher (`op-batcher/batcher/channel_builder.go`,
//! `channel_config.go`, `service.go`; flag defaults in `op-batcher/flags/flags.go`). It is fed
//! each new unsafe L2 block as a [`SingularBatch`] and buffers them in one open channel, which
//! closes:
//! - when `batcher_interval` has passed since it opened (op-batcher's `max-channel-duration`,
//!   counted here in simulated time);
//! - when L1 reaches `oldest origin + seq_window_blocks - sub_safety_margin_blocks`, so that the
//!   channel lands inside its oldest block's sequencing window (`updateSwTimeout`);
//! - at its size target: `target_frames` frames of at most one blob (or one calldata
//!   transaction) each (`MaxDataSize`); a block that would overflow it opens the next channel.
//!
//! Sizes come from the real encodings: each batch is sized as its RLP encoding (the header fields
//! and every [`SequencedTx::encoded_len`]), and the channel as their sum times
//! [`COMPRESSION_RATIO_PERCENT`]. A closed channel is split into frames of at most
//! [`max_frame_bytes`] (23 bytes of frame header each), one blob per frame, and posted in
//! transactions of `target_frames` blobs (calldata: one frame per transaction), each with its L1
//! fee at fixed, documented prices (recorded, not a fee market).
//!
//! A transaction that never lands (a fault dropped it on its way to L1) is resubmitted, as
//! op-batcher's transaction manager gives up on a transaction not in the mempool after
//! `TxNotInMempoolTimeout` (default 2 minutes, `op-service/txmgr/cli.go`) and the channel manager
//! requeues its frames (`channelManager.TxFailed`). The batcher reads the L1 blocks
//! ([`Batcher::on_l1_block`]) and tracks each posted channel until all its frames are seen
//! included; a channel whose frames are still missing once the L1 chain it read is
//! [`TX_NOT_IN_MEMPOOL_TIMEOUT_S`] past the newest L1 block it knew when posting is lost: it and
//! every channel posted after it (whose batches derivation, in order, drops without it) are
//! posted again as new channels, closed as [`CloseReason::Resubmitted`], one at a time (the next
//! once the previous is seen on L1, op-batcher's default `max-pending-tx` of 1) until the batcher
//! has caught up, so that they land in order. Measured on the L1
//! clock, so a batcher cut from L1 waits until it has caught up, and a transaction that landed is
//! never sent twice; a run where every transaction lands posts exactly what it did without this.
//!
//! Not modelled: channels spanning several L1 blocks' worth of transactions (a channel's
//! transactions are all posted at once), fee bumping (a resubmission pays the same fee).
//!
//! [`SequencedTx::encoded_len`]: super::types::SequencedTx::encoded_len

use super::params::EthParams;
use super::types::{BatcherTx, ChannelContent, ChannelId, DataKind, Frame, L1Block, L2BlockRef, SingularBatch};
use crate::l2::block::L2Block;
use crate::time::{SimDuration, SimTime};
use crate::units::{L1Number, L2Number};
use revm::primitives::B256;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

/// Usable bytes of one EIP-4844 blob with OP's encoding (`eth.MaxBlobDataSize`).
pub const BLOB_USABLE_BYTES: usize = 130_044;
/// The derivation version byte before the frames of each blob or calldata transaction.
pub const DERIVATION_VERSION_BYTES: usize = 1;
/// A frame's header: channel id 16, frame number 2, data length 4, is_last 1
/// (`derive.FrameV0OverHeadSize`).
pub const FRAME_OVERHEAD_BYTES: usize = 23;
/// op-batcher's default `max-l1-tx-size-bytes` for calldata.
pub const MAX_CALLDATA_TX_BYTES: usize = 120_000;
/// At most 6 blobs in one transaction (EIP-4844; op-batcher's `eth.MaxBlobsPerBlobTx`).
pub const MAX_BLOBS_PER_TX: usize = 6;
/// Blob gas per blob (EIP-4844 `GAS_PER_BLOB`).
pub const BLOB_GAS_PER_BLOB: u64 = 131_072;
/// The intrinsic gas of any transaction.
pub const TX_BASE_GAS: u64 = 21_000;
/// Calldata gas per byte of a data-only transaction since Pectra: EIP-7623's floor of 10 gas per
/// token, 4 tokens per non-zero byte (compressed data is almost all non-zero bytes).
pub const CALLDATA_FLOOR_GAS_PER_BYTE: u64 = 40;
/// Compressed size as a share of the batches' encoded size, in percent: op-batcher's default
/// `approx-compr-ratio` (0.6), its own estimate for typical L2 blocks. An assumption for our
/// encodings, which are close in size to real transactions (no signature, but fixed-width fields).
pub const COMPRESSION_RATIO_PERCENT: usize = 60;

/// A posted channel whose frames are not all on L1 once L1 is this many seconds past the newest
/// block the batcher knew when posting is lost (op-batcher's `TxNotInMempoolTimeout`, 2 minutes:
/// ten 12-s slots, as many as the default `sub_safety_margin_blocks` keeps in hand).
pub const TX_NOT_IN_MEMPOOL_TIMEOUT_S: u64 = 120;

/// The largest frame (header included) a blob or calldata transaction holds, after the version
/// byte (op-batcher: `MaxBlobDataSize - 1`, `max-l1-tx-size-bytes - 1`).
pub fn max_frame_bytes(kind: DataKind) -> usize {
    match kind {
        DataKind::Blob => BLOB_USABLE_BYTES - DERIVATION_VERSION_BYTES,
        DataKind::Calldata => MAX_CALLDATA_TX_BYTES - DERIVATION_VERSION_BYTES,
    }
}

/// Fixed L1 prices the batcher pays (recorded, not market-simulated). Defaults are assumptions
/// for a quiet 2025 mainnet: the blob base fee at its protocol minimum (1 wei, EIP-4844's
/// `MIN_BASE_FEE_PER_BLOB_GAS`, where it sat for much of 2025), an execution base fee of 2 gwei
/// and a priority fee of 1 gwei.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1FeeParams {
    pub blob_base_fee_wei: u128,
    pub base_fee_wei: u128,
    pub priority_fee_wei: u128,
}

impl Default for L1FeeParams {
    fn default() -> Self {
        L1FeeParams { blob_base_fee_wei: 1, base_fee_wei: 2_000_000_000, priority_fee_wei: 1_000_000_000 }
    }
}

/// The batcher's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BatcherConfig {
    /// `false`: it buffers the blocks it is fed but posts nothing.
    pub enabled: bool,
    /// A channel closes this long after it opened.
    pub interval: SimDuration,
    pub seq_window_blocks: u64,
    pub sub_safety_margin_blocks: u64,
    pub data_kind: DataKind,
    /// Frames per channel at its size target, and blobs per transaction (op-batcher's
    /// `target-num-frames`, default 1; at most [`MAX_BLOBS_PER_TX`] with blobs).
    pub target_frames: usize,
    pub fees: L1FeeParams,
}

impl BatcherConfig {
    /// The batcher of a scenario's `[ethereum]` table: blobs, one frame per channel, default fees.
    pub fn new(params: &EthParams) -> BatcherConfig {
        BatcherConfig {
            enabled: params.batcher_enabled,
            interval: params.batcher_interval,
            seq_window_blocks: params.seq_window_blocks,
            sub_safety_margin_blocks: params.sub_safety_margin_blocks,
            data_kind: DataKind::Blob,
            target_frames: 1,
            fees: L1FeeParams::default(),
        }
    }

    /// The compressed bytes at which a channel is full (op-batcher's `MaxDataSize`).
    pub fn target_bytes(&self) -> usize {
        self.target_frames * (max_frame_bytes(self.data_kind) - FRAME_OVERHEAD_BYTES)
    }

    fn frames_per_tx(&self) -> usize {
        match self.data_kind {
            DataKind::Blob => self.target_frames.clamp(1, MAX_BLOBS_PER_TX),
            DataKind::Calldata => 1,
        }
    }
}

/// One new unsafe L2 block, as the batcher is fed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchedBlock {
    pub number: L2Number,
    pub hash: B256,
    pub batch: SingularBatch,
}

impl BatchedBlock {
    /// A settlement chain's block as the batcher is fed it (`None` without an L1 origin): its
    /// sequenced part, which derivation turns back into the same block.
    pub fn of(block: &L2Block) -> Option<BatchedBlock> {
        let origin = block.header.l1_origin?;
        Some(BatchedBlock {
            number: block.header.number,
            hash: block.hash(),
            batch: SingularBatch {
                parent_hash: block.header.parent_hash,
                epoch_num: origin.block.number,
                epoch_hash: origin.block.hash,
                timestamp_s: block.header.timestamp_s,
                transactions: block.sequenced(),
            },
        })
    }
}

/// Why a channel closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// `batcher_interval` passed since it opened.
    Interval,
    /// Its oldest origin's sequencing window, less the safety margin, was about to close.
    SequencingWindow,
    /// It reached its size target.
    Full,
    /// It carries the blocks of a channel that never landed (or of one posted after it).
    Resubmitted,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Interval => "interval",
            CloseReason::SequencingWindow => "sequencing_window",
            CloseReason::Full => "full",
            CloseReason::Resubmitted => "resubmitted",
        }
    }
}

/// What one batcher transaction costs on L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Fee {
    pub blob_gas: u64,
    pub execution_gas: u64,
    pub fee_wei: u128,
}

impl L1Fee {
    pub fn fee_gwei(&self) -> f64 {
        self.fee_wei as f64 / 1e9
    }
}

/// A transaction to post, with what it carries and costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatcherSubmission {
    pub tx: BatcherTx,
    pub fee: L1Fee,
    pub channel: ChannelId,
    /// The L2 blocks of its channel, first and last.
    pub l2_blocks: (L2Number, L2Number),
    pub closed_by: CloseReason,
}

/// Totals, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatcherStats {
    pub channels: u64,
    pub txs: u64,
    pub frames: u64,
    pub data_bytes: u64,
    pub fees_wei: u128,
}

/// A block that does not continue the batcher's chain: after an L2 reorg, call
/// [`Batcher::reset_to`] first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("batcher fed block {got} with parent {parent}, expected block {expected} on {tip}")]
pub struct NotContiguousError {
    pub expected: L2Number,
    pub tip: B256,
    pub got: L2Number,
    pub parent: B256,
}

/// The channel being filled.
#[derive(Debug, Clone)]
struct OpenChannel {
    opened_at: SimTime,
    oldest_origin: L1Number,
    encoded_bytes: usize,
    first: L2Number,
    last: L2Number,
    batches: Vec<SingularBatch>,
}

/// A channel closed and not yet posted.
#[derive(Debug, Clone)]
struct ClosedChannel {
    channel: OpenChannel,
    reason: CloseReason,
}

/// A posted channel not yet seen whole on L1.
#[derive(Debug, Clone)]
struct InFlight {
    id: ChannelId,
    /// What it carried, to post again if it is lost: its span, and its batches (shared with
    /// the frames posted: `channel.batches` is empty while in flight).
    channel: OpenChannel,
    content: Arc<ChannelContent>,
    /// Its frames not yet seen in an L1 block.
    unseen: BTreeSet<u16>,
    /// The time of the newest L1 block read when it was posted (`None`: none read yet; then the
    /// first one read after).
    posted_after_l1_s: Option<u64>,
}

impl InFlight {
    fn is_lost(&self, l1_time_s: Option<u64>) -> bool {
        let (Some(posted), Some(now)) = (self.posted_after_l1_s, l1_time_s) else { return false };
        !self.unseen.is_empty() && now >= posted + TX_NOT_IN_MEMPOOL_TIMEOUT_S
    }

    /// The lost channel to post again, its batches back in it (copied only if a frame posted
    /// still holds them).
    fn resubmission(self) -> ClosedChannel {
        let mut channel = self.channel;
        channel.batches = Arc::unwrap_or_clone(self.content).batches;
        ClosedChannel { channel, reason: CloseReason::Resubmitted }
    }
}

/// The batcher's state.
#[derive(Debug, Clone)]
pub struct Batcher {
    config: BatcherConfig,
    /// The last block fed (or the safe head after a reset).
    tip: (L2Number, B256),
    open: Option<OpenChannel>,
    closed: VecDeque<ClosedChannel>,
    /// Posted channels, oldest first, until they and every older one are seen on L1.
    in_flight: VecDeque<InFlight>,
    /// The time of the newest L1 block read.
    l1_time_s: Option<u64>,
    /// Since a loss, until caught up: one channel in flight at a time (op-batcher's default
    /// `max-pending-tx` is 1).
    one_at_a_time: bool,
    channel_ids_issued: u64,
    stats: BatcherStats,
}

impl Batcher {
    /// A batcher whose chain starts at `start` (the L2 genesis, or the safe head).
    pub fn new(config: BatcherConfig, start: &L2BlockRef) -> Batcher {
        Batcher {
            config,
            tip: (start.number, start.hash),
            open: None,
            closed: VecDeque::new(),
            in_flight: VecDeque::new(),
            l1_time_s: None,
            one_at_a_time: false,
            channel_ids_issued: 0,
            stats: BatcherStats::default(),
        }
    }

    pub fn stats(&self) -> BatcherStats {
        self.stats
    }

    /// The last block fed (or the safe head it started from).
    pub fn tip(&self) -> L2Number {
        self.tip.0
    }

    /// Turns posting off or back on (blocks fed meanwhile are kept and posted when back on).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.config.enabled = enabled;
    }

    /// The next unsafe block. It must be the child of the last one fed.
    pub fn add_block(&mut self, now: SimTime, block: BatchedBlock) -> Result<(), NotContiguousError> {
        let (tip_number, tip_hash) = self.tip;
        if block.number != tip_number.next() || block.batch.parent_hash != tip_hash {
            return Err(NotContiguousError {
                expected: tip_number.next(),
                tip: tip_hash,
                got: block.number,
                parent: block.batch.parent_hash,
            });
        }
        self.tip = (block.number, block.hash);
        let size = singular_batch_encoded_len(&block.batch);
        if self.open.as_ref().is_some_and(|open| compressed_len(open.encoded_bytes + size) > self.config.target_bytes())
        {
            self.close(CloseReason::Full);
        }
        let open = self.open.get_or_insert_with(|| OpenChannel {
            opened_at: now,
            oldest_origin: block.batch.epoch_num,
            encoded_bytes: 0,
            first: block.number,
            last: block.number,
            batches: Vec::new(),
        });
        open.encoded_bytes += size;
        open.last = block.number;
        open.oldest_origin = open.oldest_origin.min(block.batch.epoch_num);
        open.batches.push(block.batch);
        // A block too big for an empty channel fills one alone.
        if compressed_len(open.encoded_bytes) >= self.config.target_bytes() {
            self.close(CloseReason::Full);
        }
        Ok(())
    }

    /// The transactions to post now, with L1 at `l1_head`: every channel closed since the last
    /// poll, and the open one if its interval or its sequencing-window margin is reached.
    pub fn poll(&mut self, now: SimTime, l1_head: L1Number) -> Vec<BatcherSubmission> {
        if !self.config.enabled {
            return Vec::new();
        }
        self.requeue_lost();
        if let Some(reason) = self.open.as_ref().and_then(|open| self.due(open, now, l1_head)) {
            self.close(reason);
        }
        if self.one_at_a_time {
            return self.next_in_order();
        }
        let closed: Vec<ClosedChannel> = self.closed.drain(..).collect();
        closed.into_iter().flat_map(|closed| self.submit(closed)).collect()
    }

    /// After a loss: the next channel once every one posted is seen on L1, so that they land in
    /// order (transactions posted together may reach L1 in any order, and derivation drops a
    /// batch from the future); back to posting every closed channel at once when caught up.
    fn next_in_order(&mut self) -> Vec<BatcherSubmission> {
        if !self.in_flight.is_empty() {
            return Vec::new();
        }
        match self.closed.pop_front() {
            Some(closed) => self.submit(closed),
            None => {
                self.one_at_a_time = false;
                Vec::new()
            }
        }
    }

    /// After an L2 reorg: forget every block not yet posted; the next block fed must be the
    /// child of `safe` (the caller re-feeds the unsafe chain above it, as op-batcher reloads
    /// blocks from the safe head after clearing its state).
    pub fn reset_to(&mut self, safe: &L2BlockRef) {
        self.open = None;
        self.closed.clear();
        self.in_flight.clear();
        self.one_at_a_time = false;
        self.tip = (safe.number, safe.hash);
    }

    /// An L1 block read (in order): the frames it includes are no longer in flight.
    pub fn on_l1_block(&mut self, block: &L1Block) {
        self.l1_time_s = Some(self.l1_time_s.map_or(block.block.time_s, |t| t.max(block.block.time_s)));
        for flight in &mut self.in_flight {
            flight.posted_after_l1_s.get_or_insert(block.block.time_s);
        }
        for frame in block.batcher_txs.iter().flat_map(|tx| &tx.frames) {
            if let Some(flight) = self.in_flight.iter_mut().find(|flight| flight.id == frame.channel) {
                flight.unseen.remove(&frame.number);
            }
        }
        while self.in_flight.front().is_some_and(|flight| flight.unseen.is_empty()) {
            self.in_flight.pop_front();
        }
    }

    /// The posted channels not yet all seen on L1, for tests and reports.
    pub fn in_flight_channels(&self) -> usize {
        self.in_flight.len()
    }

    /// The oldest lost channel and every one posted after it go back to the front of the queue,
    /// in order: derivation reads batches in order, so the later ones are dropped without it.
    fn requeue_lost(&mut self) {
        let Some(lost) = self.in_flight.iter().position(|flight| flight.is_lost(self.l1_time_s)) else { return };
        let again = self.in_flight.split_off(lost);
        self.one_at_a_time = true;
        for flight in again.into_iter().rev() {
            self.closed.push_front(flight.resubmission());
        }
    }

    /// Whether the open channel must close now, and why.
    fn due(&self, open: &OpenChannel, now: SimTime, l1_head: L1Number) -> Option<CloseReason> {
        let window_deadline =
            (open.oldest_origin.0 + self.config.seq_window_blocks).saturating_sub(self.config.sub_safety_margin_blocks);
        if l1_head.0 >= window_deadline {
            Some(CloseReason::SequencingWindow)
        } else if now >= open.opened_at + self.config.interval {
            Some(CloseReason::Interval)
        } else {
            None
        }
    }

    fn close(&mut self, reason: CloseReason) {
        if let Some(channel) = self.open.take() {
            self.closed.push_back(ClosedChannel { channel, reason });
        }
    }

    /// A closed channel as frames, in transactions, with their fees.
    fn submit(&mut self, closed: ClosedChannel) -> Vec<BatcherSubmission> {
        let id = self.next_channel_id();
        let ClosedChannel { mut channel, reason } = closed;
        let content = Arc::new(ChannelContent { batches: std::mem::take(&mut channel.batches) });
        let (first, last) = (channel.first, channel.last);
        let frames = split_into_frames(
            id,
            compressed_len(channel.encoded_bytes),
            max_frame_bytes(self.config.data_kind),
            &content,
        );
        self.in_flight.push_back(InFlight {
            id,
            channel,
            content,
            unseen: frames.iter().map(|frame| frame.number).collect(),
            posted_after_l1_s: self.l1_time_s,
        });
        self.stats.channels += 1;
        let submissions: Vec<BatcherSubmission> = frames
            .chunks(self.config.frames_per_tx())
            .map(|frames| {
                let tx = BatcherTx { frames: frames.to_vec(), data_kind: self.config.data_kind };
                let fee = l1_fee(&tx, &self.config.fees);
                BatcherSubmission { tx, fee, channel: id, l2_blocks: (first, last), closed_by: reason }
            })
            .collect();
        for submission in &submissions {
            self.stats.txs += 1;
            self.stats.frames += submission.tx.frames.len() as u64;
            self.stats.data_bytes += submission.tx.data_bytes() as u64;
            self.stats.fees_wei += submission.fee.fee_wei;
        }
        submissions
    }

    /// Channel ids are a counter (op-batcher draws them at random; any unique id serves).
    fn next_channel_id(&mut self) -> ChannelId {
        self.channel_ids_issued += 1;
        let mut id = [0u8; 16];
        id[8..].copy_from_slice(&self.channel_ids_issued.to_be_bytes());
        ChannelId(id)
    }
}

/// The compressed size of `encoded` bytes of batches.
pub fn compressed_len(encoded: usize) -> usize {
    (encoded * COMPRESSION_RATIO_PERCENT).div_ceil(100)
}

/// `compressed` bytes of channel data as frames of at most `max_frame` bytes (header included),
/// the last one marked; an empty channel still has its one closing frame.
pub fn split_into_frames(
    id: ChannelId,
    compressed: usize,
    max_frame: usize,
    content: &Arc<ChannelContent>,
) -> Vec<Frame> {
    let per_frame = max_frame - FRAME_OVERHEAD_BYTES;
    let count = compressed.div_ceil(per_frame).max(1);
    (0..count)
        .map(|i| {
            let is_last = i + 1 == count;
            let data = if is_last { compressed - i * per_frame } else { per_frame };
            Frame {
                channel: id,
                number: u16::try_from(i).expect("a channel of at most a few hundred frames"),
                is_last,
                size_bytes: u32::try_from(FRAME_OVERHEAD_BYTES + data).expect("a frame fits one blob"),
                content: Arc::clone(content),
            }
        })
        .collect()
}

/// What `tx` costs at `fees`: blobs pay blob gas and the base transaction gas; calldata pays
/// EIP-7623's floor per byte.
pub fn l1_fee(tx: &BatcherTx, fees: &L1FeeParams) -> L1Fee {
    let (blob_gas, execution_gas) = match tx.data_kind {
        DataKind::Blob => (BLOB_GAS_PER_BLOB * tx.frames.len() as u64, TX_BASE_GAS),
        DataKind::Calldata => (0, TX_BASE_GAS + CALLDATA_FLOOR_GAS_PER_BYTE * tx.data_bytes() as u64),
    };
    let fee_wei = u128::from(blob_gas) * fees.blob_base_fee_wei
        + u128::from(execution_gas) * (fees.base_fee_wei + fees.priority_fee_wei);
    L1Fee { blob_gas, execution_gas, fee_wei }
}

/// A singular batch's size in a channel: its RLP encoding (version byte, then the list of parent
/// hash, epoch number, epoch hash, timestamp and the transaction list) as an RLP string.
pub fn singular_batch_encoded_len(batch: &SingularBatch) -> usize {
    let txs: usize = batch.transactions.iter().map(|tx| rlp_string_len(tx.encoded_len())).sum();
    let fields = rlp_string_len(32)
        + rlp_uint_len(batch.epoch_num.0)
        + rlp_string_len(32)
        + rlp_uint_len(batch.timestamp_s)
        + rlp_list_len(txs);
    rlp_string_len(1 + rlp_list_len(fields))
}

/// Bytes of an RLP length prefix for a payload of `len` bytes.
fn rlp_header_len(len: usize) -> usize {
    if len < 56 { 1 } else { 1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize }
}

fn rlp_string_len(len: usize) -> usize {
    rlp_header_len(len) + len
}

fn rlp_list_len(payload: usize) -> usize {
    rlp_header_len(payload) + payload
}

fn rlp_uint_len(value: u64) -> usize {
    if value < 0x80 { 1 } else { 1 + (u64::BITS - value.leading_zeros()).div_ceil(8) as usize }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::test_l1::{MiniL1, MiniSequencer, l2_genesis, transfer};
    use crate::eth::types::SequencedTx;

    fn config() -> BatcherConfig {
        BatcherConfig::new(&EthParams::default())
    }

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    /// A chain of `count` blocks, 12 s apart, on an L1 of 12 s slots mined along.
    fn blocks(count: usize, txs_per_block: u64) -> (L2BlockRef, Vec<BatchedBlock>) {
        let mut l1 = MiniL1::new(12);
        let genesis = l2_genesis(&l1);
        let mut sequencer = MiniSequencer::new(genesis, 12, 4, txs_per_block);
        let blocks = (0..count)
            .map(|_| {
                l1.mine(vec![], 0);
                sequencer.build(&l1).batched
            })
            .collect();
        (genesis, blocks)
    }

    #[test]
    fn a_channel_closes_when_the_interval_has_passed_since_it_opened() {
        let (genesis, blocks) = blocks(8, 2);
        let mut batcher = Batcher::new(config(), &genesis);
        for (i, block) in blocks.into_iter().enumerate() {
            batcher.add_block(at(12 * i as u64), block).expect("a chain");
            if i == 5 {
                assert!(batcher.poll(at(59), L1Number(5)).is_empty(), "60 s not yet passed");
                let posted = batcher.poll(at(60), L1Number(5));
                assert_eq!(posted.len(), 1);
                assert_eq!(posted[0].closed_by, CloseReason::Interval);
                assert_eq!(posted[0].l2_blocks, (L2Number(1), L2Number(6)));
                assert_eq!(posted[0].tx.frames.len(), 1);
                assert!(posted[0].tx.frames[0].is_last);
                assert_eq!(posted[0].tx.frames[0].content.batches.len(), 6);
            }
        }
        // The next channel opened with block 7, at 72 s.
        assert!(batcher.poll(at(131), L1Number(10)).is_empty());
        assert_eq!(batcher.poll(at(132), L1Number(10))[0].l2_blocks, (L2Number(7), L2Number(8)));
    }

    #[test]
    fn a_channel_closes_before_its_oldest_origins_window_minus_the_margin() {
        let (genesis, blocks) = blocks(3, 1);
        let oldest = blocks[0].batch.epoch_num;
        let mut batcher = Batcher::new(
            BatcherConfig { interval: SimDuration::from_secs(86_400), seq_window_blocks: 24, ..config() },
            &genesis,
        );
        for block in blocks {
            batcher.add_block(at(0), block).expect("a chain");
        }
        let deadline = oldest.up(24 - 10);
        assert!(batcher.poll(at(1), L1Number(deadline.0 - 1)).is_empty());
        let posted = batcher.poll(at(1), deadline);
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].closed_by, CloseReason::SequencingWindow);
    }

    #[test]
    fn frames_fill_a_blob_to_its_last_usable_byte_and_no_further() {
        let content = Arc::new(ChannelContent { batches: vec![] });
        let id = ChannelId([7; 16]);
        let per_frame = BLOB_USABLE_BYTES - DERIVATION_VERSION_BYTES - FRAME_OVERHEAD_BYTES;
        let max_frame = max_frame_bytes(DataKind::Blob);

        let exact = split_into_frames(id, per_frame, max_frame, &content);
        assert_eq!(exact.len(), 1);
        assert_eq!(exact[0].size_bytes as usize + DERIVATION_VERSION_BYTES, BLOB_USABLE_BYTES);
        assert!(exact[0].is_last);

        let over = split_into_frames(id, per_frame + 1, max_frame, &content);
        assert_eq!(
            over.iter().map(|f| f.size_bytes as usize).collect::<Vec<_>>(),
            vec![max_frame, FRAME_OVERHEAD_BYTES + 1]
        );
        assert_eq!(over.iter().map(|f| (f.number, f.is_last)).collect::<Vec<_>>(), vec![(0, false), (1, true)]);

        let empty = split_into_frames(id, 0, max_frame, &content);
        assert_eq!((empty.len(), empty[0].size_bytes as usize), (1, FRAME_OVERHEAD_BYTES));
    }

    #[test]
    fn a_block_larger_than_its_channel_target_fills_a_channel_alone_in_blobs_of_at_most_their_usable_bytes() {
        // 1.5 MB of call data: 900 kB compressed, over the 6-blob target of 780,120 bytes.
        let (genesis, mut blocks) = blocks(1, 0);
        let mut big = transfer(1);
        big.input = vec![0xab; 1_500_000].into();
        blocks[0].batch.transactions.push(SequencedTx::User(Arc::new(big)));
        let encoded = singular_batch_encoded_len(&blocks[0].batch);
        let six_blobs = BatcherConfig { target_frames: 6, ..config() };
        let mut batcher = Batcher::new(six_blobs, &genesis);
        batcher.add_block(at(0), blocks.remove(0)).expect("a chain");
        let posted = batcher.poll(at(0), L1Number(0));
        let frames: Vec<&Frame> = posted.iter().flat_map(|s| &s.tx.frames).collect();
        assert_eq!(frames.len(), compressed_len(encoded).div_ceil(130_020));
        assert_eq!(frames.len(), 7);
        assert_eq!(posted.iter().map(|s| s.tx.frames.len()).collect::<Vec<_>>(), vec![6, 1], "at most 6 blobs a tx");
        assert!(posted.iter().all(|s| s.closed_by == CloseReason::Full));
        assert!(frames.iter().all(|frame| frame.size_bytes as usize + DERIVATION_VERSION_BYTES <= BLOB_USABLE_BYTES));
        let data: usize = frames.iter().map(|frame| frame.size_bytes as usize - FRAME_OVERHEAD_BYTES).sum();
        assert_eq!(data, compressed_len(encoded));
        assert_eq!(posted[0].fee.blob_gas, BLOB_GAS_PER_BLOB * 6);
    }

    #[test]
    fn a_full_channel_closes_and_the_overflowing_block_opens_the_next() {
        // Blocks of ~100 kB encoded: 60 kB compressed, two of them fill one blob's 130,020 bytes.
        let (genesis, mut blocks) = blocks(5, 0);
        for (i, block) in blocks.iter_mut().enumerate() {
            let mut tx = transfer(i as u64);
            tx.input = vec![1; 100_000].into();
            block.batch.transactions.push(SequencedTx::User(Arc::new(tx)));
        }
        let mut batcher = Batcher::new(config(), &genesis);
        for block in blocks {
            batcher.add_block(at(0), block).expect("a chain");
        }
        let posted = batcher.poll(at(0), L1Number(0));
        let ranges: Vec<_> = posted.iter().map(|s| (s.l2_blocks, s.closed_by)).collect();
        assert_eq!(
            ranges,
            vec![((L2Number(1), L2Number(2)), CloseReason::Full), ((L2Number(3), L2Number(4)), CloseReason::Full)]
        );
        assert!(posted.iter().all(|s| s.tx.frames.len() == 1));
        // Block 5 waits in the open channel for its interval.
        assert_eq!(batcher.poll(at(60), L1Number(0))[0].l2_blocks, (L2Number(5), L2Number(5)));
    }

    #[test]
    fn a_disabled_batcher_posts_nothing_and_posts_its_backlog_when_enabled() {
        let (genesis, blocks) = blocks(10, 1);
        let mut batcher = Batcher::new(BatcherConfig { enabled: false, ..config() }, &genesis);
        for (i, block) in blocks.into_iter().enumerate() {
            batcher.add_block(at(12 * i as u64), block).expect("a chain");
            assert!(batcher.poll(at(12 * i as u64 + 6), L1Number(3_600)).is_empty());
        }
        assert_eq!(batcher.stats(), BatcherStats::default());
        batcher.set_enabled(true);
        let posted = batcher.poll(at(200), L1Number(5));
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].l2_blocks, (L2Number(1), L2Number(10)));
    }

    #[test]
    fn after_a_reset_it_takes_the_new_chain_from_the_safe_head_and_forgets_the_old() {
        let (genesis, old) = blocks(4, 1);
        let (_, new) = blocks(4, 3);
        let mut batcher = Batcher::new(config(), &genesis);
        for block in old.clone() {
            batcher.add_block(at(0), block).expect("a chain");
        }
        let error = batcher.add_block(at(0), new[0].clone()).expect_err("block 1 again, on genesis");
        assert_eq!((error.expected, error.got), (L2Number(5), L2Number(1)));
        batcher.reset_to(&genesis);
        for block in new.clone() {
            batcher.add_block(at(10), block).expect("the new chain, from the safe head");
        }
        let posted = batcher.poll(at(70), L1Number(0));
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].tx.frames[0].content.batches, new.into_iter().map(|b| b.batch).collect::<Vec<_>>());
    }

    /// Two channels of blocks 1..3 and 4..6 posted at 36 s and 72 s (L1 read up to those times).
    fn two_posted_channels(l1: &mut MiniL1) -> (Batcher, Vec<BatcherSubmission>, Vec<BatcherSubmission>) {
        let (genesis, blocks) = blocks(6, 1);
        let mut batcher = Batcher::new(BatcherConfig { interval: SimDuration::from_secs(36), ..config() }, &genesis);
        let mut posted = vec![];
        for (i, block) in blocks.into_iter().enumerate() {
            batcher.add_block(at(12 * i as u64), block).expect("a chain");
            batcher.on_l1_block(l1.mine(vec![], 0));
            posted.push(batcher.poll(at(12 * i as u64 + 12), l1.head().number));
        }
        let second = posted.pop().expect("six polls");
        let first = posted.remove(2);
        assert!(posted.iter().all(Vec::is_empty));
        assert_eq!((first[0].l2_blocks, second[0].l2_blocks), ((L2Number(1), L2Number(3)), (L2Number(4), L2Number(6))));
        (batcher, first, second)
    }

    #[test]
    fn a_lost_transaction_is_resubmitted_with_the_later_ones_once_l1_is_two_minutes_past_its_posting() {
        let mut l1 = MiniL1::new(12);
        let (mut batcher, first, second) = two_posted_channels(&mut l1);
        // The first is lost on its way; the second lands in the next block.
        batcher.on_l1_block(l1.mine(vec![second[0].tx.clone()], 0));
        assert_eq!(batcher.in_flight_channels(), 2, "the second waits for the first");
        // The first was posted after the L1 block of 36 s: it is lost once L1 reads 156 s.
        while l1.head().time_s < 36 + TX_NOT_IN_MEMPOOL_TIMEOUT_S - 12 {
            batcher.on_l1_block(l1.mine(vec![], 0));
        }
        assert!(batcher.poll(at(200), l1.head().number).is_empty(), "L1 is at 144 s: not yet");
        batcher.on_l1_block(l1.mine(vec![], 0));
        // Both, in order, as new channels, one at a time: the next once the previous landed.
        let again = batcher.poll(at(200), l1.head().number);
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].l2_blocks, again[0].closed_by), ((L2Number(1), L2Number(3)), CloseReason::Resubmitted));
        assert_eq!(again[0].tx.frames[0].content, first[0].tx.frames[0].content);
        assert_ne!(again[0].channel, first[0].channel);
        assert!(batcher.poll(at(206), l1.head().number).is_empty(), "the first is not seen on L1 yet");
        batcher.on_l1_block(l1.mine(vec![again[0].tx.clone()], 0));
        let next = batcher.poll(at(212), l1.head().number);
        assert_eq!(next.len(), 1);
        assert_eq!((next[0].l2_blocks, next[0].closed_by), ((L2Number(4), L2Number(6)), CloseReason::Resubmitted));
        assert_eq!(next[0].tx.frames[0].content, second[0].tx.frames[0].content);
        // Once they land, nothing more is sent.
        batcher.on_l1_block(l1.mine(vec![next[0].tx.clone()], 0));
        assert_eq!(batcher.in_flight_channels(), 0);
        for _ in 0..20 {
            batcher.on_l1_block(l1.mine(vec![], 0));
        }
        assert!(batcher.poll(at(500), l1.head().number).is_empty());
    }

    #[test]
    fn a_landed_transaction_is_not_resubmitted_even_when_the_batcher_reads_it_late() {
        let mut l1 = MiniL1::new(12);
        let (mut batcher, first, second) = two_posted_channels(&mut l1);
        // Both land, but the batcher reads nothing for five minutes (cut from L1), then catches up.
        l1.mine(vec![first[0].tx.clone(), second[0].tx.clone()], 0);
        for _ in 0..25 {
            l1.mine(vec![], 0);
        }
        assert!(batcher.poll(at(400), l1.head().number).is_empty(), "it has not read L1 past the posting");
        for number in 7..l1.blocks.len() {
            batcher.on_l1_block(&l1.blocks[number]);
        }
        assert_eq!(batcher.in_flight_channels(), 0);
        assert!(batcher.poll(at(400), l1.head().number).is_empty());
    }

    #[test]
    fn fees_at_the_documented_prices() {
        let content = Arc::new(ChannelContent { batches: vec![] });
        let frames = split_into_frames(ChannelId([1; 16]), 1_000, max_frame_bytes(DataKind::Blob), &content);
        let fees = L1FeeParams::default();
        let blob = l1_fee(&BatcherTx { frames: frames.clone(), data_kind: DataKind::Blob }, &fees);
        assert_eq!((blob.blob_gas, blob.execution_gas), (131_072, 21_000));
        assert_eq!(blob.fee_wei, 131_072 + 21_000 * 3_000_000_000);
        let calldata = l1_fee(&BatcherTx { frames, data_kind: DataKind::Calldata }, &fees);
        // 1,000 bytes of data, 23 of frame header, 1 version byte.
        assert_eq!((calldata.blob_gas, calldata.execution_gas), (0, 21_000 + 40 * 1_024));
        assert!((calldata.fee_gwei() - (21_000.0 + 40_960.0) * 3.0).abs() < 1e-6);
    }

    #[test]
    fn calldata_frames_fit_a_120_kb_transaction() {
        let content = Arc::new(ChannelContent { batches: vec![] });
        let frames = split_into_frames(ChannelId([1; 16]), 300_000, max_frame_bytes(DataKind::Calldata), &content);
        assert_eq!(frames.len(), 3);
        for frame in frames {
            let tx = BatcherTx { frames: vec![frame], data_kind: DataKind::Calldata };
            assert!(tx.data_bytes() <= MAX_CALLDATA_TX_BYTES);
        }
    }

    #[test]
    fn a_batch_is_sized_as_its_rlp_encoding() {
        let (_, blocks) = blocks(1, 0);
        let mut batch = blocks[0].batch.clone();
        batch.transactions.clear();
        batch.epoch_num = L1Number(5);
        batch.timestamp_s = 1_000;
        // List: parent 1+32, epoch 1, epoch hash 1+32, timestamp 1+2, empty list 1 = 71 bytes,
        // behind a 2-byte list header; then the version byte; then a 2-byte string header.
        assert_eq!(singular_batch_encoded_len(&batch), 2 + 1 + 2 + 71);
        // A 105-byte transaction adds 2 + 105 bytes.
        batch.transactions.push(SequencedTx::User(Arc::new(transfer(1))));
        assert_eq!(SequencedTx::User(Arc::new(transfer(1))).encoded_len(), 105);
        assert_eq!(
            singular_batch_encoded_len(&batch),
            76 + 107 + 1,
            "the transaction list's header grows to 2 bytes past 55"
        );
        assert_eq!((rlp_header_len(55), rlp_header_len(56), rlp_header_len(255), rlp_header_len(256)), (1, 2, 2, 3));
    }
}
