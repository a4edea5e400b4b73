//! Edgerun's deterministic wasm runtime: same bundle, same answer, on every machine.
//!
//! Used by the worker daemon and by `edgerun-worker exec` (the customer's local dry run), so both
//! run bundles through exactly the same code. Flow of one job:
//! 1. [`validate`] (from `edgerun-guest`): the guest contract (no floats/SIMD/threads, only the three `edgerun`
//!    imports, `_start` and a bounded `memory` exported, ...), each violation with its own
//!    [`ErrorCode`];
//! 2. [`instrument`]: the deterministic call-depth rule and host-run start function;
//! 3. [`runtime`]: compile once per wasm hash (cached `InstancePre`, pooling allocator), run with
//!    fuel = `max_instructions` and a hard memory cap, classify the end;
//! 4. [`report`]: `output_hash = blake3(output)` or `blake3(error record)`.
//!
//! [`descriptor`] names every setting that can change a result; `runtime_id` is its hash. The
//! worker runs two runtimes on one engine: Edgerun's ABI ([`host`]) and deterministic WASI
//! preview 1 ([`wasi`]), each with its own descriptor and id ([`GuestAbi`]).
//! [`job`] is the step around it for an assigned job: bundle checks against the posted job and
//! the attested submission. [`daemon`] is `edgerun-worker run`: the chain, the gateway and the
//! runtime around that step ([`daemon::step::Worker`] is the one job step the demo and the tests
//! run too).

pub mod daemon;
pub mod host;
pub mod instrument;
pub mod job;
pub mod report;
pub mod runtime;
pub mod wasi;

// The guest contract lives in `edgerun-guest` (no engine), shared with the CLI and the scheduler;
// re-exported so the worker's own paths read as before.
pub use edgerun_guest::{descriptor, error, limits, validate};

pub use descriptor::{runtime_id, wasi_runtime_id, GuestAbi, RUNTIME_DESCRIPTOR, WASI_RUNTIME_DESCRIPTOR};
pub use edgerun_sdk::bundle::{Bundle, Limits};
pub use error::{error_record, parse_error_record, ErrorCode};
pub use report::{ExecutionReport, Outcome, ReportSummary};
pub use runtime::{ModuleCacheStats, Runtime, RuntimeConfig, RuntimeError};
