//! The model layer on its own: schemas from declarations, decoding with paths, unknown and
//! null at every depth, computed values.

use std::collections::BTreeMap;

use super::*;
use crate::diag::{AttrPath, Diagnostics, PathStep};
use crate::schema::{AttributeKind, Block, Nesting};
use crate::types::Type;

crate::model! {
    /// A nested object.
    #[derive(Debug, PartialEq)]
    struct Mount {
        host_path: Attr<String> => Spec::required("The node directory."),
        read_only: Attr<bool> => Spec::optional("Whether it is read-only."),
    }
}

crate::model! {
    /// Every shape a field can take.
    #[derive(Debug, PartialEq)]
    struct Config {
        name: Attr<String> => Spec::required("The name."),
        count: Attr<u64> => Spec::optional("How many."),
        offset: Attr<i64> => Spec::optional("How far."),
        tags: Attr<Vec<String>> => Spec::optional("Tags; one unknown tag makes all unknown."),
        each_tag: Attr<Vec<Attr<String>>> => Spec::optional("Tags, each known or not."),
        labels: Attr<BTreeMap<String, String>> => Spec::optional("Labels."),
        mount: Attr<Mount> => Spec::optional("One mount."),
        mounts: Attr<Vec<Mount>> => Spec::optional("Mounts."),
        by_name: Attr<BTreeMap<String, Mount>> => Spec::optional("Mounts by name."),
        id: Attr<String> => Spec::computed("The identifier."),
        region: Attr<String> => Spec::optional_computed(format!("The region; defaults to {}.", "here")),
    }
}

crate::model! {
    /// A keyword as an attribute name.
    #[derive(Debug, PartialEq)]
    struct Keyword {
        r#type: Attr<String> => Spec::optional("Spelt `type` in the schema."),
    }
}

crate::model! {
    /// A model that borrows its strings from the value.
    struct Borrowed<'v> {
        text: Attr<&'v str> => Spec::optional("Text, not copied."),
        texts: Attr<Vec<Attr<&'v str>>> => Spec::optional("Texts, not copied."),
    }
}

fn mount(host_path: &str, read_only: bool) -> Value {
    Value::object([
        ("host_path", Value::string(host_path)),
        ("read_only", Value::Bool(read_only)),
    ])
}

/// A configuration with a value in every argument, as Terraform would send it.
fn full() -> Value {
    Value::object([
        ("name", Value::string("n")),
        ("count", Value::number(3u64)),
        ("offset", Value::from(-2)),
        (
            "tags",
            Value::List(vec![Value::string("a"), Value::string("b")]),
        ),
        ("each_tag", Value::List(vec![Value::string("c")])),
        (
            "labels",
            Value::Map(BTreeMap::from([("k".to_string(), Value::string("v"))])),
        ),
        ("mount", mount("/var/run", false)),
        (
            "mounts",
            Value::List(vec![mount("/a", false), mount("/b", true)]),
        ),
        (
            "by_name",
            Value::Map(BTreeMap::from([("x".to_string(), mount("/x", true))])),
        ),
        ("id", Value::Null),
        ("region", Value::Null),
    ])
}

fn decoded(value: &Value) -> (Option<Config>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let config = decode_object::<Config>(value, &mut diags);
    (config, diags)
}

fn paths(diags: &Diagnostics) -> Vec<String> {
    diags
        .iter()
        .map(|d| d.path.as_ref().map(AttrPath::to_string).unwrap_or_default())
        .collect()
}

/// `value` with the part at `path` replaced.
fn replaced(value: &Value, path: &[PathStep], with: &Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return with.clone();
    };
    match (value, first) {
        (Value::Object(map), PathStep::Attribute(k)) | (Value::Map(map), PathStep::Key(k)) => {
            let mut map = map.clone();
            if let Some(v) = map.get_mut(k) {
                *v = replaced(v, rest, with);
            }
            match value {
                Value::Object(_) => Value::Object(map),
                _ => Value::Map(map),
            }
        }
        (Value::List(items), PathStep::Index(i)) => {
            let mut items = items.clone();
            if let Some(v) = items.get_mut(*i) {
                *v = replaced(v, rest, with);
            }
            Value::List(items)
        }
        _ => value.clone(),
    }
}

