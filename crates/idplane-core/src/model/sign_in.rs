//! What signing users in leaves behind: signing keys, authorization codes, refresh tokens,
//! revoked access tokens and hosted-page sessions. Secrets among them (codes, refresh tokens,
//! session ids) are stored only as hashes; private keys only sealed with the master key.

use crate::clock::Timestamp;
use crate::ids::{ClientUid, UserPoolUid, UserUid};

/// A pool's token-signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub pool_uid: UserPoolUid,
    /// The JWS algorithm, e.g. `ES256`.
    pub algorithm: String,
    /// `MasterKey::seal` of the private key bytes.
    pub sealed_private: String,
    /// The public key as a JWK (JSON text), published in the pool's JWKS.
    pub public_jwk: String,
    pub created_at: Timestamp,
    /// Keys are published until retired; the newest unretired key signs.
    pub retired_at: Option<Timestamp>,
}

/// An issued authorization code, stored by hash until redeemed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    pub code_hash: String,
    pub pool_uid: UserPoolUid,
    pub client_uid: ClientUid,
    pub user_uid: UserUid,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// PKCE S256 challenge, when the client sent one.
    pub code_challenge: Option<String>,
    pub session_id: Option<String>,
    pub auth_time: Timestamp,
    pub expires_at: Timestamp,
    /// The user's generation when the user signed in.
    pub generation: i64,
}

/// What redeeming an authorization code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// The code's first redemption: it is spent, and its grant made.
    Redeemed(Box<AuthCode>),
    /// The code was redeemed before: the grant made then is now revoked (RFC 6749 §4.1.2).
    Replayed,
    /// No such code.
    Unknown,
}

/// What a grant is made with before its code is read: its id and lifetime (the code gives the
/// client, the user, the generation and the session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantStart {
    pub id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// One authorization of a client by a user: the family of its refresh tokens, which every
/// token issued from it names. Revoked as a whole; worth nothing once the user's generation
/// moved on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub pool_uid: UserPoolUid,
    pub client_uid: ClientUid,
    pub user_uid: UserUid,
    pub generation: i64,
    pub session_id: Option<String>,
    pub created_at: Timestamp,
    /// Absolute end of the grant (the refresh tokens' combined lifetime).
    pub expires_at: Timestamp,
}

/// A refresh token, stored by hash. Tokens rotated from one another share a `family`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub token_hash: String,
    pub family: String,
    pub pool_uid: UserPoolUid,
    pub client_uid: ClientUid,
    pub user_uid: UserUid,
    pub scope: String,
    pub session_id: Option<String>,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    /// Idle expiry of this token.
    pub expires_at: Timestamp,
    /// Absolute expiry of the whole family.
    pub family_expires_at: Timestamp,
    /// When this token was exchanged (rotation); a second use is reuse.
    pub used_at: Option<Timestamp>,
    /// Revoked: the token, or its whole grant, or the grant's generation is not the user's.
    pub revoked: bool,
}

/// What spending a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshSpend {
    /// The token was live and is now spent (or kept, without rotation).
    Spent(Box<RefreshRecord>),
    /// The token had already been spent: its whole family is now revoked.
    Reused,
    /// Unknown, revoked or expired.
    Invalid,
}

/// A signed-in browser session of the hosted pages, stored by the hash of its cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    pub id_hash: String,
    pub pool_uid: UserPoolUid,
    pub user_uid: UserUid,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The user's generation when the session began.
    pub generation: i64,
}
