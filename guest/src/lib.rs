//! The Edgerun guest contract, without an engine.
//!
//! What a guest module may be and what a run of it can end with is decided here, in a crate that
//! does not link wasmtime, so that the CLI (`edgerun bundle build`) and the scheduler (before it
//! assigns a job) refuse exactly what every worker would refuse, without compiling anything:
//!
//! - [`validate`]: the contract (no floats/SIMD/threads, only the three `edgerun` imports,
//!   `_start` and a bounded `memory` exported, static caps on size and shape), each violation
//!   with its own [`ErrorCode`];
//! - [`limits`]: the runtime's fixed numbers;
//! - [`error`]: error codes and the error record whose hash is a failed run's `output_hash`;
//! - [`descriptor`]: every setting that can change a result; `runtime_id` is its hash. Two
//!   runtimes ([`GuestAbi`]): Edgerun's own ABI and deterministic WASI preview 1 ([`wasi`]).
//!
//! The worker (`edgerun-worker`) runs guests under this contract with wasmtime.

pub mod descriptor;
pub mod error;
pub mod limits;
pub mod validate;
pub mod wasi;

pub use descriptor::{runtime_id, wasi_runtime_id, GuestAbi, RUNTIME_DESCRIPTOR, WASI_RUNTIME_DESCRIPTOR};
pub use error::{error_record, parse_error_record, ErrorCode};
