//! Flattened parameters (`Key.N`, `Key.Sub`, as query strings and forms carry them) rebuilt
//! into the JSON objects and lists the JSON bodies carry. List indexes may start at 0
//! (Tencent) or 1 (Volcengine): items keep their order either way.
//!
//! Names are bounded ([`MAX_PARAMS`], [`MAX_NAME_LEN`], [`MAX_DEPTH`]) and the tree is built
//! and converted without recursion, so no parameter name can exhaust the stack.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The most parameters one request may carry.
pub const MAX_PARAMS: usize = 2_000;
/// The longest parameter name, in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// The most `.`-separated parts one name may have.
pub const MAX_DEPTH: usize = 8;

/// Why a set of flattened parameters was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlattenError {
    /// The offending name, shortened for messages.
    pub name: String,
    pub message: String,
}

impl FlattenError {
    fn new(name: &str, message: String) -> Self {
        let name: String = name.chars().take(64).collect();
        Self { name, message }
    }
}

impl std::fmt::Display for FlattenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parameter {:?}: {}", self.name, self.message)
    }
}

/// One node of the tree being built: a value, or named children.
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, usize>),
}

/// Rebuilds `A.1=x&A.2=y&B.C=z` into `{"A":["x","y"],"B":{"C":"z"}}`, leaving out `skip`. A name
/// given both as a value and as a parent (`A=1&A.B=2`) keeps what came last.
pub fn unflatten(
    pairs: impl IntoIterator<Item = (String, String)>,
    skip: &[&str],
) -> Result<Value, FlattenError> {
    let mut nodes = vec![Node::Branch(BTreeMap::new())];
    let mut count = 0usize;
    for (key, value) in pairs {
        if skip.contains(&key.as_str()) {
            continue;
        }
        count += 1;
        if count > MAX_PARAMS {
            return Err(FlattenError::new(
                &key,
                format!("a request carries at most {MAX_PARAMS} parameters"),
            ));
        }
        if key.len() > MAX_NAME_LEN {
            return Err(FlattenError::new(
                &key,
                format!("a parameter name is at most {MAX_NAME_LEN} bytes long"),
            ));
        }
        let parts: Vec<&str> = key.split('.').collect();
        if parts.len() > MAX_DEPTH {
            return Err(FlattenError::new(
                &key,
                format!("a parameter name has at most {MAX_DEPTH} parts"),
            ));
        }
        if parts.iter().any(|p| p.is_empty()) {
            return Err(FlattenError::new(&key, "a name part is empty".to_owned()));
        }
        insert(&mut nodes, &parts, value);
    }
    Ok(build(nodes))
}

/// Walks (and makes) the branches of `parts` from the root and sets the last one's value.
fn insert(nodes: &mut Vec<Node>, parts: &[&str], value: String) {
    let mut at = 0usize;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if !matches!(nodes[at], Node::Branch(_)) {
            nodes[at] = Node::Branch(BTreeMap::new());
        }
        let existing = match &nodes[at] {
            Node::Branch(children) => children.get(*part).copied(),
            Node::Leaf(_) => None,
        };
        let child = match existing {
            Some(child) => child,
            None => {
                nodes.push(Node::Branch(BTreeMap::new()));
                let child = nodes.len() - 1;
                if let Node::Branch(children) = &mut nodes[at] {
                    children.insert((*part).to_owned(), child);
                }
                child
            }
        };
        if last {
            nodes[child] = Node::Leaf(value);
            return;
        }
        at = child;
    }
}

/// Converts the tree into JSON, children before parents (a child is always made after its
/// parent, so walking the nodes backwards meets every child first). Branches whose names are
/// all numbers become lists ordered by number.
fn build(nodes: Vec<Node>) -> Value {
    let mut done: Vec<Option<Value>> = Vec::with_capacity(nodes.len());
    done.resize_with(nodes.len(), || None);
    for (index, node) in nodes.into_iter().enumerate().rev() {
        let value = match node {
            Node::Leaf(text) => Value::String(text),
            Node::Branch(children) => {
                let numbered: Option<Vec<(u32, usize)>> = children
                    .iter()
                    .map(|(name, child)| name.parse::<u32>().ok().map(|n| (n, *child)))
                    .collect();
                match numbered {
                    Some(mut items) if !items.is_empty() => {
                        items.sort_by_key(|(n, _)| *n);
                        Value::Array(
                            items
                                .into_iter()
                                .map(|(_, child)| done[child].take().unwrap_or(Value::Null))
                                .collect(),
                        )
                    }
                    _ => Value::Object(
                        children
                            .into_iter()
                            .map(|(name, child)| (name, done[child].take().unwrap_or(Value::Null)))
                            .collect::<Map<String, Value>>(),
                    ),
                }
            }
        };
        done[index] = Some(value);
    }
    done.into_iter()
        .next()
        .flatten()
        .unwrap_or_else(|| Value::Object(Map::new()))
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
            unflatten(p, &["Action"]).unwrap(),
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
            unflatten(p, &[]).unwrap(),
            json!({"ExpectedFields": ["UserName", "Phone"], "Sort": {"SortKey": "UserName"}})
        );
    }

    #[test]
    fn lists_of_objects_and_later_values_win() {
        let p = pairs(&[
            ("Tags.1.Key", "k1"),
            ("Tags.1.Value", "v1"),
            ("Tags.2.Key", "k2"),
            ("A", "leaf"),
            ("A.B", "branch"),
            ("C.D", "branch"),
            ("C", "leaf"),
        ]);
        assert_eq!(
            unflatten(p, &[]).unwrap(),
            json!({
                "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2"}],
                "A": {"B": "branch"},
                "C": "leaf",
            })
        );
    }

    /// A name of thousands of dots once recursed once per dot and overflowed the stack.
    #[test]
    fn deep_and_long_names_are_refused_not_followed() {
        let dots = "a.".repeat(5_000);
        let e = unflatten(pairs(&[(&dots, "x")]), &[]).unwrap_err();
        assert!(e.message.contains("at most 256 bytes"), "{e}");
        let deep = ["a"; MAX_DEPTH + 1].join(".");
        let e = unflatten(pairs(&[(&deep, "x")]), &[]).unwrap_err();
        assert!(e.message.contains("at most 8 parts"), "{e}");
        let ok = ["a"; MAX_DEPTH].join(".");
        assert!(unflatten(pairs(&[(&ok, "x")]), &[]).is_ok());
        assert!(unflatten(pairs(&[("a..b", "x")]), &[]).is_err());
        assert!(unflatten(pairs(&[(".", "x")]), &[]).is_err());
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let many: Vec<(String, String)> = (0..=MAX_PARAMS)
            .map(|i| (format!("K{i}"), String::new()))
            .collect();
        assert!(unflatten(many, &[]).is_err());
        let skipped: Vec<(String, String)> = (0..MAX_PARAMS + 10)
            .map(|_| ("Action".to_owned(), String::new()))
            .collect();
        assert!(unflatten(skipped, &["Action"]).is_ok());
    }
}
