//! The chain the crank tests run on: the real `.so` in LiteSVM through the SDK's
//! [`LiteSvmBackend`], behind the test kit's [`Probe`], which counts what is sent and can play
//! the rest of the world (another cranker acting first, a node that stops answering for one job).
//!
//! Jobs are set up with the program-test harness (`edgerun_tests::svm::TestEnv`) on the same
//! chain as the backend's (`edgerun_tests::svm::SharedChain`, [`World::env`]).

use std::time::Duration;

use edgerun::state::{Job, JobStatus, WorkerStake};
use edgerun_crank::{CrankAction, JobState};
use edgerun_sdk::accounts::decode_account;
use edgerun_sdk::client::{ClientConfig, EdgerunClient, LiteSvmBackend, RetryPolicy};
use edgerun_sdk::pda;
use edgerun_sdk::testkit::Probe;
use edgerun_tests::svm::{honest_output, SharedChain, TestEnv, TestJob};
use litesvm::LiteSVM;
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

pub const SOL: u64 = 1_000_000_000;
/// Tier 0: a committee of 3, quorum 2; each member locks 15_000_000.
pub const ESCROW: u64 = 30_000_000;
pub const STAKE: u64 = 100_000_000;

/// Lamports, owner and data of an account, `None` if absent or emptied.
pub type Snapshot = Vec<(Address, Option<(u64, Address, Vec<u8>)>)>;

/// A job set up for a test, with its actors.
pub struct Posted {
    pub job: TestJob,
    pub client: Keypair,
    pub workers: Vec<Keypair>,
}

impl Posted {
    pub fn job_id(&self) -> [u8; 32] {
        self.job.job_id
    }
}

pub struct World {
    /// The chain, shared with the program tests' `TestEnv` (see [`World::env`]).
    chain: SharedChain,
    pub client: EdgerunClient<Probe<LiteSvmBackend>>,
    /// Pays every crank transaction.
    pub payer: Keypair,
}

impl World {
    /// The program with the program tests' config: challenge window 100, DA window 50,
    /// retention 1000, penalty 50_000.
    pub fn new() -> Self {
        let mut env = TestEnv::new();
        let payer = env.new_actor(10 * SOL);
        let chain = SharedChain::new(env);
        let probe = Probe::new(chain.backend().clone());
        // No retries: the suite checks what happens, never waits for backoff.
        let config = ClientConfig {
            retry: RetryPolicy { max_retries: 0, min_delay: Duration::ZERO, max_delay: Duration::ZERO },
            ..ClientConfig::default()
        };
        World { chain, client: EdgerunClient::new(probe, config), payer }
    }

    /// Runs `f` on the TestEnv with the chain swapped in.
    pub fn env<R>(&mut self, f: impl FnOnce(&mut TestEnv) -> R) -> R {
        self.chain.with_env(f)
    }

    pub fn svm<R>(&self, f: impl FnOnce(&mut LiteSVM) -> R) -> R {
        self.client.backend().inner().with_svm(f)
    }

    pub fn slot(&self) -> u64 {
        self.svm(|svm| svm.get_sysvar::<solana_clock::Clock>().slot)
    }

    pub fn warp_to(&self, slot: u64) {
        self.svm(|svm| svm.warp_to_slot(slot));
    }

    pub fn sends(&self) -> usize {
        self.client.backend().sends()
    }

    pub fn simulations(&self) -> usize {
        self.client.backend().simulations()
    }

    /// The crank actions simulated since the `since`-th simulation, in order (by discriminator).
    pub fn simulated_since(&self, since: usize, job: &Job) -> Vec<CrankAction> {
        self.client.backend().simulated()[since..]
            .iter()
            .map(|transaction| {
                let last = transaction.message.instructions.last().expect("an instruction");
                let discriminator = &last.data[..last.data.len().min(8)];
                *CrankAction::ALL
                    .iter()
                    .find(|action| action.instruction(job).data.starts_with(discriminator))
                    .expect("a crank instruction")
            })
            .collect()
    }

    /// How many times the account at `address` was read on its own (`get_account`).
    pub fn reads(&self, address: &Address) -> usize {
        self.client.backend().reads_of(address)
    }

    /// The next simulation of a transaction naming `address` is refused by the program with
    /// `error`, nothing changed (as when another party's transaction got in between).
    pub fn refuse_next(&self, address: Address, error: edgerun::errors::EdgerunError) {
        let code = edgerun_sdk::client::edgerun_error_code(error);
        // Instruction 0 is the client's compute-unit limit; the crank instruction is 1.
        let error = TransactionError::InstructionError(1, InstructionError::Custom(code));
        self.client.backend().refuse_next_simulation(address, error);
    }

    /// Transactions naming any of `addresses`, and multiple-account reads of them, fail in
    /// transport from now on (replacing the previous set).
    pub fn make_unreachable(&self, addresses: &[Address]) {
        self.client.backend().make_unreachable(addresses);
    }

