//! How every Edgerun service runs (scheduler, worker daemon, crank service, storage gateway).
//!
//! Each service is a library plus a thin `main.rs`; what they all need beside their own logic
//! lives here once, so a rule changes in one place:
//!
//! - [`logging`]: structured logs on stderr, `--log-format text|json`, `RUST_LOG` filters;
//! - [`shutdown`]: SIGINT/SIGTERM cancel a [`tokio_util::sync::CancellationToken`];
//! - [`health`]: one `/health` contract (200 `ok`, otherwise 503 with a status code word and a
//!   message an operator can act on) and [`health::ops_router`] serving it beside `/metrics`;
//! - [`metrics`]: Prometheus registries and their text rendering;
//! - [`http`]: the HTTP server every service uses, with the limits a stranger's connection
//!   must not exceed (header and body timeouts, header size, connection count);
//! - [`flags`]: flag value parsers spelled the same everywhere (durations with units, as in
//!   `--reconcile-interval 30s`).

pub mod flags;
pub mod health;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod shutdown;
