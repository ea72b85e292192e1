//! Go regular expressions as `regexp.Compile` reads them (RE2 syntax with Perl
//! extensions), checked for every error Go's parser reports, so that a plan fails where
//! kured would exit at start-up on its `--alert-filter-regexp`. Nothing is matched here.
//!
//! Followed: Go's `regexp/syntax` parser (`parse.go`) under the `Perl` flags. Not
//! modelled: the compiled-size limit (`expression too large`, about 3.3 million
//! instructions) and the exact tree height limit, approximated by a group nesting of
//! 1,000; a pattern near either is not a realistic alert filter. Unicode class names
//! (`\p{Greek}`) are checked against Unicode 15's categories and scripts; kured 1.22.0
//! and newer (built with Go 1.25) also accept loose spellings and long category names.

use std::fmt;

/// Go's error codes for an expression its parser refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegexpProblem {
    /// `invalid character class range`: `[z-a]`, an unknown `[:name:]` or `\p{Name}`.
    InvalidCharRange,
    /// `invalid escape sequence`: `\q`, `\1`, `\C`, a bad `\x`.
    InvalidEscape,
    /// `invalid named capture`: `(?P<>x)`, `(?P<a-b>x)`.
    InvalidNamedCapture,
    /// `invalid or unsupported Perl syntax`: `(?=x)`, `(?x)`, `(?i`.
    InvalidPerlOp,
    /// `invalid nested repetition operator`: `a**`, `a{2}+`.
    InvalidRepeatOp,
    /// `invalid repeat count`: `a{1001}`, `a{3,2}`, `(a{100}){100}`.
    InvalidRepeatSize,
    /// `missing closing ]`.
    MissingBracket,
    /// `missing closing )`.
    MissingParen,
    /// `missing argument to repetition operator`: `*a`, `(+)`, `a|*`.
    MissingRepeatArgument,
    /// `trailing backslash at end of expression`.
    TrailingBackslash,
    /// `unexpected )`.
    UnexpectedParen,
    /// `expression nests too deeply`.
    NestingDepth,
}

impl fmt::Display for RegexpProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegexpProblem::InvalidCharRange => "invalid character class range",
            RegexpProblem::InvalidEscape => "invalid escape sequence",
            RegexpProblem::InvalidNamedCapture => "invalid named capture",
            RegexpProblem::InvalidPerlOp => "invalid or unsupported Perl syntax",
            RegexpProblem::InvalidRepeatOp => "invalid nested repetition operator",
            RegexpProblem::InvalidRepeatSize => "invalid repeat count",
            RegexpProblem::MissingBracket => "missing closing ]",
            RegexpProblem::MissingParen => "missing closing )",
            RegexpProblem::MissingRepeatArgument => "missing argument to repetition operator",
            RegexpProblem::TrailingBackslash => "trailing backslash at end of expression",
            RegexpProblem::UnexpectedParen => "unexpected )",
            RegexpProblem::NestingDepth => "expression nests too deeply",
        })
    }
}

/// An expression Go refuses, with the part Go names, worded as Go words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{problem}: `{part}`")]
pub struct RegexpError {
    /// What is wrong.
    pub problem: RegexpProblem,
    /// The offending part of the expression, as Go quotes it.
    pub part: String,
}

/// Which Unicode class names the Go that built kured knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassNames {
    /// Go up to 1.24: exact category and script names, and `Any`.
    Exact,
    /// Go 1.25 and newer: also `ASCII`, `Assigned`, `Cn`, `LC` and long category names
    /// (`Letter`), compared ignoring case, spaces, `_` and `-`.
    Loose,
}

/// Checks `pattern` as Go's `regexp.Compile` parses it.
pub fn check(pattern: &str, names: ClassNames) -> Result<(), RegexpError> {
    Parser {
        whole: pattern,
        names,
        stack: Vec::new(),
        depth: 0,
    }
    .parse()
}

