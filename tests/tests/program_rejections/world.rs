//! Shared fixture: `World` (a client, three staked workers), tier-0 amounts, authorities, `reject`.

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, instruction_error, TestEnv, TestJob};
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Tier 0 escrow: committee 3, quorum 2, lock 25_000_000 per worker.
pub(crate) const ESCROW: u64 = 50_000_000;
pub(crate) const STAKE: u64 = 100_000_000;
pub(crate) const LOCK: u64 = 25_000_000;
pub(crate) const PENALTY: u64 = 50_000;

pub(crate) struct World {
    pub(crate) env: TestEnv,
    pub(crate) client: Keypair,
    pub(crate) workers: Vec<Keypair>,
}

impl World {
    pub(crate) fn new() -> Self {
        let mut env = TestEnv::new();
        let client = env.new_actor(100_000_000_000);
        let workers = (0..3).map(|_| env.new_worker(STAKE)).collect();
        Self { env, client, workers }
    }

    pub(crate) fn addresses(&self) -> Vec<Address> {
        self.workers.iter().map(|w| w.pubkey()).collect()
    }

    pub(crate) fn post(&mut self) -> TestJob {
        let client = self.client.insecure_clone();
        self.env.post_job(&client, ESCROW)
    }

    pub(crate) fn assigned(&mut self) -> TestJob {
        let client = self.client.insecure_clone();
        let workers: Vec<Keypair> = self.workers.iter().map(|w| w.insecure_clone()).collect();
        let refs: Vec<&Keypair> = workers.iter().collect();
        self.env.assigned_job(&client, ESCROW, &refs)
    }

    /// Submits `outputs[i]` for worker i (`None`: silent).
    pub(crate) fn submit_all(&mut self, job: &TestJob, outputs: &[Option<[u8; 32]>]) {
        for (worker, output) in self.workers.iter().zip(outputs) {
            if let Some(output) = output {
                let result = self.env.submit(job, worker, *output);
                assert!(result.is_ok(), "submit: {:?}", result.err().map(|f| f.meta.logs));
            }
        }
    }

    /// Assigned job with the results submitted and quorum reached (status AwaitingDA).
    pub(crate) fn awaiting_da(&mut self, outputs: &[Option<[u8; 32]>]) -> TestJob {
        let job = self.assigned();
        self.submit_all(&job, outputs);
        self.env.send_ok(&[ix::reach_quorum(&job.job_id, &self.addresses())], &[]);
        assert_eq!(self.env.job(&job.job_id).status(), Ok(JobStatus::AwaitingDa));
        job
    }

    pub(crate) fn declare(&mut self, job: &TestJob, winner: usize) {
        let worker = self.workers[winner].insecure_clone();
        self.env.send_ok(&[ix::declare_output(&worker.pubkey(), &job.job_id, honest_output(), b"ptr")], &[&worker]);
    }

    /// Every PDA of `job` and its committee, and each member's wallet.
    pub(crate) fn watch(&self, job: &TestJob) -> Vec<Address> {
        let mut addresses = vec![
            pda::config_address(),
            pda::treasury_address(),
            pda::job_address(&job.job_id),
            pda::output_address(&job.job_id),
            job.client,
        ];
        for worker in self.addresses() {
            addresses.push(worker);
            addresses.push(pda::worker_stake_address(&worker));
            addresses.push(pda::job_result_address(&job.job_id, &worker));
        }
        addresses
    }

    #[track_caller]
    pub(crate) fn reject(
        &mut self,
        job: &TestJob,
        instructions: &[Instruction],
        signers: &[&Keypair],
        expected: EdgerunError,
    ) {
        let watch = self.watch(job);
        let result = self.env.send_rejected(instructions, signers, &watch);
        assert_error(&result, expected);
    }

    #[track_caller]
    pub(crate) fn reject_with(
        &mut self,
        job: &TestJob,
        instructions: &[Instruction],
        signers: &[&Keypair],
        expected: InstructionError,
    ) {
        let watch = self.watch(job);
        let result = self.env.send_rejected(instructions, signers, &watch);
        assert_eq!(instruction_error(&result), expected, "logs: {:#?}", result.err().map(|f| f.meta.logs));
    }
}

pub(crate) fn scheduler(env: &TestEnv) -> Keypair {
    env.scheduler.insecure_clone()
}

pub(crate) fn randomness(env: &TestEnv) -> Keypair {
    env.randomness.insecure_clone()
}

pub(crate) fn admin(env: &TestEnv) -> Keypair {
    env.admin.insecure_clone()
}
