//! `edgerun-worker`: runs bundles exactly as a worker does.
//!
//! - `exec`: run a bundle (or wasm + input + limits) locally and print the JSON summary
//!   `{output_hash, error_code, error_name, fuel_used, output_len}`; customers use it before
//!   they pay, workers' results are identical.
//! - `bundle`: encode wasm + input + limits into a canonical bundle file, print its hash.
//! - `runtime-id`: print this runtime's id and descriptor.
//!
//! (The worker daemon will be the `run` subcommand.)

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_worker::limits::WASM32_MAX_MEMORY_BYTES;
use edgerun_worker::{runtime_id, Runtime, RuntimeConfig, RUNTIME_DESCRIPTOR};

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
    /// Print this runtime's id (hex) and its canonical descriptor.
    RuntimeId,
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
}

#[derive(Args)]
struct ExecArgs {
    /// A bundle file (instead of --wasm/--input/--max-*).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["wasm", "input", "max_instructions", "max_memory_bytes"])]
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
    match run(Cli::parse()) {
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
        Ok(Bundle { runtime_id: runtime_id(), wasm, input, limits, meta: None })
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Exec(args) => {
            // The bundle path goes through the same bytes-in entry point the daemon uses, so a
            // malformed bundle is reported exactly as a worker would report it.
            let bundle_bytes = match &args.bundle {
                Some(path) => read(path)?,
                None => args.job.to_bundle()?.encode().map_err(|e| e.to_string())?,
            };
            let max_memory_bytes = Bundle::decode(&bundle_bytes).map_or(0, |b| b.limits.max_memory_bytes);
            // Size this one-shot runtime for the job (a daemon has a fixed configuration instead).
            let config = RuntimeConfig {
                max_memory_bytes: max_memory_bytes
                    .clamp(RuntimeConfig::default().max_memory_bytes, WASM32_MAX_MEMORY_BYTES),
                concurrent_executions: 1,
                module_cache_entries: 1,
                ..RuntimeConfig::default()
            };
            let runtime = Runtime::new(config).map_err(|e| e.to_string())?;
            let report = runtime.execute_bundle(&bundle_bytes).map_err(|e| e.to_string())?;
            if let Some(path) = &args.output {
                std::fs::write(path, report.result_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            println!("{}", serde_json::to_string(&report.summary()).expect("summary serializes"));
            Ok(())
        }
        Command::Bundle(args) => {
            let bytes = args.job.to_bundle()?.encode().map_err(|e| e.to_string())?;
            std::fs::write(&args.out, &bytes).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
            println!(
                "{}",
                serde_json::json!({ "bundle_hash": hex::encode(bundle_hash(&bytes)), "bundle_len": bytes.len() })
            );
            Ok(())
        }
        Command::RuntimeId => {
            println!("{}", hex::encode(runtime_id()));
            print!("{RUNTIME_DESCRIPTOR}");
            Ok(())
        }
    }
}
