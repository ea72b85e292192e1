//! The cty value model: [`Value`] and [`CodecError`], the one error every codec
//! ([`msgpack`](super::msgpack), [`json`](super::json)) reports. Numbers are
//! [`Number`]s, exact decimals (see [`number`](super::number)).

use std::collections::BTreeMap;

pub use super::number::{MAX_EXPONENT, Number};
use super::types::Type;

/// Deepest nesting any decoder accepts, counting containers in the value and
/// in the type descriptions embedded in dynamic values. Untrusted input drives
/// recursion through dynamic values, so the stack has to be bounded somewhere.
pub const MAX_DEPTH: usize = 128;

// ---------------------------------------------------------------------------
// Paths and errors
// ---------------------------------------------------------------------------

pub use super::diag::{AttrPath, PathStep};

/// What went wrong, without the where; see [`CodecError`].
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The input ended in the middle of a value.
    #[error("unexpected end of input")]
    Truncated,
    /// A whole value was read but bytes remain after it.
    #[error("{0} unexpected trailing bytes after the value")]
    TrailingBytes(usize),
    /// The input holds something other than what the type asks for.
    #[error("{expected} is required, found {found}")]
    Mismatch {
        /// What the type calls for, e.g. "a string".
        expected: String,
        /// What was there, e.g. "msgpack array".
        found: String,
    },
    /// A string (or map key) is not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A number could not be parsed.
    #[error("invalid number {0:?}")]
    InvalidNumber(String),
    /// A number's exponent is beyond [`MAX_EXPONENT`].
    #[error("number {0:?} is out of the supported range (exponent beyond ±{MAX_EXPONENT})")]
    NumberOutOfRange(String),
    /// NaN or an infinity arrived where a number was expected; [`Number`] is finite.
    #[error("non-finite number {0} is not supported")]
    NonFiniteNumber(f64),
    /// A tuple has the wrong number of elements.
    #[error("a tuple of length {expected} is required, found {found} elements")]
    TupleLength {
        /// Elements in the tuple type.
        expected: usize,
        /// Elements present.
        found: usize,
    },
    /// A msgpack object map has the wrong number of attributes.
    #[error("an object with {expected} attributes is required, found {found}")]
    AttributeCount {
        /// Attributes in the object type.
        expected: usize,
        /// Entries in the map.
        found: usize,
    },
    /// Attributes not in the object type.
    #[error("unsupported attribute(s): {}", .0.join(", "))]
    UnsupportedAttributes(Vec<String>),
    /// The same key appeared twice in one map or object.
    #[error("duplicate key {0:?}")]
    DuplicateKey(String),
    /// A msgpack extension that is not one of cty's unknown-value encodings.
    #[error("unsupported msgpack extension type {code} with length {len}")]
    UnsupportedExtension {
        /// Extension type code.
        code: i8,
        /// Payload length.
        len: u32,
    },
    /// A refined unknown's payload is malformed or oversized.
    #[error("invalid unknown-value refinements: {0}")]
    InvalidRefinements(&'static str),
    /// A dynamic value wrapper is malformed.
    #[error("invalid dynamically-typed value: {0}")]
    InvalidDynamic(String),
    /// A JSON type description is malformed.
    #[error("invalid type description: {0}")]
    InvalidType(String),
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// JSON text is not well-formed.
    #[error("invalid JSON at byte {offset}: {reason}")]
    InvalidJson {
        /// Byte offset of the problem.
        offset: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// An unknown value where only known values can go (JSON has no unknowns).
    #[error("value is not known")]
    Unknown,
    /// The value given to an encoder does not conform to the type given.
    #[error("value of kind {found} does not conform to type {expected}")]
    NonConforming {
        /// The type description, in cty JSON form.
        expected: String,
        /// The kind of value given.
        found: &'static str,
    },
    /// Writing the output failed.
    #[error("failed to write output: {0}")]
    Write(String),
}

/// An error from decoding, encoding or converting a value: where and what.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct CodecError {
    path: AttrPath,
    #[source]
    kind: ErrorKind,
}

impl CodecError {
    /// An error at `path`.
    pub fn new(path: AttrPath, kind: ErrorKind) -> Self {
        Self { path, kind }
    }

