//! The valid range of every key, checked on the resolved scenario (defaults included), and the
//! keys that only one attack kind uses, checked on the table as written (so that defaults never
//! trip it). `scenarios/README.md` documents the same ranges: change both together.

use toml::Table;

use super::check::out_of_range;
use super::error::Invalid;
use super::peers::{self, Roles};
use super::{
    AttackConfig, AttackKind, AttackTarget, BitcoinConfig, CensorConfig, CensorMode, CensorTarget, EthereumConfig,
    FaultConfig, FaultKind, FeeSpikeConfig, ForkChoiceConfig, KeystoneSourceConfig, L2Config, PayoutPolicyConfig,
    PopConfig, Scenario, TunnelConfig, WorkloadConfig,
};
use hemisim_node::peer::{PeerId, PeerKind};

/// Ten years of simulated time.
const DURATION_S_MAX: u64 = 315_360_000;
/// The same, for times in seconds given as numbers.
const TEN_YEARS_S: f64 = DURATION_S_MAX as f64;
/// Keys whose range is narrower than their type's, checked with the shape of the table as written
/// (before deserialising): so a value of any size, even one too large for TOML, is reported
/// against the range the key accepts.
pub(crate) const KEY_RANGES: [(&str, i64, i64); 2] =
    [("seed", 0, super::SEED_MAX as i64), ("duration_s", 1, DURATION_S_MAX as i64)];
/// Longest accepted name (it names the output directory).
const NAME_LEN_MAX: usize = 64;

pub(crate) fn scenario(s: &Scenario, table: &Table) -> Result<(), Invalid> {
    name(&s.name)?;
    bitcoin(&s.bitcoin)?;
    if let Some(attack) = &s.attack {
        kind_specific_keys(attack.kind, table)?;
        self::attack(attack)?;
        if attack.kind == AttackKind::Equivocate {
            equivocation(attack, s)?;
        }
        if attack.kind == AttackKind::Rewrite {
            rewrite(attack, s)?;
        }
    }
    fork_choice(s)?;
    if let Some(l2) = &s.l2 {
        self::l2(l2)?;
    }
    if let Some(workload) = &s.workload {
        if s.l2.is_none() {
            return Err(Invalid::new("workload", "expected an [l2] table: the workload sends L2 transactions"));
        }
        self::workload(workload)?;
    }
    if let Some(pop) = &s.pop {
        if s.l2.is_none() {
            return Err(Invalid::new("pop", "expected an [l2] table: keystones are L2 blocks"));
        }
        self::pop(pop)?;
    }
    if let Some(tunnel) = &s.tunnel {
        if s.l2.is_none() {
            return Err(Invalid::new("tunnel", "expected an [l2] table: hBTC is minted on the L2"));
        }
        self::tunnel(tunnel)?;
        if tunnel.payout_policy == PayoutPolicyConfig::Superfinal && s.pop.is_none() {
            return Err(Invalid::new(
                "tunnel.payout_policy",
                "expected a [pop] table for \"superfinal\" (superfinality needs keystones and PoP miners), or payout_policy = \"immediate\"",
            ));
        }
    }
    if let Some(ethereum) = &s.ethereum {
        let Some(l2) = &s.l2 else {
            return Err(Invalid::new("ethereum", "expected an [l2] table: Ethereum is the L2's settlement layer"));
        };
        if l2.block_time_s.fract() != 0.0 {
            return Err(Invalid::new(
                "l2.block_time_s",
                "expected a whole number of seconds with an [ethereum] table (L2 timestamps are whole seconds, each its parent's plus the block time)",
            ));
        }
        self::ethereum(ethereum)?;
        settlement_gas_limit(l2.gas_limit)?;
        if l2.block_time_s > ethereum.slot_s as f64 {
            return Err(Invalid::new(
                "l2.block_time_s",
                format!(
                    "expected at most ethereum.slot_s ({} s): an L2 block adopts at most one new L1 origin, so an L1 faster than the L2 leaves its origins behind for good (every block past the drift, deposit-only), got {}",
                    ethereum.slot_s, l2.block_time_s
                ),
            ));
        }
        batcher_margin(ethereum, &s.bitcoin)?;
    }
    if s.pop.as_ref().is_some_and(|p| p.keystone_source == KeystoneSourceConfig::Safe) && s.ethereum.is_none() {
        return Err(Invalid::new(
            "pop.keystone_source",
            "expected an [ethereum] table for \"safe\" (without a settlement layer every block is final at once), or keystone_source = \"unsafe\"",
        ));
    }
    super::sequencer::validate(s)?;
    super::network::validate(s)?;
    for (index, censor) in s.censor.iter().enumerate() {
        self::censor(index, censor, s)?;
        let written =
            table.get("censor").and_then(|c| c.as_array()).and_then(|c| c.get(index)).and_then(|c| c.as_table());
        if let Some(written) = written {
            censor_keys_read(index, censor, written)?;
        }
    }
    for (index, fault) in s.fault.iter().enumerate() {
        self::fault(index, fault, s)?;
        let written =
            table.get("fault").and_then(|f| f.as_array()).and_then(|f| f.get(index)).and_then(|f| f.as_table());
        if let Some(written) = written {
            fault_keys_read(index, fault, written)?;
        }
    }
    if s.tunnel.as_ref().is_some_and(|t| t.force_after_s > 0.0) && s.ethereum.is_none() {
        return Err(Invalid::new(
            "tunnel.force_after_s",
            "expected an [ethereum] table: holders escape through the Ethereum portal (or force_after_s = 0)",
        ));
    }
    if s.workload.as_ref().is_some_and(|w| w.force_after_s > 0.0) && s.ethereum.is_none() {
        return Err(Invalid::new(
            "workload.force_after_s",
            "expected an [ethereum] table: users escape through the Ethereum portal (or force_after_s = 0)",
        ));
    }
    if let Some(attack) = s.attack.as_ref().filter(|a| a.target == AttackTarget::Tunnel) {
        if s.tunnel.is_none() {
            return Err(Invalid::new("attack.target", "expected a [tunnel] table for target = \"tunnel\""));
        }
        let written = table.get("attack").and_then(|a| a.as_table()).is_some_and(|a| a.contains_key("confirmations"));
        if written && attack.kind == AttackKind::DoubleSpend {
            return Err(Invalid::new(
                "attack.confirmations",
                "not read with target = \"tunnel\": the attacker waits until one block past the mint (tunnel.deposit_confirmations + 3 confirmations); remove it",
            ));
        }
    }
    Ok(())
}

