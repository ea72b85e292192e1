//! Reading user-supplied YAML (values files, manifests) into JSON-shaped documents.
//!
//! Helm and kubectl both turn YAML into JSON before they use it, so the rest of the core
//! works on `serde_json::Value`. Errors name the document (1-based) and the position, so a
//! user can find the bad line in the string they passed.
//!
//! Input that starts with `{` or `[` is read with `serde_json` first: `kubectl get -o json`
//! writes such files, and serde_json reads them an order of magnitude faster than the YAML
//! parser. What serde_json refuses is read again as YAML, since `{a: 1}` and several
//! JSON documents separated by `---` are YAML but not a JSON stream.
//!
//! [`visit_documents`] hands a caller each element of a top-level `items` list as soon as
//! it is read, so a `kind: List` of 100k objects never exists as one tree.

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

/// Why a YAML string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("YAML document {document}{}: {message}", .position.map(|(l, c)| format!(", line {l} column {c}")).unwrap_or_default())]
pub struct YamlError {
    /// 1-based index of the document within the string.
    pub document: usize,
    /// 1-based line and column, when the parser knows them.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// Parses every document of a (possibly multi-document) YAML or JSON string.
/// Empty documents (a lone `---`, or only comments) are skipped, as kubectl and Helm do.
pub fn parse_documents(input: &str) -> Result<Vec<Json>, YamlError> {
    let mut collect = Collect(Vec::new());
    read_stream(input, &mut collect)?;
    Ok(collect.0)
}

/// Receives the documents of a stream while it is read (see [`visit_documents`]).
pub trait DocumentVisitor {
    /// One element of the `items` list of a top-level mapping, in order. Whether that
    /// mapping is a `kind: List` is known only once it has been read (`kubectl -o json`
    /// writes `items` before `kind`), so the visitor decides in [`DocumentVisitor::document`]
    /// what the elements it was given count for.
    fn item(&mut self, document: usize, item: Json);

    /// A non-empty document, once read. When `items_streamed` is true, its top-level
    /// `items` list went element by element to [`DocumentVisitor::item`] and is absent
    /// from `value`.
    fn document(&mut self, document: usize, value: Json, items_streamed: bool);

    /// The input looked like JSON but is not, and is being read again from the start as
    /// YAML: whatever was handed over so far must be forgotten.
    fn restart(&mut self);

    /// The document being read repeats its `items` key. The later value replaces the
    /// earlier one, as in `serde_json::Value`, so the items handed over so far for this
    /// document must be forgotten.
    fn discard_items(&mut self, document: usize);
}

/// Reads every document of a YAML or JSON string into `visitor`, streaming the elements
/// of each top-level `items` list. Empty documents are skipped, as in [`parse_documents`].
pub fn visit_documents(input: &str, visitor: &mut impl DocumentVisitor) -> Result<(), YamlError> {
    read_stream(input, &mut Streaming(visitor))
}

/// What is done with each document of a stream; one implementation per public reader.
trait Sink {
    fn read<'de, D: Deserializer<'de>>(&mut self, number: usize, de: D) -> Result<(), D::Error>;
    fn restart(&mut self);
}

struct Collect(Vec<Json>);

impl Sink for Collect {
    fn read<'de, D: Deserializer<'de>>(&mut self, _: usize, de: D) -> Result<(), D::Error> {
        let value = Json::deserialize(de)?;
        if !value.is_null() {
            self.0.push(value);
        }
        Ok(())
    }

    fn restart(&mut self) {
        self.0.clear();
    }
}

struct Streaming<'v, V>(&'v mut V);

impl<V: DocumentVisitor> Sink for Streaming<'_, V> {
    fn read<'de, D: Deserializer<'de>>(&mut self, number: usize, de: D) -> Result<(), D::Error> {
        let seed = Node {
            number,
            visitor: &mut *self.0,
            role: Role::Document,
        };
        match seed.deserialize(de)? {
            Read::Value(Json::Null) | Read::Streamed => {}
            Read::Value(value) => self.0.document(number, value, false),
            Read::Object(map, streamed) => self.0.document(number, Json::Object(map), streamed),
        }
        Ok(())
    }

    fn restart(&mut self) {
        self.0.restart();
    }
}

fn read_stream(input: &str, sink: &mut impl Sink) -> Result<(), YamlError> {
    // A byte-order mark and CRLF line ends come from editors on other systems; both are
    // harmless and YAML allows them, but strip the BOM so positions stay honest.
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first = input
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if !matches!(first, Some(b'{' | b'[')) {
        return read_yaml(input, sink);
    }
    let Err(json_error) = read_json(input, sink) else {
        return Ok(());
    };
    sink.restart();
    match read_yaml(input, sink) {
        Ok(()) => Ok(()),
        // Both refused it: the parser that got further understood more of the input, so
        // its message is the more useful one.
        Err(yaml_error) if yaml_error.position > json_error.position => Err(yaml_error),
        Err(_) => Err(json_error),
    }
}

