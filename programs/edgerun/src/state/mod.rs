//! Account layouts. Every account is zero-copy (`[8-byte discriminator][repr(C) Pod struct]`) so
//! the SDK and the services read them with the very same types.

mod config;
mod job;
mod job_result;
mod output_availability;
mod treasury;
mod worker_stake;

pub use config::*;
pub use job::*;
pub use job_result::*;
pub use output_availability::*;
pub use treasury::*;
pub use worker_stake::*;
