//! EIAM user status names and the domain states each stands for.

use idplane_core::model::user::UserState;

/// The EIAM name of a domain state.
pub fn eiam_status(state: UserState) -> &'static str {
    match state {
        UserState::Confirmed
        | UserState::ExternalProvider
        | UserState::ResetRequired
        | UserState::ForceChangePassword => "NORMAL",
        UserState::Disabled => "FREEZE",
        UserState::Locked => "LOCKED",
        UserState::Unconfirmed => "NOT_ENABLED",
    }
}

/// The domain states an EIAM status name covers (ASCII case-insensitive), or `None` if unknown.
pub fn states_for(eiam: &str) -> Option<Vec<UserState>> {
    let wanted = eiam.to_ascii_uppercase();
    let states: Vec<UserState> = UserState::ALL
        .into_iter()
        .filter(|s| eiam_status(*s) == wanted)
        .collect();
    (!states.is_empty()).then_some(states)
}
