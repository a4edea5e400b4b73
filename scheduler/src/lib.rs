//! Edgerun scheduler: the job-submission HTTP API, committee seeding and assignment, and the
//! replacement of silent workers. Trusted for liveness only: it never holds a customer's key or
//! funds, and everything it decides is re-derived from the chain, so a restart (or a `kill -9`)
//! never seeds or assigns a job twice and never skips one.

pub mod eligibility;
pub mod metrics;
