//! `DynamicValue.msgpack`: values in go-cty's msgpack encoding.
//!
//! The wire form, as go-cty writes it:
//! - null is msgpack nil; a wholly unknown value is the fixext1 `d4 00 00`
//!   (extension type 0, one zero byte). Terraform ≥ 1.6 may send a *refined*
//!   unknown instead: extension type 12 whose payload is a msgpack map of
//!   refinements. Any extension of length ≤ 1 counts as unknown, whatever its
//!   type code.
//! - numbers: an `i64` integer as the most compact msgpack int; a non-integer
//!   whose value is exactly a binary float as float64; anything else
//!   (including integers above `i64::MAX`) as a decimal string.
//! - lists, sets and tuples are arrays; maps and objects are maps, with every
//!   attribute of an object type written, sorted by name.
//! - a known value in a `dynamic` slot is `[type JSON as bin, value]`.

use std::collections::BTreeMap;
use std::fmt::Display;

use rmp::Marker;

use super::types::Type;
use super::value::{AttrPath, CodecError, ErrorKind, MAX_DEPTH, Number, PathStep, Value};

/// The bytes go-cty writes for a wholly unknown value: fixext1, type 0, one zero byte.
pub const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0x00, 0x00];

/// Extension type code of an unknown value that carries refinements.
pub const REFINED_UNKNOWN_EXT: i8 = 12;

/// cty refuses refinement payloads above this size; so do we.
const MAX_REFINEMENTS_LEN: u32 = 1024;

/// Decodes a msgpack value of type `ty`. The whole input must be one value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut reader = Reader {
        buf: bytes,
        pos: 0,
        path: Vec::new(),
    };
    let value = reader.value(ty, 0)?;
    let trailing = bytes.len() - reader.pos;
    if trailing > 0 {
        return Err(reader.error(ErrorKind::TrailingBytes(trailing)));
    }
    Ok(value)
}

/// Encodes `v` as a msgpack value of type `ty`; fails if `v` does not conform.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut writer = Writer {
        out: Vec::new(),
        path: Vec::new(),
    };
    writer.value(v, ty, 0)?;
    Ok(writer.out)
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    path: Vec<PathStep>,
}

fn describe(marker: Marker) -> String {
    let what = match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "extension",
        Marker::Reserved => "reserved byte 0xc1",
    };
    format!("msgpack {what}")
}

fn is_int(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixPos(_)
            | Marker::FixNeg(_)
            | Marker::U8
            | Marker::U16
            | Marker::U32
            | Marker::U64
            | Marker::I8
            | Marker::I16
            | Marker::I32
            | Marker::I64
    )
}

