//! Reading user-supplied YAML (values files, manifests) into JSON-shaped documents.
//!
//! Helm and kubectl both turn YAML into JSON before they use it, so the rest of the core
//! works on `serde_json::Value`. Errors name the document (1-based) and the position, so a
//! user can find the bad line in the string they passed.

use serde::Deserialize;
use serde_json::Value as Json;

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
    // A byte-order mark and CRLF line ends come from editors on other systems; both are
    // harmless and YAML allows them, but strip the BOM so positions stay honest.
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut docs = Vec::new();
    for (index, de) in serde_yaml_ng::Deserializer::from_str(input).enumerate() {
        let value = Json::deserialize(de).map_err(|e| YamlError {
            document: index + 1,
            position: e.location().map(|l| (l.line(), l.column())),
            message: strip_location(&e.to_string()),
        })?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// serde_yaml_ng appends " at line L column C" to its messages; the position is reported
/// separately, so drop it from the text.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
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
}