const MAX_REPEAT: u64 = 1000;
const MAX_DEPTH: usize = 1000;

/// What the parse stack holds: a parsed operand with the repeat budget its nested
/// counted repetitions need, or one of the two markers Go keeps on its stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    /// The smallest `n` for which Go's `repeatIsValid(re, n)` holds.
    Operand(u64),
    LeftParen,
    /// An alternation in progress, with the largest need of its branches so far.
    VerticalBar(u64),
}

struct Parser<'w> {
    whole: &'w str,
    names: ClassNames,
    stack: Vec<Item>,
    depth: usize,
}

fn fail(problem: RegexpProblem, part: &str) -> RegexpError {
    RegexpError {
        problem,
        part: part.to_string(),
    }
}

impl<'w> Parser<'w> {
    fn parse(mut self) -> Result<(), RegexpError> {
        let whole = self.whole;
        let mut t = whole;
        // The text from the last token on, when that token was a repetition operator.
        let mut last_repeat: Option<&str> = None;
        while let Some(c) = t.chars().next() {
            let mut repeat = None;
            match c {
                '(' if t.as_bytes().get(1) == Some(&b'?') => t = self.perl_flags(t)?,
                '(' => {
                    self.open()?;
                    t = &t[1..];
                }
                '|' => {
                    self.vertical_bar();
                    t = &t[1..];
                }
                ')' => {
                    self.right_paren()?;
                    t = &t[1..];
                }
                '^' | '$' | '.' => {
                    self.stack.push(Item::Operand(0));
                    t = &t[1..];
                }
                '[' => {
                    t = self.class(t)?;
                    self.stack.push(Item::Operand(0));
                }
                '*' | '+' | '?' => {
                    let after = self.repeat(t, &t[1..], None, last_repeat)?;
                    repeat = Some(t);
                    t = after;
                }
                '{' => match parse_repeat(t) {
                    None => {
                        // Not a well-formed count: Go reads the brace as a literal.
                        self.stack.push(Item::Operand(0));
                        t = &t[1..];
                    }
                    Some((min, max, after)) => {
                        let bad = min < 0
                            || min > MAX_REPEAT as i64
                            || max > MAX_REPEAT as i64
                            || (max >= 0 && min > max);
                        if bad {
                            return Err(fail(
                                RegexpProblem::InvalidRepeatSize,
                                &t[..t.len() - after.len()],
                            ));
                        }
                        let after = self.repeat(t, after, Some((min, max)), last_repeat)?;
                        repeat = Some(t);
                        t = after;
                    }
                },
                '\\' => t = self.backslash(t)?,
                _ => {
                    self.stack.push(Item::Operand(0));
                    t = &t[c.len_utf8()..];
                }
            }
            last_repeat = repeat;
        }
        self.close_alternation();
        if self.stack.contains(&Item::LeftParen) {
            return Err(fail(RegexpProblem::MissingParen, whole));
        }
        Ok(())
    }

