//! How a model's fields become schema attributes: [`Spec`] says who sets an attribute and
//! how it is described, [`Typed`] gives the Terraform type a Rust type stands for.

use std::collections::BTreeMap;

use super::Attr;
use crate::number::Number;
use crate::schema::{Attribute, Nesting};
use crate::types::Type;

/// How one attribute appears in the schema: its description, and whether the
/// configuration must set it, may set it, or the provider computes it.
#[derive(Clone, Debug)]
pub struct Spec {
    description: String,
    required: bool,
    optional: bool,
    computed: bool,
    sensitive: bool,
    deprecated: bool,
}

impl Spec {
    fn new(description: impl Into<String>) -> Self {
        Spec {
            description: description.into(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }

    /// The configuration must set it (it may still be unknown at plan time).
    pub fn required(description: impl Into<String>) -> Self {
        Spec {
            required: true,
            ..Spec::new(description)
        }
    }

    /// The configuration may set it.
    pub fn optional(description: impl Into<String>) -> Self {
        Spec {
            optional: true,
            ..Spec::new(description)
        }
    }

    /// The provider sets it; the configuration cannot.
    pub fn computed(description: impl Into<String>) -> Self {
        Spec {
            computed: true,
            ..Spec::new(description)
        }
    }

    /// The configuration may set it, and the provider fills it in when it does not.
    pub fn optional_computed(description: impl Into<String>) -> Self {
        Spec {
            optional: true,
            computed: true,
            ..Spec::new(description)
        }
    }

    /// Terraform hides the value in its output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Terraform warns when the configuration sets it.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Whether the provider may set the value (computed, or optional and computed).
    pub fn is_computed(&self) -> bool {
        self.computed
    }

    /// The attribute `name` holding values of type `ty`.
    pub fn plain(self, name: &str, ty: Type) -> Attribute {
        self.apply(Attribute::new(name, ty, &self.description))
    }

    /// The attribute `name` holding nested attributes.
    pub fn nested(self, name: &str, nesting: Nesting, attributes: Vec<Attribute>) -> Attribute {
        self.apply(Attribute::nested(
            name,
            nesting,
            attributes,
            &self.description,
        ))
    }

    fn apply(&self, mut attribute: Attribute) -> Attribute {
        attribute.required = self.required;
        attribute.optional = self.optional;
        attribute.computed = self.computed;
        attribute.sensitive = self.sensitive;
        attribute.deprecated = self.deprecated;
        attribute
    }
}

/// A Rust type that stands for a Terraform type, so a model's schema follows from its
/// fields.
///
/// Implemented for `String`, `&str`, `bool`, `i64`, `u64`, [`Number`], `Vec<T>` (a list),
/// `BTreeMap<String, T>` (a map), [`Attr<T>`] and every [`model!`](crate::model!) struct
/// (an object).
pub trait Typed {
    /// The Terraform type of the value.
    fn ty() -> Type;

    /// The attributes of an object type declared as nested attributes; `None` for every
    /// type but a model.
    fn object_attributes() -> Option<Vec<Attribute>> {
        None
    }

    /// The schema attribute `name` for a value of this type. Models become nested
    /// attributes, and so do lists and maps of models.
    fn attribute(name: &str, spec: Spec) -> Attribute {
        spec.plain(name, Self::ty())
    }
}

macro_rules! primitive {
    ($($rust:ty => $ty:expr),* $(,)?) => {
        $(impl Typed for $rust {
            fn ty() -> Type {
                $ty
            }
        })*
    };
}

primitive! {
    String => Type::String,
    &str => Type::String,
    bool => Type::Bool,
    i64 => Type::Number,
    u64 => Type::Number,
    Number => Type::Number,
}

impl<T: Typed> Typed for Attr<T> {
    fn ty() -> Type {
        T::ty()
    }

    fn object_attributes() -> Option<Vec<Attribute>> {
        T::object_attributes()
    }

    fn attribute(name: &str, spec: Spec) -> Attribute {
        T::attribute(name, spec)
    }
}

impl<T: Typed> Typed for Vec<T> {
    fn ty() -> Type {
        Type::list(T::ty())
    }

    fn attribute(name: &str, spec: Spec) -> Attribute {
        match T::object_attributes() {
            Some(attributes) => spec.nested(name, Nesting::List, attributes),
            None => spec.plain(name, Self::ty()),
        }
    }
}

impl<T: Typed> Typed for BTreeMap<String, T> {
    fn ty() -> Type {
        Type::map(T::ty())
    }

    fn attribute(name: &str, spec: Spec) -> Attribute {
        match T::object_attributes() {
            Some(attributes) => spec.nested(name, Nesting::Map, attributes),
            None => spec.plain(name, Self::ty()),
        }
    }
}

/// The object type of a model's attributes; used by [`model!`](crate::model!).
pub fn object_type(attributes: &[Attribute]) -> Type {
    Type::Object(
        attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect(),
    )
}
