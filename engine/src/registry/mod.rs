//! The registry protocol (distribution-spec v2 and the token auth spec) as pure functions.
//!
//! Nothing here sends a request. The shim's client (`shim/src/registry`) asks these functions
//! what to send, and hands them what came back: challenges, token replies, error bodies,
//! `Retry-After` values, upload locations. Each decision is therefore unit-tested here, without
//! a network, and shared by every front end (the command, the browser build, plugins).

pub mod append;
pub mod auth;
pub mod certs;
pub mod errors;
pub mod fetch;
pub mod floor;
pub mod host;
pub mod plan;
pub mod plan_text;
pub mod probe;
pub mod referrers;
pub mod registries_conf;
pub mod retry;
pub mod shortnames;
pub mod status;
pub mod upload_resume;
pub mod urls;
pub mod verify;
pub mod width;

pub use auth::{
    challenge_scope, choose_scheme, merge_scopes, parse_challenges, parse_token_response,
    scope_key, token_form, token_request_url, AuthScheme, Challenge, ChallengeError, Grant, Scope,
    TokenError, TokenResponse,
};
pub use errors::{ErrorCode, RegistryError, RegistryErrors};
pub use plan::{
    blobs_to_probe, copies_needing_consent, plan_push, BlobRef, Copies, IndexTarget, Origin,
    PlanEntry, PlanError, PushStep, PushTarget, TargetHolds,
};
pub use plan_text::{dry_run, DryRun, PlannedWrite};
pub use retry::{backoff, is_idempotent, parse_retry_after, should_retry, Outcome, RetryPolicy};
pub use status::{repository_missing, snippet, status_failure, Reply, StatusFailure, Subject};
pub use urls::{query_escape, url_host, with_digest, Endpoint};
pub use verify::{verify_fetched_manifest, verify_pushed_manifest, Mismatch};

/// The largest manifest the client accepts (containerd's limit; the distribution spec says
/// registries SHOULD accept at least 4 MB).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
