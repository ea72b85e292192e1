//! The cty value model: [`Value`], the lossless [`Number`], and [`CodecError`],
//! the one error every codec in this module reports.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::types::Type;

/// Deepest nesting any decoder accepts, counting containers in the value and
/// in the type descriptions embedded in dynamic values. Untrusted input drives
/// recursion through dynamic values, so the stack has to be bounded somewhere.
pub const MAX_DEPTH: usize = 128;

/// Largest decimal exponent a [`Number`] may carry, in either direction.
/// Numbers are printed without an exponent (as cty does), so an unbounded
/// exponent would let a ten-byte input expand into gigabytes of digits.
pub const MAX_EXPONENT: i64 = 16_384;

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
    /// A number cannot be written as a JSON number without losing precision.
    #[error("number {0} does not fit an i64, u64 or f64 exactly")]
    NumberNotRepresentable(Number),
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
    /// serde could not map between a Rust type and the JSON form of the value.
    #[error("serde conversion failed: {0}")]
    Serde(#[source] serde_json::Error),
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
// Number
// ---------------------------------------------------------------------------

/// A finite decimal number of any size or precision.
///
/// Stored as sign, decimal digits and a power of ten, normalised so that equal
/// numbers have equal representations: `1.0 == 1` and `1e2 == 100`. cty uses
/// 512-bit binary floats and compares them by their shortest decimal text, so
/// a decimal model is the one that agrees with Terraform on equality.
///
/// A number made from an `f64` is that float's shortest round-trip decimal
/// (`from_f64(0.1)` is exactly `0.1`), which is also what cty considers it
/// equal to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// ASCII digits without leading or trailing zeros; empty for zero.
    digits: String,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

impl Number {
    /// Zero.
    pub fn zero() -> Self {
        Self {
            negative: false,
            digits: String::new(),
            exponent: 0,
        }
    }

    /// The number equal to `v`.
    pub fn from_i64(v: i64) -> Self {
        Self::from_integer(v < 0, v.unsigned_abs())
    }

    /// The number equal to `v`.
    pub fn from_u64(v: u64) -> Self {
        Self::from_integer(false, v)
    }

    fn from_integer(negative: bool, magnitude: u64) -> Self {
        Self::normalised(negative, magnitude.to_string().into_bytes(), 0)
    }

    /// The shortest decimal that reads back as `v`; `None` for NaN and infinities.
    pub fn from_f64(v: f64) -> Option<Self> {
        if !v.is_finite() {
            return None;
        }
        // `{:e}` prints the shortest round-trip digits, always in the
        // `d.ddde±x` form that `parse` accepts.
        Self::parse(&format!("{v:e}")).ok()
    }

    /// Parses decimal text: optional sign, digits with an optional point, an
    /// optional `e`/`E` exponent. This is the form cty accepts for numbers sent
    /// as strings; infinities and hexadecimal are rejected.
    pub fn parse(text: &str) -> Result<Self, ErrorKind> {
        let invalid = || ErrorKind::InvalidNumber(text.to_owned());
        let bytes = text.as_bytes();
        let mut pos = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let mut digits = Vec::new();
        let mut fraction_len: i64 = 0;
        let mut seen_point = false;
        let mut seen_digit = false;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    // Leading zeros carry no value; dropping them early keeps
                    // the buffer proportional to the significant digits.
                    if !(digits.is_empty() && b == b'0') {
                        digits.push(b);
                    }
                    if seen_point {
                        fraction_len += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            pos += 1;
        }
        if !seen_digit {
            return Err(invalid());
        }
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            let exp_negative = match bytes.get(pos) {
                Some(b'-') => {
                    pos += 1;
                    true
                }
                Some(b'+') => {
                    pos += 1;
                    false
                }
                _ => false,
            };
            let start = pos;
            while let Some(&b) = bytes.get(pos) {
                if !b.is_ascii_digit() {
                    break;
                }
                // Saturate: anything this large is rejected by the range check.
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(b - b'0'));
                pos += 1;
            }
            if pos == start {
                return Err(invalid());
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return Err(invalid());
        }
        let n = Self::normalised(negative, digits, exponent.saturating_sub(fraction_len));
        let magnitude = n.exponent.saturating_add(n.digits.len() as i64);
        if !n.digits.is_empty() && (n.exponent < -MAX_EXPONENT || magnitude > MAX_EXPONENT) {
            return Err(ErrorKind::NumberOutOfRange(text.to_owned()));
        }
        Ok(n)
    }

    fn normalised(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Self {
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        while digits.last() == Some(&b'0') {
            digits.pop();
            exponent = exponent.saturating_add(1);
        }
        if digits.is_empty() {
            return Self::zero();
        }
        Self {
            negative,
            // Only ASCII digits are ever pushed.
            digits: String::from_utf8(digits).unwrap_or_default(),
            exponent,
        }
    }

    /// Whether the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    /// Whether the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn integer_magnitude(&self) -> Option<u128> {
        if !self.is_integer() || self.digits.len() as i64 + self.exponent > 39 {
            return None;
        }
        let mut acc: u128 = 0;
        for d in self.digits.bytes() {
            acc = acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
        }
        for _ in 0..self.exponent {
            acc = acc.checked_mul(10)?;
        }
        Some(acc)
    }

    /// The number as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        let m = i128::try_from(self.integer_magnitude()?).ok()?;
        i64::try_from(if self.negative { -m } else { m }).ok()
    }

    /// The number as a `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        if self.negative {
            return None;
        }
        u64::try_from(self.integer_magnitude()?).ok()
    }

    /// The number as an `f64`, if that float's shortest decimal is this number.
    ///
    /// So `0.1` gives `Some(0.1)`, while `2^53 + 1` and
    /// `0.1000000000000000000001` give `None`: the float would silently be a
    /// different number.
    pub fn as_f64(&self) -> Option<f64> {
        let f = self.nearest_f64()?;
        (Self::from_f64(f).as_ref() == Some(self)).then_some(f)
    }

    /// The `f64` nearest to this number; `None` if it would overflow.
    pub fn nearest_f64(&self) -> Option<f64> {
        let text = format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            if self.digits.is_empty() {
                "0"
            } else {
                &self.digits
            },
            self.exponent
        );
        text.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// The `f64` whose exact binary value is this non-integer, if there is one.
    ///
    /// This is cty's test for sending a number as a msgpack float64: `0.5`
    /// qualifies, `0.1` does not (its float is only an approximation). Integers
    /// always give `None`: cty sends those as ints, or as strings when they
    /// miss the `i64` range, never as floats.
    pub fn exact_f64(&self) -> Option<f64> {
        if self.is_integer() {
            return None;
        }
        let f = self.nearest_f64()?;
        // f = m × 2^e with m odd. For e < 0 its exact decimal is
        // (m × 5^-e) × 10^e, whose last digit is 5, so it is already
        // normalised and can be compared digit for digit.
        let bits = f.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        let (mut m, mut e) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1u64 << 52), biased - 1075)
        };
        if m == 0 {
            return None;
        }
        let shift = i64::from(m.trailing_zeros());
        m >>= shift;
        e += shift;
        if e >= 0 || e != self.exponent {
            return None;
        }
        (mul_pow5(m, e.unsigned_abs() as u32) == self.digits).then_some(f)
    }
}

