//! What a gateway runs with ([`GatewayConfig`], plain data with defaults: the local network
//! and tests build it directly) and the command line that converts into it ([`Cli`]).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use edgerun_service::flags::HumanDuration;

use crate::policy::WritePolicySpec;

const MIB: u64 = 1024 * 1024;

pub use edgerun_service::logging::LogFormat;

/// Everything a [`Gateway`](crate::Gateway) needs, whoever starts it. The defaults are the
/// command line's (each flag's default is read from here).
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayConfig {
    /// Where objects live (see `--store`).
    pub store: String,
    /// Extra object_store settings for cloud stores.
    pub store_options: Vec<(String, String)>,
    pub write_policy: WritePolicySpec,
    /// Cluster JSON-RPC URL (the `chain` policy and retention); `None`: no chain.
    pub rpc: Option<String>,
    /// How long a key found vouched for is trusted before it is read again.
    pub vouched_cache: Duration,
    /// Chain lookups per second for all clients together, and how many may come at once.
    pub chain_lookups_per_sec: u32,
    pub chain_lookup_burst: u32,
    /// Per-key and shared quotas, per [`quota_window`](Self::quota_window) (`chain` policy).
    pub bundle_quota_bytes: u64,
    pub bundle_quota_objects: u64,
    pub shared_bundle_quota_bytes: u64,
    pub shared_bundle_quota_objects: u64,
    pub output_quota_bytes: u64,
    pub output_quota_objects: u64,
    pub quota_window: Duration,
    /// How long an object found absent is answered 404 from memory.
    pub negative_cache: Duration,
    /// Store lookups that find nothing per second and client address, and the burst (0 and 0:
    /// off).
    pub negative_lookups_per_sec: u32,
    pub negative_lookup_burst: u32,
    /// With a chain: unwanted blobs are deleted this long after first seen unwanted; `None`
    /// keeps every blob.
    pub retention: Option<RetentionConfig>,
    pub max_bundle_bytes: u64,
    pub max_output_bytes: u64,
    /// Signed writes whose timestamp is further than this from the server clock are refused.
    pub max_clock_skew: Duration,
    /// Temporary uploads untouched for this long are deleted.
    pub stale_upload_age: Duration,
}

/// How retention walks the store (see [`crate::retention`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    pub grace: Duration,
    pub sweep_interval: Duration,
    /// Blobs checked per tick.
    pub batch: usize,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { grace: Duration::from_secs(86_400), sweep_interval: Duration::from_secs(60), batch: 100 }
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            store: "./edgerun-storage".into(),
            store_options: Vec::new(),
            write_policy: WritePolicySpec::Open,
            rpc: None,
            vouched_cache: Duration::from_secs(60),
            chain_lookups_per_sec: 20,
            chain_lookup_burst: 100,
            bundle_quota_bytes: 1024 * MIB,
            bundle_quota_objects: 1000,
            shared_bundle_quota_bytes: 4096 * MIB,
            shared_bundle_quota_objects: 10_000,
            output_quota_bytes: 4096 * MIB,
            output_quota_objects: 10_000,
            quota_window: Duration::from_secs(3600),
            negative_cache: Duration::from_secs(2),
            negative_lookups_per_sec: 50,
            negative_lookup_burst: 500,
            retention: Some(RetentionConfig::default()),
            max_bundle_bytes: 256 * MIB,
            max_output_bytes: 256 * MIB,
            max_clock_skew: Duration::from_secs(edgerun_sdk::storage_auth::DEFAULT_MAX_CLOCK_SKEW_SECS),
            stale_upload_age: Duration::from_secs(3600),
        }
    }
}

fn defaults() -> GatewayConfig {
    GatewayConfig::default()
}

