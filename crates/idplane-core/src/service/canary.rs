//! Proof, at every start, that the master key in hand is the one the store's secrets are sealed
//! with: a known text sealed under the key when the store is first used, opened again on every
//! later start. A wrong key then stops the start with a clear error, instead of a server that
//! reports healthy and fails every request that opens a secret.

use crate::crypto::MasterKey;
use crate::error::{AccessError, DomainError, DomainResult};
use crate::store::MetaStore;

const NAME: &str = "master_key_canary";
const TEXT: &[u8] = b"idplane master key canary v1";

fn wrong_key(what: &str) -> DomainError {
    AccessError::WrongMasterKey(what.to_owned()).into()
}

/// Checks `key` against the store's canary, sealing one first when the store has none. A
/// store made before canaries existed is checked against one of its sealed secrets.
pub async fn prove_master_key(store: &dyn MetaStore, key: &MasterKey) -> DomainResult<()> {
    let sealed = match store.meta(NAME).await? {
        Some(sealed) => sealed,
        None => {
            if let Some(existing) = store.any_sealed_secret().await?
                && key.open(&existing).is_err()
            {
                return Err(wrong_key("the secrets"));
            }
            store.put_meta_once(NAME, &key.seal(TEXT)?).await?
        }
    };
    match key.open(&sealed) {
        Ok(text) if text == TEXT => Ok(()),
        _ => Err(wrong_key("the canary")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;

    #[derive(Default)]
    struct Meta {
        values: Mutex<HashMap<String, String>>,
        sealed: Option<String>,
    }

    #[async_trait]
    impl MetaStore for Meta {
        async fn ping(&self) -> DomainResult<()> {
            Ok(())
        }
        async fn meta(&self, name: &str) -> DomainResult<Option<String>> {
            Ok(self.values.lock().unwrap().get(name).cloned())
        }
        async fn put_meta_once(&self, name: &str, value: &str) -> DomainResult<String> {
            let mut v = self.values.lock().unwrap();
            Ok(v.entry(name.to_owned())
                .or_insert_with(|| value.to_owned())
                .clone())
        }
        async fn any_sealed_secret(&self) -> DomainResult<Option<String>> {
            Ok(self.sealed.clone())
        }
    }

    #[tokio::test]
    async fn the_first_key_seals_the_canary_and_only_it_opens_it() {
        let store = Meta::default();
        let key = MasterKey::generate();
        prove_master_key(&store, &key).await.unwrap();
        prove_master_key(&store, &key).await.unwrap();
        let other = MasterKey::generate();
        let e = prove_master_key(&store, &other).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("not the key the store was set up with")
        );
    }

    #[tokio::test]
    async fn a_store_without_a_canary_is_checked_against_its_secrets() {
        let key = MasterKey::generate();
        let store = Meta {
            sealed: Some(key.seal(b"a secret").unwrap()),
            ..Meta::default()
        };
        assert!(
            prove_master_key(&store, &MasterKey::generate())
                .await
                .is_err()
        );
        assert!(store.meta(NAME).await.unwrap().is_none());
        prove_master_key(&store, &key).await.unwrap();
        assert!(store.meta(NAME).await.unwrap().is_some());
    }
}
