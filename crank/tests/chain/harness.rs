//! The chain the crank tests run on: the real `.so` in LiteSVM through the SDK's
//! [`LiteSvmBackend`], behind a [`Harness`] backend that counts what is sent and can play the
//! rest of the world (another cranker acting first, a node that stops answering for one job).
//!
//! Jobs are set up with the program-test harness (`edgerun_tests::svm::TestEnv`) on the same
//! chain as the backend's (`edgerun_tests::svm::SharedChain`, [`World::env`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use edgerun::state::{Job, JobStatus, WorkerStake};
use edgerun_crank::{CrankAction, JobState};
use edgerun_sdk::accounts::decode_account;
use edgerun_sdk::client::{
    BackendError, BackendResult, ChainBackend, ClientConfig, Confirmed, EdgerunClient, LiteSvmBackend, Memcmp,
    RetryPolicy, Simulation,
};
use edgerun_sdk::pda;
use edgerun_tests::svm::{honest_output, SharedChain, TestEnv, TestJob};
use litesvm::LiteSVM;
use solana_account::Account;
use solana_address::Address;
use solana_hash::Hash;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub const SOL: u64 = 1_000_000_000;
/// Tier 0: a committee of 3, quorum 2; each member locks 15_000_000.
pub const ESCROW: u64 = 30_000_000;
pub const STAKE: u64 = 100_000_000;

/// Something another party does to the chain right before the crank's simulation of a
/// transaction that names `address`.
type Interference = (Address, Box<dyn FnOnce(&mut LiteSVM) + Send>);

pub struct Harness {
    pub inner: LiteSvmBackend,
    sends: AtomicUsize,
    simulations: AtomicUsize,
    /// The discriminator of the last instruction of every transaction simulated, in order.
    simulated: Mutex<Vec<Vec<u8>>>,
    /// `get_account` calls, by address.
    reads: Mutex<HashMap<Address, usize>>,
    /// The next simulation of a transaction naming the address is answered with the error,
    /// without running: what a node says when another party changed the chain in between.
    refusal: Mutex<Option<(Address, TransactionError)>>,
    /// Transactions naming one of these addresses, and reads of them, fail in transport.
    unreachable: Mutex<Vec<Address>>,
    interference: Mutex<Option<Interference>>,
}

impl Harness {
    fn touches(transaction: &Transaction, address: &Address) -> bool {
        transaction.message.account_keys.contains(address)
    }

    fn cut_off<'a>(&self, mut addresses: impl Iterator<Item = &'a Address>) -> BackendResult<()> {
        let unreachable = self.unreachable.lock().unwrap();
        if addresses.any(|address| unreachable.contains(address)) {
            return Err(BackendError::Transport("injected: the node does not answer for this account".into()));
        }
        Ok(())
    }
}

impl ChainBackend for Harness {
    async fn get_account(&self, address: &Address) -> BackendResult<Option<Account>> {
        *self.reads.lock().unwrap().entry(*address).or_default() += 1;
        self.inner.get_account(address).await
    }

    async fn get_multiple_accounts(&self, addresses: &[Address]) -> BackendResult<Vec<Option<Account>>> {
        self.cut_off(addresses.iter())?;
        self.inner.get_multiple_accounts(addresses).await
    }

    async fn get_program_accounts(
        &self,
        program: &Address,
        filters: &[Memcmp],
    ) -> BackendResult<Vec<(Address, Account)>> {
        self.inner.get_program_accounts(program, filters).await
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.inner.latest_blockhash().await
    }

    async fn simulate(&self, transaction: &Transaction) -> BackendResult<Simulation> {
        self.cut_off(transaction.message.account_keys.iter())?;
        self.simulations.fetch_add(1, Ordering::SeqCst);
        if let Some(last) = transaction.message.instructions.last() {
            self.simulated.lock().unwrap().push(last.data.iter().take(8).copied().collect());
        }
        let refusal = {
            let mut pending = self.refusal.lock().unwrap();
            match pending.take() {
                Some((address, error)) if Self::touches(transaction, &address) => Some(error),
                other => {
                    *pending = other;
                    None
                }
            }
        };
        if let Some(error) = refusal {
            return Ok(Simulation { result: Err(error), logs: Vec::new(), units_consumed: None });
        }
        let interference = {
            let mut pending = self.interference.lock().unwrap();
            match pending.take() {
                Some((address, act)) if Self::touches(transaction, &address) => Some(act),
                other => {
                    *pending = other;
                    None
                }
            }
        };
        if let Some(act) = interference {
            self.inner.with_svm(act);
        }
        self.inner.simulate(transaction).await
    }

