//! The launcher's network for tests: `edgerun-network` on random loopback ports, its summary,
//! its processes, and the chain through the SDK client.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use edgerun::state::{Job, JobStatus, WorkerStake};
use edgerun_migrations::localnet::free_port;
use edgerun_sdk::bundle::{bundle_hash, Bundle};
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RpcBackend, RpcConfig};
use edgerun_sdk::instructions as ix;
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::submission;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub const PATIENCE: Duration = Duration::from_secs(180);

/// The launcher, and the folder of the binaries it starts (built beside it by `cargo build --bins`).
pub fn launcher() -> PathBuf {
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_edgerun-network"));
    let dir = launcher.parent().unwrap();
    for name in ["edgerun", "edgerun-worker", "edgerun-scheduler", "edgerun-storage-gateway", "edgerun-localnet"] {
        assert!(dir.join(name).exists(), "{name} is not built beside the launcher: run `cargo build --bins` first");
    }
    launcher
}

/// A binary of another workspace crate, built beside this crate's (`cargo test --workspace`
/// builds every binary first; alone: `cargo build --bins`).
pub fn sibling_binary(name: &str) -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_edgerun-network")).parent().unwrap().join(name);
    assert!(binary.exists(), "{name} is not built beside edgerun-network: run `cargo build --bins` first");
    binary
}

