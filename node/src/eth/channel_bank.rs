//! Frames to channels, by Holocene's rules: the channel bank of a verifier.
//!
//! Source: OP's Holocene derivation spec ("Frame Queue", "Channel Bank") and op-node's
//! `ChannelAssembler` and `pruneFrameQueue` (`op-node/rollup/derive/channel_assembler.go`,
//! `frame_queue.go`). Since Holocene a verifier holds at most one channel, and its frames must
//! arrive in order:
//! - a first frame (number 0) opens a channel, discarding an incomplete one (whatever its id);
//! - a later frame must continue the open channel with the next number, else it is dropped;
//! - the frame marked last completes the channel, which is handed on whole;
//! - a channel whose first frame was included in L1 block `O` is dropped once derivation reaches
//!   an L1 block past `O + channel_timeout_blocks` (frames may still land at `O + timeout`).
//!
//! Frames carry sizes, not bytes ([`Frame`]): a complete channel's batches are its frames'
//! shared [`ChannelContent`]. Not modelled: the 100 MB cap on a channel's decompressed size
//! (an honest batcher's channels are far below it).

use super::types::{ChannelContent, ChannelId, Frame, L1BlockRef};
use crate::units::L1Number;
use std::sync::Arc;

/// A channel read out whole: its batches and the L1 block its last frame landed in.
#[derive(Debug, Clone)]
pub struct ReadyChannel {
    pub id: ChannelId,
    pub content: Arc<ChannelContent>,
    pub inclusion: L1BlockRef,
}

/// What happened to one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome {
    /// Added to the open channel (which stays incomplete).
    Added,
    /// Added, and the channel is complete.
    Completed,
    /// Not added: out of order, or of no open channel.
    Dropped,
}

/// Counters of what the bank threw away (for reports and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelBankStats {
    pub channels_completed: u64,
    pub channels_timed_out: u64,
    /// Incomplete channels discarded by a new channel's first frame.
    pub channels_superseded: u64,
    pub frames_dropped: u64,
}

/// The open channel: its id, the block of its first frame, the next frame number it expects.
#[derive(Debug, Clone)]
struct OpenChannel {
    id: ChannelId,
    opened_in: L1Number,
    next_frame: u16,
}

/// Holocene's single-channel bank.
#[derive(Debug, Clone)]
pub struct ChannelBank {
    timeout_blocks: u64,
    open: Option<OpenChannel>,
    stats: ChannelBankStats,
}

impl ChannelBank {
    pub fn new(channel_timeout_blocks: u64) -> ChannelBank {
        ChannelBank { timeout_blocks: channel_timeout_blocks, open: None, stats: ChannelBankStats::default() }
    }

    pub fn stats(&self) -> ChannelBankStats {
        self.stats
    }

    /// The frames of one L1 block, in order; returns the channels they complete, in order.
    pub fn ingest_block(&mut self, block: &L1BlockRef, frames: impl IntoIterator<Item = Frame>) -> Vec<ReadyChannel> {
        self.drop_if_timed_out(block.number);
        let mut ready = Vec::new();
        for frame in frames {
            if self.add_frame(&frame, block.number) == FrameOutcome::Completed {
                ready.push(ReadyChannel { id: frame.channel, content: frame.content, inclusion: *block });
            }
        }
        ready
    }

    /// Drops the open channel when derivation has moved past its timeout.
    fn drop_if_timed_out(&mut self, origin: L1Number) {
        if let Some(open) = &self.open
            && open.opened_in.0 + self.timeout_blocks < origin.0
        {
            self.open = None;
            self.stats.channels_timed_out += 1;
        }
    }

