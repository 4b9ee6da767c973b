//! `--set KEY=VALUE` overrides: parsed here, applied to the scenario table before it is checked,
//! so an override goes through exactly the same checks as the file.
//!
//! KEY is a dotted path (`bitcoin.miners`); VALUE is a TOML value (`16`, `0.3`, `true`, `"x"`,
//! `[0.5, 0.5]`), or else a bare string (`attack.kind=double-spend`). Tables on the way that the
//! file lacks are created, so `--set attack.kind=double-spend --set attack.hashrate_share=0.3`
//! adds an attack to a scenario that has none. A table of an array of tables is named by its
//! index (`censor.0.share`, `fault.1.for_s`); the index after the last table adds one.

use std::fmt;
use std::str::FromStr;

use toml::{Table, Value};

use super::check::show;
use super::error::{Invalid, ScenarioError};
use super::schema::Shape;

/// One `--set KEY=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    key: String,
    value: Value,
    /// VALUE as typed, used as a string where the schema expects one (`--set name=2024`).
    raw: String,
}

impl Override {
    /// Parses `KEY=VALUE` (the text after `--set`).
    pub fn parse(arg: &str) -> Result<Override, ScenarioError> {
        let syntax = |problem: String| ScenarioError::set(arg, Invalid::new("", problem));
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(syntax(format!("expected KEY=VALUE (e.g. --set bitcoin.miners=16), got \"{arg}\"")));
        };
        let (key, raw) = (key.trim(), raw.trim());
        if key.is_empty() {
            return Err(syntax("empty KEY; expected KEY=VALUE (e.g. --set bitcoin.miners=16)".into()));
        }
        let well_formed =
            |name: &str| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !key.split('.').all(well_formed) {
            return Err(syntax(format!(
                "expected KEY to be names of letters, digits, '_' and '-' joined by '.', got \"{key}\""
            )));
        }
        let value = Value::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
        Ok(Override { key: key.to_owned(), value, raw: raw.to_owned() })
    }

    /// The dotted key path.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value, as parsed.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Writes the value into the scenario table, creating missing tables on the way.
    pub(crate) fn apply(&self, root: &mut Table, schema: &Shape) -> Result<(), ScenarioError> {
        let (parents, last) = match self.key.rsplit_once('.') {
            Some((parents, last)) => (Some(parents), last),
            None => (None, self.key.as_str()),
        };
        let names: Vec<&str> = parents.into_iter().flat_map(|p| p.split('.')).collect();
        let mut table = root;
        let mut path = String::new();
        let mut i = 0;
        while i < names.len() {
            let name = names[i];
            path = if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
            // `censor.0.share`: a name followed by an index is a table of an array of tables.
            let index = names.get(i + 1).and_then(|n| n.parse::<usize>().ok());
            let fresh = || if index.is_some() { Value::Array(Vec::new()) } else { Value::Table(Table::new()) };
            let slot = table.entry(name).or_insert_with(fresh);
            table = match (slot, index) {
                (Value::Table(inner), None) => inner,
                (Value::Array(items), Some(index)) => {
                    path = format!("{path}.{index}");
                    let len = items.len();
                    if index == len {
                        items.push(Value::Table(Table::new()));
                    }
                    match items.get_mut(index) {
                        Some(Value::Table(inner)) => inner,
                        Some(other) => {
                            let problem = format!("cannot set a key inside {path}, which is {}", show(other));
                            return Err(ScenarioError::set(&self.key, Invalid::new(path, problem)));
                        }
                        None => {
                            let problem = format!(
                                "expected an index up to {len} (the tables so far, then one more), got {index}"
                            );
                            return Err(ScenarioError::set(&self.key, Invalid::new(path, problem)));
                        }
                    }
                }
                (other, _) => {
                    let problem = format!("cannot set a key inside {path}, which is {}", show(other));
                    return Err(ScenarioError::set(&self.key, Invalid::new(path, problem)));
                }
            };
            i += if index.is_some() { 2 } else { 1 };
        }
        table.insert(last.to_owned(), self.value_for(schema.at(&self.key)));
        Ok(())
    }

    /// A key that expects a string gets VALUE as typed, even if it also reads as a number.
    fn value_for(&self, shape: Option<&Shape>) -> Value {
        match (shape, &self.value) {
            (Some(Shape::Text | Shape::OneOf(_)), Value::String(_)) => self.value.clone(),
            (Some(Shape::Text | Shape::OneOf(_)), _) => Value::String(self.raw.clone()),
            _ => self.value.clone(),
        }
    }
}

impl FromStr for Override {
    type Err = ScenarioError;

    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        Override::parse(arg)
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.raw)
    }
}