fn tunnel(t: &TunnelConfig) -> Result<(), Invalid> {
    number("tunnel.force_after_s", t.force_after_s, 0.0, TEN_YEARS_S)?;
    integer("tunnel.deposit_confirmations", u64::from(t.deposit_confirmations), 1, 100)?;
    number("tunnel.grace_period_s", t.grace_period_s, 1.0, DURATION_S_MAX as f64)?;
    integer("tunnel.payout_fee_target_blocks", u64::from(t.payout_fee_target_blocks), 1, 1_000)?;
    integer("tunnel.holders", u64::from(t.holders), 1, 100_000)?;
    number("tunnel.deposit_rate_per_s", t.deposit_rate_per_s, 0.0, 10.0)?;
    number("tunnel.deposit_btc_min", t.deposit_btc_min, 0.01, 10_000.0)?;
    let (min, max) = (t.deposit_btc_min, t.deposit_btc_max);
    if !(max.is_finite() && min <= max && max <= 10_000.0) {
        return Err(Invalid::new(
            "tunnel.deposit_btc_max",
            format!("expected a finite number in [{min}, 10000] (at least deposit_btc_min), got {max}"),
        ));
    }
    number("tunnel.withdraw_rate_per_s", t.withdraw_rate_per_s, 0.0, 10.0)?;
    if t.treasury_btc != 0.0 {
        number("tunnel.treasury_btc", t.treasury_btc, 0.01, 1_000_000.0)?;
    }
    number("tunnel.treasury_deposit_at_s", t.treasury_deposit_at_s, 0.0, DURATION_S_MAX as f64)?;
    number("tunnel.treasury_withdraw_btc", t.treasury_withdraw_btc, 0.0, t.treasury_btc.max(0.0))?;
    if t.treasury_withdraw_btc > 0.0 && t.treasury_withdraw_btc < 0.01 {
        return Err(Invalid::new(
            "tunnel.treasury_withdraw_btc",
            format!("expected 0 or at least 0.01, got {}", t.treasury_withdraw_btc),
        ));
    }
    number("tunnel.treasury_withdraw_at_s", t.treasury_withdraw_at_s, 0.0, DURATION_S_MAX as f64)
}

