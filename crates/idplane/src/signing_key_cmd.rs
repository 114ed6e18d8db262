//! `idplane signing-key rotate|list --pool UID`: a pool's token-signing keys, printing JSON.

use idplane_core::ids::UserPoolUid;
use idplane_oidc::keys::KeyRing;
use serde_json::json;

use crate::cli::SigningKeyCommand;
use crate::config::Config;
use crate::wiring;

pub async fn run(config: Config, command: SigningKeyCommand) -> Result<(), String> {
    let services = wiring::build(&config).await?;
    let pool_arg = match &command {
        SigningKeyCommand::Rotate { pool } | SigningKeyCommand::List { pool } => pool,
    };
    let pool = UserPoolUid::parse(pool_arg).map_err(|e| e.to_string())?;
    if services
        .store
        .pool_by_uid(&pool)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return Err(format!("no user pool {pool}"));
    }
    let now = services.clock.now();
    let output = match command {
        SigningKeyCommand::Rotate { .. } => {
            let ring = KeyRing::new(
                services.sign_in.clone(),
                services.master_key.clone(),
                services.changes.clone(),
            );
            // Make sure the pool has had a key before, so rotation always retires one.
            ring.keys(&pool, now).await.map_err(|e| e.to_string())?;
            let kid = ring.rotate(&pool, now).await.map_err(|e| e.to_string())?;
            json!({"UserPoolUid": pool.as_str(), "Kid": kid})
        }
        SigningKeyCommand::List { .. } => {
            let keys = services
                .sign_in
                .signing_keys(&pool)
                .await
                .map_err(|e| e.to_string())?;
            json!(
                keys.iter()
                    .map(|k| json!({
                        "Kid": k.kid,
                        "Algorithm": k.algorithm,
                        "CreateTime": k.created_at.to_iso_seconds(),
                        "RetireTime": k.retired_at.map(|t| t.to_iso_seconds()),
                    }))
                    .collect::<Vec<_>>()
            )
        }
    };
    println!("{output}");
    Ok(())
}
