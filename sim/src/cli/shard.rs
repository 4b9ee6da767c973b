//! `--shard I/N`: which part of a sweep or a swarm this process runs, from the flag or from the
//! batch scheduler's environment.
//!
//! Shard I of N runs the items (a sweep's cells; a swarm's worlds, by position in the seed range)
//! whose index ≡ I (mod N): every item belongs to exactly one shard, and the shards' sizes differ
//! by at most one whatever the number of items.
//!
//! Without `--shard`, I/N comes from the scheduler when it set one of these (the flag always wins):
//! - **Slurm job arrays**: I = `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 when unset), N =
//!   `SLURM_ARRAY_TASK_COUNT` (or `--shard-count`). Subtracting the minimum makes `--array=1-8`
//!   work like `--array=0-7`. The array must be contiguous with step 1 (`--array=0-7`, `%4` limits
//!   allowed): a `SLURM_ARRAY_TASK_STEP` other than 1 is refused, and a task of a list with holes
//!   gets an I outside 0..N, refused naming the variables (a missing index is caught by `merge`).
//! - **Kubernetes Indexed Jobs**: I = `JOB_COMPLETION_INDEX`, N = `--shard-count` (the Job's
//!   `completions`: Kubernetes does not put it in the pod's environment).
//!
//! A malformed value is an error naming the variable, never a silent whole sweep.

use std::fmt;
use std::str::FromStr;

/// Slurm: the array task's index.
pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
/// Slurm: how many tasks the array has.
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// Slurm: the array's lowest index.
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// Slurm: the array's step (`--array=0-15:4` has 4).
pub const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
/// Kubernetes Indexed Job: the pod's completion index.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";

/// Shard `index` of `count` (`0 <= index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// Why no shard could be chosen. Every variant is bad input (exit code 2); `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Shown by clap after `invalid value '<text>' for '--shard <I/N>'`.
    #[error("expected I/N with 0 <= I < N (e.g. 0/4, the first of 4 shards)")]
    Syntax,
    #[error("{var}: expected a whole number, got {value:?}")]
    NotANumber { var: &'static str, value: String },
    #[error("{var}={id} is set (a Slurm job array) but {SLURM_TASK_COUNT} is not; give --shard-count N or --shard I/N")]
    SlurmCount { var: &'static str, id: u32 },
    #[error(
        "{SLURM_TASK_STEP}={step}: hemisim shards need an array of step 1 (e.g. --array=0-7); give --shard I/N for anything else"
    )]
    SlurmStep { step: u32 },
    #[error(
        "{SLURM_TASK_ID}={id} minus {SLURM_TASK_MIN}={min} is shard {index}, not in 0..{count} ({count_from}): hemisim shards need a contiguous array such as --array=0-{last}"
    )]
    SlurmOutside { id: u32, min: u32, index: i64, count: u32, count_from: String, last: u32 },
    #[error(
        "{K8S_INDEX}={index} is set (a Kubernetes Indexed Job) but --shard-count is not; give --shard-count N, the Job's completions"
    )]
    K8sCount { index: u32 },
    #[error("{K8S_INDEX}={index} is not below --shard-count {count}; give the Job's completions as --shard-count")]
    K8sOutside { index: u32, count: u32 },
    #[error("both {SLURM_TASK_ID} and {K8S_INDEX} are set; give --shard I/N")]
    TwoSchedulers,
    #[error(
        "--shard-count {count} needs the shard's index: {K8S_INDEX} (a Kubernetes Indexed Job), {SLURM_TASK_ID} (a Slurm job array), or --shard I/{count} instead"
    )]
    NoIndex { count: u32 },
}

impl Shard {
    /// Shard `index` of `count`, if `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    pub fn index(self) -> u32 {
        self.index
    }

    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether item `item` (a cell's index, a world's position) is this shard's: `item ≡ index
    /// (mod count)`.
    pub fn holds(self, item: usize) -> bool {
        hemisim_reports::shard::shard_holds(item as u64, self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax;
        let (index, count) = text.split_once('/').ok_or_else(syntax)?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| syntax());
        Shard::new(number(index)?, number(count)?).ok_or_else(syntax)
    }
}

