//! Edgerun deployment: the embedded local network ([`localnet`]) with its storage gateway
//! ([`local_storage`]) and demo job ([`demo`]), keypair files ([`keys`]), and the whole network
//! as separate processes under one launcher ([`network`], the binary `edgerun-network`). Everything on
//! chain goes through the SDK's async client (`edgerun_sdk::client::EdgerunClient`), config
//! initialization included (`EdgerunClient::initialize_config`). The binary `edgerun-localnet` is
//! a thin command line over these (its config flags are `edgerun admin init`'s, both from
//! `edgerun_sdk::config_flags`); on a real cluster the config is initialized with
//! `edgerun admin init`. This crate depends on no client crate (the CLI, the scheduler): they
//! sit above it and use it in their tests.

pub mod bench;
pub mod demo;
pub mod keys;
pub mod local_storage;
pub mod localnet;
pub mod network;

use std::path::{Path, PathBuf};

pub use edgerun_sdk::program_file::BUILD_COMMAND;

/// `$EDGERUN_SO` if set, else `target/deploy/edgerun.so` of this workspace.
pub fn default_program_path() -> PathBuf {
    edgerun_sdk::program_file::default_path()
}

/// Reads the program `.so`, failing with the build command when it does not exist.
pub fn read_program(path: &Path) -> anyhow::Result<Vec<u8>> {
    Ok(edgerun_sdk::program_file::read(path)?)
}
