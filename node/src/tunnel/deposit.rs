//! The deposit format (Hemi's `SimpleBitcoinVault`): a Bitcoin transaction that pays the vault
//! and names the L2 recipient in an `OP_RETURN` carrying exactly 20 bytes, both among its first
//! [`DEPOSIT_OUTPUTS_SCANNED`] outputs, for at least [`MIN_DEPOSIT`]. The first output
//! paying the vault is the deposit; a transaction without a recipient, or below the minimum,
//! mints nothing (its coins still reach the vault).

use super::{DEPOSIT_OUTPUTS_SCANNED, MIN_DEPOSIT, PAYOUT_MAGIC};
use bitcoin::script::{Builder, Instruction, PushBytesBuf};
use bitcoin::{Amount, Script, ScriptBuf, Transaction, TxOut};
use revm::primitives::Address;

/// A valid deposit in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deposit {
    pub vout: u32,
    pub amount: Amount,
    pub recipient: Address,
}

/// Why a transaction that pays the vault is not a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDeposit {
    NoVaultOutput,
    NoRecipient,
    BelowMinimum { amount: Amount },
}

/// Reads the deposit in `tx`, if it is one.
pub fn parse_deposit(tx: &Transaction, vault: &Script) -> Result<Deposit, NotDeposit> {
    let scanned = || tx.output.iter().take(DEPOSIT_OUTPUTS_SCANNED).enumerate();
    let (vout, output) =
        scanned().find(|(_, o)| o.script_pubkey.as_script() == vault).ok_or(NotDeposit::NoVaultOutput)?;
    let recipient = scanned().find_map(|(_, o)| recipient_of(&o.script_pubkey)).ok_or(NotDeposit::NoRecipient)?;
    let amount = output.value;
    if amount < MIN_DEPOSIT {
        return Err(NotDeposit::BelowMinimum { amount });
    }
    Ok(Deposit { vout: vout as u32, amount, recipient })
}

/// The recipient an `OP_RETURN <20 bytes>` names.
fn recipient_of(script: &Script) -> Option<Address> {
    if !script.is_op_return() {
        return None;
    }
    let mut instructions = script.instructions();
    instructions.next(); // OP_RETURN
    match (instructions.next(), instructions.next()) {
        (Some(Ok(Instruction::PushBytes(data))), None) if data.len() == 20 => {
            Some(Address::from_slice(data.as_bytes()))
        }
        _ => None,
    }
}

/// The outputs a deposit of `amount` to `recipient` starts with: the vault, then the recipient.
pub fn deposit_outputs(vault: &Script, amount: Amount, recipient: Address) -> Vec<TxOut> {
    let data = PushBytesBuf::try_from(recipient.to_vec()).expect("20 bytes fit a push");
    let op_return = Builder::new().push_opcode(bitcoin::opcodes::all::OP_RETURN).push_slice(data).into_script();
    vec![
        TxOut { value: amount, script_pubkey: vault.to_owned() },
        TxOut { value: Amount::ZERO, script_pubkey: op_return },
    ]
}

/// The `OP_RETURN` that marks a payout of withdrawal `id`.
pub fn payout_marker(id: u64) -> ScriptBuf {
    let mut data = PAYOUT_MAGIC.to_vec();
    data.extend_from_slice(&id.to_be_bytes());
    let data = PushBytesBuf::try_from(data).expect("11 bytes fit a push");
    Builder::new().push_opcode(bitcoin::opcodes::all::OP_RETURN).push_slice(data).into_script()
}

/// The withdrawal id a payout transaction names, if it carries a payout marker.
pub fn payout_id(tx: &Transaction) -> Option<u64> {
    tx.output.iter().find_map(|o| {
        if !o.script_pubkey.is_op_return() {
            return None;
        }
        let mut instructions = o.script_pubkey.instructions();
        instructions.next();
        match instructions.next() {
            Some(Ok(Instruction::PushBytes(data))) if data.len() == 11 && data.as_bytes().starts_with(PAYOUT_MAGIC) => {
                Some(u64::from_be_bytes(data.as_bytes()[3..].try_into().expect("8 bytes")))
            }
            _ => None,
        }
    })
}
