//! The local network as the processes a user would run, supervised by one launcher
//! (`edgerun-network`, started by `scripts/localnet.sh`):
//!
//! 1. `edgerun-localnet --no-storage`: the embedded surfpool validator with the program deployed
//!    and the config initialized (the scheduler key is both authorities);
//! 2. `edgerun-storage-gateway` over `target/localnet/storage`;
//! 3. `edgerun-scheduler` (API and dashboard on `127.0.0.1:8080` by default);
//! 4. `--workers N` × `edgerun-worker run`, each registered and staked by the launcher first;
//! 5. `edgerun crank run`;
//!
//! then a customer keypair, funded, and `target/localnet/cli-config.yml` naming it with the local
//! URLs (which `edgerun` reads when run from the repository without `--config`, leaving the
//! user's own Solana config alone), and the demo job submitted with `edgerun job submit --wait`.
//!
//! Every child is the launcher's: each is asked by the kernel to die with it
//! (`PR_SET_PDEATHSIG`), is stopped by SIGTERM then SIGKILL when the launcher stops (Ctrl-C,
//! SIGTERM, `--exit-after-demo`, or the validator dying), and is reaped. No process outlives the
//! launcher. Any other child that dies is reported and the network goes on without it, as a
//! real network goes on without a crashed worker (the fault tests kill them on purpose).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RpcBackend, RpcConfig};
use edgerun_sdk::instructions as ix;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::process::{Child, Command};

use crate::keys::load_or_create_keypair;

const SOL: u64 = 1_000_000_000;
/// How long a child gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long the validator, the gateway or the scheduler may take to answer after starting.
const START_PATIENCE: Duration = Duration::from_secs(120);

/// What the launcher starts and where.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// Folder of the workspace's binaries (`target/debug`).
    pub bin_dir: PathBuf,
    /// `target/localnet`: keys, storage, logs, the CLI config.
    pub state_dir: PathBuf,
    pub program: PathBuf,
    pub rpc_port: u16,
    pub ws_port: u16,
    pub storage_port: u16,
    pub api_port: u16,
    pub workers: usize,
    /// Stake of each worker, in SOL.
    pub worker_stake_sol: u64,
    pub slot_time_ms: u64,
    /// The demo guest and its input; `None` runs no demo.
    pub demo: Option<(PathBuf, Vec<u8>)>,
    /// Extra flags for `edgerun-localnet` (the config: e.g. `--challenge-window-slots=20`).
    pub validator_args: Vec<String>,
}

/// A started network: its children, in start order.
pub struct Network {
    children: Vec<(String, Child)>,
    /// Children already reported dead by [`Network::newly_dead`].
    reported: Vec<String>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub rpc_url: String,
    pub ws_url: String,
    pub storage_url: String,
    pub api_url: String,
    pub dashboard_url: String,
    pub cli_config: String,
    pub customer_keypair: String,
    pub scheduler_keypair: String,
    pub worker_keypairs: Vec<String>,
    pub logs: String,
    /// Every child process: name and pid.
    pub processes: Vec<(String, u32)>,
    /// Where each service serves `/health` and Prometheus `/metrics`: name and base URL
    /// (`scheduler`, `gateway`, `worker-N`, `crank`).
    pub metrics: Vec<(String, String)>,
}

impl Network {
    /// Starts every process and waits until each answers; on any failure, stops what started.
    pub async fn start(config: &NetworkConfig) -> anyhow::Result<Network> {
        let mut network = Network { children: Vec::new(), reported: Vec::new(), summary: empty_summary() };
        match network.start_all(config).await {
            Ok(()) => Ok(network),
            Err(error) => {
                network.stop().await;
                Err(error)
            }
        }
    }

