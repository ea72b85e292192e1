//! `helm_release`'s `set`, `set_list` and `set_sensitive` entries, applied to the values as
//! the Terraform helm provider applies them: after every `values` document, all `set`
//! entries first, then `set_list`, then `set_sensitive`, each in list order.
//!
//! The helm provider does not parse an entry itself. It joins `name` and `value` into one
//! `name=value` line (`name={a,b}` for `set_list`) and hands it to Helm's `--set` parser
//! (`pkg/strvals`), which mutates the merged values in place. So the rules are Helm's:
//!
//! - `.` separates map keys and `name[3]` indexes a list, growing it with nulls; a
//!   backslash makes the next character literal (`a\.b` is one key, `\,` a comma);
//! - a comma ends the assignment, even inside the value: `value = "a,b=c"` also sets
//!   `b`, and `value = "a,b"` fails because `b` has no `=`;
//! - `{x,y}` as a whole value is a list; typed values (type `auto` or empty): `true` and
//!   `false` in any case are booleans, `null` is null (which removes the key, default
//!   included), `0` and integers that do not start with `0` are numbers, anything else a
//!   string; type `string` keeps every value a string;
//! - a key that already holds a value of another kind (a string where the name goes on
//!   with `.x`, a map where it goes on with `[0]`) stops Helm with an error;
//! - type `literal` (helm provider 3.x) parses the value as YAML and stores it under the
//!   top-level key spelt exactly like `name`, dots included.
//!
//! The parser below follows Helm's step by step, including where it stops silently (an
//! empty key sets nothing) and where it fails, so that an entry the helm provider refuses
//! is refused here too, naming the entry and the part of it at fault. For
//! `set_sensitive`, no part of the value ever appears in an error.

use std::fmt;

use serde_json::{Map, Value as Json};

use crate::base::yaml::parse_documents;
use crate::chart::values::describe;

/// Helm refuses list indices above this (`strvals.MaxIndex`).
const MAX_INDEX: i64 = 65_536;
/// Helm refuses names with more dots than this (`strvals.MaxNestedNameLevel`).
const MAX_NESTING: usize = 30;

/// Which of `helm_release`'s attributes an entry comes from; the order is the order the
/// helm provider applies them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetAttribute {
    /// `set`.
    Set,
    /// `set_list`.
    SetList,
    /// `set_sensitive`.
    SetSensitive,
}

impl SetAttribute {
    /// The attribute's name, as Terraform spells it.
    pub const fn name(self) -> &'static str {
        match self {
            SetAttribute::Set => "set",
            SetAttribute::SetList => "set_list",
            SetAttribute::SetSensitive => "set_sensitive",
        }
    }
}

impl fmt::Display for SetAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An entry's `type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SetType {
    /// `auto` or empty: Helm's `--set`, values typed.
    #[default]
    Auto,
    /// `string`: Helm's `--set-string`, every value a string.
    String,
    /// `literal` (helm provider 3.x): the value read as YAML, under the key `name` as is.
    Literal,
}

impl SetType {
    /// The types the helm provider accepts, as written in `type`.
    pub const ACCEPTED: &'static str = "\"auto\" (or empty), \"string\" or \"literal\"";

    /// Reads `type` as the helm provider does; `None` for anything it refuses.
    pub fn parse(text: &str) -> Option<SetType> {
        match text {
            "" | "auto" => Some(SetType::Auto),
            "string" => Some(SetType::String),
            "literal" => Some(SetType::Literal),
            _ => None,
        }
    }
}

/// An entry's value: one string (`set`, `set_sensitive`) or a list (`set_list`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetValue {
    /// `value = "..."`.
    Text(String),
    /// `value = ["...", ...]`, which the helm provider joins into `{a,b}`.
    List(Vec<String>),
}

