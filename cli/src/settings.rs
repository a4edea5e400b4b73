//! Where the CLI connects and who it signs as, resolved like the Solana CLI does it, so that an
//! operator's existing setup just works: flags first, then the Solana CLI config file
//! (`~/.config/solana/cli/config.yml`), then Solana's defaults (mainnet-beta and
//! `~/.config/solana/id.json`).
//!
//! The config file is read with `serde_yaml` directly rather than through `solana-cli-config`,
//! which would pull in clap 2 and the hardware-wallet C libraries for four string fields.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CliError;

/// The local validator started by `scripts/localnet.sh`.
pub const LOCALNET_URL: &str = "http://127.0.0.1:8899";
/// The storage gateway the local network starts beside its validator.
pub const LOCALNET_STORAGE_URL: &str = "http://127.0.0.1:8090";
/// Solana's own default when no config file says otherwise.
pub const MAINNET_BETA_URL: &str = "https://api.mainnet-beta.solana.com";
pub const DEVNET_URL: &str = "https://api.devnet.solana.com";
pub const TESTNET_URL: &str = "https://api.testnet.solana.com";

/// The fields of the Solana CLI config file this CLI uses (every other field is ignored).
#[derive(Debug, Default, Deserialize)]
pub struct SolanaCliConfig {
    #[serde(default)]
    pub json_rpc_url: String,
    /// Empty means "derived from `json_rpc_url`", as in the Solana CLI.
    #[serde(default)]
    pub websocket_url: String,
    #[serde(default)]
    pub keypair_path: String,
    /// Not a Solana CLI field: the storage gateway of the network the file names (written by
    /// the local network's launcher into [`LOCAL_NETWORK_CONFIG`]).
    #[serde(default)]
    pub edgerun_storage_url: String,
}

/// The config file `scripts/localnet.sh` writes for the network it runs: used when no `--config`
/// is given and the working directory has it, so `edgerun` talks to that network without
/// touching the user's own Solana config.
pub const LOCAL_NETWORK_CONFIG: &str = "target/localnet/cli-config.yml";

impl SolanaCliConfig {
    /// `~/.config/solana/cli/config.yml`.
    pub fn default_path() -> Option<PathBuf> {
        home_dir().map(|home| home.join(".config/solana/cli/config.yml"))
    }

    /// Reads `path`. A missing file is not an error when `required` is false (the default path);
    /// an explicitly named one must exist.
    pub fn load(path: &Path, required: bool) -> Result<SolanaCliConfig, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(SolanaCliConfig::default())
            }
            Err(error) => {
                return Err(CliError::usage(format!("cannot read the config file {}: {error}", path.display()))
                    .with_hint("pass an existing file with --config, or omit --config to use the Solana CLI's"))
            }
        };
        serde_yaml::from_str(&text).map_err(|error| {
            CliError::usage(format!("{} is not a Solana CLI config file: {error}", path.display()))
                .with_hint("fix it with `solana config set --url <URL> --keypair <FILE>`")
        })
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|home| !home.is_empty()).map(PathBuf::from)
}

/// `localnet`, `devnet`, `testnet`, `mainnet-beta` (or their first letters, as in the Solana CLI)
/// or an http(s) URL.
pub fn resolve_url(moniker_or_url: &str) -> Result<String, CliError> {
    let url = match moniker_or_url {
        "localnet" | "l" | "localhost" => LOCALNET_URL,
        "devnet" | "d" => DEVNET_URL,
        "testnet" | "t" => TESTNET_URL,
        "mainnet-beta" | "m" => MAINNET_BETA_URL,
        url if url.starts_with("http://") || url.starts_with("https://") => url,
        other => {
            return Err(CliError::usage(format!("`{other}` is neither a cluster name nor an http(s) URL"))
                .with_hint("use --url localnet|devnet|testnet|mainnet-beta or --url http://HOST:PORT"))
        }
    };
    Ok(url.trim_end_matches('/').to_string())
}

/// The websocket URL the Solana CLI derives from an RPC URL (one definition, in the SDK).
pub fn websocket_url(rpc_url: &str) -> String {
    edgerun_sdk::client::RpcBackend::websocket_url(rpc_url)
}

/// Whether `rpc_url` is the local network's validator (its gateway then has a known address).
pub fn is_localnet(rpc_url: &str) -> bool {
    let rest = rpc_url.split_once("://").map_or(rpc_url, |(_, rest)| rest);
    matches!(rest.trim_end_matches('/'), "127.0.0.1:8899" | "localhost:8899")
}

/// What the flags and the config file resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub rpc_url: String,
    pub ws_url: String,
    pub keypair_path: PathBuf,
    /// `None`: no gateway known (commands that need one say how to name it).
    pub storage_url: Option<String>,
}

/// The global flags that choose the cluster, the keypair and the gateway.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub url: Option<String>,
    pub ws_url: Option<String>,
    pub keypair: Option<PathBuf>,
    pub storage: Option<String>,
}

