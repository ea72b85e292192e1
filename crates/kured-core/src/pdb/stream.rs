//! Reading manifests into a collection of objects while they are parsed, for every reader
//! of cluster objects (the budget inventory and the forecast's objects).
//!
//! A collection says how it takes one object; this module does the rest the same way for
//! all of them: Lists unpacked to a fixed depth, a List's items held apart until the
//! document's `kind` says it is a List (`kubectl -o json` writes `items` before `kind`),
//! and the first malformed object kept while parsing goes on, so that a later syntax
//! error still wins as it would if the whole string were parsed first.

use serde_json::Value as Json;

use crate::base::text::Strings;
use crate::base::yaml::{self, DocumentVisitor};
use crate::pdb::objects::{InventoryError, ManifestError, ObjectError};

/// How deep `kind: List` objects may nest; deeper input is refused, not recursed into.
pub const MAX_LIST_DEPTH: usize = 8;

/// A collection of cluster objects that can be read from manifests.
pub trait ObjectSink: Default {
    /// Takes one object that is not a List, with its strings shared through `strings`.
    fn add_object(&mut self, object: &Json, strings: &mut Strings) -> Result<(), ObjectError>;

    /// Adds every object of `other`, read from another input.
    fn append(&mut self, other: Self);

    /// Adds top-level document `number` (1-based, for errors), unpacking Lists from
    /// nesting level `depth`.
    fn add_tree(
        &mut self,
        number: usize,
        root: &Json,
        depth: usize,
        strings: &mut Strings,
    ) -> Result<(), InventoryError> {
        // An explicit stack rather than recursion: input nesting is attacker-controlled.
        let mut stack: Vec<(&Json, usize)> = vec![(root, depth)];
        while let Some((value, depth)) = stack.pop() {
            let kind = value.get("kind").and_then(Json::as_str).unwrap_or_default();
            if let Some(Json::Array(items)) = value.get("items").filter(|_| kind.ends_with("List"))
            {
                if depth >= MAX_LIST_DEPTH {
                    return Err(InventoryError::TooDeep {
                        document: number,
                        limit: MAX_LIST_DEPTH,
                    });
                }
                // Reverse so items keep their order when popped.
                stack.extend(items.iter().rev().map(|item| (item, depth + 1)));
                continue;
            }
            self.add_object(value, strings)
                .map_err(|source| InventoryError::Object {
                    document: number,
                    source,
                })?;
        }
        Ok(())
    }
}

/// Sorts JSON documents into a collection, numbering them from 1 for errors.
pub fn from_documents<'a, T: ObjectSink>(
    documents: impl IntoIterator<Item = &'a Json>,
) -> Result<T, InventoryError> {
    let mut objects = T::default();
    let mut strings = Strings::default();
    for (index, document) in documents.into_iter().enumerate() {
        objects.add_tree(index + 1, document, 0, &mut strings)?;
    }
    Ok(objects)
}

/// Reads a YAML or JSON manifest string (see [`crate::base::yaml`]) into a collection
/// while it is parsed: each object's tree is dropped once its few fields are kept, so a
/// `kind: List` of 100k pods never exists as one tree.
pub fn from_manifest<T: ObjectSink>(input: &str) -> Result<T, ManifestError> {
    let mut builder = Builder::<T>::default();
    yaml::visit_documents(input, &mut builder)?;
    match builder.error {
        Some(err) => Err(ManifestError::Object(err)),
        None => Ok(builder.objects),
    }
}

/// Builds a collection from a stream of documents, keeping the first error and reading on.
#[derive(Default)]
struct Builder<T> {
    objects: T,
    /// The objects of the current document's `items`, held apart until the document is
    /// known to be a List.
    staged: T,
    staged_error: Option<InventoryError>,
    error: Option<InventoryError>,
    /// Shared by every object read, so repeated strings are stored once.
    strings: Strings,
}

impl<T: ObjectSink> DocumentVisitor for Builder<T> {
    fn item(&mut self, document: usize, item: Json) {
        if self.error.is_some() || self.staged_error.is_some() {
            return;
        }
        // Elements of a top-level List sit one level down, as in `add_tree`.
        if let Err(err) = self.staged.add_tree(document, &item, 1, &mut self.strings) {
            self.staged_error = Some(err);
        }
    }

    fn document(&mut self, document: usize, value: Json, items_streamed: bool) {
        let staged = std::mem::take(&mut self.staged);
        let staged_error = self.staged_error.take();
        if self.error.is_some() {
            return;
        }
        let is_list = items_streamed
            && value
                .get("kind")
                .and_then(Json::as_str)
                .is_some_and(|kind| kind.ends_with("List"));
        let result = match (is_list, staged_error) {
            (true, Some(err)) => Err(err),
            (true, None) => {
                self.objects.append(staged);
                Ok(())
            }
            // Not a List: its `items` is data no kind read here looks at.
            (false, _) => self
                .objects
                .add_tree(document, &value, 0, &mut self.strings),
        };
        if let Err(err) = result {
            self.error = Some(err);
        }
    }

    fn restart(&mut self) {
        *self = Builder::default();
    }

    fn discard_items(&mut self, _document: usize) {
        self.staged = T::default();
        self.staged_error = None;
    }
}