/// One entry of `set`, `set_list` or `set_sensitive`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SetEntry {
    /// The attribute it comes from.
    pub attribute: SetAttribute,
    /// Its 0-based index in that attribute's list.
    pub index: usize,
    /// The dotted path, as written (`configuration.rebootSentinel`).
    pub name: String,
    pub value: SetValue,
    pub kind: SetType,
}

/// Never prints a `set_sensitive` value, wherever an entry is debugged.
impl fmt::Debug for SetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SetEntry");
        s.field("attribute", &self.attribute)
            .field("index", &self.index)
            .field("name", &self.name);
        if self.attribute == SetAttribute::SetSensitive {
            s.field("value", &"(sensitive)");
        } else {
            s.field("value", &self.value);
        }
        s.field("kind", &self.kind).finish()
    }
}

impl SetEntry {
    /// The entry as a `kured` argument: `set[2]`.
    pub fn label(&self) -> String {
        format!("{}[{}]", self.attribute, self.index)
    }

    /// The line the helm provider hands to Helm's parser, and where the value starts in it
    /// (in characters).
    fn line(&self) -> (Vec<char>, usize) {
        let mut line: Vec<char> = self.name.chars().collect();
        line.push('=');
        let value_start = line.len();
        match &self.value {
            SetValue::Text(text) => line.extend(text.chars()),
            SetValue::List(items) => {
                line.push('{');
                line.extend(items.join(",").chars());
                line.push('}');
            }
        }
        (line, value_start)
    }
}

/// Which part of an entry is at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetPart {
    Name,
    Value,
    Type,
}

impl SetPart {
    /// The part's attribute name.
    pub const fn name(self) -> &'static str {
        match self {
            SetPart::Name => "name",
            SetPart::Value => "value",
            SetPart::Type => "type",
        }
    }
}

/// What Helm's parser stops at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetProblem {
    /// A key with no `=value` after it: the text after a comma, or a name cut short.
    NoValue { key: String },
    /// A key that ends at a comma (`a,b=1`).
    EndsAtComma { key: String },
    /// `[` not followed by a whole number and `]`.
    BadIndex { text: String },
    /// `[-1]`.
    NegativeIndex { index: i64 },
    /// An index above Helm's limit.
    IndexTooLarge { index: i64 },
    /// Text between `]` and the next `.`, `[` or `=`.
    AfterIndex { text: String },
    /// `a.` followed by `=`: a map with no key.
    EmptyKey { key: String },
    /// More dots than Helm allows.
    TooDeep,
    /// A `{` list with no closing `}`.
    UnclosedList,
    /// The name goes on with `.` under a key that holds something other than a map.
    NotAMap { key: String, found: String },
    /// The name indexes a key that holds something other than a list.
    NotAList { key: String, found: String },
    /// A `literal` value that is not YAML.
    Literal { reason: String },
}

/// An entry Helm refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetError {
    pub attribute: SetAttribute,
    pub index: usize,
    pub part: SetPart,
    pub problem: SetProblem,
    /// Whether the text Helm stopped at reaches into a `set_sensitive` value (a name
    /// ending in a backslash escapes the `=`), so that no part of it may be shown.
    conceal: bool,
}

impl SetError {
    /// The attribute at fault, e.g. `set[2].name`.
    pub fn path(&self) -> String {
        format!("{}[{}].{}", self.attribute, self.index, self.part.name())
    }

