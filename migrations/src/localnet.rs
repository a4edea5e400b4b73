//! An embedded surfpool validator: Solana JSON-RPC (HTTP + WebSocket) over LiteSVM, offline, on
//! loopback, running on its own threads (its own tokio runtime included), driven from async code
//! through the SDK's client ([`Localnet::client`]). Programs are written into it with surfpool's
//! `surfnet_writeProgram` and `surfnet_setProgramAuthority` cheatcodes (an upgradeable program with
//! a ProgramData account naming its upgrade authority), so no BPF loader transactions are needed.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
//! use solana_signer::Signer;
//! let admin = solana_keypair::Keypair::new(); // the upgrade authority, who may initialize the config
//! let localnet = Localnet::start(LocalnetConfig::default()).await?; // free ports
//! let program = edgerun_migrations::default_program_path();
//! localnet.deploy_program_file(&edgerun::ID, &program, &admin.pubkey()).await?;
//! let client = localnet.client(); // an `EdgerunClient` over JSON-RPC
//! println!("{} {}", localnet.rpc_url(), client.balance(&admin.pubkey()).await?);
//! localnet.shutdown().await;
//! # Ok(())
//! # }
//! ```

use anyhow::{anyhow, bail, Context};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use edgerun_sdk::client::{ChainBackend, ClientConfig, EdgerunClient, RpcBackend, RpcConfig};
use solana_address::Address;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use surfpool_core::surfnet::svm::{SurfnetSvm, SurfnetSvmConfig};
use surfpool_types::{SimnetCommand, SimnetConfig, SimnetEvent, SurfpoolConfig};

/// Bytes of program data sent per `surfnet_writeProgram` call (hex doubles it; surfpool accepts
/// request bodies up to 15 MiB, this stays far below).
pub const WRITE_PROGRAM_CHUNK: usize = 256 * 1024;

/// How the local validator is started.
#[derive(Clone, Debug)]
pub struct LocalnetConfig {
    /// Address both servers bind to (loopback by default).
    pub bind_host: String,
    /// JSON-RPC HTTP port; 0 picks a free one.
    pub rpc_port: u16,
    /// JSON-RPC WebSocket port; 0 picks a free one.
    pub ws_port: u16,
    /// Milliseconds per slot (slots advance in real time).
    pub slot_time_ms: u64,
    /// Longest wait for the servers to answer.
    pub startup_timeout: Duration,
    /// Print surfpool's warnings and errors on stderr.
    pub log_to_stderr: bool,
}

impl Default for LocalnetConfig {
    fn default() -> Self {
        Self {
            bind_host: "127.0.0.1".to_string(),
            rpc_port: 0,
            ws_port: 0,
            slot_time_ms: 400,
            startup_timeout: Duration::from_secs(60),
            log_to_stderr: false,
        }
    }
}

/// A running local validator. [`shutdown`](Localnet::shutdown) stops it; dropping it does too,
/// blocking the dropping thread until the validator ended (up to 10 s).
pub struct Localnet {
    rpc_url: String,
    ws_url: String,
    rpc_port: u16,
    ws_port: u16,
    commands_tx: Sender<SimnetCommand>,
    finished_rx: Receiver<Result<(), String>>,
    runloop: Option<JoinHandle<()>>,
    stop_events: Arc<AtomicBool>,
}

impl std::fmt::Debug for Localnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localnet").field("rpc_url", &self.rpc_url).field("ws_url", &self.ws_url).finish()
    }
}

/// A TCP port on `host` that was free a moment ago.
pub fn free_port(host: &str) -> anyhow::Result<u16> {
    let listener = TcpListener::bind((host, 0)).with_context(|| format!("cannot bind {host}:0"))?;
    Ok(listener.local_addr()?.port())
}

impl Localnet {
    /// Starts the validator and waits until its JSON-RPC server answers. When a port is 0 a free
    /// one is picked; if another process takes it first, startup is retried with new ports.
    pub async fn start(config: LocalnetConfig) -> anyhow::Result<Self> {
        let auto_ports = config.rpc_port == 0 || config.ws_port == 0;
        let attempts = if auto_ports { 3 } else { 1 };
        let mut last_error = None;
        for _ in 0..attempts {
            let rpc_port = if config.rpc_port == 0 { free_port(&config.bind_host)? } else { config.rpc_port };
            let mut ws_port = config.ws_port;
            while ws_port == 0 || ws_port == rpc_port {
                ws_port = free_port(&config.bind_host)?;
            }
            match Self::start_on(&config, rpc_port, ws_port).await {
                Ok(localnet) => return Ok(localnet),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow!("the local validator did not start")))
    }

