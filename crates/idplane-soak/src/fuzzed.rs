//! Random parameters: texts, numbers, JSON values shaped like the actions' inputs (their real
//! field names and identifiers that exist, mixed with hostile ones), and flattened names.

use serde_json::{Map, Number, Value};

use crate::rng::Rng;

/// Field names the actions of both dialects read.
pub const FIELDS: &[&str] = &[
    "UserPoolUid",
    "UserPoolUids",
    "UserUid",
    "UserUids",
    "UserUidsOr",
    "GroupUid",
    "GroupUids",
    "GroupUidsOr",
    "DepartmentUid",
    "DepartmentUids",
    "DepartmentUidRecursive",
    "ParentDepartmentUid",
    "RootDepartmentUid",
    "ClientUid",
    "ClientType",
    "ClientTypes",
    "Name",
    "Description",
    "PageSize",
    "PageNumber",
    "MaxResults",
    "NextToken",
    "Filter",
    "Sort",
    "SortField",
    "SortDirection",
    "SortKey",
    "SortOrder",
    "PreferredUsername",
    "Email",
    "PhoneNumber",
    "Password",
    "Nickname",
    "GivenName",
    "FamilyName",
    "MiddleName",
    "Gender",
    "Birthdate",
    "Zoneinfo",
    "Locale",
    "Website",
    "Picture",
    "Profile",
    "UserMetadata",
    "CustomAttributes",
    "ExternalId",
    "ExternalID",
    "Tags",
    "Key",
    "Value",
    "Precedence",
    "IamRoleTrn",
    "ProjectName",
    "Enabled",
    "EmailVerified",
    "PhoneNumberVerified",
    "UserState",
    "Keyword",
    "Month",
    "ForceDeleteChildren",
    "ForceDeleteMembers",
    "MaxDepth",
    "SignInAttributes",
    "RequiredSignUpAttributes",
    "AllowedCallbackUrls",
    "AllowedLogoutUrls",
    "IdToken",
    "RefreshToken",
    "LifetimeSeconds",
    "Rotation",
    "PasswordSignInEnabled",
    "SelfSignUpEnabled",
    "Brand",
    "Source",
    "NotInAnyGroup",
    "NotInAnyDepartment",
    "UniversalSearch",
    "UserName",
    "UserId",
    "UserIds",
    "UserGroupId",
    "UserGroupIds",
    "DisplayName",
    "Phone",
    "OrgNodeId",
    "ParentOrgNodeId",
    "CustomizedOrgNodeId",
    "SecondaryOrgNodeIdList",
    "Offset",
    "Limit",
    "SearchCondition",
    "IncludeTotal",
    "ExpectedFields",
    "ExpirationTime",
    "PwdNeedReset",
    "Status",
    "CreationTime",
    "LastUpdateTime",
    "Recursive",
    "IncludeOrgNodeChildInfo",
    "DeleteIdList",
    "DeleteNameList",
    "ApplicationId",
    "AccountGroupId",
    "AccountIds",
    "Users",
    "Departments",
];

const ODD: &[&str] = &[
    "",
    " ",
    "*",
    "a*",
    "*a*",
    "**",
    "%",
    "_",
    "%_%",
    "\\",
    "\"",
    "'",
    "' OR '1'='1",
    "--",
    "; DROP TABLE users; --",
    "NULL",
    "null",
    "true",
    "0",
    "-1",
    "[",
    "]",
    "{}",
    "[]",
    "(,]",
    "[,)",
    ",",
    "[2025-01-01T00:00:00Z,2026-01-01T00:00:00Z)",
    "2025-11-01T08:00:00Z",
    "2025-13-45T99:99:99Z",
    "9999-12-31T23:59:59.999+0000",
    "0000-00-00",
    "2025-11",
    "Normal",
    "Disabled",
    "Locked",
    "Freeze",
    "ASC",
    "DESC",
    "UserName",
    "CreateTime",
    "CONFIRMED",
    "UNCONFIRMED",
    "DISABLED",
    "FORCE_CHANGE_PASSWORD",
    "WEB_APPLICATION",
    "MACHINE_TO_MACHINE",
    "user@example.com",
    "a@b",
    "@",
    "+8613800000000",
    "https://app.example/cb",
    "javascript:alert(1)",
    "../../etc/passwd",
    "%00",
    "%2e%2e",
    "\u{0}",
    "a\u{0}b",
    "\u{1}\u{2}\u{3}",
    "\u{1b}[31m",
    "\u{7f}",
    "\r\n",
    "\t",
    "\u{85}",
    "名字",
    "Ünïcödé",
    "😀🙃",
    "\u{202E}rtl",
    "e\u{301}",
    "\u{FEFF}",
    "\u{10FFFF}",
    "ｆｕｌｌ",
    "𝔘𝔫𝔦",
    "\u{FFFD}",
    "\u{D7FF}",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
];

/// Lengths around the bounds the server keeps (keys, filters, parameters, texts).
const LONG: &[usize] = &[
    64, 127, 128, 129, 255, 256, 257, 1024, 2048, 2049, 4096, 16_385, 65_537,
];