    /// One frame included in L1 block `inclusion`, by Holocene's ordering rules.
    pub fn add_frame(&mut self, frame: &Frame, inclusion: L1Number) -> FrameOutcome {
        if frame.number == 0 {
            if self.open.take().is_some() {
                self.stats.channels_superseded += 1;
            }
            self.open = Some(OpenChannel { id: frame.channel, opened_in: inclusion, next_frame: 0 });
        }
        let Some(open) = self.open.as_mut().filter(|open| open.id == frame.channel && open.next_frame == frame.number)
        else {
            self.stats.frames_dropped += 1;
            return FrameOutcome::Dropped;
        };
        if frame.is_last {
            self.open = None;
            self.stats.channels_completed += 1;
            return FrameOutcome::Completed;
        }
        open.next_frame += 1;
        FrameOutcome::Added
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::B256;

    fn id(n: u8) -> ChannelId {
        ChannelId([n; 16])
    }

    fn frame(channel: u8, number: u16, is_last: bool) -> Frame {
        Frame {
            channel: id(channel),
            number,
            is_last,
            size_bytes: 100,
            content: Arc::new(ChannelContent { batches: vec![] }),
        }
    }

    fn block(number: u64) -> L1BlockRef {
        L1BlockRef {
            number: L1Number(number),
            hash: B256::with_last_byte(number as u8),
            parent_hash: B256::ZERO,
            time_s: 0,
        }
    }

    fn completed(bank: &mut ChannelBank, at: u64, frames: Vec<Frame>) -> Vec<ChannelId> {
        bank.ingest_block(&block(at), frames).into_iter().map(|channel| channel.id).collect()
    }

    #[test]
    fn frames_in_order_complete_a_channel_across_blocks() {
        let mut bank = ChannelBank::new(50);
        assert!(completed(&mut bank, 1, vec![frame(1, 0, false), frame(1, 1, false)]).is_empty());
        assert_eq!(completed(&mut bank, 2, vec![frame(1, 2, true)]), vec![id(1)]);
        assert_eq!(bank.stats().channels_completed, 1);
    }

    #[test]
    fn a_single_frame_channel_and_back_to_back_channels_in_one_block() {
        let mut bank = ChannelBank::new(50);
        let frames = vec![frame(1, 0, true), frame(2, 0, false), frame(2, 1, true)];
        assert_eq!(completed(&mut bank, 1, frames), vec![id(1), id(2)]);
    }

    #[test]
    fn an_out_of_order_frame_is_dropped_and_the_channel_never_completes() {
        let mut bank = ChannelBank::new(50);
        // Frame 2 before frame 1: dropped; frame 1 is then accepted but 2 is gone.
        let frames = vec![frame(1, 0, false), frame(1, 2, true), frame(1, 1, false)];
        assert!(completed(&mut bank, 1, frames).is_empty());
        assert_eq!(bank.stats().frames_dropped, 1);
        // The missing frame arrives again, in order now: the channel completes.
        assert_eq!(completed(&mut bank, 2, vec![frame(1, 2, true)]), vec![id(1)]);
    }

    #[test]
    fn a_later_frame_before_the_first_is_dropped() {
        let mut bank = ChannelBank::new(50);
        assert!(completed(&mut bank, 1, vec![frame(1, 1, true), frame(1, 0, false)]).is_empty());
        assert_eq!(bank.stats().frames_dropped, 1);
    }

    #[test]
    fn a_new_channels_first_frame_discards_an_incomplete_one() {
        let mut bank = ChannelBank::new(50);
        let frames = vec![frame(1, 0, false), frame(2, 0, false), frame(1, 1, true), frame(2, 1, true)];
        assert_eq!(completed(&mut bank, 1, frames), vec![id(2)]);
        assert_eq!(bank.stats().channels_superseded, 1);
        assert_eq!(bank.stats().frames_dropped, 1, "channel 1's last frame had no channel to join");
    }

    #[test]
    fn a_frame_after_the_last_is_dropped() {
        let mut bank = ChannelBank::new(50);
        assert_eq!(completed(&mut bank, 1, vec![frame(1, 0, true), frame(1, 1, true)]), vec![id(1)]);
        assert_eq!(bank.stats().frames_dropped, 1);
    }

    #[test]
    fn a_channel_may_complete_at_its_timeout_block_but_not_after() {
        let timeout = 50;
        let mut bank = ChannelBank::new(timeout);
        completed(&mut bank, 10, vec![frame(1, 0, false)]);
        assert_eq!(completed(&mut bank, 10 + timeout, vec![frame(1, 1, true)]), vec![id(1)]);

        let mut late = ChannelBank::new(timeout);
        completed(&mut late, 10, vec![frame(1, 0, false)]);
        assert!(completed(&mut late, 11 + timeout, vec![frame(1, 1, true)]).is_empty());
        assert_eq!(late.stats().channels_timed_out, 1);
        assert_eq!(late.stats().frames_dropped, 1);
    }
}