/// Every path inside `value`, the root excluded.
fn every_path(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    let children: Vec<(PathStep, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (PathStep::Attribute(k.clone()), v))
            .collect(),
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| (PathStep::Key(k.clone()), v))
            .collect(),
        Value::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (PathStep::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        prefix.push(step);
        out.push(prefix.clone());
        every_path(child, prefix, out);
        prefix.pop();
    }
}

#[test]
fn a_full_configuration_decodes_field_by_field() {
    let (config, diags) = decoded(&full());
    assert!(diags.is_empty(), "{diags:?}");
    let config = config.expect("valid");
    assert_eq!(config.name, Attr::Known("n".into()));
    assert_eq!(config.count, Attr::Known(3));
    assert_eq!(config.offset, Attr::Known(-2));
    assert_eq!(config.tags, Attr::Known(vec!["a".into(), "b".into()]));
    assert_eq!(config.each_tag, Attr::Known(vec![Attr::Known("c".into())]));
    assert_eq!(
        config.labels,
        Attr::Known(BTreeMap::from([("k".into(), "v".into())]))
    );
    let mounts = config.mounts.known().expect("known");
    assert_eq!(mounts[1].host_path, Attr::Known("/b".into()));
    assert_eq!(mounts[1].read_only, Attr::Known(true));
    assert_eq!(config.id, Attr::Null);
}

#[test]
fn names_are_constants_and_feed_the_schema() {
    assert_eq!(Config::each_tag, "each_tag");
    assert_eq!(Mount::host_path, "host_path");
    let attributes = Config::attributes();
    let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "name", "count", "offset", "tags", "each_tag", "labels", "mount", "mounts", "by_name",
            "id", "region"
        ]
    );
    let by_name = |name: &str| {
        attributes
            .iter()
            .find(|a| a.name == name)
            .expect("declared")
    };
    let nesting = |name: &str| match &by_name(name).kind {
        AttributeKind::Nested { nesting, .. } => Some(*nesting),
        AttributeKind::Plain(_) => None,
    };
    assert_eq!(nesting("mount"), Some(Nesting::Single));
    assert_eq!(nesting("mounts"), Some(Nesting::List));
    assert_eq!(nesting("by_name"), Some(Nesting::Map));
    assert_eq!(nesting("tags"), None);
    assert!(by_name("name").required && !by_name("name").optional);
    assert!(by_name("id").computed && !by_name("id").optional);
    let region = by_name("region");
    assert!(region.optional && region.computed);
    assert_eq!(region.description, "The region; defaults to here.");
    assert_eq!(by_name("count").value_type(), Type::Number);
    assert_eq!(
        Config::ty(),
        Block::new("", Config::attributes()).value_type()
    );
}

#[test]
fn wrong_values_are_reported_on_their_nested_path_all_at_once() {
    let value = replaced(
        &replaced(
            &replaced(
                &full(),
                &[
                    PathStep::Attribute("mounts".into()),
                    PathStep::Index(1),
                    PathStep::Attribute("read_only".into()),
                ],
                &Value::string("yes"),
            ),
            &[
                PathStep::Attribute("labels".into()),
                PathStep::Key("k".into()),
            ],
            &Value::from(1),
        ),
        &[PathStep::Attribute("count".into())],
        &Value::from(-1),
    );
    let (config, diags) = decoded(&value);
    assert!(config.is_none());
    assert_eq!(
        paths(&diags),
        ["count", "labels[\"k\"]", "mounts[1].read_only"]
    );
    let read_only = diags.iter().nth(2).expect("three errors");
    assert_eq!(read_only.summary, "mounts[1].read_only has the wrong type");
    assert!(
        read_only
            .detail
            .contains("must be a bool, but it is a string")
    );
    let count = diags.iter().next().expect("three errors");
    assert_eq!(count.summary, "count is out of range");
}

#[test]
fn unknown_anywhere_decodes_without_a_diagnostic() {
    let full = full();
    let mut all = Vec::new();
    every_path(&full, &mut Vec::new(), &mut all);
    assert!(all.len() > 20, "{}", all.len());
    for path in all {
        let (config, diags) = decoded(&replaced(&full, &path, &Value::Unknown));
        assert!(diags.is_empty(), "{path:?}: {diags:?}");
        assert!(config.is_some(), "{path:?}");
    }
    let mut diags = Diagnostics::new();
    assert_eq!(
        decode::<Config>(&Value::Unknown, &mut diags),
        Some(Attr::Unknown)
    );
}