    /// Whether text taken from the line may be shown.
    fn reveal(&self) -> bool {
        !(self.conceal
            || self.attribute == SetAttribute::SetSensitive && self.part == SetPart::Value)
    }
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |text: &str| {
            if self.reveal() {
                format!("{text:?}")
            } else {
                "a part of the sensitive value".to_string()
            }
        };
        let comma_hint = if self.part == SetPart::Value {
            "; a comma in the value ends the assignment, so write each comma that belongs to the value as \\,"
        } else {
            ""
        };
        write!(f, "{}: ", self.path())?;
        match &self.problem {
            SetProblem::NoValue { key } => write!(
                f,
                "Helm reads {} as a key with no \"=value\" after it and fails{comma_hint}",
                quoted(key)
            ),
            SetProblem::EndsAtComma { key } => write!(
                f,
                "Helm reads {} as a key that ends at a comma and fails; write the comma as \\, if it belongs to the name",
                quoted(key)
            ),
            SetProblem::BadIndex { text } => write!(
                f,
                "Helm reads [{}] as a list index but it is not a whole number followed by ]; write e.g. volumes[0].name, or \\[ for a literal bracket",
                if self.reveal() { text.as_str() } else { "..." }
            ),
            SetProblem::NegativeIndex { index } => write!(
                f,
                "the list index {index} is negative, which Helm refuses; indices start at 0"
            ),
            SetProblem::IndexTooLarge { index } => write!(
                f,
                "the list index {index} is above Helm's limit of {MAX_INDEX}"
            ),
            SetProblem::AfterIndex { text } => write!(
                f,
                "Helm expects ., [ or = after a list index, not {}",
                quoted(text)
            ),
            SetProblem::EmptyKey { key } => write!(
                f,
                "{} is followed by a dot and no key, so Helm has nothing to set under it and fails",
                quoted(key)
            ),
            SetProblem::TooDeep => write!(
                f,
                "the name has more than {MAX_NESTING} nested keys, which Helm refuses"
            ),
            SetProblem::UnclosedList => write!(
                f,
                "the value opens a list with {{ but never closes it with }}, so Helm fails; write \\{{ for a literal brace"
            ),
            SetProblem::NotAMap { key, found } => write!(
                f,
                "the name goes on below {key:?}, but the values before this entry make {key:?} {found}, not a map, so Helm fails; set the whole key, or change the earlier value"
            ),
            SetProblem::NotAList { key, found } => write!(
                f,
                "the name indexes {key:?} as a list, but the values before this entry make it {found}, so Helm fails; set the whole key, or write it as a list earlier"
            ),
            SetProblem::Literal { reason } => {
                if self.reveal() {
                    write!(f, "the literal value is not valid YAML: {reason}")
                } else {
                    write!(f, "the literal value is not valid YAML")
                }
            }
        }
    }
}

impl std::error::Error for SetError {}

/// Applies `entries` to `values` (the user's merged values, before the chart's defaults)
/// in the helm provider's order: `set`, then `set_list`, then `set_sensitive`.
pub fn apply_all(values: &mut Map<String, Json>, entries: &[SetEntry]) -> Result<(), SetError> {
    for entry in in_helm_order(entries) {
        apply(values, entry)?;
    }
    Ok(())
}

/// `entries` sorted as the helm provider applies them.
pub fn in_helm_order(entries: &[SetEntry]) -> Vec<&SetEntry> {
    let mut ordered: Vec<&SetEntry> = entries.iter().collect();
    ordered.sort_by_key(|e| (e.attribute, e.index));
    ordered
}

/// Applies one entry to `values`.
pub fn apply(values: &mut Map<String, Json>, entry: &SetEntry) -> Result<(), SetError> {
    if entry.kind == SetType::Literal {
        return apply_literal(values, entry);
    }
    let (line, value_start) = entry.line();
    let mut parser = Parser {
        line: &line,
        pos: 0,
        typed: entry.kind == SetType::Auto || matches!(entry.value, SetValue::List(_)),
    };
    parser.parse(values).map_err(|fault| SetError {
        attribute: entry.attribute,
        index: entry.index,
        part: if fault.at < value_start {
            SetPart::Name
        } else {
            SetPart::Value
        },
        problem: fault.problem,
        conceal: entry.attribute == SetAttribute::SetSensitive && fault.end > value_start,
    })
}

/// An entry Helm applies without complaint but that cannot do what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetNote {
    pub attribute: SetAttribute,
    pub index: usize,
    /// The argument at fault: `type` for a dotted literal, `name` for an empty key.
    pub part: SetPart,
    /// What Helm does with it, and what to write instead.
    pub message: String,
}

