//! A tiny EVM assembler: opcodes, minimal pushes and labels, enough to hand-write the
//! workload contracts readably (no Solidity toolchain in the build).
//!
//! ```
//! use hemisim_node::l2::hvm::asm::Asm;
//! use revm::bytecode::opcode::{JUMP, STOP};
//! let mut asm = Asm::new();
//! asm.push_label("end").op(JUMP).label("end").op(STOP);
//! assert_eq!(asm.assemble().as_ref(), &[0x61, 0x00, 0x04, 0x56, 0x5b, 0x00]);
//! ```

use revm::bytecode::opcode::{JUMPDEST, PUSH0, PUSH1, PUSH2};
use revm::primitives::{Bytes, U256};
use std::collections::BTreeMap;

/// Bytecode being written. Labels are resolved by [`Asm::assemble`].
#[derive(Debug, Default, Clone)]
pub struct Asm {
    code: Vec<u8>,
    labels: BTreeMap<&'static str, u16>,
    /// Offsets of 2-byte placeholders and the labels they point to.
    fixups: Vec<(usize, &'static str)>,
}

impl Asm {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends opcodes that take no immediate.
    pub fn op(&mut self, opcode: u8) -> &mut Self {
        self.code.push(opcode);
        self
    }

    pub fn ops(&mut self, opcodes: &[u8]) -> &mut Self {
        self.code.extend_from_slice(opcodes);
        self
    }

    /// Pushes big-endian `bytes` (at most 32) with the shortest PUSH, after dropping leading
    /// zeros; zero is PUSH0.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let significant = &bytes[first..];
        assert!(significant.len() <= 32, "a PUSH carries at most 32 bytes");
        if significant.is_empty() {
            return self.op(PUSH0);
        }
        self.code.push(PUSH1 + significant.len() as u8 - 1);
        self.code.extend_from_slice(significant);
        self
    }

    pub fn push(&mut self, value: u64) -> &mut Self {
        self.push_bytes(&value.to_be_bytes())
    }

    pub fn push_u256(&mut self, value: U256) -> &mut Self {
        self.push_bytes(&value.to_be_bytes::<32>())
    }

    /// Pushes the code offset of `label` (PUSH2, resolved when assembling).
    pub fn push_label(&mut self, label: &'static str) -> &mut Self {
        self.code.push(PUSH2);
        self.fixups.push((self.code.len(), label));
        self.code.extend_from_slice(&[0, 0]);
        self
    }

    /// Marks a jump target here (emits JUMPDEST).
    pub fn label(&mut self, label: &'static str) -> &mut Self {
        let offset = u16::try_from(self.code.len()).expect("contracts here stay far below 64 KiB");
        let previous = self.labels.insert(label, offset);
        assert!(previous.is_none(), "label {label} defined twice");
        self.op(JUMPDEST)
    }

    /// The bytecode, with every label reference filled in. Panics on an undefined label: a bug
    /// in the contract's source, found by its test.
    pub fn assemble(&self) -> Bytes {
        let mut code = self.code.clone();
        for (at, label) in &self.fixups {
            let target = self.labels.get(label).unwrap_or_else(|| panic!("undefined label {label}"));
            code[*at..*at + 2].copy_from_slice(&target.to_be_bytes());
        }
        Bytes::from(code)
    }
}