#[test]
fn unknown_stays_where_an_attr_can_hold_it() {
    let at = |path: &[PathStep]| decoded(&replaced(&full(), path, &Value::Unknown)).0;
    let attr = |name: &str| PathStep::Attribute(name.into());
    // A plain list cannot hold an unknown element: the whole list is unknown.
    let config = at(&[attr("tags"), PathStep::Index(1)]).expect("decodes");
    assert_eq!(config.tags, Attr::Unknown);
    // A list of `Attr`s keeps it in place.
    let config = at(&[attr("each_tag"), PathStep::Index(0)]).expect("decodes");
    assert_eq!(config.each_tag, Attr::Known(vec![Attr::Unknown]));
    // An object's fields are `Attr`s: the object stays known.
    let config = at(&[attr("mount"), attr("read_only")]).expect("decodes");
    let mount = config.mount.known().expect("known");
    assert_eq!(mount.read_only, Attr::Unknown);
    assert_eq!(mount.host_path, Attr::Known("/var/run".into()));
    // An unknown object in a list makes the list unknown.
    let config = at(&[attr("mounts"), PathStep::Index(0)]).expect("decodes");
    assert_eq!(config.mounts, Attr::Unknown);
    let config = at(&[
        attr("by_name"),
        PathStep::Key("x".into()),
        attr("host_path"),
    ])
    .expect("decodes");
    let x = &config.by_name.known().expect("known")["x"];
    assert_eq!(x.host_path, Attr::Unknown);
}

#[test]
fn null_is_fine_except_as_a_collection_entry() {
    let full = full();
    let mut all = Vec::new();
    every_path(&full, &mut Vec::new(), &mut all);
    for path in all {
        let (config, diags) = decoded(&replaced(&full, &path, &Value::Null));
        let entry = matches!(path.last(), Some(PathStep::Index(_) | PathStep::Key(_)));
        if entry {
            assert!(config.is_none(), "{path:?}");
            assert_eq!(paths(&diags), [AttrPath(path.clone()).to_string()]);
        } else {
            assert!(diags.is_empty(), "{path:?}: {diags:?}");
            assert!(config.is_some(), "{path:?}");
        }
    }
    let (_, diags) = decoded(&replaced(
        &full,
        &[PathStep::Attribute("tags".into()), PathStep::Index(1)],
        &Value::Null,
    ));
    let d = diags.iter().next().expect("an error");
    assert_eq!(d.summary, "tags[1] is null");
    assert_eq!(
        d.detail,
        "Every entry of tags must be a string; remove the null entry."
    );
}

#[test]
fn a_decoder_placed_at_a_path_reports_below_it() {
    let mut diags = Diagnostics::new();
    let mut d = Decoder::at(AttrPath::attr("outer").index(2), &mut diags);
    let got = d.attribute::<Mount>(&Value::object([("m", Value::from(1))]), "m");
    assert_eq!(got, Err(Invalid));
    assert_eq!(paths(&diags), ["outer[2].m"]);
}

#[test]
fn borrowed_strings_are_not_copied() {
    let value = Value::object([
        ("text", Value::string("a long manifest")),
        (
            "texts",
            Value::List(vec![Value::string("x"), Value::Unknown]),
        ),
    ]);
    let mut diags = Diagnostics::new();
    let args: Borrowed<'_> = decode_object(&value, &mut diags).expect("valid");
    let original = value.get("text").and_then(Value::as_str).expect("a string");
    let text = args.text.known().expect("known");
    assert!(std::ptr::eq(*text, original));
    assert_eq!(
        args.texts,
        Attr::Known(vec![Attr::Known("x"), Attr::Unknown])
    );
}

#[test]
fn computed_values_are_written_and_nothing_else() {
    let (config, _) = decoded(&replaced(
        &full(),
        &[PathStep::Attribute("region".into())],
        &Value::string("eu"),
    ));
    let mut config = config.expect("valid");
    config.mark_computed_nulls_unknown();
    assert_eq!(config.id, Attr::Unknown);
    assert_eq!(config.region, Attr::Known("eu".into()));
    config.name = Attr::Known("not written".into());
    let mut planned = full();
    config.write_computed(&mut planned);
    assert_eq!(planned.get("id"), Some(&Value::Unknown));
    assert_eq!(planned.get("region"), Some(&Value::string("eu")));
    assert_eq!(planned.get("name"), Some(&Value::string("n")));
}