fn read_yaml(input: &str, sink: &mut impl Sink) -> Result<(), YamlError> {
    for (index, de) in serde_yaml_ng::Deserializer::from_str(input).enumerate() {
        sink.read(index + 1, de).map_err(|e| YamlError {
            document: index + 1,
            position: e.location().map(|l| (l.line(), l.column())),
            message: strip_location(&e.to_string()),
        })?;
    }
    Ok(())
}

/// A stream of concatenated JSON values, each one document.
fn read_json(input: &str, sink: &mut impl Sink) -> Result<(), YamlError> {
    let mut de = serde_json::Deserializer::from_str(input);
    let mut number = 0;
    // `end` fails exactly when something other than whitespace is left.
    while de.end().is_err() {
        number += 1;
        sink.read(number, &mut de).map_err(|e| YamlError {
            document: number,
            position: (e.line() > 0).then(|| (e.line(), e.column())),
            message: strip_location(&e.to_string()),
        })?;
    }
    Ok(())
}

/// serde_yaml_ng and serde_json append " at line L column C" to their messages; the
/// position is reported separately, so drop it from the text.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Where in a document a value sits, which decides what a list or a mapping becomes.
#[derive(Clone, Copy)]
enum Role {
    /// The document itself: a mapping is read key by key so `items` can be streamed.
    Document,
    /// The value of a document's `items`: a list is streamed.
    Items,
}

enum Read {
    /// A value read whole.
    Value(Json),
    /// A document mapping; `true` when its `items` was streamed and left out.
    Object(Map<String, Json>, bool),
    /// A list whose elements went to the visitor.
    Streamed,
}

/// Reads one value in `role`. Anything it does not stream is built exactly as
/// `serde_json::Value`'s own `Deserialize` would build it, by handing the same input back
/// to it, so streamed and collected documents cannot disagree.
struct Node<'v, V> {
    number: usize,
    visitor: &'v mut V,
    role: Role,
}

impl<'de, V: DocumentVisitor> DeserializeSeed<'de> for Node<'_, V> {
    type Value = Read;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Read, D::Error> {
        de.deserialize_any(self)
    }
}

fn whole<'de, D: Deserializer<'de>>(de: D) -> Result<Read, D::Error> {
    Json::deserialize(de).map(Read::Value)
}