    async fn start_all(&mut self, config: &NetworkConfig) -> anyhow::Result<()> {
        let keys = config.state_dir.join("keys");
        let logs = config.state_dir.join("logs");
        std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
        let host = "127.0.0.1";
        let rpc_url = format!("http://{host}:{}", config.rpc_port);
        let ws_url = format!("ws://{host}:{}", config.ws_port);
        let storage_url = format!("http://{host}:{}", config.storage_port);
        let api_url = format!("http://{host}:{}", config.api_port);
        let bin = |name: &str| config.bin_dir.join(name);
        let mut metrics =
            vec![("gateway".to_string(), storage_url.clone()), ("scheduler".to_string(), api_url.clone())];

        // 1. The validator, with the program and the config.
        let mut validator = Command::new(bin("edgerun-localnet"));
        validator
            .args(["--program", path(&config.program)?, "--keys-dir", path(&keys)?, "--no-storage"])
            .args(["--port", &config.rpc_port.to_string(), "--ws-port", &config.ws_port.to_string()])
            .args(["--slot-time-ms", &config.slot_time_ms.to_string()])
            .args(&config.validator_args);
        self.spawn("validator", validator, &logs)?;
        let client =
            EdgerunClient::new(RpcBackend::new(rpc_url.clone(), RpcConfig::default()), ClientConfig::default());
        self.wait_until("the validator's config", || async { client.global_config().await.is_ok() }).await?;

        // 2. The gateway.
        let mut gateway = Command::new(bin("edgerun-storage-gateway"));
        gateway
            .args(["--listen", &format!("{host}:{}", config.storage_port)])
            .args(["--store", path(&config.state_dir.join("storage"))?]);
        self.spawn("gateway", gateway, &logs)?;
        let storage = edgerun_sdk::storage::StorageClient::new(&storage_url)?;
        self.wait_until("the gateway", || async { storage.health(Duration::from_secs(2)).await.is_ok() }).await?;

        // 3. The scheduler.
        let scheduler_key = keys.join("scheduler.json");
        let mut scheduler = Command::new(bin("edgerun-scheduler"));
        scheduler.args(["--url", &rpc_url, "--ws-url", &ws_url, "--keypair", path(&scheduler_key)?]).args([
            "--storage",
            &storage_url,
            "--listen",
            &format!("{host}:{}", config.api_port),
        ]);
        // Webhooks kept across restarts of the network; receivers on this machine allowed (a local
        // network's customers are on loopback).
        scheduler.args(["--webhook-store", path(&config.state_dir.join("webhooks"))?]).arg("--webhook-allow-private");
        self.spawn("scheduler", scheduler, &logs)?;
        let http = edgerun_sdk::http::client_builder().build()?;
        let health = format!("{api_url}/health");
        self.wait_until("the scheduler", || async {
            http.get(&health).send().await.is_ok_and(|response| response.status().is_success())
        })
        .await?;

        // 4. Workers, registered and staked first.
        let stake = config.worker_stake_sol.saturating_mul(SOL);
        let mut worker_keypairs = Vec::new();
        for index in 0..config.workers {
            let file = keys.join(format!("worker-{index}.json"));
            let (worker, _) = load_or_create_keypair(&file)?;
            fund(&client, &worker, stake.saturating_add(SOL)).await?;
            let registered = client.worker_stake(&worker.pubkey()).await?;
            let mut instructions = Vec::new();
            if registered.is_none() {
                instructions.push(ix::register_worker(&worker.pubkey()));
            }
            let have = registered.map_or(0, |stake| stake.total_stake.get());
            if have < stake {
                instructions.push(ix::deposit_stake(&worker.pubkey(), stake - have));
            }
            if !instructions.is_empty() {
                client.send(&worker, &[], &instructions).await.context("registering a worker")?;
            }
            let listen = format!("{host}:{}", crate::localnet::free_port(host)?);
            let mut daemon = Command::new(bin("edgerun-worker"));
            daemon.args(["run", "--keypair", path(&file)?, "--url", &rpc_url, "--ws-url", &ws_url]).args([
                "--storage",
                &storage_url,
                "--listen",
                &listen,
                "--concurrency",
                "1",
            ]);
            metrics.push((format!("worker-{index}"), format!("http://{listen}")));
            self.spawn(&format!("worker-{index}"), daemon, &logs)?;
            worker_keypairs.push(file.display().to_string());
        }

        // 5. The crank, with a key of its own to pay fees.
        let crank_key = keys.join("crank.json");
        let (crank, _) = load_or_create_keypair(&crank_key)?;
        fund(&client, &crank, 2 * SOL).await?;
        let empty_config = config.state_dir.join("empty-cli-config.yml");
        std::fs::write(&empty_config, "---\n")?;
        // Its /health and /metrics like every other service's.
        let crank_listen = format!("{host}:{}", crate::localnet::free_port(host)?);
        let mut crank_process = Command::new(bin("edgerun"));
        crank_process
            .args(["crank", "run", "--url", &rpc_url, "--ws-url", &ws_url, "--keypair", path(&crank_key)?])
            .args(["--listen", &crank_listen, "-C", path(&empty_config)?]);
        metrics.push(("crank".to_string(), format!("http://{crank_listen}")));
        self.spawn("crank", crank_process, &logs)?;

        // The customer, and the CLI config that names it with this network.
        let customer_key = keys.join("customer.json");
        let (customer, _) = load_or_create_keypair(&customer_key)?;
        fund(&client, &customer, 10 * SOL).await?;
        let cli_config = config.state_dir.join("cli-config.yml");
        let absolute = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        std::fs::write(
            &cli_config,
            format!(
                "# Written by the local network's launcher; `edgerun` reads it when run from the repository.\n\
                 json_rpc_url: {rpc_url}\nwebsocket_url: {ws_url}\nkeypair_path: {}\nedgerun_storage_url: {storage_url}\n",
                absolute(&customer_key).display()
            ),
        )?;

        self.summary = Summary {
            rpc_url,
            ws_url,
            storage_url,
            dashboard_url: format!("{api_url}/"),
            api_url,
            cli_config: cli_config.display().to_string(),
            customer_keypair: customer_key.display().to_string(),
            scheduler_keypair: scheduler_key.display().to_string(),
            worker_keypairs,
            logs: logs.display().to_string(),
            processes: self.children.iter().filter_map(|(name, child)| Some((name.clone(), child.id()?))).collect(),
            metrics,
        };
        Ok(())
    }

