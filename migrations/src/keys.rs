//! Solana-JSON keypair files (the `solana-keygen` format: a JSON array of 64 bytes).

use anyhow::{anyhow, Context};
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};
use std::path::Path;

/// Reads a keypair file.
pub fn read_keypair(path: &Path) -> anyhow::Result<Keypair> {
    read_keypair_file(path).map_err(|error| anyhow!("cannot read keypair {}: {error}", path.display()))
}

/// Reads `path`, or creates a fresh keypair there (and its parent folders) when it is missing.
/// Returns the keypair and whether it was created.
pub fn load_or_create_keypair(path: &Path) -> anyhow::Result<(Keypair, bool)> {
    if path.exists() {
        return Ok((read_keypair(path)?, false));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let keypair = Keypair::new();
    write_keypair_file(&keypair, path).map_err(|error| anyhow!("cannot write keypair {}: {error}", path.display()))?;
    Ok((keypair, true))
}
