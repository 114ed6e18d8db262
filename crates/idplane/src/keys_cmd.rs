//! `idplane access-key create|list|delete`: manage keys from the command line, printing JSON.

use serde_json::json;

use crate::cli::AccessKeyCommand;
use crate::config::Config;
use crate::wiring;

pub async fn run(config: Config, command: AccessKeyCommand) -> Result<(), String> {
    let services = wiring::build(&config).await?;
    let keys = services.keys;
    let output = match command {
        AccessKeyCommand::Create {
            account,
            pool,
            description,
        } => {
            let created = keys
                .create(&account, pool.as_deref(), &description)
                .await
                .map_err(|e| e.to_string())?;
            json!({
                "AccessKeyId": created.key.id.as_str(),
                "SecretAccessKey": created.secret,
                "Account": created.account_name,
                "UserPoolUid": created.key.bound_pool.as_ref().map(|p| p.as_str()),
                "Description": created.key.description,
                "CreateTime": created.key.created_at.to_iso_seconds(),
            })
        }
        AccessKeyCommand::List { account } => {
            let list = keys
                .list(account.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            json!(
                list.iter()
                    .map(|k| json!({
                        "AccessKeyId": k.id.as_str(),
                        "AccountId": k.account_id.as_str(),
                        "UserPoolUid": k.bound_pool.as_ref().map(|p| p.as_str()),
                        "Status": k.status.as_str(),
                        "Description": k.description,
                        "CreateTime": k.created_at.to_iso_seconds(),
                    }))
                    .collect::<Vec<_>>()
            )
        }
        AccessKeyCommand::Delete { access_key_id } => {
            keys.delete(&access_key_id)
                .await
                .map_err(|e| e.to_string())?;
            json!({ "Deleted": access_key_id })
        }
    };
    println!("{output}");
    Ok(())
}
