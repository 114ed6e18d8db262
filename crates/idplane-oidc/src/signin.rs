//! What the person signing in is told: failures, lockouts, and the identifier field's label.
//! The sign-in itself is core's [`idplane_core::service::sign_in`].

use std::time::Duration;

use idplane_core::identifiers::Attribute;
use idplane_core::model::pool::UserPool;
pub use idplane_core::service::sign_in::SignInError;
use idplane_core::service::sign_in::sign_in_attributes;

/// What a failed sign-in tells the person signing in.
pub fn failure_message(error: &SignInError) -> String {
    match error {
        SignInError::Failed => "Incorrect user name or password.".to_owned(),
        SignInError::Locked(wait) => locked_message(*wait),
        SignInError::MustChangePassword(_) => "You must choose a new password.".to_owned(),
    }
}

/// "Too many failed attempts", with how long to wait in words.
pub fn locked_message(wait: Duration) -> String {
    let seconds = wait.as_secs().max(1);
    let when = if seconds < 90 {
        format!("{seconds} seconds")
    } else if seconds < 90 * 60 {
        format!("{} minutes", seconds.div_ceil(60))
    } else if seconds < 48 * 3600 {
        format!("{} hours", seconds.div_ceil(3600))
    } else {
        "a while (ask your administrator to unlock the account)".to_owned()
    };
    format!("Too many failed sign-in attempts. Try again in {when}.")
}

/// The label of the identifier field, from the pool's sign-in attributes.
pub fn identifier_label(pool: &UserPool) -> String {
    sign_in_attributes(pool)
        .iter()
        .map(|a| match a {
            Attribute::Email => "email",
            Attribute::Phone => "phone number",
            Attribute::Username => "user name",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}
