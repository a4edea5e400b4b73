//! A LiteSVM world with the real Edgerun `.so`, its config initialized, and helpers that drive
//! every instruction through the SDK's builders. Every transaction is paid by a dedicated fee
//! payer, so each actor's balance moves by exactly what the protocol moves.

use anchor_lang::{AccountDeserialize, Discriminator};
use ed25519_dalek::SigningKey;
use edgerun::errors::EdgerunError;
use edgerun::instructions::{ConfigParams, PostJobArgs};
use edgerun::state::{GlobalConfig, Job, JobResult, OutputAvailability, Treasury, WorkerStake};
use edgerun_sdk::bundle::Limits;
use edgerun_sdk::client::LiteSvmBackend;
use edgerun_sdk::{attestation, instructions as ix, pda, submission};
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use litesvm::LiteSVM;
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub type TxResult = Result<TransactionMetadata, FailedTransactionMetadata>;

// The program, and its deployment under the upgradeable loader, come from the one test kit.
pub use edgerun_sdk::testkit::{set_upgrade_authority, svm_with_program};

/// Config used by the tests: small windows so deadlines are reachable, fees and penalties non-zero.
pub fn test_config(scheduler: &Address, randomness: &Address) -> ConfigParams {
    ConfigParams {
        scheduler_authority: *scheduler,
        randomness_authority: *randomness,
        protocol_fee_bps: 250,
        min_worker_stake_lamports: 1_000_000,
        challenge_window_slots: 100,
        da_window_slots: 50,
        non_response_slash_lamports: 50_000,
        committee_tiering_enabled: true,
        committee_size: 3,
        quorum: 2,
        max_memory_bytes: 64 * 1024 * 1024,
        max_instructions: 10_000_000_000,
        job_retention_slots: 1_000,
        allowed_runtime_root: [0u8; 32],
        paused: false,
        min_escrow_lamports: 1_000_000,
    }
}

/// The `index`-th deterministic test key: `blake3("edgerun-test-key" || index)` as Ed25519 seed.
pub fn test_keypair(index: u64) -> Keypair {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"edgerun-test-key");
    hasher.update(&index.to_le_bytes());
    Keypair::new_from_array(*hasher.finalize().as_bytes())
}

/// Custom error code of an Edgerun error (Anchor numbering, from 6000).
pub fn error_code(error: EdgerunError) -> u32 {
    match anchor_lang::prelude::ProgramError::from(error) {
        anchor_lang::prelude::ProgramError::Custom(code) => code,
        other => panic!("{error:?} is not a custom error: {other:?}"),
    }
}

/// The instruction error of a failed transaction.
pub fn instruction_error(result: &TxResult) -> InstructionError {
    match result {
        Ok(_) => panic!("transaction succeeded, an error was expected"),
        Err(failed) => match &failed.err {
            TransactionError::InstructionError(_, error) => error.clone(),
            other => panic!("transaction failed outside an instruction: {other:?}\n{:#?}", failed.meta.logs),
        },
    }
}

/// Asserts that `result` failed with `expected`.
#[track_caller]
pub fn assert_error(result: &TxResult, expected: EdgerunError) {
    let error = instruction_error(result);
    assert_eq!(
        error,
        InstructionError::Custom(error_code(expected)),
        "expected {expected:?}, got {error:?}; logs: {:#?}",
        result.as_ref().err().map(|failed| &failed.meta.logs)
    );
}

/// A posted job as the tests know it.
#[derive(Clone, Debug)]
pub struct TestJob {
    pub job_id: [u8; 32],
    pub bundle_hash: [u8; 32],
    pub runtime_id: [u8; 32],
    pub client: Address,
}

pub struct TestEnv {
    pub svm: LiteSVM,
    pub fee_payer: Keypair,
    pub admin: Keypair,
    pub scheduler: Keypair,
    pub randomness: Keypair,
    /// The config the world was initialized with.
    pub params: ConfigParams,
    nonce: u64,
    /// Keys handed out so far by [`TestEnv::keypair`].
    keys: u64,
}

