//! `edgerun-worker`: runs bundles exactly as a worker does.
//!
//! - `exec`: run a bundle (or wasm + input + limits) locally and print the JSON summary
//!   `{output_hash, error_code, error_name, fuel_used, output_len[, exit_code]}`; customers use it before
//!   they pay, workers' results are identical.
//! - `bundle`: encode wasm + input + limits into a canonical bundle file, print its hash.
//! - `runtime-id [--wasi]`: print a runtime's id and descriptor.
//!
//! `--wasi` runs (or bundles) an unmodified `wasm32-wasip1` command module under the WASI
//! runtime: the input is its stdin, `--arg` its arguments after the program name.
//! - `run`: the worker daemon ([`edgerun_worker::daemon`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::client::RpcBackend;
use edgerun_service::flags::HumanDuration;
use edgerun_service::logging::LogFormat;
use edgerun_worker::daemon::{self, DaemonConfig};
use edgerun_worker::limits::WASM32_MAX_MEMORY_BYTES;
use edgerun_worker::{GuestAbi, Runtime, RuntimeConfig};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "edgerun-worker", version, about = "Edgerun worker and deterministic wasm runtime")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a job locally exactly as a worker would and print its result summary as JSON.
    Exec(ExecArgs),
    /// Write a canonical bundle file from a wasm module, an input and limits; prints its hash.
    Bundle(BundleArgs),
    /// Print a runtime's id (hex) and its canonical descriptor.
    RuntimeId {
        /// The WASI runtime's (default: the edgerun ABI runtime's).
        #[arg(long)]
        wasi: bool,
    },
    /// Run the worker daemon: work on every job assigned to the keypair until SIGINT/SIGTERM.
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The worker's keypair file (registered and staked with `edgerun worker register`).
    #[arg(long, short = 'k', value_name = "FILE", env = "EDGERUN_WORKER_KEYPAIR")]
    keypair: PathBuf,
    /// JSON-RPC URL of the cluster.
    #[arg(long, short = 'u', value_name = "URL", env = "EDGERUN_RPC_URL")]
    url: String,
    /// Websocket URL [default: derived from --url like the Solana CLI does: ws(s), port + 1].
    #[arg(long, value_name = "URL", env = "EDGERUN_WS_URL")]
    ws_url: Option<String>,
    /// The storage gateway's URL (bundles are read there, results published there).
    #[arg(long, value_name = "URL", env = "EDGERUN_STORAGE_URL")]
    storage: String,
    /// Jobs executed at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: Option<u32>,
    /// Address of /health and /metrics (port 0: any free port, printed on stdout).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    listen: SocketAddr,
    /// Time between two reconciles with the chain, with its unit (`10s`); the subscription
    /// brings changes sooner.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(Duration::from_secs(10)))]
    reconcile_interval: HumanDuration,
    /// Time in-flight jobs get to finish after SIGINT/SIGTERM, with its unit (`30s`).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(Duration::from_secs(30)))]
    shutdown_grace: HumanDuration,
    /// Largest job memory this worker accepts, in bytes (jobs asking more are not run).
    #[arg(long, value_name = "N", default_value_t = RuntimeConfig::default().max_memory_bytes)]
    max_memory_bytes: u64,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t)]
    log_format: LogFormat,
}

