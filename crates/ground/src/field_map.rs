//! Compact containers for the many small per-record maps a sync holds at once.
//!
//! A first sync reads and plans hundreds of thousands of records, each with a handful of
//! fields. A `BTreeMap` allocates a node sized for eleven entries however few it holds, and a
//! `String` key allocates the same field name again for every record. [`FieldMap`] keeps the
//! entries in one exactly-sized sorted `Vec`, and [`FieldName`] shares one allocation per name
//! (see [`FieldNames`]). Both serialize exactly as `BTreeMap<String, _>` and `String` do, so
//! saved plans and state keep their format.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, Index};
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field or property API name (or a mapping key). Cloning shares the text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldName(Arc<str>);

impl FieldName {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both are the same shared allocation (not merely equal text): how tests check
    /// that many records hold one copy of each name.
    pub fn shares_text_with(&self, other: &FieldName) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for FieldName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FieldName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for FieldName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for FieldName {
    fn from(text: &str) -> Self {
        FieldName(Arc::from(text))
    }
}

impl From<&String> for FieldName {
    fn from(text: &String) -> Self {
        FieldName(Arc::from(text.as_str()))
    }
}

impl From<String> for FieldName {
    fn from(text: String) -> Self {
        FieldName(Arc::from(text))
    }
}

impl From<FieldName> for String {
    fn from(name: FieldName) -> Self {
        name.0.to_string()
    }
}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FieldName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Prints like a `String`, so debug output does not change with the representation.
impl fmt::Debug for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for FieldName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FieldName::from)
    }
}

/// Hands out one shared [`FieldName`] per distinct text. Field names come from the Program
/// and the schemas, so the set stays as small as the spec.
#[derive(Debug, Default)]
pub struct FieldNames(HashSet<FieldName>);

impl FieldNames {
    pub fn get(&mut self, text: &str) -> FieldName {
        if let Some(name) = self.0.get(text) {
            return name.clone();
        }
        let name = FieldName::from(text);
        self.0.insert(name.clone());
        name
    }

    /// Replaces `name` with the shared copy of the same text (freeing its own).
    pub fn share(&mut self, name: &mut FieldName) {
        match self.0.get(name.as_str()) {
            Some(shared) => *name = shared.clone(),
            None => {
                self.0.insert(name.clone());
            }
        }
    }
}

/// What a [`FieldMap`] can be searched by: anything its keys borrow as (`&str` for
/// [`FieldName`] keys, as with a `BTreeMap`), and a `String` for [`FieldName`] keys, so code
/// written against the `BTreeMap<String, _>` these maps replaced looks up by `&String` as it did.
pub trait FieldMapKey<K> {
    /// How `self` orders against `key`.
    fn cmp_to_key(&self, key: &K) -> Ordering;
}

impl<K: Borrow<Q>, Q: Ord + ?Sized> FieldMapKey<K> for Q {
    fn cmp_to_key(&self, key: &K) -> Ordering {
        self.cmp(key.borrow())
    }
}

impl FieldMapKey<FieldName> for String {
    fn cmp_to_key(&self, key: &FieldName) -> Ordering {
        self.as_str().cmp(key.as_str())
    }
}

