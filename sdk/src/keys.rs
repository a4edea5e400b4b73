//! Keypair files and endpoint URLs, handled so that no secret leaks: a keypair file others can
//! read is refused, a new one is written readable by its owner only, and an RPC URL is logged
//! without the parts where providers put API keys.
//!
//! Every service and the CLI read their keys through [`read_keypair`], so the rule is the same
//! everywhere.

use std::path::{Path, PathBuf};

use solana_keypair::Keypair;

/// Why a keypair file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the keypair file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// The file is there but holds no keypair (`reason` says what it holds instead).
    #[error("{path} {reason}")]
    NotAKeypair { path: PathBuf, reason: String },
    #[error(
        "keypair file {path} is readable or writable by every user of this machine (mode {mode:03o}): anyone \
         here can take its funds; restrict it with `chmod 600 {path}`"
    )]
    WorldAccessible { path: PathBuf, mode: u32 },
    #[error("cannot write keypair file {path}: {reason}")]
    Unwritable { path: PathBuf, reason: String },
}

/// Reads a Solana CLI keypair file (a JSON array of 64 bytes), refusing one that every user of
/// the machine may read or write.
pub fn read_keypair(path: &Path) -> Result<Keypair, KeyFileError> {
    check_private(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|error| KeyFileError::Unreadable { path: path.to_path_buf(), reason: error.to_string() })?;
    let not_a_keypair = |reason: String| KeyFileError::NotAKeypair { path: path.to_path_buf(), reason };
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|_| not_a_keypair("is not a keypair file (a JSON array of 64 numbers)".into()))?;
    let bytes: [u8; 64] = bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| not_a_keypair(format!("holds {} bytes, a keypair has 64", bytes.len())))?;
    Keypair::try_from(bytes.as_slice()).map_err(|error| not_a_keypair(format!("is not a valid keypair: {error}")))
}

/// Refuses a keypair file that every user of the machine may read or write.
pub fn check_private(path: &Path) -> Result<(), KeyFileError> {
    let metadata = std::fs::metadata(path)
        .map_err(|error| KeyFileError::Unreadable { path: path.to_path_buf(), reason: error.to_string() })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o006 != 0 {
            return Err(KeyFileError::WorldAccessible { path: path.to_path_buf(), mode });
        }
    }
    #[cfg(not(unix))]
    let _ = metadata;
    Ok(())
}

/// Writes `keypair` to `path` (creating its folder), readable and writable by its owner only,
/// whatever the file's mode was before.
pub fn write_keypair(keypair: &Keypair, path: &Path) -> Result<(), KeyFileError> {
    let unwritable = |reason: String| KeyFileError::Unwritable { path: path.to_path_buf(), reason };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| unwritable(error.to_string()))?;
    }
    solana_keypair::write_keypair_file(keypair, path).map_err(|error| unwritable(error.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|error| unwritable(error.to_string()))?;
    }
    Ok(())
}

/// `url` as it may be logged: scheme, host and port only. RPC providers put API keys in the path
/// or the query (`https://rpc.example/v2/<key>`, `?api-key=<key>`) and sometimes in userinfo;
/// none of it reaches a log.
pub fn loggable_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<not a URL>".to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use solana_signer::Signer;

    use super::*;

    #[test]
    fn urls_are_logged_without_keys() {
        assert_eq!(loggable_url("https://rpc.example.com/v2/SECRET"), "https://rpc.example.com");
        assert_eq!(loggable_url("https://rpc.example.com?api-key=SECRET"), "https://rpc.example.com");
        assert_eq!(loggable_url("wss://user:SECRET@rpc.example.com:8900/ws#x"), "wss://rpc.example.com:8900");
        assert_eq!(loggable_url("http://127.0.0.1:8899"), "http://127.0.0.1:8899");
        assert_eq!(loggable_url("SECRET"), "<not a URL>");
    }

    #[cfg(unix)]
    #[test]
    fn keypair_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("edgerun-keys-{}", std::process::id()));
        let path = dir.join("nested/id.json");
        let keypair = Keypair::new();
        write_keypair(&keypair, &path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(read_keypair(&path).unwrap().pubkey(), keypair.pubkey());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = read_keypair(&path).unwrap_err();
        assert!(matches!(error, KeyFileError::WorldAccessible { mode: 0o644, .. }), "{error}");
        assert!(error.to_string().contains("chmod 600"), "{error}");
        // Rewriting fixes the mode of an existing file too.
        write_keypair(&keypair, &path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let missing = read_keypair(&dir.join("missing.json")).unwrap_err();
        assert!(matches!(missing, KeyFileError::Unreadable { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
