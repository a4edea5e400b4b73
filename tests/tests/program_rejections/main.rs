//! Every rejection of the program on the real `.so`: each asserts the exact error and that the
//! rejected transaction changed nothing (every account it names, plus the job's PDAs).
//!
//! One test binary: `world` holds the shared fixture; every other module covers one concern.

mod attestation;
mod authority;
mod committee;
mod config;
mod deadlines;
mod output;
mod post_job;
mod prefunded;
mod status;
mod worker;
mod world;
