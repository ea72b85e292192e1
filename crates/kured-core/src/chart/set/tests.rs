//! Helm's `--set` rules, one case per rule, checked against the trees Helm's own parser
//! builds for the same lines (helm/helm `pkg/strvals`, as the helm provider calls it).

use serde_json::{Map, Value as Json, json};

use super::*;

fn entry(attribute: SetAttribute, index: usize, name: &str, value: SetValue) -> SetEntry {
    SetEntry {
        attribute,
        index,
        name: name.to_string(),
        value,
        kind: SetType::Auto,
    }
}

fn set(name: &str, value: &str) -> SetEntry {
    entry(
        SetAttribute::Set,
        0,
        name,
        SetValue::Text(value.to_string()),
    )
}

fn typed(name: &str, value: &str, kind: SetType) -> SetEntry {
    SetEntry {
        kind,
        ..set(name, value)
    }
}

fn object(value: Json) -> Map<String, Json> {
    match value {
        Json::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Applies `entries` to `before` and returns the tree.
fn applied(before: Json, entries: &[SetEntry]) -> Result<Json, SetError> {
    let mut values = object(before);
    apply_all(&mut values, entries)?;
    Ok(Json::Object(values))
}

#[test]
fn dotted_names_build_maps_and_merge_into_existing_ones() {
    let got = applied(
        json!({"configuration": {"period": "1h"}}),
        &[set("configuration.rebootSentinel", "/var/run/gated")],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"configuration": {"period": "1h", "rebootSentinel": "/var/run/gated"}})
    );
}

#[test]
fn values_are_typed_as_helm_types_them() {
    // (value, what --set makes of it)
    let cases = [
        ("true", json!(true)),
        ("FALSE", json!(false)),
        ("True", json!(true)),
        ("null", Json::Null),
        ("NULL", Json::Null),
        ("0", json!(0)),
        ("42", json!(42)),
        ("-7", json!(-7)),
        ("+7", json!(7)),
        ("007", json!("007")),
        ("1.5", json!("1.5")),
        ("1e3", json!("1e3")),
        ("9223372036854775808", json!("9223372036854775808")),
        ("30m", json!("30m")),
        ("", json!("")),
        ("yes", json!("yes")),
    ];
    for (value, want) in cases {
        let got = applied(json!({}), &[set("a", value)]).unwrap();
        assert_eq!(got, json!({ "a": want }), "value {value:?}");
    }
}

#[test]
fn type_string_keeps_every_value_a_string() {
    for value in ["true", "null", "42", "0"] {
        let got = applied(json!({}), &[typed("a.b", value, SetType::String)]).unwrap();
        assert_eq!(got, json!({"a": {"b": value}}), "value {value:?}");
    }
    let list = applied(json!({}), &[typed("a", "{1,true}", SetType::String)]).unwrap();
    assert_eq!(list, json!({"a": ["1", "true"]}));
}

#[test]
fn escaped_dots_and_commas_stay_in_the_key_or_value() {
    let got = applied(
        json!({}),
        &[set(r"podAnnotations.example\.com/owner", r"team-a\,team-b")],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"podAnnotations": {"example.com/owner": "team-a,team-b"}})
    );
}

#[test]
fn list_indices_grow_the_list_with_nulls_and_reach_into_elements() {
    let got = applied(
        json!({"volumes": [{"name": "keep", "hostPath": {"path": "/x"}}]}),
        &[
            set("volumes[0].hostPath.path", "/var/run"),
            set("volumes[2].name", "third"),
            set("extraArgs.list[1]", "b"),
            set("matrix[1][0]", "x"),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "volumes": [
                {"name": "keep", "hostPath": {"path": "/var/run"}},
                null,
                {"name": "third"}
            ],
            "extraArgs": {"list": [null, "b"]},
            "matrix": [null, ["x"]]
        })
    );
}

#[test]
fn braces_make_a_list_and_an_empty_pair_a_list_of_one_empty_string() {
    let got = applied(
        json!({}),
        &[
            set("configuration.rebootDays", "{mo,tu,3}"),
            set("empty", "{}"),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"configuration": {"rebootDays": ["mo", "tu", 3]}, "empty": [""]})
    );
}