fn default_retention() -> RetentionConfig {
    RetentionConfig::default()
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
    #[arg(long, env = "EDGERUN_STORAGE_STORE", default_value_t = defaults().store)]
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
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(defaults().vouched_cache))]
    pub vouched_cache: HumanDuration,

    /// Chain lookups (of writers and jobs not in the cache) per second, for all clients together;
    /// past it writes get 429 chain_busy.
    #[arg(long, default_value_t = defaults().chain_lookups_per_sec)]
    pub chain_lookups_per_sec: u32,

    /// Chain lookups allowed at once before the rate applies.
    #[arg(long, default_value_t = defaults().chain_lookup_burst)]
    pub chain_lookup_burst: u32,

    /// Bundle bytes one key may store per quota window (`chain`).
    #[arg(long, default_value_t = defaults().bundle_quota_bytes)]
    pub bundle_quota_bytes: u64,

    /// Bundles one key may store per quota window (`chain`).
    #[arg(long, default_value_t = defaults().bundle_quota_objects)]
    pub bundle_quota_objects: u64,

    /// Bundle bytes all keys without an open job may store together per window (`chain`): what
    /// any number of fresh funded keys can add.
    #[arg(long, default_value_t = defaults().shared_bundle_quota_bytes)]
    pub shared_bundle_quota_bytes: u64,

    /// Bundles all keys without an open job may store together per window (`chain`).
    #[arg(long, default_value_t = defaults().shared_bundle_quota_objects)]
    pub shared_bundle_quota_objects: u64,

    /// Output bytes one key may store per quota window (`chain`).
    #[arg(long, default_value_t = defaults().output_quota_bytes)]
    pub output_quota_bytes: u64,

    /// Outputs one key may store per quota window (`chain`).
    #[arg(long, default_value_t = defaults().output_quota_objects)]
    pub output_quota_objects: u64,

    /// Length of a quota window.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(defaults().quota_window))]
    pub quota_window: HumanDuration,

    /// How long an object found absent is answered 404 from memory (a PUT here forgets it).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(defaults().negative_cache))]
    pub negative_cache: HumanDuration,

    /// Store lookups that find nothing, per second and client address; past it, GET/HEAD of
    /// uncached objects get 429 lookup_rate_limited with Retry-After. 0 with a burst of 0: off.
    #[arg(long, default_value_t = defaults().negative_lookups_per_sec)]
    pub negative_lookups_per_sec: u32,

    /// Lookups that find nothing allowed at once per client before the rate applies.
    #[arg(long, default_value_t = defaults().negative_lookup_burst)]
    pub negative_lookup_burst: u32,

    /// With --rpc: blobs no job on chain wants any more (bundles no Job names, outputs of closed
    /// jobs) are deleted this long after the gateway first saw them unwanted and after their
    /// last write.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(default_retention().grace))]
    pub retention_grace: HumanDuration,

    /// Time between two retention ticks.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(default_retention().sweep_interval))]
    pub retention_sweep: HumanDuration,

    /// Blobs checked per retention tick (each one or two chain reads).
    #[arg(long, default_value_t = default_retention().batch)]
    pub retention_batch: usize,

    /// Keep every blob, even with --rpc.
    #[arg(long)]
    pub no_retention: bool,

    /// Largest bundle accepted, in bytes (larger PUTs get 413).
    #[arg(long, default_value_t = defaults().max_bundle_bytes)]
    pub max_bundle_bytes: u64,

    /// Largest output accepted, in bytes (larger PUTs get 413).
    #[arg(long, default_value_t = defaults().max_output_bytes)]
    pub max_output_bytes: u64,

    /// Signed writes whose timestamp is further than this from the server clock are refused.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(defaults().max_clock_skew))]
    pub max_clock_skew: HumanDuration,

    /// Temporary uploads untouched for this long are deleted (at start and then periodically).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(defaults().stale_upload_age))]
    pub stale_upload_age: HumanDuration,

    /// Log line format (filter with RUST_LOG, default `info`).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

impl Cli {
    /// The gateway configuration these flags describe (`--listen` and `--log-format` are the
    /// process's, not the gateway's).
    pub fn gateway_config(&self) -> GatewayConfig {
        GatewayConfig {
            store: self.store.clone(),
            store_options: self.store_options.clone(),
            write_policy: self.write_policy.clone(),
            rpc: self.rpc.clone(),
            vouched_cache: self.vouched_cache.into(),
            chain_lookups_per_sec: self.chain_lookups_per_sec,
            chain_lookup_burst: self.chain_lookup_burst,
            bundle_quota_bytes: self.bundle_quota_bytes,
            bundle_quota_objects: self.bundle_quota_objects,
            shared_bundle_quota_bytes: self.shared_bundle_quota_bytes,
            shared_bundle_quota_objects: self.shared_bundle_quota_objects,
            output_quota_bytes: self.output_quota_bytes,
            output_quota_objects: self.output_quota_objects,
            quota_window: self.quota_window.into(),
            negative_cache: self.negative_cache.into(),
            negative_lookups_per_sec: self.negative_lookups_per_sec,
            negative_lookup_burst: self.negative_lookup_burst,
            retention: (!self.no_retention).then(|| RetentionConfig {
                grace: self.retention_grace.into(),
                sweep_interval: self.retention_sweep.into(),
                batch: self.retention_batch.max(1),
            }),
            max_bundle_bytes: self.max_bundle_bytes,
            max_output_bytes: self.max_output_bytes,
            max_clock_skew: self.max_clock_skew.into(),
            stale_upload_age: self.stale_upload_age.into(),
        }
    }
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

    #[test]
    fn the_flags_defaults_are_the_configs() {
        let cli = Cli::try_parse_from(["gw"]).unwrap();
        assert_eq!(cli.gateway_config(), GatewayConfig::default());
    }

    #[test]
    fn durations_need_units() {
        let cli = Cli::try_parse_from(["gw", "--quota-window", "10m", "--negative-cache", "1500ms", "--no-retention"])
            .unwrap();
        let config = cli.gateway_config();
        assert_eq!(config.quota_window, Duration::from_secs(600));
        assert_eq!(config.negative_cache, Duration::from_millis(1500));
        assert_eq!(config.retention, None);
        let refused = Cli::try_parse_from(["gw", "--retention-grace", "600"]).unwrap_err().to_string();
        assert!(refused.contains("no unit"), "{refused}");
        assert!(Cli::try_parse_from(["gw", "--stale-upload-age", "0s"]).is_err());
    }
}
