//! Unauthenticated data-plane requests below `/userpool/{pool}/…`: discovery, JWKS, the
//! authorization endpoint, the hosted sign-in and sign-up forms, token, userinfo, revocation,
//! introspection, sign-out and `InitiateAuth`, with random parameters, cookies and headers; and
//! paths and methods no route has.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::control::encode;
use crate::fuzzed;
use crate::http::Request;
use crate::rng::Rng;
use crate::state::{CALLBACK, World};

/// Every route of a pool, and the methods it answers.
const ROUTES: &[(&str, &[&str])] = &[
    ("/.well-known/openid-configuration", &["GET"]),
    ("/.well-known/jwks.json", &["GET"]),
    ("/oauth2/authorize", &["GET", "POST"]),
    ("/login", &["POST"]),
    ("/login/password", &["POST"]),
    ("/signup", &["GET", "POST"]),
    ("/oauth2/token", &["POST"]),
    ("/oauth2/userinfo", &["GET", "POST"]),
    ("/oauth2/revoke", &["POST"]),
    ("/oauth2/introspect", &["POST"]),
    ("/oauth2/logout", &["GET", "POST"]),
    ("/api/v1/InitiateAuth", &["POST"]),
];

/// Parameter names the OAuth endpoints and hosted forms read.
const NAMES: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
    "grant_type",
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "token",
    "token_type_hint",
    "request",
    "csrf_token",
    "username",
    "password",
    "new_password",
    "email",
    "id_token_hint",
    "post_logout_redirect_uri",
    "logout_request",
    "ui_locales",
    "response_mode",
];

/// A data-plane request.
pub fn request(rng: &mut Rng, world: &World) -> Request {
    if rng.chance(60) {
        return odd_path(rng, world);
    }
    let (route, methods) = *rng.pick(ROUTES);
    let mut method = *rng.pick(methods);
    if rng.chance(30) {
        method = *rng.pick(&["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO"]);
    }
    let forms = &world.state.forms;
    let pool = if route.starts_with("/login") && !forms.is_empty() && rng.chance(700) {
        rng.pick(forms).pool.clone()
    } else {
        pool(rng, world)
    };
    let path = format!("/userpool/{pool}{route}");
    if route.ends_with("InitiateAuth") {
        return initiate_auth(rng, world, method, path);
    }
    let pairs = params(rng, world);
    let mut request = if method == "GET" || rng.chance(100) {
        Request::new(
            method,
            format!("{path}?{}", encode(&pairs)),
            &world.host,
            "data-plane",
        )
    } else {
        let mut request = Request::new(method, path, &world.host, "data-plane");
        request.header("Content-Type", form_type(rng));
        request.body = encode(&pairs).into_bytes();
        request
    };
    decorate(rng, world, &mut request);
    request
}

/// A pool that exists, or a name that does not.
fn pool(rng: &mut Rng, world: &World) -> String {
    let pools = &world.state.pools;
    if !pools.is_empty() && rng.chance(850) {
        let first = rng.chance(500);
        return if first {
            pools[0].clone()
        } else {
            rng.pick(pools).clone()
        };
    }
    let name = fuzzed::text(rng, &world.state.ids);
    utf8_percent_encode(&name, NON_ALPHANUMERIC).to_string()
}

fn form_type(rng: &mut Rng) -> &'static str {
    let types = [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "",
    ];
    types[rng.weighted(&[90, 4, 3, 3])]
}

