//! The revm [`PrecompileProvider`]: Ethereum's precompiles plus 0x40–0x46 reading the Bitcoin
//! view pinned for the block.

use super::{Answer, BtcPrecompile};
use crate::l2::btc_view::BtcView;
use revm::context::Cfg;
use revm::context_interface::ContextTr;
use revm::handler::{EthPrecompiles, PrecompileProvider, precompile_output_to_interpreter_result};
use revm::interpreter::{CallInputs, InterpreterResult};
use revm::precompile::{PrecompileHalt, PrecompileOutput};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, AddressSet, Bytes};
use std::fmt;

/// Ethereum's precompiles for the spec, plus the Bitcoin ones over `view`.
pub struct HvmPrecompiles<'v> {
    eth: EthPrecompiles,
    view: &'v dyn BtcView,
    /// Ethereum's precompile addresses and 0x40–0x46: warm from the start of every transaction
    /// (EIP-2929), as op-geth's `ActivePrecompiles` appends the hVM set to the upstream one.
    warm: AddressSet,
}

impl<'v> HvmPrecompiles<'v> {
    pub fn new(spec: SpecId, view: &'v dyn BtcView) -> Self {
        let eth = EthPrecompiles::new(spec);
        let warm = warm_set(&eth);
        HvmPrecompiles { eth, view, warm }
    }
}

fn warm_set(eth: &EthPrecompiles) -> AddressSet {
    let mut warm = eth.warm_addresses().clone();
    warm.extend(BtcPrecompile::ALL.iter().map(|p| p.address()));
    warm
}

impl fmt::Debug for HvmPrecompiles<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HvmPrecompiles").field("spec", &self.eth.spec).finish_non_exhaustive()
    }
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for HvmPrecompiles<'_> {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.eth, spec);
        if changed {
            self.warm = warm_set(&self.eth);
        }
        changed
    }

    fn run(&mut self, context: &mut CTX, inputs: &CallInputs) -> Result<Option<InterpreterResult>, String> {
        let Some(precompile) = BtcPrecompile::from_address(&inputs.bytecode_address) else {
            return self.eth.run(context, inputs);
        };
        let output = if inputs.gas_limit < precompile.gas() {
            PrecompileOutput::halt(PrecompileHalt::OutOfGas, inputs.reservoir)
        } else {
            let input = inputs.input.as_bytes(context);
            match precompile.run(&input, self.view) {
                Answer::Return(bytes) => PrecompileOutput::new(precompile.gas(), Bytes::from(bytes), inputs.reservoir),
                // A halt other than out-of-gas: revm fails the call and consumes all its gas,
                // as geth does for a precompile that returns an error.
                Answer::Fail(reason) => PrecompileOutput::halt(PrecompileHalt::other_static(reason), inputs.reservoir),
            }
        };
        Ok(Some(precompile_output_to_interpreter_result(output, inputs.gas_limit)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }

    fn contains(&self, address: &Address) -> bool {
        self.warm.contains(address)
    }
}
