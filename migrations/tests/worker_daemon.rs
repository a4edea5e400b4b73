//! `edgerun-worker run` on a real local network: the embedded surfpool validator (JSON-RPC and
//! websocket on random loopback ports) with the real `.so`, a storage gateway in this process,
//! and three daemons as separate OS processes, each registered and staked by the test. The test
//! plays the customer (stores the bundle, posts the job) and the scheduler (seed, committee);
//! nobody else sends anything: the daemons submit, and a winner declares and finalizes.
//!
//! One network serves every case, in order (startup costs more than any case): refusals to
//! start, a JSON job, a guest that traps, a daemon killed with SIGKILL mid-job and restarted
//! (twice), the gateway stopped during a job, and a graceful stop. Every wait is bounded; every
//! child process is killed when its guard drops.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::client::{EdgerunClient, RpcBackend};
use edgerun_sdk::edgerun::instructions::ConfigParams;
use edgerun_sdk::edgerun::state::{Job, JobStatus};
use edgerun_sdk::instructions as ix;
use edgerun_sdk::storage::{ContentHash, StorageClient};
use edgerun_sdk::submission;
use edgerun_worker::daemon::service::MIN_FEE_BALANCE_LAMPORTS;
use edgerun_worker::daemon::step::{Submission, Worker};
use edgerun_worker::{parse_error_record, runtime_id, ErrorCode, Runtime, RuntimeConfig};
use serde_json::Value;
use solana_address::Address;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;

type Client = EdgerunClient<RpcBackend>;

const SOL: u64 = 1_000_000_000;
/// Escrow of every job. The config disables tiering for a committee of 3 with quorum 3: every
/// member's result is needed, so each case sees all three submit before anything settles.
const ESCROW: u64 = 50_000_000;
/// Longest wait for one thing the daemons or the chain do by themselves.
const PATIENCE: Duration = Duration::from_secs(90);
/// The whole test, startup included.
const WATCHDOG: Duration = Duration::from_secs(420);

/// Echoes nothing useful: reads a 4-byte count N from its input and spins N times, then writes
/// a hash of the loop. Slow enough to be killed mid-execution.
const SPIN_WAT: &str = r#"(module
  (import "edgerun" "input_len" (func $len (result i32)))
  (import "edgerun" "read_input" (func $read (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "_start") (local $n i32) (local $acc i32)
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 4)))
    (local.set $n (i32.load (i32.const 0)))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 0) (local.get $acc))
    (drop (call $write (i32.const 0) (i32.const 4)))))"#;
/// Iterations of [`SPIN_WAT`] for the kill case: a few seconds of execution.
const SPIN_ITERATIONS: u32 = 2_400_000_000;
const SPIN_LIMITS: Limits = Limits { max_memory_bytes: 64 * 1024, max_instructions: 40_000_000_000 };

/// Traps at once: every honest worker's result is the same error record.
const TRAP_WAT: &str = r#"(module
  (import "edgerun" "input_len" (func $len (result i32)))
  (import "edgerun" "read_input" (func $read (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "_start") unreachable))"#;
const TRAP_LIMITS: Limits = Limits { max_memory_bytes: 64 * 1024, max_instructions: 1_000_000 };

/// The JSON demo guest's job.
const JSON_LIMITS: Limits = edgerun_migrations::demo::DEMO_LIMITS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_daemons_settle_jobs_on_a_local_network() {
    let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())
        .unwrap_or_else(|error| panic!("{error:#}"));
    let json_guest = read_guest("json_redact");
    let started = Instant::now();
    let mut net = Net::start(&elf).await;
    eprintln!("network up in {:?}", started.elapsed());
    let outcome = tokio::time::timeout(WATCHDOG, cases(&mut net, json_guest)).await;
    net.shutdown().await;
    outcome.unwrap_or_else(|_| panic!("the worker network test did not finish within {WATCHDOG:?}"));
    eprintln!("done in {:?}", started.elapsed());
}

