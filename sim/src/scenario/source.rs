//! Where things are: the parsed scenario file with the line of every key, and the
//! [`Locator`] that turns a problem found at a key path into a [`ScenarioError`] naming the file
//! and line, or the `--set` that put the value there.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table};

use super::check::out_of_range;
use super::error::{Invalid, ScenarioError};
use super::overrides::Override;
use super::schema::Shape;

/// A parsed scenario file.
#[derive(Debug)]
pub(crate) struct SourceFile<'a> {
    pub name: &'a str,
    pub table: Table,
    /// Dotted key path (`bitcoin.miners`, `bitcoin.hashrate_shares[1]`) to its 1-based line.
    lines: BTreeMap<String, usize>,
}

impl<'a> SourceFile<'a> {
    /// Parses TOML text; a syntax error names its line and column.
    pub(crate) fn parse(text: &str, name: &'a str) -> Result<Self, ScenarioError> {
        let syntax_error = |e: toml::de::Error| {
            let (line, column) = match e.span() {
                Some(span) => line_column(text, span.start),
                None => (None, None),
            };
            ScenarioError::file(name, line, column, format!("invalid TOML: {}", e.message()))
        };
        let spanned = DeTable::parse(text).map_err(syntax_error)?;
        if let Some((path, got, span)) = oversized_integer(spanned.get_ref(), "") {
            return Err(oversized_error(name, text, &path, &got, span));
        }
        let table = toml::from_str::<Table>(text).map_err(syntax_error)?;
        let mut lines = BTreeMap::new();
        index_table(spanned.get_ref(), "", text, &mut lines);
        Ok(SourceFile { name, table, lines })
    }

    fn line_of(&self, path: &str) -> Option<usize> {
        self.lines.get(path).copied()
    }
}

/// The first integer TOML cannot hold (beyond `i64`): its key path, its text and where it is.
fn oversized_integer(table: &DeTable<'_>, path: &str) -> Option<(String, String, Range<usize>)> {
    table.iter().find_map(|(key, value)| {
        let key_path = if path.is_empty() { key.get_ref().to_string() } else { format!("{path}.{}", key.get_ref()) };
        oversized_in_value(value, &key_path)
    })
}

fn oversized_in_value(value: &Spanned<DeValue<'_>>, path: &str) -> Option<(String, String, Range<usize>)> {
    match value.get_ref() {
        DeValue::Integer(int) if i64::from_str_radix(int.as_str(), int.radix()).is_err() => {
            Some((path.to_owned(), int.to_string(), value.span()))
        }
        DeValue::Table(table) => oversized_integer(table, path),
        DeValue::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| oversized_in_value(item, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// The integer key's range when the schema has one (TOML's own message names `i128`), else the
/// range a TOML integer has.
fn oversized_error(name: &str, text: &str, path: &str, got: &str, span: Range<usize>) -> ScenarioError {
    let line = line_column(text, span.start).0;
    let problem = match super::schema::scenario().at(path) {
        Some(Shape::Integer { min, max }) => out_of_range(path, min, max, got).problem,
        _ => format!("{got} is beyond TOML's integer range {}..={}", i64::MIN, i64::MAX),
    };
    // Like a range error found later: the line, no column.
    let mut error = ScenarioError::file(name, line, None, problem);
    error.key = path.to_owned();
    error
}

fn index_table(table: &DeTable<'_>, path: &str, text: &str, lines: &mut BTreeMap<String, usize>) {
    for (key, value) in table.iter() {
        let key_path = if path.is_empty() { key.get_ref().to_string() } else { format!("{path}.{}", key.get_ref()) };
        lines.insert(key_path.clone(), line_of_span(text, key.span()));
        index_value(value, &key_path, text, lines);
    }
}

fn index_value(value: &Spanned<DeValue<'_>>, path: &str, text: &str, lines: &mut BTreeMap<String, usize>) {
    match value.get_ref() {
        DeValue::Table(table) => index_table(table, path, text, lines),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // A table of an array of tables is `path.N`, as the checks and `--set` name it.
                let item_path = match item.get_ref() {
                    DeValue::Table(_) => format!("{path}.{i}"),
                    _ => format!("{path}[{i}]"),
                };
                lines.insert(item_path.clone(), line_of_span(text, item.span()));
                index_value(item, &item_path, text, lines);
            }
        }
        _ => {}
    }
}

fn line_of_span(text: &str, span: Range<usize>) -> usize {
    line_column(text, span.start).0.unwrap_or(1)
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (Option<usize>, Option<usize>) {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (Some(line), Some(column))
}

/// Turns a problem at a key path into an error naming where that key was set.
#[derive(Debug)]
pub(crate) struct Locator<'a> {
    pub file: &'a SourceFile<'a>,
    pub overrides: &'a [Override],
}

impl Locator<'_> {
    /// The last `--set` that wrote the key (or a table holding it) wins; then the file's line
    /// for the key; then a `--set` that wrote inside it; then the line of its nearest table.
    pub(crate) fn error(&self, invalid: Invalid) -> ScenarioError {
        let at = invalid.at.as_str();
        if let Some(set) = self.overrides.iter().rev().find(|o| within(at, o.key())) {
            return ScenarioError::set(set.key(), invalid);
        }
        let line = self.file.line_of(at);
        if line.is_none()
            && let Some(set) = self.overrides.iter().rev().find(|o| within(o.key(), at))
        {
            return ScenarioError::set(set.key(), invalid);
        }
        let line = line.or_else(|| ancestors(at).find_map(|table| self.file.line_of(table)));
        let mut error = ScenarioError::file(self.file.name, line, None, invalid.problem);
        error.key = invalid.key;
        error
    }
}

/// Whether `path` is `outer` or lies inside it.
fn within(path: &str, outer: &str) -> bool {
    !outer.is_empty()
        && path
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// `a.b[1]` -> `a.b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| p.rfind(['.', '[']).map(|i| &p[..i])).skip(1)
}
