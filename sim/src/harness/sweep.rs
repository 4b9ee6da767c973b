//! `hemisim sweep`: a grid of scenario variants, each run with replications, on one work queue.
//!
//! The grid is the cartesian product of `--grid KEY=V1,V2,...` axes, the first axis outermost.
//! Each cell is the scenario with the `--set` overrides and then one `KEY=VALUE` per axis
//! applied exactly like `--set` (so a bad value is the same one-line error, naming `--grid KEY`
//! and the value). Every cell is loaded and validated before anything runs.
//!
//! Seeds: a cell's seed is SHA-256 of the base seed and the cell's canonical label (its
//! `key=value` pairs in grid order, values as the user wrote them: [`cell_seed`]), so adding a
//! value to one axis leaves every other cell's seed, and so its runs, unchanged. Replication `r`
//! of a cell uses [`replication_seed`]`(cell seed, r)`, as `hemisim run --runs` does: a cell is
//! replayed by `hemisim run SCENARIO --seed <cell seed> --set ... --runs N`.
//!
//! Execution: all `(cell, replication)` runs go through one queue over `jobs` threads, in grid
//! order; when a cell's last replication ends, its outputs are handed to a callback (on the worker
//! that ran it), so only the cells in flight are held in memory. Results are gathered by cell
//! index: nothing depends on `jobs` or on timing.

use super::runner::{RunError, RunOptions, RunOutput, run_once};
use super::seeds::{replication_seed, seed_from};
use crate::scenario::{Override, Scenario, ScenarioError};
use bitcoin::hashes::{Hash, HashEngine, sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The most cells a grid may have.
pub const MAX_CELLS: usize = 10_000;
/// The most runs (cells × replications) a sweep may have.
pub const MAX_RUNS: u64 = 1_000_000;

/// One `--grid KEY=V1,V2,...`: a scenario key and its values, as written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

/// Why a sweep cannot start. Every variant is bad input (exit code 2); `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SweepError {
    #[error("--grid {arg}: expected KEY=V1,V2,... (e.g. --grid bitcoin.miners=4,8,16)")]
    Syntax { arg: String },
    #[error("--grid {key}: no values; expected KEY=V1,V2,... (e.g. --grid bitcoin.miners=4,8,16)")]
    NoValues { key: String },
    #[error("--grid {key}: value {position} is empty (two commas in a row, or one at an end)")]
    EmptyValue { key: String, position: usize },
    #[error("--grid {key}: the value {value} is given twice")]
    RepeatedValue { key: String, value: String },
    #[error(
        "--grid {key}: the values {first} and {second} are the same setting (their cells would run the same scenario); give it once"
    )]
    SameSetting { key: String, first: String, second: String },
    #[error("--grid {key}: unbalanced brackets or quotes in the values")]
    Unbalanced { key: String },
    #[error("--grid {key}: {other} also sets this key (or a key inside it); each key is either swept or set, once")]
    RepeatedKey { key: String, other: String },
    #[error(
        "--grid seed: the seed cannot be swept; each cell's seed is derived from the base seed (--seed), and --runs adds replications"
    )]
    Seed,
    #[error("the grid has {cells} cells, more than {MAX_CELLS}; split the sweep")]
    TooManyCells { cells: String },
    #[error("{cells} cells × {runs} runs = {total} runs, more than {MAX_RUNS}; lower --runs or split the sweep")]
    TooManyRuns { cells: usize, runs: u32, total: u64 },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

impl Axis {
    /// Parses the text after `--grid`: `KEY=V1,V2,...`. Commas inside brackets or quotes do not
    /// split (`bitcoin.hashrate_shares=[1,1],[3,1]` has two values).
    pub fn parse(arg: &str) -> Result<Axis, SweepError> {
        let Some((key, list)) = arg.split_once('=') else {
            return Err(SweepError::Syntax { arg: arg.to_owned() });
        };
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(SweepError::Syntax { arg: arg.to_owned() });
        }
        if key == "seed" {
            return Err(SweepError::Seed);
        }
        if list.trim().is_empty() {
            return Err(SweepError::NoValues { key });
        }
        let values = split_values(list).ok_or_else(|| SweepError::Unbalanced { key: key.clone() })?;
        for (i, value) in values.iter().enumerate() {
            if value.is_empty() {
                return Err(SweepError::EmptyValue { key, position: i + 1 });
            }
            if values[..i].contains(value) {
                return Err(SweepError::RepeatedValue { key, value: value.clone() });
            }
        }
        Ok(Axis { key, values })
    }
}