/// The batcher closes a channel `sub_safety_margin_blocks` (10) L1 blocks before the
/// sequencing window of its oldest block ends, which must leave the batch time to land: the
/// sequencer hears of the L1 block that makes it due one delay late, polls its batcher every
/// 6 s, and the batch reaches the L1 one more delay later and waits for a slot. A shorter margin
/// (fast slots, slow links) makes every batch closed by the window land after it: derivation
/// then replaces every unsafe block with a deposit-only one, for good, and the L2 includes no
/// transaction at all (a world the generator drew, swarm world 105).
fn batcher_margin(e: &EthereumConfig, b: &BitcoinConfig) -> Result<(), Invalid> {
    if !e.batcher_enabled {
        return Ok(());
    }
    let margin_s = hemisim_node::eth::EthParams::default().sub_safety_margin_blocks * e.slot_s;
    let delay_ms = b.propagation_delay_ms + b.propagation_jitter_ms;
    let way_ms = hemisim_node::peer::duties::BATCHER_POLL.as_us() / 1_000 + 2 * delay_ms + e.slot_s * 1_000;
    if margin_s * 1_000 <= way_ms {
        return Err(Invalid::new(
            "ethereum.slot_s",
            format!(
                "expected slots long enough for a batch to land within the batcher's safety margin (10 slots, {margin_s} s here): a batch closed at the margin needs up to {:.1} s (a 6 s poll, two messages of up to bitcoin.propagation_delay_ms + propagation_jitter_ms = {delay_ms} ms, a slot), so every batch would land after its sequencing window; raise ethereum.slot_s or lower the propagation delay, got {}",
                way_ms as f64 / 1e3,
                e.slot_s
            ),
        ));
    }
    Ok(())
}

/// The batcher closes a channel `sub_safety_margin_blocks` (10) before the sequencing window
/// ends, so a window must be longer than that margin.
fn ethereum(e: &EthereumConfig) -> Result<(), Invalid> {
    integer("ethereum.slot_s", e.slot_s, 1, 3_600)?;
    number("ethereum.missed_slot_rate", e.missed_slot_rate, 0.0, 0.99)?;
    integer("ethereum.finality_depth_blocks", e.finality_depth_blocks, 0, 100_000)?;
    let margin = hemisim_node::eth::EthParams::default().sub_safety_margin_blocks;
    integer("ethereum.seq_window_blocks", e.seq_window_blocks, margin + 1, 1_000_000)?;
    integer("ethereum.max_sequencer_drift_s", e.max_sequencer_drift_s, 1, 86_400)?;
    integer("ethereum.channel_timeout_blocks", e.channel_timeout_blocks, 1, 100_000)?;
    integer("ethereum.sequencer_l1_confs", e.sequencer_l1_confs, 0, 1_000)?;
    number("ethereum.batcher_interval_s", e.batcher_interval_s, 1.0, 86_400.0)?;
    number("ethereum.deposit_rate_per_s", e.deposit_rate_per_s, 0.0, 10.0)
}

fn pop(p: &PopConfig) -> Result<(), Invalid> {
    integer("pop.keystone_interval_blocks", u64::from(p.keystone_interval_blocks), 1, 100_000)?;
    integer("pop.superfinality_depth", u64::from(p.superfinality_depth), 0, 1_000)?;
    integer("pop.miners", u64::from(p.miners), 0, 100)?;
    number("pop.poll_interval_s", p.poll_interval_s, 0.1, 86_400.0)?;
    integer("pop.keystones_polled", u64::from(p.keystones_polled), 1, 10_000)?;
    integer("pop.fee_target_blocks", u64::from(p.fee_target_blocks), 1, 1_000)?;
    number("pop.fee_cap_sat_per_vb", p.fee_cap_sat_per_vb, 1.0, 100_000.0)?;
    number("pop.fee_retry_s", p.fee_retry_s, 0.1, 86_400.0)?;
    integer("pop.wallet_coins", u64::from(p.wallet_coins), 1, 100_000)?;
    number("pop.reward_per_keystone", p.reward_per_keystone, 0.0, 1e12)
}

fn fee_spike(f: &FeeSpikeConfig) -> Result<(), Invalid> {
    number("bitcoin.fee_spike.start_s", f.start_s, 0.0, DURATION_S_MAX as f64)?;
    number("bitcoin.fee_spike.duration_s", f.duration_s, 1.0, DURATION_S_MAX as f64)?;
    number("bitcoin.fee_spike.tx_rate_per_s", f.tx_rate_per_s, 0.0, 10_000.0)?;
    let min = f.fee_rate_min_sat_per_vb;
    number("bitcoin.fee_spike.fee_rate_min_sat_per_vb", min, 0.1, 100_000.0)?;
    let max = f.fee_rate_max_sat_per_vb;
    if !(max.is_finite() && min <= max && max <= 100_000.0) {
        return Err(Invalid::new(
            "bitcoin.fee_spike.fee_rate_max_sat_per_vb",
            format!("expected a finite number in [{min}, 100000] (at least fee_rate_min_sat_per_vb), got {max}"),
        ));
    }
    Ok(())
}

