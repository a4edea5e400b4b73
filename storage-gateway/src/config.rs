//! Command line and environment configuration.

use std::net::SocketAddr;

use clap::Parser;

use crate::policy::WritePolicySpec;

const MIB: u64 = 1024 * 1024;

pub use edgerun_service::logging::LogFormat;

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

    /// Who may write: `open` (unsigned writes accepted; signatures, if sent, must verify; for
    /// local networks), `allowlist:FILE` (signed by a key listed in FILE, hex or base58, one per
    /// line), or `chain` (production, needs --rpc): bundles signed by a key with an open job on
    /// chain or holding what posting one costs, within per-key quotas (and, for keys without a
    /// job, one shared quota); outputs signed by a committee member of the job named in the
    /// signed x-edgerun-job-id header, for that job. Refusals: 401 signature_required, 403
    /// writer_not_vouched / job_not_found / not_a_member, 400 job_required, 409 output_mismatch,
    /// 429 quota_exceeded / shared_quota_exceeded / chain_busy (with Retry-After), 503
    /// chain_unavailable.
    #[arg(long, env = "EDGERUN_STORAGE_WRITE_POLICY", default_value = "open")]
    pub write_policy: WritePolicySpec,

    /// Cluster JSON-RPC URL: what the `chain` policy asks, and the jobs retention keeps blobs
    /// for.
    #[arg(long, env = "EDGERUN_STORAGE_RPC", alias = "worker-rpc")]
    pub rpc: Option<String>,

    /// How long a key found vouched for (open job or funded) is trusted before it is read again
    /// (keys found unvouched are read again after 5 s).
    #[arg(long, default_value_t = 60)]
    pub vouched_cache_secs: u64,

    /// Chain lookups (of writers and jobs not in the cache) per second, for all clients together;
    /// past it writes get 429 chain_busy.
    #[arg(long, default_value_t = 20)]
    pub chain_lookups_per_sec: u32,

    /// Chain lookups allowed at once before the rate applies.
    #[arg(long, default_value_t = 100)]
    pub chain_lookup_burst: u32,

    /// Bundle bytes one key may store per quota window (`chain`).
    #[arg(long, default_value_t = 1024 * MIB)]
    pub bundle_quota_bytes: u64,

    /// Bundles one key may store per quota window (`chain`).
    #[arg(long, default_value_t = 1000)]
    pub bundle_quota_objects: u64,

    /// Bundle bytes all keys without an open job may store together per window (`chain`): what
    /// any number of fresh funded keys can add.
    #[arg(long, default_value_t = 4096 * MIB)]
    pub shared_bundle_quota_bytes: u64,

    /// Bundles all keys without an open job may store together per window (`chain`).
    #[arg(long, default_value_t = 10_000)]
    pub shared_bundle_quota_objects: u64,

    /// Output bytes one key may store per quota window (`chain`).
    #[arg(long, default_value_t = 4096 * MIB)]
    pub output_quota_bytes: u64,

    /// Outputs one key may store per quota window (`chain`).
    #[arg(long, default_value_t = 10_000)]
    pub output_quota_objects: u64,

    /// Length of a quota window.
    #[arg(long, alias = "bundle-quota-window-secs", default_value_t = 3600)]
    pub quota_window_secs: u64,

    /// How long an object found absent is answered 404 from memory (a PUT here forgets it).
    #[arg(long, default_value_t = 2000)]
    pub negative_cache_ms: u64,

    /// Store lookups that find nothing, per second and client address; past it, GET/HEAD of
    /// uncached objects get 429 lookup_rate_limited with Retry-After. 0 with a burst of 0: off.
    #[arg(long, default_value_t = 50)]
    pub negative_lookups_per_sec: u32,

    /// Lookups that find nothing allowed at once per client before the rate applies.
    #[arg(long, default_value_t = 500)]
    pub negative_lookup_burst: u32,

    /// With --rpc: blobs no job on chain wants any more (bundles no Job names, outputs of closed
    /// jobs) are deleted this long after the gateway first saw them unwanted and after their
    /// last write.
    #[arg(long, default_value_t = 86_400)]
    pub retention_grace_secs: u64,

    /// Time between two retention ticks.
    #[arg(long, default_value_t = 60)]
    pub retention_sweep_secs: u64,

    /// Blobs checked per retention tick (each one or two chain reads).
    #[arg(long, default_value_t = 100)]
    pub retention_batch: usize,

    /// Keep every blob, even with --rpc.
    #[arg(long)]
    pub no_retention: bool,

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
        let cli = Cli::try_parse_from(["gw", "--write-policy", "chain", "--rpc", "http://127.0.0.1:8899"]).unwrap();
        assert_eq!((cli.write_policy, cli.rpc.as_deref()), (WritePolicySpec::Chain, Some("http://127.0.0.1:8899")));
        assert!(Cli::try_parse_from(["gw", "--store-option", "novalue"]).is_err());
    }
}
