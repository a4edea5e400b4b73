//! Edgerun deployment: the embedded local network ([`localnet`]) with its storage gateway
//! ([`local_storage`]) and demo job ([`demo`]), keypair files ([`keys`]), and the whole network
//! as separate processes under one launcher ([`network`], the binary `edgerun-network`). Everything on
//! chain goes through the SDK's async client (`edgerun_sdk::client::EdgerunClient`), config
//! initialization included (`EdgerunClient::initialize_config`). The binary `edgerun-localnet` is
//! a thin command line over these (its config flags are `edgerun admin init`'s); on a real
//! cluster the config is initialized with `edgerun admin init`.

pub mod demo;
pub mod keys;
pub mod local_storage;
pub mod localnet;
pub mod network;

use anyhow::Context;
use std::path::{Path, PathBuf};

/// The command that builds the program `.so` these tools deploy.
pub const BUILD_COMMAND: &str = "bash scripts/build-program.sh";

/// `$EDGERUN_SO` if set, else `target/deploy/edgerun.so` of this workspace.
pub fn default_program_path() -> PathBuf {
    if let Some(path) = std::env::var_os("EDGERUN_SO") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/edgerun.so")
}

/// Reads the program `.so`, failing with the build command when it does not exist.
pub fn read_program(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("cannot read the Edgerun program at {}; build it first with: {BUILD_COMMAND}", path.display())
    })?;
    anyhow::ensure!(
        bytes.starts_with(b"\x7fELF"),
        "{} is not an ELF file; rebuild it with: {BUILD_COMMAND}",
        path.display()
    );
    Ok(bytes)
}