    fn open(&mut self) -> Result<(), RegexpError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(fail(RegexpProblem::NestingDepth, self.whole));
        }
        self.stack.push(Item::LeftParen);
        Ok(())
    }

    /// Replaces the operands above the topmost marker by their concatenation.
    fn concat(&mut self) -> u64 {
        let mut need = 0;
        while let Some(Item::Operand(n)) = self.stack.last() {
            need = need.max(*n);
            self.stack.pop();
        }
        need
    }

    fn vertical_bar(&mut self) {
        let branch = self.concat();
        match self.stack.last_mut() {
            Some(Item::VerticalBar(need)) => *need = (*need).max(branch),
            _ => self.stack.push(Item::VerticalBar(branch)),
        }
    }

    /// Ends the alternation above the topmost `(`, leaving one operand.
    fn close_alternation(&mut self) -> u64 {
        let mut need = self.concat();
        if let Some(Item::VerticalBar(other)) = self.stack.last() {
            need = need.max(*other);
            self.stack.pop();
        }
        need
    }

    fn right_paren(&mut self) -> Result<(), RegexpError> {
        let need = self.close_alternation();
        match self.stack.pop() {
            Some(Item::LeftParen) => {
                self.depth = self.depth.saturating_sub(1);
                self.stack.push(Item::Operand(need));
                Ok(())
            }
            _ => Err(fail(RegexpProblem::UnexpectedParen, self.whole)),
        }
    }

    /// A repetition operator: `before` is the text from it on, `after` the text after it;
    /// returns the rest after an optional non-greedy `?`.
    fn repeat<'a>(
        &mut self,
        before: &'a str,
        after: &'a str,
        counted: Option<(i64, i64)>,
        last_repeat: Option<&'a str>,
    ) -> Result<&'a str, RegexpError> {
        let after = after.strip_prefix('?').unwrap_or(after);
        if let Some(last) = last_repeat {
            // Perl forbids stacking operators; Go quotes both of them.
            return Err(fail(
                RegexpProblem::InvalidRepeatOp,
                &last[..last.len() - after.len()],
            ));
        }
        let operator = &before[..before.len() - after.len()];
        let Some(Item::Operand(sub)) = self.stack.last().copied() else {
            return Err(fail(RegexpProblem::MissingRepeatArgument, operator));
        };
        let need = match counted {
            None => sub,
            Some((min, max)) => {
                let need = repeat_need(min, max, sub);
                if (min >= 2 || max >= 2) && need > MAX_REPEAT {
                    return Err(fail(RegexpProblem::InvalidRepeatSize, operator));
                }
                need
            }
        };
        if let Some(top) = self.stack.last_mut() {
            *top = Item::Operand(need);
        }
        Ok(after)
    }

    /// `(?...`: a named group, a non-capturing group or a flag change.
    fn perl_flags<'a>(&mut self, s: &'a str) -> Result<&'a str, RegexpError> {
        let bytes = s.as_bytes();
        let with_p = bytes.len() > 4 && bytes[2] == b'P' && bytes[3] == b'<';
        let bare = bytes.len() > 3 && bytes[2] == b'<';
        if with_p || bare {
            let start = if with_p { 4 } else { 3 };
            let Some(end) = s.find('>') else {
                return Err(fail(RegexpProblem::InvalidNamedCapture, s));
            };
            let name = s.get(start..end).unwrap_or_default();
            let valid =
                !name.is_empty() && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
            if !valid {
                return Err(fail(RegexpProblem::InvalidNamedCapture, &s[..=end]));
            }
            self.open()?;
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = t.chars().next() {
            t = &t[c.len_utf8()..];
            match c {
                'i' | 'm' | 's' | 'U' => saw_flag = true,
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    if c == ':' {
                        self.open()?;
                    }
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(fail(RegexpProblem::InvalidPerlOp, &s[..s.len() - t.len()]))
    }

    fn backslash<'a>(&mut self, t: &'a str) -> Result<&'a str, RegexpError> {
        match t.as_bytes().get(1) {
            Some(b'A' | b'b' | b'B' | b'z') => {
                self.stack.push(Item::Operand(0));
                return Ok(&t[2..]);
            }
            Some(b'C') => return Err(fail(RegexpProblem::InvalidEscape, &t[..2])),
            Some(b'Q') => {
                let (literal, rest) = match t[2..].split_once("\\E") {
                    Some((literal, rest)) => (literal, rest),
                    None => (&t[2..], ""),
                };
                for _ in literal.chars() {
                    self.stack.push(Item::Operand(0));
                }
                return Ok(rest);
            }
            _ => {}
        }
        if let Some(rest) = self.unicode_class(t)? {
            self.stack.push(Item::Operand(0));
            return Ok(rest);
        }
        if let Some(rest) = perl_class(t) {
            self.stack.push(Item::Operand(0));
            return Ok(rest);
        }
        let rest = escape(t)?;
        self.stack.push(Item::Operand(0));
        Ok(rest)
    }

    /// `\pL`, `\p{Greek}`, `\P{^Greek}`; `None` when `s` does not start with one.
    fn unicode_class<'a>(&self, s: &'a str) -> Result<Option<&'a str>, RegexpError> {
        if !(s.starts_with("\\p") || s.starts_with("\\P")) {
            return Ok(None);
        }
        let after = &s[2..];
        let (sequence, name, rest) = match after.chars().next() {
            Some('{') => {
                let Some(end) = s.find('}') else {
                    return Err(fail(RegexpProblem::InvalidCharRange, s));
                };
                (&s[..=end], &s[3..end], &s[end + 1..])
            }
            Some(c) => {
                let end = 2 + c.len_utf8();
                (&s[..end], &s[2..end], &s[end..])
            }
            None => (s, "", ""),
        };
        let name = name.strip_prefix('^').unwrap_or(name);
        if known_class_name(name, self.names) {
            Ok(Some(rest))
        } else {
            Err(fail(RegexpProblem::InvalidCharRange, sequence))
        }
    }

    /// `[...]`, starting at the `[`; returns the rest after the closing `]`.
    fn class<'a>(&self, s: &'a str) -> Result<&'a str, RegexpError> {
        let mut t = &s[1..];
        if let Some(rest) = t.strip_prefix('^') {
            t = rest;
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(i) = t[2..].find(":]") {
                    let name = &t[..i + 4];
                    if !POSIX_CLASSES.contains(&name) {
                        return Err(fail(RegexpProblem::InvalidCharRange, name));
                    }
                    t = &t[i + 4..];
                    continue;
                }
            }
            if let Some(rest) = self.unicode_class(t)? {
                t = rest;
                continue;
            }
            if let Some(rest) = perl_class(t) {
                t = rest;
                continue;
            }
            let range = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (hi, rest) = class_char(&t[1..], s)?;
                t = rest;
                if hi < lo {
                    return Err(fail(
                        RegexpProblem::InvalidCharRange,
                        &range[..range.len() - t.len()],
                    ));
                }
            }
        }
        Ok(&t[1..])
    }
}

