//! `edgerun-deploy`: the post-deploy migration on a real cluster: initializes the Edgerun config
//! of an already deployed program (idempotent; a differing existing config is an error).

use clap::Parser;
use edgerun_migrations::cli::{parse_address, ConfigArgs};
use edgerun_migrations::keys;
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RpcBackend, RpcConfig};
use edgerun_sdk::pda;
use solana_address::Address;
use solana_signer::Signer;
use std::path::PathBuf;

/// Initialize the Edgerun config on a cluster where the program is deployed.
#[derive(Parser, Debug)]
#[command(name = "edgerun-deploy", version)]
struct Cli {
    /// JSON-RPC URL of the cluster.
    #[arg(long, short = 'u', env = "EDGERUN_RPC_URL", default_value = "http://127.0.0.1:8899")]
    url: String,
    /// Admin keypair file (Solana JSON); it pays and becomes the config admin.
    #[arg(long)]
    admin_keypair: PathBuf,
    /// Scheduler authority (base-58 address).
    #[arg(long, value_parser = parse_address)]
    scheduler: Address,
    /// Randomness authority (base-58 address); the scheduler when omitted.
    #[arg(long, value_parser = parse_address)]
    randomness: Option<Address>,
    #[command(flatten)]
    config: ConfigArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let admin = keys::read_keypair(&cli.admin_keypair)?;
    let randomness = cli.randomness.unwrap_or(cli.scheduler);
    let params = cli.config.params(&cli.scheduler, &randomness, edgerun::constants::defaults::JOB_RETENTION_SLOTS);
    let client = EdgerunClient::new(RpcBackend::new(cli.url.clone(), RpcConfig::default()), ClientConfig::default());
    let outcome = client.initialize_config(&admin, params).await?;
    let summary = serde_json::json!({
        "rpc_url": cli.url,
        "program_id": edgerun::ID.to_string(),
        "config": pda::config_address().to_string(),
        "treasury": pda::treasury_address().to_string(),
        "admin": admin.pubkey().to_string(),
        "scheduler_authority": cli.scheduler.to_string(),
        "randomness_authority": randomness.to_string(),
        "config_init": outcome,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
