//! Solana-JSON keypair files (the `solana-keygen` format: a JSON array of 64 bytes).

use solana_keypair::Keypair;
use std::path::Path;

/// Reads a keypair file (refused when every user of the machine may read it).
pub fn read_keypair(path: &Path) -> anyhow::Result<Keypair> {
    Ok(edgerun_sdk::keys::read_keypair(path)?)
}

/// Reads `path`, or creates a fresh keypair there (and its parent folders) when it is missing.
/// Returns the keypair and whether it was created. A new file is readable by its owner only.
pub fn load_or_create_keypair(path: &Path) -> anyhow::Result<(Keypair, bool)> {
    if path.exists() {
        return Ok((read_keypair(path)?, false));
    }
    let keypair = Keypair::new();
    edgerun_sdk::keys::write_keypair(&keypair, path)?;
    Ok((keypair, true))
}