fn l2(l: &L2Config) -> Result<(), Invalid> {
    number("l2.block_time_s", l.block_time_s, 0.1, 3_600.0)?;
    integer("l2.gas_limit", l.gas_limit, 21_000, 1_000_000_000)?;
    integer("l2.verifiers", u64::from(l.verifiers), 0, 16)?;
    integer("l2.mempool_capacity", l.mempool_capacity, 1, 10_000_000)?;
    // Hemi's validation accepts up to 6 headers per block; its sequencer sends at most 3.
    integer("l2.max_btc_headers_per_block", u64::from(l.max_btc_headers_per_block), 1, 6)
}

/// On a settlement chain every L2 block must hold its deposits: the L1-info deposit's gas and
/// the portal's guaranteed deposit gas per L1 block, as OP's `SystemConfig.minimumGasLimit()`
/// requires (`maxResourceLimit + systemTxMaxGas`); a smaller block could not execute the
/// deposits derivation forces into it.
fn settlement_gas_limit(gas_limit: u64) -> Result<(), Invalid> {
    let resources = hemisim_node::eth::metering::ResourceConfig::OP_DEFAULT.max_resource_limit;
    let minimum = resources + hemisim_node::eth::deposit_tx::L1_INFO_GAS;
    if gas_limit < minimum {
        return Err(Invalid::new(
            "l2.gas_limit",
            format!(
                "expected at least {minimum} with an [ethereum] table (OP's minimum: the portal's {resources} guaranteed deposit gas plus the L1-info deposit's), got {gas_limit}"
            ),
        ));
    }
    Ok(())
}

/// `censor.N.key`.
fn indexed(table: &str, index: usize, key: &str) -> String {
    format!("{table}.{index}.{key}")
}

fn censor(index: usize, c: &CensorConfig, s: &Scenario) -> Result<(), Invalid> {
    let key = |k: &str| indexed("censor", index, k);
    if s.l2.is_none() {
        return Err(Invalid::new(key("target"), "expected an [l2] table: the sequencer is the L2's"));
    }
    number(&key("start_s"), c.start_s, 0.0, TEN_YEARS_S)?;
    number(&key("duration_s"), c.duration_s, 0.0, TEN_YEARS_S)?;
    match c.target {
        CensorTarget::Senders => {
            if s.workload.is_none() {
                return Err(Invalid::new(
                    key("target"),
                    "expected a [workload] table for \"senders\" (a share of its accounts)",
                ));
            }
            if !(c.share > 0.0 && c.share <= 1.0) {
                return Err(Invalid::new(
                    key("share"),
                    format!("expected a share in (0, 1] for target = \"senders\", got {}", c.share),
                ));
            }
        }
        CensorTarget::Accounts => {
            if c.accounts.is_empty() {
                return Err(Invalid::new(
                    key("accounts"),
                    "expected at least one account for target = \"accounts\" (\"0x...\" or \"user:N\")",
                ));
            }
            for account in &c.accounts {
                parse_account(account, s).map_err(|problem| Invalid::new(key("accounts"), problem))?;
            }
        }
        CensorTarget::Deposits => {
            if s.ethereum.is_none() {
                return Err(Invalid::new(
                    key("target"),
                    "expected an [ethereum] table for \"deposits\" (portal deposits)",
                ));
            }
            if c.mode != CensorMode::Drop {
                return Err(Invalid::new(
                    key("mode"),
                    "expected \"drop\" for target = \"deposits\": the sequencer postpones L1 origins as far as the drift allows, no further",
                ));
            }
        }
        CensorTarget::TunnelBurns if s.tunnel.is_none() => {
            return Err(Invalid::new(key("target"), "expected a [tunnel] table for \"tunnel_burns\""));
        }
        CensorTarget::HvmCalls | CensorTarget::TunnelBurns | CensorTarget::All => {}
    }
    if c.mode == CensorMode::Delay {
        number(&key("delay_s"), c.delay_s, 0.001, TEN_YEARS_S)?;
    }
    Ok(())
}

/// A key written in a `[[censor]]` table that its target or mode does not read is a mistake, not
/// something to ignore.
fn censor_keys_read(index: usize, c: &CensorConfig, written: &Table) -> Result<(), Invalid> {
    let read = |key: &str| match key {
        "share" => c.target == CensorTarget::Senders,
        "accounts" => c.target == CensorTarget::Accounts,
        "delay_s" => c.mode == CensorMode::Delay,
        _ => true,
    };
    match written.keys().find(|key| !read(key)) {
        Some(key) => Err(Invalid::new(
            indexed("censor", index, key),
            format!("not read with target = \"{}\" and mode = \"{}\"; remove it", c.target.as_str(), c.mode.as_str()),
        )),
        None => Ok(()),
    }
}

