//! User pool clients: one row each, settings as a JSON document, the secret kept sealed.

use crate::SqlStore;
use crate::error::write_error;
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{ClientUid, UserPoolUid};
use idplane_core::model::client::{Client, ClientType};
use idplane_core::query::{ClientQuery, ClientSortField, Page, TextMatch};
use idplane_core::store::{ClientStore, PoolScope};

const COLUMNS: &str = "c.uid, c.pool_uid, c.name, c.description, c.client_type, \
     c.sealed_secret, c.settings, c.created_at, c.updated_at";

fn client_from(row: &dyn Columns) -> DomainResult<Client> {
    let client_type = row.text("client_type")?;
    let settings = row.text("settings")?;
    Ok(Client {
        uid: ClientUid::from_stored(row.text("uid")?),
        pool_uid: UserPoolUid::from_stored(row.text("pool_uid")?),
        name: row.text("name")?,
        description: row.text("description")?,
        client_type: ClientType::parse(&client_type).map_err(|_| {
            DomainError::internal(format!("a stored client has type {client_type:?}"))
        })?,
        sealed_secret: row.get("sealed_secret")?,
        settings: serde_json::from_str(&settings).map_err(DomainError::internal)?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

impl SqlStore {
    async fn one_client(
        &self,
        pool: &UserPoolUid,
        uid: &ClientUid,
    ) -> DomainResult<Option<Client>> {
        let sql = sql!(
            &format!("SELECT {COLUMNS} FROM clients c WHERE c.pool_uid = $1 AND c.uid = $2"),
            pool.as_str(),
            uid.as_str()
        );
        Ok(self.db.fetch_optional(sql, client_from).await?)
    }
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn insert_client(&self, scope: &PoolScope, client: &Client) -> DomainResult<()> {
        let settings = serde_json::to_string(&client.settings).map_err(DomainError::internal)?;
        self.db
            .execute(sql!(
                "INSERT INTO clients (uid, pool_uid, name, description, client_type, sealed_secret, \
                 settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                client.uid.as_str(),
                scope.pool_uid().as_str(),
                &client.name,
                &client.description,
                client.client_type.as_str(),
                client.sealed_secret.clone(),
                settings,
                client.created_at.millis(),
                client.updated_at.millis()
            ))
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
        let updated = self
            .db
            .execute(sql!(
                "UPDATE clients SET name = $1, description = $2, settings = $3, updated_at = $4 \
                 WHERE pool_uid = $5 AND uid = $6",
                &client.name,
                &client.description,
                settings,
                client.updated_at.millis(),
                scope.pool_uid().as_str(),
                client.uid.as_str()
            ))
            .await
            .map_err(|e| write_error(e, Kind::Client))?;
        if updated == 0 {
            return Err(DomainError::not_found(Kind::Client, client.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_client(&self, scope: &PoolScope, uid: &ClientUid) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!(
                "DELETE FROM clients WHERE pool_uid = $1 AND uid = $2",
                scope.pool_uid().as_str(),
                uid.as_str()
            ))
            .await?;
        Ok(deleted > 0)
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
        let (items, next_token) = self
            .page(
                COLUMNS,
                "clients c",
                &filter,
                &spec,
                &query.paging,
                client_from,
            )
            .await?;
        Ok(Page {
            items,
            total,
            next_token,
        })
    }
}
