//! How long a posted job waits for its committee: slots (and milliseconds) from the `post_job`
//! confirmation to the assignment, on a local network with the scheduler running.
//!
//! ```text
//! bash scripts/build-program.sh
//! cargo run -p edgerun-scheduler --example bench_assignment -- [JOBS]   # default 100
//! ```
//!
//! Starts the embedded validator (real RPC and websocket) with the program, a gateway, five
//! staked workers and the scheduler (in this process, on its own tasks), then posts JOBS jobs
//! one after another as a customer would, each as soon as the previous one is confirmed, and
//! prints a Markdown table of the wait: `assigned_slot - created_slot` from the chain, and the
//! wall-clock time from sending the post to its confirmation and to the assignment being seen.

use std::time::{Duration, Instant};

use edgerun_migrations::bench::percentile;
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_scheduler::service::{self, LogFormat, SchedulerArgs};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::config_params::localnet_params;
use edgerun_sdk::instructions as ix;
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::submission;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tokio_util::sync::CancellationToken;

const SOL: u64 = 1_000_000_000;
const GUEST: &str = r#"(module
  (import "edgerun" "input_len" (func $input_len (result i32)))
  (import "edgerun" "read_input" (func $read_input (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "_start") (drop (call $write_output (i32.const 0) (i32.const 0)))))"#;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let jobs: u64 = std::env::args().nth(1).map(|arg| arg.parse()).transpose()?.unwrap_or(100);
    let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())?;
    let dir = tempfile::tempdir()?;
    let localnet = Localnet::start(LocalnetConfig::default()).await?;
    let storage = LocalStorage::start(&dir.path().join("storage"), "127.0.0.1", 0).await?;
    let client = localnet.client();
    let admin = Keypair::new();
    client.request_airdrop(&admin.pubkey(), 10 * SOL).await?;
    localnet.deploy_program(&edgerun::ID, &elf, &admin.pubkey()).await?;
    let authority = Keypair::new();
    client.request_airdrop(&authority.pubkey(), 100 * SOL).await?;
    client.initialize_config(&admin, localnet_params(&authority.pubkey(), &authority.pubkey())).await?;
    let authority_file = dir.path().join("authority.json");
    write_keypair_file(&authority, &authority_file).map_err(|error| anyhow::anyhow!("{error}"))?;
    for _ in 0..5 {
        let worker = Keypair::new();
        client.request_airdrop(&worker.pubkey(), 500 * SOL).await?;
        client
            .send(
                &worker,
                &[],
                &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), 400 * SOL)],
            )
            .await?;
    }

    let cancel = CancellationToken::new();
    let (ready, listening) = tokio::sync::oneshot::channel();
    let args = SchedulerArgs {
        url: localnet.rpc_url().to_string(),
        ws_url: Some(localnet.ws_url().to_string()),
        keypair: Some(authority_file),
        randomness_keypair: None,
        scheduler_keypair: None,
        storage: storage.base_url().to_string(),
        listen: "127.0.0.1:0".parse()?,
        concurrency: 16,
        reconcile_interval: edgerun_service::flags::HumanDuration(std::time::Duration::from_secs(2)),
        jail_max_failures: 3,
        jail_cooldown_slots: 9_000,
        no_reassign: false,
        log_format: LogFormat::Text,
        rate_limit: edgerun_scheduler::api::RateLimit::default().per_second,
        rate_limit_burst: edgerun_scheduler::api::RateLimit::default().burst,
        webhook_store: None,
        webhook_allow_private: true,
        webhook_retry_for: edgerun_service::flags::HumanDuration(std::time::Duration::from_secs(60)),
    };
    let scheduler = tokio::spawn(service::run(args, cancel.clone(), Some(ready)));
    listening.await?;

    let bundle = Bundle {
        runtime_id: edgerun_worker::runtime_id(),
        wasm: wat::parse_str(GUEST)?,
        input: Vec::new(),
        limits: Limits { max_memory_bytes: 65_536, max_instructions: 1_000_000 },
        meta: None,
        args: Vec::new(),
    };
    let bytes = bundle.encode()?;
    let hash = bundle_hash(&bytes);
    StorageClient::new(storage.base_url())?.put_bundle(bytes).await?;
    let customer = Keypair::new();
    client.request_airdrop(&customer.pubkey(), 100 * SOL).await?;

    let mut slots = Vec::new();
    let mut millis = Vec::new();
    let mut post_millis = Vec::new();
    for nonce in 0..jobs {
        let args =
            submission::post_job_args(&customer.pubkey(), hash, bundle.runtime_id, bundle.limits, 50_000_000, nonce);
        let job_id = args.job_id;
        let submitted = Instant::now();
        client.send(&customer, &[], &[ix::post_job(&customer.pubkey(), args)]).await?;
        post_millis.push(submitted.elapsed().as_millis() as u64);
        let job = loop {
            let job = client.job(&job_id).await?.ok_or_else(|| anyhow::anyhow!("job vanished"))?;
            if job.assigned_count > 0 {
                break job;
            }
            anyhow::ensure!(submitted.elapsed() < Duration::from_secs(60), "job {nonce} not assigned in 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        millis.push(submitted.elapsed().as_millis() as u64);
        slots.push(job.assigned_slot.get().saturating_sub(job.created_slot.get()));
    }
    cancel.cancel();
    let _ = scheduler.await;
    println!("| measure | median | p99 | max |");
    println!("|---|---|---|---|");
    let row = |name: &str, values: &mut [u64]| {
        println!(
            "| {name} | {} | {} | {} |",
            percentile(values, 0.5),
            percentile(values, 0.99),
            values.last().copied().unwrap_or(0)
        )
    };
    row("slots from post_job to assignment (assigned_slot - created_slot)", &mut slots);
    row("ms from sending post_job to its confirmation, as the customer's client sees it", &mut post_millis);
    row("ms from sending post_job to the assignment seen on chain", &mut millis);
    println!("\n{jobs} jobs, one at a time.");
    Ok(())
}
