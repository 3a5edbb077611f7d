//! The end-to-end test harness: real registries (Debian's `docker-registry`, CNCF distribution
//! 2.8) started on 127.0.0.1 with a free port and a temporary storage folder, a token server for
//! distribution's `auth: token`, a way to seed images into a registry over HTTP, and a way to run
//! the built `manifold` binary (and the docker CLI) with a throw-away HOME.
//!
//! Everything stays on loopback. Processes started here are stopped when their handle drops.
//! When `docker-registry` is missing a test is skipped with a note, except with `CI=true`,
//! where that is a failure.

pub mod certs;
pub mod env;
pub mod fault;
pub mod latency;
pub mod layout;
pub mod oci_server;
pub mod podman;
pub mod registry;
pub mod seed;
pub mod token;

pub use certs::TestCa;
pub use env::{manifold_bin, Output, TestEnv};
pub use latency::LatencyProxy;
pub use registry::{Auth, Registry, RequestLine};
pub use seed::{Format, Seeded, Seeder};
pub use token::TokenServer;

/// The user and password of every registry with auth started here.
pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cret-Pa55";