/// Splits at the commas outside brackets, braces and quotes; trims each value. `None` when a
/// bracket or quote is left open or closed too often.
fn split_values(list: &str) -> Option<Vec<String>> {
    let (mut values, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quote) = (0i32, None);
    for c in list.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                values.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        current.push(c);
    }
    if depth != 0 || quote.is_some() {
        return None;
    }
    values.push(current.trim().to_owned());
    Some(values)
}

/// Whether two dotted keys are the same or one lies inside the other (`a` and `a.b`).
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        inner.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    inside(a, b) || inside(b, a)
}

/// The cells of a grid as value indices, one per axis, in order: the first axis outermost, each
/// axis's values in the order given.
pub fn cell_indices(sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut cells = vec![Vec::new()];
    for &size in sizes {
        cells =
            cells.into_iter().flat_map(|prefix| (0..size).map(move |v| [prefix.clone(), vec![v]].concat())).collect();
    }
    cells
}

/// `key=value` pairs joined by `,`: how a cell is named in outputs and messages.
pub fn cell_label(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// The seed of the cell with these `key=value` pairs (in grid order) in a sweep from `base`:
/// SHA-256 over a version tag, the base seed and each key and value, length-prefixed (so no two
/// labels share an encoding); the first 8 bytes, big-endian, within `0..=SEED_MAX` ([`seed_from`]).
pub fn cell_seed(base: u64, pairs: &[(&str, &str)]) -> u64 {
    let mut engine = sha256::Hash::engine();
    engine.input(b"hemisim/sweep-cell/v1\0");
    engine.input(&base.to_be_bytes());
    for text in pairs.iter().flat_map(|(k, v)| [k, v]) {
        engine.input(&(text.len() as u64).to_be_bytes());
        engine.input(text.as_bytes());
    }
    seed_from(engine)
}

/// A directory name for cell `index`: `<index>-<label>`, with every character outside
/// `A-Za-z0-9._,=+-` replaced by `_`, cut to 100 characters (the index keeps it unique).
pub fn cell_dir_name(index: usize, label: &str) -> String {
    let safe: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._,=+-".contains(c) { c } else { '_' })
        .take(100)
        .collect();
    format!("{index}-{safe}")
}

/// One cell of the grid, loaded and validated.
#[derive(Debug, Clone)]
pub struct Cell {
    pub index: usize,
    /// One value per axis, as written.
    pub values: Vec<String>,
    pub label: String,
    pub seed: u64,
    /// The resolved scenario; its `seed` is the cell's seed (so its hash is what `hemisim run
    /// --seed <cell seed>` with the same overrides reports).
    pub scenario: Scenario,
}

impl Cell {
    /// This cell's axis values as `--set` arguments (`KEY=VALUE`), in grid order.
    pub fn sets(&self, axes: &[Axis]) -> Vec<String> {
        axes.iter().zip(&self.values).map(|(axis, value)| format!("{}={value}", axis.key)).collect()
    }
}

/// A validated sweep, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub axes: Vec<Axis>,
    pub base_seed: u64,
    pub cells: Vec<Cell>,
}

