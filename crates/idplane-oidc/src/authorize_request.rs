//! An authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636 §4.3) read from its
//! parameters once, each value typed as far as it can be without the client. What cannot be
//! read is kept as the refusal to give, because OAuth orders its refusals: before the client
//! and redirect URI are verified an error is shown, after that it is redirected.

use crate::params::Params;
use crate::secrets;

/// The longest `login_hint` used; a longer one is ignored.
const MAX_LOGIN_HINT: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest<'a> {
    pub client_id: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub response_type: ResponseType,
    pub state: Option<&'a str>,
    /// The scope asked for; `openid` when none is.
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub pkce: Pkce<'a>,
    pub prompt: Prompt,
    /// `max_age` in seconds, or `Err` when it is not a non-negative integer.
    pub max_age: Result<Option<i64>, ()>,
    /// `login_hint` (OIDC Core §3.1.2.1), empty when absent or too long.
    pub login_hint: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    Code,
    Missing,
    Unsupported,
}

/// The PKCE parameters (RFC 7636 §4.3) as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce<'a> {
    None,
    S256(&'a str),
    /// An S256 challenge that is not 43 to 128 unreserved characters.
    Malformed,
    /// A challenge with a method other than S256 (or none: `plain` is not accepted).
    NotS256,
    MethodWithoutChallenge,
}

impl Pkce<'_> {
    pub fn challenge(&self) -> Option<&str> {
        match self {
            Pkce::S256(c) => Some(c),
            _ => None,
        }
    }
}

/// The `prompt` values this server acts on (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prompt {
    pub login: bool,
    pub none: bool,
}

impl<'a> AuthorizeRequest<'a> {
    pub fn read(params: &'a Params) -> Self {
        let response_type = match params.get("response_type") {
            Some("code") => ResponseType::Code,
            None => ResponseType::Missing,
            Some(_) => ResponseType::Unsupported,
        };
        let pkce = match (
            params.get("code_challenge"),
            params.get("code_challenge_method"),
        ) {
            (Some(c), Some("S256")) if secrets::pkce_well_formed(c) => Pkce::S256(c),
            (Some(_), Some("S256")) => Pkce::Malformed,
            (Some(_), _) => Pkce::NotS256,
            (None, Some(_)) => Pkce::MethodWithoutChallenge,
            (None, None) => Pkce::None,
        };
        let prompt = params.get_or_empty("prompt").split(' ');
        let prompt = prompt.fold(Prompt::default(), |p, word| Prompt {
            login: p.login || word == "login",
            none: p.none || word == "none",
        });
        let max_age = match params.get("max_age").map(str::parse::<i64>) {
            None => Ok(None),
            Some(Ok(seconds)) if seconds >= 0 => Ok(Some(seconds)),
            Some(_) => Err(()),
        };
        let hint = params.get_or_empty("login_hint");
        AuthorizeRequest {
            client_id: params.get("client_id"),
            redirect_uri: params.get("redirect_uri"),
            response_type,
            state: params.get("state"),
            scope: params.get("scope").unwrap_or("openid"),
            nonce: params.get("nonce"),
            pkce,
            prompt,
            max_age,
            login_hint: if hint.len() <= MAX_LOGIN_HINT {
                hint
            } else {
                ""
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(query: &str) -> AuthorizeRequest<'static> {
        let params: &'static Params = Box::leak(Box::new(Params::merged(Some(query), b"")));
        AuthorizeRequest::read(params)
    }

    #[test]
    fn every_parameter_is_typed() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let r = read(&format!(
            "client_id=c&redirect_uri=https%3A%2F%2Fa%2Fcb&response_type=code&state=s&nonce=n\
             &code_challenge={challenge}&code_challenge_method=S256&prompt=login%20consent\
             &max_age=60&login_hint=ann"
        ));
        assert_eq!(r.client_id, Some("c"));
        assert_eq!(r.redirect_uri, Some("https://a/cb"));
        assert_eq!(r.response_type, ResponseType::Code);
        assert_eq!(r.scope, "openid");
        assert_eq!(r.pkce, Pkce::S256(challenge));
        assert_eq!(
            r.prompt,
            Prompt {
                login: true,
                none: false
            }
        );
        assert_eq!(r.max_age, Ok(Some(60)));
        assert_eq!(r.login_hint, "ann");
    }

    #[test]
    fn what_cannot_be_read_is_kept_as_its_refusal() {
        assert_eq!(read("").response_type, ResponseType::Missing);
        assert_eq!(
            read("response_type=token").response_type,
            ResponseType::Unsupported
        );
        assert_eq!(
            read("code_challenge=x&code_challenge_method=S256").pkce,
            Pkce::Malformed
        );
        assert_eq!(read("code_challenge=x").pkce, Pkce::NotS256);
        assert_eq!(
            read("code_challenge=x&code_challenge_method=plain").pkce,
            Pkce::NotS256
        );
        assert_eq!(
            read("code_challenge_method=S256").pkce,
            Pkce::MethodWithoutChallenge
        );
        assert_eq!(read("max_age=-1").max_age, Err(()));
        assert_eq!(read("max_age=soon").max_age, Err(()));
        assert_eq!(
            read(&format!("login_hint={}", "a".repeat(257))).login_hint,
            ""
        );
    }
}
