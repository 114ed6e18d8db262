//! CreateUserPoolClient, GetUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient, and ListUserPoolWellKnownEndpoints.

use idplane_core::ids::{ClientUid, UserPoolUid};
use idplane_core::model::client::{Client, ClientSettings, ClientType, RefreshTokenSettings};
use idplane_core::model::endpoints::PoolEndpoints;
use idplane_core::query::{ClientFilter, ClientQuery, ClientSortField, TextMatch};
use idplane_core::service::clients::{NewClient, RevealedClient};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::flex::{Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::{self, ListOut, MessageOut};

/// `IdToken{…}`: the update input spells it `LifeTimeSeconds`, the outputs `LifetimeSeconds`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct IdTokenIn {
    #[serde(alias = "LifeTimeSeconds")]
    lifetime_seconds: Option<Int>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct RefreshTokenIn {
    rotation: Option<Bool>,
    has_idle_lifetime: Option<Bool>,
    idle_lifetime_seconds: Option<Int>,
    has_combined_lifetime: Option<Bool>,
    combined_lifetime_seconds: Option<Int>,
}

/// The settings fields shared by CreateUserPoolClient and UpdateUserPoolClient; absent fields
/// keep their value (or the default, on create).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsIn {
    logo_uri: Option<String>,
    allowed_callback_urls: Option<Vec<String>>,
    allowed_logout_urls: Option<Vec<String>>,
    allowed_web_origins: Option<Vec<String>>,
    allowed_cors: Option<Vec<String>>,
    id_token: Option<IdTokenIn>,
    refresh_token: Option<RefreshTokenIn>,
    development_mode_enabled: Option<Bool>,
    device_flow_enabled: Option<Bool>,
    dismiss_login_page_enabled: Option<Bool>,
    skip_consent_enabled: Option<Bool>,
}

fn set<T: Copy>(target: &mut T, value: Option<crate::flex::Flex<T>>) {
    if let Some(v) = value {
        *target = v.0;
    }
}

fn set_list(target: &mut Vec<String>, value: Option<Vec<String>>) {
    if let Some(v) = value {
        *target = v;
    }
}

