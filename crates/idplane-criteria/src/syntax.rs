//! The value grammar, field by field the same: a recursive-descent parser from the raw value to
//! its syntax tree. What the tree means for a field is `meaning`'s business.

use crate::MAX_VALUE_LEN;
use crate::error::Fault;

/// A fault and the character offset it is at.
pub(crate) type Fail = (Fault, usize);

/// Text as written, and the character offset of its first character in the raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    pub text: String,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// `"abc"`: the text between the quotes.
    Exact(Text),
    /// `abc*`: the text before the star.
    Prefix(Text),
    /// `abc`.
    Plain(Text),
    Range(Range),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Range {
    /// Offset of the opening bracket.
    pub at: usize,
    pub low: End,
    pub high: End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct End {
    /// `[` / `]` rather than `{` / `}`.
    pub closed: bool,
    /// `None` for `*` (unbounded).
    pub value: Option<Text>,
    /// Offset of the end's first character.
    pub at: usize,
}

/// Parses one raw value.
pub(crate) fn parse(raw: &str) -> Result<Value, Fail> {
    let chars: Vec<char> = raw.chars().collect();
    let start = chars.iter().take_while(|c| c.is_whitespace()).count();
    let trailing = chars[start..]
        .iter()
        .rev()
        .take_while(|c| c.is_whitespace())
        .count();
    let end = chars.len() - trailing;
    if start == end {
        return Err((Fault::Empty, 0));
    }
    if chars.len() > MAX_VALUE_LEN {
        return Err((Fault::TooLong, MAX_VALUE_LEN));
    }
    if let Some(i) = (start..end).find(|&i| chars[i].is_control()) {
        return Err((Fault::ControlChar, i));
    }
    Parser {
        chars,
        pos: start,
        end,
    }
    .value()
}

struct Parser {
    chars: Vec<char>,
    /// The next character to read.
    pos: usize,
    /// One past the last character that is not trailing whitespace.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        if self.pos < self.end {
            self.chars.get(self.pos).copied()
        } else {
            None
        }
    }

    fn text(&self, from: usize, to: usize) -> Text {
        Text {
            text: self.chars[from..to].iter().collect(),
            at: from,
        }
    }

    /// `value = exact | range | bare`
    fn value(&mut self) -> Result<Value, Fail> {
        match self.peek() {
            Some('"') => self.exact(),
            Some('[' | '{') => self.range().map(Value::Range),
            _ => self.bare(),
        }
    }

    /// Nothing may follow `closer`, the character just read.
    fn finish(&mut self, closer: char) -> Result<(), Fail> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        if self.pos < self.end {
            Err((Fault::TrailingText(closer), self.pos))
        } else {
            Ok(())
        }
    }

    /// `exact = '"' { char - '"' }- '"'`
    fn exact(&mut self) -> Result<Value, Fail> {
        let open = self.pos;
        self.pos += 1;
        let from = self.pos;
        while self.peek().is_some_and(|c| c != '"') {
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err((Fault::UnclosedQuote, self.end));
        }
        if self.pos == from {
            return Err((Fault::EmptyQuotes, open));
        }
        let text = self.text(from, self.pos);
        self.pos += 1;
        self.finish('"')?;
        Ok(Value::Exact(text))
    }

    /// `bare = word [ '*' ]` — a plain value, or a prefix when a star ends it.
    fn bare(&mut self) -> Result<Value, Fail> {
        let from = self.pos;
        while let Some(c) = self.peek() {
            if matches!(c, '"' | '[' | ']' | '{' | '}') {
                return Err((Fault::StrayChar(c), self.pos));
            }
            lookalike(c, self.pos)?;
            if c == '*' {
                if self.pos + 1 < self.end {
                    return Err((Fault::MisplacedStar, self.pos));
                }
                if self.pos == from {
                    return Err((Fault::LoneStar, self.pos));
                }
                let text = self.text(from, self.pos);
                self.pos += 1;
                return Ok(Value::Prefix(text));
            }
            self.pos += 1;
        }
        Ok(Value::Plain(self.text(from, self.pos)))
    }

    /// `range = ('[' | '{') end ',' end (']' | '}')`
    fn range(&mut self) -> Result<Range, Fail> {
        let at = self.pos;
        let low_closed = self.peek() == Some('[');
        self.pos += 1;
        let low = self.end_of_range(low_closed)?;
        match self.peek() {
            Some(',') => self.pos += 1,
            Some(_) => return Err((Fault::MissingComma, self.pos)),
            None => {
                let expected = "',' and the high end";
                return Err((Fault::UnclosedRange { expected }, self.end));
            }
        }
        let mut high = self.end_of_range(true)?;
        high.closed = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            Some(',') => return Err((Fault::ExtraComma, self.pos)),
            Some(c) => return Err((Fault::StrayChar(c), self.pos)),
            None => {
                let expected = "']' or '}'";
                return Err((Fault::UnclosedRange { expected }, self.end));
            }
        };
        let closer = if high.closed { ']' } else { '}' };
        self.pos += 1;
        self.finish(closer)?;
        Ok(Range { at, low, high })
    }

    /// `end = '*' | word`, blanks around it ignored; stops before `,`, `]` or `}`.
    fn end_of_range(&mut self, closed: bool) -> Result<End, Fail> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let from = self.pos;
        let mut star = None;
        while let Some(c) = self.peek() {
            if matches!(c, ',' | ']' | '}') {
                break;
            }
            if matches!(c, '"' | '[' | '{') {
                return Err((Fault::StrayChar(c), self.pos));
            }
            lookalike(c, self.pos)?;
            if c == '*' && star.is_none() {
                star = Some(self.pos);
            }
            self.pos += 1;
        }
        let mut to = self.pos;
        while to > from && self.chars[to - 1].is_whitespace() {
            to -= 1;
        }
        if to == from {
            return Err(match self.peek() {
                None => {
                    let expected = "a range end";
                    (Fault::UnclosedRange { expected }, self.end)
                }
                Some(_) => (Fault::EmptyBound, from),
            });
        }
        let value = match star {
            None => Some(self.text(from, to)),
            Some(s) if s == from && to == from + 1 => None,
            Some(s) => return Err((Fault::MisplacedStar, s)),
        };
        Ok(End {
            closed,
            value,
            at: from,
        })
    }
}

/// Full-width characters the Chinese docs print in place of the grammar's ASCII ones.
fn lookalike(c: char, at: usize) -> Result<(), Fail> {
    if matches!(c, '“' | '”' | '，') {
        Err((Fault::Lookalike(c), at))
    } else {
        Ok(())
    }
}