#[derive(Args)]
struct JobFiles {
    /// Guest wasm module (binary, or WAT text).
    #[arg(long, value_name = "FILE")]
    wasm: Option<PathBuf>,
    /// Input bytes given to the guest (empty if omitted).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Fuel (instruction cap).
    #[arg(long, value_name = "N")]
    max_instructions: Option<u64>,
    /// Hard cap on linear memory in bytes.
    #[arg(long, value_name = "N")]
    max_memory_bytes: Option<u64>,
    /// The module is a WASI preview 1 command (`wasm32-wasip1`): run it under the WASI runtime.
    #[arg(long)]
    wasi: bool,
    /// A program argument (after the fixed program name); repeat for more. WASI only.
    #[arg(long = "arg", value_name = "ARG", requires = "wasi", allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Args)]
struct ExecArgs {
    /// A bundle file (instead of --wasm/--input/--max-*).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["wasm", "input", "max_instructions", "max_memory_bytes", "wasi"])]
    bundle: Option<PathBuf>,
    #[command(flatten)]
    job: JobFiles,
    /// Also write the result bytes (the output, or the error record) to this file.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct BundleArgs {
    #[command(flatten)]
    job: JobFiles,
    /// Where to write the bundle.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let offline = match Cli::parse().command {
        Command::Run(args) => return run_daemon(args),
        Command::Exec(args) => exec(args),
        Command::Bundle(args) => bundle(args),
        Command::RuntimeId { wasi } => {
            let abi = if wasi { GuestAbi::Wasi } else { GuestAbi::Edgerun };
            println!("{}", hex::encode(abi.runtime_id()));
            print!("{}", abi.descriptor());
            Ok(())
        }
    };
    match offline {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("edgerun-worker: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl JobFiles {
    fn to_bundle(&self) -> Result<Bundle, String> {
        let path = self.wasm.as_ref().ok_or("--wasm FILE (or --bundle FILE) is required")?;
        // WAT text is accepted for convenience; binary modules pass through unchanged.
        let wasm = wat::parse_bytes(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?.into_owned();
        let input = match &self.input {
            Some(path) => read(path)?,
            None => Vec::new(),
        };
        let limits = Limits {
            max_instructions: self.max_instructions.ok_or("--max-instructions N is required")?,
            max_memory_bytes: self.max_memory_bytes.ok_or("--max-memory-bytes N is required")?,
        };
        let abi = if self.wasi { GuestAbi::Wasi } else { GuestAbi::Edgerun };
        Ok(Bundle { runtime_id: abi.runtime_id(), wasm, input, limits, meta: None, args: self.args.clone() })
    }
}

/// `run`: exit 0 after a graceful stop; otherwise `DaemonError::exit_code` (1 refused, 2 usage,
/// 3 chain unreachable).
fn run_daemon(args: RunArgs) -> ExitCode {
    edgerun_service::logging::init(args.log_format);
    let fail = |message: String, code: u8| {
        eprintln!("edgerun-worker: {message}");
        ExitCode::from(code)
    };
    let keypair = match edgerun_sdk::keys::read_keypair(&args.keypair) {
        Ok(keypair) => keypair,
        Err(error) => {
            return fail(
                format!(
                    "{error}; pass the worker's keypair file (a JSON array of 64 numbers, as written by \
                     `solana-keygen new -o FILE`, mode 600)"
                ),
                2,
            )
        }
    };
    let concurrency = args.concurrency.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |n| usize::try_from(n).unwrap_or(1),
    );
    let config = DaemonConfig {
        keypair,
        ws_url: args.ws_url.clone().unwrap_or_else(|| RpcBackend::websocket_url(&args.url)),
        rpc_url: args.url,
        storage_url: args.storage,
        concurrency,
        listen: args.listen,
        reconcile_interval: args.reconcile_interval.into(),
        shutdown_grace: args.shutdown_grace.into(),
        max_memory_bytes: args.max_memory_bytes.min(WASM32_MAX_MEMORY_BYTES),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start the async runtime: {error}"), 1),
    };
    let cancel = CancellationToken::new();
    let outcome = runtime.block_on(async {
        edgerun_service::shutdown::cancel_on_shutdown_signal(cancel.clone());
        daemon::run(config, cancel).await
    });
    // An execution abandoned at the end of the grace period may still hold a blocking thread:
    // do not wait for it (a restart resumes the job from the chain).
    runtime.shutdown_timeout(Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error.to_string(), error.exit_code()),
    }
}

fn exec(args: ExecArgs) -> Result<(), String> {
    // The bundle path goes through the same bytes-in entry point the daemon uses, so a
    // malformed bundle is reported exactly as a worker would report it.
    let bundle_bytes = match &args.bundle {
        Some(path) => read(path)?,
        None => args.job.to_bundle()?.encode().map_err(|e| e.to_string())?,
    };
    let max_memory_bytes = Bundle::decode(&bundle_bytes).map_or(0, |b| b.limits.max_memory_bytes);
    // Size this one-shot runtime for the job (a daemon has a fixed configuration instead).
    let config = RuntimeConfig {
        max_memory_bytes: max_memory_bytes.clamp(RuntimeConfig::default().max_memory_bytes, WASM32_MAX_MEMORY_BYTES),
        concurrent_executions: 1,
        module_cache_entries: 1,
        ..RuntimeConfig::default()
    };
    let runtime = Runtime::new(config).map_err(|e| e.to_string())?;
    let report = runtime.execute_bundle(&bundle_bytes).map_err(|e| e.to_string())?;
    if let Some(path) = &args.output {
        std::fs::write(path, report.result_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("{}", serde_json::to_string(&report.summary()).expect("summary serializes"));
    Ok(())
}

fn bundle(args: BundleArgs) -> Result<(), String> {
    let bytes = args.job.to_bundle()?.encode().map_err(|e| e.to_string())?;
    std::fs::write(&args.out, &bytes).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    println!("{}", serde_json::json!({ "bundle_hash": hex::encode(bundle_hash(&bytes)), "bundle_len": bytes.len() }));
    Ok(())
}
