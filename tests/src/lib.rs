//! Test harnesses: [`svm`] runs the real `target/deploy/edgerun.so` in LiteSVM (program tests,
//! compute units, properties); end-to-end tests on a local validator build on the same SDK.

// `TxResult` is LiteSVM's own result type, returned as is so tests see every failure detail.
#![allow(clippy::result_large_err)]

pub mod compute_units;
pub mod svm;