/// An account of `censor.accounts`: `0x` and 40 hex digits, or `user:N` (workload account N).
pub fn parse_account(text: &str, s: &Scenario) -> Result<hemisim_node::l2::tx::Address, String> {
    if let Some(index) = text.strip_prefix("user:") {
        let accounts = s.workload.as_ref().map_or(0, |w| w.accounts);
        return match index.parse::<u32>() {
            Ok(i) if i < accounts => Ok(hemisim_node::l2::workload::account_address(i)),
            _ => Err(format!("expected \"user:N\" with N below workload.accounts ({accounts}), got \"{text}\"")),
        };
    }
    text.parse().map_err(|_| format!("expected an address (\"0x\" and 40 hex digits) or \"user:N\", got \"{text}\""))
}

fn fault(index: usize, f: &FaultConfig, s: &Scenario) -> Result<(), Invalid> {
    let key = |k: &str| indexed("fault", index, k);
    number(&key("at_s"), f.at_s, 0.0, TEN_YEARS_S)?;
    number(&key("for_s"), f.for_s, 0.001, TEN_YEARS_S)?;
    if f.kind.is_sequencers() {
        return sequencer_fault(index, f, s);
    }
    let bound_s = super::convergence_bound_s(s);
    if f.at_s + f.for_s + bound_s > s.duration_s as f64 {
        return Err(Invalid::new(
            key("for_s"),
            format!(
                "expected the fault to end at least {bound_s:.1} s before duration_s ({}): after the last fault the run checks that the network converges within that bound; it ends at {} s",
                s.duration_s,
                f.at_s + f.for_s
            ),
        ));
    }
    let roles = Roles::of(s);
    let selectors = |k: &str, list: &[String]| peers::check(list, &roles).map_err(|e| Invalid::new(key(k), e));
    match f.kind {
        FaultKind::Partition => {
            if f.groups.is_empty() || f.groups.iter().any(Vec::is_empty) {
                return Err(Invalid::new(
                    key("groups"),
                    "expected groups = [[peers...], ...] with at least one non-empty group (the peers named in no group form one more)",
                ));
            }
            for group in &f.groups {
                selectors("groups", group)?;
            }
        }
        FaultKind::Crash => {
            selectors("peers", &f.peers)?;
            if let Some(kind) = peers::kinds(&f.peers, &roles).into_iter().find(|&k| !can_crash(k)) {
                let peer = PeerId { kind, index: 0 };
                return Err(Invalid::new(
                    key("peers"),
                    format!(
                        "\"{peer}\" cannot crash (miners, verifiers, PoP miners, the sequencer and the observer can; the attacker, the tunnel operator and the Ethereum L1 cannot)"
                    ),
                ));
            }
        }
        FaultKind::Loss => {
            selectors("peers", &f.peers)?;
            if !(f.probability > 0.0 && f.probability <= 1.0) {
                return Err(Invalid::new(
                    key("probability"),
                    format!("expected a probability in (0, 1] for kind = \"loss\", got {}", f.probability),
                ));
            }
        }
        FaultKind::Slow => {
            selectors("peers", &f.peers)?;
            number(&key("extra_ms"), f.extra_ms, 1.0, 3_600_000.0)?;
        }
        FaultKind::ClockSkew => {
            selectors("peers", &f.peers)?;
            if f.peers.iter().any(|p| p == "ethereum") {
                return Err(Invalid::new(
                    key("peers"),
                    "\"ethereum\" cannot have a skewed clock: it stands for the whole L1, whose slots follow the beacon chain's clock, not one host's (\"all\" skews every other peer)",
                ));
            }
            if f.skew_ms == 0.0 {
                return Err(Invalid::new(key("skew_ms"), "expected a non-zero skew for kind = \"clock_skew\""));
            }
            number(&key("skew_ms"), f.skew_ms, -86_400_000.0, 86_400_000.0)?;
        }
        FaultKind::Halt | FaultKind::WithholdBatches | FaultKind::BadHandoff | FaultKind::ConductorOverride => {
            unreachable!("the sequencer's faults are checked above")
        }
    }
    Ok(())
}

/// Who a crash may hit: peers whose persisted and volatile state is modelled (ARCHITECTURE.md,
/// "Faults").
fn can_crash(kind: PeerKind) -> bool {
    matches!(kind, PeerKind::Miner | PeerKind::Verifier | PeerKind::PopMiner | PeerKind::Sequencer | PeerKind::Observer)
}