    /// Right before the next simulation of a transaction naming `address`, `act` runs on the chain.
    pub fn interfere(&self, address: Address, act: impl FnOnce(&mut LiteSVM) + Send + 'static) {
        let backend = self.client.backend().inner().clone();
        self.client.backend().before_next_simulation(address, move || backend.with_svm(act));
    }

    pub fn balance(&self, address: &Address) -> u64 {
        self.svm(|svm| svm.get_balance(address).unwrap_or(0))
    }

    pub fn job(&self, job_id: &[u8; 32]) -> Option<Job> {
        let address = pda::job_address(job_id);
        let account = self.svm(|svm| svm.get_account(&address))?;
        decode_account(&address, &account.owner, &account.data).expect("a Job account")
    }

    pub fn stake(&self, worker: &Address) -> WorkerStake {
        let address = pda::worker_stake_address(worker);
        let account = self.svm(|svm| svm.get_account(&address)).expect("a WorkerStake account");
        decode_account(&address, &account.owner, &account.data).expect("a WorkerStake").expect("not empty")
    }

    pub fn status(&self, job_id: &[u8; 32]) -> Option<JobStatus> {
        self.job(job_id).map(|job| job.status().expect("a status the program writes"))
    }

    /// What the crank judges the job by, read through the client now.
    pub async fn state(&self, job_id: &[u8; 32]) -> JobState {
        JobState::read(&self.client, job_id).await.expect("read the job").expect("the job exists")
    }

    pub async fn candidates(&self, job_id: &[u8; 32]) -> Vec<CrankAction> {
        self.state(job_id).await.candidates()
    }

    pub async fn explain(&self, job_id: &[u8; 32]) -> String {
        self.state(job_id).await.explain()
    }

    /// Every account `action`'s instruction names for the job, and the payer.
    pub fn snapshot(&self, job_id: &[u8; 32], action: CrankAction) -> Snapshot {
        let job = self.job(job_id).expect("the job exists");
        let mut addresses: Vec<Address> = action.instruction(&job).accounts.iter().map(|meta| meta.pubkey).collect();
        addresses.push(self.payer.pubkey());
        self.svm(|svm| {
            addresses
                .iter()
                .map(|address| {
                    let state = svm
                        .get_account(address)
                        .filter(|account| account.lamports > 0)
                        .map(|account| (account.lamports, account.owner, account.data));
                    (*address, state)
                })
                .collect()
        })
    }

    // ----- setting jobs up -----

    /// A job posted by a fresh client, not seeded.
    pub fn posted(&mut self) -> Posted {
        self.env(|env| {
            let client = env.new_actor(10 * SOL);
            let job = env.post_job(&client, ESCROW);
            Posted { job, client, workers: Vec::new() }
        })
    }

    /// A job assigned now to three fresh workers, then `results[i]` submitted by worker `i`.
    pub fn assigned(&mut self, results: [Option<[u8; 32]>; 3]) -> Posted {
        self.env(|env| {
            let client = env.new_actor(10 * SOL);
            let workers: Vec<Keypair> = (0..3).map(|_| env.new_worker(STAKE)).collect();
            let refs: Vec<&Keypair> = workers.iter().collect();
            let job = env.assigned_job(&client, ESCROW, &refs);
            for (worker, result) in workers.iter().zip(results) {
                if let Some(output) = result {
                    env.submit(&job, worker, output).expect("submit_result");
                }
            }
            Posted { job, client, workers }
        })
    }

    /// Sends `instructions` with the TestEnv's fee payer, which must succeed.
    pub fn send_ok(&mut self, instructions: &[solana_instruction::Instruction], signers: &[&Keypair]) {
        self.env(|env| {
            env.send_ok(instructions, signers);
        });
    }

    /// `reach_quorum` sent now (by someone else than the crank).
    pub fn reach_quorum(&mut self, posted: &Posted) {
        let committee = self.env(|env| env.committee(&posted.job));
        self.send_ok(&[edgerun_sdk::instructions::reach_quorum(&posted.job_id(), &committee)], &[]);
    }

    /// Worker `index` declares the honest output available now.
    pub fn declare(&mut self, posted: &Posted, index: usize) {
        let worker = posted.workers[index].insecure_clone();
        let instruction =
            edgerun_sdk::instructions::declare_output(&worker.pubkey(), &posted.job_id(), honest_output(), b"ptr");
        self.send_ok(&[instruction], &[&worker]);
    }

    /// Honest results from workers 0 and 1, quorum, output declared and finalized, all now.
    pub fn finalized(&mut self) -> Posted {
        let posted = self.assigned([Some(honest_output()), Some(honest_output()), None]);
        self.reach_quorum(&posted);
        self.declare(&posted, 0);
        let committee = self.env(|env| env.committee(&posted.job));
        self.send_ok(&[edgerun_sdk::instructions::finalize_job(&posted.job_id(), &committee)], &[]);
        posted
    }
}