/// Paths no pool route has, under and beside `/userpool`, with any method.
fn odd_path(rng: &mut Rng, world: &World) -> Request {
    let word = fuzzed::word(rng);
    let pool = pool(rng, world);
    let path = match rng.below(10) {
        0 => "/healthz".to_owned(),
        1 => "/readyz".to_owned(),
        2 => "/livez".to_owned(),
        3 => format!("/userpool/{pool}"),
        4 => format!("/userpool/{pool}/{word}"),
        5 => "/userpool//oauth2/token".to_owned(),
        6 => format!("/{word}/../userpool/{pool}/login"),
        7 => format!("/userpool/{pool}/%2e%2e/%00/{word}"),
        8 => format!("/{}", "a/".repeat(rng.range(1, 2000))),
        _ => format!("/?{word}"),
    };
    let method = *rng.pick(&["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]);
    let mut request = Request::new(method, path, &world.host, "odd-path");
    if method == "POST" {
        let value = fuzzed::any(rng, &world.state.ids, 0);
        request.body = fuzzed::json_body(rng, &value);
    }
    request
}

/// A value for OAuth parameter `name`: real where the soak knows one, else random.
fn value(rng: &mut Rng, world: &World, name: &str) -> String {
    let s = &world.state;
    let real = rng.chance(600);
    match name {
        "client_id" if real && !s.clients.is_empty() => rng.pick(&s.clients).id.clone(),
        "client_secret" if real => s
            .clients
            .iter()
            .find_map(|c| c.secret.clone())
            .unwrap_or_default(),
        "redirect_uri" | "post_logout_redirect_uri" if real => CALLBACK.to_owned(),
        "response_type" if real => {
            (*rng.pick(&["code", "token", "id_token", "code id_token", "none"])).to_owned()
        }
        "scope" if real => (*rng.pick(&[
            "openid",
            "openid email profile phone",
            "email",
            "openid offline_access",
        ]))
        .to_owned(),
        "grant_type" if real => (*rng.pick(&[
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ]))
        .to_owned(),
        "code_challenge_method" if real => (*rng.pick(&["S256", "plain", "s256"])).to_owned(),
        "code_challenge" | "code_verifier" if real => {
            URL_SAFE_NO_PAD.encode(rng.next_u64().to_le_bytes().repeat(rng.range(4, 12)))
        }
        "refresh_token" | "token" | "id_token_hint" if real && !s.tokens.is_empty() => {
            rng.pick(&s.tokens).clone()
        }
        "request" if real && !s.forms.is_empty() => rng.pick(&s.forms).request.clone(),
        "csrf_token" if real && !s.forms.is_empty() => rng.pick(&s.forms).csrf.clone(),
        "username" if real && !s.accounts.is_empty() => rng.pick(&s.accounts).username.clone(),
        "password" if real && !s.accounts.is_empty() && rng.chance(100) => {
            rng.pick(&s.accounts).password.clone()
        }
        "max_age" if real => fuzzed::number(rng).to_string(),
        _ if rng.chance(10) => "x".repeat(16 * 1024 + 1),
        _ => fuzzed::text(rng, &s.ids),
    }
}

/// A handful of OAuth parameters; now and then one twice, or too many.
fn params(rng: &mut Rng, world: &World) -> Vec<(String, String)> {
    let n = if rng.chance(10) {
        rng.range(65, 80)
    } else {
        rng.range(0, 9)
    };
    let mut pairs: Vec<(String, String)> = (0..n)
        .map(|_| {
            let name = if rng.chance(950) {
                (*rng.pick(NAMES)).to_owned()
            } else {
                fuzzed::text(rng, &world.state.ids)
            };
            let value = value(rng, world, &name);
            (name, value)
        })
        .collect();
    if rng.chance(30)
        && let Some(first) = pairs.first().cloned()
    {
        pairs.push(first);
    }
    pairs
}

/// Cookies, a bearer or basic `Authorization`, and other headers a browser or client sends.
fn decorate(rng: &mut Rng, world: &World, request: &mut Request) {
    let s = &world.state;
    if rng.chance(500) {
        let csrf = match s.forms.first() {
            Some(form) if rng.chance(700) => form.csrf.clone(),
            _ => fuzzed::word(rng),
        };
        let junk = fuzzed::header_safe(&fuzzed::text(rng, &s.ids));
        request.header(
            "Cookie",
            format!("idp_csrf={csrf}; idp_session={}; {junk}", fuzzed::word(rng)),
        );
    }
    match rng.below(6) {
        0 => {
            let token = match s.tokens.first() {
                Some(_) if rng.chance(500) => rng.pick(&s.tokens).clone(),
                _ => fake_jwt(rng, world),
            };
            request.header("Authorization", format!("Bearer {token}"));
        }
        1 => {
            let (id, secret) = match s.clients.iter().find(|c| c.secret.is_some()) {
                Some(c) if rng.chance(500) => (c.id.clone(), c.secret.clone().unwrap_or_default()),
                _ => (fuzzed::text(rng, &s.ids), fuzzed::text(rng, &s.ids)),
            };
            request.header(
                "Authorization",
                format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
            );
        }
        2 => {
            let text = fuzzed::header_safe(&fuzzed::text(rng, &s.ids));
            request.header("Authorization", text);
        }
        _ => {}
    }
    for _ in 0..rng.below(3) {
        let name = *rng.pick(&[
            "Origin",
            "Referer",
            "X-Forwarded-For",
            "X-Real-IP",
            "Accept",
            "Accept-Language",
            "User-Agent",
        ]);
        request.header(name, fuzzed::header_safe(&fuzzed::text(rng, &s.ids)));
    }
}

/// Three base64url parts that look like an ES256 token and are not one.
fn fake_jwt(rng: &mut Rng, world: &World) -> String {
    let header = json!({"alg": rng.pick(&["ES256", "none", "HS256", "RS256"]), "kid": fuzzed::text(rng, &world.state.ids)});
    let claims = fuzzed::any(rng, &world.state.ids, 2);
    let signature: Vec<u8> = (0..rng.range(0, 80))
        .map(|_| rng.below(256) as u8)
        .collect();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// `InitiateAuth` with a JSON body of real and random parameters.
fn initiate_auth(rng: &mut Rng, world: &World, method: &str, path: String) -> Request {
    let s = &world.state;
    let mut body = Map::new();
    if rng.chance(900) {
        let flow = *rng.pick(&[
            "USER_PASSWORD_AUTH",
            "REFRESH_TOKEN_AUTH",
            "CUSTOM_AUTH",
            "",
        ]);
        body.insert("AuthFlow".into(), Value::from(flow));
    }
    if rng.chance(900) {
        body.insert(
            "ClientId".into(),
            Value::from(value(rng, world, "client_id")),
        );
    }
    let mut parameters = Map::new();
    for name in ["USERNAME", "PASSWORD", "SECRET_HASH", "REFRESH_TOKEN"] {
        if rng.chance(600) {
            let key = match name {
                "USERNAME" => "username",
                "PASSWORD" => "password",
                "REFRESH_TOKEN" => "refresh_token",
                _ => "client_secret",
            };
            parameters.insert(name.into(), Value::from(value(rng, world, key)));
        }
    }
    body.insert("AuthParameters".into(), Value::Object(parameters));
    if rng.chance(100) {
        body.insert(fuzzed::text(rng, &s.ids), fuzzed::any(rng, &s.ids, 0));
    }
    let mut request = Request::new(method, path, &world.host, "data-plane");
    request.header("Content-Type", "application/json");
    request.body = fuzzed::json_body(rng, &Value::Object(body));
    if rng.chance(5) {
        request.body = vec![b'{'; 64 * 1024 + 1];
    }
    decorate(rng, world, &mut request);
    request
}