fn sequencer_fault(index: usize, f: &FaultConfig, s: &Scenario) -> Result<(), Invalid> {
    let key = |k: &str| indexed("fault", index, k);
    if s.l2.is_none() {
        return Err(Invalid::new(key("kind"), "expected an [l2] table: these faults are the sequencer's"));
    }
    if f.kind == FaultKind::WithholdBatches && s.ethereum.is_none() {
        return Err(Invalid::new(
            key("kind"),
            "expected an [ethereum] table for \"withhold_batches\" (batches go to L1)",
        ));
    }
    if f.kind == FaultKind::ConductorOverride {
        let count = super::sequencer_count(s);
        let member = f.peers.first().and_then(|p| override_member(p));
        return match member {
            Some(m) if f.peers.len() == 1 && m < count => Ok(()),
            _ => Err(Invalid::new(
                key("peers"),
                format!(
                    "expected one member of the set (\"sequencer\" or \"sequencer-K\", K below {count}), got {:?}",
                    f.peers
                ),
            )),
        };
    }
    if f.kind == FaultKind::Halt && super::sequencer_count(s) > 1 {
        return halted_members(&key("peers"), f, super::sequencer_count(s));
    }
    if f.peers != ["sequencer"] {
        return Err(Invalid::new(
            key("peers"),
            format!(
                "expected [\"sequencer\"] for kind = \"{}\" (the sequencer's fault), got {:?}",
                f.kind.as_str(),
                f.peers
            ),
        ));
    }
    Ok(())
}

/// The member a `conductor_override` names: `sequencer` is 0, `sequencer-K` is K.
pub fn override_member(peer: &str) -> Option<u32> {
    if peer == "sequencer" {
        return Some(0);
    }
    let k = peer.strip_prefix("sequencer-")?;
    (!k.starts_with('0')).then(|| k.parse().ok()).flatten()
}

/// A halt in a sequencer set: the whole set (`"sequencer"`, as before sets, or `"sequencers"`)
/// or members by name (`"sequencer-0"` is member 0 alone).
fn halted_members(key: &str, f: &FaultConfig, count: u32) -> Result<(), Invalid> {
    let member = |p: &str| match p {
        "sequencer" | "sequencers" | "sequencer-0" => true,
        _ => override_member(p).is_some_and(|m| m < count),
    };
    match f.peers.iter().find(|p| !member(p)) {
        None if !f.peers.is_empty() => Ok(()),
        bad => Err(Invalid::new(
            key,
            format!(
                "expected the set (\"sequencer\" or \"sequencers\") or members by name (\"sequencer-0\" to \"sequencer-{}\") for kind = \"halt\", got {:?}",
                count - 1,
                bad.map_or_else(|| f.peers.clone(), |p| vec![p.clone()])
            ),
        )),
    }
}

/// Keys of a `[[fault]]` table that its kind does not read.
fn fault_keys_read(index: usize, f: &FaultConfig, written: &Table) -> Result<(), Invalid> {
    let read = |key: &str| match key {
        "groups" => f.kind == FaultKind::Partition,
        "peers" => f.kind != FaultKind::Partition,
        "probability" => f.kind == FaultKind::Loss,
        "extra_ms" => f.kind == FaultKind::Slow,
        "skew_ms" => f.kind == FaultKind::ClockSkew,
        _ => true,
    };
    match written.keys().find(|key| !read(key)) {
        Some(key) => Err(Invalid::new(
            indexed("fault", index, key),
            format!("not read with kind = \"{}\"; remove it", f.kind.as_str()),
        )),
        None => Ok(()),
    }
}

fn workload(w: &WorkloadConfig) -> Result<(), Invalid> {
    number("workload.tx_rate_per_s", w.tx_rate_per_s, 0.0, 100_000.0)?;
    integer("workload.accounts", u64::from(w.accounts), 1, 1_000_000)?;
    number("workload.mix_transfer", w.mix_transfer, 0.0, 1e9)?;
    number("workload.mix_token", w.mix_token, 0.0, 1e9)?;
    number("workload.mix_hvm_call", w.mix_hvm_call, 0.0, 1e9)?;
    number("workload.force_after_s", w.force_after_s, 0.0, TEN_YEARS_S)?;
    if w.mix_transfer + w.mix_token + w.mix_hvm_call <= 0.0 {
        return Err(Invalid::new("workload.mix_transfer", "expected mix weights with a positive sum, got all zero"));
    }
    Ok(())
}

