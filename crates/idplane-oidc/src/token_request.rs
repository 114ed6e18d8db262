//! A token request read from its form into the grant it asks for: the token endpoint's
//! handlers take a [`TokenGrant`], never the raw parameters.

use crate::errors::{OAuthError, OAuthErrorCode};
use crate::params::Params;

/// The grant a token request asks for, with the parameters that grant takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenGrant<'a> {
    /// RFC 6749 §4.1.3, with RFC 7636 §4.5's `code_verifier`.
    AuthorizationCode(CodeExchange<'a>),
    /// RFC 6749 §6.
    RefreshToken {
        refresh_token: &'a str,
        scope: Option<&'a str>,
    },
    /// RFC 6749 §4.4.
    ClientCredentials { scope: Option<&'a str> },
}

/// An authorization code presented for tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeExchange<'a> {
    pub code: &'a str,
    /// Required when the authorization request carried one (RFC 6749 §4.1.3).
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

impl<'a> TokenGrant<'a> {
    /// `grant_type` and the parameters it requires: `invalid_request` for one missing,
    /// `unsupported_grant_type` for a grant this server does not issue (RFC 6749 §5.2).
    pub fn read(params: &'a Params) -> Result<Self, OAuthError> {
        let required = |name: &str| {
            params
                .get(name)
                .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
        };
        match params.get("grant_type") {
            None => Err(OAuthError::invalid_request("grant_type is required")),
            Some("authorization_code") => Ok(TokenGrant::AuthorizationCode(CodeExchange {
                code: required("code")?,
                redirect_uri: params.get("redirect_uri"),
                code_verifier: params.get("code_verifier"),
            })),
            Some("refresh_token") => Ok(TokenGrant::RefreshToken {
                refresh_token: required("refresh_token")?,
                scope: params.get("scope"),
            }),
            Some("client_credentials") => Ok(TokenGrant::ClientCredentials {
                scope: params.get("scope"),
            }),
            Some(other) => Err(OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                format!("grant type {other} is not supported"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(form: &str) -> Result<TokenGrant<'static>, OAuthErrorCode> {
        let params: &'static Params = Box::leak(Box::new(Params::parse(form.as_bytes())));
        TokenGrant::read(params).map_err(|e| e.code)
    }

    #[test]
    fn grants_and_their_parameters() {
        assert_eq!(
            read("grant_type=authorization_code&code=c&code_verifier=v"),
            Ok(TokenGrant::AuthorizationCode(CodeExchange {
                code: "c",
                redirect_uri: None,
                code_verifier: Some("v"),
            }))
        );
        assert_eq!(
            read("grant_type=refresh_token&refresh_token=r&scope=openid"),
            Ok(TokenGrant::RefreshToken {
                refresh_token: "r",
                scope: Some("openid"),
            })
        );
        assert_eq!(
            read("grant_type=client_credentials"),
            Ok(TokenGrant::ClientCredentials { scope: None })
        );
    }

    #[test]
    fn refusals_follow_rfc_6749_section_5_2() {
        assert_eq!(read(""), Err(OAuthErrorCode::InvalidRequest));
        assert_eq!(
            read("grant_type=authorization_code"),
            Err(OAuthErrorCode::InvalidRequest)
        );
        assert_eq!(
            read("grant_type=refresh_token"),
            Err(OAuthErrorCode::InvalidRequest)
        );
        assert_eq!(
            read("grant_type=password&username=a&password=b"),
            Err(OAuthErrorCode::UnsupportedGrantType)
        );
    }
}
