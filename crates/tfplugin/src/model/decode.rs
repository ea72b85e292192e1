//! Reading [`Value`]s into Rust types: the [`Decode`] trait and the [`Decoder`] that
//! walks a value, keeps the attribute path of where it is, and turns every problem into a
//! diagnostic on that path.

use std::collections::BTreeMap;

use super::Attr;
use super::spec::Typed;
use crate::api::FunctionError;
use crate::diag::{AttrPath, Diagnostics, PathStep};
use crate::number::Number;
use crate::value::Value;

/// Decoding failed; the diagnostic that says why is already recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// A Rust type that can be read from a Terraform [`Value`].
///
/// `'v` is the lifetime of the value read, so a type may borrow from it: `&'v str` reads a
/// string without copying it, which matters for arguments of hundreds of megabytes.
///
/// Null and unknown are answered before [`Decode::decode_known`] is called: at the top
/// they give [`Attr::Null`] and [`Attr::Unknown`]. Inside a collection, see each
/// implementation: a list or map entry that is null is an error, and one that is unknown
/// makes the whole collection unknown unless its element type is an [`Attr`], which keeps
/// it.
pub trait Decode<'v>: Typed + Sized {
    /// Reads a value that is neither null nor unknown. Returns [`Attr::Unknown`] when a
    /// part of it is unknown and `Self` has no place to keep that, and [`Invalid`] after
    /// recording an error on `d`'s path.
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid>;

    /// Reads any value, null and unknown included.
    fn decode(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        match value {
            Value::Null => Ok(Attr::Null),
            Value::Unknown => Ok(Attr::Unknown),
            known => Self::decode_known(known, d),
        }
    }
}

/// Walks a value, knowing at each step the attribute path from the root, and records
/// what is wrong as diagnostics on that path.
pub struct Decoder<'d> {
    path: Vec<PathStep>,
    diags: &'d mut Diagnostics,
}

/// What a missing attribute reads as.
static NULL: Value = Value::Null;

impl<'d> Decoder<'d> {
    /// A decoder at the root of a configuration, plan or state.
    pub fn new(diags: &'d mut Diagnostics) -> Self {
        Self::at(AttrPath::root(), diags)
    }

    /// A decoder for a value found at `path`.
    pub fn at(path: AttrPath, diags: &'d mut Diagnostics) -> Self {
        Decoder {
            path: path.0,
            diags,
        }
    }

    /// Where the decoder is.
    pub fn path(&self) -> AttrPath {
        AttrPath(self.path.clone())
    }

    /// Reads the value at the decoder's path.
    pub fn decode<'v, T: Decode<'v>>(&mut self, value: &'v Value) -> Result<Attr<T>, Invalid> {
        T::decode(value, self)
    }

    /// Reads attribute `name` of an object (or entry `name` of a map); a missing one is
    /// null.
    pub fn attribute<'v, T: Decode<'v>>(
        &mut self,
        object: &'v Value,
        name: &str,
    ) -> Result<Attr<T>, Invalid> {
        let value = object.get(name).unwrap_or(&NULL);
        self.within(PathStep::Attribute(name.to_owned()), |d| {
            T::decode(value, d)
        })
    }

    /// Runs `f` one step further down the path.
    pub fn within<R>(&mut self, step: PathStep, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(step);
        let result = f(self);
        self.path.pop();
        result
    }

    /// Records an error on the decoder's path.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) -> Invalid {
        self.diags.error_at(self.path(), summary, detail);
        Invalid
    }

    /// Records a warning on the decoder's path.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.diags.warning_at(self.path(), summary, detail);
    }

    /// Records that `value` is not of type `T`. Terraform checks values against the
    /// schema before a provider sees them, so this means a schema that does not match the
    /// model.
    pub fn wrong_type<T: Typed>(&mut self, value: &Value) -> Invalid {
        let path = self.path();
        self.error(
            format!("{path} has the wrong type"),
            format!(
                "{path} must be {}, but it is a {}. The provider's schema and model disagree: this is a bug in the provider.",
                T::ty().required_phrase(),
                value.kind_name()
            ),
        )
    }

    /// Reads a list, set or tuple: entries are on their index, a null entry is an error,
    /// and an unknown entry makes the whole unknown unless `f` keeps it.
    fn entries<'v, K, T: Decode<'v>>(
        &mut self,
        entries: impl Iterator<Item = (K, PathStep, &'v Value)>,
    ) -> Result<Attr<Vec<(K, T)>>, Invalid> {
        let mut out = Vec::new();
        let mut invalid = false;
        let mut unknown = false;
        for (key, step, entry) in entries {
            let read = self.within(step, |d| {
                if entry.is_null() {
                    Err(d.null_entry::<T>())
                } else {
                    T::decode(entry, d)
                }
            });
            match read {
                Ok(Attr::Known(v)) => out.push((key, v)),
                Ok(Attr::Unknown) => unknown = true,
                Ok(Attr::Null) | Err(Invalid) => invalid = true,
            }
        }
        if invalid {
            Err(Invalid)
        } else if unknown {
            Ok(Attr::Unknown)
        } else {
            Ok(Attr::Known(out))
        }
    }

    fn null_entry<T: Typed>(&mut self) -> Invalid {
        let path = self.path();
        let parent = AttrPath(self.path[..self.path.len().saturating_sub(1)].to_vec());
        self.error(
            format!("{path} is null"),
            format!(
                "Every entry of {parent} must be {}; remove the null entry.",
                T::ty().required_phrase()
            ),
        )
    }
}