/// A random text: a word, an identifier that exists, an odd or hostile one, or a long one.
pub fn text(rng: &mut Rng, ids: &[String]) -> String {
    match rng.weighted(&[30, 25, 25, 8, 6, 4, 2]) {
        0 => word(rng),
        1 if !ids.is_empty() => rng.pick(ids).clone(),
        2 | 1 => (*rng.pick(ODD)).to_owned(),
        3 => number(rng).to_string(),
        4 => {
            let a = text(rng, ids);
            let b = text(rng, ids);
            format!("{a}{b}")
        }
        5 => long(rng),
        _ => raw_chars(rng),
    }
}

pub fn word(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    let n = rng.range(1, 12);
    (0..n).map(|_| char::from(*rng.pick(LETTERS))).collect()
}

/// A text around a bound's length, rarely one over the largest text a parameter may be.
fn long(rng: &mut Rng) -> String {
    let n = if rng.chance(20) {
        256 * 1024 + rng.range(1, 1000)
    } else {
        *rng.pick(LONG)
    };
    let unit = *rng.pick(&["x", "é", "😀", "a.", "\u{0}"]);
    unit.repeat(n / unit.len().max(1) + 1)
}

/// Characters drawn from anywhere in Unicode's scalar values.
fn raw_chars(rng: &mut Rng) -> String {
    let n = rng.range(1, 40);
    (0..n)
        .filter_map(|_| {
            let range = *rng.pick(&[0x20u32, 0x80, 0x800, 0x1_0000, 0x11_0000]);
            char::from_u32(rng.below(range as usize) as u32)
        })
        .collect()
}

pub fn number(rng: &mut Rng) -> Value {
    let choices: [Value; 16] = [
        Value::from(0),
        Value::from(1),
        Value::from(-1),
        Value::from(10),
        Value::from(100),
        Value::from(101),
        Value::from(1000),
        Value::from(1001),
        Value::from(i64::from(i32::MAX) + 1),
        Value::from(1_i64 << 53),
        Value::from(i64::MAX),
        Value::from(i64::MIN),
        Value::from(u64::MAX),
        Number::from_f64(1e308).map_or(Value::Null, Value::Number),
        Number::from_f64(-0.5).map_or(Value::Null, Value::Number),
        Value::from(rng.next_u64() as i64),
    ];
    rng.pick(&choices).clone()
}

/// A number as its text, or a text that is not one.
fn numberish(rng: &mut Rng, ids: &[String]) -> Value {
    match rng.below(4) {
        0 | 1 => number(rng),
        2 => Value::String(number(rng).to_string()),
        _ => Value::String(text(rng, ids)),
    }
}

fn boolish(rng: &mut Rng, ids: &[String]) -> Value {
    let choices = ["true", "false", "True", "1", "0", "yes", ""];
    match rng.below(5) {
        0 | 1 => Value::Bool(rng.chance(500)),
        2 => Value::String((*rng.pick(&choices)).to_owned()),
        3 => number(rng),
        _ => Value::String(text(rng, ids)),
    }
}

fn id(rng: &mut Rng, ids: &[String]) -> Value {
    if !ids.is_empty() && rng.chance(700) {
        Value::String(rng.pick(ids).clone())
    } else if rng.chance(700) {
        Value::String(text(rng, ids))
    } else {
        number(rng)
    }
}

fn id_list(rng: &mut Rng, ids: &[String]) -> Value {
    let n = match rng.weighted(&[80, 10, 5, 5]) {
        0 => rng.range(0, 5),
        1 => rng.range(20, 120),
        2 => rng.range(995, 1005),
        _ => 0,
    };
    if rng.chance(50) {
        return id(rng, ids);
    }
    Value::Array((0..n).map(|_| id(rng, ids)).collect())
}

/// A value fit, more or less, for the field `name`.
pub fn field(rng: &mut Rng, ids: &[String], name: &str, depth: usize) -> Value {
    if depth >= 6 {
        return Value::String(text(rng, ids));
    }
    if rng.chance(80) {
        return any(rng, ids, depth);
    }
    let ends = |s: &str| name.ends_with(s);
    if ends("Uids") || ends("Ids") || ends("List") || ends("UidsOr") || ends("Attributes") {
        id_list(rng, ids)
    } else if ends("Uid") || ends("Id") || ends("ID") || ends("Recursive") {
        id(rng, ids)
    } else if matches!(
        name,
        "PageSize" | "PageNumber" | "MaxResults" | "Offset" | "Limit" | "Precedence" | "MaxDepth"
    ) || ends("Seconds")
    {
        numberish(rng, ids)
    } else if ends("Enabled") || ends("Verified") || name.starts_with("Include") || ends("Reset") {
        boolish(rng, ids)
    } else if matches!(
        name,
        "Filter" | "SearchCondition" | "Sort" | "IdToken" | "RefreshToken" | "Brand"
    ) {
        object(rng, ids, depth + 1)
    } else if name == "Tags" || name == "Users" || name == "Departments" {
        let n = rng.range(0, 4);
        Value::Array((0..n).map(|_| object(rng, ids, depth + 1)).collect())
    } else {
        Value::String(text(rng, ids))
    }
}

