//! The crank on the real program (`target/deploy/edgerun.so`) in LiteSVM, through the SDK's
//! client exactly as the CLI and the daemon use it. One test binary: every suite shares the
//! harness and the link.

mod actions;
mod explain;
mod harness;
mod once;
mod service;
