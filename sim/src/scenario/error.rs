//! [`ScenarioError`]: every mistake a user can make in a scenario file or a `--set`, as one line
//! that names where it is (file and line, or the `--set KEY`), the key and what was expected.
//!
//! ```text
//! scenarios/x.toml:7: bitcoin.miners: expected an integer in 1..=1000, got 0
//! scenarios/x.toml:3:9: invalid TOML: expected `.`, `=`
//! --set bitcoin.minerz: unknown key (did you mean `miners`?); valid keys in [bitcoin]: ...
//! ```

use std::fmt;

/// Where the offending text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The scenario file (its path as given, or the name passed to `from_toml_str`).
    File(String),
    /// A `--set KEY=VALUE` override; holds its KEY (or the whole argument if it has none).
    Set(String),
    /// One value of a `hemisim sweep --grid KEY=V1,V2,...`: `KEY=VALUE` for the value in question.
    Grid(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => f.write_str(path),
            Origin::Set(key) => write!(f, "--set {key}"),
            Origin::Grid(pair) => write!(f, "--grid {pair}"),
        }
    }
}

/// A scenario that cannot be used, and why. `Display` is one line:
/// `ORIGIN[:LINE[:COLUMN]]: [KEY: ]PROBLEM` (the key is left out when the origin already is
/// `--set KEY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {}{problem}", position(.line, .column), key_prefix(.origin, .key))]
pub struct ScenarioError {
    /// The file or the `--set` the problem is in.
    pub origin: Origin,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), for TOML syntax errors.
    pub column: Option<usize>,
    /// Dotted key path such as `bitcoin.miners` or `bitcoin.hashrate_shares[2]`; empty when the
    /// problem is not about one key (unreadable file, TOML syntax).
    pub key: String,
    /// What is wrong, in lower case: what was expected and what was got.
    pub problem: String,
}

fn position(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        (None, _) => String::new(),
    }
}

fn key_prefix(origin: &Origin, key: &str) -> String {
    let named_by_origin = match origin {
        Origin::Set(set_key) => set_key == key,
        Origin::Grid(pair) => pair.split_once('=').is_some_and(|(grid_key, _)| grid_key == key),
        Origin::File(_) => false,
    };
    if key.is_empty() || named_by_origin { String::new() } else { format!("{key}: ") }
}

impl ScenarioError {
    /// A problem with the file as a whole (no key).
    pub(crate) fn file(path: &str, line: Option<usize>, column: Option<usize>, problem: String) -> Self {
        let problem = one_line(&problem);
        ScenarioError { origin: Origin::File(path.to_owned()), line, column, key: String::new(), problem }
    }

    /// A problem in a `--set` argument.
    pub(crate) fn set(key: &str, invalid: Invalid) -> Self {
        ScenarioError {
            origin: Origin::Set(key.to_owned()),
            line: None,
            column: None,
            key: invalid.key,
            problem: one_line(&invalid.problem),
        }
    }
}

impl ScenarioError {
    /// The same error, blamed on the `--grid KEY` value `value` when it came from the override
    /// the sweep made of that value (a sweep applies `KEY=value` as a `--set`). Other errors (the
    /// file's, another `--set`'s) are returned as they are.
    pub fn in_grid(self, key: &str, value: &str) -> Self {
        // A syntax error names the whole `KEY=VALUE` argument; a located one names KEY.
        let pair = format!("{key}={value}");
        let from_this_value = matches!(&self.origin, Origin::Set(k) if *k == key || *k == pair);
        if !from_this_value {
            return self;
        }
        ScenarioError { origin: Origin::Grid(pair), ..self }
    }
}

/// A problem found by a check, before it is located in the file or in a `--set`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    /// The key the message names.
    pub key: String,
    /// The key path used to find the line (the table for a missing key, else `key`).
    pub at: String,
    pub problem: String,
}

impl Invalid {
    pub(crate) fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        let key = key.into();
        Invalid { at: key.clone(), key, problem: problem.into() }
    }
}

/// Keeps `Display` on one line whatever a library message holds.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-cases the first character (OS and library messages start with a capital).
pub(crate) fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