/// Decodes `value` with diagnostics into `diags`; `None` when something was invalid.
pub fn decode<'v, T: Decode<'v>>(value: &'v Value, diags: &mut Diagnostics) -> Option<Attr<T>> {
    Decoder::new(diags).decode(value).ok()
}

/// Decodes the object at the root of a request (a configuration, plan or state), which
/// Terraform always sends known and not null; `None` when something was invalid.
pub fn decode_object<'v, T: Decode<'v>>(value: &'v Value, diags: &mut Diagnostics) -> Option<T> {
    let mut d = Decoder::new(diags);
    match d.decode(value) {
        Ok(Attr::Known(object)) => Some(object),
        Ok(Attr::Null | Attr::Unknown) => {
            d.wrong_type::<T>(value);
            None
        }
        Err(Invalid) => None,
    }
}

/// Decodes argument `index` of a provider function call, the parameter called `name`.
/// Terraform passes functions known, non-null arguments unless the signature allows
/// otherwise; anything wrong inside one (a null list entry) becomes a [`FunctionError`] on
/// that argument, naming the path within it.
pub fn argument<'v, T: Decode<'v>>(
    arguments: &'v [Value],
    index: usize,
    name: &str,
) -> Result<T, FunctionError> {
    let mut diags = Diagnostics::new();
    let value = arguments.get(index).unwrap_or(&NULL);
    let decoded = Decoder::at(AttrPath::attr(name), &mut diags).decode::<T>(value);
    let text = match decoded {
        Ok(Attr::Known(v)) => return Ok(v),
        Ok(Attr::Null) => format!("{name} is null"),
        Ok(Attr::Unknown) => format!("{name} is not known yet"),
        Err(Invalid) => diags
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    Err(FunctionError::on_argument(index, text))
}

impl<'v> Decode<'v> for String {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        match value {
            Value::String(s) => Ok(Attr::Known(s.clone())),
            other => Err(d.wrong_type::<Self>(other)),
        }
    }
}

impl<'v> Decode<'v> for &'v str {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        match value {
            Value::String(s) => Ok(Attr::Known(s.as_str())),
            other => Err(d.wrong_type::<Self>(other)),
        }
    }
}

impl<'v> Decode<'v> for bool {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        match value {
            Value::Bool(b) => Ok(Attr::Known(*b)),
            other => Err(d.wrong_type::<Self>(other)),
        }
    }
}

impl<'v> Decode<'v> for Number {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        match value {
            Value::Number(n) => Ok(Attr::Known(n.clone())),
            other => Err(d.wrong_type::<Self>(other)),
        }
    }
}

/// Whole numbers read from a Terraform number, which may be fractional or huge.
fn whole<T: Typed>(
    value: &Value,
    d: &mut Decoder<'_>,
    convert: fn(&Number) -> Option<T>,
    (low, high): (i128, u128),
) -> Result<Attr<T>, Invalid> {
    let Value::Number(n) = value else {
        return Err(d.wrong_type::<T>(value));
    };
    match convert(n) {
        Some(v) => Ok(Attr::Known(v)),
        None => {
            let path = d.path();
            Err(d.error(
                format!("{path} is out of range"),
                format!("{path} must be a whole number from {low} to {high}, not {n}."),
            ))
        }
    }
}

impl<'v> Decode<'v> for i64 {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        whole(
            value,
            d,
            Number::as_i64,
            (i64::MIN.into(), i64::MAX.unsigned_abs().into()),
        )
    }
}

impl<'v> Decode<'v> for u64 {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        whole(value, d, Number::as_u64, (0, u64::MAX.into()))
    }
}

/// An `Attr` field keeps null and unknown where the value has them, so decoding one is
/// always known at its own level.
impl<'v, T: Decode<'v>> Decode<'v> for Attr<T> {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        Self::decode(value, d)
    }

    fn decode(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        T::decode(value, d).map(Attr::Known)
    }
}

/// A list, set or tuple. A null entry is an error on its index; an unknown entry makes the
/// whole list unknown, unless `T` is an [`Attr`].
impl<'v, T: Decode<'v>> Decode<'v> for Vec<T> {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        let Some(items) = value.as_list() else {
            return Err(d.wrong_type::<Self>(value));
        };
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, v)| ((), PathStep::Index(i), v));
        Ok(d.entries(entries)?
            .map(|entries| entries.into_iter().map(|(_, v)| v).collect()))
    }
}

/// A map (or an object read as one). A null entry is an error on its key; an unknown entry
/// makes the whole map unknown, unless `T` is an [`Attr`].
impl<'v, T: Decode<'v>> Decode<'v> for BTreeMap<String, T> {
    fn decode_known(value: &'v Value, d: &mut Decoder<'_>) -> Result<Attr<Self>, Invalid> {
        let Some(map) = value.as_map() else {
            return Err(d.wrong_type::<Self>(value));
        };
        let entries = map
            .iter()
            .map(|(k, v)| (k.clone(), PathStep::Key(k.clone()), v));
        Ok(d.entries(entries)?
            .map(|entries| entries.into_iter().collect()))
    }
}
