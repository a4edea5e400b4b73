//! `edgerun-localnet`: an embedded surfpool validator with the Edgerun program deployed and its
//! config initialized, and a storage gateway over a local folder; prints the URLs and keys as
//! JSON, runs the demo job end to end with `--demo` (printing its outcome as JSON), then runs
//! until Ctrl-C.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use edgerun_migrations::demo::{self, DemoParties};
use edgerun_migrations::keys;
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::config_flags::ConfigFlags;
use edgerun_sdk::config_params::localnet_params;
use edgerun_sdk::pda;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Local network: surfpool validator + Edgerun program + config.
#[derive(Parser, Debug)]
#[command(name = "edgerun-localnet", version)]
struct Cli {
    /// Program to deploy (build it with `bash scripts/build-program.sh`).
    #[arg(long, env = "EDGERUN_SO", default_value = "target/deploy/edgerun.so")]
    program: PathBuf,
    /// Folder of the admin and scheduler keypairs (created when missing).
    #[arg(long, default_value = "target/localnet/keys")]
    keys_dir: PathBuf,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// JSON-RPC HTTP port (0 = any free port).
    #[arg(long, default_value_t = 8899)]
    port: u16,
    /// JSON-RPC WebSocket port (0 = any free port).
    #[arg(long, default_value_t = 8900)]
    ws_port: u16,
    /// Milliseconds per slot.
    #[arg(long, default_value_t = 400)]
    slot_time_ms: u64,
    /// SOL airdropped to the admin and the scheduler.
    #[arg(long, default_value_t = 100)]
    airdrop_sol: u64,
    /// Print surfpool's warnings and errors.
    #[arg(long, short)]
    verbose: bool,
    /// Storage gateway port (0 = any free port).
    #[arg(long, default_value_t = 8090)]
    storage_port: u16,
    /// Folder the storage gateway keeps bundles and outputs in.
    #[arg(long, default_value = "target/localnet/storage")]
    storage_dir: PathBuf,
    /// Start no storage gateway (the network launcher runs `edgerun-storage-gateway` as a
    /// process of its own).
    #[arg(long, conflicts_with = "demo")]
    no_storage: bool,
    /// After start-up, run one demo job end to end with this guest (build it with
    /// `bash scripts/build-guests.sh`): three staked workers, post, seed, assign, execute,
    /// submit, quorum, declare, finalize.
    #[arg(long, value_name = "WASM", num_args = 0..=1, default_missing_value = "target/guests/json_redact.wasm")]
    demo: Option<PathBuf>,
    /// Exit (stopping the validator) right after start-up (and the demo), instead of waiting
    /// for Ctrl-C.
    #[arg(long)]
    exit_after_init: bool,
    #[command(flatten)]
    config: ConfigFlags,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let elf = edgerun_migrations::read_program(&cli.program)?;
    // Ctrl-C stops everything gracefully from here on, whatever is running.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let (localnet, storage, scheduler) = tokio::select! {
        started = start(&cli, &elf) => started?,
        _ = &mut ctrl_c => {
            // What was started is stopped as it is dropped.
            eprintln!("interrupted during start-up");
            return Ok(());
        }
    };

    if let Some(guest) = &cli.demo {
        let gateway = storage.as_ref().context("the demo needs the storage gateway")?;
        let demo = run_demo(guest, &localnet, gateway, &scheduler);
        let finished = tokio::select! {
            result = demo => Some(result),
            _ = &mut ctrl_c => None,
        };
        let Some(result) = finished else {
            eprintln!("interrupted during the demo");
            stop(localnet, storage).await;
            return Ok(());
        };
        if let Err(error) = result {
            stop(localnet, storage).await;
            return Err(error);
        }
    }

    if cli.exit_after_init {
        stop(localnet, storage).await;
        return Ok(());
    }

    eprintln!(
        "local network running: validator {}, storage {}; Ctrl-C to stop",
        localnet.rpc_url(),
        storage.as_ref().map_or("none", LocalStorage::base_url)
    );
    let mut check = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            signal = &mut ctrl_c => {
                if let Err(error) = signal {
                    eprintln!("cannot listen for Ctrl-C ({error}); stopping");
                }
                stop(localnet, storage).await;
                return Ok(());
            }
            _ = check.tick() => {
                if !localnet.is_running() {
                    if let Some(storage) = storage {
                        storage.shutdown().await;
                    }
                    anyhow::bail!("the local validator stopped unexpectedly");
                }
            }
        }
    }
}