    /// Starts `command` as a child named `name`, its output appended to `logs/name.log`.
    fn spawn(&mut self, name: &str, mut command: Command, logs: &Path) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(format!("{name}.log")))
            .with_context(|| format!("cannot open the log of {name}"))?;
        command.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).kill_on_drop(true);
        die_with_parent(&mut command);
        let program = command.as_std().get_program().to_owned();
        let child = command.spawn().with_context(|| {
            format!(
                "cannot start {name} ({}): build the binaries with `cargo build --bins`",
                Path::new(&program).display()
            )
        })?;
        self.children.push((name.to_string(), child));
        Ok(())
    }

    /// Polls `ready` until it holds (bounded); fails early when a child has died.
    async fn wait_until<F, Fut>(&mut self, what: &str, ready: F) -> anyhow::Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if ready().await {
                return Ok(());
            }
            if let Some(dead) = self.dead_child() {
                bail!("{dead} stopped while waiting for {what}; see {}", self.summary.logs);
            }
            if Instant::now() >= deadline {
                bail!("{what} did not answer within {START_PATIENCE:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Children that exited since the last call: their names and exit statuses. A child is
    /// reported once (and kept, so that `stop` still reaps it).
    pub fn newly_dead(&mut self) -> Vec<(String, String)> {
        let mut dead = Vec::new();
        for (name, child) in &mut self.children {
            if self.reported.contains(name) {
                continue;
            }
            if let Ok(Some(status)) = child.try_wait() {
                self.reported.push(name.clone());
                dead.push((name.clone(), status.to_string()));
            }
        }
        dead
    }

    /// A child that has exited, if any (start-up: every child must be running).
    fn dead_child(&mut self) -> Option<String> {
        self.children.iter_mut().find_map(|(name, child)| match child.try_wait() {
            Ok(Some(status)) => Some(format!("{name} ({status})")),
            _ => None,
        })
    }

    /// Stops every child, newest first: SIGTERM, then SIGKILL after a grace period; reaps all.
    pub async fn stop(&mut self) {
        while let Some((name, mut child)) = self.children.pop() {
            if let Some(pid) = child.id() {
                // SAFETY: `kill` with a pid we own and a valid signal number has no memory effects.
                unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGTERM);
                }
            }
            match tokio::time::timeout(STOP_GRACE, child.wait()).await {
                Ok(_) => {}
                Err(_) => {
                    eprintln!("{name} did not stop within {STOP_GRACE:?}; killing it");
                    let _ = child.kill().await;
                }
            }
        }
    }
}

fn empty_summary() -> Summary {
    Summary {
        rpc_url: String::new(),
        ws_url: String::new(),
        storage_url: String::new(),
        api_url: String::new(),
        dashboard_url: String::new(),
        cli_config: String::new(),
        customer_keypair: String::new(),
        scheduler_keypair: String::new(),
        worker_keypairs: Vec::new(),
        logs: String::new(),
        processes: Vec::new(),
        metrics: Vec::new(),
    }
}

/// Asks the kernel to SIGKILL the child when the launcher dies, however it dies (even
/// `kill -9`), so no child is ever orphaned.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_PDEATHSIG)` is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn path(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Airdrops up to `lamports` to `keypair` from the local validator's faucet (confirmed).
async fn fund(client: &EdgerunClient<RpcBackend>, keypair: &Keypair, lamports: u64) -> anyhow::Result<()> {
    let have = client.balance(&keypair.pubkey()).await?;
    if have < lamports {
        client.request_airdrop(&keypair.pubkey(), lamports - have).await.context("airdrop")?;
    }
    Ok(())
}
