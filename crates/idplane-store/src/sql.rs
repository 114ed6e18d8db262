//! A small builder for SQL text with numbered (`$n`) parameters, which both backends accept.

/// One parameter's value. A NULL carries its type: PostgreSQL types every parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    Int(i64),
    NullText,
    NullInt,
}

impl From<String> for Bind {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Bind {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<&String> for Bind {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// A flag, stored as 0 or 1.
impl From<bool> for Bind {
    fn from(v: bool) -> Self {
        Self::Int(i64::from(v))
    }
}

impl From<Option<String>> for Bind {
    fn from(v: Option<String>) -> Self {
        v.map_or(Self::NullText, Self::Text)
    }
}

impl From<Option<&str>> for Bind {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Self::NullText, |s| Self::Text(s.to_owned()))
    }
}

impl From<Option<i64>> for Bind {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Self::NullInt, Self::Int)
    }
}

/// A statement with its parameters in order: `sql!("… $1 … $2", a, b)`.
macro_rules! sql {
    ($text:expr $(, $bind:expr)* $(,)?) => {
        $crate::sql::Sql::with($text, vec![$($crate::sql::Bind::from($bind)),*])
    };
}
pub(crate) use sql;

#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// `text` with its parameters, numbered `$1…` in order.
    pub fn with(text: &str, binds: Vec<Bind>) -> Self {
        Self {
            text: text.to_owned(),
            binds,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds a parameter and returns its placeholder.
    pub fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    pub fn text_param(&mut self, value: impl Into<String>) -> String {
        self.param(Bind::Text(value.into()))
    }

    /// Adds a text parameter for each value and returns their placeholders, comma-separated
    /// (the inside of an `IN (…)` list).
    pub fn text_list<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> String {
        let placeholders: Vec<String> = values.into_iter().map(|v| self.text_param(v)).collect();
        placeholders.join(", ")
    }

    pub fn int_param(&mut self, value: i64) -> String {
        self.param(Bind::Int(value))
    }

    /// Appends `other`'s text and parameters, renumbering its placeholders.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        let offset = self.binds.len();
        let mut text = String::with_capacity(other.text.len());
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                let index: usize = n.parse().unwrap_or(0);
                text.push_str(&format!("${}", index + offset));
            } else {
                text.push(c);
            }
        }
        self.text.push_str(&text);
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    /// Takes `other`'s parameters as they are: `other` was numbered for this statement's text.
    pub fn append_binds_from(&mut self, other: &Sql) -> &mut Self {
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn binds(&self) -> &[Bind] {
        &self.binds
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The smallest string greater than every string starting with `prefix`, for prefix ranges
/// (`col >= prefix AND col < upper`), or `None` when there is none.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Converts a stored integer flag.
pub fn flag(value: i64) -> bool {
    value != 0
}

/// Stored optional text: `''` means absent.
pub fn opt(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbers_appended_params() {
        let mut a = Sql::new("a = ");
        let p = a.text_param("x");
        a.push(&p);
        let mut b = Sql::new(" AND b = ");
        let p = b.int_param(1);
        b.push(&p);
        a.append(&b);
        assert_eq!(a.text, "a = $1 AND b = $2");
    }

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(like_escape("a%_\\"), "a\\%\\_\\\\");
    }
}