async fn cases(net: &mut Net, json_guest: Vec<u8>) {
    refuses_to_start_without_registration_or_stake(net).await;

    let w1 = net.party("w1", 3 * SOL, Some(SOL)).await;
    let w2 = net.party("w2", 3 * SOL, Some(SOL)).await;
    let w3 = net.party("w3", 3 * SOL, Some(SOL)).await;
    let mut daemons = vec![net.daemon("w1", &w1), net.daemon("w2", &w2), net.daemon("w3", &w3)];
    for daemon in &daemons {
        daemon.wait_healthy().await;
    }
    let everyone = [&w1, &w2, &w3];

    // 1. A JSON job: three submissions, one settlement, the output at the declared pointer.
    let input = edgerun_migrations::demo::DEMO_INPUT.as_bytes().to_vec();
    let job_id = net.post_job(&json_guest, &input, JSON_LIMITS).await;
    net.assign(&job_id, &everyone).await;
    let job = net.wait_for_status(&job_id, JobStatus::Finalized).await;
    let expected = local_run(&json_guest, &input, JSON_LIMITS);
    assert_eq!(job.winning_output_hash, expected.output_hash());
    let output = net.client.output_availability(&job_id).await.unwrap().expect("the output is declared");
    let pointer = String::from_utf8(output.pointer_bytes().to_vec()).unwrap();
    assert_eq!(pointer, format!("{}/output/{}", net.storage_url, hex::encode(expected.output_hash())));
    let stored = net.store().get_output(&ContentHash(job.winning_output_hash)).await.expect("the declared output");
    assert_eq!(Some(stored.as_ref()), expected.output());
    for (daemon, party) in daemons.iter().zip(everyone) {
        let result = net.client.job_result(&job_id, &party.pubkey()).await.unwrap().expect("each daemon submitted");
        assert_eq!(result.output_hash, expected.output_hash());
        // The daemon logs the submission once its own confirmation returns, which can be after the
        // job finalized (on a fast validator the settlement lands in the same slot).
        daemon.wait_for(&job_id, "submitted").await;
        assert_eq!(daemon.count(&job_id, "submitted"), 1, "{}", daemon.name);
    }
    // Exactly one finalize_job was sent (a rival's simulation is refused, never sent).
    // (The daemon counts it once its confirmation is read, which can be after the test saw it.)
    let daemons_ref = &daemons;
    let finalizes = eventually("the finalization to be counted", move || async move {
        let mut finalizes = 0.0;
        for daemon in daemons_ref {
            finalizes += daemon.metric("edgerun_worker_settlements_total{step=\"finalize\"}").await;
        }
        (finalizes > 0.0).then_some(finalizes)
    })
    .await;
    assert_eq!(finalizes, 1.0);
    for daemon in &daemons {
        assert!(daemon.metric("edgerun_worker_jobs_run_total{result=\"output\"}").await >= 1.0);
        assert!(daemon.metric("edgerun_worker_fuel_used_total").await > 0.0);
        // Every JSON-RPC request is counted by method; the worker's own wallet is read.
        assert!(daemon.metric("edgerun_worker_rpc_requests_total{method=\"sendTransaction\"}").await >= 1.0);
        assert!(daemon.metric("edgerun_worker_wallet_lamports").await > 0.0);
        assert_eq!(daemon.metric("edgerun_worker_wallet_short").await, 0.0);
    }
    // The chain's record, as the next reconcile reads it: every member won and was paid.
    for daemon in &daemons {
        eventually(&format!("{} to report its payout", daemon.name), move || async move {
            let won = daemon.metric("edgerun_worker_chain_jobs{outcome=\"won\"}").await;
            let earned = daemon.metric("edgerun_worker_chain_lamports{kind=\"earned\"}").await;
            (won >= 1.0 && earned > 0.0).then_some(())
        })
        .await;
    }
    eprintln!("case 1 (json job) settled");

    // 2. A guest that traps: the shared error result is submitted, wins, and is paid.
    let trap = wat::parse_str(TRAP_WAT).unwrap();
    let job_id = net.post_job(&trap, b"", TRAP_LIMITS).await;
    net.assign(&job_id, &everyone).await;
    let job = net.wait_for_status(&job_id, JobStatus::Finalized).await;
    let expected = local_run(&trap, b"", TRAP_LIMITS);
    assert_eq!(expected.error_code(), Some(ErrorCode::Unreachable));
    assert_eq!(job.winning_output_hash, expected.output_hash());
    let record = net.store().get_output(&ContentHash(job.winning_output_hash)).await.expect("the error record");
    assert_eq!(parse_error_record(&record).map(|(code, _)| code), Some(ErrorCode::Unreachable));
    for party in everyone {
        assert!(net.client.job_result(&job_id, &party.pubkey()).await.unwrap().is_some());
    }
    eprintln!("case 2 (trapping guest) settled");

    // 3. Killed with SIGKILL while executing, restarted: submits; killed again after submitting,
    //    restarted: never submits again. The other two members are keys without daemons whose
    //    results the test submits through the same job step, after W1's.
    let x = net.party("x", 3 * SOL, Some(SOL)).await;
    let y = net.party("y", 3 * SOL, Some(SOL)).await;
    let spin = wat::parse_str(SPIN_WAT).unwrap();
    let job_id = net.post_job(&spin, &SPIN_ITERATIONS.to_le_bytes(), SPIN_LIMITS).await;
    net.assign(&job_id, &[&w1, &x, &y]).await;
    daemons[0].wait_for(&job_id, "executing").await;
    daemons[0].kill();
    assert!(
        net.client.job_result(&job_id, &w1.pubkey()).await.unwrap().is_none(),
        "killed mid-execution: nothing was submitted"
    );
    let mut first_logs = daemons[0].logs();
    daemons[0] = net.daemon("w1 (restarted)", &w1);
    daemons[0].wait_for(&job_id, "submitted").await;
    daemons[0].kill();
    first_logs.extend(daemons[0].logs());
    daemons[0] = net.daemon("w1 (restarted twice)", &w1);
    // It follows the job again; the job marks W1 submitted, so it only waits for the quorum.
    daemons[0].wait_for(&job_id, "assigned").await;
    let w1_result = net.client.job_result(&job_id, &w1.pubkey()).await.unwrap().expect("W1's result");
    let expected = local_run(&spin, &SPIN_ITERATIONS.to_le_bytes(), SPIN_LIMITS);
    assert_eq!(w1_result.output_hash, expected.output_hash());
    let job = net.job(&job_id).await;
    let (x_step, y_step) = (net.worker_step(&x), net.worker_step(&y));
    let (x_submitted, y_submitted) = tokio::join!(x_step.execute_and_submit(&job), y_step.execute_and_submit(&job));
    for submission in [x_submitted, y_submitted] {
        assert!(matches!(submission, Ok(Submission::Submitted { .. })), "{submission:?}");
    }
    // W1 sees the quorum (its re-checks or the reconcile) and settles.
    let job = net.wait_for_status(&job_id, JobStatus::Finalized).await;
    assert_eq!(job.winning_output_hash, expected.output_hash());
    let submitted =
        first_logs.iter().chain(daemons[0].logs().iter()).filter(|line| is_stage(line, &job_id, "submitted")).count();
    assert_eq!(submitted, 1, "W1 submitted exactly once over three processes");
    eprintln!("case 3 (kill -9 and restart) settled");

    // 4. The gateway is down when the job is assigned: the daemons retry the fetch (well before
    //    their unavailability point); once the gateway is back the job settles.
    let job_id = net.post_job(&json_guest, &input, JSON_LIMITS).await;
    net.stop_gateway().await;
    net.assign(&job_id, &everyone).await;
    for daemon in &daemons {
        daemon.wait_for(&job_id, "fetch-failed").await;
    }
    assert!(net.client.job_result(&job_id, &w2.pubkey()).await.unwrap().is_none());
    net.start_gateway().await;
    let job = net.wait_for_status(&job_id, JobStatus::Finalized).await;
    assert_eq!(job.winning_output_hash, local_run(&json_guest, &input, JSON_LIMITS).output_hash());
    eprintln!("case 4 (gateway outage) settled");

    // 5. A wallet that cannot pay the next fees: /health says so (503), the metric too, one error
    //    line names the command that funds it, and the daemon sends nothing for its job (a
    //    transaction would fail for its fee); funded again, it resumes by itself.
    let poor = net.party("poor", 3 * SOL, Some(SOL)).await;
    let left = net.client.balance(&poor.pubkey()).await.unwrap();
    // What is left: the wallet's rent-exempt minimum and one signature's fee, less than a
    // submission needs.
    let keep = 890_880 + 5_000;
    let drain =
        solana_system_interface::instruction::transfer(&poor.pubkey(), &net.customer.pubkey(), left - 5_000 - keep);
    net.client.send(&poor.keypair, &[], &[drain]).await.expect("drain the wallet");
    assert!(net.client.balance(&poor.pubkey()).await.unwrap() < MIN_FEE_BALANCE_LAMPORTS);
    let mut broke = net.daemon("poor", &poor);
    let health = broke.wait_health(reqwest::StatusCode::SERVICE_UNAVAILABLE, "wallet_empty").await;
    assert!(health["wallet_lamports"].as_u64().unwrap() < MIN_FEE_BALANCE_LAMPORTS, "{health}");
    assert_eq!(broke.metric("edgerun_worker_wallet_short").await, 1.0);
    assert!(
        broke.logs().iter().any(|line| message(line).contains(&format!("solana transfer {}", poor.pubkey()))),
        "the fix is named"
    );
    let job_id = net.post_job(&json_guest, &input, JSON_LIMITS).await;
    net.assign(&job_id, &[&poor, &w2, &w3]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(net.client.job_result(&job_id, &poor.pubkey()).await.unwrap().is_none(), "nothing sent while broke");
    assert_eq!(broke.count(&job_id, "skipped"), 0, "no attempt, so no retry burnt");
    net.client.request_airdrop(&poor.pubkey(), SOL).await.expect("fund the wallet");
    broke.wait_healthy().await;
    net.wait_for_status(&job_id, JobStatus::Finalized).await;
    assert!(net.client.job_result(&job_id, &poor.pubkey()).await.unwrap().is_some(), "resumed once funded");
    let status = broke.terminate();
    assert!(status.success(), "{status}");
    eprintln!("case 5 (empty wallet) settled");

    // 6. SIGTERM: each daemon stops by itself, exit 0.
    for daemon in &mut daemons {
        let status = daemon.terminate();
        assert!(status.success(), "{} exited with {status}", daemon.name);
        assert!(daemon.logs().iter().any(|line| message(line) == "stopped"), "{}", daemon.name);
    }
}

/// A key that is not registered, and one with less stake than the minimum: the daemon refuses
/// to start, exit code 1, with the command that fixes it.
async fn refuses_to_start_without_registration_or_stake(net: &Net) {
    let stranger = net.party("stranger", SOL, None).await;
    let (status, stderr) = net.daemon("stranger", &stranger).wait_exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is not registered") && stderr.contains("edgerun worker register --stake 0.1"), "{stderr}");

    let poor = net.party("poor", SOL, Some(SOL / 40)).await;
    let (status, stderr) = net.daemon("poor", &poor).wait_exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("0.025 SOL of stake") && stderr.contains("edgerun worker stake 0.075"), "{stderr}");
}