/// The smallest budget with which Go's `repeatIsValid` accepts `x{min,max}` around an
/// operand needing `sub`: the count divides the budget passed down.
fn repeat_need(min: i64, max: i64, sub: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    let count = if max < 0 { min } else { max };
    match u64::try_from(count) {
        Ok(0) | Err(_) => sub,
        Ok(m) => m.saturating_mul(sub.max(1)),
    }
}

/// `{min}`, `{min,}` or `{min,max}` at the start of `s`: `(min, max, rest)` with max -1
/// for no upper bound and min -1 for a number too large; `None` when not that form.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (mut min, s) = parse_count(s)?;
    let (max, s) = match s.strip_prefix(',') {
        None => (min, s),
        Some("") => return None,
        Some(rest) if rest.starts_with('}') => (-1, rest),
        Some(rest) => {
            let (max, rest) = parse_count(rest)?;
            if max < 0 {
                min = -1;
            }
            (max, rest)
        }
    };
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// Go's `parseInt` for counts: decimal, no leading zero, -1 past 10^8.
fn parse_count(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits >= 2 && s.starts_with('0')) {
        return None;
    }
    let mut n: i64 = 0;
    for b in s[..digits].bytes() {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some((n, &s[digits..]))
}

/// `\d \D \s \S \w \W` at the start of `s`.
fn perl_class(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 2 && b[0] == b'\\' && matches!(b[1], b'd' | b'D' | b's' | b'S' | b'w' | b'W'))
        .then(|| &s[2..])
}

