//! A real local network for the scheduler's tests: the embedded surfpool validator (real
//! JSON-RPC and websocket) with the real `.so` and the config initialized, a storage gateway,
//! staked workers, and the scheduler's service in the test's process on a random loopback port.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use edgerun::state::Job;
use edgerun_migrations::local_storage::LocalStorage;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_scheduler::service::{self, LogFormat, SchedulerArgs};
use edgerun_sdk::bundle::{bundle_hash, Bundle};
use edgerun_sdk::client::{EdgerunClient, RpcBackend};
use edgerun_sdk::config_params::localnet_params;
use edgerun_sdk::instructions as ix;
use edgerun_sdk::submission;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tokio_util::sync::CancellationToken;

pub const SOL: u64 = 1_000_000_000;
/// Longest wait for anything the chain or the scheduler does by itself.
pub const PATIENCE: Duration = Duration::from_secs(120);
/// Tier 0 of the default tier table: a committee of 3, quorum 2.
pub const ESCROW: u64 = 50_000_000;

pub struct Network {
    pub storage: LocalStorage,
    pub localnet: Localnet,
    pub client: EdgerunClient<RpcBackend>,
    pub authority_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Network {
    /// Validator with the program, config initialized (`authority` holds both the randomness
    /// and the scheduler roles), gateway; no worker yet.
    pub async fn start(challenge_window_slots: Option<u64>) -> Network {
        Network::start_with(challenge_window_slots, &[]).await
    }

    /// [`start`](Self::start) on a network that takes jobs of `allowed_runtimes` only (any
    /// runtime when empty).
    pub async fn start_with(challenge_window_slots: Option<u64>, allowed_runtimes: &[[u8; 32]]) -> Network {
        let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())
            .unwrap_or_else(|error| panic!("{error:#}"));
        let dir = tempfile::tempdir().unwrap();
        let localnet = Localnet::start(LocalnetConfig::default()).await.expect("start the validator");
        let storage =
            LocalStorage::start(&dir.path().join("storage"), "127.0.0.1", 0).await.expect("start the gateway");
        let client = localnet.client();
        let admin = Keypair::new();
        client.request_airdrop(&admin.pubkey(), 10 * SOL).await.unwrap();
        localnet.deploy_program(&edgerun::ID, &elf, &admin.pubkey()).await.expect("deploy");
        let authority = Keypair::new();
        client.request_airdrop(&authority.pubkey(), 10 * SOL).await.unwrap();
        let mut params = localnet_params(&authority.pubkey(), &authority.pubkey());
        if let Some(slots) = challenge_window_slots {
            params.challenge_window_slots = slots;
            params.da_window_slots = slots;
        }
        if let Some(root) = edgerun_sdk::submission::runtime_allow_list_root(allowed_runtimes) {
            params.allowed_runtime_root = root;
        }
        client.initialize_config(&admin, params).await.expect("initialize the config");
        let authority_file = dir.path().join("authority.json");
        write_keypair_file(&authority, &authority_file).unwrap();
        Network { storage, localnet, client, authority_file, dir }
    }