/// A keypair and its file.
struct Party {
    keypair: Arc<Keypair>,
    file: PathBuf,
}

impl Party {
    fn pubkey(&self) -> Address {
        self.keypair.pubkey()
    }
}

struct Net {
    // Dropped first: the gateway, then the validator.
    storage: Option<LocalStorage>,
    localnet: Option<Localnet>,
    storage_dir: PathBuf,
    storage_url: String,
    client: Client,
    scheduler: Keypair,
    customer: Keypair,
    runtime: Arc<Runtime>,
    dir: tempfile::TempDir,
    nonce: u64,
}

impl Net {
    /// Validator, program, config (short windows, 0.1 SOL minimum stake), gateway.
    async fn start(elf: &[u8]) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let localnet = Localnet::start(LocalnetConfig::default()).await.expect("start the local validator");
        let client = localnet.client();
        let admin = Keypair::new();
        let scheduler = Keypair::new();
        let customer = Keypair::new();
        for (keypair, lamports) in [(&admin, 10 * SOL), (&scheduler, 2 * SOL), (&customer, 10 * SOL)] {
            client.request_airdrop(&keypair.pubkey(), lamports).await.expect("airdrop");
        }
        localnet.deploy_program(&edgerun_sdk::edgerun::ID, elf, &admin.pubkey()).await.expect("deploy the program");
        let params = ConfigParams {
            min_worker_stake_lamports: SOL / 10,
            // 300 slots ≈ 2 minutes: room for a restart and a gateway outage.
            challenge_window_slots: 300,
            da_window_slots: 300,
            job_retention_slots: 10,
            committee_tiering_enabled: false,
            committee_size: 3,
            quorum: 3,
            ..edgerun_sdk::config_params::default_params(&scheduler.pubkey(), &scheduler.pubkey())
        };
        client.initialize_config(&admin, params).await.expect("initialize the config");
        let storage_dir = dir.path().join("storage");
        let storage = LocalStorage::start(&storage_dir, "127.0.0.1", 0).await.expect("start the gateway");
        let storage_url = storage.base_url().to_string();
        let runtime =
            Arc::new(Runtime::new(RuntimeConfig { concurrent_executions: 2, ..RuntimeConfig::default() }).unwrap());
        Net {
            storage: Some(storage),
            localnet: Some(localnet),
            storage_dir,
            storage_url,
            client,
            scheduler,
            customer,
            runtime,
            dir,
            nonce: 0,
        }
    }

    async fn shutdown(&mut self) {
        if let Some(storage) = self.storage.take() {
            storage.shutdown().await;
        }
        if let Some(localnet) = self.localnet.take() {
            localnet.shutdown().await;
        }
    }

    fn localnet(&self) -> &Localnet {
        self.localnet.as_ref().expect("the validator runs")
    }

    fn store(&self) -> StorageClient {
        StorageClient::new(&self.storage_url).unwrap()
    }

    async fn stop_gateway(&mut self) {
        self.storage.take().expect("the gateway runs").shutdown().await;
    }

    /// The gateway again, on the same port and folder.
    async fn start_gateway(&mut self) {
        let port: u16 = self.storage_url.rsplit(':').next().unwrap().parse().unwrap();
        self.storage =
            Some(LocalStorage::start(&self.storage_dir, "127.0.0.1", port).await.expect("restart the gateway"));
    }

    /// A funded keypair with a file; registered with `stake` when given.
    async fn party(&self, name: &str, lamports: u64, stake: Option<u64>) -> Party {
        let keypair = Keypair::new();
        let file = self.dir.path().join(format!("{name}.json"));
        write_keypair_file(&keypair, &file).unwrap();
        self.client.request_airdrop(&keypair.pubkey(), lamports).await.expect("airdrop");
        if let Some(stake) = stake {
            let me = keypair.pubkey();
            self.client
                .send(&keypair, &[], &[ix::register_worker(&me), ix::deposit_stake(&me, stake)])
                .await
                .expect("register and stake");
        }
        Party { keypair: Arc::new(keypair), file }
    }

    /// `edgerun-worker run` for `party`, JSON logs, any free port, quick reconciles.
    fn daemon(&self, name: &str, party: &Party) -> DaemonProcess {
        let mut command = Command::new(support::sibling_binary("edgerun-worker"));
        command
            .args(["run", "--keypair"])
            .arg(&party.file)
            .args(["--url", self.localnet().rpc_url(), "--ws-url", self.localnet().ws_url()])
            .args(["--storage", &self.storage_url])
            .args(["--listen", "127.0.0.1:0", "--concurrency", "1", "--reconcile-interval", "2s"])
            .args(["--shutdown-grace", "20s", "--log-format", "json"])
            .env("RUST_LOG", "info")
            .env_remove("EDGERUN_WS_URL");
        DaemonProcess::spawn(name, command)
    }

    /// The customer stores a bundle and posts its job; returns the job id.
    async fn post_job(&mut self, wasm: &[u8], input: &[u8], limits: Limits) -> [u8; 32] {
        let bundle = Bundle {
            runtime_id: runtime_id(),
            wasm: wasm.to_vec(),
            input: input.to_vec(),
            limits,
            meta: None,
            args: Vec::new(),
        };
        let bytes = bundle.encode().unwrap();
        let hash = bundle_hash(&bytes);
        self.store().put_bundle(bytes).await.expect("store the bundle");
        self.nonce += 1;
        let me = self.customer.pubkey();
        let args = submission::post_job_args(&me, hash, runtime_id(), limits, ESCROW, self.nonce);
        let job_id = args.job_id;
        self.client.send(&self.customer, &[], &[ix::post_job(&me, args)]).await.expect("post_job");
        job_id
    }

    /// The scheduler's part: seed, then this committee.
    async fn assign(&self, job_id: &[u8; 32], committee: &[&Party]) {
        let scheduler = &self.scheduler;
        let seed = *blake3::hash(job_id).as_bytes();
        self.client.send(scheduler, &[], &[ix::set_job_seed(&scheduler.pubkey(), job_id, seed)]).await.expect("seed");
        let members: Vec<Address> = committee.iter().map(|party| party.pubkey()).collect();
        self.client
            .send(scheduler, &[], &[ix::assign_workers(&scheduler.pubkey(), job_id, &members)])
            .await
            .expect("assign_workers");
    }

    async fn job(&self, job_id: &[u8; 32]) -> Job {
        self.client.job(job_id).await.expect("read the job").expect("the job exists")
    }

    async fn wait_for_status(&self, job_id: &[u8; 32], status: JobStatus) -> Job {
        eventually(&format!("job {} to be {status:?}", hex::encode(job_id)), move || async move {
            let job = self.job(job_id).await;
            (job.status() == Ok(status)).then_some(job)
        })
        .await
    }

    /// The job step, in this process, for a member without a daemon.
    fn worker_step(&self, party: &Party) -> Worker<RpcBackend> {
        let store = self.store().with_signer(SigningKey::from_bytes(party.keypair.secret_bytes()));
        Worker::new(self.client.clone(), store, Arc::clone(&party.keypair), Arc::clone(&self.runtime), 1).unwrap()
    }
}