/// Why an entry that applies has no effect on the chart, if it has none: it sets nothing
/// (an empty key), or it is a `literal` whose dotted name becomes one top-level key.
pub fn note(entry: &SetEntry) -> Option<SetNote> {
    let (part, message) = if entry.kind == SetType::Literal && entry.name.contains('.') {
        (
            SetPart::Type,
            format!(
                "{} has type \"literal\", so the helm provider stores its value under the top-level key {:?}, dots included, which the chart never reads; drop the type (or write \"auto\" or \"string\") to set the path {}",
                entry.label(),
                entry.name,
                entry.name
            ),
        )
    } else if written(entry).is_empty() {
        (
            SetPart::Name,
            format!(
                "{} sets nothing: Helm skips a key that is empty ({:?}); name the values key, e.g. configuration.drainTimeout",
                entry.label(),
                entry.name
            ),
        )
    } else {
        return None;
    };
    Some(SetNote {
        attribute: entry.attribute,
        index: entry.index,
        part,
        message,
    })
}

/// What one entry writes on its own, as a values document: the keys it sets, for
/// provenance. Empty when Helm would refuse the entry.
pub fn written(entry: &SetEntry) -> Map<String, Json> {
    let mut document = Map::new();
    if apply(&mut document, entry).is_err() {
        document.clear();
    }
    document
}

/// The helm provider's `literal` type: `name: value` read as YAML, stored under `name`.
fn apply_literal(values: &mut Map<String, Json>, entry: &SetEntry) -> Result<(), SetError> {
    let text = match &entry.value {
        SetValue::Text(text) => text.clone(),
        SetValue::List(items) => items.join(","),
    };
    let document = format!("{}: {text}", entry.name);
    let parsed = parse_documents(&document).map_err(|e| SetError {
        attribute: entry.attribute,
        index: entry.index,
        part: SetPart::Value,
        problem: SetProblem::Literal { reason: e.message },
        conceal: entry.attribute == SetAttribute::SetSensitive,
    })?;
    let value = match parsed.into_iter().next() {
        Some(Json::Object(mut map)) => map.remove(&entry.name).unwrap_or(Json::Null),
        Some(other) => other,
        None => Json::Null,
    };
    values.insert(entry.name.clone(), value);
    Ok(())
}

/// Where Helm's parser stopped, in characters from the start of the line: the start of
/// the text at fault, and how far the parser had read.
struct Fault {
    at: usize,
    end: usize,
    problem: SetProblem,
}

/// What a step of the parser leaves: more to read, or the end of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    More,
    End,
}

/// How a value after `=` starts.
enum ListStart {
    /// A `{...}` list.
    List(Vec<Json>),
    /// Nothing after `=`.
    Empty,
    /// Anything else: a single value.
    Single,
}

/// Helm's `strvals` parser over one line.
struct Parser<'l> {
    line: &'l [char],
    pos: usize,
    /// `--set` typing (`true`, numbers, `null`); off for `--set-string`.
    typed: bool,
}

