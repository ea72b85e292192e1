//! Schemas as the provider declares them, and the value types they imply.
//!
//! A nested attribute carries only its nested object and no type of its own: Terraform
//! rejects an attribute that sets both ("Type and NestedType cannot both be set").

use super::types::Type;

/// A resource, data source or provider schema.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// The schema version, raised when stored state needs an upgrade.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// The block's attributes.
    pub attributes: Vec<Attribute>,
    /// The block's nested blocks.
    pub blocks: Vec<NestedBlock>,
    /// Shown by Terraform and in generated docs.
    pub description: String,
    /// Marks the whole block deprecated.
    pub deprecated: bool,
}

/// What an attribute holds.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A value of one type.
    Plain(Type),
    /// Nested attributes, in one of four nestings.
    Nested {
        /// The attributes of each nested object.
        attributes: Vec<Attribute>,
        /// How the nested objects repeat.
        nesting: Nesting,
    },
}

/// How nested attributes or blocks repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object: `name = { ... }`.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects, keyed by string.
    Map,
}

/// One attribute of a block or nested object.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute's name as configurations write it.
    pub name: String,
    /// Its type, or its nested attributes.
    pub kind: AttributeKind,
    /// Shown by Terraform and in generated docs; every attribute should have one.
    pub description: String,
    /// The configuration must set it.
    pub required: bool,
    /// The configuration may set it.
    pub optional: bool,
    /// The provider may set it (alone: only the provider sets it).
    pub computed: bool,
    /// Terraform hides its value in plan output.
    pub sensitive: bool,
    /// Terraform warns when a configuration sets it.
    pub deprecated: bool,
}

/// A nested block (`name { ... }` syntax).
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block's name as configurations write it.
    pub type_name: String,
    /// What each block holds.
    pub block: Block,
    /// How the block repeats.
    pub nesting: Nesting,
    /// The fewest blocks a configuration must write (0: no limit).
    pub min_items: i64,
    /// The most blocks a configuration may write (0: no limit).
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

    /// The configuration must set it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The configuration may set it.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The provider sets it; with [`Attribute::optional`], when the configuration does not.
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// Optional, and filled in by the provider when the configuration leaves it out.
    pub fn optional_computed(self) -> Self {
        self.optional().computed()
    }

    /// Hidden in Terraform's plan output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Deprecated: Terraform warns when a configuration sets it.
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
    /// A nested block of this name and nesting, with no limits on how many.
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
    /// A block of attributes and no nested blocks.
    pub fn new(description: &str, attributes: Vec<Attribute>) -> Self {
        Block {
            attributes,
            blocks: Vec::new(),
            description: description.to_string(),
            deprecated: false,
        }
    }

    /// The same block with these nested blocks.
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
    /// A schema of this version over this block.
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }

    /// The object type of a value of this schema.
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
    /// The positional parameters.
    pub parameters: Vec<Parameter>,
    /// The parameter that takes any number of trailing arguments, if any.
    pub variadic: Option<Parameter>,
    /// The type of the result.
    pub return_type: Type,
    /// One line, shown by Terraform.
    pub summary: String,
    /// The full description, shown by Terraform.
    pub description: String,
}

/// One parameter of a provider function.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The parameter's name, shown in Terraform's errors.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Shown by Terraform and in generated docs.
    pub description: String,
    /// Whether a null argument reaches the function (otherwise Terraform refuses it).
    pub allow_null: bool,
    /// Whether an unknown argument reaches the function (otherwise Terraform answers unknown).
    pub allow_unknown: bool,
}

impl Parameter {
    /// A parameter that takes neither null nor unknown arguments.
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