fn is_ext(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

impl<'a> Reader<'a> {
    fn error(&self, kind: ErrorKind) -> CodecError {
        CodecError::at(&self.path, kind)
    }

    fn mismatch(&self, ty: &Type, marker: Marker) -> CodecError {
        self.error(ErrorKind::Mismatch {
            expected: ty.required_phrase(),
            found: describe(marker),
        })
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn peek(&self) -> Result<Marker, CodecError> {
        self.buf
            .get(self.pos)
            .map(|&b| Marker::from_u8(b))
            .ok_or_else(|| self.error(ErrorKind::Truncated))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if n > self.remaining() {
            return Err(self.error(ErrorKind::Truncated));
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn marker(&mut self) -> Result<Marker, CodecError> {
        let marker = self.peek()?;
        self.pos += 1;
        Ok(marker)
    }

    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, CodecError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads the rest of an array header whose marker was already consumed.
    fn array_len(&mut self, marker: Marker) -> Result<Option<usize>, CodecError> {
        Ok(Some(match marker {
            Marker::FixArray(n) => usize::from(n),
            Marker::Array16 => usize::from(self.u16()?),
            Marker::Array32 => self.u32()? as usize,
            _ => return Ok(None),
        }))
    }

    fn map_len(&mut self, marker: Marker) -> Result<Option<usize>, CodecError> {
        Ok(Some(match marker {
            Marker::FixMap(n) => usize::from(n),
            Marker::Map16 => usize::from(self.u16()?),
            Marker::Map32 => self.u32()? as usize,
            _ => return Ok(None),
        }))
    }

    /// Reads the payload of a str or bin whose marker was already consumed.
    fn raw_bytes(&mut self, marker: Marker) -> Result<Option<&'a [u8]>, CodecError> {
        let len = match marker {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => usize::from(self.u8()?),
            Marker::Str16 | Marker::Bin16 => usize::from(self.u16()?),
            Marker::Str32 | Marker::Bin32 => self.u32()? as usize,
            _ => return Ok(None),
        };
        self.take(len).map(Some)
    }

    /// cty reads strings with a decoder that takes both str and bin.
    fn string(&mut self, marker: Marker, ty: &Type) -> Result<String, CodecError> {
        let Some(bytes) = self.raw_bytes(marker)? else {
            return Err(self.mismatch(ty, marker));
        };
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| self.error(ErrorKind::InvalidUtf8))
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::TooDeep));
        }
        let marker = self.peek()?;
        // cty checks for an extension before anything else, so an unknown
        // may sit in any slot, dynamic ones included.
        if is_ext(marker) {
            return self.unknown(depth);
        }
        if *ty == Type::Dynamic {
            return self.dynamic(depth);
        }
        self.pos += 1;
        if marker == Marker::Null {
            return Ok(Value::Null);
        }
        match ty {
            Type::Bool => match marker {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                _ => Err(self.mismatch(ty, marker)),
            },
            Type::Number => self.number(marker, ty).map(Value::Number),
            Type::String => self.string(marker, ty).map(Value::String),
            Type::List(ety) | Type::Set(ety) => {
                let Some(len) = self.array_len(marker)? else {
                    return Err(self.mismatch(ty, marker));
                };
                // Every element takes at least one byte, which bounds the
                // allocation by the input actually present.
                let mut items = Vec::with_capacity(len.min(self.remaining()));
                for i in 0..len {
                    self.path.push(PathStep::Index(i));
                    let item = self.value(ety, depth + 1)?;
                    self.path.pop();
                    items.push(item);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::set(items)
                } else {
                    Value::List(items)
                })
            }
            Type::Tuple(etys) => {
                let Some(len) = self.array_len(marker)? else {
                    return Err(self.mismatch(ty, marker));
                };
                if len != etys.len() {
                    return Err(self.error(ErrorKind::TupleLength {
                        expected: etys.len(),
                        found: len,
                    }));
                }
                let mut items = Vec::with_capacity(len);
                for (i, ety) in etys.iter().enumerate() {
                    self.path.push(PathStep::Index(i));
                    let item = self.value(ety, depth + 1)?;
                    self.path.pop();
                    items.push(item);
                }
                Ok(Value::Tuple(items))
            }
            Type::Map(ety) => {
                let Some(len) = self.map_len(marker)? else {
                    return Err(self.mismatch(ty, marker));
                };
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = self.marker()?;
                    let key = self.string(key_marker, &Type::String)?;
                    if entries.contains_key(&key) {
                        return Err(self.error(ErrorKind::DuplicateKey(key)));
                    }
                    self.path.push(PathStep::Key(key));
                    let item = self.value(ety, depth + 1)?;
                    if let Some(PathStep::Key(key)) = self.path.pop() {
                        entries.insert(key, item);
                    }
                }
                Ok(Value::Map(entries))
            }
            Type::Object(atys) => {
                let Some(len) = self.map_len(marker)? else {
                    return Err(self.mismatch(ty, marker));
                };
                if len != atys.len() {
                    return Err(self.error(ErrorKind::AttributeCount {
                        expected: atys.len(),
                        found: len,
                    }));
                }
                let mut attrs = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = self.marker()?;
                    let key = self.string(key_marker, &Type::String)?;
                    let Some(aty) = atys.get(&key) else {
                        return Err(self.error(ErrorKind::UnsupportedAttributes(vec![key])));
                    };
                    if attrs.contains_key(&key) {
                        return Err(self.error(ErrorKind::DuplicateKey(key)));
                    }
                    self.path.push(PathStep::Attribute(key));
                    let item = self.value(aty, depth + 1)?;
                    if let Some(PathStep::Attribute(key)) = self.path.pop() {
                        attrs.insert(key, item);
                    }
                }
                Ok(Value::Object(attrs))
            }
            // Handled above, before the marker was consumed.
            Type::Dynamic => Err(self.mismatch(ty, marker)),
        }
    }

    fn number(&mut self, marker: Marker, ty: &Type) -> Result<Number, CodecError> {
        let n = match marker {
            Marker::FixPos(n) => Number::from_u64(u64::from(n)),
            Marker::FixNeg(n) => Number::from_i64(i64::from(n)),
            Marker::U8 => Number::from_u64(u64::from(self.u8()?)),
            Marker::U16 => Number::from_u64(u64::from(self.u16()?)),
            Marker::U32 => Number::from_u64(u64::from(self.u32()?)),
            Marker::U64 => Number::from_u64(self.u64()?),
            Marker::I8 => Number::from_i64(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Number::from_i64(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Number::from_i64(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Number::from_i64(i64::from_be_bytes(self.array()?)),
            Marker::F32 => {
                let f = f32::from_be_bytes(self.array()?);
                self.float(f64::from(f))?
            }
            Marker::F64 => {
                let f = f64::from_be_bytes(self.array()?);
                self.float(f)?
            }
            _ => {
                let text = self.string(marker, ty)?;
                Number::parse(&text).map_err(|kind| self.error(kind))?
            }
        };
        Ok(n)
    }

    fn float(&self, f: f64) -> Result<Number, CodecError> {
        Number::from_f64(f).ok_or_else(|| self.error(ErrorKind::NonFiniteNumber(f)))
    }

    fn dynamic(&mut self, depth: usize) -> Result<Value, CodecError> {
        let marker = self.marker()?;
        if marker == Marker::Null {
            return Ok(Value::Null);
        }
        let len = self.array_len(marker)?;
        if len != Some(2) {
            return Err(self.error(ErrorKind::InvalidDynamic(format!(
                "expected a two-element array [type, value], found {}",
                match len {
                    Some(n) => format!("{n} elements"),
                    None => describe(marker),
                }
            ))));
        }
        // cty writes the type as bin; its decoder takes str too.
        let type_marker = self.marker()?;
        let Some(type_json) = self.raw_bytes(type_marker)? else {
            return Err(self.error(ErrorKind::InvalidDynamic(format!(
                "type must be JSON bytes, found {}",
                describe(type_marker)
            ))));
        };
        let ty = Type::from_json_bytes_within(type_json, MAX_DEPTH.saturating_sub(depth))
            .map_err(|kind| self.error(kind))?;
        self.value(&ty, depth + 1)
    }

    fn unknown(&mut self, depth: usize) -> Result<Value, CodecError> {
        let marker = self.marker()?;
        let len = match marker {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => u32::from(self.u8()?),
            Marker::Ext16 => u32::from(self.u16()?),
            _ => self.u32()?,
        };
        let code = i8::from_be_bytes(self.array()?);
        if len <= 1 {
            self.take(len as usize)?;
            return Ok(Value::Unknown);
        }
        if code != REFINED_UNKNOWN_EXT {
            return Err(self.error(ErrorKind::UnsupportedExtension { code, len }));
        }
        if len > MAX_REFINEMENTS_LEN {
            return Err(self.error(ErrorKind::InvalidRefinements(
                "payload is larger than 1024 bytes",
            )));
        }
        let body = self.take(len as usize)?;
        // The refinements (not-null, string prefix, bounds) only narrow what
        // the value may become; this model keeps none of them, but the payload
        // must still be well-formed. Bytes after the map are ignored, as cty does.
        let mut inner = Reader {
            buf: body,
            pos: 0,
            path: Vec::new(),
        };
        let refinement_error = |_| {
            self.error(ErrorKind::InvalidRefinements(
                "payload is not a map of integer keys to msgpack values",
            ))
        };
        inner.refinements(depth).map_err(refinement_error)?;
        Ok(Value::Unknown)
    }

    fn refinements(&mut self, depth: usize) -> Result<(), CodecError> {
        let marker = self.marker()?;
        let Some(len) = self.map_len(marker)? else {
            return Err(self.error(ErrorKind::InvalidRefinements("not a map")));
        };
        for _ in 0..len {
            let key = self.marker()?;
            if !is_int(key) {
                return Err(self.error(ErrorKind::InvalidRefinements("non-integer key")));
            }
            self.skip_after_marker(key, depth)?;
            self.skip(depth)?;
        }
        Ok(())
    }

    fn skip(&mut self, depth: usize) -> Result<(), CodecError> {
        let marker = self.marker()?;
        self.skip_after_marker(marker, depth)
    }

    fn skip_after_marker(&mut self, marker: Marker, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::TooDeep));
        }
        let fixed = match marker {
            Marker::Null | Marker::True | Marker::False | Marker::FixPos(_) | Marker::FixNeg(_) => {
                0
            }
            Marker::U8 | Marker::I8 => 1,
            Marker::U16 | Marker::I16 => 2,
            Marker::U32 | Marker::I32 | Marker::F32 => 4,
            Marker::U64 | Marker::I64 | Marker::F64 => 8,
            Marker::FixExt1 => 2,
            Marker::FixExt2 => 3,
            Marker::FixExt4 => 5,
            Marker::FixExt8 => 9,
            Marker::FixExt16 => 17,
            Marker::Ext8 => usize::from(self.u8()?) + 1,
            Marker::Ext16 => usize::from(self.u16()?) + 1,
            Marker::Ext32 => (self.u32()? as usize).saturating_add(1),
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let len = self.array_len(marker)?.unwrap_or(0);
                for _ in 0..len {
                    self.skip(depth + 1)?;
                }
                0
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                let len = self.map_len(marker)?.unwrap_or(0);
                for _ in 0..len {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
                0
            }
            Marker::Reserved => {
                return Err(self.error(ErrorKind::Mismatch {
                    expected: "a msgpack value".into(),
                    found: describe(marker),
                }));
            }
            _ => {
                self.raw_bytes(marker)?;
                0
            }
        };
        self.take(fixed).map(|_| ())
    }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

