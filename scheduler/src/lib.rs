//! Edgerun scheduler: job-submission HTTP API, committee seeding and assignment, deadline watching,
//! reassignment and finalization cranks. Trusted for liveness only, never for funds.
//!
//! Not built yet: this member only pins its dependencies in the workspace's one `Cargo.lock`.
