//! User pool clients: one row each, settings as a JSON document, the secret kept sealed.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{ClientUid, UserPoolUid};
use idplane_core::model::client::{Client, ClientType};
use idplane_core::query::{ClientQuery, ClientSortField, Page, TextMatch};
use idplane_core::store::{ClientStore, PoolScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{internal, write_error};
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::sql::Sql;

const COLUMNS: &str = "c.uid, c.pool_uid, c.name, c.description, c.client_type, \
     c.sealed_secret, c.settings, c.created_at, c.updated_at";

fn client_from(row: &AnyRow) -> DomainResult<Client> {
    let client_type: String = row.try_get("client_type").map_err(internal)?;
    let settings: String = row.try_get("settings").map_err(internal)?;
    Ok(Client {
        uid: ClientUid::from_stored(row.try_get("uid").map_err(internal)?),
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid").map_err(internal)?),
        name: row.try_get("name").map_err(internal)?,
        description: row.try_get("description").map_err(internal)?,
        client_type: ClientType::parse(&client_type).map_err(|_| {
            DomainError::internal(format!("a stored client has type {client_type:?}"))
        })?,
        sealed_secret: row.try_get("sealed_secret").map_err(internal)?,
        settings: serde_json::from_str(&settings).map_err(DomainError::internal)?,
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(internal)?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at").map_err(internal)?),
    })
}

impl SqlStore {
    async fn one_client(
        &self,
        pool: &UserPoolUid,
        uid: &ClientUid,
    ) -> DomainResult<Option<Client>> {
        let sql = format!("SELECT {COLUMNS} FROM clients c WHERE c.pool_uid = $1 AND c.uid = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pool.as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(client_from).transpose()
    }
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn insert_client(&self, scope: &PoolScope, client: &Client) -> DomainResult<()> {
        let settings = serde_json::to_string(&client.settings).map_err(DomainError::internal)?;
        sqlx::query(
            "INSERT INTO clients (uid, pool_uid, name, description, client_type, sealed_secret, settings, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(client.uid.as_str().to_owned())
        .bind(scope.pool_uid().as_str().to_owned())
        .bind(client.name.clone())
        .bind(client.description.clone())
        .bind(client.client_type.as_str())
        .bind(client.sealed_secret.clone())
        .bind(settings)
        .bind(client.created_at.millis())
        .bind(client.updated_at.millis())
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, Kind::Client))?;
        Ok(())
    }

    async fn get_client(&self, scope: &PoolScope, uid: &ClientUid) -> DomainResult<Option<Client>> {
        self.one_client(scope.pool_uid(), uid).await
    }

    async fn find_client(
        &self,
        pool: &UserPoolUid,
        uid: &ClientUid,
    ) -> DomainResult<Option<Client>> {
        self.one_client(pool, uid).await
    }

    async fn update_client(&self, scope: &PoolScope, client: &Client) -> DomainResult<()> {
        let settings = serde_json::to_string(&client.settings).map_err(DomainError::internal)?;
        let result = sqlx::query(
            "UPDATE clients SET name = $1, description = $2, settings = $3, updated_at = $4 \
             WHERE pool_uid = $5 AND uid = $6",
        )
        .bind(client.name.clone())
        .bind(client.description.clone())
        .bind(settings)
        .bind(client.updated_at.millis())
        .bind(scope.pool_uid().as_str().to_owned())
        .bind(client.uid.as_str().to_owned())
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, Kind::Client))?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found(Kind::Client, client.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_client(&self, scope: &PoolScope, uid: &ClientUid) -> DomainResult<bool> {
        let result = sqlx::query("DELETE FROM clients WHERE pool_uid = $1 AND uid = $2")
            .bind(scope.pool_uid().as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(result.rows_affected() > 0)
    }

    async fn query_clients(
        &self,
        scope: &PoolScope,
        query: &ClientQuery,
    ) -> DomainResult<Page<Client>> {
        let mut filter = Sql::new(" WHERE c.pool_uid = ");
        let p = filter.text_param(scope.pool_uid().as_str());
        filter.push(&p);
        let f = &query.filter;
        if let Some(m) = &f.name {
            text_condition(&mut filter, "c.name", m);
        }
        if let Some(d) = &f.description {
            text_condition(
                &mut filter,
                "c.description",
                &TextMatch::Contains(d.clone()),
            );
        }
        if !f.client_types.is_empty() {
            let params: Vec<String> = f
                .client_types
                .iter()
                .map(|t| filter.text_param(t.as_str()))
                .collect();
            filter.push(&format!(" AND c.client_type IN ({})", params.join(", ")));
        }
        let total = self.count("clients c", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            ClientSortField::Name => ("c.name", KeyKind::Text),
            ClientSortField::CreateTime => ("c.created_at", KeyKind::Int),
            ClientSortField::UpdateTime => ("c.updated_at", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "c.uid",
            direction: query.sort.1,
        };
        let (rows, next_token) = self
            .page(COLUMNS, "clients c", &filter, &spec, &query.paging)
            .await?;
        Ok(Page {
            items: rows.iter().map(client_from).collect::<DomainResult<_>>()?,
            total,
            next_token,
        })
    }
}