struct Writer {
    out: Vec<u8>,
    path: Vec<PathStep>,
}

impl Writer {
    fn error(&self, kind: ErrorKind) -> CodecError {
        CodecError::new(AttrPath(self.path.clone()), kind)
    }

    fn nonconforming(&self, v: &Value, ty: &Type) -> CodecError {
        self.error(ErrorKind::NonConforming {
            expected: String::from_utf8_lossy(&ty.to_json_bytes()).into_owned(),
            found: v.kind_name(),
        })
    }

    /// Maps an rmp write error; writing into a `Vec` cannot actually fail.
    fn wrote<T, E: Display>(&self, result: Result<T, E>) -> Result<(), CodecError> {
        result
            .map(|_| ())
            .map_err(|e| self.error(ErrorKind::Write(e.to_string())))
    }

    fn len32(&self, len: usize) -> Result<u32, CodecError> {
        u32::try_from(len).map_err(|_| {
            self.error(ErrorKind::Write(format!(
                "length {len} exceeds msgpack's limit"
            )))
        })
    }

    fn str(&mut self, s: &str) -> Result<(), CodecError> {
        self.len32(s.len())?;
        let r = rmp::encode::write_str(&mut self.out, s);
        self.wrote(r)
    }

    fn value(&mut self, v: &Value, ty: &Type, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::TooDeep));
        }
        match (v, ty) {
            (Value::Null, _) => {
                let r = rmp::encode::write_nil(&mut self.out);
                self.wrote(r)
            }
            (Value::Unknown, _) => {
                self.out.extend_from_slice(&UNKNOWN_BYTES);
                Ok(())
            }
            (_, Type::Dynamic) => {
                let implied = v.implied_type();
                let r = rmp::encode::write_array_len(&mut self.out, 2);
                self.wrote(r)?;
                let type_json = implied.to_json_bytes();
                self.len32(type_json.len())?;
                let r = rmp::encode::write_bin(&mut self.out, &type_json);
                self.wrote(r)?;
                self.value(v, &implied, depth + 1)
            }
            (Value::Bool(b), Type::Bool) => {
                let r = rmp::encode::write_bool(&mut self.out, *b);
                self.wrote(r)
            }
            (Value::String(s), Type::String) => self.str(s),
            (Value::Number(n), Type::Number) => {
                if let Some(i) = n.as_i64() {
                    // rmp's compact choice of width is the same as the Go
                    // encoder's with compact ints enabled.
                    let r = rmp::encode::write_sint(&mut self.out, i);
                    self.wrote(r)
                } else if let Some(f) = n.exact_f64() {
                    let r = rmp::encode::write_f64(&mut self.out, f);
                    self.wrote(r)
                } else {
                    self.str(&n.to_string())
                }
            }
            (
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
                Type::List(ety) | Type::Set(ety),
            ) => {
                let len = self.len32(items.len())?;
                let r = rmp::encode::write_array_len(&mut self.out, len);
                self.wrote(r)?;
                let mut ordered: Vec<&Value> = items.iter().collect();
                if matches!(ty, Type::Set(_)) {
                    ordered.sort();
                }
                for (i, item) in ordered.into_iter().enumerate() {
                    self.path.push(PathStep::Index(i));
                    self.value(item, ety, depth + 1)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Tuple(etys)) => {
                if items.len() != etys.len() {
                    return Err(self.error(ErrorKind::TupleLength {
                        expected: etys.len(),
                        found: items.len(),
                    }));
                }
                let len = self.len32(items.len())?;
                let r = rmp::encode::write_array_len(&mut self.out, len);
                self.wrote(r)?;
                for (i, (item, ety)) in items.iter().zip(etys).enumerate() {
                    self.path.push(PathStep::Index(i));
                    self.value(item, ety, depth + 1)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::Map(entries) | Value::Object(entries), Type::Map(ety)) => {
                let len = self.len32(entries.len())?;
                let r = rmp::encode::write_map_len(&mut self.out, len);
                self.wrote(r)?;
                for (k, item) in entries {
                    self.str(k)?;
                    self.path.push(PathStep::Key(k.clone()));
                    self.value(item, ety, depth + 1)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::Map(entries) | Value::Object(entries), Type::Object(atys)) => {
                let extra: Vec<String> = entries
                    .keys()
                    .filter(|k| !atys.contains_key(*k))
                    .cloned()
                    .collect();
                if !extra.is_empty() {
                    return Err(self.error(ErrorKind::UnsupportedAttributes(extra)));
                }
                let len = self.len32(atys.len())?;
                let r = rmp::encode::write_map_len(&mut self.out, len);
                self.wrote(r)?;
                for (k, aty) in atys {
                    self.str(k)?;
                    self.path.push(PathStep::Attribute(k.clone()));
                    self.value(entries.get(k).unwrap_or(&Value::Null), aty, depth + 1)?;
                    self.path.pop();
                }
                Ok(())
            }
            _ => Err(self.nonconforming(v, ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::value::strategies::{arb_type, arb_typed_value};
    use super::*;
    use proptest::prelude::*;

    fn num(s: &str) -> Value {
        Value::Number(Number::parse(s).unwrap_or_else(|_| Number::zero()))
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn golden(v: &Value, ty: &Type, expected_hex: &str) {
        let bytes = encode(v, ty).expect("encodes");
        assert_eq!(hex(&bytes), expected_hex);
        assert_eq!(decode(&bytes, ty).expect("decodes"), *v);
    }

    #[test]
    fn golden_string_object() {
        // Every attribute of the type, sorted, absent ones as nil.
        let ty = Type::object([("name", Type::String), ("id", Type::String)]);
        let v = Value::object([("name", Value::string("kured")), ("id", Value::Null)]);
        golden(&v, &ty, "82a26964c0a46e616d65a56b75726564");
    }

    #[test]
    fn golden_unknown() {
        golden(&Value::Unknown, &Type::String, "d40000");
        golden(&Value::Unknown, &Type::Dynamic, "d40000");
        // Any extension of length zero or one is an unknown, whatever its code.
        assert_eq!(
            decode(&[0xc7, 0x00, 0x05], &Type::Number).ok(),
            Some(Value::Unknown)
        );
        assert_eq!(
            decode(&[0xd4, 0x07, 0x01], &Type::Bool).ok(),
            Some(Value::Unknown)
        );
    }

    #[test]
    fn golden_refined_unknown() {
        // cty for a not-null string with prefix "ab": ext8, length 7, type 12,
        // payload {1: false, 2: "ab"}.
        let bytes = [0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
        assert_eq!(decode(&bytes, &Type::String).ok(), Some(Value::Unknown));
        // A not-null list with length bounds [1, 3]: {1: false, 5: 1, 6: 3}.
        let bytes = [0xc7, 0x07, 0x0c, 0x83, 0x01, 0xc2, 0x05, 0x01, 0x06, 0x03];
        let list = Type::list(Type::String);
        assert_eq!(decode(&bytes, &list).ok(), Some(Value::Unknown));
        // Number bounds are [number, bool] tuples: {3: [0, true]}.
        let bytes = [0xc7, 0x05, 0x0c, 0x81, 0x03, 0x92, 0x00, 0xc3];
        assert_eq!(decode(&bytes, &Type::Number).ok(), Some(Value::Unknown));
        // Refinements inside a dynamic slot are ignored, as cty does.
        assert_eq!(decode(&bytes, &Type::Dynamic).ok(), Some(Value::Unknown));

        let not_a_map = [0xd5, 0x0c, 0x01, 0x02];
        assert!(matches!(
            decode(&not_a_map, &Type::String).map_err(|e| e.to_string()),
            Err(e) if e.contains("refinements")
        ));
        let wrong_code = [0xd5, 0x05, 0x80, 0x00];
        assert!(matches!(
            decode(&wrong_code, &Type::String).map(|_| ()).map_err(|e| format!("{:?}", e.kind())),
            Err(e) if e.contains("UnsupportedExtension")
        ));
        let mut oversize = vec![0xc8, 0x04, 0x01, 0x0c, 0x81];
        oversize.resize(5 + 1024, 0xc0);
        assert!(decode(&oversize, &Type::String).is_err());
    }

    #[test]
    fn golden_dynamic() {
        // [bin8 `"string"`, "hi"]: cty writes the type JSON as bin.
        golden(
            &Value::string("hi"),
            &Type::Dynamic,
            "92c40822737472696e6722a26869",
        );
        // ...and reads it as str too.
        let as_str = [
            0x92, 0xa8, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa2, b'h', b'i',
        ];
        assert_eq!(
            decode(&as_str, &Type::Dynamic).ok(),
            Some(Value::string("hi"))
        );
        // Null in a dynamic slot is plain nil.
        golden(&Value::Null, &Type::Dynamic, "c0");
        // A list: ["list","number"] then the elements.
        let type_json = br#"["list","number"]"#;
        let mut expected = format!("92c4{:02x}", type_json.len());
        expected.push_str(&hex(type_json));
        expected.push_str("9201ff");
        golden(
            &Value::List(vec![num("1"), num("-1")]),
            &Type::Dynamic,
            &expected,
        );
    }

    #[test]
    fn golden_numbers() {
        // Integers in i64 range: the most compact int, as Go's encoder picks.
        golden(&num("0"), &Type::Number, "00");
        golden(&num("127"), &Type::Number, "7f");
        golden(&num("200"), &Type::Number, "ccc8");
        golden(&num("-1"), &Type::Number, "ff");
        golden(&num("-33"), &Type::Number, "d0df");
        golden(&num("100000"), &Type::Number, "ce000186a0");
        golden(
            &num("-9223372036854775808"),
            &Type::Number,
            "d38000000000000000",
        );
        // Integers outside i64, even if they fit u64, become decimal strings.
        golden(
            &num("18446744073709551615"),
            &Type::Number,
            &format!("b4{}", hex(b"18446744073709551615")),
        );
        golden(
            &num("123456789012345678901234567890"),
            &Type::Number,
            &format!("be{}", hex(b"123456789012345678901234567890")),
        );
        // A non-integer that is exactly a binary float goes as float64...
        golden(&num("1.5"), &Type::Number, "cb3ff8000000000000");
        golden(&num("-0.25"), &Type::Number, "cbbfd0000000000000");
        // ...one that is not (0.1) goes as a string, as cty does for any
        // number it parsed from decimal text.
        golden(&num("0.1"), &Type::Number, "a3302e31");
        golden(
            &num("1e-7"),
            &Type::Number,
            &format!("a9{}", hex(b"0.0000001")),
        );
    }

    #[test]
    fn decodes_every_number_encoding() {
        let cases: [(&[u8], &str); 8] = [
            (
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                "18446744073709551615",
            ),
            (&[0xcd, 0x01, 0x00], "256"),
            (&[0xd1, 0xff, 0x00], "-256"),
            (&[0xd2, 0xff, 0xff, 0xff, 0xff], "-1"),
            (&[0xca, 0x3f, 0xc0, 0x00, 0x00], "1.5"),
            (
                &[0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
                "0.1",
            ),
            (&[0xa4, b'1', b'e', b'3', b'0'], "1e30"),
            (&[0xc4, 0x02, b'4', b'2'], "42"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                decode(bytes, &Type::Number).ok(),
                Some(num(expected)),
                "{expected}"
            );
        }
        let inf = [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            decode(&inf, &Type::Number).map_err(|e| format!("{}", e.kind())),
            Err(e) if e.contains("non-finite")
        ));
        assert!(decode(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
    }

    #[test]
    fn sets_encode_in_a_stable_order() {
        let ty = Type::set(Type::String);
        let a = Value::Set(vec![Value::string("b"), Value::string("a")]);
        let b = Value::Set(vec![Value::string("a"), Value::string("b")]);
        assert_eq!(encode(&a, &ty).ok(), encode(&b, &ty).ok());
        assert_eq!(
            encode(&a, &ty).ok().map(|b| hex(&b)),
            Some("92a161a162".into())
        );
    }

    #[test]
    fn errors_say_where_and_what() {
        let ty = Type::object([(
            "kured",
            Type::object([("values", Type::list(Type::Number))]),
        )]);
        let v = Value::object([(
            "kured",
            Value::object([("values", Value::List(vec![num("1"), Value::string("x")]))]),
        )]);
        let err = encode(&v, &ty).expect_err("string in a number list");
        assert_eq!(err.path().to_string(), "kured.values[1]");

        let mut bytes = encode(
            &Value::object([(
                "kured",
                Value::object([("values", Value::List(vec![num("1"), num("2")]))]),
            )]),
            &ty,
        )
        .expect("encodes");
        let last = bytes.len() - 1;
        bytes[last] = 0xa1;
        bytes.push(b'x');
        let err = decode(&bytes, &ty).expect_err("string in a number list");
        assert_eq!(err.to_string(), "kured.values[1]: invalid number \"x\"");

        let err = encode(&Value::object([("extra", Value::Null)]), &ty).expect_err("extra");
        assert_eq!(err.to_string(), "(root): unsupported attribute(s): extra");
    }

    #[test]
    fn rejects_trailing_bytes_truncation_and_bad_shapes() {
        assert!(matches!(
            decode(&[0xc0, 0xc0], &Type::String).map_err(|e| format!("{:?}", e.kind())),
            Err(e) if e.contains("TrailingBytes")
        ));
        assert!(decode(&[], &Type::String).is_err());
        assert!(decode(&[0xa5, b'a'], &Type::String).is_err());
        // A huge declared array length with nothing behind it.
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::Bool)).is_err());
        assert!(decode(&[0x91, 0xc0], &Type::tuple(vec![])).is_err());
        let obj = Type::object([("a", Type::Bool)]);
        assert!(decode(&[0x81, 0xa1, b'b', 0xc3], &obj).is_err());
        assert!(decode(&[0x82, 0xa1, b'a', 0xc3, 0xa1, b'a', 0xc2], &obj).is_err());
        assert!(decode(&[0x93, 0xc0, 0xc0, 0xc0], &Type::Dynamic).is_err());
        assert!(decode(&[0xa2, 0xff, 0xfe], &Type::String).is_err());
    }

    #[test]
    fn embedded_types_cannot_recurse_without_bound() {
        // A dynamic value whose type is dynamic, nested 200 times.
        let mut bytes = Vec::new();
        for _ in 0..200 {
            bytes.extend_from_slice(&[0x92, 0xc4, 0x09]);
            bytes.extend_from_slice(b"\"dynamic\"");
        }
        bytes.push(0xc3);
        let err = decode(&bytes, &Type::Dynamic).expect_err("too deep");
        assert!(matches!(err.kind(), ErrorKind::TooDeep));

        // A type description nested past the limit.
        let mut type_json = String::from("\"bool\"");
        for _ in 0..MAX_DEPTH {
            type_json = format!("[\"list\",{type_json}]");
        }
        let mut bytes = vec![0x92, 0xc5];
        bytes.extend_from_slice(&(type_json.len() as u16).to_be_bytes());
        bytes.extend_from_slice(type_json.as_bytes());
        bytes.push(0xc0);
        assert!(decode(&bytes, &Type::Dynamic).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn round_trips((ty, v) in arb_typed_value(true)) {
            let bytes = encode(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = decode(&bytes, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, &v);
            // Stable: encoding the decoded value gives the same bytes.
            prop_assert_eq!(encode(&back, &ty).ok(), Some(bytes));
        }

        #[test]
        fn random_bytes_never_panic(ty in arb_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes, &ty);
        }

        #[test]
        fn mutated_encodings_never_panic(
            (ty, v) in arb_typed_value(true),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = encode(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = decode(&bytes, &ty);
            let _ = decode(&bytes[..cut.index(bytes.len() + 1)], &ty);
            let _ = decode(&bytes, &Type::Dynamic);
        }
    }
}
