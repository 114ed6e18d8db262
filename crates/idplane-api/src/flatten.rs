//! Flattened parameters (`Key.N`, `Key.Sub`, as query strings and forms carry them) rebuilt
//! into the JSON objects and lists the JSON bodies carry. List indexes may start at 0
//! (Tencent) or 1 (Volcengine): items keep their order either way.

use serde_json::{Map, Value};

/// Rebuilds `A.1=x&A.2=y&B.C=z` into `{"A":["x","y"],"B":{"C":"z"}}`, leaving out `skip`.
pub fn unflatten(pairs: impl IntoIterator<Item = (String, String)>, skip: &[&str]) -> Value {
    let mut root = Map::new();
    for (key, value) in pairs {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let parts: Vec<&str> = key.split('.').collect();
        insert(&mut root, &parts, value);
    }
    lists(Value::Object(root))
}

fn insert(map: &mut Map<String, Value>, parts: &[&str], value: String) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).to_owned(), Value::String(value));
        return;
    }
    let child = map
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    if let Value::Object(inner) = child {
        insert(inner, rest, value);
    }
}

/// Objects whose keys are all numbers become lists ordered by number.
fn lists(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if !map.is_empty() && map.keys().all(|k| k.parse::<u32>().is_ok()) {
                let mut items: Vec<(u32, Value)> = map
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, lists(v))))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, lists(v))).collect())
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn one_based_lists_and_objects() {
        let p = pairs(&[
            ("UserUids.2", "b"),
            ("UserUids.1", "a"),
            ("Filter.Name", "x y"),
            ("PageSize", "10"),
            ("Action", "ListUsers"),
        ]);
        assert_eq!(
            unflatten(p, &["Action"]),
            json!({"UserUids": ["a", "b"], "Filter": {"Name": "x y"}, "PageSize": "10"})
        );
    }

    #[test]
    fn zero_based_lists() {
        let p = pairs(&[
            ("ExpectedFields.1", "Phone"),
            ("ExpectedFields.0", "UserName"),
            ("Sort.SortKey", "UserName"),
        ]);
        assert_eq!(
            unflatten(p, &[]),
            json!({"ExpectedFields": ["UserName", "Phone"], "Sort": {"SortKey": "UserName"}})
        );
    }
}
