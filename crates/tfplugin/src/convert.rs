//! Conversions between the provider's own types and the generated protocol messages.

use super::diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
use super::proto::tfplugin6 as pb;
use super::schema::{
    Attribute, AttributeKind, Block, FunctionSignature, Nesting, Parameter, Schema,
};
use super::types::Type;
use super::value::CodecError;
use super::value::Value;
use super::{json, msgpack};

/// Decodes a DynamicValue against a type: msgpack when present, JSON otherwise, and null
/// when Terraform sent neither.
pub fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match value {
        Some(dv) if !dv.msgpack.is_empty() => msgpack::decode(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => json::decode(&dv.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Encodes a value as Terraform expects it back: always msgpack.
pub fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, CodecError> {
    Ok(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty)?,
        json: Vec::new(),
    })
}

pub fn diagnostics(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.iter().map(diagnostic).collect()
}

pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.path.as_ref().map(attribute_path),
    }
}

pub fn attribute_path(path: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(index) => {
                        Selector::ElementKeyInt(i64::try_from(*index).unwrap_or(i64::MAX))
                    }
                }),
            })
            .collect(),
    }
}

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block)),
    }
}

fn block(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b
            .blocks
            .iter()
            .map(|nb| pb::schema::NestedBlock {
                type_name: nb.type_name.clone(),
                block: Some(block(&nb.block)),
                nesting: block_nesting(nb.nesting) as i32,
                min_items: nb.min_items,
                max_items: nb.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
        ..Default::default()
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    // Exactly one of `type` and `nested_type` may be set.
    let (ty, nested_type) = match &a.kind {
        AttributeKind::Plain(ty) => (ty.to_json_bytes(), None),
        AttributeKind::Nested {
            attributes,
            nesting,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute).collect(),
                nesting: object_nesting(*nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        ..Default::default()
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as M;
    match n {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}

fn block_nesting(n: Nesting) -> pb::schema::nested_block::NestingMode {
    use pb::schema::nested_block::NestingMode as M;
    match n {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}

pub fn function(sig: &FunctionSignature) -> pb::Function {
    pb::Function {
        parameters: sig.parameters.iter().map(parameter).collect(),
        variadic_parameter: sig.variadic.as_ref().map(parameter),
        r#return: Some(pb::function::Return {
            r#type: sig.return_type.to_json_bytes(),
        }),
        summary: sig.summary.clone(),
        description: sig.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        ..Default::default()
    }
}

fn parameter(p: &Parameter) -> pb::function::Parameter {
    pb::function::Parameter {
        name: p.name.clone(),
        r#type: p.ty.to_json_bytes(),
        allow_null_value: p.allow_null,
        allow_unknown_values: p.allow_unknown,
        description: p.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    }
}
