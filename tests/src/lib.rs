//! Test harnesses: [`svm`] runs the real `target/deploy/edgerun.so` in LiteSVM (program tests,
//! compute units, properties); end-to-end tests on a local validator build on the same SDK.

pub mod compute_units;
pub mod svm;
