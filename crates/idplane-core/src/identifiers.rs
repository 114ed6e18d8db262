//! Sign-in identifiers — user names, e-mail addresses, phone numbers — in the form they are
//! stored and the key they are compared by. Every identifier of a pool's users is unique by its
//! key across all three kinds, so no text typed at a sign-in form can name two users.
//!
//! * User names: prepared and enforced per RFC 8265 (PRECIS `UsernameCasePreserved` to store,
//!   width-mapped and NFC; `UsernameCaseMapped` to compare), then held to the user-name
//!   alphabet of the Volcengine API: ASCII letters and digits, `.`, `_`, `-`, `@` (fullwidth
//!   forms are width-mapped to these first).
//! * E-mail addresses: stored NFKC-normalised, compared NFKC and Unicode full case folding
//!   (`Äpfel@` and `äpfel@`, the Kelvin sign and `K`, fullwidth and ASCII, NFD and NFC are the
//!   same address); no invisible characters.
//! * Phone numbers: stored and compared in E.164 (`+8613800138000`), from any of the usual
//!   writings (`+86 138 0013 8000`, `+86-138-0013-8000`, `+86 (138) 0013.8000`).
//!
//! User names and e-mail addresses share one key space (an e-mail address that equals another
//! user's name is taken), compared by the e-mail key: for valid user names it equals RFC 8265's
//! comparison except that full case folding also treats `ß` and `ss` alike.

use crate::fields::Field;
use precis_core::profile::Profile;
use precis_profiles::UsernameCasePreserved;
use unicode_normalization::UnicodeNormalization;

use crate::error::{DomainError, DomainResult, UserError};

/// A kind of sign-in identifier, by its OIDC claim name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attribute {
    Username,
    Email,
    Phone,
}

impl Attribute {
    pub const ALL: [Attribute; 3] = [Attribute::Username, Attribute::Email, Attribute::Phone];

    /// The OIDC claim (and pool `SignInAttributes`) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attribute::Username => "preferred_username",
            Attribute::Email => "email",
            Attribute::Phone => "phone_number",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Attribute::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The refusal of a value of this attribute that another user holds.
    pub fn taken(self) -> UserError {
        match self {
            Attribute::Username => UserError::UsernameTaken,
            Attribute::Email => UserError::EmailTaken,
            Attribute::Phone => UserError::PhoneTaken,
        }
    }

    /// The input this attribute is.
    pub fn field(self) -> Field {
        match self {
            Attribute::Username => Field::Username,
            Attribute::Email => Field::Email,
            Attribute::Phone => Field::Phone,
        }
    }
}

pub const MAX_USERNAME: usize = 128;
pub const MAX_EMAIL: usize = 254;

/// Default-ignorable and other invisible code points (Unicode `Default_Ignorable_Code_Point`,
/// plus the byte-order mark and the line and paragraph separators): text holding one looks the
/// same as text without it.
fn invisible(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// The stored form of a user name (RFC 8265 `UsernameCasePreserved`), or why it is not one.
pub fn username(text: &str) -> DomainResult<String> {
    let field = Attribute::Username.field();
    let n = text.chars().count();
    if n == 0 || n > MAX_USERNAME {
        return Err(DomainError::invalid(
            field,
            format!("a user name is 1 to {MAX_USERNAME} characters long, got {n}"),
        ));
    }
    let rule = "username can only contain letters, numbers, periods, underscores, hyphens and @ \
                (A-Z, a-z, 0-9, . _ - @; fullwidth forms are read as these)";
    let prepared = UsernameCasePreserved::new()
        .enforce(text)
        .map_err(|_| DomainError::invalid(field, rule))?;
    if !prepared
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(DomainError::invalid(field, rule));
    }
    Ok(prepared.into_owned())
}

/// The stored form of an e-mail address (NFKC, case kept), or why it is not one.
pub fn email(text: &str) -> DomainResult<String> {
    let field = Attribute::Email.field();
    let normal: String = text.nfkc().collect();
    let n = normal.chars().count();
    if !(3..=MAX_EMAIL).contains(&n) {
        return Err(DomainError::invalid(
            field,
            format!("an e-mail address is 3 to {MAX_EMAIL} characters long, got {n}"),
        ));
    }
    let bad_char = normal
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || invisible(c));
    let mut parts = normal.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let ok = !bad_char
        && parts.next().is_none()
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if !ok {
        return Err(DomainError::invalid(
            field,
            format!("{text:?} is not an e-mail address"),
        ));
    }
    Ok(normal)
}

