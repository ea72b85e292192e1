//! Compact storage for the strings of an [`super::Inventory`].
//!
//! A cluster repeats the same few hundred namespaces, label keys, label values and owner
//! kinds across 100k pods, so the inventory shares one copy of each: a [`Text`] is a
//! reference-counted string, and [`Strings`] hands out the same `Text` for equal content
//! while a manifest is read. [`Labels`] keeps a label map as one sorted slice of pairs
//! rather than a B-tree of owned strings.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable, shared string: cloning it copies a pointer.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Hash and Eq of `Arc<str>` are those of the content, so lookups by `&str` agree.
impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

/// Hands out one shared [`Text`] per distinct string.
#[derive(Default)]
pub struct Strings {
    seen: HashSet<Text, FxBuildHasher>,
}

impl Strings {
    /// The shared copy of `s`, made on first sight.
    pub fn get(&mut self, s: &str) -> Text {
        if let Some(text) = self.seen.get(s) {
            return text.clone();
        }
        let text = Text::from(s);
        self.seen.insert(text.clone());
        text
    }
}

/// A label map: pairs sorted by key, each key once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Box<[(Text, Text)]>);

impl Labels {
    /// Builds the map from pairs in any order; a repeated key keeps its last value, as
    /// inserting into a map would.
    pub fn from_pairs(mut pairs: Vec<(Text, Text)>) -> Labels {
        // A stable sort keeps repeats in input order, so the last one is kept below.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Text, Text)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        Labels(out.into_boxed_slice())
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Text> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// The pairs, by key.
    pub fn iter(&self) -> std::slice::Iter<'_, (Text, Text)> {
        self.0.iter()
    }

    /// How many labels there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a (Text, Text);
    type IntoIter = std::slice::Iter<'a, (Text, Text)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        Labels::from_pairs(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// A multiply-and-rotate hasher for short keys (ids, names). Keys here come from the
/// input, but a hash table only slows down under collisions; it cannot answer wrongly,
/// and SipHash cost more than the rest of the label index.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

// 2^64 / golden ratio, odd: multiplying by it spreads low bits into the high ones.
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Builds [`FxHasher`]s for `HashMap` and `HashSet`.
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_keep_the_last_repeat_and_look_up_by_key() {
        let labels: Labels = [("b", "2"), ("a", "1"), ("b", "3")].into_iter().collect();
        let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(pairs, [("a", "1"), ("b", "3")]);
        assert_eq!(labels.get("b").map(Text::as_str), Some("3"));
        assert_eq!(labels.get("c"), None);
    }

    #[test]
    fn strings_share_one_copy() {
        let mut strings = Strings::default();
        let a = strings.get("web");
        let b = strings.get("web");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "web");
    }
}