impl TestEnv {
    /// A world with the program loaded and the test config initialized.
    pub fn new() -> Self {
        Self::with_config(|_| {})
    }

    pub fn with_config(adjust: impl FnOnce(&mut ConfigParams)) -> Self {
        let mut env = Self::uninitialized();
        adjust(&mut env.params);
        let admin = env.admin.insecure_clone();
        let params = env.params;
        env.send_ok(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin]);
        env
    }

    /// The program deployed under the upgradeable loader with the admin as its upgrade authority,
    /// the admin funded, the config not yet initialized.
    pub fn uninitialized() -> Self {
        let (admin, scheduler, randomness) = (test_keypair(1), test_keypair(2), test_keypair(3));
        let mut svm = svm_with_program(Some(&admin.pubkey()));
        let fee_payer = test_keypair(0);
        svm.airdrop(&fee_payer.pubkey(), 1_000_000_000_000).unwrap();
        let params = test_config(&scheduler.pubkey(), &randomness.pubkey());
        let mut env = Self { svm, fee_payer, admin, scheduler, randomness, params, nonce: 0, keys: 4 };
        env.fund(&env.admin.pubkey(), 10_000_000_000);
        env
    }

    /// An independent copy of this world (same accounts, same keys).
    pub fn fork(&self) -> Self {
        Self {
            svm: self.svm.clone(),
            fee_payer: self.fee_payer.insecure_clone(),
            admin: self.admin.insecure_clone(),
            scheduler: self.scheduler.insecure_clone(),
            randomness: self.randomness.insecure_clone(),
            params: self.params,
            nonce: self.nonce,
            keys: self.keys,
        }
    }

    /// Sends `instructions` in one transaction paid by the fee payer, signed by `signers` too.
    pub fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let fee_payer = self.fee_payer.insecure_clone();
        self.send_paid_by(&fee_payer, instructions, signers)
    }

    /// Like [`send`](Self::send) but with `payer` paying the fee (`meta.fee` of the result), as a
    /// worker or a customer that sends its own transactions does.
    pub fn send_paid_by(&mut self, payer: &Keypair, instructions: &[Instruction], signers: &[&Keypair]) -> TxResult {
        self.svm.expire_blockhash();
        let mut all: Vec<&Keypair> = vec![payer];
        for signer in signers {
            if !all.iter().any(|known| known.pubkey() == signer.pubkey()) {
                all.push(signer);
            }
        }
        let message = Message::new(instructions, Some(&payer.pubkey()));
        let tx = Transaction::new(&all, message, self.svm.latest_blockhash());
        self.svm.send_transaction(tx)
    }

    /// Like [`send`](Self::send) but panics with the logs on failure; returns the compute units.
    #[track_caller]
    pub fn send_ok(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> u64 {
        match self.send(instructions, signers) {
            Ok(meta) => meta.compute_units_consumed,
            Err(failed) => panic!("transaction failed: {:?}\n{:#?}", failed.err, failed.meta.logs),
        }
    }

    pub fn fund(&mut self, address: &Address, lamports: u64) {
        self.svm.airdrop(address, lamports).unwrap();
    }

    pub fn balance(&self, address: &Address) -> u64 {
        self.svm.get_balance(address).unwrap_or(0)
    }

    pub fn slot(&self) -> u64 {
        self.svm.get_sysvar::<solana_clock::Clock>().slot
    }

    pub fn warp_to(&mut self, slot: u64) {
        self.svm.warp_to_slot(slot);
    }

    pub fn warp_by(&mut self, slots: u64) {
        let slot = self.slot() + slots;
        self.warp_to(slot);
    }

    pub fn rent(&self, data_len: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(data_len)
    }

    /// Rent-exempt minimum of an Edgerun account of type `T` ([`account_len`]).
    pub fn rent_of<T>(&self) -> u64 {
        self.rent(account_len::<T>())
    }

    /// The rent reserve `post_job` takes for a committee of `committee_size`: one JobResult per
    /// member and one OutputAvailability, so that no worker fronts rent.
    pub fn rent_reserve(&self, committee_size: u8) -> u64 {
        u64::from(committee_size) * self.rent_of::<JobResult>() + self.rent_of::<OutputAvailability>()
    }

    /// Everything `post_job` takes from the customer: the Job's rent, the escrow, the reserve.
    pub fn job_capital(&self, committee_size: u8, escrow: u64) -> JobCapital {
        JobCapital { job_rent: self.rent_of::<Job>(), escrow, rent_reserve: self.rent_reserve(committee_size) }
    }

    /// Asserts the Job's lamports are exactly its rent, the escrow it still holds and what is left
    /// of its rent reserve.
    #[track_caller]
    pub fn assert_job_books(&self, job_id: &[u8; 32]) {
        let job = self.job(job_id);
        assert_eq!(
            self.balance(&pda::job_address(job_id)),
            self.rent_of::<Job>() + job.escrow_lamports.get() + job.rent_reserve(),
            "Job lamports != rent + escrow + rent reserve"
        );
    }

    /// Warps to the end of the job's retention window and closes it (`close_job`); returns the
    /// compute units.
    #[track_caller]
    pub fn close_after_retention(&mut self, job_id: &[u8; 32]) -> u64 {
        let job = self.job(job_id);
        let closable = job.ended_slot.get() + job.retention_slots.get();
        if self.slot() < closable {
            self.warp_to(closable);
        }
        self.send_ok(&[ix::close_job(&job)], &[])
    }

    /// Decodes a zero-copy Edgerun account, `None` if it does not exist.
    pub fn account<T: AccountDeserialize + Discriminator>(&self, address: &Address) -> Option<T> {
        let account = self.svm.get_account(address)?;
        if account.data.is_empty() {
            return None;
        }
        assert_eq!(account.owner, edgerun::ID, "{address} is not owned by the program");
        Some(T::try_deserialize(&mut account.data.as_slice()).expect("decode account"))
    }

    pub fn config(&self) -> GlobalConfig {
        self.account(&pda::config_address()).expect("config")
    }

    pub fn treasury(&self) -> Treasury {
        self.account(&pda::treasury_address()).expect("treasury")
    }

    pub fn job(&self, job_id: &[u8; 32]) -> Job {
        self.account(&pda::job_address(job_id)).expect("job")
    }

    pub fn stake(&self, worker: &Address) -> WorkerStake {
        self.account(&pda::worker_stake_address(worker)).expect("worker stake")
    }

    pub fn job_result(&self, job_id: &[u8; 32], worker: &Address) -> Option<JobResult> {
        self.account(&pda::job_result_address(job_id, worker))
    }

    pub fn output(&self, job_id: &[u8; 32]) -> Option<OutputAvailability> {
        self.account(&pda::output_address(job_id))
    }

    /// A funded account.
    pub fn new_actor(&mut self, lamports: u64) -> Keypair {
        let actor = self.keypair();
        self.fund(&actor.pubkey(), lamports);
        actor
    }

    /// A registered worker with `stake` lamports staked.
    pub fn new_worker(&mut self, stake: u64) -> Keypair {
        let worker = self.new_actor(stake + 1_000_000_000);
        self.send_ok(&[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), stake)], &[&worker]);
        worker
    }

    /// A fresh key of this world. Keys are derived from a counter, so every run of the same test
    /// uses the same keys: PDA bump searches, and so compute units, repeat exactly.
    pub fn keypair(&mut self) -> Keypair {
        self.keys += 1;
        test_keypair(self.keys)
    }

    pub fn next_nonce(&mut self) -> u64 {
        self.nonce += 1;
        self.nonce
    }

    /// Arguments of a fresh job by `client` (distinct bundle per call).
    pub fn job_args(&mut self, client: &Address, escrow_lamports: u64) -> PostJobArgs {
        let nonce = self.next_nonce();
        let bundle_hash = *blake3::hash(&nonce.to_le_bytes()).as_bytes();
        let runtime_id = *blake3::hash(b"edgerun-test-runtime").as_bytes();
        let limits = Limits { max_memory_bytes: 16 * 1024 * 1024, max_instructions: 1_000_000 };
        submission::post_job_args(client, bundle_hash, runtime_id, limits, escrow_lamports, nonce)
    }

    pub fn post_job(&mut self, client: &Keypair, escrow_lamports: u64) -> TestJob {
        let args = self.job_args(&client.pubkey(), escrow_lamports);
        let job = TestJob {
            job_id: args.job_id,
            bundle_hash: args.bundle_hash,
            runtime_id: args.runtime_id,
            client: client.pubkey(),
        };
        self.send_ok(&[ix::post_job(&client.pubkey(), args)], &[client]);
        job
    }

    pub fn seed(&mut self, job: &TestJob) {
        let randomness = self.randomness.insecure_clone();
        self.send_ok(&[ix::set_job_seed(&randomness.pubkey(), &job.job_id, [7u8; 32])], &[&randomness]);
    }

    pub fn assign(&mut self, job: &TestJob, workers: &[&Keypair]) -> TxResult {
        let scheduler = self.scheduler.insecure_clone();
        let addresses: Vec<Address> = workers.iter().map(|worker| worker.pubkey()).collect();
        self.send(&[ix::assign_workers(&scheduler.pubkey(), &job.job_id, &addresses)], &[&scheduler])
    }

    /// `settle_input_unavailable` of `job` over its current committee (permissionless).
    pub fn settle_input_unavailable(&mut self, job: &TestJob) -> TxResult {
        let committee = self.committee(job);
        self.send(&[ix::settle_input_unavailable(&job.job_id, &job.client, &committee)], &[])
    }

    /// The attestation + submit_result pair for `worker` reporting `output_hash`.
    pub fn submit_instructions(&self, job: &TestJob, worker: &Keypair, output_hash: [u8; 32]) -> [Instruction; 2] {
        let key = SigningKey::from_bytes(worker.secret_bytes());
        let digest = attestation::result_digest(&job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
        let signature = attestation::sign_result(&key, &job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
        [
            attestation::attestation_instruction(worker.pubkey().as_array(), &digest, &signature),
            ix::submit_result(&worker.pubkey(), &job.job_id, output_hash, signature),
        ]
    }

    pub fn submit(&mut self, job: &TestJob, worker: &Keypair, output_hash: [u8; 32]) -> TxResult {
        let instructions = self.submit_instructions(job, worker, output_hash);
        self.send(&instructions, &[worker])
    }

    /// Posts, seeds and assigns a job to `workers` (escrow picks the tier; `workers` must match it).
    pub fn assigned_job(&mut self, client: &Keypair, escrow: u64, workers: &[&Keypair]) -> TestJob {
        let job = self.post_job(client, escrow);
        self.seed(&job);
        let result = self.assign(&job, workers);
        assert!(result.is_ok(), "assign_workers: {:?}", result.err().map(|failed| failed.meta.logs));
        job
    }

    pub fn committee(&self, job: &TestJob) -> Vec<Address> {
        self.job(&job.job_id).committee().to_vec()
    }
}

/// One chain for a [`TestEnv`] (what a test does, through the program tests' helpers) and the
/// client's [`LiteSvmBackend`] (what the code under test reads and sends): the SVM lives in the
/// backend and is lent to the env for each step, so both always act on the same, single chain.
pub struct SharedChain {
    env: std::sync::Mutex<TestEnv>,
    backend: LiteSvmBackend,
}

impl SharedChain {
    pub fn new(mut env: TestEnv) -> Self {
        let svm = std::mem::replace(&mut env.svm, LiteSVM::new());
        SharedChain { env: std::sync::Mutex::new(env), backend: LiteSvmBackend::new(svm) }
    }

    /// The backend over this chain (clones share it).
    pub fn backend(&self) -> &LiteSvmBackend {
        &self.backend
    }

    /// Runs `f` on the env with the chain lent to it.
    pub fn with_env<R>(&self, f: impl FnOnce(&mut TestEnv) -> R) -> R {
        let mut env = self.env.lock().expect("the test env");
        self.backend.with_svm(|svm| std::mem::swap(svm, &mut env.svm));
        let result = f(&mut env);
        self.backend.with_svm(|svm| std::mem::swap(svm, &mut env.svm));
        result
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

/// Space of an Edgerun account of type `T`: its 8-byte discriminator and its body.
pub fn account_len<T>() -> usize {
    8 + std::mem::size_of::<T>()
}

/// What a customer's job takes from its wallet at `post_job`, by purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobCapital {
    /// Rent-exempt minimum of the Job account.
    pub job_rent: u64,
    pub escrow: u64,
    /// Rent of the committee's JobResults and of the OutputAvailability, held by the Job.
    pub rent_reserve: u64,
}

impl JobCapital {
    pub fn total(&self) -> u64 {
        self.job_rent + self.escrow + self.rent_reserve
    }
}

/// The result a member attests when it could not obtain the job's input.
pub const INPUT_UNAVAILABLE: [u8; 32] = edgerun::constants::INPUT_UNAVAILABLE_OUTPUT_HASH;

/// Output hash used by honest workers in the tests.
pub fn honest_output() -> [u8; 32] {
    *blake3::hash(b"the right answer").as_bytes()
}

/// Output hash used by lying workers in the tests.
pub fn wrong_output() -> [u8; 32] {
    *blake3::hash(b"a wrong answer").as_bytes()
}

/// Lamports, owner and data of a set of accounts (`None`: no account, or an empty one with no
/// lamports), taken before a transaction that must be rejected.
pub type AccountSnapshot = Vec<(Address, Option<(u64, Address, Vec<u8>)>)>;

impl TestEnv {
    /// Snapshot of `addresses` (see [`AccountSnapshot`]).
    pub fn snapshot(&self, addresses: &[Address]) -> AccountSnapshot {
        addresses
            .iter()
            .map(|address| {
                let state = self
                    .svm
                    .get_account(address)
                    .filter(|account| account.lamports > 0)
                    .map(|account| (account.lamports, account.owner, account.data));
                (*address, state)
            })
            .collect()
    }

    /// Asserts every account of `before` is exactly as it was.
    #[track_caller]
    pub fn assert_unchanged(&self, before: &AccountSnapshot) {
        let addresses: Vec<Address> = before.iter().map(|(address, _)| *address).collect();
        let after = self.snapshot(&addresses);
        for ((address, old), (_, new)) in before.iter().zip(after.iter()) {
            assert!(old == new, "account {address} changed: {old:?} -> {new:?}");
        }
    }

    /// Sends a transaction that must fail and must change nothing: every account it names (but
    /// the fee payer) and every address in `extra` is compared before and after. Returns the
    /// failed result for the caller to assert the exact error.
    #[track_caller]
    pub fn send_rejected(&mut self, instructions: &[Instruction], signers: &[&Keypair], extra: &[Address]) -> TxResult {
        let fee_payer = self.fee_payer.pubkey();
        let mut addresses: Vec<Address> = extra.to_vec();
        for instruction in instructions {
            for meta in &instruction.accounts {
                if meta.pubkey != fee_payer && !addresses.contains(&meta.pubkey) {
                    addresses.push(meta.pubkey);
                }
            }
        }
        for signer in signers {
            if signer.pubkey() != fee_payer && !addresses.contains(&signer.pubkey()) {
                addresses.push(signer.pubkey());
            }
        }
        let before = self.snapshot(&addresses);
        let result = self.send(instructions, signers);
        assert!(result.is_err(), "transaction succeeded, a rejection was expected");
        self.assert_unchanged(&before);
        result
    }
}
