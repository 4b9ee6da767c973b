//! The headline of each area of a summary in one line: what `hemisim run` prints at its end and
//! what `report.html` shows above each area's table (one place for both).

use crate::Summary;

/// One line per area the run has, each starting with the area's name (`bitcoin: `, `l2: `...):
/// what a user checks first after a run. Deterministic (no wall-clock figure: see [`perf_line`]).
pub fn area_lines(s: &Summary) -> Vec<String> {
    let num = |x: Option<f64>, digits: usize| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
    // A quantity with its unit, or "n/a" alone: an undefined value has no unit.
    let with_unit =
        |x: Option<f64>, digits: usize, unit: &str| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$} {unit}"));
    let secs = |x: Option<f64>, digits: usize| with_unit(x, digits, "s");
    let b = &s.btc;
    let mut lines = vec![format!(
        "bitcoin: {} blocks ({} on the main chain, stale rate {}), {} reorgs (deepest {}), mean interval {}",
        b.blocks_total,
        b.blocks_main,
        num(b.stale_rate, 4),
        b.reorgs,
        b.reorg_depth_max,
        secs(b.block_interval_mean_s, 0)
    )];
    if let Some(a) = &s.attack {
        lines.push(match (a.rewrite_trials, a.revenue_share) {
            (Some(trials), _) => format!(
                "attack: history rewrite, {} of {trials} succeeded (rate {})",
                a.rewrite_successes.unwrap_or(0),
                num(a.rewrite_success_rate, 4)
            ),
            (None, Some(share)) if a.trials == 0 => {
                format!("attack: revenue share {share:.4} (expected {})", num(a.expected_revenue_share, 4))
            }
            _ => format!(
                "attack: {} of {} races won, rate {} (expected {})",
                a.successes,
                a.trials,
                num(a.success_rate, 4),
                num(a.expected_success_rate, 4)
            ),
        });
    }
    if let Some(l) = &s.l2 {
        lines.push(format!(
            "l2: {} blocks, {} txs ({} tx/s), fullness {}, latency p50 {}, {} blocks verified, {} state-root mismatches",
            l.blocks, l.txs_included, num(l.tps, 2), num(l.block_fullness_mean, 3), secs(l.tx_inclusion_latency_p50_s, 1), l.blocks_verified, l.state_root_mismatches
        ));
    }
    if let Some(pop) = &s.pop {
        let (got, expected) = (&pop.superfinality_latency_s, &pop.superfinality_latency_expected_s);
        let mean = match got.mean {
            None if pop.blocks_superfinal == 0 && pop.blocks_pending > 0 => "n/a (no block superfinal)".to_owned(),
            Some(m) if got.mean_is_lower_bound => {
                format!(">= {m:.0} s (a lower bound: the slowest blocks are still waiting)")
            }
            m => secs(m, 0),
        };
        lines.push(format!(
            "pop: {} keystones, {} published ({} publications), superfinality mean {mean} p95 {} (uncontended closed form {}, {}), {} blocks pending, fees {}, {} fee deferrals",
            pop.keystones,
            pop.keystones_published,
            pop.publications,
            secs(got.p95, 0),
            secs(expected.mean, 0),
            secs(expected.p95, 0),
            pop.blocks_pending,
            with_unit(pop.fees_sats_per_day, 0, "sat/day"),
            pop.fee_deferrals
        ));
    }
    if let Some(summary) = &s.tunnel {
        let t = &summary.totals;
        let btc = |sats: u64| format!("{:.8}", sats as f64 / 1e8);
        lines.push(format!(
            "tunnel: {} deposits, {} minted ({} BTC, mint p50 {}), {} withdrawals, {} payouts ({} before superfinality), locked {} BTC, {} losses ({} BTC), {} book violations",
            t.deposits,
            t.mints,
            btc(t.minted_sats),
            secs(summary.mint_latency_s.p50, 0),
            t.withdrawals,
            t.payouts,
            t.payouts_before_superfinal,
            btc(t.locked_sats),
            t.losses,
            btc(t.lost_sats),
            t.invariant_violations
        ));
    }
    if let Some(e) = &s.ethereum {
        lines.push(format!(
            "ethereum: {} blocks, {} of {} slots missed (rate {}, configured {}), {} deposits, {} batches",
            e.blocks,
            e.missed_slots,
            e.slots,
            num(e.missed_slot_rate, 4),
            e.missed_slot_rate_expected,
            e.deposits,
            e.batches
        ));
    }
    if let Some(c) = &s.censorship {
        lines.push(format!(
            "censorship: {} held ({} released by the sequencer), {} escaped, {} forced through the portal (escape to inclusion max {}), {} never included, {} bound violations",
            c.txs_censored,
            c.txs_included_by_sequencer,
            c.txs_escaped,
            c.txs_forced,
            secs(c.forced_latency_s.max, 0),
            c.txs_never_included,
            c.bound_violations
        ));
    }
    lines
}

/// The wall-clock line (`perf: ...`): differs between two runs of one seed, so it is printed,
/// never written into a deterministic file.
pub fn perf_line(s: &Summary) -> String {
    let num = |x: Option<f64>, digits: usize| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
    let p = &s.perf;
    format!(
        "perf: {:.0} simulated s in {:.2} s wall ({} sim s per wall s, {} events per wall s)",
        s.sim_time_s,
        p.wall_time_s,
        num(p.sim_seconds_per_wall_second, 0),
        num(p.events_per_wall_second, 0)
    )
}
