//! Label selectors written as text (`app=web,tier in (a,b),!canary`), as kured's
//! `--drain-pod-selector` and `--blocking-pod-selector` take them and apimachinery's
//! `labels.Parse` reads them. The result is the same [`LabelSelector`] budgets use, so one
//! matcher serves both.

use crate::k8s::selector::{LabelSelector, Operator, Requirement};

/// Why a selector text cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a label selector: {reason}")]
pub struct QueryError {
    /// The text given.
    pub input: String,
    /// What is wrong, and how to write it.
    pub reason: String,
}

/// Parses selector text; an empty text selects everything, as in `labels.Parse`.
pub fn parse(input: &str) -> Result<LabelSelector, QueryError> {
    let fail = |reason: String| QueryError {
        input: input.to_string(),
        reason,
    };
    let mut selector = LabelSelector::default();
    for part in split_top_level(input).map_err(&fail)? {
        let part = part.trim();
        if part.is_empty() {
            if input.trim().is_empty() {
                continue;
            }
            return Err(fail("it has an empty requirement between commas".into()));
        }
        selector
            .match_expressions
            .push(requirement(part).map_err(&fail)?);
    }
    selector
        .validate()
        .map_err(|e| fail(e.to_string()))
        .map(|()| selector)
}

/// Splits at commas outside parentheses.
fn split_top_level(input: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| "it closes a parenthesis it never opened".to_string())?;
            }
            ',' if depth == 0 => {
                parts.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a parenthesis is never closed".into());
    }
    parts.push(&input[start..]);
    Ok(parts)
}

fn requirement(part: &str) -> Result<Requirement, String> {
    let single = |key: &str, operator, value: Option<&str>| Requirement {
        key: key.trim().to_string(),
        operator,
        values: value
            .map(|v| vec![v.trim().to_string()])
            .unwrap_or_default(),
    };
    if let Some(key) = part.strip_prefix('!') {
        return Ok(single(key, Operator::DoesNotExist, None));
    }
    if let Some(open) = part.find('(') {
        let head: Vec<&str> = part[..open].split_whitespace().collect();
        let Some(inner) = part[open + 1..].strip_suffix(')') else {
            return Err(format!("{part:?} has text after its closing parenthesis"));
        };
        let operator = match head.as_slice() {
            [_, "in"] => Operator::In,
            [_, "notin"] => Operator::NotIn,
            _ => {
                return Err(format!(
                    "{part:?} should read `key in (a,b)` or `key notin (a,b)`"
                ));
            }
        };
        let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
        if inner.trim().is_empty() {
            return Err(format!("{part:?} lists no value between its parentheses"));
        }
        return Ok(Requirement {
            key: head[0].to_string(),
            operator,
            values,
        });
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(single(key, Operator::NotIn, Some(value)));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(single(key, Operator::In, Some(value)));
    }
    if part.contains(['<', '>']) {
        return Err(format!(
            "{part:?} compares numbers (`>`/`<`), which pods' label selectors in kured do not use; write the values out with `in (...)`"
        ));
    }
    if part.contains(char::is_whitespace) {
        return Err(format!(
            "{part:?} is neither `key`, `!key`, `key=value`, `key!=value` nor `key in (...)`"
        ));
    }
    Ok(single(part, Operator::Exists, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::text::Labels;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    #[test]
    fn reads_every_operator_and_matches_as_kubernetes_does() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let db = labels(&[("app", "db")]);
        // (selector, matches web, matches db)
        let cases = [
            ("", true, true),
            ("app=web", true, false),
            ("app==web", true, false),
            ("app!=web", false, true),
            ("tier", true, false),
            ("!tier", false, true),
            ("app in (web, db)", true, true),
            ("app notin (web)", false, true),
            ("app=web,tier=front", true, false),
            (" app = db ", false, true),
        ];
        for (text, on_web, on_db) in cases {
            let s = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((s.matches(&web), s.matches(&db)), (on_web, on_db), "{text}");
        }
    }

    #[test]
    fn names_what_is_wrong() {
        for (text, needle) in [
            ("app in (a", "never closed"),
            ("app in ()", "no value"),
            ("app=web,,x", "empty requirement"),
            ("a b", "neither"),
            ("n>3", "compares numbers"),
            ("app=web!", "not a valid label value"),
            ("app oneof (a)", "should read"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