/// One character of a class, escaped or not; `whole` is the class for Go's message.
fn class_char<'a>(s: &'a str, whole: &str) -> Result<(u32, &'a str), RegexpError> {
    let Some(c) = s.chars().next() else {
        return Err(fail(RegexpProblem::MissingBracket, whole));
    };
    if c == '\\' {
        let rest = escape(s)?;
        return Ok((escaped_value(&s[1..s.len() - rest.len()]), rest));
    }
    Ok((u32::from(c), &s[c.len_utf8()..]))
}

/// The code point an escape sequence stands for (after its backslash), for range order.
fn escaped_value(body: &str) -> u32 {
    let mut chars = body.chars();
    match chars.next() {
        Some('x') => {
            let hex: String = body[1..].chars().filter(char::is_ascii_hexdigit).collect();
            u32::from_str_radix(&hex, 16).unwrap_or(0)
        }
        Some('0'..='7') => body
            .chars()
            .take(3)
            .map_while(|d| d.to_digit(8))
            .fold(0, |n, d| n * 8 + d),
        Some('a') => 7,
        Some('f') => 12,
        Some('n') => 10,
        Some('r') => 13,
        Some('t') => 9,
        Some('v') => 11,
        Some(c) => u32::from(c),
        None => 0,
    }
}

/// Go's `parseEscape`: returns the rest after a valid single-character escape.
fn escape(s: &str) -> Result<&str, RegexpError> {
    let t = &s[1..];
    let Some(c) = t.chars().next() else {
        return Err(fail(RegexpProblem::TrailingBackslash, ""));
    };
    let mut rest = &t[c.len_utf8()..];
    let invalid = |rest: &str| {
        Err(fail(
            RegexpProblem::InvalidEscape,
            &s[..s.len() - rest.len()],
        ))
    };
    match c {
        '1'..='7' if !rest.starts_with(|d: char| ('0'..='7').contains(&d)) => invalid(rest),
        '0'..='7' => {
            // Up to three octal digits in all.
            for _ in 0..2 {
                match rest.strip_prefix(|d: char| ('0'..='7').contains(&d)) {
                    Some(more) => rest = more,
                    None => break,
                }
            }
            Ok(rest)
        }
        'x' => {
            let Some(next) = rest.chars().next() else {
                return invalid(rest);
            };
            rest = &rest[next.len_utf8()..];
            if next == '{' {
                let mut value: u32 = 0;
                let mut digits = 0;
                loop {
                    let Some(d) = rest.chars().next() else {
                        return invalid(rest);
                    };
                    rest = &rest[d.len_utf8()..];
                    if d == '}' {
                        break;
                    }
                    let Some(v) = d.to_digit(16) else {
                        return invalid(rest);
                    };
                    value = value.saturating_mul(16).saturating_add(v);
                    if value > 0x10FFFF {
                        return invalid(rest);
                    }
                    digits += 1;
                }
                return if digits == 0 { invalid(rest) } else { Ok(rest) };
            }
            let second = rest.chars().next();
            if let Some(second) = second {
                rest = &rest[second.len_utf8()..];
            }
            if next.is_ascii_hexdigit() && second.is_some_and(|d| d.is_ascii_hexdigit()) {
                Ok(rest)
            } else {
                invalid(rest)
            }
        }
        'a' | 'f' | 'n' | 'r' | 't' | 'v' => Ok(rest),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(rest),
        _ => invalid(rest),
    }
}

const POSIX_CLASSES: [&str; 28] = [
    "[:alnum:]",
    "[:^alnum:]",
    "[:alpha:]",
    "[:^alpha:]",
    "[:ascii:]",
    "[:^ascii:]",
    "[:blank:]",
    "[:^blank:]",
    "[:cntrl:]",
    "[:^cntrl:]",
    "[:digit:]",
    "[:^digit:]",
    "[:graph:]",
    "[:^graph:]",
    "[:lower:]",
    "[:^lower:]",
    "[:print:]",
    "[:^print:]",
    "[:punct:]",
    "[:^punct:]",
    "[:space:]",
    "[:^space:]",
    "[:upper:]",
    "[:^upper:]",
    "[:word:]",
    "[:^word:]",
    "[:xdigit:]",
    "[:^xdigit:]",
];

