//! `DynamicValue.json` and `RawState.json`: values in go-cty's JSON encoding.
//!
//! Numbers are written as plain decimals with no exponent and kept exactly on
//! decode, which is why this module has its own small JSON reader and writer
//! rather than going through `serde_json::Value` (whose numbers are `f64`).
//! A known value in a `dynamic` slot is `{"value":...,"type":...}`.
//!
//! Decoding follows cty's conversions: a number slot takes a JSON string
//! holding a number, a string slot takes a number (its text as written) or a
//! bool, and a bool slot takes `"true"`, `"false"`, `"1"` or `"0"`. Object
//! attributes missing from the JSON decode as null; unknown ones are an error.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::types::Type;
use super::value::{AttrPath, CodecError, ErrorKind, MAX_DEPTH, Number, PathStep, Value};

/// Decodes a JSON value of type `ty`. Only whitespace may follow the value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CodecError::new(AttrPath::root(), ErrorKind::InvalidUtf8))?;
    let json = Parser::new(text)
        .document()
        .map_err(|kind| CodecError::new(AttrPath::root(), kind))?;
    let mut path = Vec::new();
    from_json(&json, ty, &mut path, 0)
}

/// Encodes `v` as JSON of type `ty`, byte for byte as go-cty would.
///
/// Fails on unknown values (JSON has no representation for them) and on
/// values that do not conform to `ty`.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = String::new();
    let mut path = Vec::new();
    write_value(&mut out, v, ty, &mut path, 0)?;
    Ok(out.into_bytes())
}

/// Writes `s` as a JSON string the way Go's `json.Marshal` does, HTML-safe
/// escapes included, so that output matches go-cty's byte for byte.
pub(super) fn write_go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------
// A JSON tree that keeps numbers as text
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order, duplicates kept so they can be reported.
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "JSON null",
            Json::Bool(_) => "JSON bool",
            Json::Number(_) => "JSON number",
            Json::String(_) => "JSON string",
            Json::Array(_) => "JSON array",
            Json::Object(_) => "JSON object",
        }
    }

    /// For type descriptions, which hold no numbers worth keeping exactly.
    fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Json::Null => J::Null,
            Json::Bool(b) => J::Bool(*b),
            Json::Number(text) => J::String(text.clone()),
            Json::String(s) => J::String(s.clone()),
            Json::Array(items) => J::Array(items.iter().map(Json::to_serde).collect()),
            Json::Object(members) => J::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