impl<'de, V: DocumentVisitor> Visitor<'de> for Node<'_, V> {
    type Value = Read;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        if matches!(self.role, Role::Items) {
            return whole(MapAccessDeserializer::new(map));
        }
        let mut out = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            if key != "items" {
                let value = map.next_value::<Json>()?;
                out.insert(key, value);
                continue;
            }
            // A repeated key replaces the earlier value, as in `serde_json::Value`; items
            // already streamed cannot be taken back here, so the visitor drops them.
            if streamed {
                self.visitor.discard_items(self.number);
            }
            let seed = Node {
                number: self.number,
                visitor: &mut *self.visitor,
                role: Role::Items,
            };
            match map.next_value_seed(seed)? {
                Read::Streamed => {
                    out.remove("items");
                    streamed = true;
                }
                Read::Value(value) => {
                    out.insert(key, value);
                    streamed = false;
                }
                Read::Object(inner, _) => {
                    out.insert(key, Json::Object(inner));
                    streamed = false;
                }
            }
        }
        Ok(Read::Object(out, streamed))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        if matches!(self.role, Role::Document) {
            return whole(SeqAccessDeserializer::new(seq));
        }
        while let Some(item) = seq.next_element::<Json>()? {
            self.visitor.item(self.number, item);
        }
        Ok(Read::Streamed)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Read, E> {
        whole(v.into_deserializer())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Read, E> {
        Ok(Read::Value(Json::Null))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Read, E> {
        Ok(Read::Value(Json::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Read, D::Error> {
        whole(de)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_several_documents_and_skips_empty_ones() {
        let docs = parse_documents("a: 1\n---\n---\n# only a comment\n---\nb: [x]\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": ["x"]})]);
    }

    #[test]
    fn reads_json_and_bom_and_crlf() {
        let docs = parse_documents("\u{feff}{\"a\": {\"b\": true}}").unwrap();
        assert_eq!(docs, vec![json!({"a": {"b": true}})]);
        let docs = parse_documents("a: 1\r\nb: two\r\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1, "b": "two"})]);
    }

    #[test]
    fn names_the_document_and_position_of_an_error() {
        let err = parse_documents("a: 1\n---\nb: [unclosed\n").unwrap_err();
        assert_eq!(err.document, 2);
        assert!(err.position.is_some());
        assert!(
            err.to_string().starts_with("YAML document 2, line"),
            "{err}"
        );
    }

    #[test]
    fn refuses_alias_bombs() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='k' {
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        assert!(parse_documents(&bomb).is_err());
    }

    #[test]
    fn reads_a_stream_of_concatenated_json_values() {
        let docs = parse_documents(" \n{\"a\": 1}{\"b\": [2]}\n[3]\nnull\n{}").unwrap();
        assert_eq!(
            docs,
            vec![json!({"a": 1}), json!({"b": [2]}), json!([3]), json!({})]
        );
    }

    #[test]
    fn names_the_json_document_line_and_column_of_an_error() {
        let err = parse_documents("{\"a\": 1}\n{\"b\": 2,\n  \"c\": }\n").unwrap_err();
        assert_eq!(err.document, 2);
        assert_eq!(err.position, Some((3, 8)));
        assert_eq!(err.message, "expected value");
        assert_eq!(
            err.to_string(),
            "YAML document 2, line 3 column 8: expected value"
        );
    }

    #[test]
    fn json_after_a_byte_order_mark_keeps_its_positions() {
        let err = parse_documents("\u{feff}[1,\n 2,,]").unwrap_err();
        assert_eq!((err.document, err.position), (1, Some((2, 4))), "{err}");
        let docs = parse_documents("\u{feff}\r\n[1, 2]\r\n").unwrap();
        assert_eq!(docs, vec![json!([1, 2])]);
    }

    #[test]
    fn flow_style_yaml_that_is_not_json_is_still_read() {
        let docs = parse_documents("{a: 1, b: [x, y]}").unwrap();
        assert_eq!(docs, vec![json!({"a": 1, "b": ["x", "y"]})]);
        let docs = parse_documents("{\"a\": 1}\n---\n{\"b\": 2}\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
    }

    /// Records what a visitor is handed, in order.
    #[derive(Default)]
    struct Record(Vec<String>);

    impl DocumentVisitor for Record {
        fn item(&mut self, document: usize, item: Json) {
            self.0.push(format!("item {document} {item}"));
        }
        fn document(&mut self, document: usize, value: Json, items_streamed: bool) {
            self.0
                .push(format!("doc {document} {value} {items_streamed}"));
        }
        fn restart(&mut self) {
            self.0.push("restart".to_string());
        }
        fn discard_items(&mut self, document: usize) {
            self.0.push(format!("discard {document}"));
        }
    }

    fn visit(input: &str) -> Vec<String> {
        let mut record = Record::default();
        visit_documents(input, &mut record).unwrap();
        record.0
    }

    #[test]
    fn streams_top_level_items_in_json_and_yaml_alike() {
        let expected = vec![
            "item 1 {\"a\":1}",
            "item 1 2",
            "doc 1 {\"kind\":\"List\"} true",
            "doc 2 {\"items\":{\"x\":[1]},\"kind\":\"Pod\"} false",
            "doc 3 [{\"items\":[1]}] false",
        ];
        assert_eq!(
            visit(
                "{\"items\": [{\"a\": 1}, 2], \"kind\": \"List\"}{\"kind\": \"Pod\", \"items\": {\"x\": [1]}}[{\"items\": [1]}]"
            ),
            expected
        );
        assert_eq!(
            visit(
                "items: [{a: 1}, 2]\nkind: List\n---\nkind: Pod\nitems: {x: [1]}\n---\n- items: [1]\n---\n"
            ),
            expected
        );
    }

    #[test]
    fn a_repeated_items_key_keeps_the_last_value() {
        assert_eq!(
            visit("items: [1]\nitems: null\n"),
            vec!["item 1 1", "discard 1", "doc 1 {\"items\":null} false"]
        );
        assert_eq!(
            visit("items: 0\nitems: [2]\n"),
            vec!["item 1 2", "doc 1 {} true"]
        );
    }

    // Found by the pdb_inventory fuzz target: the items of both lists were kept.
    #[test]
    fn a_repeated_streamed_items_key_discards_the_earlier_items() {
        assert_eq!(
            visit("kind: List\nitems: [1]\nitems: [2, 3]\n"),
            vec![
                "item 1 1",
                "discard 1",
                "item 1 2",
                "item 1 3",
                "doc 1 {\"kind\":\"List\"} true"
            ]
        );
        assert_eq!(
            visit("{\"items\": [1], \"items\": [2]}"),
            vec!["item 1 1", "discard 1", "item 1 2", "doc 1 {} true"]
        );
    }

    #[test]
    fn a_visitor_is_told_to_forget_a_json_attempt_that_failed() {
        assert_eq!(
            visit("{\"items\": [1]}\n---\n{b: 2}\n"),
            vec![
                "item 1 1",
                "doc 1 {} true",
                "restart",
                "item 1 1",
                "doc 1 {} true",
                "doc 2 {\"b\":2} false"
            ]
        );
    }
}