#[test]
fn set_list_joins_its_strings_into_one_typed_list() {
    let list = entry(
        SetAttribute::SetList,
        0,
        "configuration.rebootDays",
        SetValue::List(vec!["mo".into(), "true".into(), "".into()]),
    );
    let got = applied(json!({}), &[list]).unwrap();
    assert_eq!(
        got,
        json!({"configuration": {"rebootDays": ["mo", true, ""]}})
    );
}

#[test]
fn a_comma_in_the_value_starts_another_assignment() {
    let got = applied(json!({}), &[set("a", "1,b=2")]).unwrap();
    assert_eq!(got, json!({"a": 1, "b": 2}));
}

#[test]
fn null_replaces_the_value_so_the_merge_removes_the_key() {
    let got = applied(
        json!({"configuration": {"drainTimeout": "30m"}}),
        &[set("configuration.drainTimeout", "null")],
    )
    .unwrap();
    assert_eq!(got, json!({"configuration": {"drainTimeout": null}}));
}

#[test]
fn an_empty_key_sets_nothing() {
    let got = applied(json!({"a": 1}), &[set("", "x"), set(".b", "y")]).unwrap();
    assert_eq!(got, json!({"a": 1}));
}

#[test]
fn entries_apply_set_then_set_list_then_set_sensitive_whatever_their_order() {
    let entries = [
        entry(
            SetAttribute::SetSensitive,
            0,
            "k",
            SetValue::Text("sensitive".into()),
        ),
        entry(
            SetAttribute::SetList,
            0,
            "k",
            SetValue::List(vec!["l".into()]),
        ),
        entry(SetAttribute::Set, 1, "k", SetValue::Text("second".into())),
        entry(SetAttribute::Set, 0, "k", SetValue::Text("first".into())),
    ];
    let order: Vec<String> = in_helm_order(&entries).iter().map(|e| e.label()).collect();
    assert_eq!(
        order,
        ["set[0]", "set[1]", "set_list[0]", "set_sensitive[0]"]
    );
    assert_eq!(
        applied(json!({}), &entries).unwrap(),
        json!({"k": "sensitive"})
    );
}

#[test]
fn literal_parses_yaml_under_the_name_as_written() {
    let got = applied(
        json!({"configuration": {"period": "1h"}}),
        &[
            typed("configuration", "{drainTimeout: 30m}", SetType::Literal),
            typed("configuration.rebootSentinel", "/x", SetType::Literal),
        ],
    )
    .unwrap();
    // The map replaces the earlier one, and the dotted name is one top-level key.
    assert_eq!(
        got,
        json!({
            "configuration": {"drainTimeout": "30m"},
            "configuration.rebootSentinel": "/x"
        })
    );
}

#[test]
fn types_are_read_as_the_helm_provider_reads_them() {
    assert_eq!(SetType::parse(""), Some(SetType::Auto));
    assert_eq!(SetType::parse("auto"), Some(SetType::Auto));
    assert_eq!(SetType::parse("string"), Some(SetType::String));
    assert_eq!(SetType::parse("literal"), Some(SetType::Literal));
    assert_eq!(SetType::parse("String"), None);
    assert_eq!(SetType::parse("bool"), None);
}

/// The problem and the part it is blamed on, for an entry applied to `before`.
fn refused(before: Json, entry: SetEntry) -> (SetPart, SetProblem) {
    match applied(before, &[entry]) {
        Ok(tree) => panic!("accepted: {tree}"),
        Err(e) => (e.part, e.problem),
    }
}

#[test]
fn malformed_names_are_refused_on_the_name() {
    let cases = [
        ("a[x]", SetProblem::BadIndex { text: "x".into() }),
        ("a[]", SetProblem::BadIndex { text: "".into() }),
        ("a[0", SetProblem::BadIndex { text: "0=v".into() }),
        ("a[-1]", SetProblem::NegativeIndex { index: -1 }),
        ("a[70000]", SetProblem::IndexTooLarge { index: 70_000 }),
        ("a[0]b", SetProblem::AfterIndex { text: "b".into() }),
        ("a.", SetProblem::EmptyKey { key: "a".into() }),
        ("a,b", SetProblem::EndsAtComma { key: "a".into() }),
    ];
    for (name, want) in cases {
        let (part, problem) = refused(json!({}), set(name, "v"));
        assert_eq!((part, &problem), (SetPart::Name, &want), "name {name:?}");
    }
    let deep = vec!["k"; 32].join(".");
    assert_eq!(
        refused(json!({}), set(&deep, "v")),
        (SetPart::Name, SetProblem::TooDeep)
    );
}