/// Parses and checks the grid, then loads every cell (scenario file, `sets`, the cell's values)
/// before anything runs. The base seed is `seed`, else the scenario's (after `sets`).
pub fn plan(
    scenario: &Path,
    sets: &[String],
    grid: &[String],
    seed: Option<u64>,
    runs: u32,
) -> Result<Plan, SweepError> {
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s)).collect::<Result<_, _>>()?;
    let axes: Vec<Axis> = grid.iter().map(|g| Axis::parse(g)).collect::<Result<_, _>>()?;
    for (i, axis) in axes.iter().enumerate() {
        if let Some(other) = axes[..i].iter().find(|a| overlaps(&a.key, &axis.key)) {
            return Err(SweepError::RepeatedKey { key: axis.key.clone(), other: format!("--grid {}", other.key) });
        }
        if let Some(set) = sets.iter().find(|s| overlaps(s.key(), &axis.key)) {
            return Err(SweepError::RepeatedKey { key: axis.key.clone(), other: format!("--set {set}") });
        }
    }
    let sizes: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    let count = sizes.iter().try_fold(1usize, |n, &s| n.checked_mul(s).filter(|&n| n <= MAX_CELLS));
    let Some(count) = count else {
        let product = sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" × ");
        return Err(SweepError::TooManyCells { cells: product });
    };
    let total = count as u64 * u64::from(runs);
    if total > MAX_RUNS {
        return Err(SweepError::TooManyRuns { cells: count, runs, total });
    }
    let mut cells = Vec::with_capacity(count);
    for (index, picks) in cell_indices(&sizes).into_iter().enumerate() {
        let values: Vec<String> = axes.iter().zip(&picks).map(|(axis, &v)| axis.values[v].clone()).collect();
        cells.push(load_cell(scenario, &sets, &axes, index, values)?);
    }
    refuse_identical_cells(&axes, &cells)?;
    let base_seed = seed.or_else(|| cells.first().map(|c| c.scenario.seed)).unwrap_or(0);
    for cell in &mut cells {
        let pairs: Vec<(&str, &str)> =
            axes.iter().zip(&cell.values).map(|(a, v)| (a.key.as_str(), v.as_str())).collect();
        cell.seed = cell_seed(base_seed, &pairs);
        cell.scenario.seed = cell.seed;
    }
    Ok(Plan { axes, base_seed, cells })
}

/// Two values written differently can be one setting (`600` and `600.0`, `[1,1]` and `[1, 1]`):
/// their cells would be the same scenario, run twice. Refused, naming the axis and both values.
fn refuse_identical_cells(axes: &[Axis], cells: &[Cell]) -> Result<(), SweepError> {
    // Every cell still has the file's seed here, so equal hashes mean equal settings.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for cell in cells {
        let Some(&earlier) = seen.get(&cell.scenario.hash_hex()) else {
            seen.insert(cell.scenario.hash_hex(), cell.index);
            continue;
        };
        let earlier = &cells[earlier];
        let axis = (0..axes.len()).find(|&a| earlier.values[a] != cell.values[a]).unwrap_or(0);
        return Err(SweepError::SameSetting {
            key: axes[axis].key.clone(),
            first: earlier.values[axis].clone(),
            second: cell.values[axis].clone(),
        });
    }
    Ok(())
}

/// Loads one cell; an error caused by one of its values names `--grid KEY=VALUE`.
fn load_cell(
    path: &Path,
    sets: &[Override],
    axes: &[Axis],
    index: usize,
    values: Vec<String>,
) -> Result<Cell, SweepError> {
    let blame = |e: ScenarioError| axes.iter().zip(&values).fold(e, |e, (axis, value)| e.in_grid(&axis.key, value));
    let mut overrides = sets.to_vec();
    for (axis, value) in axes.iter().zip(&values) {
        overrides.push(Override::parse(&format!("{}={value}", axis.key)).map_err(blame)?);
    }
    let scenario = Scenario::load(path, &overrides).map_err(blame)?;
    let pairs: Vec<(&str, &str)> = axes.iter().zip(&values).map(|(a, v)| (a.key.as_str(), v.as_str())).collect();
    let label = cell_label(&pairs);
    Ok(Cell { index, values, label, seed: 0, scenario })
}

/// How far the sweep is, for a progress bar on another thread: simulated microseconds reached
/// by the run each worker is on, and those of the runs already finished.
#[derive(Debug)]
pub struct Progress {
    pub workers: Vec<Arc<AtomicU64>>,
    pub finished_us: Arc<AtomicU64>,
}

