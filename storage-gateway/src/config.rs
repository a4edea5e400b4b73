//! Command line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::policy::WritePolicySpec;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Content-addressed, write-once, verified storage for Edgerun bundles and outputs.
#[derive(Debug, Clone, Parser)]
#[command(name = "edgerun-storage-gateway", version)]
pub struct Cli {
    /// Address to listen on; port 0 picks a free port (the bound address is printed on stdout).
    #[arg(long, env = "EDGERUN_STORAGE_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,

    /// Where objects live: a local folder (`file:///srv/edgerun` or a plain path), or
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`. Cloud credentials
    /// come from the usual AWS_* / GOOGLE_* / AZURE_* environment variables.
    #[arg(long, env = "EDGERUN_STORAGE_STORE", default_value = "./edgerun-storage")]
    pub store: String,

    /// Extra object_store setting for cloud stores, KEY=VALUE (e.g. aws_region=eu-west-1,
    /// aws_copy_if_not_exists=multipart); repeatable.
    #[arg(long = "store-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub store_options: Vec<(String, String)>,

    /// Who may write: `open` (unsigned writes accepted; signatures, if sent, must verify),
    /// `allowlist:FILE` (signed by a key listed in FILE, hex or base58, one per line), or
    /// `workers-and-quota` (outputs signed by a registered worker, read from the chain with
    /// --worker-rpc or from a --worker-keys file; bundles signed by any key within
    /// --bundle-quota-bytes per --bundle-quota-window-secs).
    #[arg(long, env = "EDGERUN_STORAGE_WRITE_POLICY", default_value = "open")]
    pub write_policy: WritePolicySpec,

    /// Worker key file for `workers-and-quota` (same format as an allowlist file).
    #[arg(long, env = "EDGERUN_STORAGE_WORKER_KEYS", conflicts_with = "worker_rpc")]
    pub worker_keys: Option<PathBuf>,

    /// Cluster JSON-RPC URL for `workers-and-quota`: a writer of outputs must have an active
    /// WorkerStake account on that cluster (the production setting).
    #[arg(long, env = "EDGERUN_STORAGE_WORKER_RPC")]
    pub worker_rpc: Option<String>,

    /// How long a key found registered on chain is trusted before it is read again (keys not
    /// found are re-read after 5 s).
    #[arg(long, default_value_t = 300)]
    pub worker_cache_secs: u64,

    /// How often the worker key file is re-read.
    #[arg(long, default_value_t = 30)]
    pub worker_keys_refresh_secs: u64,

    /// Bundle bytes one key may store per quota window (`workers-and-quota`).
    #[arg(long, default_value_t = 1024 * MIB)]
    pub bundle_quota_bytes: u64,

    /// Length of a bundle quota window.
    #[arg(long, default_value_t = 3600)]
    pub bundle_quota_window_secs: u64,

    /// Largest bundle accepted, in bytes (larger PUTs get 413).
    #[arg(long, default_value_t = 256 * MIB)]
    pub max_bundle_bytes: u64,

    /// Largest output accepted, in bytes (larger PUTs get 413).
    #[arg(long, default_value_t = 256 * MIB)]
    pub max_output_bytes: u64,

    /// Signed writes whose timestamp is further than this from the server clock are refused.
    #[arg(long, default_value_t = edgerun_sdk::storage_auth::DEFAULT_MAX_CLOCK_SKEW_SECS)]
    pub max_clock_skew_secs: u64,

    /// Temporary uploads untouched for this long are deleted (at start and then periodically).
    #[arg(long, default_value_t = 3600)]
    pub stale_upload_secs: u64,

    /// Log line format (filter with RUST_LOG, default `info`).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_flags_parse() {
        let cli = Cli::try_parse_from(["gw"]).unwrap();
        assert_eq!(cli.write_policy, WritePolicySpec::Open);
        assert_eq!(cli.max_bundle_bytes, 256 * MIB);

        let cli = Cli::try_parse_from([
            "gw",
            "--listen",
            "127.0.0.1:0",
            "--store",
            "s3://bucket/p",
            "--store-option",
            "aws_region=eu-west-1",
            "--write-policy",
            "allowlist:/etc/keys",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.store_options, vec![("aws_region".into(), "eu-west-1".into())]);
        assert_eq!(cli.write_policy, WritePolicySpec::Allowlist("/etc/keys".into()));
        assert_eq!(cli.log_format, LogFormat::Json);

        assert!(Cli::try_parse_from(["gw", "--write-policy", "nope"]).is_err());
        assert!(Cli::try_parse_from(["gw", "--worker-keys", "k", "--worker-rpc", "http://127.0.0.1:8899"]).is_err());
        assert!(Cli::try_parse_from(["gw", "--store-option", "novalue"]).is_err());
    }
}
