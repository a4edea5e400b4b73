//! A local network for the `edgerun` binary's tests: the embedded surfpool validator (real
//! JSON-RPC and websocket on random loopback ports) with the real `.so`, a storage gateway over a
//! temporary folder, keypair files, and the parties the CLI does not play: the scheduler (seed
//! and committee) and the workers (execute, publish, attest, submit), through the libraries.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use edgerun::state::{Job, JobStatus};
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::client::{EdgerunClient, RpcBackend};
use edgerun_sdk::storage::{ContentHash, StorageClient};
use edgerun_sdk::{instructions as ix, selection};
use edgerun_worker::job::{execute_job, submission};
use edgerun_worker::{Runtime, RuntimeConfig};
use solana_address::Address;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;

pub const SOL: u64 = 1_000_000_000;
/// Longest wait for anything the chain does by itself (a slot to come, a job to appear).
pub const PATIENCE: Duration = Duration::from_secs(120);

/// A keypair and the file the CLI reads it from.
pub struct Party {
    pub keypair: Keypair,
    pub file: PathBuf,
}

impl Party {
    pub fn pubkey(&self) -> Address {
        self.keypair.pubkey()
    }

    pub fn path(&self) -> &str {
        self.file.to_str().expect("UTF-8 temp path")
    }
}

pub struct Network {
    // Dropped first: the gateway, then the validator.
    pub storage: LocalStorage,
    pub localnet: Localnet,
    pub dir: tempfile::TempDir,
    pub runtime: tokio::runtime::Runtime,
    pub client: EdgerunClient<RpcBackend>,
    pub admin: Party,
    pub scheduler: Party,
    /// An empty Solana CLI config: the tests never read the developer's own.
    pub cli_config: PathBuf,
}