/// Separators people write phone numbers with.
fn separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}')
}

/// A phone number in E.164 (`+` and 4 to 15 digits, the first not 0), or why it is not one.
pub fn phone(text: &str) -> DomainResult<String> {
    let normal: String = text.nfkc().filter(|c| !separator(*c)).collect();
    let digits = normal.strip_prefix('+').unwrap_or_default();
    let ok = (4..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if !ok {
        return Err(DomainError::invalid(
            Attribute::Phone.field(),
            format!(
                "{text:?} is not a phone number in international form (E.164: +, the country \
                 code and the number, e.g. +8613800138000 or +86-138-0013-8000)"
            ),
        ));
    }
    Ok(normal)
}

/// A phone number as search conditions compare it: the usual separators and compatibility
/// forms removed, so `+86-138` finds what is stored as `+86138…`.
pub fn phone_search_text(text: &str) -> String {
    text.nfkc().filter(|c| !separator(*c)).collect()
}

/// The two-digit country calling codes (ITU-T E.164 assignments); 1 and 7 are the one-digit
/// ones and every other code has three digits. Country codes are prefix-free, so the digits
/// after `+` say where the country code ends.
const TWO_DIGIT_CODES: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// A stored E.164 number written the way Tencent Cloud writes phone numbers, the country code
/// and the national number apart: `+86-13800138000`. Anything else is returned as it is.
pub fn dashed_phone(stored: &str) -> String {
    let Some(digits) = stored.strip_prefix('+') else {
        return stored.to_owned();
    };
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return stored.to_owned();
    }
    let code = if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT_CODES.contains(&&digits[..2]) {
        2
    } else {
        3
    };
    format!("+{}-{}", &digits[..code], &digits[code..])
}

/// User names and e-mail addresses as compared: NFKC, full case folding, NFKC again.
fn fold(text: &str) -> String {
    let first: String = text.nfkc().collect();
    caseless::default_case_fold_str(&first).nfkc().collect()
}

/// The key an identifier of `attribute`, in its stored form, is unique and found by.
pub fn key(attribute: Attribute, stored: &str) -> String {
    match attribute {
        Attribute::Username | Attribute::Email => fold(stored),
        Attribute::Phone => phone_search_text(stored),
    }
}

/// The distinct keys of a user's identifiers (a user name and an e-mail address may share a
/// key: that is one user, not a clash).
pub fn keys_of(
    username: Option<&str>,
    email: Option<&str>,
    phone_number: Option<&str>,
) -> Vec<(Attribute, String)> {
    let mut keys: Vec<(Attribute, String)> = Vec::with_capacity(3);
    for (attribute, value) in [
        (Attribute::Username, username),
        (Attribute::Email, email),
        (Attribute::Phone, phone_number),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            let k = key(attribute, v);
            if !keys.iter().any(|(_, seen)| *seen == k) {
                keys.push((attribute, k));
            }
        }
    }
    keys
}

