//! Why a signature was refused. Messages never contain a secret.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignError {
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(String),
    #[error("unsupported signing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("the signed header {0:?} is not in the request")]
    MissingSignedHeader(String),
    #[error("the body does not match its content hash")]
    BodyHashMismatch,
    #[error("the credential date does not match the request date")]
    CredentialDateMismatch,
    #[error("malformed request date {0:?}")]
    MalformedDate(String),
    #[error("the signature does not match")]
    SignatureMismatch,
}
