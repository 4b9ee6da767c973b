//! The portal's guaranteed-gas market: OP's `ResourceMetering`, which caps the L2 gas deposits
//! may buy per L1 block and prices it with an EIP-1559-like base fee.
//!
//! Rule (OP specs, guaranteed-gas market; `ResourceMetering._metered`, with the `SystemConfig`
//! defaults of [`ResourceConfig::OP_DEFAULT`]): the market's state is the base fee, the gas bought
//! in the last L1 block that bought any, and that block's number. The first deposit of a new L1
//! block moves the base fee as EIP-1559 does, from the gas bought in that last block against a
//! target of `max_resource_limit / elasticity`, by at most `1 / denominator` of itself per
//! target's worth of excess; blocks in between that bought nothing decay it further, by
//! `(1 - 1/denominator)` each. It is clamped to `[minimum, maximum]`. A deposit then buys its L2
//! gas at that base fee: the cost is burned as L1 gas, `gas * base fee / max(L1 base fee, 1 gwei)`.
//! A block's deposits may buy at most `max_resource_limit` gas in total.
//!
//! Model limits: the decay over skipped blocks is `(1 - 1/denominator)^k` in integer steps, where
//! the contract uses a fixed-point `powWad`: results differ in the last wei. The depositor's
//! burned L1 gas is reported, not charged to anyone (the mock L1 has no accounts).

/// OP's `ResourceConfig`: the market's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceConfig {
    /// L2 gas deposits may buy per L1 block (20,000,000).
    pub max_resource_limit: u64,
    /// `max_resource_limit / elasticity` is the target (10: a 2,000,000 gas target).
    pub elasticity_multiplier: u64,
    /// The base fee moves by at most `1 / denominator` per block (8).
    pub base_fee_max_change_denominator: u64,
    /// The floor of the base fee, in wei (1 gwei).
    pub minimum_base_fee_wei: u128,
    /// The ceiling (`type(uint128).max`).
    pub maximum_base_fee_wei: u128,
}

impl ResourceConfig {
    /// `SystemConfig`'s defaults, which OP-stack chains (Hemi among them) deploy.
    pub const OP_DEFAULT: ResourceConfig = ResourceConfig {
        max_resource_limit: 20_000_000,
        elasticity_multiplier: 10,
        base_fee_max_change_denominator: 8,
        minimum_base_fee_wei: GWEI,
        maximum_base_fee_wei: u128::MAX,
    };

    /// The gas per block the base fee steers towards (2,000,000 by default).
    pub fn target(&self) -> u64 {
        self.max_resource_limit / self.elasticity_multiplier
    }

    fn clamp(&self, fee: u128) -> u128 {
        fee.clamp(self.minimum_base_fee_wei, self.maximum_base_fee_wei)
    }
}

/// One gwei in wei.
pub const GWEI: u128 = 1_000_000_000;

/// What one deposit paid for its L2 gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositCost {
    /// The market's base fee for this L1 block, in wei per L2 gas.
    pub base_fee_wei: u128,
    /// `gas * base_fee_wei`.
    pub resource_cost_wei: u128,
    /// L1 gas the portal burned to charge it: `resource_cost_wei / max(L1 base fee, 1 gwei)`.
    pub l1_gas_burned: u64,
}

/// The market's state (`ResourceParams`): updated lazily, by the first deposit of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceMeter {
    config: ResourceConfig,
    prev_base_fee_wei: u128,
    prev_bought_gas: u64,
    prev_block: u64,
}

impl ResourceMeter {
    /// The state the portal is initialised with in L1 block `deployed_at`: the minimum base fee,
    /// nothing bought.
    pub fn new(config: ResourceConfig, deployed_at: u64) -> Self {
        ResourceMeter {
            config,
            prev_base_fee_wei: config.minimum_base_fee_wei,
            prev_bought_gas: 0,
            prev_block: deployed_at,
        }
    }

    pub fn config(&self) -> &ResourceConfig {
        &self.config
    }

    /// The base fee a deposit in L1 block `block` pays (`block` is at or after the last block
    /// that bought gas).
    pub fn base_fee_at(&self, block: u64) -> u128 {
        self.rolled_to(block).0
    }

    /// Gas still for sale in L1 block `block`.
    pub fn remaining_at(&self, block: u64) -> u64 {
        self.config.max_resource_limit.saturating_sub(self.rolled_to(block).1)
    }

    /// Buys `gas` for a deposit in L1 block `block` if the block has that much left; otherwise
    /// changes nothing and returns `None` (the contract reverts).
    pub fn try_buy(&mut self, block: u64, gas: u64, l1_base_fee_wei: u128) -> Option<DepositCost> {
        let (base_fee_wei, bought) = self.rolled_to(block);
        let bought = bought.checked_add(gas).filter(|&total| total <= self.config.max_resource_limit)?;
        *self = ResourceMeter { prev_base_fee_wei: base_fee_wei, prev_bought_gas: bought, prev_block: block, ..*self };
        let resource_cost_wei = u128::from(gas).saturating_mul(base_fee_wei);
        let l1_gas_burned = resource_cost_wei / l1_base_fee_wei.max(GWEI);
        Some(DepositCost {
            base_fee_wei,
            resource_cost_wei,
            l1_gas_burned: u64::try_from(l1_gas_burned).unwrap_or(u64::MAX),
        })
    }