impl SettingsIn {
    fn apply(self, s: &mut ClientSettings) {
        if let Some(v) = self.logo_uri {
            s.logo_uri = v;
        }
        set_list(&mut s.allowed_callback_urls, self.allowed_callback_urls);
        set_list(&mut s.allowed_logout_urls, self.allowed_logout_urls);
        set_list(&mut s.allowed_web_origins, self.allowed_web_origins);
        set_list(&mut s.allowed_cors, self.allowed_cors);
        if let Some(t) = self.id_token {
            set(&mut s.id_token_lifetime_seconds, t.lifetime_seconds);
        }
        if let Some(r) = self.refresh_token {
            let rt: &mut RefreshTokenSettings = &mut s.refresh_token;
            set(&mut rt.rotation, r.rotation);
            set(&mut rt.has_idle_lifetime, r.has_idle_lifetime);
            set(&mut rt.idle_lifetime_seconds, r.idle_lifetime_seconds);
            set(&mut rt.has_combined_lifetime, r.has_combined_lifetime);
            set(
                &mut rt.combined_lifetime_seconds,
                r.combined_lifetime_seconds,
            );
        }
        set(
            &mut s.development_mode_enabled,
            self.development_mode_enabled,
        );
        set(&mut s.device_flow_enabled, self.device_flow_enabled);
        set(
            &mut s.dismiss_login_page_enabled,
            self.dismiss_login_page_enabled,
        );
        set(&mut s.skip_consent_enabled, self.skip_consent_enabled);
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdTokenOut {
    lifetime_seconds: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RefreshTokenOut {
    rotation: bool,
    has_idle_lifetime: bool,
    idle_lifetime_seconds: i64,
    has_combined_lifetime: bool,
    combined_lifetime_seconds: i64,
}

/// A client as Create, Get and Update answer it. `ClientSecret` is only ever set by Create and
/// Get (the caller owns the pool); Update and every list leave it out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientOut {
    uid: String,
    user_pool_uid: String,
    name: String,
    description: String,
    client_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    logo_uri: String,
    allowed_callback_urls: Vec<String>,
    allowed_logout_urls: Vec<String>,
    allowed_web_origins: Vec<String>,
    allowed_cors: Vec<String>,
    id_token: IdTokenOut,
    refresh_token: RefreshTokenOut,
    development_mode_enabled: bool,
    device_flow_enabled: bool,
    dismiss_login_page_enabled: bool,
    skip_consent_enabled: bool,
    login_page_url: String,
    create_time: String,
    update_time: String,
}

/// The hosted sign-in URL: an authorization request for the client with its first callback.
fn login_page_url(public_url: &str, c: &Client) -> String {
    let endpoints = PoolEndpoints::new(public_url, c.pool_uid.as_str());
    let mut url = format!(
        "{}?client_id={}&response_type=code&scope=openid",
        endpoints.authorization,
        form_urlencoded::byte_serialize(c.uid.as_str().as_bytes()).collect::<String>()
    );
    if let Some(first) = c.settings.allowed_callback_urls.first() {
        url.push_str("&redirect_uri=");
        url.extend(form_urlencoded::byte_serialize(first.as_bytes()));
    }
    url
}

impl ClientOut {
    fn new(c: Client, secret: Option<String>, public_url: &str) -> Self {
        let login_page_url = login_page_url(public_url, &c);
        let s = c.settings;
        let r = s.refresh_token;
        Self {
            uid: c.uid.into_string(),
            user_pool_uid: c.pool_uid.into_string(),
            name: c.name,
            description: c.description,
            client_type: c.client_type.as_str().to_owned(),
            client_secret: secret,
            logo_uri: s.logo_uri,
            allowed_callback_urls: s.allowed_callback_urls,
            allowed_logout_urls: s.allowed_logout_urls,
            allowed_web_origins: s.allowed_web_origins,
            allowed_cors: s.allowed_cors,
            id_token: IdTokenOut {
                lifetime_seconds: s.id_token_lifetime_seconds,
            },
            refresh_token: RefreshTokenOut {
                rotation: r.rotation,
                has_idle_lifetime: r.has_idle_lifetime,
                idle_lifetime_seconds: r.idle_lifetime_seconds,
                has_combined_lifetime: r.has_combined_lifetime,
                combined_lifetime_seconds: r.combined_lifetime_seconds,
            },
            development_mode_enabled: s.development_mode_enabled,
            device_flow_enabled: s.device_flow_enabled,
            dismiss_login_page_enabled: s.dismiss_login_page_enabled,
            skip_consent_enabled: s.skip_consent_enabled,
            login_page_url,
            create_time: c.created_at.to_iso_seconds(),
            update_time: c.updated_at.to_iso_seconds(),
        }
    }

    fn revealed(r: RevealedClient, public_url: &str) -> Self {
        Self::new(r.client, r.secret, public_url)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_pool_uid: String,
    name: String,
    client_type: String,
    description: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<ClientOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let mut settings = ClientSettings::default();
    input.settings.apply(&mut settings);
    let new = NewClient {
        name: input.name,
        description: input.description.unwrap_or_default(),
        client_type: ClientType::parse(&input.client_type)?,
        settings,
    };
    let created = ctx.clients.create(&pool, new).await?;
    Ok(ClientOut::revealed(created, ctx.public_url))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UidIn {
    user_pool_uid: String,
    client_uid: String,
}

pub async fn get(ctx: &Ctx<'_>, input: UidIn) -> Result<ClientOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let client = ctx
        .clients
        .reveal(&pool, &ClientUid::parse(&input.client_uid)?)
        .await?;
    Ok(ClientOut::revealed(client, ctx.public_url))
}

pub async fn delete(ctx: &Ctx<'_>, input: UidIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.clients
        .delete(&pool, &ClientUid::parse(&input.client_uid)?)
        .await?;
    Ok(MessageOut::new("User pool client deleted successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    client_uid: String,
    name: Option<String>,
    description: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<ClientOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let client = ctx
        .clients
        .update(&pool, &ClientUid::parse(&input.client_uid)?, |edit| {
            if let Some(n) = input.name {
                edit.name = n;
            }
            if let Some(d) = input.description {
                edit.description = d;
            }
            input.settings.apply(&mut edit.settings);
        })
        .await?;
    Ok(ClientOut::new(client, None, ctx.public_url))
}

/// A client in ListUserPoolClients: never its secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientItemOut {
    uid: String,
    name: String,
    description: String,
    client_type: String,
    logo_uri: String,
    create_time: String,
    update_time: String,
}

impl From<Client> for ClientItemOut {
    fn from(c: Client) -> Self {
        Self {
            uid: c.uid.into_string(),
            name: c.name,
            description: c.description,
            client_type: c.client_type.as_str().to_owned(),
            logo_uri: c.settings.logo_uri,
            create_time: c.created_at.to_iso_seconds(),
            update_time: c.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ClientFilterIn {
    name: Option<String>,
    description: Option<String>,
    client_types: Option<Vec<String>>,
}

impl ClientFilterIn {
    fn into_filter(self) -> Result<ClientFilter, VolcError> {
        let client_types = self
            .client_types
            .unwrap_or_default()
            .iter()
            .map(|t| {
                ClientType::parse(t).map_err(|_| {
                    VolcError::invalid("Filter.ClientTypes", format!("{t:?} is not a client type"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(ClientFilter {
            name: self.name.filter(|n| !n.is_empty()).map(TextMatch::Contains),
            description: self.description.filter(|d| !d.is_empty()),
            client_types,
        })
    }
}

fn sort_field(value: Option<&str>) -> Result<ClientSortField, VolcError> {
    match value {
        None | Some("") | Some("CreateTime") => Ok(ClientSortField::CreateTime),
        Some("UpdateTime") => Ok(ClientSortField::UpdateTime),
        Some("Name") => Ok(ClientSortField::Name),
        Some(other) => Err(VolcError::invalid(
            "SortField",
            format!("{other:?} is not one of CreateTime, UpdateTime, Name"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    user_pool_uid: String,
    page_number: Int,
    page_size: Int,
    filter: Option<ClientFilterIn>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut<ClientItemOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(Some(input.page_number), Some(input.page_size), None, None)?;
    let query = ClientQuery {
        filter: input.filter.unwrap_or_default().into_filter()?,
        sort: (
            sort_field(input.sort_field.as_deref())?,
            wire::direction(input.sort_direction.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let page = ctx.clients.list(&pool, &query).await?;
    Ok(ListOut::new(page, &paging, ClientItemOut::from))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WellKnownIn {
    user_pool_uids: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointsOut {
    user_pool_uid: String,
    discovery_url: String,
    issuer_url: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    end_session_endpoint: String,
    custom_domain: String,
}

impl EndpointsOut {
    fn new(pool_uid: String, e: PoolEndpoints) -> Self {
        Self {
            user_pool_uid: pool_uid,
            discovery_url: e.discovery,
            issuer_url: e.issuer,
            authorization_endpoint: e.authorization,
            token_endpoint: e.token,
            userinfo_endpoint: e.userinfo,
            jwks_uri: e.jwks,
            revocation_endpoint: e.revocation,
            introspection_endpoint: e.introspection,
            end_session_endpoint: e.end_session,
            custom_domain: String::new(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WellKnownOut {
    data: Vec<EndpointsOut>,
}

pub async fn well_known(ctx: &Ctx<'_>, input: WellKnownIn) -> Result<WellKnownOut, VolcError> {
    let uids = input
        .user_pool_uids
        .unwrap_or_default()
        .iter()
        .map(|u| UserPoolUid::parse(u))
        .collect::<Result<Vec<_>, _>>()?;
    let pools = ctx.dir.pools_for_endpoints(ctx.caller, &uids).await?;
    let data = pools
        .into_iter()
        .map(|p| {
            let endpoints = PoolEndpoints::new(ctx.public_url, p.uid.as_str());
            EndpointsOut::new(p.uid.into_string(), endpoints)
        })
        .collect();
    Ok(WellKnownOut { data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volc::decode::decode;
    use serde_json::json;

    #[test]
    fn update_accepts_both_lifetime_spellings() {
        for key in ["LifeTimeSeconds", "LifetimeSeconds"] {
            let input: UpdateIn = decode(json!({
                "UserPoolUid": "p", "ClientUid": "c", "IdToken": {key: 900}
            }))
            .unwrap();
            let mut s = ClientSettings::default();
            input.settings.apply(&mut s);
            assert_eq!(s.id_token_lifetime_seconds, 900);
        }
    }

    #[test]
    fn login_page_url_encodes_the_first_callback() {
        let mut c = Client {
            uid: idplane_core::ids::ClientUid::from_stored("c1".to_owned()),
            pool_uid: idplane_core::ids::UserPoolUid::from_stored("p1".to_owned()),
            name: "n".to_owned(),
            description: String::new(),
            client_type: ClientType::WebApplication,
            sealed_secret: None,
            settings: ClientSettings::default(),
            created_at: idplane_core::clock::Timestamp::from_millis(0),
            updated_at: idplane_core::clock::Timestamp::from_millis(0),
        };
        let base = "https://id.example.com/userpool/p1/oauth2/authorize";
        assert_eq!(
            login_page_url("https://id.example.com", &c),
            format!("{base}?client_id=c1&response_type=code&scope=openid")
        );
        c.settings.allowed_callback_urls = vec!["https://app.example.com/cb?a=1".to_owned()];
        assert_eq!(
            login_page_url("https://id.example.com", &c),
            format!(
                "{base}?client_id=c1&response_type=code&scope=openid\
                 &redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fa%3D1"
            )
        );
    }
}