/// The keys a typed sign-in identifier may be found by, for each of `attributes` it is valid
/// as (at most one user has any of them).
pub fn candidates(typed: &str, attributes: &[Attribute]) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    for attribute in attributes {
        let stored = match attribute {
            Attribute::Username => username(typed),
            Attribute::Email => email(typed),
            Attribute::Phone => phone(typed),
        };
        if let Ok(stored) = stored {
            let k = key(*attribute, &stored);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn email_key(text: &str) -> String {
        key(Attribute::Email, &email(text).unwrap())
    }

    #[test]
    fn the_issues_examples_are_one_address_each() {
        let same = [
            ("Äpfel@corp.example", "äpfel@corp.example"),
            ("\u{212A}elvin@corp.example", "kelvin@corp.example"),
            ("ｃａｒｏｌ@corp.example", "carol@corp.example"),
            ("A\u{0308}pfel@corp.example", "\u{00C4}pfel@corp.example"),
            ("STRASSE@corp.example", "straße@corp.example"),
        ];
        for (a, b) in same {
            assert_eq!(email_key(a), email_key(b), "{a} vs {b}");
        }
        assert!(email("zero\u{200B}width@corp.example").is_err());
        assert!(email("bom\u{FEFF}@corp.example").is_err());
        assert_eq!(email("\u{212A}elvin@x.io").unwrap(), "Kelvin@x.io");
        assert_eq!(
            phone("+86 138 0013 8000").unwrap(),
            phone("+86-138-0013-8000").unwrap()
        );
        assert_eq!(phone("+86 (138) 0013.8000").unwrap(), "+8613800138000");
        assert_eq!(
            phone("＋８６１３８００１３８０００").unwrap(),
            "+8613800138000"
        );
        for bad in [
            "13800138000",
            "+0123",
            "+1",
            "+1234567890123456",
            "call me",
            "+86 138 x",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_names_follow_rfc_8265() {
        assert_eq!(username("Alice").unwrap(), "Alice");
        assert_eq!(username("ＡＬＩＣＥ").unwrap(), "ALICE", "width mapped");
        assert_eq!(username("ｊｏｈｎ１２３").unwrap(), "john123");
        assert_eq!(
            username("Ok.name_with-all@chars9").unwrap(),
            "Ok.name_with-all@chars9"
        );
        for bad in [
            "al ice",
            "zero\u{200B}width",
            "x\u{200D}y",
            "a/b",
            "a+b",
            "",
            "\u{212A}",
            "中文",
            "A\u{0308}pfel",
        ] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            key(Attribute::Username, &username("Alice").unwrap()),
            key(Attribute::Username, &username("ALICE").unwrap())
        );
    }

    #[test]
    fn a_user_name_shaped_like_an_e_mail_shares_its_key() {
        let name = username("Carol@Corp.Example").unwrap();
        assert_eq!(
            key(Attribute::Username, &name),
            email_key("carol@corp.example")
        );
        let typed = candidates(
            "CAROL@corp.example",
            &[Attribute::Username, Attribute::Email, Attribute::Phone],
        );
        assert_eq!(typed, vec!["carol@corp.example".to_owned()]);
    }

    #[test]
    fn phones_are_shown_with_their_country_code_apart() {
        assert_eq!(dashed_phone("+8613800138000"), "+86-13800138000");
        assert_eq!(dashed_phone("+15550001"), "+1-5550001");
        assert_eq!(dashed_phone("+852912345678"), "+852-912345678");
        assert_eq!(dashed_phone("+442071838750"), "+44-2071838750");
        assert_eq!(dashed_phone("13800000002"), "13800000002");
    }

    #[test]
    fn keys_of_one_user_are_distinct() {
        let keys = keys_of(Some("bob@x.io"), Some("BOB@x.io"), Some("+15550001"));
        assert_eq!(
            keys,
            vec![
                (Attribute::Username, "bob@x.io".to_owned()),
                (Attribute::Phone, "+15550001".to_owned())
            ]
        );
    }

    proptest! {
        /// For any valid user name, comparing as a user name and as an e-mail address agree
        /// with RFC 8265's comparison wherever lower-casing and case folding agree.
        #[test]
        fn user_name_keys_match_rfc_8265(text in "[A-Za-z0-9._@-]{1,20}|[\\p{L}\\p{Nd}\u{FF01}-\u{FF5E}]{1,12}") {
            if let Ok(stored) = username(&text) {
                let mapped = precis_profiles::UsernameCaseMapped::new().enforce(&stored).unwrap();
                let k = key(Attribute::Username, &stored);
                if caseless::default_case_fold_str(&mapped) == mapped.to_lowercase() {
                    prop_assert_eq!(k, mapped.nfkc().collect::<String>());
                }
                prop_assert_eq!(username(&stored).unwrap(), stored.clone(), "stored forms are stable");
            }
        }

        #[test]
        fn phones_keep_their_digits(cc in 1u32..999, rest in "[0-9]{4,10}", sep in "[ .()-]{0,2}") {
            let written = format!("+{cc}{sep}{rest}");
            if let Ok(stored) = phone(&written) {
                prop_assert_eq!(stored, format!("+{cc}{rest}"));
            }
        }
    }
}
