//! Bounds every action's parameters must keep, whatever their dialect and framing, checked once
//! on the parsed parameters before any action sees them: nesting, the number of values, list
//! and text lengths, and no NUL or other C0 control characters but tab, CR and LF in any text.
//! The walk keeps its own stack, so a hostile document cannot exhaust the thread's.

use serde_json::Value;

/// Deepest nesting of objects and lists (the deepest action input nests four levels).
pub const MAX_DEPTH: usize = 16;
/// The most values (objects, lists, texts, numbers…) in one request.
pub const MAX_VALUES: usize = 20_000;
/// The longest list.
pub const MAX_LIST: usize = 1_000;
/// The longest object key, in bytes.
pub const MAX_KEY: usize = 128;
/// The longest text value, in bytes (a user's metadata may hold 64 KiB).
pub const MAX_TEXT: usize = 256 * 1024;

/// A parameter that broke a bound: its path (`Filter.Name`, `UserUids.3`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

fn violation(path: &str, message: String) -> Violation {
    let path = if path.is_empty() { "." } else { path };
    Violation {
        path: path.chars().take(128).collect(),
        message,
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// Whether text holds a character no parameter may carry: NUL and the other C0 controls but
/// tab, CR and LF, and DEL.
pub fn has_forbidden_char(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
}

fn check_text(path: &str, text: &str) -> Result<(), Violation> {
    if text.len() > MAX_TEXT {
        return Err(violation(
            path,
            format!("a text value is at most {MAX_TEXT} bytes long"),
        ));
    }
    if has_forbidden_char(text) {
        return Err(violation(
            path,
            "must not contain NUL or other control characters".to_owned(),
        ));
    }
    Ok(())
}

/// Checks every bound over `params`; the first broken one is reported.
pub fn check(params: &Value) -> Result<(), Violation> {
    let mut stack: Vec<(&Value, String, usize)> = vec![(params, String::new(), 0)];
    let mut seen = 0usize;
    while let Some((value, path, depth)) = stack.pop() {
        seen += 1;
        if seen > MAX_VALUES {
            return Err(violation(
                ".",
                format!("a request carries at most {MAX_VALUES} values"),
            ));
        }
        match value {
            Value::String(text) => check_text(&path, text)?,
            Value::Array(items) => {
                if depth >= MAX_DEPTH {
                    return Err(violation(&path, format!("nested deeper than {MAX_DEPTH}")));
                }
                if items.len() > MAX_LIST {
                    return Err(violation(
                        &path,
                        format!("a list has at most {MAX_LIST} items, got {}", items.len()),
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, join(&path, &i.to_string()), depth + 1));
                }
            }
            Value::Object(map) => {
                if depth >= MAX_DEPTH {
                    return Err(violation(&path, format!("nested deeper than {MAX_DEPTH}")));
                }
                for (key, item) in map {
                    if key.len() > MAX_KEY || has_forbidden_char(key) {
                        let shown: String = key.chars().take(32).collect();
                        return Err(violation(
                            &path,
                            format!("the key {shown:?} is too long or holds control characters"),
                        ));
                    }
                    stack.push((item, join(&path, key), depth + 1));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    Ok(())
}

/// The longest text a search filter compares with: no searchable attribute is longer.
pub const MAX_FILTER_TEXT: usize = 2048;

/// Checks the texts of a request's `Filter` object (every list action names its conditions
/// there): a condition longer than any stored value is refused rather than sent to the
/// database, where SQLite and PostgreSQL would answer it differently.
pub fn check_filter(params: &Value) -> Result<(), Violation> {
    let Some(filter) = params.get("Filter") else {
        return Ok(());
    };
    let mut stack: Vec<(&Value, String)> = vec![(filter, "Filter".to_owned())];
    while let Some((value, path)) = stack.pop() {
        match value {
            Value::String(text) if text.chars().count() > MAX_FILTER_TEXT => {
                return Err(violation(
                    &path,
                    format!("a filter value is at most {MAX_FILTER_TEXT} characters long"),
                ));
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, join(&path, &i.to_string())));
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    stack.push((item, join(&path, key)));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ordinary_inputs_pass() {
        let v = json!({"UserPoolUid": "p", "Filter": {"Name": "x\ty"}, "UserUids": ["a", "b"],
                       "UserMetadata": "{\n}", "PageSize": 10, "Flag": true, "None": null});
        assert_eq!(check(&v), Ok(()));
    }

    #[test]
    fn nul_and_controls_are_named_by_path() {
        let v = json!({"Filter": {"Name": "a\u{0}b"}});
        assert_eq!(check(&v).unwrap_err().path, "Filter.Name");
        let v = json!({"UserUids": ["ok", "bell\u{7}"]});
        assert_eq!(check(&v).unwrap_err().path, "UserUids.1");
        let v = json!({"Bad\u{0}Key": 1});
        assert!(check(&v).is_err());
        assert!(check(&json!({"x": "del\u{7f}"})).is_err());
    }

    #[test]
    fn long_filter_texts_are_refused() {
        let long = "x".repeat(MAX_FILTER_TEXT + 1);
        let v = json!({"Filter": {"Name": long}, "Other": long});
        assert_eq!(check_filter(&v).unwrap_err().path, "Filter.Name");
        assert!(check_filter(&json!({"Other": long})).is_ok());
        assert!(check_filter(&json!({"Filter": {"Name": "x".repeat(MAX_FILTER_TEXT)}})).is_ok());
    }

    #[test]
    fn size_bounds() {
        let long_list: Vec<u32> = (0..=MAX_LIST as u32).collect();
        assert!(check(&json!({ "L": long_list })).is_err());
        assert!(check(&json!({ "T": "x".repeat(MAX_TEXT + 1) })).is_err());
        let mut deep = json!(1);
        for _ in 0..=MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(check(&deep).is_err());
        let many: serde_json::Map<String, Value> = (0..MAX_VALUES)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        assert!(check(&Value::Object(many)).is_err());
    }
}
