//! A world as a scenario file: a TOML table with a note per table saying why it is there.
//!
//! The generator writes a [`Draft`], the shrinker edits one (drop a table, halve a count), and
//! both hand it to [`Draft::load`], which renders the commented file and reads it back through
//! [`Scenario::from_toml_str`]: the same parsing and validation as `hemisim run FILE`, so a world
//! is exactly the scenario its file says.

use crate::scenario::{Scenario, ScenarioError};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// A scenario under construction: its keys and, per table, a one-line note for the reader.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub table: Table,
    /// Table name (`bitcoin`, `fault`) to its note, written above the table in the file.
    pub notes: BTreeMap<String, String>,
    /// Lines written at the top of the file.
    pub header: Vec<String>,
}

impl Draft {
    pub fn new(header: Vec<String>) -> Draft {
        Draft { table: Table::new(), notes: BTreeMap::new(), header }
    }

    /// Sets a top-level key.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.table.insert(key.to_owned(), value.into());
    }

    /// Adds table `name` with its note.
    pub fn add_table(&mut self, name: &str, table: Table, note: impl Into<String>) {
        self.table.insert(name.to_owned(), Value::Table(table));
        self.notes.insert(name.to_owned(), note.into());
    }

    /// Appends a table to the array of tables `name` (`[[fault]]`), with the note of the array.
    pub fn push_table(&mut self, name: &str, table: Table, note: impl Into<String>) {
        let entry = self.table.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            items.push(Value::Table(table));
        }
        self.notes.insert(name.to_owned(), note.into());
    }

    /// The table `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Table> {
        self.table.get(name).and_then(Value::as_table)
    }

    /// The table `name` to change in place (its note stays), if present.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.table.get_mut(name).and_then(Value::as_table_mut)
    }

    /// Whether table (or array of tables) `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.table.contains_key(name)
    }

    /// Removes table `name` (and its note).
    pub fn remove(&mut self, name: &str) {
        self.table.remove(name);
        self.notes.remove(name);
    }

    /// The commented scenario file.
    pub fn render(&self) -> String {
        let body = toml::to_string(&self.table).expect("a table of TOML values always serialises");
        let mut out: String = self.header.iter().map(|line| format!("# {line}\n")).collect();
        out.push('\n');
        let mut noted = std::collections::BTreeSet::new();
        for line in body.lines() {
            let name = line.trim_start_matches('[').trim_end_matches(']');
            if line.starts_with('[') && noted.insert(name.to_owned()) {
                let base = name.split('.').next().unwrap_or(name);
                if let Some(note) = self.notes.get(name).filter(|_| name == base) {
                    out.push_str(&format!("\n# {note}\n"));
                } else {
                    out.push('\n');
                }
            } else if line.starts_with('[') {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Renders and loads the file, validated as `hemisim run` validates one; `source` names it
    /// in errors.
    pub fn load(&self, source: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_str(&self.render(), source, &[])
    }
}

/// A table from `(key, value)` pairs, in order.
pub fn table<const N: usize>(pairs: [(&str, Value); N]) -> Table {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_renders_a_commented_file_that_loads() {
        let mut draft = Draft::new(vec!["a test world".into()]);
        draft.set("name", "t");
        draft.set("seed", 3);
        draft.set("duration_s", 600);
        draft.add_table("bitcoin", table([("miners", 2.into())]), "two miners");
        draft.push_table(
            "fault",
            table([
                ("kind", "slow".into()),
                ("at_s", 10.into()),
                ("for_s", 20.into()),
                ("peers", Value::Array(vec!["miners".into()])),
                ("extra_ms", 5.into()),
            ]),
            "a slow link",
        );
        let text = draft.render();
        assert!(text.starts_with("# a test world\n"), "{text}");
        assert!(text.contains("# two miners\n[bitcoin]"), "{text}");
        assert!(text.contains("# a slow link\n[[fault]]"), "{text}");
        let scenario = draft.load("test").expect("valid");
        assert_eq!((scenario.bitcoin.miners, scenario.fault.len()), (2, 1));
        draft.remove("fault");
        assert!(!draft.render().contains("fault"));
    }
}
