//! The `edgerun` command line, as a library: `main.rs` only parses, runs and prints.
//!
//! One binary for every user of the network, on the SDK's client layer:
//! - customers: [`job`] (submit, follow, read the output, cancel) and [`bundle`];
//! - worker operators: [`worker`] (registration and stake);
//! - crank runners: [`crank`] (each permissionless instruction, and one pass over all jobs);
//! - the network admin: [`admin`].
//!
//! It follows the Solana CLI's habits ([`settings`]): cluster and keypair from the Solana CLI
//! config, `--url` monikers, `--keypair`. Every command prints one report, as text for people or
//! as one JSON object for scripts (`--output json`, [`output`]); every failure says what to do
//! next and exits non-zero ([`error`]).

pub mod admin;
pub mod bundle;
pub mod context;
pub mod crank;
pub mod error;
pub mod follow;
pub mod job;
pub mod output;
pub mod settings;
pub mod worker;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use context::Context;
pub use edgerun_sdk::amount;
pub use error::{CliError, ErrorKind};
pub use output::{Output, OutputFormat};

/// Edgerun: deterministic compute settled on Solana.
#[derive(Parser, Debug)]
#[command(name = "edgerun", version, propagate_version = true, disable_help_subcommand = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Solana CLI config file [default: ./target/localnet/cli-config.yml when a local network wrote it, else ~/.config/solana/cli/config.yml].
    #[arg(short = 'C', long = "config", global = true, value_name = "PATH")]
    pub config_file: Option<PathBuf>,
    /// Cluster: localnet, devnet, testnet, mainnet-beta, or an RPC URL [default: the Solana CLI config's].
    #[arg(short = 'u', long = "url", global = true, value_name = "URL_OR_MONIKER")]
    pub url: Option<String>,
    /// Websocket URL [default: derived from the RPC URL, as the Solana CLI does].
    #[arg(long = "ws-url", global = true, value_name = "URL")]
    pub ws_url: Option<String>,
    /// Keypair that signs and pays [default: the Solana CLI config's, ~/.config/solana/id.json].
    #[arg(short = 'k', long = "keypair", global = true, value_name = "PATH")]
    pub keypair: Option<PathBuf>,
    /// Storage gateway URL [default: http://127.0.0.1:8090 on localnet].
    #[arg(long = "storage", global = true, env = "EDGERUN_STORAGE_URL", value_name = "URL")]
    pub storage: Option<String>,
    /// How to print the result: text for people, json (one object) for scripts.
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Log what the client does (to stderr).
    #[arg(short = 'v', long = "verbose", global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Submit jobs, follow them, read their output (customers).
    #[command(subcommand)]
    Job(job::JobCommand),
    /// Register a worker and manage its stake (worker operators).
    Worker(worker::WorkerArgs),
    /// Advance jobs with the permissionless instructions (anyone).
    #[command(subcommand)]
    Crank(crank::CrankCommand),
    /// Initialize and govern the network (the admin).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Build, inspect and hash job bundles (offline).
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
}

/// A job status as typed on the command line: spelled as every report and the scheduler's API
/// spell it (`edgerun_crank::view::status_label`, e.g. `awaiting_da`), from that one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusArg(pub edgerun::state::JobStatus);

impl StatusArg {
    pub fn status(self) -> edgerun::state::JobStatus {
        self.0
    }
}

impl clap::ValueEnum for StatusArg {
    fn value_variants<'a>() -> &'a [Self] {
        use edgerun::state::JobStatus::*;
        // Every status of the program (`JobStatus::ALL`; a test keeps the two lists equal).
        const ALL: [StatusArg; 8] = [
            StatusArg(Posted),
            StatusArg(Seeded),
            StatusArg(Assigned),
            StatusArg(QuorumReached),
            StatusArg(AwaitingDa),
            StatusArg(Finalized),
            StatusArg(Cancelled),
            StatusArg(Slashed),
        ];
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(edgerun_crank::view::status_label(self.0)))
    }
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    let command = match cli.command {
        // Offline: needs neither a cluster nor a keypair.
        Command::Bundle(command) => return bundle::run(command),
        online => online,
    };
    let context = Context::new(&cli.global)?;
    match command {
        Command::Job(command) => job::run(&context, command).await,
        Command::Worker(args) => worker::run(&context, args).await,
        Command::Crank(command) => crank::run(&context, command).await,
        Command::Admin(command) => admin::run(&context, command).await,
        Command::Bundle(command) => bundle::run(command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;
    use edgerun::state::JobStatus;

    #[test]
    fn status_names_are_the_reports_names() {
        let listed: Vec<JobStatus> = StatusArg::value_variants().iter().map(|arg| arg.status()).collect();
        assert_eq!(listed, JobStatus::ALL);
        let parsed = |name: &str| {
            Cli::try_parse_from(["edgerun", "job", "list", "--status", name]).map(|cli| match cli.command {
                Command::Job(job::JobCommand::List { status, .. }) => status.map(StatusArg::status),
                other => panic!("{other:?}"),
            })
        };
        for status in JobStatus::ALL {
            assert_eq!(parsed(edgerun_crank::view::status_label(status)).unwrap(), Some(status));
        }
        // One spelling: the JSON's.
        assert!(parsed("awaiting-da").is_err());
        assert_eq!(parsed("awaiting_da").unwrap(), Some(JobStatus::AwaitingDa));
    }
}