pub fn workspace(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub fn command(state: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(launcher());
    command
        .args(["--state-dir", state.to_str().unwrap()])
        .args(["--program", workspace("target/deploy/edgerun.so").to_str().unwrap()])
        .args(["--demo-wasm", workspace("target/guests/json_redact.wasm").to_str().unwrap()]);
    for flag in ["--rpc-port", "--storage-port", "--api-port"] {
        command.args([flag, &free_port("127.0.0.1").unwrap().to_string()]);
    }
    command.args(["--ws-port", &free_port("127.0.0.1").unwrap().to_string()]);
    command.args(extra).stdin(Stdio::null());
    command
}

/// Whether process `pid` exists (a zombie does not count: it has exited).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// The child processes named in the launcher's summary (printed on stdout).
pub fn pids(summary: &serde_json::Value) -> Vec<(String, u32)> {
    summary["network"]["processes"]
        .as_array()
        .expect("the summary names the processes")
        .iter()
        .map(|entry| (entry[0].as_str().unwrap().to_string(), entry[1].as_u64().unwrap() as u32))
        .collect()
}

pub fn wait_gone(pids: &[(String, u32)]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for (name, pid) in pids {
        while alive(*pid) {
            assert!(Instant::now() < deadline, "{name} (pid {pid}) outlived the launcher");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Kills the launcher on drop (its children follow it by PR_SET_PDEATHSIG).
pub struct Guard(pub Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads the launcher's stdout until its summary object is complete.
pub fn read_summary(stdout: &mut impl std::io::BufRead) -> serde_json::Value {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the launcher ended before its summary:\n{text}");
        text.push_str(&line);
        if line.starts_with('}') {
            return serde_json::from_str(&text).expect("the summary is JSON");
        }
    }
}

/// A running network of processes (the launcher with `--no-demo`), killed on drop.
pub struct Launched {
    pub guard: Guard,
    pub summary: serde_json::Value,
    pub client: EdgerunClient<RpcBackend>,
    pub runtime: tokio::runtime::Runtime,
    pub customer: Keypair,
    pub state: tempfile::TempDir,
}

impl Launched {
    pub fn start(extra: &[&str]) -> Launched {
        let state = tempfile::tempdir().unwrap();
        let mut args = vec!["--no-demo"];
        args.extend_from_slice(extra);
        let mut child = command(state.path(), &args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let guard = Guard(Some(child));
        let summary = read_summary(&mut stdout);
        // Keep reading the launcher's stdout so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let rpc_url = summary["network"]["rpc_url"].as_str().unwrap().to_string();
        let client = EdgerunClient::new(RpcBackend::new(rpc_url, RpcConfig::default()), ClientConfig::default());
        let customer =
            solana_keypair::read_keypair_file(summary["network"]["customer_keypair"].as_str().unwrap()).unwrap();
        Launched { guard, summary, client, runtime, customer, state }
    }

    pub fn pid(&self, name: &str) -> u32 {
        pids(&self.summary).into_iter().find(|(known, _)| known == name).unwrap_or_else(|| panic!("no {name}")).1
    }

    /// SIGKILL of one of the network's processes.
    pub fn kill9(&self, name: &str) {
        let pid = self.pid(name);
        // SAFETY: signalling a process this test's launcher started.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
        wait_gone(&[(name.to_string(), pid)]);
    }

    pub fn url(&self, what: &str) -> String {
        self.summary["network"][what].as_str().unwrap().to_string()
    }

    pub fn block<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The JSON demo guest's bundle.
    pub fn demo_bundle() -> Bundle {
        Bundle {
            runtime_id: edgerun_worker::runtime_id(),
            wasm: std::fs::read(workspace("target/guests/json_redact.wasm")).expect("the demo guest is built"),
            input: edgerun_migrations::demo::DEMO_INPUT.as_bytes().to_vec(),
            limits: edgerun_migrations::demo::DEMO_LIMITS,
            meta: None,
            args: Vec::new(),
        }
    }

    /// Posts the JSON demo job (bundle stored first), as the customer; returns its id.
    pub fn post_demo_job(&self, nonce: u64, escrow: u64) -> [u8; 32] {
        self.post_bundle(&Self::demo_bundle(), nonce, escrow)
    }

    /// Stores `bundle` in the gateway.
    pub fn store(&self, bundle: &Bundle) {
        let bytes = bundle.encode().unwrap();
        self.block(StorageClient::new(&self.url("storage_url")).unwrap().put_bundle(bytes)).expect("store the bundle");
    }

    /// Stores `bundle` and posts it as a job of the customer; returns its id.
    pub fn post_bundle(&self, bundle: &Bundle, nonce: u64, escrow: u64) -> [u8; 32] {
        self.store(bundle);
        self.post(bundle, nonce, escrow)
    }

    /// Posts `bundle` (already stored) as a job of the customer; returns its id.
    pub fn post(&self, bundle: &Bundle, nonce: u64, escrow: u64) -> [u8; 32] {
        let hash = bundle_hash(&bundle.encode().unwrap());
        let args =
            submission::post_job_args(&self.customer.pubkey(), hash, bundle.runtime_id, bundle.limits, escrow, nonce);
        let job_id = args.job_id;
        self.block(self.client.send(&self.customer, &[], &[ix::post_job(&self.customer.pubkey(), args)]))
            .expect("post_job");
        job_id
    }

    pub fn job(&self, job_id: &[u8; 32]) -> Option<Job> {
        self.block(self.client.job(job_id)).expect("read the job")
    }

    /// Waits (bounded) until the job is in one of `statuses`.
    pub fn wait_status(&self, job_id: &[u8; 32], statuses: &[JobStatus]) -> Job {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let job = self.job(job_id).expect("the job exists");
            if job.status().is_ok_and(|status| statuses.contains(&status)) {
                return job;
            }
            assert!(Instant::now() < deadline, "job {} is {:?}, not {statuses:?}", hex::encode(job_id), job.status());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn workers(&self) -> Vec<WorkerStake> {
        let mut workers: Vec<WorkerStake> =
            self.block(self.client.workers()).unwrap().into_iter().map(|(_, stake)| stake).collect();
        workers.sort_by_key(|stake| stake.worker);
        workers
    }

    pub fn worker_key(&self, index: usize) -> Address {
        let path = self.summary["network"]["worker_keypairs"][index].as_str().unwrap().to_string();
        solana_keypair::read_keypair_file(path).unwrap().pubkey()
    }

    pub fn balance(&self, address: &Address) -> u64 {
        self.block(self.client.balance(address)).unwrap()
    }
}

/// Pauses named processes of the network (SIGSTOP) until dropped (SIGCONT).
pub struct Paused<'a> {
    network: &'a Launched,
    names: Vec<&'static str>,
}

impl<'a> Paused<'a> {
    pub fn new(network: &'a Launched, names: &[&'static str]) -> Paused<'a> {
        for name in names {
            signal(network, name, libc::SIGSTOP);
        }
        Paused { network, names: names.to_vec() }
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        for name in &self.names {
            signal(self.network, name, libc::SIGCONT);
        }
    }
}

fn signal(network: &Launched, name: &str, signal: libc::c_int) {
    let pid = network.pid(name);
    // SAFETY: signalling a process this test's launcher started.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}
