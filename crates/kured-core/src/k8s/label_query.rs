//! Label selectors written as text (`app=web,tier in (a,b),!canary`), read as
//! apimachinery's `labels.Parse` reads them: the form of `kubectl -l`, of a list
//! request's `labelSelector`, and of kured's `--drain-pod-selector` (parsed by kubectl's
//! drain helper) and `--blocking-pod-selector` (sent to the API server).
//!
//! The grammar, as the parser accepts it: requirements separated by `,`; each is `key`
//! (exists), `!key` (does not exist), `key=value`, `key==value`, `key!=value`,
//! `key in (v1,v2)`, `key notin (v1,v2)`, `key>n` or `key<n`. Whitespace (space, tab,
//! CR, LF) separates tokens; `in` and `notin` are keywords only where an operator is
//! expected. Keys must be qualified names and values label values, as in
//! [`super::selector`]; `>`/`<` take a base-10 integer. The empty text selects
//! everything.

use std::fmt;

use super::selector::{SelectorError, check_key, check_value};
use crate::base::strconv::{IntSyntax, parse_int};
use crate::base::text::Labels;

/// How a requirement compares a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryOperator {
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key=value`.
    Equals,
    /// `key==value`, the same as `=`.
    DoubleEquals,
    /// `key!=value`: absent, or another value.
    NotEquals,
    /// `key in (a,b)`.
    In,
    /// `key notin (a,b)`: absent, or a value outside the set.
    NotIn,
    /// `key>n`: present with an integer value above `n`.
    GreaterThan,
    /// `key<n`: present with an integer value below `n`.
    LessThan,
}

impl QueryOperator {
    /// The operator as written between key and value (`" in "` for set operators).
    fn infix(self) -> &'static str {
        match self {
            QueryOperator::Exists | QueryOperator::DoesNotExist => "",
            QueryOperator::Equals => "=",
            QueryOperator::DoubleEquals => "==",
            QueryOperator::NotEquals => "!=",
            QueryOperator::In => " in ",
            QueryOperator::NotIn => " notin ",
            QueryOperator::GreaterThan => ">",
            QueryOperator::LessThan => "<",
        }
    }
}

/// One requirement of a [`LabelQuery`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRequirement {
    /// The label key.
    pub key: String,
    /// The comparison.
    pub operator: QueryOperator,
    /// The values, sorted and without duplicates; one for the exact and numeric
    /// operators, none for exists and does-not-exist.
    pub values: Vec<String>,
}

impl QueryRequirement {
    /// Whether labels satisfy the requirement, as apimachinery's `Requirement.Matches`.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            QueryOperator::In | QueryOperator::Equals | QueryOperator::DoubleEquals => {
                value.is_some_and(|v| listed(v))
            }
            QueryOperator::NotIn | QueryOperator::NotEquals => value.is_none_or(|v| !listed(v)),
            QueryOperator::Exists => value.is_some(),
            QueryOperator::DoesNotExist => value.is_none(),
            QueryOperator::GreaterThan | QueryOperator::LessThan => {
                let (Some(value), [bound]) = (value, self.values.as_slice()) else {
                    return false;
                };
                let (Ok(have), Ok(bound)) = (
                    parse_int(value, IntSyntax::Decimal),
                    parse_int(bound, IntSyntax::Decimal),
                ) else {
                    return false;
                };
                if self.operator == QueryOperator::GreaterThan {
                    have > bound
                } else {
                    have < bound
                }
            }
        }
    }
}

/// A label selector read from text. No requirement selects everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelQuery {
    /// The requirements, sorted by key (stably, as Go sorts them); all must hold.
    pub requirements: Vec<QueryRequirement>,
}

/// Why a selector text is refused: kubectl's drain fails on it, and the API server
/// answers a list request carrying it with an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelQueryError {
    /// A token where the grammar expects something else.
    #[error("found {found}, expected {expected}")]
    Unexpected {
        /// The token found, quoted, or `the end of the text`.
        found: String,
        /// What would have been accepted there.
        expected: &'static str,
    },
    /// A key that is not a qualified name, or a value that is not a label value.
    #[error(transparent)]
    Invalid(SelectorError),
    /// `>` or `<` with a value that is not a base-10 integer.
    #[error("{key}{operator}{value}: the value of > and < must be a base-10 integer")]
    NotAnInteger {
        /// The requirement's key.
        key: String,
        /// `>` or `<`.
        operator: &'static str,
        /// The value given.
        value: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    End,
    ClosedPar,
    Comma,
    Not,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn symbol(text: &str) -> Option<Token> {
    Some(match text {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::Not,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

/// Splits the text into tokens as apimachinery's lexer does. It reads bytes and stops at
/// a NUL byte as at the end; an operator is the longest run of symbol bytes that is one.
fn lex(text: &str) -> Vec<(Token, &str)> {
    let bytes = text.as_bytes();
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let mut tokens = Vec::new();
    let mut i = 0;
    loop {
        while i < end && is_whitespace(bytes[i]) {
            i += 1;
        }
        if i >= end {
            tokens.push((Token::End, ""));
            return tokens;
        }
        let start = i;
        if is_special(bytes[i]) {
            let two = text.get(i..i + 2).filter(|_| i + 2 <= end);
            match two.and_then(symbol) {
                Some(token) => {
                    i += 2;
                    tokens.push((token, &text[start..i]));
                }
                None => {
                    i += 1;
                    let one = &text[start..i];
                    tokens.push((symbol(one).unwrap_or(Token::Identifier), one));
                }
            }
        } else {
            while i < end && !is_special(bytes[i]) && !is_whitespace(bytes[i]) {
                i += 1;
            }
            // Symbols and whitespace are ASCII, so `start..i` lies on character bounds.
            let word = &text[start..i];
            tokens.push((symbol(word).unwrap_or(Token::Identifier), word));
        }
    }
}

/// Where keywords count: `in`/`notin` are identifiers wherever a value may stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser<'a> {
    tokens: Vec<(Token, &'a str)>,
    position: usize,
}

fn unexpected(found: &str, expected: &'static str) -> LabelQueryError {
    LabelQueryError::Unexpected {
        found: if found.is_empty() {
            "the end of the text".to_string()
        } else {
            format!("{found:?}")
        },
        expected,
    }
}

impl<'a> Parser<'a> {
    fn look(&self, context: Context) -> (Token, &'a str) {
        let (token, text) = self
            .tokens
            .get(self.position)
            .copied()
            .unwrap_or((Token::End, ""));
        match token {
            Token::In | Token::NotIn if context == Context::Values => (Token::Identifier, text),
            _ => (token, text),
        }
    }

    fn take(&mut self, context: Context) -> (Token, &'a str) {
        let item = self.look(context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<QueryRequirement>, LabelQueryError> {
        let mut requirements = Vec::new();
        loop {
            match self.look(Context::Values) {
                (Token::Identifier | Token::Not, _) => {
                    requirements.push(self.requirement()?);
                    match self.take(Context::Values) {
                        (Token::End, _) => return Ok(requirements),
                        (Token::Comma, _) => {
                            let (next, text) = self.look(Context::Values);
                            if !matches!(next, Token::Identifier | Token::Not) {
                                return Err(unexpected(text, "a key after ','"));
                            }
                        }
                        (_, text) => return Err(unexpected(text, "',' or the end of the text")),
                    }
                }
                (Token::End, _) => return Ok(requirements),
                (_, text) => return Err(unexpected(text, "'!', a key, or the end of the text")),
            }
        }
    }

    fn requirement(&mut self) -> Result<QueryRequirement, LabelQueryError> {
        let mut negated = false;
        let (mut token, mut key) = self.take(Context::Values);
        if token == Token::Not {
            negated = true;
            (token, key) = self.take(Context::Values);
        }
        if token != Token::Identifier {
            return Err(unexpected(key, "a key"));
        }
        check_key(key, "key").map_err(LabelQueryError::Invalid)?;
        let key = key.to_string();
        if matches!(self.look(Context::Values).0, Token::End | Token::Comma) || negated {
            // `!key` takes no operator; after it the caller expects ',' or the end.
            let operator = if negated {
                QueryOperator::DoesNotExist
            } else {
                QueryOperator::Exists
            };
            return Ok(QueryRequirement {
                key,
                operator,
                values: Vec::new(),
            });
        }
        let operator = match self.take(Context::KeyAndOperator) {
            (Token::In, _) => QueryOperator::In,
            (Token::Equals, _) => QueryOperator::Equals,
            (Token::DoubleEquals, _) => QueryOperator::DoubleEquals,
            (Token::GreaterThan, _) => QueryOperator::GreaterThan,
            (Token::LessThan, _) => QueryOperator::LessThan,
            (Token::NotIn, _) => QueryOperator::NotIn,
            (Token::NotEquals, _) => QueryOperator::NotEquals,
            (_, text) => {
                return Err(unexpected(text, "one of in, notin, =, ==, !=, >, <"));
            }
        };
        let mut values = match operator {
            QueryOperator::In | QueryOperator::NotIn => self.set_values()?,
            _ => vec![self.exact_value()?],
        };
        values.sort();
        values.dedup();
        if let QueryOperator::GreaterThan | QueryOperator::LessThan = operator {
            for value in &values {
                if parse_int(value, IntSyntax::Decimal).is_err() {
                    return Err(LabelQueryError::NotAnInteger {
                        key,
                        operator: operator.infix(),
                        value: value.clone(),
                    });
                }
            }
        }
        for value in &values {
            check_value(value, &format!("value of {key}")).map_err(LabelQueryError::Invalid)?;
        }
        Ok(QueryRequirement {
            key,
            operator,
            values,
        })
    }

    /// `(a,b)`; empty entries stand for the empty value (`()` is one empty value).
    fn set_values(&mut self) -> Result<Vec<String>, LabelQueryError> {
        match self.take(Context::Values) {
            (Token::OpenPar, _) => {}
            (_, text) => return Err(unexpected(text, "'('")),
        }
        match self.look(Context::Values) {
            (Token::Identifier | Token::Comma, _) => {
                let values = self.identifiers()?;
                match self.take(Context::Values) {
                    (Token::ClosedPar, _) => Ok(values),
                    (_, text) => Err(unexpected(text, "')'")),
                }
            }
            (Token::ClosedPar, _) => {
                self.position += 1;
                Ok(vec![String::new()])
            }
            (_, text) => Err(unexpected(text, "',', ')' or a value")),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, LabelQueryError> {
        let mut values = Vec::new();
        loop {
            match self.take(Context::Values) {
                (Token::Identifier, text) => {
                    values.push(text.to_string());
                    match self.look(Context::Values) {
                        (Token::Comma, _) => continue,
                        (Token::ClosedPar, _) => return Ok(values),
                        (_, text) => return Err(unexpected(text, "',' or ')'")),
                    }
                }
                (Token::Comma, _) => {
                    if values.is_empty() {
                        values.push(String::new());
                    }
                    match self.look(Context::Values).0 {
                        Token::ClosedPar => {
                            values.push(String::new());
                            return Ok(values);
                        }
                        Token::Comma => {
                            self.position += 1;
                            values.push(String::new());
                        }
                        _ => {}
                    }
                }
                (_, text) => return Err(unexpected(text, "',' or a value")),
            }
        }
    }

    /// The one value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end is
    /// the empty value.
    fn exact_value(&mut self) -> Result<String, LabelQueryError> {
        if matches!(self.look(Context::Values).0, Token::End | Token::Comma) {
            return Ok(String::new());
        }
        match self.take(Context::Values) {
            (Token::Identifier, text) => Ok(text.to_string()),
            (_, text) => Err(unexpected(text, "a value")),
        }
    }
}

impl LabelQuery {
    /// Reads a selector text as `labels.Parse` does.
    pub fn parse(text: &str) -> Result<LabelQuery, LabelQueryError> {
        let mut parser = Parser {
            tokens: lex(text),
            position: 0,
        };
        let mut requirements = parser.parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelQuery { requirements })
    }

    /// Whether the selector has no requirement, so that it selects every object.
    pub fn selects_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether labels satisfy every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

/// apimachinery's `String()`: requirements joined by `,`, values sorted; empty for a
/// selector that selects everything.
impl fmt::Display for LabelQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.operator == QueryOperator::DoesNotExist {
                f.write_str("!")?;
            }
            f.write_str(&r.key)?;
            f.write_str(r.operator.infix())?;
            match r.operator {
                QueryOperator::Exists | QueryOperator::DoesNotExist => {}
                QueryOperator::In | QueryOperator::NotIn => {
                    write!(f, "({})", r.values.join(","))?;
                }
                _ => f.write_str(&r.values.join(","))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn selectors_read_and_print_as_apimachinery_does() {
        let cases = [
            ("", ""),
            ("  ", ""),
            ("app", "app"),
            ("!app", "!app"),
            ("app=web", "app=web"),
            ("app = web", "app=web"),
            ("app==web", "app==web"),
            ("app!=web", "app!=web"),
            ("app=", "app="),
            ("app=,tier", "app=,tier"),
            ("tier in (b,a,b)", "tier in (a,b)"),
            ("tier notin (a)", "tier notin (a)"),
            ("tier in ()", "tier in ()"),
            ("tier in (,a)", "tier in (,a)"),
            ("tier in (a,,b)", "tier in (,a,b)"),
            ("x in (in,notin)", "x in (in,notin)"),
            ("z,a=1,m", "a=1,m,z"),
            ("gen>3", "gen>3"),
            ("gen<10", "gen<10"),
            ("example.com/role=db", "example.com/role=db"),
            ("app=web\0,garbage(", "app=web"),
        ];
        for (text, printed) in cases {
            let query = LabelQuery::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(query.to_string(), printed, "{text:?}");
        }
    }

    #[test]
    fn bad_selectors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            (
                "app=web,",
                "found the end of the text, expected a key after ','",
            ),
            (
                ",app",
                "found \",\", expected '!', a key, or the end of the text",
            ),
            ("app web", "found \"web\", expected one of in, notin"),
            ("app in a", "found \"a\", expected '('"),
            (
                "app in (a",
                "found the end of the text, expected ',' or ')'",
            ),
            ("app=(a)", "found \"(\", expected a value"),
            (
                "!app=web",
                "found \"=\", expected ',' or the end of the text",
            ),
            ("!", "found the end of the text, expected a key"),
            (
                "app=a b",
                "found \"b\", expected ',' or the end of the text",
            ),
            ("Bad Key", "found \"Key\", expected one of"),
            ("-app", "is not a valid label key"),
            ("app=-web", "is not a valid label value"),
            ("app in (x y)", "found \"y\", expected ',' or ')'"),
            (
                "gen>x",
                "gen>x: the value of > and < must be a base-10 integer",
            ),
            (
                "gen>",
                "gen>: the value of > and < must be a base-10 integer",
            ),
            // Values are label values too, so no negative bound passes.
            ("gen<-1", "\"-1\" is not a valid label value"),
            ("a=b)", "found \")\", expected ',' or the end of the text"),
        ];
        for (text, needle) in cases {
            let err = LabelQuery::parse(text).expect_err(text).to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn matching_follows_each_operator() {
        let pod = labels(&[("app", "web"), ("gen", "5"), ("tier", "front")]);
        let cases = [
            ("", true),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("app=web", true),
            ("app==db", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("tier in (front,back)", true),
            ("tier notin (front)", false),
            ("missing notin (x)", true),
            ("gen>4", true),
            ("gen>5", false),
            ("gen<6", true),
            ("app>1", false),
            ("missing<9", false),
            ("app=web,tier=back", false),
        ];
        for (text, want) in cases {
            let query = LabelQuery::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(query.matches(&pod), want, "{text:?}");
        }
        assert!(LabelQuery::parse("").is_ok_and(|q| q.selects_everything()));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_reads_back(text in "[a-z!=<>(), \t0-9./-]{0,24}") {
            if let Ok(query) = LabelQuery::parse(&text) {
                let printed = query.to_string();
                let again = LabelQuery::parse(&printed);
                proptest::prop_assert_eq!(again.as_ref().ok(), Some(&query), "{:?} printed as {:?}", text, printed);
            }
        }
    }
}
