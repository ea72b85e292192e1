//! cty types and their JSON descriptions, the form schemas and dynamic values
//! use on the wire (`"string"`, `["list","number"]`, `["object",{...}]`).

use std::collections::BTreeMap;

use super::json::write_go_string;
use super::value::{AttrPath, CodecError, ErrorKind, MAX_DEPTH};

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// UTF-8 text.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// Any type; values in such a slot carry their type on the wire.
    Dynamic,
    /// Ordered elements of one type.
    List(Box<Type>),
    /// Unordered, distinct elements of one type.
    Set(Box<Type>),
    /// String keys to values of one type.
    Map(Box<Type>),
    /// Named attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// Positions, each with its own type.
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(t)`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// An object type from attribute names and types.
    pub fn object<'a>(attrs: impl IntoIterator<Item = (&'a str, Type)>) -> Type {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.to_owned(), t)).collect())
    }

    /// A tuple type.
    pub fn tuple(elements: Vec<Type>) -> Type {
        Type::Tuple(elements)
    }

    /// The cty JSON description of this type.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => J::Array(vec![J::from("list"), t.to_json()]),
            Type::Set(t) => J::Array(vec![J::from("set"), t.to_json()]),
            Type::Map(t) => J::Array(vec![J::from("map"), t.to_json()]),
            Type::Object(attrs) => J::Array(vec![
                J::from("object"),
                J::Object(
                    attrs
                        .iter()
                        .map(|(k, t)| (k.clone(), t.to_json()))
                        .collect(),
                ),
            ]),
            Type::Tuple(elements) => J::Array(vec![
                J::from("tuple"),
                J::Array(elements.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The cty JSON description as bytes, byte for byte what go-cty writes:
    /// no whitespace, attributes sorted, strings escaped as Go's encoder does.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

    pub(super) fn write_json(&self, out: &mut String) {
        let kind = match self {
            Type::String => return out.push_str("\"string\""),
            Type::Number => return out.push_str("\"number\""),
            Type::Bool => return out.push_str("\"bool\""),
            Type::Dynamic => return out.push_str("\"dynamic\""),
            Type::List(_) => "list",
            Type::Set(_) => "set",
            Type::Map(_) => "map",
            Type::Object(_) => "object",
            Type::Tuple(_) => "tuple",
        };
        out.push_str("[\"");
        out.push_str(kind);
        out.push_str("\",");
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.write_json(out),
            Type::Object(attrs) => {
                out.push('{');
                for (i, (name, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_go_string(out, name);
                    out.push(':');
                    t.write_json(out);
                }
                out.push('}');
            }
            Type::Tuple(elements) => {
                out.push('[');
                for (i, t) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    t.write_json(out);
                }
                out.push(']');
            }
            _ => {}
        }
        out.push(']');
    }

    /// Reads a cty JSON type description.
    ///
    /// Also accepts the optional-attributes form `["object",{...},["name"]]`
    /// that Terraform writes for type constraints; which attributes are
    /// optional does not affect how values are encoded, so it is not kept.
    pub fn from_json(v: &serde_json::Value) -> Result<Type, CodecError> {
        Self::from_json_within(v, MAX_DEPTH).map_err(|kind| CodecError::new(AttrPath::root(), kind))
    }

    /// Reads a type description as bytes of JSON, nesting at most `depth` levels.
    pub(super) fn from_json_bytes_within(bytes: &[u8], depth: usize) -> Result<Type, ErrorKind> {
        // serde_json caps its own recursion, so this cannot overflow the stack.
        let json: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| ErrorKind::InvalidType(format!("not JSON: {e}")))?;
        Self::from_json_within(&json, depth)
    }

    /// Reads a type description nesting at most `depth` levels: dynamic values
    /// let the input choose the type, so its depth has to be bounded too.
    pub(super) fn from_json_within(v: &serde_json::Value, depth: usize) -> Result<Type, ErrorKind> {
        use serde_json::Value as J;
        let invalid = |why: String| ErrorKind::InvalidType(why);
        match v {
            J::String(name) => match name.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(invalid(format!("unknown primitive type {other:?}"))),
            },
            J::Array(parts) => {
                let Some(depth) = depth.checked_sub(1) else {
                    return Err(ErrorKind::TooDeep);
                };
                let (Some(J::String(kind)), Some(arg)) = (parts.first(), parts.get(1)) else {
                    return Err(invalid("expected [kind, argument]".into()));
                };
                let max_len = if kind == "object" { 3 } else { 2 };
                if parts.len() > max_len {
                    return Err(invalid(format!("extra data after {kind} type")));
                }
                match kind.as_str() {
                    "list" => Ok(Type::list(Self::from_json_within(arg, depth)?)),
                    "set" => Ok(Type::set(Self::from_json_within(arg, depth)?)),
                    "map" => Ok(Type::map(Self::from_json_within(arg, depth)?)),
                    "tuple" => {
                        let J::Array(elements) = arg else {
                            return Err(invalid("tuple element types must be an array".into()));
                        };
                        elements
                            .iter()
                            .map(|t| Self::from_json_within(t, depth))
                            .collect::<Result<_, _>>()
                            .map(Type::Tuple)
                    }
                    "object" => {
                        let J::Object(attrs) = arg else {
                            return Err(invalid("object attribute types must be an object".into()));
                        };
                        if let Some(optional) = parts.get(2) {
                            let names_ok = optional.as_array().is_some_and(|names| {
                                names
                                    .iter()
                                    .all(|n| n.as_str().is_some_and(|n| attrs.contains_key(n)))
                            });
                            if !names_ok {
                                return Err(invalid(
                                    "optional attributes must be an array of attribute names"
                                        .into(),
                                ));
                            }
                        }
                        attrs
                            .iter()
                            .map(|(k, t)| Ok((k.clone(), Self::from_json_within(t, depth)?)))
                            .collect::<Result<_, _>>()
                            .map(Type::Object)
                    }
                    other => Err(invalid(format!("unknown type kind {other:?}"))),
                }
            }
            _ => Err(invalid("expected a string or an array".into())),
        }
    }

    /// "a string", "a list", ...: what a slot of this type requires, for errors.
    pub fn required_phrase(&self) -> String {
        match self {
            Type::String => "a string",
            Type::Number => "a number",
            Type::Bool => "a bool",
            Type::Dynamic => "a dynamically-typed value",
            Type::List(_) => "a list",
            Type::Set(_) => "a set",
            Type::Map(_) => "a map",
            Type::Object(_) => "an object",
            Type::Tuple(_) => "a tuple",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_description_matches_cty() {
        let ty = Type::object([
            ("b", Type::list(Type::String)),
            ("a", Type::tuple(vec![Type::Number, Type::Dynamic])),
            ("c<", Type::map(Type::set(Type::Bool))),
        ]);
        assert_eq!(
            String::from_utf8(ty.to_json_bytes()).expect("utf8"),
            r#"["object",{"a":["tuple",["number","dynamic"]],"b":["list","string"],"c\u003c":["map",["set","bool"]]}]"#
        );
        assert_eq!(Type::from_json(&ty.to_json()).expect("parses"), ty);
    }

    #[test]
    fn optional_attribute_form_is_accepted() {
        let ty = Type::from_json(&json!(["object", {"a": "string"}, ["a"]])).expect("parses");
        assert_eq!(ty, Type::object([("a", Type::String)]));
        assert!(Type::from_json(&json!(["object", {"a": "string"}, ["b"]])).is_err());
    }

    #[test]
    fn bad_descriptions_are_rejected() {
        for bad in [
            json!("str"),
            json!(["list"]),
            json!(["list", "string", "x"]),
            json!(["tuple", "string"]),
            json!(["object", ["a"]]),
            json!(["frob", "string"]),
            json!(1),
        ] {
            assert!(Type::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let mut deep = json!("string");
        for _ in 0..MAX_DEPTH + 1 {
            deep = json!(["list", deep]);
        }
        let err = Type::from_json(&deep).expect_err("too deep");
        assert!(matches!(err.kind(), ErrorKind::TooDeep));
    }
}
