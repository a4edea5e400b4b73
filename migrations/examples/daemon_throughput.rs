//! Jobs per second that one `edgerun-worker run` completes for the JSON demo guest
//! (`target/guests/json_redact.wasm`), at `--concurrency 1` and `2`, against `edgerun-worker exec`
//! run in a loop on the same bundles. See docs/performance.md for the command and the figures.
//!
//! The network is the embedded local validator (400 ms slots, like a real cluster) and a gateway
//! in this process. The config has a committee of one (tiering off, quorum 1), so the daemon
//! alone carries each job from assignment to payout: fetch, execute, publish, submit, then
//! reach_quorum + declare_output + finalize_job. All jobs are posted first, then assigned at
//! once; the clock runs from the first assignment to the last job finalized.
//!
//! Usage: `daemon_throughput [JOBS] [WORKER_BINARY]` (defaults: 20, the `edgerun-worker` next to
//! this example's directory). It lives here, not in the worker crate, because the local network
//! kit sits above the worker (no crate depends on one that depends on it)..

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use edgerun_migrations::demo::{DEMO_INPUT, DEMO_LIMITS};
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::bundle::{bundle_hash, Bundle};
use edgerun_sdk::client::{EdgerunClient, RpcBackend};
use edgerun_sdk::edgerun::instructions::ConfigParams;
use edgerun_sdk::edgerun::state::JobStatus;
use edgerun_sdk::instructions as ix;
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::submission;
use edgerun_worker::runtime_id;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;
const ESCROW: u64 = 50_000_000;
/// Longest wait for one run to finish.
const PATIENCE: Duration = Duration::from_secs(600);

