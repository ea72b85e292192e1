//! Writing Rust values back as Terraform [`Value`]s: the [`Encode`] trait, used for the
//! attributes a provider computes.

use std::collections::BTreeMap;

use super::Attr;
use crate::number::Number;
use crate::value::Value;

/// A Rust value that can be written as a Terraform [`Value`].
pub trait Encode {
    /// The value as Terraform sees it.
    fn encode(&self) -> Value;
}

impl Encode for String {
    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Encode for &str {
    fn encode(&self) -> Value {
        Value::string(*self)
    }
}

impl Encode for bool {
    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Encode for i64 {
    fn encode(&self) -> Value {
        Value::number(*self)
    }
}

impl Encode for u64 {
    fn encode(&self) -> Value {
        Value::number(*self)
    }
}

impl Encode for Number {
    fn encode(&self) -> Value {
        Value::Number(self.clone())
    }
}

impl<T: Encode> Encode for Attr<T> {
    fn encode(&self) -> Value {
        match self {
            Attr::Known(v) => v.encode(),
            Attr::Null => Value::Null,
            Attr::Unknown => Value::Unknown,
        }
    }
}

/// A list.
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self) -> Value {
        Value::List(self.iter().map(Encode::encode).collect())
    }
}

/// A map.
impl<T: Encode> Encode for BTreeMap<String, T> {
    fn encode(&self) -> Value {
        Value::Map(self.iter().map(|(k, v)| (k.clone(), v.encode())).collect())
    }
}
