//! Secrets at rest and passwords: AES-256-GCM sealing under the master key, argon2id hashing,
//! and random credential generation.

use crate::fields::Field;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::error::DomainError;

const NONCE_LEN: usize = 12;

/// The 256-bit key that encrypts every secret idplane stores. Never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads a key written as 64 hex digits or as standard base64 of 32 bytes.
    pub fn from_text(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            decode_hex(text)
        } else {
            B64.decode(text).ok()
        };
        let bytes = bytes.ok_or_else(|| {
            DomainError::invalid(
                Field::MasterKey,
                "expected 64 hex digits or base64 of 32 bytes",
            )
        })?;
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            DomainError::invalid(Field::MasterKey, "the master key must be exactly 32 bytes")
        })?;
        Ok(Self(array))
    }

    /// The key as 64 hex digits, for writing the key file.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Encrypts `plaintext`; the result is base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, DomainError> {
        let cipher = Aes256Gcm::new_from_slice(&self.0).map_err(DomainError::internal)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .map_err(|_| DomainError::internal("sealing a secret failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(B64.encode(out))
    }

    /// Decrypts what [`MasterKey::seal`] produced. Fails on a wrong key or tampered data.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, DomainError> {
        let raw = B64
            .decode(sealed)
            .map_err(|_| DomainError::internal("a sealed secret is not base64"))?;
        if raw.len() < NONCE_LEN {
            return Err(DomainError::internal("a sealed secret is truncated"));
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| DomainError::internal("a sealed secret is truncated"))?;
        let cipher = Aes256Gcm::new_from_slice(&self.0).map_err(DomainError::internal)?;
        cipher.decrypt(&Nonce::from(nonce), body).map_err(|_| {
            DomainError::internal("a sealed secret could not be opened (wrong master key?)")
        })
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// argon2id with OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1).
fn argon2() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(DomainError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string.
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    argon2()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(DomainError::internal)
}

/// Largest working memory a [`PasswordChecker`] keeps between checks (64 MiB); a hash asking
/// for more is checked in memory allocated for that check alone.
const KEPT_BLOCKS: usize = 64 * 1024;

/// Checks passwords against PHC strings made by [`hash_password`] (or any argon2 PHC string), in
/// argon2 working memory kept from one check to the next: a check neither allocates nor zeroes
/// its 19 MiB, which is a tenth of its cost. One per thread that checks passwords.
pub struct PasswordChecker {
    memory: Vec<Block>,
}

impl Default for PasswordChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordChecker {
    pub fn new() -> Self {
        Self { memory: Vec::new() }
    }

    /// Whether `password` is the one `phc` was made from, in constant time over the output.
    pub fn verify(&mut self, password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(v) => v.unwrap_or_default(),
            Err(_) => return false,
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let blocks = params.block_count();
        let hasher = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        let hashed = if blocks <= KEPT_BLOCKS {
            if self.memory.len() < blocks {
                self.memory.resize(blocks, Block::new());
            }
            let memory = &mut self.memory[..blocks];
            hasher.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        } else {
            hasher.hash_password_into(password.as_bytes(), salt, &mut out)
        };
        hashed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
    }
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| {
            let i = (rng.next_u32() as usize) % alphabet.len();
            char::from(alphabet[i])
        })
        .collect()
}

/// A new access key id: `AKLT` followed by 24 base-32 characters.
pub fn generate_access_key_id() -> String {
    format!("AKLT{}", random_string(KEY_ALPHABET, 24))
}

/// A new secret access key: 40 alphanumeric characters (about 238 bits).
pub fn generate_secret() -> String {
    random_string(SECRET_ALPHABET, 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    /// The argon2 crate's own check, as the reference [`PasswordChecker`] must agree with.
    fn verify_password(password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        argon2()
            .map(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    }

    #[test]
    fn seal_round_trips_and_detects_tampering() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"top secret").unwrap();
        assert_eq!(key.open(&sealed).unwrap(), b"top secret");
        assert!(MasterKey::generate().open(&sealed).is_err());
        let mut raw = B64.decode(&sealed).unwrap();
        raw[NONCE_LEN] ^= 1;
        assert!(key.open(&B64.encode(raw)).is_err());
    }

    #[test]
    fn master_key_text_forms() {
        let key = MasterKey::generate();
        let again = MasterKey::from_text(&key.to_hex()).unwrap();
        assert_eq!(key.0, again.0);
        assert!(MasterKey::from_text("short").is_err());
    }

    #[test]
    fn passwords_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong", &phc));
    }

    #[test]
    fn checker_agrees_with_verify_across_parameters_and_reuse() {
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 3, 1, Some(24)).unwrap(),
        )
        .hash_password_with_salt(b"other", b"saltsaltsalt")
        .unwrap()
        .to_string();
        let ours = hash_password("correct horse").unwrap();
        let mut checker = PasswordChecker::new();
        for _ in 0..2 {
            for (password, phc) in [
                ("correct horse", ours.as_str()),
                ("wrong", ours.as_str()),
                ("other", small.as_str()),
                ("correct horse", small.as_str()),
                ("x", "not a hash"),
                ("x", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"),
            ] {
                assert_eq!(
                    checker.verify(password, phc),
                    verify_password(password, phc),
                    "{password} against {phc}"
                );
            }
        }
        assert!(checker.verify("correct horse", &ours));
        assert!(checker.verify("other", &small));
    }
}
