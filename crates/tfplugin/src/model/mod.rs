//! Typed configuration: declare a resource's attributes once, as a Rust struct, and get
//! its schema, its decoding and its computed values from that one declaration.
//!
//! - [`Attr`] is one attribute's value: known, null, or unknown until apply.
//! - [`model!`](crate::model!) declares a struct of `Attr` fields with a [`Spec`] each;
//!   the struct then implements [`Model`] (the schema, computed values), [`Decode`] and
//!   [`Encode`], and names each attribute with an associated constant.
//! - [`Decoder`] walks a [`Value`] and keeps the attribute path as it goes, so every
//!   decoding error becomes a diagnostic on the exact attribute, in lists and maps too.
//!   Unknown values are fine anywhere: they decode to [`Attr::Unknown`].
//! - [`argument`] reads a provider function's argument the same way.
//!
//! A resource in full:
//!
//! ```ignore
//! use tfplugin::model::{Attr, Model, Spec, decode_object};
//!
//! tfplugin::model! {
//!     /// `example_thing`.
//!     pub struct Thing {
//!         pub name: Attr<String> => Spec::required("The thing's name."),
//!         pub tags: Attr<Vec<String>> => Spec::optional("Labels."),
//!         pub id: Attr<String> => Spec::computed("Its identifier."),
//!     }
//! }
//!
//! fn schema() -> Schema {
//!     Schema::new(0, Block::new("A thing.", Thing::attributes()))
//! }
//!
//! fn plan(req: PlanRequest<'_>, diags: &mut Diagnostics) -> Option<Planned> {
//!     // A wrong value is reported on its path (`tags[2]`); `None` means errors.
//!     let mut thing: Thing = decode_object(req.config, diags)?;
//!     thing.mark_computed_nulls_unknown();
//!     if let Attr::Known(name) = &thing.name {
//!         thing.id = Attr::Known(format!("thing-{name}"));
//!     }
//!     let mut planned = req.proposed_new_state.clone();
//!     thing.write_computed(&mut planned);
//!     Some(Planned::state(planned))
//! }
//! ```

mod attr;
mod decode;
mod encode;
mod macros;
mod spec;

pub use attr::Attr;
pub use decode::{Decode, Decoder, Invalid, argument, decode, decode_object};
pub use encode::Encode;
pub use spec::{Spec, Typed};

use crate::schema::{Attribute, Block, NestedBlock};
use crate::value::Value;

/// The attribute a field of [`model!`](crate::model!) stands for: its name without the
/// `r#` of a raw identifier, so that a keyword such as `type` can be an attribute.
pub const fn field_name(field: &'static str) -> &'static str {
    match field.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => field,
        },
        _ => field,
    }
}

/// A struct declared with [`model!`](crate::model!): a block or nested object whose
/// attributes are its fields.
pub trait Model: Typed + Encode + Default {
    /// The schema attributes, one per field not written as a block, in declaration order.
    fn attributes() -> Vec<Attribute>;

    /// The nested blocks, one per field whose [`Spec`] is a [`Spec::block`], in
    /// declaration order.
    fn blocks() -> Vec<NestedBlock>;

    /// The model as a schema block: its attributes and nested blocks.
    fn schema_block(description: &str) -> Block {
        Block::new(description, Self::attributes()).with_blocks(Self::blocks())
    }

    /// Writes every computed attribute (computed, or optional and computed) into
    /// `object`, and leaves the others as they are: a plan starts from Terraform's
    /// proposed state and changes only what the provider computes.
    fn write_computed(&self, object: &mut Value);

    /// Marks every computed attribute that is still null as unknown: what a plan says of a
    /// value the provider cannot know before apply.
    fn mark_computed_nulls_unknown(&mut self);
}

#[cfg(test)]
mod tests;