    async fn start_on(config: &LocalnetConfig, rpc_port: u16, ws_port: u16) -> anyhow::Result<Self> {
        let deadline = Instant::now() + config.startup_timeout;
        let launch_config = config.clone();
        let localnet = tokio::task::spawn_blocking(move || Self::launch(&launch_config, rpc_port, ws_port, deadline))
            .await
            .context("the validator launch task failed")??;

        // The servers are bound; wait until JSON-RPC answers.
        let backend = RpcBackend::new(
            localnet.rpc_url.clone(),
            RpcConfig { request_timeout: Duration::from_secs(5), ..RpcConfig::default() },
        );
        let answered = loop {
            if backend.slot().await.is_ok() {
                break Ok(());
            }
            if let Ok(result) = localnet.finished_rx.try_recv() {
                break Err(anyhow!(
                    "the local validator stopped: {}",
                    result.err().unwrap_or_else(|| "no error".into())
                ));
            }
            if Instant::now() >= deadline {
                break Err(anyhow!("{} did not answer within {:?}", localnet.rpc_url, config.startup_timeout));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        match answered {
            Ok(()) => Ok(localnet),
            Err(error) => {
                localnet.shutdown().await;
                Err(error)
            }
        }
    }

    /// Spawns the validator's threads and waits (blocking) until surfpool reports it started.
    fn launch(config: &LocalnetConfig, rpc_port: u16, ws_port: u16, deadline: Instant) -> anyhow::Result<Self> {
        let surfpool_config = SurfpoolConfig {
            simnets: vec![SimnetConfig {
                offline_mode: true,
                remote_rpc_url: None,
                slot_time: config.slot_time_ms,
                // Off in both configs (each defaults to on): surfpool profiles a transaction by
                // cloning the whole SVM state, which made the validator burn a core and cut the
                // pipeline from 37 to 1.9 jobs/s on a 2-core machine (issue 16). Nothing here
                // reads the profiles.
                instruction_profiling_enabled: false,
                ..SimnetConfig::default()
            }],
            rpc: surfpool_types::RpcConfig {
                bind_host: config.bind_host.clone(),
                bind_port: rpc_port,
                ws_port,
                ..surfpool_types::RpcConfig::default()
            },
            ..SurfpoolConfig::default()
        };
        // Profiling off, as in the simnet config above.
        let svm_config = SurfnetSvmConfig {
            slot_time: config.slot_time_ms,
            instruction_profiling_enabled: false,
            ..SurfnetSvmConfig::default()
        };

        let (commands_tx, commands_rx) = crossbeam_channel::unbounded::<SimnetCommand>();
        let (events_tx, events_rx) = crossbeam_channel::bounded::<Receiver<SimnetEvent>>(1);
        let (finished_tx, finished_rx) = crossbeam_channel::bounded::<Result<(), String>>(1);
        let runloop_commands_tx = commands_tx.clone();
        // The SVM is built on the thread that runs it: it never has to cross threads.
        let runloop = hiro_system_kit::thread_named("edgerun-localnet")
            .spawn(move || {
                let result = run_surfnet(svm_config, surfpool_config, runloop_commands_tx, commands_rx, events_tx);
                let _ = finished_tx.send(result);
            })
            .context("cannot spawn the validator thread")?;

        let stop_events = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = crossbeam_channel::bounded::<Result<(), String>>(1);
        let localnet = Self {
            rpc_url: format!("http://{}:{rpc_port}", config.bind_host),
            ws_url: format!("ws://{}:{ws_port}", config.bind_host),
            rpc_port,
            ws_port,
            commands_tx,
            finished_rx,
            runloop: Some(runloop),
            stop_events: stop_events.clone(),
        };

        // The SVM's event channel must be drained for as long as it runs.
        let events = crossbeam_channel::select! {
            recv(events_rx) -> events => events.ok(),
            recv(localnet.finished_rx) -> result => {
                let error = result.ok().and_then(Result::err).unwrap_or_else(|| "stopped".into());
                bail!("the local validator failed to start: {error}");
            }
            default(deadline.saturating_duration_since(Instant::now())) => None,
        };
        let Some(events) = events else { bail!("the local validator did not create its SVM in time") };
        let log = config.log_to_stderr;
        hiro_system_kit::thread_named("edgerun-localnet-events")
            .spawn(move || drain_events(events, ready_tx, stop_events, log))
            .context("cannot spawn the event thread")?;

        crossbeam_channel::select! {
            recv(ready_rx) -> ready => match ready {
                Ok(Ok(())) => {}
                Ok(Err(error)) => bail!("the local validator aborted: {error}"),
                Err(_) => bail!("the local validator stopped before it was ready"),
            },
            recv(localnet.finished_rx) -> result => {
                let error = result.ok().and_then(Result::err).unwrap_or_else(|| "stopped".into());
                bail!("the local validator failed to start: {error}");
            }
            default(deadline.saturating_duration_since(Instant::now())) => {
                bail!("the local validator was not ready within {:?}", config.startup_timeout)
            }
        }

        Ok(localnet)
    }

    /// HTTP JSON-RPC URL, e.g. `http://127.0.0.1:8899`.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// WebSocket JSON-RPC URL, e.g. `ws://127.0.0.1:8900`.
    pub fn ws_url(&self) -> &str {
        &self.ws_url
    }

    pub fn rpc_port(&self) -> u16 {
        self.rpc_port
    }

    pub fn ws_port(&self) -> u16 {
        self.ws_port
    }

    /// The SDK's client of this validator over JSON-RPC (`confirmed` commitment, default retries).
    pub fn client(&self) -> EdgerunClient<RpcBackend> {
        EdgerunClient::new(RpcBackend::new(self.rpc_url.clone(), RpcConfig::default()), ClientConfig::default())
    }

    /// Writes `elf` as the upgradeable program `program_id` with `upgrade_authority` (see
    /// [`write_program`]); only that key may then initialize the Edgerun config.
    pub async fn deploy_program(
        &self,
        program_id: &Address,
        elf: &[u8],
        upgrade_authority: &Address,
    ) -> anyhow::Result<()> {
        write_program(&self.client(), program_id, elf, upgrade_authority).await
    }

    /// Reads the `.so` at `path` (failing with the build command if missing) and deploys it.
    pub async fn deploy_program_file(
        &self,
        program_id: &Address,
        path: &Path,
        upgrade_authority: &Address,
    ) -> anyhow::Result<()> {
        self.deploy_program(program_id, &crate::read_program(path)?, upgrade_authority).await
    }

    /// True while the validator's runloop is alive.
    pub fn is_running(&self) -> bool {
        self.runloop.as_ref().is_some_and(|thread| !thread.is_finished())
    }

    /// Blocks until the validator stops by itself (it never does unless it fails) or `timeout`.
    pub fn wait(&self, timeout: Duration) -> Option<Result<(), String>> {
        self.finished_rx.recv_timeout(timeout).ok()
    }

    /// Stops the validator and waits (up to 10 s, off the async threads) for its runloop to end.
    pub async fn shutdown(mut self) {
        if let Err(error) = tokio::task::spawn_blocking(move || self.stop()).await {
            eprintln!("stopping the local validator failed: {error}");
        }
    }

    fn stop(&mut self) {
        let Some(runloop) = self.runloop.take() else { return };
        let _ = self.commands_tx.send(SimnetCommand::Terminate(None));
        if self.finished_rx.recv_timeout(Duration::from_secs(10)).is_ok() || runloop.is_finished() {
            let _ = runloop.join();
        }
        self.stop_events.store(true, Ordering::Relaxed);
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Body of the validator thread: its own tokio runtime, the surfpool runloop until `Terminate`.
fn run_surfnet(
    svm_config: SurfnetSvmConfig,
    surfpool_config: SurfpoolConfig,
    commands_tx: Sender<SimnetCommand>,
    commands_rx: Receiver<SimnetCommand>,
    events_tx: Sender<Receiver<SimnetEvent>>,
) -> Result<(), String> {
    let (svm, simnet_events, geyser_events) =
        SurfnetSvm::new(svm_config).map_err(|error| format!("cannot create the SVM: {error:?}"))?;
    events_tx.send(simnet_events).map_err(|_| "the starter went away".to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("edgerun-localnet-rt")
        .enable_all()
        .build()
        .map_err(|error| format!("cannot build a tokio runtime: {error}"))?;
    let result = runtime
        .block_on(surfpool_core::start_local_surfnet(svm, surfpool_config, commands_tx, commands_rx, geyser_events))
        .map_err(|error| error.to_string());
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// Drains surfpool's event channel; reports readiness (`CoreStarted`) or an abort once.
fn drain_events(
    events: Receiver<SimnetEvent>,
    ready_tx: Sender<Result<(), String>>,
    stop: Arc<AtomicBool>,
    log_to_stderr: bool,
) {
    let mut ready_tx = Some(ready_tx);
    while !stop.load(Ordering::Relaxed) {
        let event = match events.recv_timeout(Duration::from_millis(250)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match event {
            SimnetEvent::CoreStarted(_) => {
                if let Some(tx) = ready_tx.take() {
                    let _ = tx.send(Ok(()));
                }
            }
            SimnetEvent::Aborted(error) => {
                if let Some(tx) = ready_tx.take() {
                    let _ = tx.send(Err(error.clone()));
                }
                if log_to_stderr {
                    eprintln!("[localnet] aborted: {error}");
                }
            }
            SimnetEvent::ErrorLog(_, message) if log_to_stderr => eprintln!("[localnet] error: {message}"),
            SimnetEvent::WarnLog(_, message) if log_to_stderr => eprintln!("[localnet] warn: {message}"),
            SimnetEvent::Shutdown => break,
            _ => {}
        }
    }
}

/// Writes an upgradeable program (upgradeable loader: program account + ProgramData) with
/// surfpool's `surfnet_writeProgram` cheatcode, in chunks of [`WRITE_PROGRAM_CHUNK`] bytes, sets
/// its upgrade authority with `surfnet_setProgramAuthority`, then checks the program account is
/// executable and the ProgramData names `upgrade_authority`; refuses first when the cluster lacks a
/// runtime feature the program needs (`edgerun_sdk::runtime_features`). Only surfpool answers these methods:
/// on a real cluster deploy with `solana program deploy --upgrade-authority`.
pub async fn write_program(
    client: &EdgerunClient<RpcBackend>,
    program_id: &Address,
    elf: &[u8],
    upgrade_authority: &Address,
) -> anyhow::Result<()> {
    anyhow::ensure!(!elf.is_empty(), "empty program");
    // A cluster without the runtime features the program needs would take it and then fail
    // every instruction: refuse before writing anything.
    edgerun_sdk::runtime_features::ensure_required_features(client)
        .await
        .with_context(|| format!("the cluster at {} cannot run {program_id}", client.backend().url()))?;
    let node = client.backend();
    for (index, chunk) in elf.chunks(WRITE_PROGRAM_CHUNK).enumerate() {
        let offset = index * WRITE_PROGRAM_CHUNK;
        let params = serde_json::json!([program_id.to_string(), hex::encode(chunk), offset]);
        node.call::<serde_json::Value>("surfnet_writeProgram", params)
            .await
            .with_context(|| format!("surfnet_writeProgram of {program_id} at offset {offset} failed"))?;
    }
    let account = node
        .get_account(program_id)
        .await
        .with_context(|| format!("cannot read program account {program_id}"))?
        .ok_or_else(|| anyhow!("program account {program_id} missing after surfnet_writeProgram"))?;
    anyhow::ensure!(account.executable, "program account {program_id} is not executable");
    let params = serde_json::json!([program_id.to_string(), upgrade_authority.to_string()]);
    node.call::<serde_json::Value>("surfnet_setProgramAuthority", params)
        .await
        .with_context(|| format!("surfnet_setProgramAuthority of {program_id} failed"))?;
    let recorded = client.upgrade_authority(program_id).await?;
    anyhow::ensure!(
        recorded == Some(*upgrade_authority),
        "program {program_id} has upgrade authority {recorded:?}, expected {upgrade_authority}"
    );
    Ok(())
}