    pub async fn worker(&self, stake: u64) -> Keypair {
        let worker = Keypair::new();
        self.client.request_airdrop(&worker.pubkey(), stake + SOL).await.unwrap();
        self.client
            .send(&worker, &[], &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), stake)])
            .await
            .expect("register a worker");
        worker
    }

    pub async fn customer(&self) -> Keypair {
        let customer = Keypair::new();
        self.client.request_airdrop(&customer.pubkey(), 5 * SOL).await.unwrap();
        customer
    }

    pub fn args(&self, listen: &str, jail_max_failures: u32) -> SchedulerArgs {
        self.args_with(listen, jail_max_failures, true)
    }

    pub fn args_with(&self, listen: &str, jail_max_failures: u32, no_reassign: bool) -> SchedulerArgs {
        SchedulerArgs {
            url: self.localnet.rpc_url().to_string(),
            ws_url: Some(self.localnet.ws_url().to_string()),
            keypair: Some(self.authority_file.clone()),
            randomness_keypair: None,
            scheduler_keypair: None,
            storage: self.storage.base_url().to_string(),
            listen: listen.parse().unwrap(),
            concurrency: 8,
            reconcile_interval: edgerun_service::flags::HumanDuration(std::time::Duration::from_millis(500)),
            jail_max_failures,
            jail_cooldown_slots: 100_000,
            no_reassign,
            log_format: LogFormat::Text,
            // Every test client is 127.0.0.1: room for the 200-viewer test and page loads.
            rate_limit: 1_000,
            rate_limit_burst: 2_000,
            webhook_store: None,
            webhook_allow_private: true,
            webhook_retry_for: edgerun_service::flags::HumanDuration(std::time::Duration::from_secs(60)),
        }
    }

    /// The scheduler in this process (its API on a random port); stopped by the token.
    pub async fn scheduler(
        &self,
        jail_max_failures: u32,
    ) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
        self.start_scheduler(self.args("127.0.0.1:0", jail_max_failures)).await
    }

    pub async fn start_scheduler(
        &self,
        args: SchedulerArgs,
    ) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
        let cancel = CancellationToken::new();
        let (ready, address) = tokio::sync::oneshot::channel();
        let task = tokio::spawn({
            let cancel = cancel.clone();
            async move { service::run(args, cancel, Some(ready)).await.expect("the scheduler runs") }
        });
        (address.await.expect("the API listens"), cancel, task)
    }

    pub async fn job(&self, job_id: &[u8; 32]) -> Job {
        self.client.job(job_id).await.unwrap().expect("the job exists")
    }

    /// Waits (bounded) until `job_id` is past `Seeded`.
    pub async fn wait_assigned(&self, job_id: &[u8; 32]) -> Job {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let job = self.job(job_id).await;
            if job.assigned_count > 0 {
                return job;
            }
            assert!(Instant::now() < deadline, "job {} not assigned in {PATIENCE:?}", hex::encode(job_id));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stores the bundle `bytes` and posts it straight to the chain (the customer's own
    /// transaction); returns the job id.
    pub async fn post_bundle(&self, customer: &Keypair, bytes: Vec<u8>, nonce: u64) -> [u8; 32] {
        let bundle = Bundle::decode(&bytes).expect("a bundle");
        let hash = bundle_hash(&bytes);
        self.storage_client().put_bundle(bytes).await.expect("store the bundle");
        let args = submission::post_job_args(&customer.pubkey(), hash, bundle.runtime_id, bundle.limits, ESCROW, nonce);
        let job_id = args.job_id;
        self.client.send(customer, &[], &[ix::post_job(&customer.pubkey(), args)]).await.expect("post_job");
        job_id
    }

    pub fn storage_client(&self) -> edgerun_sdk::storage::StorageClient {
        edgerun_sdk::storage::StorageClient::new(self.storage.base_url()).unwrap()
    }
}

/// A bundle whose guest writes `output` and exits.
pub fn bundle_writing(output: &[u8]) -> Vec<u8> {
    let data: String = output.iter().map(|byte| format!("\\{byte:02x}")).collect();
    let wat = format!(
        r#"(module
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "{data}")
  (func (export "_start") (drop (call $write_output (i32.const 0) (i32.const {len})))))"#,
        len = output.len()
    );
    Bundle {
        runtime_id: edgerun_worker::runtime_id(),
        wasm: wat::parse_str(wat).unwrap(),
        input: Vec::new(),
        limits: edgerun_sdk::bundle::Limits { max_memory_bytes: 65_536, max_instructions: 1_000_000 },
        meta: None,
        args: Vec::new(),
    }
    .encode()
    .unwrap()
}

impl Network {
    /// Each member's part, as the worker daemon does it: fetch the bundle by hash, run it,
    /// publish the result bytes, attest and submit. Returns the output hash they agree on.
    pub async fn execute_and_submit(&self, job_id: &[u8; 32], workers: &[Keypair]) -> [u8; 32] {
        use edgerun_worker::job::{execute_job, submission};
        let job = self.job(job_id).await;
        let store = self.storage_client();
        let bundle =
            store.get_bundle(&edgerun_sdk::storage::ContentHash(job.bundle_hash)).await.expect("fetch the bundle");
        let runtime = edgerun_worker::Runtime::new(edgerun_worker::RuntimeConfig::default()).expect("runtime");
        let report = tokio::task::block_in_place(|| execute_job(&runtime, &job, &bundle)).expect("execute");
        let output_hash = report.output_hash();
        store.put_output(report.result_bytes()).await.expect("publish the result");
        for member in job.committee() {
            let worker = workers.iter().find(|worker| worker.pubkey() == *member).expect("a member we hold");
            let key = ed25519_dalek::SigningKey::from_bytes(worker.secret_bytes());
            self.client.send(worker, &[], &submission(&key, &job, output_hash)).await.expect("submit_result");
        }
        output_hash
    }

    /// The crank's and a winner's part: quorum, the output declared available, payout.
    pub async fn settle(&self, job_id: &[u8; 32], workers: &[Keypair], output_hash: [u8; 32], payer: &Keypair) {
        use edgerun_crank::CrankAction;
        let job = self.job(job_id).await;
        self.client.send(payer, &[], &[CrankAction::ReachQuorum.instruction(&job)]).await.expect("reach_quorum");
        let winner = workers.iter().find(|worker| worker.pubkey() == job.committee()[0]).unwrap();
        let pointer = format!("{}/output/{}", self.storage.base_url(), hex::encode(output_hash));
        let declare = ix::declare_output(&winner.pubkey(), job_id, output_hash, pointer.as_bytes());
        self.client.send(winner, &[], &[declare]).await.expect("declare_output");
        let job = self.job(job_id).await;
        self.client.send(payer, &[], &[CrankAction::Finalize.instruction(&job)]).await.expect("finalize_job");
        assert_eq!(self.job(job_id).await.status(), Ok(edgerun::state::JobStatus::Finalized));
    }
}
