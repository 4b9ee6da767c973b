//! [`L2History`]: the sequencer's chain as provenance (`hemisim verify`) needs it after a run.

use super::block::{L2Block, L2Header};
use crate::units::L2Number;
use std::sync::Arc;

/// The chain as provenance needs it: every header (from block 1; a few hundred bytes each) and
/// the full blocks that minted deposits.
#[derive(Debug, Clone, Default)]
pub struct L2History {
    pub headers: Vec<L2Header>,
    pub minting_blocks: std::collections::BTreeMap<L2Number, Arc<L2Block>>,
}

impl L2History {
    pub(crate) fn record(&mut self, block: &Arc<L2Block>) {
        self.headers.push(block.header.clone());
        if !block.tunnel.mints.is_empty() {
            self.minting_blocks.insert(block.header.number, block.clone());
        }
    }

    /// The chain went back to block `number`: the blocks above it are forgotten.
    pub(crate) fn rewind_to(&mut self, number: L2Number) {
        self.headers.truncate(number.0 as usize);
        self.minting_blocks.split_off(&number.next());
    }

    /// The header of L2 block `number` (1-based), if produced.
    pub fn header(&self, number: L2Number) -> Option<&L2Header> {
        number.down(1).and_then(|i| self.headers.get(i.0 as usize))
    }
}
