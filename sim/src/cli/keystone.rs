//! `hemisim keystone encode|decode`: Hemi's keystone and PoP payload format, for people
//! debugging anchoring. Encoding prints the 76 abbreviated bytes, the keystone hash and the
//! OP_RETURN script; decoding takes an OP_RETURN script, a raw transaction, an 80-byte payload or
//! 76 keystone bytes (all hex) and prints the fields, or says why it is not a Hemi PoP payload.

use super::Exit;
use super::args::{KeystoneAction, KeystoneArgs};
use super::console::{errln, out};
use bitcoin::consensus::deserialize;
use bitcoin::hex::{DisplayHex, FromHex};
use bitcoin::{Script, Transaction};
use hemisim_node::pop::keystone::{AbbreviatedKeystone, Keystone, POP_MAGIC};

pub fn run(args: KeystoneArgs) -> Exit {
    let result = match args.action {
        KeystoneAction::Encode {
            version,
            l1_block,
            l2_block,
            parent_hash,
            prev_keystone_hash,
            state_root,
            block_hash,
        } => encode(version, l1_block, l2_block, [&parent_hash, &prev_keystone_hash, &state_root, &block_hash]),
        KeystoneAction::Decode { hex } => decode(&hex),
    };
    match result {
        Ok(text) => {
            out!("{text}");
            Exit::Ok
        }
        Err(message) => {
            errln!("error: {message}");
            Exit::BadInput
        }
    }
}

fn encode(version: u8, l1: u32, l2: u32, hashes: [&str; 4]) -> Result<String, String> {
    let names = ["--parent-hash", "--prev-keystone-hash", "--state-root", "--block-hash"];
    let mut parsed = [[0u8; 32]; 4];
    for ((slot, text), name) in parsed.iter_mut().zip(hashes).zip(names) {
        *slot = hash32(text).map_err(|e| format!("{name}: {e}"))?;
    }
    let keystone = Keystone {
        version,
        l1_block_number: l1,
        l2_block_number: l2,
        parent_hash: parsed[0],
        prev_keystone_hash: parsed[1],
        state_root: parsed[2],
        block_hash: parsed[3],
    };
    let abbreviated = keystone.abbreviate();
    // Refuse what Hemi would refuse, rather than print a payload no node accepts.
    AbbreviatedKeystone::parse(&abbreviated.serialize()).map_err(|e| e.to_string())?;
    Ok(format!(
        "abbreviated keystone (76 bytes): {}\nkeystone hash:                   {}\nPoP payload (80 bytes):          {}\nPoP output script (83 bytes):    {}\n",
        abbreviated.serialize().to_lower_hex_string(),
        abbreviated.hash(),
        abbreviated.pop_payload().to_lower_hex_string(),
        abbreviated.pop_script().as_bytes().to_lower_hex_string(),
    ))
}

/// 32 bytes of hex, as the full keystone's hashes are.
fn hash32(text: &str) -> Result<[u8; 32], String> {
    let bytes =
        Vec::<u8>::from_hex(text.trim_start_matches("0x")).map_err(|e| format!("expected 64 hex digits: {e}"))?;
    bytes.as_slice().try_into().map_err(|_| format!("expected 32 bytes (64 hex digits), got {}", bytes.len()))
}

fn decode(hex: &str) -> Result<String, String> {
    let bytes = Vec::<u8>::from_hex(hex.trim().trim_start_matches("0x")).map_err(|e| format!("not hex: {e}"))?;
    let (source, keystone) = if bytes.first() == Some(&0x6a) {
        (
            "OP_RETURN script".to_owned(),
            AbbreviatedKeystone::from_pop_script(Script::from_bytes(&bytes)).map_err(|e| e.to_string())?,
        )
    } else if bytes.len() == 80 && &bytes[..4] == POP_MAGIC {
        ("PoP payload".to_owned(), AbbreviatedKeystone::parse(&bytes[4..]).map_err(|e| e.to_string())?)
    } else if bytes.len() == 76 {
        ("abbreviated keystone".to_owned(), AbbreviatedKeystone::parse(&bytes).map_err(|e| e.to_string())?)
    } else {
        let tx: Transaction = deserialize(&bytes).map_err(|e| {
            // A truncated input surfaces from the decoder as an I/O error: say what it means.
            let why = match e {
                bitcoin::consensus::encode::Error::Io(_) => "as a transaction it ends too early".to_owned(),
                other => format!("as a transaction: {other}"),
            };
            format!("{} bytes that are not an OP_RETURN script, an 80-byte PoP payload, 76 keystone bytes or a raw transaction ({why})", bytes.len())
        })?;
        let keystone = AbbreviatedKeystone::from_pop_transaction(&tx).map_err(|e| e.to_string())?;
        (format!("transaction {}", tx.compute_txid()), keystone)
    };
    Ok(format!(
        "source:             {source}\nversion:            {}\nL1 block number:    {}\nL2 block number:    {}\nparent hash:        {} (first 11 bytes)\nprev keystone hash: {} (first 12 bytes)\nstate root:         {}\nblock hash:         {} (first 12 bytes)\nkeystone hash:      {}\n",
        keystone.version,
        keystone.l1_block_number,
        keystone.l2_block_number,
        keystone.parent_hash.to_lower_hex_string(),
        keystone.prev_keystone_hash.to_lower_hex_string(),
        keystone.state_root.to_lower_hex_string(),
        keystone.block_hash.to_lower_hex_string(),
        keystone.hash(),
    ))
}