fn name(name: &str) -> Result<(), Invalid> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let length = name.chars().count();
    if (1..=NAME_LEN_MAX).contains(&length) && name.chars().all(allowed) {
        return Ok(());
    }
    Err(Invalid::new(
        "name",
        format!("expected 1 to {NAME_LEN_MAX} characters from A-Z, a-z, 0-9, '_' and '-', got {name:?}"),
    ))
}

fn bitcoin(b: &BitcoinConfig) -> Result<(), Invalid> {
    number("bitcoin.block_interval_s", b.block_interval_s, 1.0, 86_400.0)?;
    integer("bitcoin.miners", u64::from(b.miners), 1, 1000)?;
    if let Some(shares) = &b.hashrate_shares {
        hashrate_shares(shares, b.miners)?;
    }
    integer("bitcoin.propagation_delay_ms", b.propagation_delay_ms, 0, 3_600_000)?;
    integer("bitcoin.propagation_jitter_ms", b.propagation_jitter_ms, 0, 3_600_000)?;
    integer("bitcoin.max_block_weight", b.max_block_weight, 4_000, 400_000_000)?;
    number("bitcoin.background_tx_rate_per_s", b.background_tx_rate_per_s, 0.0, 10_000.0)?;
    let min = b.background_fee_rate_min_sat_per_vb;
    number("bitcoin.background_fee_rate_min_sat_per_vb", min, 0.1, 100_000.0)?;
    let max = b.background_fee_rate_max_sat_per_vb;
    if !(max.is_finite() && min <= max && max <= 100_000.0) {
        return Err(Invalid::new(
            "bitcoin.background_fee_rate_max_sat_per_vb",
            format!(
                "expected a finite number in [{min}, 100000] (at least background_fee_rate_min_sat_per_vb), got {max}"
            ),
        ));
    }
    if let Some(spike) = &b.fee_spike {
        fee_spike(spike)?;
    }
    integer("bitcoin.block_fill_bytes", b.block_fill_bytes, 0, 100_000_000)?;
    Ok(())
}

fn hashrate_shares(shares: &[f64], miners: u32) -> Result<(), Invalid> {
    if shares.len() != miners as usize {
        return Err(Invalid::new(
            "bitcoin.hashrate_shares",
            format!(
                "expected one share per honest miner ({miners}, as bitcoin.miners = {miners}), got {}",
                shares.len()
            ),
        ));
    }
    for (i, &share) in shares.iter().enumerate() {
        if !(share.is_finite() && share > 0.0) {
            let key = format!("bitcoin.hashrate_shares[{i}]");
            return Err(Invalid::new(key, format!("expected a finite number > 0, got {share}")));
        }
    }
    let total: f64 = shares.iter().sum();
    if !total.is_finite() {
        return Err(Invalid::new("bitcoin.hashrate_shares", "expected shares with a finite sum, got an infinite one"));
    }
    Ok(())
}

fn attack(a: &AttackConfig) -> Result<(), Invalid> {
    let share = a.hashrate_share;
    if a.kind == AttackKind::Equivocate {
        if share != 0.0 {
            return Err(Invalid::new(
                "attack.hashrate_share",
                format!(
                    "expected 0 for kind = \"equivocate\": the equivocating sequencer mines no Bitcoin, got {share}"
                ),
            ));
        }
        return Ok(());
    }
    if a.kind == AttackKind::Rewrite {
        // 0: the colluding PoP miner publishes in public, no Bitcoin race.
        if !(share.is_finite() && (0.0..1.0).contains(&share)) {
            return Err(Invalid::new(
                "attack.hashrate_share",
                format!("expected a number in [0, 1) for kind = \"rewrite\", got {share}"),
            ));
        }
        return Ok(());
    }
    if !(share.is_finite() && share > 0.0 && share < 1.0) {
        return Err(Invalid::new(
            "attack.hashrate_share",
            format!("expected a number strictly between 0 and 1, got {share}"),
        ));
    }
    integer("attack.confirmations", u64::from(a.confirmations), 1, 100)?;
    integer("attack.give_up_deficit_blocks", u64::from(a.give_up_deficit_blocks), 1, 1000)?;
    number("attack.gamma", a.gamma, 0.0, 1.0)
}