/// Nesting the parser accepts: values plus one wrapper object per dynamic
/// value, each bounded by [`MAX_DEPTH`].
const PARSE_DEPTH: usize = 2 * MAX_DEPTH + 2;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn fail<T>(&self, reason: &'static str) -> Result<T, ErrorKind> {
        Err(ErrorKind::InvalidJson {
            offset: self.pos,
            reason,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn document(mut self) -> Result<Json, ErrorKind> {
        let value = self.value(0)?;
        self.skip_ws();
        match self.text.len() - self.pos {
            0 => Ok(value),
            n => Err(ErrorKind::TrailingBytes(n)),
        }
    }

    fn literal(&mut self, word: &'static str, value: Json) -> Result<Json, ErrorKind> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            self.fail("invalid literal")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, ErrorKind> {
        if depth > PARSE_DEPTH {
            return Err(ErrorKind::TooDeep);
        }
        self.skip_ws();
        match self.peek() {
            None => Err(ErrorKind::Truncated),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        None => return Err(ErrorKind::Truncated),
                        _ => return self.fail("expected ',' or ']'"),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return self.fail("expected an object key");
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return self.fail("expected ':'");
                    }
                    self.pos += 1;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(members));
                        }
                        None => return Err(ErrorKind::Truncated),
                        _ => return self.fail("expected ',' or '}'"),
                    }
                }
            }
            Some(_) => self.fail("expected a JSON value"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<String, ErrorKind> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.fail("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.fail("invalid number");
            }
        }
        Ok(self.text[start..self.pos].to_owned())
    }

    fn hex4(&mut self) -> Result<u32, ErrorKind> {
        let Some(hex) = self.text.get(self.pos..self.pos + 4) else {
            return self.fail("truncated \\u escape");
        };
        let Ok(code) = u32::from_str_radix(hex, 16) else {
            return self.fail("invalid \\u escape");
        };
        if hex.starts_with('+') {
            return self.fail("invalid \\u escape");
        }
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, ErrorKind> {
        // Called with the opening quote next.
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(stop) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') else {
                return Err(ErrorKind::Truncated);
            };
            out.push_str(&rest[..stop]);
            self.pos += stop;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(escape) = self.peek() else {
                        return Err(ErrorKind::Truncated);
                    };
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            out.push(self.surrogate_aware(first)?);
                        }
                        _ => {
                            self.pos -= 1;
                            return self.fail("invalid escape");
                        }
                    }
                }
                _ => return self.fail("control character in string"),
            }
        }
    }

    /// Joins a surrogate pair; a lone surrogate becomes U+FFFD, as Go does.
    fn surrogate_aware(&mut self, first: u32) -> Result<char, ErrorKind> {
        if (0xd800..0xdc00).contains(&first) && self.text[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return Ok(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }
}

// ---------------------------------------------------------------------------
// Type-directed decoding
// ---------------------------------------------------------------------------

fn from_json(
    json: &Json,
    ty: &Type,
    path: &mut Vec<PathStep>,
    depth: usize,
) -> Result<Value, CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::at(path, ErrorKind::TooDeep));
    }
    let mismatch = |path: &[PathStep]| {
        CodecError::at(
            path,
            ErrorKind::Mismatch {
                expected: ty.required_phrase(),
                found: json.kind().to_owned(),
            },
        )
    };
    if let Json::Null = json {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => dynamic(json, path, depth),
        Type::Bool => match json {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" || s == "1" => Ok(Value::Bool(true)),
            Json::String(s) if s == "false" || s == "0" => Ok(Value::Bool(false)),
            _ => Err(mismatch(path)),
        },
        Type::Number => match json {
            Json::Number(text) | Json::String(text) => Number::parse(text)
                .map(Value::Number)
                .map_err(|kind| CodecError::at(path, kind)),
            _ => Err(mismatch(path)),
        },
        Type::String => match json {
            Json::String(s) | Json::Number(s) => Ok(Value::String(s.clone())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch(path)),
        },
        Type::List(ety) | Type::Set(ety) => {
            let Json::Array(items) = json else {
                return Err(mismatch(path));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                out.push(from_json(item, ety, path, depth + 1)?);
                path.pop();
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::set(out)
            } else {
                Value::List(out)
            })
        }
        Type::Tuple(etys) => {
            let Json::Array(items) = json else {
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
                out.push(from_json(item, ety, path, depth + 1)?);
                path.pop();
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(ety) => {
            let Json::Object(members) = json else {
                return Err(mismatch(path));
            };
            let mut out = BTreeMap::new();
            for (k, item) in members {
                if out.contains_key(k) {
                    return Err(CodecError::at(path, ErrorKind::DuplicateKey(k.clone())));
                }
                path.push(PathStep::Key(k.clone()));
                let v = from_json(item, ety, path, depth + 1)?;
                path.pop();
                out.insert(k.clone(), v);
            }
            Ok(Value::Map(out))
        }
        Type::Object(atys) => {
            let Json::Object(members) = json else {
                return Err(mismatch(path));
            };
            let extra: Vec<String> = members
                .iter()
                .filter(|(k, _)| !atys.contains_key(k))
                .map(|(k, _)| k.clone())
                .collect();
            if !extra.is_empty() {
                return Err(CodecError::at(
                    path,
                    ErrorKind::UnsupportedAttributes(extra),
                ));
            }
            let mut out = BTreeMap::new();
            for (k, item) in members {
                if out.contains_key(k) {
                    return Err(CodecError::at(path, ErrorKind::DuplicateKey(k.clone())));
                }
                let aty = atys.get(k).unwrap_or(&Type::Dynamic);
                path.push(PathStep::Attribute(k.clone()));
                let v = from_json(item, aty, path, depth + 1)?;
                path.pop();
                out.insert(k.clone(), v);
            }
            for k in atys.keys() {
                out.entry(k.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
    }
}

fn dynamic(json: &Json, path: &mut Vec<PathStep>, depth: usize) -> Result<Value, CodecError> {
    let invalid =
        |path: &[PathStep], why: String| CodecError::at(path, ErrorKind::InvalidDynamic(why));
    let Json::Object(members) = json else {
        return Err(invalid(
            path,
            format!(
                "expected {{\"value\":...,\"type\":...}}, found {}",
                json.kind()
            ),
        ));
    };
    let (mut ty_json, mut value_json) = (None, None);
    for (k, v) in members {
        let slot = match k.as_str() {
            "type" => &mut ty_json,
            "value" => &mut value_json,
            other => return Err(invalid(path, format!("unexpected key {other:?}"))),
        };
        if slot.replace(v).is_some() {
            return Err(CodecError::at(path, ErrorKind::DuplicateKey(k.clone())));
        }
    }
    let Some(ty_json) = ty_json else {
        return Err(invalid(path, "missing \"type\"".into()));
    };
    let Some(value_json) = value_json else {
        return Err(invalid(path, "missing \"value\"".into()));
    };
    let ty = Type::from_json_within(&ty_json.to_serde(), MAX_DEPTH.saturating_sub(depth))
        .map_err(|kind| CodecError::at(path, kind))?;
    from_json(value_json, &ty, path, depth + 1)
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

fn write_value(
    out: &mut String,
    v: &Value,
    ty: &Type,
    path: &mut Vec<PathStep>,
    depth: usize,
) -> Result<(), CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::at(path, ErrorKind::TooDeep));
    }
    match (v, ty) {
        (Value::Unknown, _) => Err(CodecError::at(path, ErrorKind::Unknown)),
        (Value::Null, _) => {
            out.push_str("null");
            Ok(())
        }
        (_, Type::Dynamic) => {
            let implied = v.implied_type();
            out.push_str("{\"value\":");
            write_value(out, v, &implied, path, depth + 1)?;
            out.push_str(",\"type\":");
            implied.write_json(out);
            out.push('}');
            Ok(())
        }
        (Value::Bool(b), Type::Bool) => {
            out.push_str(if *b { "true" } else { "false" });
            Ok(())
        }
        (Value::Number(n), Type::Number) => {
            let _ = write!(out, "{n}");
            Ok(())
        }
        (Value::String(s), Type::String) => {
            write_go_string(out, s);
            Ok(())
        }
        (
            Value::List(items) | Value::Set(items) | Value::Tuple(items),
            Type::List(ety) | Type::Set(ety),
        ) => {
            let mut ordered: Vec<&Value> = items.iter().collect();
            if matches!(ty, Type::Set(_)) {
                ordered.sort();
            }
            out.push('[');
            for (i, item) in ordered.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                path.push(PathStep::Index(i));
                write_value(out, item, ety, path, depth + 1)?;
                path.pop();
            }
            out.push(']');
            Ok(())
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Tuple(etys)) => {
            if items.len() != etys.len() {
                return Err(CodecError::at(
                    path,
                    ErrorKind::TupleLength {
                        expected: etys.len(),
                        found: items.len(),
                    },
                ));
            }
            out.push('[');
            for (i, (item, ety)) in items.iter().zip(etys).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                path.push(PathStep::Index(i));
                write_value(out, item, ety, path, depth + 1)?;
                path.pop();
            }
            out.push(']');
            Ok(())
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(ety)) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(out, k);
                out.push(':');
                path.push(PathStep::Key(k.clone()));
                write_value(out, item, ety, path, depth + 1)?;
                path.pop();
            }
            out.push('}');
            Ok(())
        }
        (Value::Map(entries) | Value::Object(entries), Type::Object(atys)) => {
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
            out.push('{');
            for (i, (k, aty)) in atys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(out, k);
                out.push(':');
                path.push(PathStep::Attribute(k.clone()));
                write_value(
                    out,
                    entries.get(k).unwrap_or(&Value::Null),
                    aty,
                    path,
                    depth + 1,
                )?;
                path.pop();
            }
            out.push('}');
            Ok(())
        }
        _ => Err(CodecError::at(
            path,
            ErrorKind::NonConforming {
                expected: String::from_utf8_lossy(&ty.to_json_bytes()).into_owned(),
                found: v.kind_name(),
            },
        )),
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

    fn golden(v: &Value, ty: &Type, expected: &str) {
        let bytes = encode(v, ty).expect("encodes");
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(decode(&bytes, ty).expect("decodes"), *v);
    }

    #[test]
    fn golden_string_object() {
        let ty = Type::object([("name", Type::String), ("id", Type::String)]);
        let v = Value::object([
            ("name", Value::string("a<b>&\"\n\u{2028}")),
            ("id", Value::Null),
        ]);
        golden(
            &v,
            &ty,
            r#"{"id":null,"name":"a\u003cb\u003e\u0026\"\n\u2028"}"#,
        );
    }

    #[test]
    fn golden_dynamic() {
        golden(
            &Value::string("hi"),
            &Type::Dynamic,
            r#"{"value":"hi","type":"string"}"#,
        );
        golden(&Value::Null, &Type::Dynamic, "null");
        golden(
            &Value::object([("a", Value::List(vec![num("1")]))]),
            &Type::Dynamic,
            r#"{"value":{"a":[1]},"type":["object",{"a":["list","number"]}]}"#,
        );
        // Members may come in either order.
        let swapped = br#"{"type":"number","value":5}"#;
        assert_eq!(decode(swapped, &Type::Dynamic).ok(), Some(num("5")));
        for bad in [
            &br#"{"value":5}"#[..],
            br#"{"type":"number"}"#,
            br#"{"type":"number","value":5,"x":1}"#,
            br#"5"#,
        ] {
            assert!(decode(bad, &Type::Dynamic).is_err());
        }
    }

    #[test]
    fn golden_numbers_are_exact_decimals() {
        golden(&num("1e20"), &Type::Number, "100000000000000000000");
        golden(&num("-0.000125"), &Type::Number, "-0.000125");
        golden(
            &num("123456789012345678901234567890.5"),
            &Type::Number,
            "123456789012345678901234567890.5",
        );
        assert_eq!(decode(b"1.50E+2", &Type::Number).ok(), Some(num("150")));
    }

    #[test]
    fn decoding_converts_like_cty() {
        assert_eq!(decode(br#""12.5""#, &Type::Number).ok(), Some(num("12.5")));
        assert_eq!(
            decode(b"1.50", &Type::String).ok(),
            Some(Value::string("1.50"))
        );
        assert_eq!(
            decode(b"true", &Type::String).ok(),
            Some(Value::string("true"))
        );
        assert_eq!(decode(br#""1""#, &Type::Bool).ok(), Some(Value::Bool(true)));
        assert_eq!(
            decode(br#""false""#, &Type::Bool).ok(),
            Some(Value::Bool(false))
        );
        assert!(decode(br#""True""#, &Type::Bool).is_err());
        assert!(decode(br#""x""#, &Type::Number).is_err());
    }

    #[test]
    fn objects_fill_missing_and_reject_extra_attributes() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        assert_eq!(
            decode(br#"{"a":"x"}"#, &ty).ok(),
            Some(Value::object([
                ("a", Value::string("x")),
                ("b", Value::Null)
            ]))
        );
        let err = decode(br#"{"a":"x","c":1,"d":2}"#, &ty).expect_err("extras");
        assert_eq!(err.to_string(), "(root): unsupported attribute(s): c, d");
        assert!(decode(br#"{"a":"x","a":"y"}"#, &ty).is_err());
    }

    #[test]
    fn errors_say_where() {
        let ty = Type::object([(
            "kured",
            Type::object([("values", Type::list(Type::Number))]),
        )]);
        let err =
            decode(br#"{"kured":{"values":[1,{}]}}"#, &ty).expect_err("object in number list");
        assert_eq!(
            err.to_string(),
            "kured.values[1]: a number is required, found JSON object"
        );
        let err = encode(&Value::object([("kured", Value::Unknown)]), &ty).expect_err("unknown");
        assert_eq!(err.to_string(), "kured: value is not known");
    }

    #[test]
    fn parser_rejects_malformed_json() {
        for bad in [
            &b""[..],
            b"nul",
            b"[1,]",
            b"{\"a\"1}",
            b"01",
            b"1.",
            b"\"\\x\"",
            b"\"a",
            b"\"\x01\"",
            b"[1] x",
            b"\"\xff\"",
        ] {
            assert!(
                decode(bad, &Type::Dynamic).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            decode(br#" "\ud83d\ude00\u00e9\/" "#, &Type::String).ok(),
            Some(Value::string("😀é/"))
        );
        assert_eq!(
            decode(br#""\ud800x""#, &Type::String).ok(),
            Some(Value::string("\u{fffd}x"))
        );
        let deep = "[".repeat(10_000);
        assert!(decode(deep.as_bytes(), &Type::Dynamic).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn round_trips((ty, v) in arb_typed_value(false)) {
            let bytes = encode(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = decode(&bytes, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(encode(&back, &ty).ok(), Some(bytes));
        }

        #[test]
        fn agrees_with_serde_json_on_syntax((ty, v) in arb_typed_value(false)) {
            let bytes = encode(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
        }

        #[test]
        fn random_text_never_panics(ty in arb_type(), text in "[\\[\\]{}\",:0-9a-z.eE+\\\\u -]{0,48}") {
            let _ = decode(text.as_bytes(), &ty);
            let _ = decode(text.as_bytes(), &Type::Dynamic);
        }

        #[test]
        fn random_bytes_never_panic(ty in arb_type(), bytes in prop::collection::vec(any::<u8>(), 0..48)) {
            let _ = decode(&bytes, &ty);
        }
    }
}