    /// `(base fee, gas already bought)` as the first deposit of `block` would find them.
    fn rolled_to(&self, block: u64) -> (u128, u64) {
        assert!(block >= self.prev_block, "metering goes back from L1 block {} to {block}", self.prev_block);
        let blocks_since = block - self.prev_block;
        if blocks_since == 0 {
            return (self.prev_base_fee_wei, self.prev_bought_gas);
        }
        let mut fee = self.adjusted_for_last_block();
        // Blocks that bought nothing: each one a full step down.
        let denominator = u128::from(self.config.base_fee_max_change_denominator);
        for _ in 1..blocks_since {
            if fee <= self.config.minimum_base_fee_wei {
                break;
            }
            // floor(fee * (d - 1) / d), without overflowing near the u128 ceiling.
            let decayed = fee / denominator * (denominator - 1) + fee % denominator * (denominator - 1) / denominator;
            fee = self.config.clamp(decayed);
        }
        (fee, 0)
    }

    /// EIP-1559's step from the last block that bought gas.
    fn adjusted_for_last_block(&self) -> u128 {
        let target = i128::from(self.config.target());
        let used_delta = i128::from(self.prev_bought_gas) - target;
        let prev = i128::try_from(self.prev_base_fee_wei).unwrap_or(i128::MAX);
        let denominator = target * i128::from(self.config.base_fee_max_change_denominator);
        let delta = prev.saturating_mul(used_delta) / denominator;
        let fee = prev.saturating_add(delta).max(0);
        self.config.clamp(fee as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: ResourceConfig = ResourceConfig::OP_DEFAULT;

    #[test]
    fn a_block_buys_at_most_the_resource_limit() {
        let mut meter = ResourceMeter::new(CONFIG, 0);
        assert!(meter.try_buy(1, 12_000_000, GWEI).is_some());
        assert_eq!(meter.remaining_at(1), 8_000_000);
        assert_eq!(meter.try_buy(1, 8_000_001, GWEI), None, "over the cap");
        assert_eq!(meter.remaining_at(1), 8_000_000, "a refused purchase changes nothing");
        assert!(meter.try_buy(1, 8_000_000, GWEI).is_some(), "exactly the cap fits");
        assert_eq!(meter.remaining_at(1), 0);
        assert_eq!(meter.remaining_at(2), 20_000_000, "the next block starts afresh");
    }

    #[test]
    fn base_fee_follows_eip1559_over_bought_gas() {
        let mut meter = ResourceMeter::new(CONFIG, 0);
        // At the target the fee holds; the floor holds it at 1 gwei below the target.
        meter.try_buy(1, 2_000_000, GWEI).expect("fits");
        assert_eq!(meter.base_fee_at(2), GWEI);
        // A full block (20M against a 2M target): +1/8 per target's worth of excess, 9 of them: x 17/8.
        meter.try_buy(2, 20_000_000, GWEI).expect("fits");
        let raised = GWEI + GWEI * 18 / 16;
        assert_eq!(meter.base_fee_at(3), raised);
        // A cost of 1M gas at that fee, burned as L1 gas at a 1 gwei L1 base fee.
        let cost = meter.try_buy(3, 1_000_000, GWEI).expect("fits");
        assert_eq!(
            cost,
            DepositCost { base_fee_wei: raised, resource_cost_wei: raised * 1_000_000, l1_gas_burned: 2_125_000 }
        );
        // A dearer L1 burns less L1 gas for the same cost.
        let mut twin = ResourceMeter::new(CONFIG, 0);
        assert_eq!(twin.try_buy(1, 1_000_000, 4 * GWEI).expect("fits").l1_gas_burned, 250_000);
    }

    #[test]
    fn idle_blocks_decay_the_fee_to_the_floor() {
        let mut meter = ResourceMeter::new(CONFIG, 0);
        meter.try_buy(1, 20_000_000, GWEI).expect("fits");
        meter.try_buy(2, 20_000_000, GWEI).expect("fits");
        let at_3 = meter.base_fee_at(3);
        assert_eq!(at_3, 4_515_625_000, "2.125 gwei stepped up by 17/8 again");
        // Block 4 after an idle block 3: block 2's step, then one decay of 7/8 for block 3.
        assert_eq!(meter.base_fee_at(4), at_3 * 7 / 8);
        assert_eq!(meter.base_fee_at(5), at_3 * 7 / 8 * 7 / 8);
        assert_eq!(meter.base_fee_at(1_000), GWEI, "long idle: back to the minimum");
    }
}