impl Settings {
    pub fn resolve(overrides: &Overrides) -> Result<Settings, CliError> {
        let local = Path::new(LOCAL_NETWORK_CONFIG);
        let file = match (&overrides.config_file, SolanaCliConfig::default_path()) {
            (Some(path), _) => SolanaCliConfig::load(path, true)?,
            (None, _) if local.is_file() => SolanaCliConfig::load(local, true)?,
            (None, Some(path)) => SolanaCliConfig::load(&path, false)?,
            (None, None) => SolanaCliConfig::default(),
        };
        let rpc_url = match (&overrides.url, file.json_rpc_url.trim()) {
            (Some(url), _) => resolve_url(url)?,
            (None, "") => MAINNET_BETA_URL.to_string(),
            (None, url) => resolve_url(url)?,
        };
        let ws_url = match (&overrides.ws_url, file.websocket_url.trim()) {
            (Some(url), _) => url.clone(),
            // The file's websocket URL belongs to the file's RPC URL, not to one given by flag.
            (None, url) if !url.is_empty() && overrides.url.is_none() => url.to_string(),
            _ => websocket_url(&rpc_url),
        };
        let keypair_path = match (&overrides.keypair, file.keypair_path.trim()) {
            (Some(path), _) => path.clone(),
            (None, "") => home_dir().map(|home| home.join(".config/solana/id.json")).ok_or_else(|| {
                CliError::usage("no keypair: HOME is not set and no --keypair was given")
                    .with_hint("pass --keypair FILE")
            })?,
            (None, path) => expand_home(path),
        };
        let storage_url = match &overrides.storage {
            Some(url) => Some(url.trim_end_matches('/').to_string()),
            // The file's gateway belongs to the file's cluster, not to one given by flag.
            None if !file.edgerun_storage_url.trim().is_empty() && overrides.url.is_none() => {
                Some(file.edgerun_storage_url.trim().trim_end_matches('/').to_string())
            }
            None if is_localnet(&rpc_url) => Some(LOCALNET_STORAGE_URL.to_string()),
            None => None,
        };
        Ok(Settings { rpc_url, ws_url, keypair_path, storage_url })
    }
}

/// `~/x` → `$HOME/x` (the Solana CLI writes paths that way).
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_and_urls() {
        assert_eq!(resolve_url("localnet").unwrap(), LOCALNET_URL);
        assert_eq!(resolve_url("d").unwrap(), DEVNET_URL);
        assert_eq!(resolve_url("mainnet-beta").unwrap(), MAINNET_BETA_URL);
        assert_eq!(resolve_url("http://10.0.0.1:9000/").unwrap(), "http://10.0.0.1:9000");
        let error = resolve_url("mainnet").unwrap_err();
        assert!(error.to_string().contains("neither a cluster name"), "{error}");
    }

    #[test]
    fn websocket_url_follows_the_solana_cli() {
        assert_eq!(websocket_url("http://127.0.0.1:8899"), "ws://127.0.0.1:8900");
        assert_eq!(websocket_url("https://api.devnet.solana.com"), "wss://api.devnet.solana.com");
        assert_eq!(websocket_url("https://rpc.example.com:443/key/abc"), "wss://rpc.example.com:444/key/abc");
    }

    #[test]
    fn config_file_fields_and_flag_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yml");
        std::fs::write(
            &path,
            "---\njson_rpc_url: \"http://127.0.0.1:8899\"\nwebsocket_url: \"\"\nkeypair_path: /keys/me.json\n\
             address_labels:\n  \"11111111111111111111111111111111\": System Program\ncommitment: confirmed\n",
        )
        .unwrap();
        let from_file =
            Settings::resolve(&Overrides { config_file: Some(path.clone()), ..Overrides::default() }).unwrap();
        assert_eq!(from_file.rpc_url, LOCALNET_URL);
        assert_eq!(from_file.ws_url, "ws://127.0.0.1:8900");
        assert_eq!(from_file.keypair_path, PathBuf::from("/keys/me.json"));
        assert_eq!(from_file.storage_url.as_deref(), Some(LOCALNET_STORAGE_URL));

        let flagged = Settings::resolve(&Overrides {
            config_file: Some(path),
            url: Some("devnet".into()),
            keypair: Some("/other.json".into()),
            storage: Some("https://store.example.com/".into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(flagged.rpc_url, DEVNET_URL);
        assert_eq!(flagged.ws_url, "wss://api.devnet.solana.com");
        assert_eq!(flagged.keypair_path, PathBuf::from("/other.json"));
        assert_eq!(flagged.storage_url.as_deref(), Some("https://store.example.com"));
    }

    #[test]
    fn a_named_config_file_must_exist_and_parse() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.yml");
        let error = Settings::resolve(&Overrides { config_file: Some(missing), ..Overrides::default() }).unwrap_err();
        assert!(error.to_string().contains("cannot read the config file"), "{error}");
        let broken = dir.path().join("broken.yml");
        std::fs::write(&broken, "json_rpc_url: [1, 2\n").unwrap();
        let error = Settings::resolve(&Overrides { config_file: Some(broken), ..Overrides::default() }).unwrap_err();
        assert!(error.to_string().contains("not a Solana CLI config file"), "{error}");
    }
}
