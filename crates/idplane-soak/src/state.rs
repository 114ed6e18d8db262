//! What the soak made on the server before the run (pools, users, groups, departments,
//! clients, tokens, a hosted sign-in form), so random requests can name things that exist.

/// A user whose password the soak knows.
#[derive(Clone, Debug)]
pub struct Account {
    pub pool: String,
    pub username: String,
    pub password: String,
}

/// A client of a pool; `secret` for confidential ones.
#[derive(Clone, Debug)]
pub struct OauthClient {
    pub pool: String,
    pub id: String,
    pub secret: Option<String>,
}

/// A hosted sign-in form the server sealed, with the CSRF cookie it set.
#[derive(Clone, Debug)]
pub struct Form {
    pub pool: String,
    pub request: String,
    pub csrf: String,
}

#[derive(Default, Debug)]
pub struct State {
    pub pools: Vec<String>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub departments: Vec<String>,
    pub accounts: Vec<Account>,
    pub clients: Vec<OauthClient>,
    /// Access, ID and refresh tokens the server issued.
    pub tokens: Vec<String>,
    pub forms: Vec<Form>,
    /// Users and groups made through the Tencent dialect (in the key's default pool).
    pub tc_users: Vec<String>,
    pub tc_groups: Vec<String>,
    pub tc_org_nodes: Vec<String>,
    /// Every identifier above, for random bodies (see [`State::index`]).
    pub ids: Vec<String>,
}

/// The server under test, the key that signs for it, and what was made on it.
pub struct World {
    /// `host:port`, as the `Host` header and the signatures carry it.
    pub host: String,
    pub key_id: String,
    pub secret: String,
    pub state: State,
}

/// The callback every client the soak makes allows.
pub const CALLBACK: &str = "https://app.example/cb";

impl State {
    /// Gathers every identifier the soak knows into `ids`.
    pub fn index(&mut self) {
        let ids: Vec<String> = [
            &self.pools,
            &self.users,
            &self.groups,
            &self.departments,
            &self.tc_users,
            &self.tc_groups,
            &self.tc_org_nodes,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .chain(self.clients.iter().map(|c| c.id.clone()))
        .collect();
        self.ids = ids;
    }
}