/// What the runtime gives for this job, locally.
fn local_run(wasm: &[u8], input: &[u8], limits: Limits) -> edgerun_worker::ExecutionReport {
    Runtime::new(RuntimeConfig { concurrent_executions: 1, ..RuntimeConfig::default() })
        .unwrap()
        .execute(wasm, input, limits)
        .expect("the runtime answers")
}

fn read_guest(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/guests").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("missing guest {} ({error}); build it with scripts/build-guests.sh", path.display())
    })
}

/// Polls `probe` every 200 ms until it yields, at most [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or("")
}

fn is_stage(line: &Value, job_id: &[u8; 32], stage: &str) -> bool {
    line["fields"]["stage"] == stage && line["fields"]["job"] == hex::encode(job_id)
}

/// One `edgerun-worker run` process: its log lines (JSON, parsed as they come) and its
/// /metrics address. Killed and reaped when dropped.
struct DaemonProcess {
    name: String,
    child: Option<Child>,
    logs: Arc<Mutex<Vec<Value>>>,
    stderr_text: Arc<Mutex<String>>,
    address: Arc<Mutex<Option<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl DaemonProcess {
    fn spawn(name: &str, mut command: Command) -> DaemonProcess {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn edgerun-worker");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr_text = Arc::new(Mutex::new(String::new()));
        let address = Arc::new(Mutex::new(None));
        let stderr = child.stderr.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let readers = vec![
            {
                let (logs, text) = (Arc::clone(&logs), Arc::clone(&stderr_text));
                std::thread::spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                        text.lock().unwrap().push_str(&format!("{line}\n"));
                        if let Ok(value) = serde_json::from_str::<Value>(&line) {
                            logs.lock().unwrap().push(value);
                        }
                    }
                })
            },
            {
                let address = Arc::clone(&address);
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        if let Some(url) = line.strip_prefix("edgerun-worker listening on ") {
                            *address.lock().unwrap() = Some(url.to_string());
                        }
                    }
                })
            },
        ];
        DaemonProcess { name: name.to_string(), child: Some(child), logs, stderr_text, address, readers }
    }

    fn logs(&self) -> Vec<Value> {
        self.logs.lock().unwrap().clone()
    }

    fn count(&self, job_id: &[u8; 32], stage: &str) -> usize {
        self.logs().iter().filter(|line| is_stage(line, job_id, stage)).count()
    }

    async fn wait_for(&self, job_id: &[u8; 32], stage: &str) {
        eventually(&format!("{} to log {stage} for job {}", self.name, hex::encode(job_id)), move || async move {
            (self.count(job_id, stage) > 0).then_some(())
        })
        .await;
    }

    fn url(&self) -> Option<String> {
        self.address.lock().unwrap().clone()
    }

    /// Waits until `/health` answers 200 (the first reconcile succeeded).
    async fn wait_healthy(&self) {
        let http = &edgerun_sdk::http::client_builder().build().expect("an HTTP client");
        let what = format!("{} to be healthy", self.name);
        eventually(&what, move || async move {
            let url = self.url()?;
            let response = http.get(format!("{url}/health")).send().await.ok()?;
            let status = response.status();
            let body: Value = response.json().await.ok()?;
            (status == reqwest::StatusCode::OK && body["status"] == "ok").then_some(())
        })
        .await;
    }

    /// Waits until `/health` answers `status` with `body.status == state`; returns the body.
    async fn wait_health(&self, status: reqwest::StatusCode, state: &str) -> Value {
        let http = &edgerun_sdk::http::client_builder().build().expect("an HTTP client");
        let what = format!("{} to answer /health {status} {state}", self.name);
        eventually(&what, move || async move {
            let url = self.url()?;
            let response = http.get(format!("{url}/health")).send().await.ok()?;
            let answered = response.status();
            let body: Value = response.json().await.ok()?;
            (answered == status && body["status"] == state).then_some(body)
        })
        .await
    }

    /// The value of one sample (`name{labels}` exactly as exposed) on /metrics.
    async fn metric(&self, sample: &str) -> f64 {
        let url = self.url().expect("the daemon serves /metrics");
        let text = reqwest::get(format!("{url}/metrics")).await.expect("GET /metrics").text().await.unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(sample).and_then(|rest| rest.strip_prefix(' ')))
            .map(|value| value.trim().parse().expect("a number"))
            .unwrap_or_else(|| panic!("{} exposes no {sample}:\n{text}", self.name))
    }

    /// SIGKILL, and reap.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.join_readers();
    }

    /// SIGTERM; waits (bounded) for the exit.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success());
        self.wait_exit_status(Duration::from_secs(40))
    }

    /// Waits for the process to exit by itself; returns its status and stderr.
    fn wait_exit(mut self) -> (ExitStatus, String) {
        let status = self.wait_exit_status(PATIENCE);
        let stderr = self.stderr_text.lock().unwrap().clone();
        (status, stderr)
    }

    fn wait_exit_status(&mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait().expect("poll the child") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} did not exit within {timeout:?}; stderr:\n{}", self.name, self.stderr_text.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        self.join_readers();
        status
    }

    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
