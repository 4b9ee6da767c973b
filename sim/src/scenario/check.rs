//! The structural check of a scenario table against the [schema](super::schema): unknown keys,
//! values of the wrong type and missing required keys, each reported with its full key path.
//! After this check passes, deserialising into [`super::Scenario`] cannot fail.

use toml::{Table, Value};

use super::error::Invalid;
use super::schema::{Field, Shape};

/// Checks a table (`path` is its dotted path, empty for the whole file) against its fields.
pub(crate) fn check_table(table: &Table, fields: &[Field], path: &str) -> Result<(), Invalid> {
    if let Some(unknown) = table.keys().find(|key| !fields.iter().any(|f| f.name == key.as_str())) {
        return Err(Invalid::new(join(path, unknown), unknown_key(unknown, fields, path)));
    }
    for field in fields {
        let key = join(path, field.name);
        match table.get(field.name) {
            Some(value) => check_value(value, &field.shape, &key)?,
            None if field.required => return Err(missing(path, key, fields)),
            None => {}
        }
    }
    Ok(())
}

fn check_value(value: &Value, shape: &Shape, key: &str) -> Result<(), Invalid> {
    match (shape, value) {
        (Shape::Integer { min, max }, Value::Integer(got)) if got < min || got > max => {
            Err(out_of_range(key, min, max, got))
        }
        // Too large for a TOML integer, so `--set` kept it as text: still a number out of range.
        (Shape::Integer { min, max }, Value::String(got)) if is_integer_text(got) => {
            Err(out_of_range(key, min, max, got))
        }
        (Shape::OneOf(accepted), Value::String(got)) if !accepted.contains(&got.as_str()) => {
            Err(Invalid::new(key, format!("expected {}, got {}", noun(shape), show(value))))
        }
        // A table of an array of tables is `key.N` (as `--set` names it); other items `key[N]`.
        (Shape::List(element), Value::Array(items)) => items.iter().enumerate().try_for_each(|(i, item)| {
            let at = if matches!(**element, Shape::Table(_)) { format!("{key}.{i}") } else { format!("{key}[{i}]") };
            check_value(item, element, &at)
        }),
        (Shape::Table(fields), Value::Table(table)) => check_table(table, fields, key),
        // `network.regions`: a built-in table's name in place of the list.
        (Shape::List(_), Value::String(got)) if key == "network.regions" => {
            if super::network::REGION_TABLES.contains(&got.as_str()) {
                Ok(())
            } else {
                Err(Invalid::new(key, format!("expected {}, got {}", super::network::regions_expected(), show(value))))
            }
        }
        (Shape::Integer { .. }, Value::Integer(_))
        | (Shape::Number, Value::Integer(_) | Value::Float(_))
        | (Shape::Text | Shape::OneOf(_), Value::String(_))
        | (Shape::Bool, Value::Boolean(_)) => Ok(()),
        (Shape::Unsupported, _) => Err(Invalid::new(key, "this key cannot be set from a scenario")),
        _ => Err(Invalid::new(key, format!("expected {}, got {}", noun(shape), show(value)))),
    }
}

/// "expected an integer in MIN..=MAX, got GOT": the one wording of every integer range error.
pub(crate) fn out_of_range(
    key: &str,
    min: impl std::fmt::Display,
    max: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> Invalid {
    Invalid::new(key, format!("expected an integer in {min}..={max}, got {got}"))
}

/// Decimal digits with an optional sign (TOML's `_` separators allowed): an integer of any size.
pub(crate) fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    digits.starts_with(|c: char| c.is_ascii_digit()) && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
}

/// `[bitcoin]`, or "the top level" for the file itself.
fn table_name(path: &str) -> String {
    if path.is_empty() { "the top level".to_owned() } else { format!("[{path}]") }
}

fn unknown_key(unknown: &str, fields: &[Field], path: &str) -> String {
    let valid: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let hint = valid
        .iter()
        .find(|name| edit_distance(name, unknown) <= 2)
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default();
    format!("unknown key{hint}; valid keys in {}: {}", table_name(path), valid.join(", "))
}

fn missing(path: &str, key: String, fields: &[Field]) -> Invalid {
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    let problem = format!("missing key; {} requires {}", table_name(path), required.join(", "));
    Invalid { key, at: path.to_owned(), problem }
}

/// What a shape accepts, as the object of "expected".
pub(crate) fn noun(shape: &Shape) -> String {
    match shape {
        Shape::Integer { .. } => "an integer".to_owned(),
        Shape::Number => "a number".to_owned(),
        Shape::Text => "a string".to_owned(),
        Shape::Bool => "true or false".to_owned(),
        Shape::OneOf(accepted) => {
            let quoted: Vec<String> = accepted.iter().map(|a| format!("\"{a}\"")).collect();
            format!("one of {}", quoted.join(", "))
        }
        Shape::List(element) => format!("an array of {}", plural(element)),
        Shape::Table(_) => "a table".to_owned(),
        Shape::Unsupported => "nothing".to_owned(),
    }
}

fn plural(shape: &Shape) -> &'static str {
    match shape {
        Shape::Integer { .. } => "integers",
        Shape::Number => "numbers",
        Shape::Text | Shape::OneOf(_) => "strings",
        Shape::Bool => "booleans",
        Shape::List(_) => "arrays",
        Shape::Table(_) => "tables",
        Shape::Unsupported => "nothing",
    }
}

/// A value as TOML would spell it, on one line and at most 60 characters.
pub(crate) fn show(value: &Value) -> String {
    let text = match value {
        Value::Table(_) => "a table".to_owned(),
        Value::Datetime(d) => format!("the date-time {d}"),
        other => super::error::one_line(&other.to_string()),
    };
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