/// An object of a few real field names (and now and then an odd key).
pub fn object(rng: &mut Rng, ids: &[String], depth: usize) -> Value {
    let mut map = Map::new();
    let n = if depth == 0 && rng.chance(5) {
        rng.range(100, 300)
    } else {
        rng.range(0, 7)
    };
    for _ in 0..n {
        let key = if rng.chance(900) {
            (*rng.pick(FIELDS)).to_owned()
        } else {
            text(rng, ids)
        };
        let value = field(rng, ids, &key, depth);
        map.insert(key, value);
    }
    Value::Object(map)
}

/// Any JSON value, nested at most a few levels below `depth`.
pub fn any(rng: &mut Rng, ids: &[String], depth: usize) -> Value {
    let nest = if depth < 4 { 10 } else { 0 };
    match rng.weighted(&[5, 8, 20, 40, nest, nest]) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(500)),
        2 => number(rng),
        3 => Value::String(text(rng, ids)),
        4 => {
            let n = rng.range(0, 4);
            Value::Array((0..n).map(|_| any(rng, ids, depth + 1)).collect())
        }
        _ => object(rng, ids, depth + 1),
    }
}

/// `value` wrapped in lists and objects until it is `levels` deeper.
pub fn nested(rng: &mut Rng, value: Value, levels: usize) -> Value {
    let mut value = value;
    for _ in 0..levels {
        value = if rng.chance(500) {
            Value::Array(vec![value])
        } else {
            let mut map = Map::new();
            map.insert((*rng.pick(FIELDS)).to_owned(), value);
            Value::Object(map)
        };
    }
    value
}

/// An action's parameters: an object of real fields, sometimes nested deep (up to ~40).
pub fn params(rng: &mut Rng, ids: &[String]) -> Value {
    let mut value = object(rng, ids, 0);
    if rng.chance(60) {
        let levels = rng.range(2, 40);
        let inner = any(rng, ids, 3);
        let deep = nested(rng, inner, levels);
        if let Value::Object(map) = &mut value {
            map.insert((*rng.pick(FIELDS)).to_owned(), deep);
        }
    }
    value
}

/// `value` as flattened `Name.Sub.N` pairs, lists numbered from `base`.
pub fn flatten(value: &Value, base: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((name, value)) = stack.pop() {
        let join = |child: &str| {
            if name.is_empty() {
                child.to_owned()
            } else {
                format!("{name}.{child}")
            }
        };
        match value {
            Value::Object(map) => stack.extend(map.iter().map(|(k, v)| (join(k), v))),
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (join(&(i + base).to_string()), v)),
            ),
            Value::String(s) => out.push((name, s.clone())),
            other => out.push((name, other.to_string())),
        }
    }
    out
}

/// Flattened names of odd shapes: deep, dotted thousands of times, empty parts, odd numbers.
pub fn odd_pairs(rng: &mut Rng, ids: &[String]) -> Vec<(String, String)> {
    if rng.chance(30) {
        let count = rng.range(1990, 2100);
        return (0..count).map(|i| (format!("K{i}"), word(rng))).collect();
    }
    let count = rng.range(1, 8);
    (0..count)
        .map(|_| (odd_name(rng, ids), text(rng, ids)))
        .collect()
}

fn odd_name(rng: &mut Rng, ids: &[String]) -> String {
    let field = *rng.pick(FIELDS);
    match rng.weighted(&[30, 20, 10, 10, 10, 10]) {
        0 => format!("{field}.{}", rng.range(0, 5)),
        1 => {
            let parts = rng.range(1, 12);
            (0..parts)
                .map(|_| {
                    if rng.chance(300) {
                        rng.range(0, 3).to_string()
                    } else {
                        (*rng.pick(FIELDS)).to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(".")
        }
        2 => format!("{field}{}", ".a".repeat(rng.range(100, 3000))),
        3 => format!("{field}{}", ".".repeat(rng.range(1, 3000))),
        4 => {
            let index = *rng.pick(&["4294967296", "-1", "01", "1e3", "", " 1", "99999999999"]);
            format!("{field}.{index}")
        }
        _ => text(rng, ids),
    }
}

/// A JSON body: the object serialized, or now and then text that is not one.
pub fn json_body(rng: &mut Rng, value: &Value) -> Vec<u8> {
    let text = value.to_string();
    match rng.weighted(&[88, 2, 2, 2, 2, 2, 2]) {
        0 => text.into_bytes(),
        1 => text.as_bytes()[..rng.below(text.len())].to_vec(),
        2 => format!("{text}{text}").into_bytes(),
        3 => (*rng.pick(&["", " ", "[]", "\"x\"", "1", "null", "{", "{\"a\":}"])).into(),
        4 => format!("\u{FEFF}{text}").into_bytes(),
        5 => vec![0xFF, 0xFE, b'{', b'}', 0x80],
        _ => format!("[{}]", "[".repeat(rng.range(100, 5000))).into_bytes(),
    }
}

/// Text safe in a header value: visible ASCII and spaces only.
pub fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}