/// Go's `unicode.Categories` keys up to Go 1.24.
const CATEGORIES: [&str; 36] = [
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// What Go 1.25 adds: special names and the long category aliases of Unicode.
const LOOSE_EXTRAS: [&str; 46] = [
    "ASCII",
    "Assigned",
    "Cn",
    "LC",
    "Cased_Letter",
    "Close_Punctuation",
    "Combining_Mark",
    "Connector_Punctuation",
    "Control",
    "Currency_Symbol",
    "Dash_Punctuation",
    "Decimal_Number",
    "Enclosing_Mark",
    "Final_Punctuation",
    "Format",
    "Initial_Punctuation",
    "Letter",
    "Letter_Number",
    "Line_Separator",
    "Lowercase_Letter",
    "Mark",
    "Math_Symbol",
    "Modifier_Letter",
    "Modifier_Symbol",
    "Nonspacing_Mark",
    "Number",
    "Open_Punctuation",
    "Other",
    "Other_Letter",
    "Other_Number",
    "Other_Punctuation",
    "Other_Symbol",
    "Paragraph_Separator",
    "Private_Use",
    "Punctuation",
    "Separator",
    "Space_Separator",
    "Spacing_Mark",
    "Surrogate",
    "Symbol",
    "Titlecase_Letter",
    "Unassigned",
    "Uppercase_Letter",
    "cntrl",
    "digit",
    "punct",
];

/// Go's `unicode.Scripts` keys (Unicode 15.0).
const SCRIPTS: [&str; 163] = [
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Go 1.25's `canonicalName`: spaces, `_` and `-` dropped, first letter upper case, the
/// rest lower case.
fn canonical(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().filter(|c| !matches!(c, ' ' | '_' | '-')) {
        if out.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn known_class_name(name: &str, names: ClassNames) -> bool {
    let exact = || name == "Any" || CATEGORIES.contains(&name) || SCRIPTS.contains(&name);
    match names {
        ClassNames::Exact => exact(),
        ClassNames::Loose => {
            exact() || {
                let wanted = canonical(name);
                ["Any"]
                    .iter()
                    .chain(CATEGORIES.iter())
                    .chain(SCRIPTS.iter())
                    .chain(LOOSE_EXTRAS.iter())
                    .any(|known| canonical(known) == wanted)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegexpProblem::*;

    #[test]
    fn valid_patterns() {
        let ok = [
            "",
            "Watchdog",
            "^(Watchdog|InfoInhibitor)$",
            "Kube.*",
            "a*?b+?c??",
            "x{2}y{2,}z{2,5}",
            "x{0}",
            "(?i)watchdog",
            "(?i:a)(?-i:b)(?sm-U)c",
            "(?P<name>a)(?<other>b)",
            "[a-z0-9_-]+",
            "[]a]",
            "[^]a]",
            "[a-]",
            "[-a]",
            "[[:alpha:][:^digit:]]",
            "[\\d\\s\\w\\pL\\p{Greek}]",
            "\\pL\\PN\\p{^Latin}\\p{Han}",
            "\\Qa.b*\\E+",
            "\\Qunterminated",
            "\\x41\\x{10FFFF}\\101\\0\\n\\t\\.\\_\\-",
            "\\A\\b\\B\\z",
            "a{,2}",
            "a{1",
            "{",
            "a{01}",
            "(a{10}){100}",
            "()",
            "(|a)",
            "a||b",
            "^*",
            "$+",
            "\\b*",
        ];
        for pattern in ok {
            assert_eq!(check(pattern, ClassNames::Exact), Ok(()), "{pattern:?}");
        }
    }

    #[test]
    fn invalid_patterns_get_go_s_error() {
        let bad: &[(&str, RegexpProblem, &str)] = &[
            ("(", MissingParen, "("),
            ("a(b", MissingParen, "a(b"),
            (")", UnexpectedParen, ")"),
            ("a)", UnexpectedParen, "a)"),
            ("[a", MissingBracket, "[a"),
            ("[]", MissingBracket, "[]"),
            ("[z-a]", InvalidCharRange, "z-a"),
            ("[[:foo:]]", InvalidCharRange, "[:foo:]"),
            ("\\p{Klingon}", InvalidCharRange, "\\p{Klingon}"),
            ("\\pX", InvalidCharRange, "\\pX"),
            ("\\p{Greek", InvalidCharRange, "\\p{Greek"),
            ("\\p", InvalidCharRange, "\\p"),
            ("*a", MissingRepeatArgument, "*"),
            ("(*)", MissingRepeatArgument, "*"),
            ("a|*", MissingRepeatArgument, "*"),
            ("a**", InvalidRepeatOp, "**"),
            ("a*??", InvalidRepeatOp, "*??"),
            ("a{2}{3}", InvalidRepeatOp, "{2}{3}"),
            ("a{1001}", InvalidRepeatSize, "{1001}"),
            ("a{3,2}", InvalidRepeatSize, "{3,2}"),
            ("a{100000000000}", InvalidRepeatSize, "{100000000000}"),
            ("(a{100}){100}", InvalidRepeatSize, "{100}"),
            ("\\", TrailingBackslash, ""),
            ("a\\", TrailingBackslash, ""),
            ("\\q", InvalidEscape, "\\q"),
            ("\\1", InvalidEscape, "\\1"),
            ("\\C", InvalidEscape, "\\C"),
            ("\\xZZ", InvalidEscape, "\\xZZ"),
            ("\\x{}", InvalidEscape, "\\x{}"),
            ("\\x{110000}", InvalidEscape, "\\x{110000"),
            ("\\é", InvalidEscape, "\\é"),
            ("[\\q]", InvalidEscape, "\\q"),
            ("(?P<>a)", InvalidNamedCapture, "(?P<>"),
            ("(?P<a-b>c)", InvalidNamedCapture, "(?P<a-b>"),
            ("(?P<name", InvalidNamedCapture, "(?P<name"),
            ("(?=a)", InvalidPerlOp, "(?="),
            ("(?x)", InvalidPerlOp, "(?x"),
            ("(?i", InvalidPerlOp, "(?i"),
            ("(?-)", InvalidPerlOp, "(?-)"),
            ("(?i--m)", InvalidPerlOp, "(?i--"),
        ];
        for (pattern, problem, part) in bad {
            let err = check(pattern, ClassNames::Loose).expect_err(pattern);
            assert_eq!(err.problem, *problem, "{pattern:?}: {err}");
            assert_eq!(err.part, *part, "{pattern:?}: {err}");
        }
        let deep = format!("{}a{}", "(".repeat(1001), ")".repeat(1001));
        assert_eq!(
            check(&deep, ClassNames::Exact).map_err(|e| e.problem),
            Err(NestingDepth)
        );
    }

    #[test]
    fn loose_names_need_go_1_25() {
        for name in [
            "\\p{Letter}",
            "\\p{greek}",
            "\\p{ASCII}",
            "\\p{old italic}",
            "\\p{lu}",
        ] {
            assert!(check(name, ClassNames::Loose).is_ok(), "{name}");
            assert!(check(name, ClassNames::Exact).is_err(), "{name}");
        }
        assert!(check("\\p{Any}", ClassNames::Exact).is_ok());
        assert!(check("\\p{Nonsense}", ClassNames::Loose).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[-a-z()\\[\\]{}|*+?^$.\\\\:<>P0-9,é]{0,16}") {
            let _ = check(&s, ClassNames::Loose);
            let _ = check(&s, ClassNames::Exact);
        }
    }
}