impl Progress {
    pub fn new(jobs: usize) -> Self {
        Progress {
            workers: (0..jobs).map(|_| Arc::new(AtomicU64::new(0))).collect(),
            finished_us: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Every counter; their sum is the simulated time covered so far.
    pub fn counters(&self) -> Vec<Arc<AtomicU64>> {
        self.workers.iter().cloned().chain([self.finished_us.clone()]).collect()
    }
}

/// The results of one cell's replications so far.
struct Pending {
    outputs: Vec<Option<Result<RunOutput, RunError>>>,
    remaining: u32,
}

/// Runs every cell of `plan` with `runs` replications on `progress.workers.len()` threads. When
/// a cell's last replication ends, `finish(cell, outputs)` (outputs in replication order) runs on
/// that worker; its results come back in cell order.
pub fn run_sweep<T: Send>(
    plan: &Plan,
    runs: u32,
    options: &RunOptions,
    progress: &Progress,
    finish: impl Fn(&Cell, Vec<Result<RunOutput, RunError>>) -> T + Sync,
) -> Vec<T> {
    let runs_per_cell = runs.max(1) as usize;
    let total = plan.cells.len() * runs_per_cell;
    let next = AtomicUsize::new(0);
    let pending: Vec<Mutex<Pending>> = plan
        .cells
        .iter()
        .map(|_| {
            Mutex::new(Pending { outputs: (0..runs_per_cell).map(|_| None).collect(), remaining: runs_per_cell as u32 })
        })
        .collect();
    let results: Mutex<Vec<Option<T>>> = Mutex::new(plan.cells.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for slot in progress.workers.iter().take(total.max(1)) {
            let (next, pending, results, finish) = (&next, &pending, &results, &finish);
            scope.spawn(move || {
                loop {
                    let job = next.fetch_add(1, Ordering::SeqCst);
                    if job >= total {
                        break;
                    }
                    let (index, replication) = (job / runs_per_cell, job % runs_per_cell);
                    let cell = &plan.cells[index];
                    // The trace, when asked for, is the first run's.
                    let options = RunOptions {
                        trace_file: options.trace_file.clone().filter(|_| job == 0),
                        progress_us: Some(slot.clone()),
                        keep_going: options.keep_going,
                    };
                    let output = run_once(&cell.scenario, replication_seed(cell.seed, replication as u32), options);
                    slot.store(0, Ordering::Relaxed);
                    progress.finished_us.fetch_add(cell.scenario.duration_s * 1_000_000, Ordering::Relaxed);
                    let done = {
                        let mut p = pending[index].lock().expect("workers do not panic while holding a cell");
                        p.outputs[replication] = Some(output);
                        p.remaining -= 1;
                        (p.remaining == 0).then(|| std::mem::take(&mut p.outputs))
                    };
                    if let Some(outputs) = done {
                        let outputs =
                            outputs.into_iter().map(|o| o.expect("every replication of a finished cell ran")).collect();
                        let result = finish(cell, outputs);
                        results.lock().expect("workers do not panic while holding the results")[index] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .expect("all workers joined")
        .into_iter()
        .map(|r| r.expect("every cell was finished by a worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Origin;

    const SCENARIO: &str = "name = \"grid\"\nseed = 5\nduration_s = 3600\n[bitcoin]\nminers = 4\n";

    /// A scenario file of its own for each call (tests run in parallel), removed when dropped.
    struct TempScenario(std::path::PathBuf);

    impl std::ops::Deref for TempScenario {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempScenario {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn scenario_file(name: &str) -> TempScenario {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hemisim-sweep-unit-{}-{name}-{call}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        let path = dir.join("grid.toml");
        std::fs::write(&path, SCENARIO).expect("temp dir is writable");
        TempScenario(path)
    }

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn plan_error(sets: &[&str], grid: &[&str]) -> String {
        let path = scenario_file("errors");
        plan(&path, &strings(sets), &strings(grid), None, 1).map(|_| ()).expect_err("the sweep is invalid").to_string()
    }

    #[test]
    fn grid_values_split_at_top_level_commas_only() {
        let axis = Axis::parse("bitcoin.miners= 4, 8 ,16").expect("valid");
        assert_eq!((axis.key.as_str(), axis.values), ("bitcoin.miners", strings(&["4", "8", "16"])));
        let shares = Axis::parse("bitcoin.hashrate_shares=[1, 1],[3,1]").expect("arrays");
        assert_eq!(shares.values, strings(&["[1, 1]", "[3,1]"]));
        let quoted = Axis::parse("name=\"a,b\",c").expect("quotes");
        assert_eq!(quoted.values, strings(&["\"a,b\"", "c"]));
        assert_eq!(Axis::parse("l2.block_time_s=12").expect("one value").values, strings(&["12"]));
    }

    #[test]
    fn bad_grid_syntax_is_named() {
        let error = |arg: &str| Axis::parse(arg).map(|_| ()).expect_err("invalid").to_string();
        assert_eq!(
            error("bitcoin.miners"),
            "--grid bitcoin.miners: expected KEY=V1,V2,... (e.g. --grid bitcoin.miners=4,8,16)"
        );
        assert_eq!(error("=4,8"), "--grid =4,8: expected KEY=V1,V2,... (e.g. --grid bitcoin.miners=4,8,16)");
        assert_eq!(
            error("bitcoin.miners= "),
            "--grid bitcoin.miners: no values; expected KEY=V1,V2,... (e.g. --grid bitcoin.miners=4,8,16)"
        );
        assert_eq!(
            error("bitcoin.miners=4,,8"),
            "--grid bitcoin.miners: value 2 is empty (two commas in a row, or one at an end)"
        );
        assert_eq!(
            error("bitcoin.miners=4,8,"),
            "--grid bitcoin.miners: value 3 is empty (two commas in a row, or one at an end)"
        );
        assert_eq!(error("bitcoin.miners=4,8,4"), "--grid bitcoin.miners: the value 4 is given twice");
        assert_eq!(
            error("bitcoin.hashrate_shares=[1,2"),
            "--grid bitcoin.hashrate_shares: unbalanced brackets or quotes in the values"
        );
        assert_eq!(
            error("bitcoin.hashrate_shares=1],[2"),
            "--grid bitcoin.hashrate_shares: unbalanced brackets or quotes in the values"
        );
        assert!(error("seed=1,2").starts_with("--grid seed: the seed cannot be swept"));
    }

    #[test]
    fn cells_are_the_cartesian_product_first_axis_outermost() {
        assert_eq!(cell_indices(&[2, 3]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
        assert_eq!(cell_indices(&[1]), [[0]]);
        let path = scenario_file("order");
        let plan = plan(&path, &[], &strings(&["bitcoin.miners=2,4", "bitcoin.block_interval_s=300,600,900"]), None, 2)
            .expect("valid");
        let labels: Vec<&str> = plan.cells.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels[..4],
            [
                "bitcoin.miners=2,bitcoin.block_interval_s=300",
                "bitcoin.miners=2,bitcoin.block_interval_s=600",
                "bitcoin.miners=2,bitcoin.block_interval_s=900",
                "bitcoin.miners=4,bitcoin.block_interval_s=300"
            ]
        );
        let last = &plan.cells[5];
        assert_eq!((last.index, last.scenario.bitcoin.miners, last.scenario.bitcoin.block_interval_s), (5, 4, 900.0));
        assert_eq!(last.sets(&plan.axes), ["bitcoin.miners=4", "bitcoin.block_interval_s=900"]);
        assert_eq!(plan.base_seed, 5, "the scenario's seed");
        assert_eq!(last.scenario.seed, last.seed, "the cell's scenario carries its seed");
    }

    #[test]
    fn cell_seeds_are_stable_and_depend_only_on_the_cell_itself() {
        // Pinned (checked with Python's hashlib: the digest's first 8 bytes 0x56999d7cc7b40184,
        // the 11 bits above SEED_MAX cleared): a change here changes every sweep's runs.
        assert_eq!(cell_seed(1, &[("bitcoin.miners", "4")]), 0x0019_9d7c_c7b4_0184);
        let path = scenario_file("seeds");
        let small = plan(&path, &[], &strings(&["bitcoin.miners=2,4", "bitcoin.block_interval_s=300"]), Some(9), 1)
            .expect("valid");
        let large =
            plan(&path, &[], &strings(&["bitcoin.miners=2,3,4", "bitcoin.block_interval_s=300,600"]), Some(9), 1)
                .expect("valid");
        let seed_of = |plan: &Plan, label: &str| plan.cells.iter().find(|c| c.label == label).map(|c| c.seed);
        for label in ["bitcoin.miners=2,bitcoin.block_interval_s=300", "bitcoin.miners=4,bitcoin.block_interval_s=300"]
        {
            assert_eq!(seed_of(&small, label), seed_of(&large, label), "{label}");
        }
        let mut seeds: Vec<u64> = large.cells.iter().map(|c| c.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), 6);
        assert_ne!(cell_seed(1, &[("a", "bc")]), cell_seed(1, &[("ab", "c")]), "length-prefixed");
        assert_ne!(cell_seed(1, &[("a", "1")]), cell_seed(2, &[("a", "1")]));
    }

    #[test]
    fn values_that_are_one_setting_are_refused() {
        let same = "--grid bitcoin.block_interval_s: the values 600 and 600.0 are the same setting (their cells would run the same scenario); give it once";
        assert_eq!(plan_error(&[], &["bitcoin.block_interval_s=600,600.0"]), same);
        assert_eq!(
            plan_error(&[], &["bitcoin.miners=2,4", "bitcoin.block_interval_s=600,600.0"]),
            same,
            "found on the axis that differs"
        );
        assert!(
            plan_error(&[], &["bitcoin.hashrate_shares=[1,1],[1, 1]", "bitcoin.miners=2"])
                .contains("the values [1,1] and [1, 1] are the same setting")
        );
        let path = scenario_file("distinct");
        assert!(
            plan(&path, &[], &strings(&["bitcoin.block_interval_s=600,600.5"]), None, 1).is_ok(),
            "different values run"
        );
    }

    #[test]
    fn a_bad_cell_value_names_the_grid_key_and_value() {
        assert_eq!(
            plan_error(&[], &["bitcoin.miners=4,0"]),
            "--grid bitcoin.miners=0: expected an integer in 1..=1000, got 0"
        );
        assert!(
            plan_error(&[], &["bitcoin.minerz=4"])
                .starts_with("--grid bitcoin.minerz=4: unknown key (did you mean `miners`?)")
        );
        assert!(
            plan_error(&[], &["bitcoin..miners=4"]).starts_with("--grid bitcoin..miners=4: expected KEY to be names")
        );
        assert_eq!(
            plan_error(&["bitcoin.miners=0"], &["bitcoin.block_interval_s=600"]),
            "--set bitcoin.miners: expected an integer in 1..=1000, got 0"
        );
        let path = scenario_file("blame");
        let e = plan(&path, &[], &strings(&["bitcoin.miners=x"]), None, 1).map(|_| ()).expect_err("invalid");
        assert!(
            matches!(e, SweepError::Scenario(ScenarioError { origin: Origin::Grid(ref pair), .. }) if pair == "bitcoin.miners=x"),
            "{e:?}"
        );
    }

    #[test]
    fn repeated_keys_and_oversized_grids_are_refused() {
        assert_eq!(
            plan_error(&[], &["bitcoin.miners=1,2", "bitcoin.miners=3"]),
            "--grid bitcoin.miners: --grid bitcoin.miners also sets this key (or a key inside it); each key is either swept or set, once"
        );
        assert!(
            plan_error(&["bitcoin.miners=4"], &["bitcoin.miners=1,2"])
                .starts_with("--grid bitcoin.miners: --set bitcoin.miners=4 also sets")
        );
        assert!(
            plan_error(&["bitcoin={miners=4}"], &["bitcoin.miners=1,2"])
                .starts_with("--grid bitcoin.miners: --set bitcoin={miners=4} also")
        );
        let hundred: String = (1..=100).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let axes = [
            format!("bitcoin.miners={hundred}"),
            format!("bitcoin.propagation_delay_ms={hundred}"),
            "bitcoin.block_interval_s=1,2".into(),
        ];
        let axes: Vec<&str> = axes.iter().map(String::as_str).collect();
        assert_eq!(plan_error(&[], &axes), "the grid has 100 × 100 × 2 cells, more than 10000; split the sweep");
        let path = scenario_file("runs");
        let e =
            plan(&path, &[], &strings(&["bitcoin.miners=1,2"]), None, 600_000).map(|_| ()).expect_err("too many runs");
        assert_eq!(
            e.to_string(),
            "2 cells × 600000 runs = 1200000 runs, more than 1000000; lower --runs or split the sweep"
        );
    }

    #[test]
    fn cell_directories_are_filename_safe_and_unique_by_index() {
        assert_eq!(cell_dir_name(3, "l2.block_time_s=12,bitcoin.miners=8"), "3-l2.block_time_s=12,bitcoin.miners=8");
        assert_eq!(cell_dir_name(0, "name=\"a b\"/c,x=[1, 2]"), "0-name=_a_b__c,x=_1,_2_");
        assert_eq!(cell_dir_name(1, &"k=v".repeat(60)).len(), 102);
    }
}
