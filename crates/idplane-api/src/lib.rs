//! idplane's control plane: requests in a cloud's dialect, answered by the domain services.
//!
//! One module per dialect owns its framing, signature check, error table, action table and wire
//! types; [`router`] puts them on one listener.

pub mod bounds;
pub mod flatten;
pub mod flex;
pub mod rate_limit;
pub mod request;
mod router;
pub mod state;
pub mod tencent;
pub mod volc;

pub use router::router;
pub use state::ApiState;

/// An action name as logs may show it: a catalog name as it is, anything else only as
/// `(not an action)` — a client-chosen name never reaches a log line.
pub(crate) fn loggable_action(action: &str, known: bool) -> &str {
    if known { action } else { "(not an action)" }
}