/// The validator with the program deployed and the config initialized, and the storage gateway;
/// prints their URLs and keys as JSON. Returns them and the scheduler (and randomness) key.
async fn start(cli: &Cli, elf: &[u8]) -> anyhow::Result<(Localnet, Option<LocalStorage>, Keypair)> {
    let (admin, _) = keys::load_or_create_keypair(&cli.keys_dir.join("admin.json"))?;
    let (scheduler, _) = keys::load_or_create_keypair(&cli.keys_dir.join("scheduler.json"))?;

    eprintln!("starting the local validator on {}:{} ...", cli.host, cli.port);
    let localnet = Localnet::start(LocalnetConfig {
        bind_host: cli.host.clone(),
        rpc_port: cli.port,
        ws_port: cli.ws_port,
        slot_time_ms: cli.slot_time_ms,
        log_to_stderr: cli.verbose,
        ..LocalnetConfig::default()
    })
    .await?;
    localnet.deploy_program(&edgerun::ID, elf, &admin.pubkey()).await.context("deploying the program")?;
    eprintln!("deployed {} ({} bytes) from {}", edgerun::ID, elf.len(), cli.program.display());

    let client = localnet.client();
    let lamports = cli.airdrop_sol.saturating_mul(1_000_000_000);
    for keypair in [&admin, &scheduler] {
        client.request_airdrop(&keypair.pubkey(), lamports).await.context("airdrop")?;
    }
    // The scheduler key is also the randomness authority on the local network.
    let params = cli.config.apply(localnet_params(&scheduler.pubkey(), &scheduler.pubkey()));
    let outcome = client.initialize_config(&admin, params).await?;

    let storage = if cli.no_storage {
        None
    } else {
        Some(
            LocalStorage::start(&cli.storage_dir, &cli.host, cli.storage_port)
                .await
                .with_context(|| format!("starting the storage gateway on {}:{}", cli.host, cli.storage_port))?,
        )
    };

    let keypair_path = |name: &str| cli.keys_dir.join(name).display().to_string();
    let summary = serde_json::json!({
        "rpc_url": localnet.rpc_url(),
        "ws_url": localnet.ws_url(),
        "storage_url": storage.as_ref().map(LocalStorage::base_url),
        "storage_dir": cli.storage_dir.display().to_string(),
        "program_id": edgerun::ID.to_string(),
        "config": pda::config_address().to_string(),
        "treasury": pda::treasury_address().to_string(),
        "config_init": outcome,
        "admin": { "pubkey": admin.pubkey().to_string(), "keypair": keypair_path("admin.json") },
        "scheduler": { "pubkey": scheduler.pubkey().to_string(), "keypair": keypair_path("scheduler.json") },
        "randomness_authority": { "pubkey": scheduler.pubkey().to_string(), "keypair": keypair_path("scheduler.json") },
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok((localnet, storage, scheduler))
}

/// The demo job with `guest`, its outcome printed as JSON.
async fn run_demo(
    guest: &Path,
    localnet: &Localnet,
    storage: &LocalStorage,
    scheduler: &Keypair,
) -> anyhow::Result<()> {
    let wasm = std::fs::read(guest).with_context(|| {
        format!("cannot read the demo guest {}: build it with `bash scripts/build-guests.sh`", guest.display())
    })?;
    let parties = DemoParties { randomness_authority: scheduler, scheduler_authority: scheduler };
    let outcome =
        demo::run_demo(&localnet.client(), storage.base_url(), parties, wasm).await.context("the demo job failed")?;
    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "demo": outcome }))?);
    Ok(())
}

/// Stops the storage gateway, then the validator.
async fn stop(localnet: Localnet, storage: Option<LocalStorage>) {
    eprintln!("stopping the local validator and the storage gateway");
    if let Some(storage) = storage {
        storage.shutdown().await;
    }
    localnet.shutdown().await;
}
