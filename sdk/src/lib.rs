//! Edgerun SDK: the one place for PDAs, instruction builders, digests, the bundle codec, chain and
//! storage clients. Services and the CLI import facts from here (and the program crate), never
//! re-declare them.

pub mod accounts;
pub mod amount;
pub mod attestation;
pub mod bundle;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "flags")]
pub mod config_flags;
pub mod config_params;
pub mod events;
#[cfg(feature = "storage-client")]
pub mod http;
pub mod instructions;
pub mod keys;
pub mod pda;
pub mod program_file;
#[cfg(feature = "client")]
pub mod runtime_features;
#[cfg(feature = "scheduler-client")]
pub mod scheduler_api;
pub mod selection;
pub mod standing;
pub mod storage;
pub mod storage_auth;
pub mod submission;
#[cfg(feature = "litesvm")]
pub mod testkit;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use edgerun;
pub use edgerun::digest::{job_id, result_digest};