impl Parser<'_> {
    fn parse(&mut self, data: &mut Map<String, Json>) -> Result<(), Fault> {
        while self.key(data, 0)? == Flow::More {}
        Ok(())
    }

    /// Reads up to one of `stops`, honouring backslash escapes; the stop found, or `None`
    /// at the end of the line (a trailing backslash included).
    fn until(&mut self, stops: &[char]) -> (String, Option<char>) {
        let mut text = String::new();
        while let Some(&c) = self.line.get(self.pos) {
            self.pos += 1;
            if stops.contains(&c) {
                return (text, Some(c));
            }
            if c == '\\' {
                match self.line.get(self.pos) {
                    Some(&next) => {
                        self.pos += 1;
                        text.push(next);
                    }
                    None => return (text, None),
                }
            } else {
                text.push(c);
            }
        }
        (text, None)
    }

    fn fault(&self, at: usize, problem: SetProblem) -> Fault {
        Fault {
            at,
            end: self.pos,
            problem,
        }
    }

    /// One key and what follows it, into `data`.
    fn key(&mut self, data: &mut Map<String, Json>, depth: usize) -> Result<Flow, Fault> {
        let start = self.pos;
        let (key, stop) = self.until(&['=', '[', ',', '.']);
        match stop {
            None if key.is_empty() => Ok(Flow::End),
            None => Err(self.fault(start, SetProblem::NoValue { key })),
            Some('[') => {
                let bracket = self.pos - 1;
                let index = self.index(bracket)?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(Json::Array(list)) => list.clone(),
                    Some(other) => {
                        return Err(self.fault(
                            start,
                            SetProblem::NotAList {
                                key,
                                found: describe(other),
                            },
                        ));
                    }
                };
                let (list, flow) = self.list_item(list, index, depth, bracket)?;
                set(data, key, Json::Array(list));
                Ok(flow)
            }
            Some('=') => match self.list_value()? {
                ListStart::List(list) => {
                    set(data, key, Json::Array(list));
                    Ok(Flow::More)
                }
                ListStart::Empty => {
                    set(data, key, Json::String(String::new()));
                    Ok(Flow::End)
                }
                ListStart::Single => {
                    let (text, _) = self.until(&[',']);
                    set(data, key, self.typed_value(text));
                    Ok(Flow::More)
                }
            },
            Some(',') => Err(self.fault(start, SetProblem::EndsAtComma { key })),
            Some(_) => {
                // A dot: the key is a map and the name goes on below it.
                if depth + 1 > MAX_NESTING {
                    return Err(self.fault(start, SetProblem::TooDeep));
                }
                let mut inner = match data.get(&key) {
                    None => Map::new(),
                    Some(Json::Object(map)) => map.clone(),
                    Some(other) => {
                        return Err(self.fault(
                            start,
                            SetProblem::NotAMap {
                                key,
                                found: describe(other),
                            },
                        ));
                    }
                };
                let flow = self.key(&mut inner, depth + 1)?;
                if inner.is_empty() {
                    return match flow {
                        Flow::More => Err(self.fault(start, SetProblem::EmptyKey { key })),
                        Flow::End => Ok(Flow::End),
                    };
                }
                set(data, key, Json::Object(inner));
                Ok(flow)
            }
        }
    }

    /// The number inside `[...]`, read as Go's `strconv.Atoi` reads it.
    fn index(&mut self, bracket: usize) -> Result<i64, Fault> {
        let (text, stop) = self.until(&[']']);
        match (stop, go_parse_int(&text)) {
            (Some(_), Some(index)) => Ok(index),
            _ => Err(self.fault(bracket, SetProblem::BadIndex { text })),
        }
    }

    /// What follows `name[index]`, into `list`.
    fn list_item(
        &mut self,
        mut list: Vec<Json>,
        index: i64,
        depth: usize,
        bracket: usize,
    ) -> Result<(Vec<Json>, Flow), Fault> {
        if index < 0 {
            return Err(self.fault(bracket, SetProblem::NegativeIndex { index }));
        }
        let start = self.pos;
        let (text, stop) = self.until(&['[', '.', '=']);
        if !text.is_empty() {
            return Err(self.fault(start, SetProblem::AfterIndex { text }));
        }
        match stop {
            None => Ok((list, Flow::End)),
            Some('=') => {
                let value = match self.list_value()? {
                    ListStart::List(items) => Json::Array(items),
                    ListStart::Empty => Json::String(String::new()),
                    ListStart::Single => {
                        let (text, _) = self.until(&[',']);
                        self.typed_value(text)
                    }
                };
                set_index(&mut list, index, value, bracket)?;
                Ok((list, Flow::More))
            }
            Some('[') => {
                let inner_bracket = self.pos - 1;
                let next = self.index(inner_bracket)?;
                let current = match list.get(slot(index)) {
                    None | Some(Json::Null) => Vec::new(),
                    Some(Json::Array(inner)) => inner.clone(),
                    Some(other) => {
                        return Err(self.fault(
                            bracket,
                            SetProblem::NotAList {
                                key: format!("[{index}]"),
                                found: describe(other),
                            },
                        ));
                    }
                };
                let (inner, flow) = self.list_item(current, next, depth, inner_bracket)?;
                if flow == Flow::End {
                    return Ok((list, Flow::End));
                }
                set_index(&mut list, index, Json::Array(inner), bracket)?;
                Ok((list, flow))
            }
            Some(_) => {
                // A dot: the element is a map. Helm replaces an element of another kind
                // with an empty map here rather than failing.
                let mut inner = match list.get(slot(index)) {
                    Some(Json::Object(map)) => map.clone(),
                    _ => Map::new(),
                };
                let flow = self.key(&mut inner, depth)?;
                if flow == Flow::End {
                    // Helm edits an existing element in place, so what the key wrote
                    // before the line ended stays; a new element is dropped.
                    if let Some(element) = list.get_mut(slot(index)) {
                        *element = Json::Object(inner);
                    }
                    return Ok((list, Flow::End));
                }
                set_index(&mut list, index, Json::Object(inner), bracket)?;
                Ok((list, flow))
            }
        }
    }

    /// After `=`: a `{a,b}` list, nothing, or a single value (left unread).
    fn list_value(&mut self) -> Result<ListStart, Fault> {
        let open = self.pos;
        match self.line.get(self.pos) {
            None => return Ok(ListStart::Empty),
            Some('{') => self.pos += 1,
            Some(_) => return Ok(ListStart::Single),
        }
        let mut items = Vec::new();
        loop {
            let (text, stop) = self.until(&[',', '}']);
            match stop {
                None => return Err(self.fault(open, SetProblem::UnclosedList)),
                Some('}') => {
                    if self.line.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    items.push(self.typed_value(text));
                    return Ok(ListStart::List(items));
                }
                Some(_) => items.push(self.typed_value(text)),
            }
        }
    }

    /// Helm's `typedVal`.
    fn typed_value(&self, text: String) -> Json {
        if !self.typed {
            return Json::String(text);
        }
        if text.eq_ignore_ascii_case("true") {
            return Json::Bool(true);
        }
        if text.eq_ignore_ascii_case("false") {
            return Json::Bool(false);
        }
        if text.eq_ignore_ascii_case("null") {
            return Json::Null;
        }
        if text == "0" {
            return Json::from(0_i64);
        }
        if !text.starts_with('0') {
            if let Some(number) = go_parse_int(&text) {
                return Json::from(number);
            }
        }
        Json::String(text)
    }
}

/// Helm's `set`: an empty key sets nothing.
fn set(data: &mut Map<String, Json>, key: String, value: Json) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

/// Helm's `setIndex`: grows the list with nulls up to `index`.
fn set_index(list: &mut Vec<Json>, index: i64, value: Json, bracket: usize) -> Result<(), Fault> {
    let fault = |problem| Fault {
        at: bracket,
        end: bracket,
        problem,
    };
    if index < 0 {
        return Err(fault(SetProblem::NegativeIndex { index }));
    }
    if index > MAX_INDEX {
        return Err(fault(SetProblem::IndexTooLarge { index }));
    }
    let at = slot(index);
    if list.len() <= at {
        list.resize(at + 1, Json::Null);
    }
    list[at] = value;
    Ok(())
}

/// A non-negative index as a position (callers have refused negative ones).
fn slot(index: i64) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

/// Go's `strconv.ParseInt(text, 10, 64)` (and `Atoi`, on 64-bit platforms): an optional
/// sign and decimal digits, in range.
fn go_parse_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests;