    /// An error at a path given as steps.
    pub(super) fn at(path: &[PathStep], kind: ErrorKind) -> Self {
        Self::new(AttrPath(path.to_vec()), kind)
    }

    /// Where the error happened.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    /// What happened.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

// ---------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------

/// A cty value. The type lives beside it (a schema or a [`Type`]), not in it:
/// codecs take both, and the type decides the wire form.
///
/// `List`, `Set` and `Tuple` are interchangeable shapes for any sequence type,
/// as are `Map` and `Object` for any string-keyed type; decoders produce the
/// variant matching the type. A `Set`'s order carries no meaning: decoders and
/// [`Value::set`] sort its elements so equal sets compare equal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// A known absence of a value.
    Null,
    /// A value not known until apply; any refinements Terraform sent are dropped.
    Unknown,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A list: ordered, same-typed elements.
    List(Vec<Value>),
    /// A set: unordered, same-typed elements.
    Set(Vec<Value>),
    /// A map: string keys, same-typed values.
    Map(BTreeMap<String, Value>),
    /// An object: named attributes, each with its own type.
    Object(BTreeMap<String, Value>),
    /// A tuple: positions, each with its own type.
    Tuple(Vec<Value>),
}

impl Value {
    /// Whether this is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is `Unknown` (at the top level only).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether no `Unknown` appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// An object attribute or map element.
    pub fn get(&self, attr: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) | Value::Object(entries) => entries.get(attr),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value.
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// An object value from attribute names and values.
    pub fn object<'a>(attrs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A set value, its elements sorted into the canonical order.
    pub fn set(items: impl IntoIterator<Item = Value>) -> Value {
        let mut items: Vec<Value> = items.into_iter().collect();
        items.sort();
        Value::Set(items)
    }

    /// The type cty would give this value, used to describe it in a dynamic slot.
    ///
    /// Nulls and unknowns carry no type here: alone they imply `dynamic`, and
    /// among siblings they fit whatever type the others share. A list or map
    /// whose elements share no type implies a tuple or object, as cty would
    /// for such a literal (so it decodes as a `Tuple` or `Object`). A set whose
    /// elements share no type implies `set(dynamic)`, each element carrying its
    /// own type; cty has no such value, so Terraform would reject it.
    pub fn implied_type(&self) -> Type {
        Shape::of(self).into_type()
    }

