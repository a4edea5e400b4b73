//! Edgerun scheduler: the job-submission HTTP API, committee seeding and assignment, and the
//! replacement of silent workers. Trusted for liveness only: it never holds a customer's key or
//! funds, and everything it decides is re-derived from the chain, so a restart (or a `kill -9`)
//! never seeds or assigns a job twice and never skips one.
//!
//! - [`engine`]: seeds and assigns posted jobs (one transaction when it holds both authorities),
//!   replaces silent members, keeps the picture the API answers from;
//! - [`eligibility`]: which workers may be assigned and why not (stake, jailing);
//! - [`api`]: the HTTP API (`/v1/...`, `/health`, `/metrics`, `/openapi.json`);
//! - [`dashboard`]: the page of the network served at `/` (self-contained, live over `/v1/events`);
//! - [`webhooks`]: job stage changes POSTed (signed) to the URLs customers registered;
//! - [`service`]: the daemon around both (`edgerun-scheduler`), with graceful shutdown.

pub mod api;
pub mod bundle_check;
pub mod dashboard;
pub mod eligibility;
pub mod engine;
pub mod metrics;
pub mod service;
pub mod webhooks;
