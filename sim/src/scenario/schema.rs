//! The shape of the scenario schema (which keys each table has, their types, which are required),
//! read from the serde derives of [`super::Scenario`] so that the structs stay the one source of
//! truth.
//!
//! It works by letting `Scenario::deserialize` drive a probing `Deserializer` that answers every
//! request with a placeholder value and records what was asked for: `deserialize_u32` means an
//! integer key, `deserialize_struct` lists a table's keys, `deserialize_enum` lists the accepted
//! strings. A key is required when deserialising with that one key left out fails.
//! `Option<T>` and newtypes are transparent. Types a scenario cannot hold (maps, tuples, data
//! enums) become [`Shape::Unsupported`]; a unit test keeps the schema free of them.

use std::sync::OnceLock;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// What a key accepts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Integer {
        min: i64,
        max: i64,
    },
    /// A float; TOML integers are accepted too.
    Number,
    Text,
    Bool,
    /// One of these strings (a unit-only enum).
    OneOf(&'static [&'static str]),
    List(Box<Shape>),
    Table(Vec<Field>),
    Unsupported,
}

/// One key of a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// Must be present whenever its table is.
    pub required: bool,
}

/// The schema of [`super::Scenario`], computed once.
pub(crate) fn scenario() -> &'static Shape {
    static SCHEMA: OnceLock<Shape> = OnceLock::new();
    SCHEMA.get_or_init(|| with_ranges(schema_of::<super::Scenario>(), &super::validate::KEY_RANGES))
}

/// Narrows the integer keys at these paths to these ranges (their types allow more).
fn with_ranges(mut shape: Shape, ranges: &[(&str, i64, i64)]) -> Shape {
    for &(path, min, max) in ranges {
        if let Some(Field { shape: Shape::Integer { min: low, max: high }, .. }) = field_mut(&mut shape, path) {
            (*low, *high) = (min, max);
        }
    }
    shape
}

pub(crate) fn schema_of<T: DeserializeOwned>() -> Shape {
    let (mut shape, _) = probe::<T>(None);
    for path in field_paths(&shape, "") {
        let fails_without_it = !probe::<T>(Some(&path)).1;
        if let Some(field) = field_mut(&mut shape, &path) {
            field.required = fails_without_it;
        }
    }
    shape
}

impl Shape {
    /// The shape of the key at a dotted path (`bitcoin.miners`), if the schema has it.
    pub(crate) fn at(&self, path: &str) -> Option<&Shape> {
        path.split('.').try_fold(self, |shape, name| match shape {
            Shape::Table(fields) => fields.iter().find(|f| f.name == name).map(|f| &f.shape),
            // An index into an array of tables: the tables' shape.
            Shape::List(inner) if name.parse::<usize>().is_ok() => Some(&**inner),
            _ => None,
        })
    }
}

/// Deserialises `T` from placeholders, leaving out the key at `skip`; returns what was asked
/// for and whether `T` accepted it.
fn probe<T: DeserializeOwned>(skip: Option<&str>) -> (Shape, bool) {
    let mut shape = Shape::Unsupported;
    let ok = T::deserialize(Probe { path: String::new(), skip, shape: &mut shape }).is_ok();
    (shape, ok)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
}

/// Every key's path; the keys of an array of tables' elements are `name[].key`, as the probe
/// names them.
fn field_paths(shape: &Shape, path: &str) -> Vec<String> {
    match shape {
        Shape::Table(fields) => fields
            .iter()
            .flat_map(|f| {
                let own = join(path, f.name);
                std::iter::once(own.clone()).chain(field_paths(&f.shape, &own))
            })
            .collect(),
        Shape::List(element) => field_paths(element, &format!("{path}[]")),
        _ => Vec::new(),
    }
}

fn field_mut<'s>(shape: &'s mut Shape, path: &str) -> Option<&'s mut Field> {
    let (parent, name) = match path.rsplit_once('.') {
        Some((parent, name)) => (Some(parent), name),
        None => (None, path),
    };
    let mut table = shape;
    for step in parent.into_iter().flat_map(|p| p.split('.')) {
        let Shape::Table(fields) = table else { return None };
        let (name, element) = match step.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (step, false),
        };
        table = &mut fields.iter_mut().find(|f| f.name == name)?.shape;
        if element {
            let Shape::List(inner) = table else { return None };
            table = inner;
        }
    }
    let Shape::Table(fields) = table else { return None };
    fields.iter_mut().find(|f| f.name == name)
}

#[derive(Debug)]
struct ProbeError(String);

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProbeError {}

impl de::Error for ProbeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ProbeError(msg.to_string())
    }
}

/// The probing deserializer for the value at `path`.
struct Probe<'a> {
    path: String,
    skip: Option<&'a str>,
    shape: &'a mut Shape,
}

macro_rules! integers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            let min = i64::try_from(<$ty>::MIN).unwrap_or(i64::MIN);
            let max = i64::try_from(<$ty>::MAX).unwrap_or(i64::MAX);
            *self.shape = Shape::Integer { min, max };
            visitor.visit_i64(0)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeError> {
        *self.shape = Shape::Unsupported;
        Err(ProbeError(format!("{}: a type a scenario file cannot hold", self.path)))
    }

    integers!(deserialize_i8: i8, deserialize_i16: i16, deserialize_i32: i32, deserialize_i64: i64,
        deserialize_u8: u8, deserialize_u16: u16, deserialize_u32: u32, deserialize_u64: u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.shape = Shape::Number;
        visitor.visit_f64(0.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.shape = Shape::Bool;
        visitor.visit_bool(false)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.shape = Shape::Text;
        visitor.visit_str("")
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let mut element = Shape::Unsupported;
        let path = format!("{}[]", self.path);
        let probe = Probe { path, skip: self.skip, shape: &mut element };
        let value = visitor.visit_seq(OneElement(Some(probe)));
        *self.shape = Shape::List(Box::new(element));
        value
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        let mut fields = Vec::new();
        let access = Fields { names: names.iter(), path: &self.path, skip: self.skip, found: &mut fields };
        let value = visitor.visit_map(access);
        *self.shape = Shape::Table(fields);
        value
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        *self.shape = Shape::OneOf(variants);
        let first = variants.first().ok_or_else(|| ProbeError(format!("{}: empty enum", self.path)))?;
        visitor.visit_enum(StrDeserializer::<ProbeError>::new(first))
    }

    forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct tuple tuple_struct map identifier ignored_any
    }
}

/// A sequence of one placeholder element, whose shape is the list's element shape.
struct OneElement<'a>(Option<Probe<'a>>);

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ProbeError> {
        self.0.take().map(|probe| seed.deserialize(probe)).transpose()
    }
}

/// A table holding every field of a struct (but the skipped one) with placeholder values.
struct Fields<'a> {
    names: std::slice::Iter<'static, &'static str>,
    path: &'a str,
    skip: Option<&'a str>,
    found: &'a mut Vec<Field>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ProbeError> {
        for &name in self.names.by_ref() {
            if self.skip == Some(join(self.path, name).as_str()) {
                continue;
            }
            self.found.push(Field { name, shape: Shape::Unsupported, required: false });
            return seed.deserialize(StrDeserializer::<ProbeError>::new(name)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, ProbeError> {
        let field = self.found.last_mut().ok_or_else(|| ProbeError("value before key".to_owned()))?;
        let path = join(self.path, field.name);
        seed.deserialize(Probe { path, skip: self.skip, shape: &mut field.shape })
    }
}