#[test]
fn encoding_gives_back_what_was_decoded() {
    let (config, _) = decoded(&full());
    assert_eq!(config.expect("valid").encode(), full());
    assert_eq!(Config::default().encode().get("name"), Some(&Value::Null));
}

#[test]
fn function_arguments_name_the_path_inside_them() {
    let arguments = [
        Value::string("5.11.0"),
        Value::List(vec![Value::string("a"), Value::Null]),
    ];
    assert_eq!(
        argument::<String>(&arguments, 0, "chart_version"),
        Ok("5.11.0".into())
    );
    let err = argument::<Vec<String>>(&arguments, 1, "values").expect_err("a null entry");
    assert_eq!(err.argument, Some(1));
    assert!(err.text.starts_with("values[1] is null: "), "{}", err.text);
    let err = argument::<String>(&arguments, 2, "missing").expect_err("no such argument");
    assert_eq!(err.argument, Some(2));
}

#[test]
fn a_raw_identifier_names_the_attribute_without_its_prefix() {
    assert_eq!(Keyword::r#type, "type");
    assert_eq!(field_name("r#type"), "type");
    assert_eq!(field_name("read_only"), "read_only");
    let names: Vec<String> = Keyword::attributes().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["type"]);
    let value = Value::Object(BTreeMap::from([(
        "type".to_string(),
        Value::string("string"),
    )]));
    let (keyword, diags) = {
        let mut diags = Diagnostics::new();
        let decoded = decode_object::<Keyword>(&value, &mut diags);
        (decoded, diags)
    };
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        keyword.map(|k| k.r#type),
        Some(Attr::Known("string".to_string()))
    );
    let mut object = Value::Object(BTreeMap::new());
    Keyword {
        r#type: Attr::Known("auto".into()),
    }
    .encode()
    .clone_into(&mut object);
    assert_eq!(object.get("type"), Some(&Value::string("auto")));
}

crate::model! {
    /// Models written as nested blocks.
    #[derive(Debug, PartialEq)]
    struct WithBlocks {
        name: Attr<String> => Spec::optional("A plain attribute."),
        mount: Attr<Mount> => Spec::required("One mount, as a block.").block(),
        extra: Attr<Mount> => Spec::optional("An optional mount block.").block(),
        rules: Attr<Vec<Mount>> => Spec::optional("Repeated blocks.").block(),
        tag: Attr<String> => Spec::optional("Not a model: stays an attribute.").block(),
    }
}

#[test]
fn block_specs_become_nested_blocks() {
    let names: Vec<String> = WithBlocks::attributes()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["name", "tag"]);
    let blocks = WithBlocks::blocks();
    let shape: Vec<(&str, Nesting, i64, i64)> = blocks
        .iter()
        .map(|b| (b.type_name.as_str(), b.nesting, b.min_items, b.max_items))
        .collect();
    assert_eq!(
        shape,
        [
            ("mount", Nesting::Single, 1, 1),
            ("extra", Nesting::Single, 0, 0),
            ("rules", Nesting::List, 0, 0),
        ]
    );
    assert_eq!(blocks[0].block.description, "One mount, as a block.");
    assert_eq!(blocks[0].block.attributes.len(), 2);
    // The value type is the same whether a field is a block or an attribute, so decoding
    // and stored state do not change with the syntax.
    assert_eq!(
        WithBlocks::schema_block("").value_type(),
        Type::object([
            ("name", Type::String),
            ("tag", Type::String),
            ("mount", Mount::ty()),
            ("extra", Mount::ty()),
            ("rules", Type::list(Mount::ty())),
        ])
    );
    let value = Value::object([
        ("name", Value::Null),
        ("tag", Value::Null),
        ("mount", mount("/m", true)),
        ("extra", Value::Null),
        ("rules", Value::List(vec![mount("/r", false)])),
    ]);
    let mut diags = Diagnostics::new();
    let decoded = decode_object::<WithBlocks>(&value, &mut diags).expect("decodes");
    assert!(diags.is_empty());
    assert_eq!(decoded.extra, Attr::Null);
    let Attr::Known(rules) = decoded.rules else {
        panic!("rules known")
    };
    assert_eq!(rules[0].host_path, Attr::Known("/r".to_string()));
}