/// `--shard` and `--shard-count`, for every command that can run a part of its work.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ShardArgs {
    /// Run only shard I of N: the cells (worlds) whose index ≡ I (mod N), into a partial directory
    /// that `hemisim merge` joins with the other shards' [default: from SLURM_ARRAY_TASK_ID and
    /// SLURM_ARRAY_TASK_COUNT (minus SLURM_ARRAY_TASK_MIN), or JOB_COMPLETION_INDEX with
    /// --shard-count; --shard 0/1 runs everything].
    #[arg(long, value_name = "I/N", conflicts_with = "shard_count")]
    pub shard: Option<Shard>,
    /// N, the number of shards, when the index comes from the scheduler: a Kubernetes Indexed
    /// Job's completions (JOB_COMPLETION_INDEX gives I), or instead of SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub shard_count: Option<u32>,
}

impl ShardArgs {
    /// The shard to run: `--shard`, else the scheduler's environment, else none (everything).
    pub fn resolve(&self) -> Result<Option<Shard>, ShardError> {
        self.resolve_with(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// [`resolve`](Self::resolve) reading variables through `env`.
    pub fn resolve_with(&self, env: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        if let Some(shard) = self.shard {
            return Ok(Some(shard));
        }
        match (env(SLURM_TASK_ID), env(K8S_INDEX)) {
            (Some(_), Some(_)) => Err(ShardError::TwoSchedulers),
            (Some(id), None) => self.slurm_shard(number(SLURM_TASK_ID, &id)?, &env).map(Some),
            (None, Some(index)) => self.kubernetes_shard(number(K8S_INDEX, &index)?).map(Some),
            (None, None) => match self.shard_count {
                Some(count) => Err(ShardError::NoIndex { count }),
                None => Ok(None),
            },
        }
    }

    fn slurm_shard(&self, id: u32, env: &impl Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let optional = |var: &'static str| env(var).map(|v| number(var, &v)).transpose();
        if let Some(step) = optional(SLURM_TASK_STEP)?.filter(|&s| s != 1) {
            return Err(ShardError::SlurmStep { step });
        }
        let min = optional(SLURM_TASK_MIN)?.unwrap_or(0);
        let (count, count_from) = match self.shard_count {
            Some(count) => (count, format!("--shard-count {count}")),
            None => {
                let count = optional(SLURM_TASK_COUNT)?.ok_or(ShardError::SlurmCount { var: SLURM_TASK_ID, id })?;
                (count, format!("{SLURM_TASK_COUNT}={count}"))
            }
        };
        let index = i64::from(id) - i64::from(min);
        u32::try_from(index).ok().and_then(|i| Shard::new(i, count)).ok_or_else(|| ShardError::SlurmOutside {
            id,
            min,
            index,
            count,
            count_from,
            last: count.saturating_sub(1),
        })
    }

    fn kubernetes_shard(&self, index: u32) -> Result<Shard, ShardError> {
        let count = self.shard_count.ok_or(ShardError::K8sCount { index })?;
        Shard::new(index, count).ok_or(ShardError::K8sOutside { index, count })
    }
}

/// An environment variable's value as a whole number.
fn number(var: &'static str, value: &str) -> Result<u32, ShardError> {
    value.trim().parse().map_err(|_| ShardError::NotANumber { var, value: value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(shard: Option<&str>, count: Option<u32>, vars: &[(&str, &str)]) -> Result<Option<String>, String> {
        let args = ShardArgs { shard: shard.map(|s| s.parse().expect("valid --shard")), shard_count: count };
        let env = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        args.resolve_with(env).map(|s| s.map(|s| s.to_string())).map_err(|e| e.to_string())
    }

    #[test]
    fn a_shard_is_i_of_n_and_holds_every_nth_item() {
        let shard: Shard = " 1 / 3".parse().expect("valid");
        assert_eq!((shard.index(), shard.count(), shard.to_string()), (1, 3, "1/3".to_owned()));
        let held: Vec<usize> = (0..8).filter(|&i| shard.holds(i)).collect();
        assert_eq!(held, [1, 4, 7]);
        assert!((0..5).all(|i| "0/1".parse::<Shard>().expect("valid").holds(i)));
        for bad in ["3/3", "1", "-1/2", "0/0", "a/2", "1/2/3", ""] {
            assert_eq!(
                bad.parse::<Shard>().map(|_| ()).expect_err(bad).to_string(),
                "expected I/N with 0 <= I < N (e.g. 0/4, the first of 4 shards)",
                "{bad}"
            );
        }
    }

    #[test]
    fn slurm_arrays_give_the_shard_from_the_task_less_the_minimum() {
        let slurm = |id: &'static str, min: Option<&'static str>| {
            let mut vars = vec![(SLURM_TASK_ID, id), (SLURM_TASK_COUNT, "4"), (SLURM_TASK_STEP, "1")];
            vars.extend(min.map(|m| (SLURM_TASK_MIN, m)));
            resolve(None, None, &vars)
        };
        assert_eq!(slurm("2", None), Ok(Some("2/4".into())));
        assert_eq!(slurm("2", Some("0")), Ok(Some("2/4".into())));
        assert_eq!(slurm("4", Some("1")), Ok(Some("3/4".into())), "--array=1-4");
        assert_eq!(
            slurm("5", Some("1")),
            Err("SLURM_ARRAY_TASK_ID=5 minus SLURM_ARRAY_TASK_MIN=1 is shard 4, not in 0..4 (SLURM_ARRAY_TASK_COUNT=4): hemisim shards need a contiguous array such as --array=0-3".into())
        );
        assert!(slurm("0", Some("1")).is_err_and(|e| e.contains("is shard -1, not in 0..4")));
        assert_eq!(slurm("x", None), Err("SLURM_ARRAY_TASK_ID: expected a whole number, got \"x\"".into()));
        assert_eq!(slurm("1", Some("")), Err("SLURM_ARRAY_TASK_MIN: expected a whole number, got \"\"".into()));
        assert_eq!(
            resolve(None, None, &[(SLURM_TASK_ID, "1"), (SLURM_TASK_STEP, "4"), (SLURM_TASK_COUNT, "4")]),
            Err("SLURM_ARRAY_TASK_STEP=4: hemisim shards need an array of step 1 (e.g. --array=0-7); give --shard I/N for anything else".into())
        );
        assert_eq!(
            resolve(None, None, &[(SLURM_TASK_ID, "1")]),
            Err("SLURM_ARRAY_TASK_ID=1 is set (a Slurm job array) but SLURM_ARRAY_TASK_COUNT is not; give --shard-count N or --shard I/N".into())
        );
        assert_eq!(resolve(None, Some(8), &[(SLURM_TASK_ID, "5"), (SLURM_TASK_COUNT, "4")]), Ok(Some("5/8".into())));
    }

    #[test]
    fn kubernetes_indexed_jobs_need_the_shard_count() {
        assert_eq!(resolve(None, Some(3), &[(K8S_INDEX, "2")]), Ok(Some("2/3".into())));
        assert_eq!(
            resolve(None, None, &[(K8S_INDEX, "2")]),
            Err("JOB_COMPLETION_INDEX=2 is set (a Kubernetes Indexed Job) but --shard-count is not; give --shard-count N, the Job's completions".into())
        );
        assert_eq!(
            resolve(None, Some(3), &[(K8S_INDEX, "3")]),
            Err("JOB_COMPLETION_INDEX=3 is not below --shard-count 3; give the Job's completions as --shard-count"
                .into())
        );
        assert_eq!(
            resolve(None, Some(3), &[(K8S_INDEX, "two")]),
            Err("JOB_COMPLETION_INDEX: expected a whole number, got \"two\"".into())
        );
    }

    #[test]
    fn the_flag_wins_and_nothing_set_runs_everything() {
        let both = [(SLURM_TASK_ID, "1"), (K8S_INDEX, "2")];
        assert_eq!(resolve(Some("0/2"), None, &both), Ok(Some("0/2".into())), "--shard wins");
        assert_eq!(resolve(Some("0/2"), None, &[(SLURM_TASK_ID, "junk")]), Ok(Some("0/2".into())));
        assert_eq!(
            resolve(None, None, &both),
            Err("both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; give --shard I/N".into())
        );
        assert_eq!(resolve(None, None, &[]), Ok(None));
        assert!(resolve(None, Some(4), &[]).is_err_and(|e| e.starts_with("--shard-count 4 needs the shard's index")));
    }
}