    /// A short name for the variant, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(Number::from_i64(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

/// A type under inference: like [`Type`], but telling apart "no information"
/// (a null or unknown, which fits any type) from "must be dynamic" (elements
/// that share no type), so merging never narrows the latter.
#[derive(Clone, PartialEq)]
enum Shape {
    Any,
    Dynamic,
    Primitive(Type),
    List(Box<Shape>),
    Set(Box<Shape>),
    Map(Box<Shape>),
    Object(BTreeMap<String, Shape>),
    Tuple(Vec<Shape>),
}

impl Shape {
    fn of(v: &Value) -> Shape {
        match v {
            Value::Null | Value::Unknown => Shape::Any,
            Value::Bool(_) => Shape::Primitive(Type::Bool),
            Value::Number(_) => Shape::Primitive(Type::Number),
            Value::String(_) => Shape::Primitive(Type::String),
            // cty has no list of mixed types; a literal like that is a tuple.
            Value::List(items) => match Shape::merged(items.iter()) {
                Some(element) => Shape::List(Box::new(element)),
                None => Shape::Tuple(items.iter().map(Shape::of).collect()),
            },
            // Nor a set of mixed types, and no tuple-like set to fall back to:
            // each element then carries its own type.
            Value::Set(items) => Shape::Set(Box::new(
                Shape::merged(items.iter()).unwrap_or(Shape::Dynamic),
            )),
            Value::Map(entries) => match Shape::merged(entries.values()) {
                Some(element) => Shape::Map(Box::new(element)),
                None => Shape::Object(
                    entries
                        .iter()
                        .map(|(k, v)| (k.clone(), Shape::of(v)))
                        .collect(),
                ),
            },
            Value::Object(entries) => Shape::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), Shape::of(v)))
                    .collect(),
            ),
            Value::Tuple(items) => Shape::Tuple(items.iter().map(Shape::of).collect()),
        }
    }

    fn merged<'a>(mut items: impl Iterator<Item = &'a Value>) -> Option<Shape> {
        items.try_fold(Shape::Any, |acc, item| acc.merge(Shape::of(item)))
    }

    fn merge(self, other: Shape) -> Option<Shape> {
        Some(match (self, other) {
            (Shape::Any, s) | (s, Shape::Any) => s,
            (Shape::List(a), Shape::List(b)) => Shape::List(Box::new(a.merge(*b)?)),
            (Shape::Set(a), Shape::Set(b)) => Shape::Set(Box::new(a.merge(*b)?)),
            (Shape::Map(a), Shape::Map(b)) => Shape::Map(Box::new(a.merge(*b)?)),
            (Shape::Object(a), Shape::Object(mut b)) if a.len() == b.len() => {
                let mut out = BTreeMap::new();
                for (k, sa) in a {
                    let sb = b.remove(&k)?;
                    out.insert(k, sa.merge(sb)?);
                }
                Shape::Object(out)
            }
            (Shape::Tuple(a), Shape::Tuple(b)) if a.len() == b.len() => Shape::Tuple(
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| x.merge(y))
                    .collect::<Option<_>>()?,
            ),
            (a, b) if a == b => a,
            _ => return None,
        })
    }

    fn into_type(self) -> Type {
        match self {
            Shape::Any | Shape::Dynamic => Type::Dynamic,
            Shape::Primitive(t) => t,
            Shape::List(s) => Type::list(s.into_type()),
            Shape::Set(s) => Type::set(s.into_type()),
            Shape::Map(s) => Type::map(s.into_type()),
            Shape::Object(attrs) => {
                Type::Object(attrs.into_iter().map(|(k, s)| (k, s.into_type())).collect())
            }
            Shape::Tuple(items) => Type::Tuple(items.into_iter().map(Shape::into_type).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display() {
        let path = AttrPath(vec![
            PathStep::Attribute("kured".into()),
            PathStep::Attribute("values".into()),
            PathStep::Index(1),
            PathStep::Key("a\"b".into()),
        ]);
        assert_eq!(path.to_string(), "kured.values[1][\"a\\\"b\"]");
    }

    #[test]
    fn implied_types_merge_like_cty() {
        let list = Value::List(vec![
            Value::object([("a", Value::Null)]),
            Value::object([("a", Value::string("x"))]),
        ]);
        assert_eq!(
            list.implied_type(),
            Type::list(Type::object([("a", Type::String)]))
        );
        let mixed = Value::List(vec![Value::string("x"), Value::from(1)]);
        assert_eq!(
            mixed.implied_type(),
            Type::tuple(vec![Type::String, Type::Number])
        );
        let sets = Value::List(vec![
            Value::set([Value::from(true)]),
            Value::set([Value::from(true), Value::from(1)]),
        ]);
        assert_eq!(
            sets.implied_type(),
            Type::tuple(vec![Type::set(Type::Bool), Type::set(Type::Dynamic)])
        );
    }
}

/// Generators shared by the codec tests in the sibling modules.
#[cfg(test)]
pub(super) mod strategies {
    use super::{Number, Type, Value};
    use proptest::prelude::*;

    /// Types up to `depth` levels deep, with or without `dynamic` anywhere.
    pub fn types(dynamic: bool, depth: u32) -> BoxedStrategy<Type> {
        let leaf = if dynamic {
            prop_oneof![
                Just(Type::String),
                Just(Type::Number),
                Just(Type::Bool),
                Just(Type::Dynamic),
            ]
            .boxed()
        } else {
            prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)].boxed()
        };
        leaf.prop_recursive(depth, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::btree_map("[a-z_<]{1,5}", inner.clone(), 0..4)
                    .prop_map(Type::Object),
                prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
            ]
        })
        .boxed()
    }

    /// Any type up to three levels deep.
    pub fn arb_type() -> impl Strategy<Value = Type> {
        types(true, 3)
    }

    /// `ty` with every `dynamic` replaced by some concrete type: in cty all
    /// elements of one collection share a type, dynamic or not.
    fn concretize(ty: &Type) -> BoxedStrategy<Type> {
        match ty {
            Type::Dynamic => types(false, 2),
            Type::List(t) => concretize(t).prop_map(Type::list).boxed(),
            Type::Set(t) => concretize(t).prop_map(Type::set).boxed(),
            Type::Map(t) => concretize(t).prop_map(Type::map).boxed(),
            Type::Object(attrs) => attrs
                .iter()
                .map(|(k, t)| (Just(k.clone()), concretize(t)))
                .collect::<Vec<_>>()
                .prop_map(|attrs| Type::Object(attrs.into_iter().collect()))
                .boxed(),
            Type::Tuple(items) => items
                .iter()
                .map(concretize)
                .collect::<Vec<_>>()
                .prop_map(Type::Tuple)
                .boxed(),
            t => Just(t.clone()).boxed(),
        }
    }

    fn elements(ety: &Type, unknowns: bool, depth: u32) -> BoxedStrategy<Vec<Value>> {
        concretize(ety)
            .prop_flat_map(move |t| prop::collection::vec(arb_value(&t, unknowns, depth), 0..4))
            .boxed()
    }

    /// Numbers of every shape: small and huge integers, decimals, floats.
    pub fn arb_number() -> BoxedStrategy<Number> {
        let parsed = |pattern: &'static str| {
            pattern.prop_map(|s| Number::parse(&s).unwrap_or_else(|_| Number::zero()))
        };
        prop_oneof![
            any::<i64>().prop_map(Number::from_i64),
            any::<u64>().prop_map(Number::from_u64),
            parsed("-?[1-9][0-9]{18,40}"),
            parsed("-?[0-9]{1,20}\\.[0-9]{1,20}"),
            any::<f64>().prop_filter_map("finite", Number::from_f64),
            (-60i64..60, 0u32..2048).prop_map(|(e, m)| {
                Number::parse(&format!("{}e{e}", f64::from(m) / 8.0))
                    .unwrap_or_else(|_| Number::zero())
            }),
        ]
        .boxed()
    }

    /// A value conforming to `ty`, with nulls (and, if `unknowns`, unknowns)
    /// possible at every level. `depth` limits how far dynamic slots recurse.
    pub fn arb_value(ty: &Type, unknowns: bool, depth: u32) -> BoxedStrategy<Value> {
        let known: BoxedStrategy<Value> = match ty {
            Type::String => prop_oneof![
                any::<String>(),
                "[a-z<>&\"\\\\\\n\u{2028}\u{0}\u{7f}é]{0,6}"
            ]
            .prop_map(Value::String)
            .boxed(),
            Type::Number => arb_number().prop_map(Value::Number).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Dynamic if depth >= 2 => prop_oneof![
                any::<bool>().prop_map(Value::Bool),
                arb_number().prop_map(Value::Number),
            ]
            .boxed(),
            Type::Dynamic => arb_type()
                .prop_flat_map(move |t| arb_value(&t, unknowns, depth + 1))
                .boxed(),
            Type::List(ety) => elements(ety, unknowns, depth).prop_map(Value::List).boxed(),
            Type::Set(ety) => elements(ety, unknowns, depth).prop_map(Value::set).boxed(),
            Type::Map(ety) => concretize(ety)
                .prop_flat_map(move |t| {
                    prop::collection::btree_map("\\PC{0,4}", arb_value(&t, unknowns, depth), 0..4)
                })
                .prop_map(Value::Map)
                .boxed(),
            Type::Object(atys) => atys
                .iter()
                .map(|(k, t)| (Just(k.clone()), arb_value(t, unknowns, depth)))
                .collect::<Vec<_>>()
                .prop_map(|attrs| Value::Object(attrs.into_iter().collect()))
                .boxed(),
            Type::Tuple(etys) => etys
                .iter()
                .map(|t| arb_value(t, unknowns, depth))
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
        };
        if unknowns {
            prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
        } else {
            prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
        }
    }

    /// A type with a value conforming to it.
    pub fn arb_typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
        arb_type().prop_flat_map(move |t| {
            let v = arb_value(&t, unknowns, 0);
            (Just(t), v)
        })
    }
}
