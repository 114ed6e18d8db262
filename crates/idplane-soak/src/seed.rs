//! Makes real state through signed calls before the run — pools, users, groups, departments
//! and clients in the Volcengine dialect, users, groups and an org node in the Tencent dialect,
//! a hosted sign-in form and tokens on the data plane — and records it in [`State`].

use serde_json::{Value, json};

use crate::control::{encode, tc3_call, volc_call};
use crate::http::{Client, Request, shorten};
use crate::state::{Account, CALLBACK, Form, OauthClient, World};

const POOLS: usize = 3;
const USERS_PER_POOL: usize = 4;

async fn exchange(client: &mut Client, request: &Request) -> Result<(u16, Value), String> {
    let answer = client.send(request).await.map_err(|e| e.to_string())?;
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    Ok((answer.status, json))
}

/// The `Result` of a Volcengine action that must succeed.
async fn volc(
    client: &mut Client,
    world: &World,
    action: &str,
    body: Value,
) -> Result<Value, String> {
    let (status, json) = exchange(client, &volc_call(world, action, &body)).await?;
    match json.get("Result") {
        Some(result) if status == 200 => Ok(result.clone()),
        _ => Err(format!("{action} answered {status}: {json}")),
    }
}

/// The `Response` of a Tencent action that must succeed.
async fn tencent(
    client: &mut Client,
    world: &World,
    action: &str,
    body: Value,
) -> Result<Value, String> {
    let (status, json) = exchange(client, &tc3_call(world, action, &body)).await?;
    match json.get("Response") {
        Some(response) if status == 200 && response.get("Error").is_none() => Ok(response.clone()),
        _ => Err(format!("{action} answered {status}: {json}")),
    }
}

fn text_at(value: &Value, pointer: &str) -> Result<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {value}"))
}

/// Makes everything; `tag` keeps names apart from an earlier run's on the same server.
pub async fn seed(client: &mut Client, world: &mut World, tag: &str) -> Result<(), String> {
    for p in 0..POOLS {
        seed_pool(client, world, &format!("soak-{tag}-{p}")).await?;
    }
    seed_tencent(client, world, tag).await?;
    world.state.index();
    if let Err(e) = seed_form(client, world).await {
        println!("setup: no hosted sign-in form ({e})");
    }
    if let Err(e) = seed_tokens(client, world).await {
        println!("setup: no tokens ({e})");
    }
    world.state.index();
    Ok(())
}

async fn seed_pool(client: &mut Client, world: &mut World, name: &str) -> Result<(), String> {
    let pool = volc(
        client,
        world,
        "CreateUserPool",
        json!({"Name": name, "SelfSignUpEnabled": true, "UnconfirmedUserSignInEnabled": true}),
    )
    .await?;
    let pool = text_at(&pool, "/Uid")?;
    world.state.pools.push(pool.clone());
    let mut users = Vec::new();
    for u in 0..USERS_PER_POOL {
        let username = format!("user{u}");
        let password = format!("Soak-Passw0rd-{u}-{name}");
        let body = json!({"UserPoolUid": pool, "PreferredUsername": username,
                          "Email": format!("{username}@example.com"), "Password": password});
        let user = volc(client, world, "CreateUser", body).await?;
        users.push(text_at(&user, "/Uid")?);
        world.state.accounts.push(Account {
            pool: pool.clone(),
            username,
            password,
        });
    }
    for g in 0..2 {
        let group = volc(
            client,
            world,
            "CreateGroup",
            json!({"UserPoolUid": pool, "Name": format!("group{g}")}),
        )
        .await?;
        let group = text_at(&group, "/Uid")?;
        let uids = &users[..2 + g];
        let members = json!({"UserPoolUid": pool, "GroupUid": group, "UserUids": uids});
        volc(client, world, "AddUsersToGroup", members).await?;
        world.state.groups.push(group);
    }
    seed_departments(client, world, &pool, &users).await?;
    seed_clients(client, world, &pool).await?;
    world.state.users.extend(users);
    Ok(())
}

async fn seed_departments(
    client: &mut Client,
    world: &mut World,
    pool: &str,
    users: &[String],
) -> Result<(), String> {
    let body = json!({"UserPoolUid": pool, "DepartmentUid": "root"});
    let root = text_at(&volc(client, world, "GetDepartment", body).await?, "/Uid")?;
    world.state.departments.push(root.clone());
    for d in 0..2 {
        let body =
            json!({"UserPoolUid": pool, "ParentDepartmentUid": root, "Name": format!("dept{d}")});
        let department = text_at(
            &volc(client, world, "CreateDepartment", body).await?,
            "/Uid",
        )?;
        let uids = &users[d..d + 2];
        let members = json!({"UserPoolUid": pool, "DepartmentUid": department, "UserUids": uids});
        volc(client, world, "AddUsersToDepartment", members).await?;
        world.state.departments.push(department);
    }
    Ok(())
}