#[test]
fn names_that_clash_with_the_values_before_them_are_refused() {
    assert_eq!(
        refused(
            json!({"configuration": "x"}),
            set("configuration.period", "1h")
        ),
        (
            SetPart::Name,
            SetProblem::NotAMap {
                key: "configuration".into(),
                found: "the string \"x\"".into()
            }
        )
    );
    assert_eq!(
        refused(json!({"volumes": {"a": 1}}), set("volumes[0].name", "x")),
        (
            SetPart::Name,
            SetProblem::NotAList {
                key: "volumes".into(),
                found: "a map".into()
            }
        )
    );
    // A key nulled by an earlier document is not a map either.
    assert_eq!(
        refused(
            json!({"configuration": null}),
            set("configuration.period", "1h")
        )
        .1,
        SetProblem::NotAMap {
            key: "configuration".into(),
            found: "null".into()
        }
    );
}

#[test]
fn malformed_values_are_refused_on_the_value() {
    assert_eq!(
        refused(json!({}), set("a", "x,y")),
        (SetPart::Value, SetProblem::NoValue { key: "y".into() })
    );
    assert_eq!(
        refused(json!({}), set("a", "{x,y")),
        (SetPart::Value, SetProblem::UnclosedList)
    );
    assert_eq!(
        refused(json!({}), typed("a", "[unclosed", SetType::Literal)).0,
        SetPart::Value
    );
}

#[test]
fn errors_name_the_entry_and_never_show_a_sensitive_value() {
    let secret = "hunter2,tail";
    let mut sensitive = entry(
        SetAttribute::SetSensitive,
        3,
        "configuration.slackHookUrl",
        SetValue::Text(secret.into()),
    );
    let err = applied(json!({}), std::slice::from_ref(&sensitive)).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.path(), "set_sensitive[3].value");
    assert!(text.starts_with("set_sensitive[3].value: "), "{text}");
    assert!(
        !text.contains("tail") && !text.contains("hunter2"),
        "{text}"
    );
    assert!(!format!("{sensitive:?}").contains("hunter2"));

    sensitive.kind = SetType::Literal;
    sensitive.value = SetValue::Text("[hunter2".into());
    let text = applied(json!({}), &[sensitive]).unwrap_err().to_string();
    assert!(!text.contains("hunter2"), "{text}");

    // A name ending in a backslash escapes the `=`, so the key Helm reads runs on into
    // the value: nothing of it shows either.
    let escaped = entry(
        SetAttribute::SetSensitive,
        0,
        r"a[0\",
        SetValue::Text("hunter2".into()),
    );
    let err = applied(json!({}), &[escaped]).unwrap_err();
    assert_eq!(err.part, SetPart::Name);
    assert!(!err.to_string().contains("hunter2"), "{err}");

    // A plain `set` shows what Helm stopped at.
    let text = applied(json!({}), &[set("a", "x,tail")])
        .unwrap_err()
        .to_string();
    assert!(text.contains("\"tail\""), "{text}");
}

#[test]
fn what_an_entry_writes_is_its_own_document() {
    assert_eq!(
        Json::Object(written(&set("configuration.drainTimeout", "30m"))),
        json!({"configuration": {"drainTimeout": "30m"}})
    );
    assert!(written(&set("a[x]", "1")).is_empty());
}

#[test]
fn entries_without_effect_are_noted() {
    let literal = typed("configuration.rebootSentinel", "/x", SetType::Literal);
    let got = note(&literal).unwrap();
    assert_eq!((got.attribute, got.index), (SetAttribute::Set, 0));
    assert!(
        got.message.starts_with("set[0] has type \"literal\""),
        "{}",
        got.message
    );
    for name in ["", ".a", "a."] {
        let got = note(&set(name, "x")).unwrap();
        assert!(
            got.message.starts_with("set[0] sets nothing"),
            "{name:?}: {}",
            got.message
        );
    }
    assert_eq!(note(&set("configuration.period", "1h")), None);
    assert_eq!(
        note(&typed("configuration", "{period: 1h}", SetType::Literal)),
        None
    );
}
