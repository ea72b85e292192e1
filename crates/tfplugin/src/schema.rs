//! Schemas as the provider declares them, and the value types they imply.
//!
//! A nested attribute carries only its nested object and no type of its own: Terraform
//! rejects an attribute that sets both ("Type and NestedType cannot both be set").

use super::types::Type;

/// A resource, data source or provider schema.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

/// What an attribute holds.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A value of one type.
    Plain(Type),
    /// Nested attributes, in one of four nestings.
    Nested {
        attributes: Vec<Attribute>,
        nesting: Nesting,
    },
}

/// How nested attributes or blocks repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

/// One attribute of a block or nested object.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeKind,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
}

/// A nested block (`name { ... }` syntax).
#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

impl Attribute {
    /// An attribute of a plain type; mark it required, optional or computed next.
    pub fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.to_string(),
            kind: AttributeKind::Plain(ty),
            description: description.to_string(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }

    /// An attribute holding nested attributes.
    pub fn nested(
        name: &str,
        nesting: Nesting,
        attributes: Vec<Attribute>,
        description: &str,
    ) -> Self {
        Attribute {
            kind: AttributeKind::Nested {
                attributes,
                nesting,
            },
            ..Attribute::new(name, Type::Dynamic, description)
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// Optional, and filled in by the provider when the configuration leaves it out.
    pub fn optional_computed(self) -> Self {
        self.optional().computed()
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Plain(ty) => ty.clone(),
            AttributeKind::Nested {
                attributes,
                nesting,
            } => {
                let object = Type::Object(
                    attributes
                        .iter()
                        .map(|a| (a.name.clone(), a.value_type()))
                        .collect(),
                );
                nest(object, *nesting)
            }
        }
    }
}

impl NestedBlock {
    pub fn new(type_name: &str, nesting: Nesting, block: Block) -> Self {
        NestedBlock {
            type_name: type_name.to_string(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }
}

impl Block {
    pub fn new(description: &str, attributes: Vec<Attribute>) -> Self {
        Block {
            attributes,
            blocks: Vec::new(),
            description: description.to_string(),
            deprecated: false,
        }
    }

    pub fn with_blocks(mut self, blocks: Vec<NestedBlock>) -> Self {
        self.blocks = blocks;
        self
    }

    /// The object type of a value of this block, as Terraform encodes it.
    pub fn value_type(&self) -> Type {
        let mut attrs: std::collections::BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for b in &self.blocks {
            attrs.insert(b.type_name.clone(), nest(b.block.value_type(), b.nesting));
        }
        Type::Object(attrs)
    }

    /// The attribute with this name, if any.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }

    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

fn nest(object: Type, nesting: Nesting) -> Type {
    match nesting {
        Nesting::Single => object,
        Nesting::List => Type::List(Box::new(object)),
        Nesting::Set => Type::Set(Box::new(object)),
        Nesting::Map => Type::Map(Box::new(object)),
    }
}

/// A provider function's signature.
#[derive(Clone, Debug)]
pub struct FunctionSignature {
    pub parameters: Vec<Parameter>,
    pub variadic: Option<Parameter>,
    pub return_type: Type,
    pub summary: String,
    pub description: String,
}

/// One parameter of a provider function.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub allow_null: bool,
    pub allow_unknown: bool,
}

impl Parameter {
    pub fn new(name: &str, ty: Type, description: &str) -> Self {
        Parameter {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            allow_null: false,
            allow_unknown: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_imply_object_types() {
        let block = Block::new(
            "",
            vec![
                Attribute::new("id", Type::String, "").computed(),
                Attribute::nested(
                    "kured",
                    Nesting::Single,
                    vec![Attribute::new("values", Type::list(Type::String), "").optional()],
                    "",
                ),
                Attribute::nested(
                    "many",
                    Nesting::Map,
                    vec![Attribute::new("n", Type::Number, "").optional()],
                    "",
                ),
            ],
        );
        let want = Type::object([
            ("id", Type::String),
            (
                "kured",
                Type::object([("values", Type::list(Type::String))]),
            ),
            ("many", Type::map(Type::object([("n", Type::Number)]))),
        ]);
        assert_eq!(block.value_type(), want);
    }

    #[test]
    fn blocks_join_the_object_type() {
        let block = Block::new("", vec![]).with_blocks(vec![NestedBlock::new(
            "rule",
            Nesting::List,
            Block::new("", vec![Attribute::new("x", Type::Bool, "").required()]),
        )]);
        assert_eq!(
            block.value_type(),
            Type::object([("rule", Type::list(Type::object([("x", Type::Bool)])))])
        );
    }
}