async fn seed_clients(client: &mut Client, world: &mut World, pool: &str) -> Result<(), String> {
    for kind in [
        "SINGLE_PAGE_APPLICATION",
        "WEB_APPLICATION",
        "MACHINE_TO_MACHINE",
    ] {
        let body = json!({"UserPoolUid": pool, "Name": kind.to_lowercase(), "ClientType": kind,
                          "AllowedCallbackUrls": [CALLBACK], "AllowedLogoutUrls": [CALLBACK]});
        let made = volc(client, world, "CreateUserPoolClient", body).await?;
        world.state.clients.push(OauthClient {
            pool: pool.to_owned(),
            id: text_at(&made, "/Uid")?,
            secret: made
                .get("ClientSecret")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok(())
}

async fn seed_tencent(client: &mut Client, world: &mut World, tag: &str) -> Result<(), String> {
    let node = tencent(
        client,
        world,
        "CreateOrgNode",
        json!({"DisplayName": format!("soak-{tag}")}),
    )
    .await?;
    let node = text_at(&node, "/OrgNodeId")?;
    let group = tencent(
        client,
        world,
        "CreateUserGroup",
        json!({"DisplayName": format!("soak-{tag}")}),
    )
    .await?;
    let group = text_at(&group, "/UserGroupId")?;
    for u in 0..3 {
        let body = json!({"UserName": format!("soak-{tag}-{u}"), "Password": format!("Soak-Passw0rd-{u}"),
                          "OrgNodeId": node, "UserGroupIds": [group]});
        let user = tencent(client, world, "CreateUser", body).await?;
        world.state.tc_users.push(text_at(&user, "/UserId")?);
    }
    world.state.tc_org_nodes.push(node);
    world.state.tc_groups.push(group);
    Ok(())
}

/// The first public client of the first pool.
fn public_client(world: &World) -> Result<OauthClient, String> {
    world
        .state
        .clients
        .iter()
        .find(|c| c.secret.is_none())
        .cloned()
        .ok_or_else(|| "no public client".to_owned())
}

/// Opens the hosted sign-in page once and keeps the sealed request and the CSRF cookie.
async fn seed_form(client: &mut Client, world: &mut World) -> Result<(), String> {
    let spa = public_client(world)?;
    let query = encode(&[
        ("client_id".into(), spa.id.clone()),
        ("redirect_uri".into(), CALLBACK.into()),
        ("response_type".into(), "code".into()),
        ("scope".into(), "openid email".into()),
        ("state".into(), "soak".into()),
        (
            "code_challenge".into(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        ),
        ("code_challenge_method".into(), "S256".into()),
    ]);
    let path = format!("/userpool/{}/oauth2/authorize?{query}", spa.pool);
    let answer = client
        .send(&Request::new("GET", path, &world.host, "setup"))
        .await
        .map_err(|e| e.to_string())?;
    let html = String::from_utf8_lossy(&answer.body);
    let hidden = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker)? + marker.len();
        Some(html[start..].split('"').next()?.to_owned())
    };
    let cookie = answer
        .headers_named("set-cookie")
        .find_map(|c| c.strip_prefix("idp_csrf="))
        .and_then(|c| c.split(';').next());
    match (hidden("request"), hidden("csrf_token"), cookie) {
        (Some(request), Some(csrf), Some(_)) => {
            world.state.forms.push(Form {
                pool: spa.pool,
                request,
                csrf,
            });
            Ok(())
        }
        _ => Err(format!(
            "authorize answered {}: {}",
            answer.status,
            shorten(&answer.body, 300)
        )),
    }
}

/// Signs a user in through `InitiateAuth` and keeps the tokens.
async fn seed_tokens(client: &mut Client, world: &mut World) -> Result<(), String> {
    let spa = public_client(world)?;
    let account = world
        .state
        .accounts
        .iter()
        .find(|a| a.pool == spa.pool)
        .cloned()
        .ok_or_else(|| "no account in the client's pool".to_owned())?;
    let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": spa.id,
                      "AuthParameters": {"USERNAME": account.username, "PASSWORD": account.password}});
    let mut request = Request::new(
        "POST",
        format!("/userpool/{}/api/v1/InitiateAuth", spa.pool),
        &world.host,
        "setup",
    );
    request.header("Content-Type", "application/json");
    request.body = body.to_string().into_bytes();
    let (status, json) = exchange(client, &request).await?;
    let result = json
        .pointer("/Result/AuthenticationResult")
        .ok_or_else(|| format!("InitiateAuth answered {status}: {json}"))?;
    for name in ["AccessToken", "IdToken", "RefreshToken"] {
        if let Some(token) = result.get(name).and_then(Value::as_str) {
            world.state.tokens.push(token.to_owned());
        }
    }
    Ok(())
}