impl Network {
    /// Validator with the program deployed (upgrade authority: `admin`), gateway, funded admin
    /// and scheduler. The config is not initialized: that is `edgerun admin init`'s job.
    pub fn start() -> Network {
        let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())
            .unwrap_or_else(|error| panic!("{error:#}"));
        let dir = tempfile::tempdir().expect("temp dir");
        // The gateway serves on this runtime, which lives as long as the network.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let localnet = runtime.block_on(Localnet::start(LocalnetConfig::default())).expect("start the local validator");
        let storage = runtime
            .block_on(LocalStorage::start(&dir.path().join("storage"), "127.0.0.1", 0))
            .expect("start the gateway");
        let client = localnet.client();
        let cli_config = dir.path().join("cli-config.yml");
        std::fs::write(&cli_config, "---\n").unwrap();
        let mut network = Network {
            storage,
            localnet,
            runtime,
            client,
            admin: Party { keypair: Keypair::new(), file: PathBuf::new() },
            scheduler: Party { keypair: Keypair::new(), file: PathBuf::new() },
            cli_config,
            dir,
        };
        network.admin = network.party("admin", 20 * SOL);
        network.scheduler = network.party("scheduler", 2 * SOL);
        network
            .runtime
            .block_on(network.localnet.deploy_program(&edgerun::ID, &elf, &network.admin.pubkey()))
            .expect("deploy the program");
        network
    }

    /// A new keypair file named `name`, airdropped `lamports` (none when 0).
    pub fn party(&self, name: &str, lamports: u64) -> Party {
        let keypair = Keypair::new();
        let file = self.dir.path().join(format!("{name}.json"));
        write_keypair_file(&keypair, &file).expect("write keypair");
        if lamports > 0 {
            self.runtime.block_on(self.client.request_airdrop(&keypair.pubkey(), lamports)).expect("airdrop");
        }
        Party { keypair, file }
    }

    pub fn storage_url(&self) -> &str {
        self.storage.base_url()
    }

    /// `edgerun ARGS --url ... --storage ... -C <empty config> [-k signer]`.
    pub fn command(&self, signer: Option<&Party>, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_edgerun"));
        command
            .args(args)
            .args(["--url", self.localnet.rpc_url(), "--ws-url", self.localnet.ws_url()])
            .args(["-C", self.cli_config.to_str().unwrap()])
            .env_remove("EDGERUN_STORAGE_URL")
            .env("HOME", self.dir.path());
        if !args.contains(&"--storage") {
            command.args(["--storage", self.storage_url()]);
        }
        if let Some(signer) = signer {
            command.args(["-k", signer.path()]);
        }
        command
    }

    /// Runs `edgerun ARGS -o json`; returns the exit code and the JSON printed.
    pub fn json(&self, signer: Option<&Party>, args: &[&str]) -> (i32, serde_json::Value) {
        let output = self.command(signer, args).args(["-o", "json"]).output().expect("run edgerun");
        parse(&output, args)
    }

    /// [`Network::json`] that must succeed.
    pub fn ok(&self, signer: Option<&Party>, args: &[&str]) -> serde_json::Value {
        let (code, json) = self.json(signer, args);
        assert_eq!(code, 0, "edgerun {args:?} failed: {json:#}");
        json
    }

    /// [`Network::json`] that must fail with `exit_code` and the error `code`; returns the error.
    pub fn fails(&self, signer: Option<&Party>, args: &[&str], exit_code: i32, code: &str) -> serde_json::Value {
        let (status, json) = self.json(signer, args);
        assert_eq!(status, exit_code, "edgerun {args:?}: {json:#}");
        let error = json["error"].clone();
        assert_eq!(error["code"], code, "edgerun {args:?}: {json:#}");
        assert!(!error["message"].as_str().unwrap_or("").is_empty(), "{json:#}");
        error
    }

    /// `edgerun admin init` with the admin's keypair: short windows so the tests can see them pass.
    pub fn init(&self, windows: u64) {
        let windows = windows.to_string();
        let json = self.ok(
            Some(&self.admin),
            &[
                "admin",
                "init",
                "--scheduler-authority",
                &self.scheduler.pubkey().to_string(),
                "--challenge-window-slots",
                &windows,
                "--da-window-slots",
                &windows,
                "--job-retention-slots",
                "10",
                "--min-worker-stake",
                "0.1",
            ],
        );
        assert_eq!(json["outcome"]["outcome"], "initialized", "{json:#}");
    }

    /// A worker registered with `stake` SOL through `edgerun worker register --stake`.
    pub fn worker(&self, name: &str, stake: &str) -> Party {
        let worker = self.party(name, 3 * SOL);
        let json = self.ok(Some(&worker), &["worker", "register", "--stake", stake]);
        assert_eq!(json["worker"], worker.pubkey().to_string());
        worker
    }

    pub fn job(&self, job_id: &[u8; 32]) -> Option<Job> {
        self.runtime.block_on(self.client.job(job_id)).expect("read the job")
    }

    pub fn slot(&self) -> u64 {
        self.runtime.block_on(self.client.slot()).expect("read the slot")
    }

    /// Waits (bounded) until the cluster is past `slot`.
    pub fn wait_past(&self, slot: u64) {
        let deadline = Instant::now() + PATIENCE;
        while self.slot() <= slot {
            assert!(Instant::now() < deadline, "slot {slot} did not pass within {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits (bounded) until `customer` has a job on chain; returns its id.
    pub fn wait_for_job(&self, customer: &Address) -> [u8; 32] {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let jobs = self.runtime.block_on(self.client.jobs_by_client(customer)).expect("list jobs");
            if let Some((_, job)) = jobs.first() {
                return job.job_id;
            }
            assert!(Instant::now() < deadline, "no job by {customer} within {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The scheduler's part: seed, then the committee `selection` ranks first among `workers`.
    pub fn seed_and_assign(&self, job_id: &[u8; 32], workers: &[&Party]) -> Vec<Address> {
        let scheduler = &self.scheduler.keypair;
        let seed = *blake3::hash(job_id).as_bytes();
        self.runtime
            .block_on(self.client.send(scheduler, &[], &[ix::set_job_seed(&scheduler.pubkey(), job_id, seed)]))
            .expect("set_job_seed");
        let job = self.job(job_id).expect("job");
        let candidates: Vec<Address> = workers.iter().map(|worker| worker.pubkey()).collect();
        let committee = selection::select_committee(&seed, job_id, &candidates, usize::from(job.committee_size));
        self.runtime
            .block_on(self.client.send(scheduler, &[], &[ix::assign_workers(&scheduler.pubkey(), job_id, &committee)]))
            .expect("assign_workers");
        assert_eq!(self.job(job_id).unwrap().status(), Ok(JobStatus::Assigned));
        committee
    }

    /// A worker's part: fetch the bundle by hash, run it, publish the result bytes, attest and
    /// submit. Returns the output hash.
    pub fn execute_and_submit(&self, job_id: &[u8; 32], worker: &Party) -> [u8; 32] {
        let job = self.job(job_id).expect("job");
        let store = StorageClient::new(self.storage_url()).unwrap();
        let bundle = self.runtime.block_on(store.get_bundle(&ContentHash(job.bundle_hash))).expect("fetch the bundle");
        let runtime = Runtime::new(RuntimeConfig::default()).expect("runtime");
        let report = execute_job(&runtime, &job, &bundle).expect("execute");
        self.runtime.block_on(store.put_output(report.result_bytes())).expect("publish the result");
        let key = SigningKey::from_bytes(worker.keypair.secret_bytes());
        let output_hash = report.output_hash();
        self.runtime
            .block_on(self.client.send(&worker.keypair, &[], &submission(&key, &job, output_hash)))
            .expect("submit_result");
        output_hash
    }

    /// A winner's part: declare the output available at the gateway.
    pub fn declare(&self, job_id: &[u8; 32], winner: &Party, output_hash: [u8; 32]) {
        let pointer = format!("{}/output/{}", self.storage_url(), hex::encode(output_hash));
        let instruction = ix::declare_output(&winner.pubkey(), job_id, output_hash, pointer.as_bytes());
        self.runtime.block_on(self.client.send(&winner.keypair, &[], &[instruction])).expect("declare_output");
    }
}

/// The JSON object an `edgerun -o json` run printed, with its exit code.
pub fn parse(output: &Output, args: &[&str]) -> (i32, serde_json::Value) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "edgerun {args:?} printed no JSON object ({error}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// A child process killed (and reaped) when dropped, so a failing test leaves none behind.
pub struct ChildGuard(pub Option<Child>);

impl ChildGuard {
    pub fn spawn(mut command: Command) -> ChildGuard {
        ChildGuard(Some(command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn edgerun")))
    }

    /// Waits (bounded) for the process to exit; returns its output.
    pub fn wait(mut self, timeout: Duration) -> Output {
        let mut child = self.0.take().expect("child");
        let deadline = Instant::now() + timeout;
        while child.try_wait().expect("poll child").is_none() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let output = child.wait_with_output().expect("reap");
                panic!("edgerun did not exit within {timeout:?}; stderr:\n{}", String::from_utf8_lossy(&output.stderr));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.wait_with_output().expect("collect output")
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A file in `dir` holding `bytes`.
pub fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A guest built by `scripts/build-guests.sh`.
pub fn guest(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/guests").join(name);
    assert!(path.exists(), "{} is missing: build it with `bash scripts/build-guests.sh`", path.display());
    path
}