/// Decimal digits of `m × 5^k`, via base-10^9 limbs.
fn mul_pow5(m: u64, k: u32) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![m % BASE, (m / BASE) % BASE, m / BASE / BASE];
    let mut remaining = k;
    while remaining > 0 {
        let step = remaining.min(13);
        let factor = 5u64.pow(step);
        let mut carry = 0u64;
        for limb in &mut limbs {
            let v = *limb * factor + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
        remaining -= step;
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    out
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| match (n.digits.is_empty(), n.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        // Same sign: compare magnitudes by the position of the leading digit,
        // then digit by digit (missing digits count as zeros).
        let magnitude = (self.digits.len() as i64 + self.exponent)
            .cmp(&(other.digits.len() as i64 + other.exponent))
            .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain decimal without an exponent, as cty writes numbers (`Text('f', -1)`).
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        if self.exponent >= 0 {
            f.write_str(&self.digits)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let point = self.digits.len() as i64 + self.exponent;
        if point > 0 {
            let (int, frac) = self.digits.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..-point {
                f.write_str("0")?;
            }
            f.write_str(&self.digits)
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Self::from_i64(v)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Self::from_u64(v)
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

    /// The value as plain JSON, for serde: objects and maps become JSON objects,
    /// sequences arrays, nulls `null`.
    ///
    /// Fails on any `Unknown`, and on numbers that fit none of `i64`, `u64`
    /// or (by [`Number::as_f64`]) `f64` exactly, since serde_json would round them.
    pub fn to_json(&self) -> Result<serde_json::Value, CodecError> {
        let mut path = Vec::new();
        to_plain_json(self, &mut path)
    }

    /// Builds a value of type `ty` from plain JSON, strictly: no string-to-number
    /// or number-to-string conversions, and object attributes not in the type
    /// are an error naming them. Absent attributes become `Null`. A `dynamic`
    /// slot takes the JSON's own shape (arrays become tuples, objects objects).
    pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, CodecError> {
        let mut path = Vec::new();
        from_plain_json(json, ty, &mut path)
    }

    /// Deserialises into a Rust type via [`Value::to_json`]; fails if anything is unknown.
    pub fn deserialize_into<T: DeserializeOwned>(&self) -> Result<T, CodecError> {
        let json = self.to_json()?;
        serde_json::from_value(json)
            .map_err(|e| CodecError::new(AttrPath::root(), ErrorKind::Serde(e)))
    }

    /// Builds a value of type `ty` from a Rust value via serde_json and [`Value::from_json`].
    pub fn from_serialize<T: Serialize>(v: &T, ty: &Type) -> Result<Value, CodecError> {
        let json = serde_json::to_value(v)
            .map_err(|e| CodecError::new(AttrPath::root(), ErrorKind::Serde(e)))?;
        Value::from_json(&json, ty)
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

fn to_plain_json(v: &Value, path: &mut Vec<PathStep>) -> Result<serde_json::Value, CodecError> {
    use serde_json::Value as J;
    Ok(match v {
        Value::Null => J::Null,
        Value::Unknown => return Err(CodecError::at(path, ErrorKind::Unknown)),
        Value::Bool(b) => J::Bool(*b),
        Value::String(s) => J::String(s.clone()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                J::Number(f)
            } else {
                return Err(CodecError::at(
                    path,
                    ErrorKind::NumberNotRepresentable(n.clone()),
                ));
            }
        }
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                let converted = to_plain_json(item, path);
                path.pop();
                out.push(converted?);
            }
            J::Array(out)
        }
        Value::Map(entries) | Value::Object(entries) => {
            let is_object = matches!(v, Value::Object(_));
            let mut out = serde_json::Map::new();
            for (k, item) in entries {
                path.push(if is_object {
                    PathStep::Attribute(k.clone())
                } else {
                    PathStep::Key(k.clone())
                });
                let converted = to_plain_json(item, path);
                path.pop();
                out.insert(k.clone(), converted?);
            }
            J::Object(out)
        }
    })
}

fn json_kind(json: &serde_json::Value) -> &'static str {
    match json {
        serde_json::Value::Null => "JSON null",
        serde_json::Value::Bool(_) => "JSON bool",
        serde_json::Value::Number(_) => "JSON number",
        serde_json::Value::String(_) => "JSON string",
        serde_json::Value::Array(_) => "JSON array",
        serde_json::Value::Object(_) => "JSON object",
    }
}

fn from_plain_json(
    json: &serde_json::Value,
    ty: &Type,
    path: &mut Vec<PathStep>,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if path.len() > MAX_DEPTH {
        return Err(CodecError::at(path, ErrorKind::TooDeep));
    }
    let mismatch = |path: &[PathStep]| {
        CodecError::at(
            path,
            ErrorKind::Mismatch {
                expected: ty.required_phrase(),
                found: json_kind(json).to_owned(),
            },
        )
    };
    if json.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => Ok(implied_from_plain_json(json, path)?),
        Type::Bool => json
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| mismatch(path)),
        Type::String => json
            .as_str()
            .map(Value::string)
            .ok_or_else(|| mismatch(path)),
        Type::Number => match json {
            // serde_json prints floats in their shortest round-trip form, so
            // the text is exactly the number the JSON held.
            J::Number(n) => Number::parse(&n.to_string())
                .map(Value::Number)
                .map_err(|kind| CodecError::at(path, kind)),
            _ => Err(mismatch(path)),
        },
        Type::List(ety) | Type::Set(ety) => {
            let J::Array(items) = json else {
                return Err(mismatch(path));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                let converted = from_plain_json(item, ety, path);
                path.pop();
                out.push(converted?);
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::set(out)
            } else {
                Value::List(out)
            })
        }
        Type::Tuple(etys) => {
            let J::Array(items) = json else {
                return Err(mismatch(path));
            };
            if items.len() != etys.len() {
                return Err(CodecError::at(
                    path,
                    ErrorKind::TupleLength {
                        expected: etys.len(),
                        found: items.len(),
                    },
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, ety)) in items.iter().zip(etys).enumerate() {
                path.push(PathStep::Index(i));
                let converted = from_plain_json(item, ety, path);
                path.pop();
                out.push(converted?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(ety) => {
            let J::Object(entries) = json else {
                return Err(mismatch(path));
            };
            let mut out = BTreeMap::new();
            for (k, item) in entries {
                path.push(PathStep::Key(k.clone()));
                let converted = from_plain_json(item, ety, path);
                path.pop();
                out.insert(k.clone(), converted?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(atys) => {
            let J::Object(entries) = json else {
                return Err(mismatch(path));
            };
            let extra: Vec<String> = entries
                .keys()
                .filter(|k| !atys.contains_key(*k))
                .cloned()
                .collect();
            if !extra.is_empty() {
                return Err(CodecError::at(
                    path,
                    ErrorKind::UnsupportedAttributes(extra),
                ));
            }
            let mut out = BTreeMap::new();
            for (k, aty) in atys {
                let converted = match entries.get(k) {
                    Some(item) => {
                        path.push(PathStep::Attribute(k.clone()));
                        let converted = from_plain_json(item, aty, path);
                        path.pop();
                        converted?
                    }
                    None => Value::Null,
                };
                out.insert(k.clone(), converted);
            }
            Ok(Value::Object(out))
        }
    }
}

fn implied_from_plain_json(
    json: &serde_json::Value,
    path: &mut Vec<PathStep>,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if path.len() > MAX_DEPTH {
        return Err(CodecError::at(path, ErrorKind::TooDeep));
    }
    Ok(match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::String(s) => Value::String(s.clone()),
        J::Number(n) => {
            Value::Number(Number::parse(&n.to_string()).map_err(|k| CodecError::at(path, k))?)
        }
        J::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                let converted = implied_from_plain_json(item, path);
                path.pop();
                out.push(converted?);
            }
            Value::Tuple(out)
        }
        J::Object(entries) => {
            let mut out = BTreeMap::new();
            for (k, item) in entries {
                path.push(PathStep::Attribute(k.clone()));
                let converted = implied_from_plain_json(item, path);
                path.pop();
                out.insert(k.clone(), converted?);
            }
            Value::Object(out)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).expect("valid number")
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(n("1.0"), n("1"));
        assert_eq!(n("1e2"), n("100"));
        assert_eq!(n("-0"), Number::zero());
        assert_eq!(n("0.0010"), n("1e-3"));
        assert!(n("-2") < n("-1.5"));
        assert!(n("0.09") < n("0.1"));
        assert!(n("99") < n("100"));
        assert!(n("-100") < n("-99"));
    }

    #[test]
    fn numbers_print_without_exponent() {
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("-1.25e-3").to_string(), "-0.00125");
        assert_eq!(n("12.5").to_string(), "12.5");
        assert_eq!(
            Number::from_f64(0.1).map(|x| x.to_string()),
            Some("0.1".into())
        );
    }

    #[test]
    fn number_conversions() {
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551615").as_i64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("0.1").as_f64(), Some(0.1));
        assert_eq!(n("9007199254740993").as_f64(), None);
        assert_eq!(n("0.5").exact_f64(), Some(0.5));
        assert_eq!(n("0.1").exact_f64(), None);
        assert_eq!(n("5e-324").exact_f64(), None);
        assert_eq!(Number::from_f64(f64::NAN), None);
        let tiny = Number::from_f64(f64::from_bits(1)).expect("finite");
        assert_eq!(tiny.as_f64(), Some(f64::from_bits(1)));
    }

    #[test]
    fn number_parse_rejects_garbage_and_huge_exponents() {
        for bad in [
            "", "-", ".", "1e", "1e+", "0x10", "Inf", "1.2.3", " 1", "1 ",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Number::parse("1e99999999999999999999999"),
            Err(ErrorKind::NumberOutOfRange(_))
        ));
        assert_eq!(n("0e99999999999999999999999"), Number::zero());
    }

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
    fn from_json_is_strict_and_names_extras() {
        let ty = Type::object([("a", Type::Number), ("b", Type::String)]);
        let err = Value::from_json(&serde_json::json!({"a": 1, "x": 2, "y": 3}), &ty)
            .expect_err("extra attributes");
        assert_eq!(err.to_string(), "(root): unsupported attribute(s): x, y");
        let err = Value::from_json(&serde_json::json!({"a": "1"}), &ty).expect_err("string");
        assert_eq!(err.path().to_string(), "a");
        let err = Value::from_json(&serde_json::json!({"b": 1}), &ty).expect_err("number");
        assert_eq!(err.path().to_string(), "b");
        let ok = Value::from_json(&serde_json::json!({"a": 1.5}), &ty).expect("valid");
        assert_eq!(ok.get("b"), Some(&Value::Null));
        assert_eq!(ok.get("a"), Some(&Value::Number(n("1.5"))));
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

    #[test]
    fn serde_round_trip() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Policy {
            name: String,
            limit: Option<u64>,
            tags: Vec<String>,
        }
        let ty = Type::object([
            ("name", Type::String),
            ("limit", Type::Number),
            ("tags", Type::list(Type::String)),
        ]);
        let policy = Policy {
            name: "kured".into(),
            limit: None,
            tags: vec!["a".into()],
        };
        let value = Value::from_serialize(&policy, &ty).expect("serialises");
        assert_eq!(value.get("limit"), Some(&Value::Null));
        let back: Policy = value.deserialize_into().expect("deserialises");
        assert_eq!(back, policy);
        let unknown = Value::object([("name", Value::Unknown)]);
        let err = unknown.deserialize_into::<Policy>().expect_err("unknown");
        assert_eq!(err.path().to_string(), "name");
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

#[cfg(test)]
mod number_props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn plain_json_round_trips((ty, v) in strategies::types(false, 3).prop_flat_map(|t| {
            let v = strategies::arb_value(&t, false, 0);
            (Just(t), v)
        })) {
            // Dynamic slots read plain JSON by its shape, which cannot tell a
            // list from a tuple, so they are left out here.
            match v.to_json() {
                Ok(json) => prop_assert_eq!(Value::from_json(&json, &ty).ok(), Some(v)),
                Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::NumberNotRepresentable(_))),
            }
        }

        #[test]
        fn order_agrees_with_f64(a in any::<f64>(), b in any::<f64>()) {
            prop_assume!(a.is_finite() && b.is_finite());
            let (na, nb) = (Number::from_f64(a), Number::from_f64(b));
            if let (Some(na), Some(nb)) = (na, nb) {
                prop_assert_eq!(Some(na.cmp(&nb)), a.partial_cmp(&b));
                prop_assert_eq!(na.as_f64(), Some(a));
            }
        }

        #[test]
        fn display_parses_back(n in strategies::arb_number()) {
            prop_assert_eq!(Number::parse(&n.to_string()).ok(), Some(n));
        }

        #[test]
        fn integers_round_trip(i in any::<i64>(), u in any::<u64>()) {
            prop_assert_eq!(Number::from_i64(i).as_i64(), Some(i));
            prop_assert_eq!(Number::from_u64(u).as_u64(), Some(u));
        }

        #[test]
        fn dyadic_fractions_are_exact_floats(k in (0u64..(1 << 39)).prop_map(|x| 2 * x + 1), j in 1u32..30) {
            // k / 2^j written out exactly: k × 5^j, point j digits from the right.
            let digits = (u128::from(k) * 5u128.pow(j)).to_string();
            let padded = format!("{digits:0>width$}", width = j as usize + 1);
            let (int, frac) = padded.split_at(padded.len() - j as usize);
            let text = format!("{int}.{frac}");
            let x = k as f64 / 2f64.powi(j as i32);
            let n = Number::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(n.exact_f64(), Some(x));
        }
    }
}
