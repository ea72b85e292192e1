//! How a model's fields become schema attributes: [`Spec`] says who sets an attribute and
//! how it is described, [`Typed`] gives the Terraform type a Rust type stands for.

use std::collections::BTreeMap;

use super::Attr;
use crate::number::Number;
use crate::schema::{Attribute, Block, NestedBlock, Nesting};
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
    block: bool,
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
            block: false,
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

    /// Written as a nested block (`name { ... }`) rather than an attribute
    /// (`name = { ... }`), for a model or a list of models. Terraform checks a block's
    /// arguments and refuses a misspelt one with a suggestion, where it drops an unknown
    /// key of a nested attribute's object without a word (hashicorp/terraform#33570). The
    /// cost is that a block cannot be assigned a whole value: a configuration passing an
    /// object from elsewhere writes a `dynamic` block. Required means at least one block;
    /// a block cannot be computed, and a spec on any other type stays an attribute.
    pub fn block(mut self) -> Self {
        self.block = true;
        self
    }

    /// Whether the field is written as a nested block.
    pub fn is_block(&self) -> bool {
        self.block
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

    /// The nested block `name` holding `block`, repeated as `nesting` says.
    pub fn nested_block(self, name: &str, nesting: Nesting, mut block: Block) -> NestedBlock {
        block.description = self.description;
        block.deprecated = self.deprecated;
        let mut nested = NestedBlock::new(name, nesting, block);
        nested.min_items = i64::from(self.required);
        // Terraform wants both limits alike on a single block: 1 and 1 when required,
        // 0 and 0 when optional.
        if nesting == Nesting::Single {
            nested.max_items = nested.min_items;
        }
        nested
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

    /// The block a model's attributes and blocks make; `None` for every type but a model.
    fn object_block() -> Option<Block> {
        None
    }

    /// The nested block `name` for a value of this type: a single block for a model, a
    /// list or set of blocks for a list of models; `None` for any other type, which can
    /// only be an attribute.
    fn block(name: &str, spec: Spec) -> Option<NestedBlock> {
        Self::object_block().map(|block| spec.nested_block(name, Nesting::Single, block))
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

    fn object_block() -> Option<Block> {
        T::object_block()
    }

    fn block(name: &str, spec: Spec) -> Option<NestedBlock> {
        T::block(name, spec)
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

    fn block(name: &str, spec: Spec) -> Option<NestedBlock> {
        T::object_block().map(|block| spec.nested_block(name, Nesting::List, block))
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
