//! What every control-plane request can reach: the services, the public URL, the limits.

use std::sync::Arc;

use idplane_core::clock::Clock;
use idplane_core::service::{AccessKeyService, ClientService, Directory, WorkloadService};
use idplane_core::throttle::Throttle;

use crate::rate_limit::RateLimiter;

pub struct ApiState {
    pub directory: Directory,
    pub keys: AccessKeyService,
    pub clients: ClientService,
    pub workloads: WorkloadService,
    pub clock: Arc<dyn Clock>,
    /// The external base URL, without a trailing slash, used in issuer and endpoint URLs.
    pub public_url: String,
    pub limiter: RateLimiter,
    /// Failed authentications by source address (shared with the data plane).
    pub throttle: Arc<Throttle>,
}
