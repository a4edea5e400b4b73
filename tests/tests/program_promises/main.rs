//! What a job promised at posting holds until it ends, and no honest worker pays: each attack on
//! timing or on a privileged party acting after the fact, tried on the real `.so` and shown to fail.
//!
//! - `early_quorum`: a member cut off by an early quorum, or whose deadline is ahead, loses nothing.
//! - `terms`: fee, penalty and windows are the job's own; the config's are bounded.
//! - `reassignment`: nobody is replaced before its own deadline; DA-failed members can be, so
//!   a new quorum can still form after `cancel_no_da`.
//! - `penalties`: the penalty comes from the job's lock and is marked only when paid.
//! - `refunds`: releasing locks never depends on the customer's wallet; dust jobs are refused.
//! - `admin`: only the upgrade authority initializes; the admin role moves in two steps.
//! - `rent`: no worker fronts rent: the customer's rent reserve pays for every JobResult and the
//!   OutputAvailability, and every lamport of it comes back to the customer at `close_job`.
//! - `input_unavailable`: a quorum that could not obtain the input ends the job with a refund and
//!   costs no member that answered; a marker that loses to a real output is slashed.
//! - `capacity`: a worker declares what its machine runs, only for itself, never zero.
//! - `submissions`: who answered is readable from the job (`submitted_mask`).

mod admin;
mod capacity;
mod early_quorum;
mod input_unavailable;
mod penalties;
mod reassignment;
mod refunds;
mod rent;
mod submissions;
mod terms;

use anchor_lang::Event;
use base64::Engine as _;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{honest_output, TestEnv, TestJob};
use litesvm::types::TransactionMetadata;
use solana_address::Address;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Tier 0 escrow: committee 3, quorum 2, lock 25_000_000 per worker.
pub const ESCROW: u64 = 50_000_000;
pub const STAKE: u64 = 100_000_000;
pub const LOCK: u64 = 25_000_000;
/// `test_config`'s non-response penalty.
pub const PENALTY: u64 = 50_000;

/// A test world: the program, a funded client and `workers` staked workers.
pub struct World {
    pub env: TestEnv,
    pub client: Keypair,
    pub workers: Vec<Keypair>,
}

impl World {
    pub fn new(workers: usize) -> Self {
        Self::with_env(TestEnv::new(), workers)
    }

    pub fn with_env(mut env: TestEnv, workers: usize) -> Self {
        let client = env.new_actor(100_000_000_000);
        let workers = (0..workers).map(|_| env.new_worker(STAKE)).collect();
        Self { env, client, workers }
    }

    pub fn address(&self, worker: usize) -> Address {
        self.workers[worker].pubkey()
    }

    pub fn scheduler(&self) -> Keypair {
        self.env.scheduler.insecure_clone()
    }

    /// `reassign_missing` of worker `missing` by worker `replacement`, signed by the scheduler.
    pub fn reassign(&self, job: &TestJob, missing: usize, replacement: usize) -> Instruction {
        let scheduler = self.env.scheduler.pubkey();
        ix::reassign_missing(&scheduler, &job.job_id, &self.address(missing), &self.address(replacement))
    }

    /// A job assigned to workers 0, 1, 2.
    pub fn assigned(&mut self) -> TestJob {
        let client = self.client.insecure_clone();
        let committee: Vec<Keypair> = self.workers[..3].iter().map(|w| w.insecure_clone()).collect();
        let refs: Vec<&Keypair> = committee.iter().collect();
        self.env.assigned_job(&client, ESCROW, &refs)
    }

    #[track_caller]
    pub fn submit(&mut self, job: &TestJob, worker: usize, output: [u8; 32]) {
        let worker = self.workers[worker].insecure_clone();
        let result = self.env.submit(job, &worker, output);
        assert!(result.is_ok(), "submit: {:?}", result.err().map(|f| f.meta.logs));
    }

    pub fn committee(&self, job: &TestJob) -> Vec<Address> {
        self.env.committee(job)
    }

    #[track_caller]
    pub fn reach_quorum(&mut self, job: &TestJob) {
        let committee = self.committee(job);
        self.env.send_ok(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
    }

    /// Worker `publisher` declares the honest output.
    #[track_caller]
    pub fn declare(&mut self, job: &TestJob, publisher: usize) {
        let worker = self.workers[publisher].insecure_clone();
        self.env.send_ok(&[ix::declare_output(&worker.pubkey(), &job.job_id, honest_output(), b"ptr")], &[&worker]);
    }

    #[track_caller]
    pub fn finalize(&mut self, job: &TestJob) {
        let committee = self.committee(job);
        self.env.send_ok(&[ix::finalize_job(&job.job_id, &committee)], &[]);
    }

    /// (total, locked, penalized, missed) of worker `index`'s stake.
    pub fn stake(&self, index: usize) -> (u64, u64, u64, u64) {
        stake_of(&self.env, &self.address(index))
    }
}

/// The events a transaction emitted, in order, as logged (`Program data: ` + base64).
pub fn logged_events(meta: &TransactionMetadata) -> Vec<String> {
    meta.logs.iter().filter_map(|line| line.strip_prefix("Program data: ")).map(str::to_owned).collect()
}

/// How `event` appears in the logs.
pub fn encoded<E: Event>(event: &E) -> String {
    base64::engine::general_purpose::STANDARD.encode(event.data())
}

/// (total, locked, penalized, missed) of `worker`'s stake.
pub fn stake_of(env: &TestEnv, worker: &Address) -> (u64, u64, u64, u64) {
    let stake = env.stake(worker);
    (stake.total_stake.get(), stake.locked_stake.get(), stake.penalized_lamports.get(), stake.jobs_missed.get())
}
