//! Lost payouts under the PoP fork choice: a payout the operator made because its burn was
//! superfinal (`tunnel.payout_policy = "superfinal"`) whose burn an L2 reorg then took away.
//! Under `l2.fork_choice = "derivation"` that is a loss the outputs report
//! (`tunnel.lost_payouts`): derivation can orphan a superfinal block. Under `"pop"` no
//! superfinal block may leave the canonical chain, so such a loss is a safety violation. An
//! `immediate` payout's loss is a loss under either rule: that policy pays before anything
//! anchors the burn.

use hemisim_node::events::Observation;
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct SuperfinalPayoutWatch {
    /// The txids of payouts made for superfinal burns.
    superfinal: BTreeSet<bitcoin::Txid>,
}

impl SuperfinalPayoutWatch {
    /// Looks at one observation; the message of a superfinal payout's loss, if it is one.
    pub fn observe(&mut self, observation: &Observation) -> Option<String> {
        match observation {
            Observation::PayoutSent { txid, superfinal: true, .. } => {
                self.superfinal.insert(*txid);
                None
            }
            Observation::PayoutLost { id, txid, l2_number, .. } if self.superfinal.contains(txid) => Some(format!(
                "superfinal payout {txid} of withdrawal id {id} lost: L2 block {l2_number}, which burned it, \
                 left the canonical chain"
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use hemisim_node::units::{Amount, L2Number};

    fn sent(txid: bitcoin::Txid, superfinal: bool) -> Observation {
        let (amount, fee) = (Amount::from_sat(5_000_000), Amount::from_sat(500));
        Observation::PayoutSent { id: 3, l2_number: L2Number(40), txid, amount, fee, superfinal }
    }

    fn lost(txid: bitcoin::Txid) -> Observation {
        Observation::PayoutLost { id: 3, txid, amount: Amount::from_sat(5_000_000), l2_number: L2Number(40) }
    }

    #[test]
    fn only_a_superfinal_payouts_loss_is_a_violation() {
        let (a, b) = (bitcoin::Txid::from_byte_array([1; 32]), bitcoin::Txid::from_byte_array([2; 32]));
        let mut watch = SuperfinalPayoutWatch::default();
        assert_eq!(watch.observe(&sent(a, true)), None);
        assert_eq!(watch.observe(&sent(b, false)), None);
        assert_eq!(watch.observe(&lost(b)), None, "an immediate payout's loss is a loss");
        let message = watch.observe(&lost(a)).expect("a superfinal payout's loss");
        assert!(message.contains("withdrawal id 3") && message.contains("L2 block 40"), "{message}");
    }
}