/// `[attack] kind = "equivocate"`: the sequencer needs a settlement layer to batch other blocks
/// than it gossips, and the run must reach the attack.
fn equivocation(a: &AttackConfig, s: &Scenario) -> Result<(), Invalid> {
    if s.l2.is_none() || s.ethereum.is_none() {
        return Err(Invalid::new(
            "attack.kind",
            "expected [l2] and [ethereum] tables for \"equivocate\": the sequencer gossips one block and batches another on Ethereum",
        ));
    }
    number("attack.at_s", a.at_s, 0.0, s.duration_s as f64)?;
    integer("attack.equivocate_blocks", u64::from(a.equivocate_blocks), 1, 10_000)?;
    number("attack.hold_batches_s", a.hold_batches_s, 0.0, TEN_YEARS_S)?;
    peers::check(&a.equivocate_peers, &Roles::of(s)).map_err(|e| Invalid::new("attack.equivocate_peers", e))
}

/// `[attack] kind = "rewrite"`: the sequencer rewrites on a settlement chain, keystones of the
/// rewritten blocks exist (at least one keystone interval deep), the race can start and be lost
/// (the give-up deficit exceeds the starting deficit), and the run reaches the attack.
fn rewrite(a: &AttackConfig, s: &Scenario) -> Result<(), Invalid> {
    let (Some(_), Some(_), Some(pop)) = (&s.l2, &s.ethereum, &s.pop) else {
        return Err(Invalid::new(
            "attack.kind",
            "expected [l2], [ethereum] and [pop] tables for \"rewrite\": the sequencer rewrites batches on Ethereum and PoP miners publish its keystones",
        ));
    };
    number("attack.at_s", a.at_s, 0.0, s.duration_s as f64)?;
    number("attack.hold_batches_s", a.hold_batches_s, 0.0, TEN_YEARS_S)?;
    let interval = u64::from(pop.keystone_interval_blocks);
    integer("attack.depth_l2_blocks", u64::from(a.depth_l2_blocks), interval.max(1), 10_000).map_err(|e| {
        let why = "at least pop.keystone_interval_blocks, so that a keystone is rewritten";
        Invalid::new("attack.depth_l2_blocks", format!("{} ({why})", e.problem))
    })?;
    integer("attack.publication_depth_blocks", u64::from(a.publication_depth_blocks), 1, 100)?;
    let deficit = u64::from(a.publication_depth_blocks);
    integer("attack.give_up_deficit_blocks", u64::from(a.give_up_deficit_blocks), deficit + 1, 1000).map_err(|e| {
        Invalid::new(
            "attack.give_up_deficit_blocks",
            format!("{} (more than attack.publication_depth_blocks, the deficit a race starts with)", e.problem),
        )
    })
}

/// `l2.fork_choice = "pop"` compares keystones' publications on Bitcoin: it needs keystones and a
/// derivation to refuse; `pop.fork_finality_delay_blocks` is in range.
fn fork_choice(s: &Scenario) -> Result<(), Invalid> {
    if let Some(pop) = &s.pop {
        integer("pop.fork_finality_delay_blocks", u64::from(pop.fork_finality_delay_blocks), 1, 1_000)?;
    }
    if s.l2.as_ref().is_some_and(|l2| l2.fork_choice == ForkChoiceConfig::Pop)
        && (s.pop.is_none() || s.ethereum.is_none())
    {
        return Err(Invalid::new(
            "l2.fork_choice",
            "expected [pop] and [ethereum] tables for \"pop\" (the rule compares keystone publications when derivation would reorg), or fork_choice = \"derivation\"",
        ));
    }
    Ok(())
}

/// A key of `[attack]` that the chosen kind does not read is a mistake (defaults do not count:
/// this looks at the table as written).
fn kind_specific_keys(kind: AttackKind, table: &Table) -> Result<(), Invalid> {
    let Some(written) = table.get("attack").and_then(|a| a.as_table()) else { return Ok(()) };
    for key in written.keys() {
        if let Some(readers) = AttackKind::kinds_reading(key).filter(|readers| !readers.contains(&kind)) {
            let readers: Vec<String> = readers.iter().map(|r| format!("kind = \"{r}\"")).collect();
            return Err(Invalid::new(
                format!("attack.{key}"),
                format!("only used by {}, but attack.kind = \"{kind}\"; remove it", readers.join(" or ")),
            ));
        }
    }
    Ok(())
}

fn integer(key: &str, got: u64, min: u64, max: u64) -> Result<(), Invalid> {
    if (min..=max).contains(&got) {
        return Ok(());
    }
    Err(out_of_range(key, min, max, got))
}

/// A finite number in `[min, max]`.
fn number(key: &str, got: f64, min: f64, max: f64) -> Result<(), Invalid> {
    if got.is_finite() && (min..=max).contains(&got) {
        return Ok(());
    }
    Err(Invalid::new(key, format!("expected a finite number in [{min}, {max}], got {got}")))
}