    async fn send(&self, transaction: &Transaction) -> BackendResult<Signature> {
        self.cut_off(transaction.message.account_keys.iter())?;
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send(transaction).await
    }

    async fn signature_status(&self, signature: &Signature) -> BackendResult<Option<Confirmed>> {
        self.inner.signature_status(signature).await
    }

    async fn transaction_logs(&self, signature: &Signature) -> BackendResult<Option<Vec<String>>> {
        self.inner.transaction_logs(signature).await
    }

    async fn slot(&self) -> BackendResult<u64> {
        self.inner.slot().await
    }

    async fn airdrop(&self, to: &Address, lamports: u64) -> BackendResult<Signature> {
        self.inner.airdrop(to, lamports).await
    }
}

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
    pub client: EdgerunClient<Harness>,
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
        let harness = Harness {
            inner: chain.backend().clone(),
            sends: AtomicUsize::new(0),
            simulations: AtomicUsize::new(0),
            simulated: Mutex::new(Vec::new()),
            reads: Mutex::new(HashMap::new()),
            refusal: Mutex::new(None),
            unreachable: Mutex::new(Vec::new()),
            interference: Mutex::new(None),
        };
        // No retries: the suite checks what happens, never waits for backoff.
        let config = ClientConfig {
            retry: RetryPolicy { max_retries: 0, min_delay: Duration::ZERO, max_delay: Duration::ZERO },
            ..ClientConfig::default()
        };
        World { chain, client: EdgerunClient::new(harness, config), payer }
    }

    /// Runs `f` on the TestEnv with the chain swapped in.
    pub fn env<R>(&mut self, f: impl FnOnce(&mut TestEnv) -> R) -> R {
        self.chain.with_env(f)
    }

    pub fn svm<R>(&self, f: impl FnOnce(&mut LiteSVM) -> R) -> R {
        self.client.backend().inner.with_svm(f)
    }

    pub fn slot(&self) -> u64 {
        self.svm(|svm| svm.get_sysvar::<solana_clock::Clock>().slot)
    }

    pub fn warp_to(&self, slot: u64) {
        self.svm(|svm| svm.warp_to_slot(slot));
    }

    pub fn sends(&self) -> usize {
        self.client.backend().sends.load(Ordering::SeqCst)
    }

    pub fn simulations(&self) -> usize {
        self.client.backend().simulations.load(Ordering::SeqCst)
    }

    /// The crank actions simulated since the `since`-th simulation, in order (by discriminator).
    pub fn simulated_since(&self, since: usize, job: &Job) -> Vec<CrankAction> {
        let simulated = self.client.backend().simulated.lock().unwrap();
        simulated[since..]
            .iter()
            .map(|discriminator| {
                *CrankAction::ALL
                    .iter()
                    .find(|action| action.instruction(job).data.starts_with(discriminator))
                    .expect("a crank instruction")
            })
            .collect()
    }

    /// How many times the account at `address` was read on its own (`get_account`).
    pub fn reads(&self, address: &Address) -> usize {
        self.client.backend().reads.lock().unwrap().get(address).copied().unwrap_or(0)
    }

    /// The next simulation of a transaction naming `address` is refused by the program with
    /// `error`, nothing changed (as when another party's transaction got in between).
    pub fn refuse_next(&self, address: Address, error: edgerun::errors::EdgerunError) {
        let code = edgerun_sdk::client::edgerun_error_code(error);
        // Instruction 0 is the client's compute-unit limit; the crank instruction is 1.
        let error = TransactionError::InstructionError(1, InstructionError::Custom(code));
        *self.client.backend().refusal.lock().unwrap() = Some((address, error));
    }

    /// Transactions naming any of `addresses`, and multiple-account reads of them, fail in
    /// transport from now on (replacing the previous set).
    pub fn make_unreachable(&self, addresses: &[Address]) {
        *self.client.backend().unreachable.lock().unwrap() = addresses.to_vec();
    }

    /// Right before the next simulation of a transaction naming `address`, `act` runs on the chain.
    pub fn interfere(&self, address: Address, act: impl FnOnce(&mut LiteSVM) + Send + 'static) {
        *self.client.backend().interference.lock().unwrap() = Some((address, Box::new(act)));
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