type Client = EdgerunClient<RpcBackend>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let jobs: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(20);
    let binary = match args.next() {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe()?
            .parent()
            .and_then(Path::parent)
            .map(|dir| dir.join("edgerun-worker"))
            .ok_or_else(|| anyhow::anyhow!("cannot locate edgerun-worker; pass its path"))?,
    };
    anyhow::ensure!(binary.exists(), "{} does not exist: build it (cargo build -p edgerun-worker)", binary.display());
    let guest_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/guests/json_redact.wasm");
    let guest = std::fs::read(&guest_path)
        .map_err(|error| anyhow::anyhow!("{} ({error}): run scripts/build-guests.sh", guest_path.display()))?;

    let dir = tempfile::tempdir()?;
    let localnet = Localnet::start(LocalnetConfig::default()).await?;
    let client = localnet.client();
    let admin = funded(&client, 10 * SOL).await?;
    let scheduler = funded(&client, 10 * SOL).await?;
    let customer = funded(&client, 10 * SOL + ESCROW * 4 * jobs as u64).await?;
    let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())?;
    localnet.deploy_program(&edgerun_sdk::edgerun::ID, &elf, &admin.pubkey()).await?;
    let params = ConfigParams {
        committee_tiering_enabled: false,
        committee_size: 1,
        quorum: 1,
        challenge_window_slots: 3_000,
        ..edgerun_sdk::config_params::default_params(&scheduler.pubkey(), &scheduler.pubkey())
    };
    client.initialize_config(&admin, params).await?;
    let storage = LocalStorage::start(&dir.path().join("storage"), "127.0.0.1", 0).await?;
    let store = StorageClient::new(storage.base_url())?;

    // The bundles: the demo document with a different user per job (distinct bundles, one module).
    let mut bundles = Vec::new();
    for index in 0..jobs {
        let input = DEMO_INPUT.replace("\"ada\"", &format!("\"ada{index}\""));
        let bundle = Bundle {
            runtime_id: runtime_id(),
            wasm: guest.clone(),
            input: input.into_bytes(),
            limits: DEMO_LIMITS,
            meta: None,
            args: Vec::new(),
        };
        let bytes = bundle.encode()?;
        store.put_bundle(bytes.clone()).await?;
        bundles.push(bytes);
    }

    println!("| runner | jobs | seconds | jobs/s | execution (sum of runtime seconds) |");
    println!("|---|---|---|---|---|");
    let mut nonce = 0u64;
    for concurrency in [1u32, 2] {
        let worker = funded(&client, 5 * SOL).await?;
        let me = worker.pubkey();
        client.send(&worker, &[], &[ix::register_worker(&me), ix::deposit_stake(&me, 4 * SOL)]).await?;
        let keypair_file = dir.path().join(format!("worker-{concurrency}.json"));
        write_keypair_file(&worker, &keypair_file).map_err(|error| anyhow::anyhow!("{error}"))?;
        let mut daemon = Daemon::start(&binary, &keypair_file, &localnet, storage.base_url(), concurrency)?;

        let mut job_ids = Vec::new();
        for bytes in &bundles {
            nonce += 1;
            job_ids.push(post(&client, &customer, bytes, nonce).await?);
        }
        let started = Instant::now();
        let assignments = job_ids.iter().map(|job_id| {
            let (client, scheduler) = (&client, &scheduler);
            async move {
                let seed = *blake3::hash(job_id).as_bytes();
                client
                    .send(
                        scheduler,
                        &[],
                        &[
                            ix::set_job_seed(&scheduler.pubkey(), job_id, seed),
                            ix::assign_workers(&scheduler.pubkey(), job_id, &[me]),
                        ],
                    )
                    .await
            }
        });
        for assigned in futures::future::join_all(assignments).await {
            assigned?;
        }
        loop {
            let finalized = client.jobs_by_status(JobStatus::Finalized).await?;
            let done = job_ids.iter().filter(|id| finalized.iter().any(|(_, job)| job.job_id == **id)).count();
            if done == job_ids.len() {
                break;
            }
            anyhow::ensure!(started.elapsed() < PATIENCE, "only {done} of {jobs} jobs finalized in {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        let executing = daemon.metric("edgerun_worker_execution_seconds_sum").await?;
        println!(
            "| `edgerun-worker run --concurrency {concurrency}` (assignment → finalized) | {jobs} | {seconds:.2} | {:.2} | {executing:.3} |",
            jobs as f64 / seconds
        );
        daemon.stop();
    }

    // The same bundles through `edgerun-worker exec`, one process per job, one after another.
    let mut files = Vec::new();
    for (index, bytes) in bundles.iter().enumerate() {
        let path = dir.path().join(format!("bundle-{index}.bin"));
        std::fs::write(&path, bytes)?;
        files.push(path);
    }
    let started = Instant::now();
    for path in &files {
        let output = Command::new(&binary).args(["exec", "--bundle"]).arg(path).output()?;
        anyhow::ensure!(output.status.success(), "exec failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("| `edgerun-worker exec --bundle` in a loop | {jobs} | {seconds:.2} | {:.2} | |", jobs as f64 / seconds);

    storage.shutdown().await;
    localnet.shutdown().await;
    Ok(())
}

async fn funded(client: &Client, lamports: u64) -> anyhow::Result<Keypair> {
    let keypair = Keypair::new();
    client.request_airdrop(&keypair.pubkey(), lamports).await?;
    Ok(keypair)
}

async fn post(client: &Client, customer: &Keypair, bytes: &[u8], nonce: u64) -> anyhow::Result<[u8; 32]> {
    let hash = bundle_hash(bytes);
    let args = submission::post_job_args(&customer.pubkey(), hash, runtime_id(), DEMO_LIMITS, ESCROW, nonce);
    let job_id = args.job_id;
    client.send(customer, &[], &[ix::post_job(&customer.pubkey(), args)]).await?;
    Ok(job_id)
}

/// A daemon process, stopped with SIGTERM (killed if it lingers) when done or dropped.
struct Daemon {
    child: Option<Child>,
    url: String,
}

impl Daemon {
    fn start(
        binary: &Path,
        keypair: &Path,
        localnet: &Localnet,
        storage_url: &str,
        concurrency: u32,
    ) -> anyhow::Result<Daemon> {
        let mut child = Command::new(binary)
            .args(["run", "--keypair"])
            .arg(keypair)
            .args(["--url", localnet.rpc_url(), "--ws-url", localnet.ws_url(), "--storage", storage_url])
            .args(["--listen", "127.0.0.1:0", "--concurrency", &concurrency.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("edgerun-worker listening on ") {
                        break url.to_string();
                    }
                }
                _ => anyhow::bail!("the daemon exited before it listened"),
            }
        };
        Ok(Daemon { child: Some(child), url })
    }

    async fn metric(&self, name: &str) -> anyhow::Result<f64> {
        let text = reqwest::get(format!("{}/metrics", self.url)).await?.text().await?;
        let value = text
            .lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .ok_or_else(|| anyhow::anyhow!("no {name} in /metrics"))?;
        Ok(value.trim().parse()?)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(40);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}