/// A map with few entries, kept sorted by key in one `Vec`: the same iteration order, lookups
/// and serialized form as a `BTreeMap`, at the size of its entries.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for FieldMap<K, V> {
    fn default() -> Self {
        FieldMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> FieldMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn position<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        Q: FieldMapKey<K> + ?Sized,
    {
        self.entries
            .binary_search_by(|(k, _)| key.cmp_to_key(k).reverse())
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: FieldMapKey<K> + ?Sized,
    {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: FieldMapKey<K> + ?Sized,
    {
        self.position(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: FieldMapKey<K> + ?Sized,
    {
        self.position(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: FieldMapKey<K> + ?Sized,
    {
        self.position(key).ok().map(|i| self.entries.remove(i).1)
    }
}

impl<K, V> FieldMap<K, V> {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for FieldMap<K, V> {
    /// Like `BTreeMap`'s: sorted by key, and the last of equal keys wins.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut items: Vec<(K, V)> = iter.into_iter().collect();
        // Stable, so equal keys stay in insertion order and the last can win.
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let mut entries: Vec<(K, V)> = Vec::with_capacity(items.len());
        for (key, value) in items {
            match entries.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => entries.push((key, value)),
            }
        }
        FieldMap { entries }
    }
}

impl<K: Ord, V> Extend<(K, V)> for FieldMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}

impl<K: Ord, V> From<std::collections::BTreeMap<K, V>> for FieldMap<K, V> {
    fn from(map: std::collections::BTreeMap<K, V>) -> Self {
        // Already sorted and unique.
        FieldMap {
            entries: map.into_iter().collect(),
        }
    }
}

impl<K, V, Q> Index<&Q> for FieldMap<K, V>
where
    K: Ord,
    Q: FieldMapKey<K> + ?Sized,
{
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key)
            .expect("no entry for this key in the FieldMap")
    }
}

/// Iterates entries in key order as `(&K, &V)`, like `BTreeMap::iter`.
#[derive(Clone)]
pub struct Iter<'a, K, V>(std::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a FieldMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K, V> IntoIterator for FieldMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for FieldMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for FieldMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, K, V> Deserialize<'de> for FieldMap<K, V>
where
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K, V> Visitor<'de> for MapVisitor<K, V>
        where
            K: Deserialize<'de> + Ord,
            V: Deserialize<'de>,
        {
            type Value = FieldMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(entry) = access.next_entry()? {
                    items.push(entry);
                }
                Ok(items.into_iter().collect())
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn field_map_serializes_like_a_btree_map() {
        let pairs = [("zeta", 1), ("alpha", 2), ("mid", 3), ("alpha", 4)];
        let map: FieldMap<FieldName, i32> = pairs
            .iter()
            .map(|(k, v)| (FieldName::from(*k), *v))
            .collect();
        let tree: BTreeMap<String, i32> = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            serde_json::to_string(&tree).unwrap()
        );
        assert_eq!(format!("{map:?}"), format!("{tree:?}"));
        let back: FieldMap<FieldName, i32> =
            serde_json::from_value(json!({"b": 1, "a": 2, "b": 3})).unwrap();
        assert_eq!(back.get("a"), Some(&2));
        assert_eq!(back.get("b"), Some(&3));
        assert_eq!(
            back.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn field_map_insert_keeps_keys_sorted_and_replaces() {
        let mut map: FieldMap<String, i32> = FieldMap::new();
        for (k, v) in [("c", 1), ("a", 2), ("b", 3)] {
            assert_eq!(map.insert(k.to_string(), v), None);
        }
        assert_eq!(map.insert("a".to_string(), 9), Some(2));
        assert_eq!(
            map.iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
            [("a", 9), ("b", 3), ("c", 1)]
        );
        assert_eq!(map.remove("b"), Some(3));
        assert!(!map.contains_key("b"));
        assert_eq!(map["c"], 1);
    }

    #[test]
    fn field_map_of_field_names_looks_up_by_str_string_and_name() {
        let map: FieldMap<FieldName, i32> = [("email", 1), ("phone", 2)]
            .iter()
            .map(|(k, v)| (FieldName::from(*k), *v))
            .collect();
        assert_eq!(map.get("email"), Some(&1));
        assert_eq!(map.get(&"phone".to_string()), Some(&2));
        assert_eq!(map.get(&FieldName::from("phone")), Some(&2));
        assert!(!map.contains_key(&"fax".to_string()));
        assert_eq!(map[&"email".to_string()], 1);
    }

    #[test]
    fn field_names_share_one_allocation_per_text() {
        let mut names = FieldNames::default();
        let a = names.get("email");
        let b = names.get("email");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        let mut c = FieldName::from("email");
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        names.share(&mut c);
        assert!(Arc::ptr_eq(&a.0, &c.0));
        assert_eq!(a, "email");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"email\"");
    }
}
