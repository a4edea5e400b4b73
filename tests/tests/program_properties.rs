//! Property test: random sequences of every instruction by random actors (clients, honest, lying,
//! input-less and silent workers, cranks, strangers sending lamports to a job's addresses, slot
//! warps, the admin changing the config under running jobs) on the real `.so`. After every step:
//! no lamport created or lost; every Job holds exactly its rent, its escrow and its rent reserve
//! (and what strangers sent it); the reserve and the accounts it paid for add up to what was
//! posted; worker wallets never move (the fee payer pays the fees, the reserve the rent); each
//! customer's wallet is exactly what it put in, less the escrow paid out, plus its refunds and
//! everything `close_job` returned; stake locks add up, escrow and treasury books balance, no
//! (job, worker) is ever paid, slashed or penalized twice, a member whose deadline has not passed
//! is never penalized, a job's fee and penalty are those it was posted with, and the
//! input-unavailable marker never wins an output.

use anchor_lang::Discriminator;
use base64::Engine as _;
use edgerun::events::{JobCancelled, WorkerPaid, WorkerPenalized, WorkerSlashed};
use edgerun::instructions::ConfigParams;
use edgerun::state::{Job, JobStatus, Treasury, WorkerStake};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{honest_output, wrong_output, JobCapital, TestEnv, TestJob, TxResult, INPUT_UNAVAILABLE};
use proptest::prelude::*;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

const WORKERS: usize = 7;
const CLIENTS: usize = 2;
const WORKER_STAKE: u64 = 400_000_000;

/// What a member answers.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Honest,
    Wrong,
    /// `INPUT_UNAVAILABLE_OUTPUT_HASH`: it could not obtain the input.
    Unavailable,
}

impl Answer {
    fn output(self) -> [u8; 32] {
        match self {
            Answer::Honest => honest_output(),
            Answer::Wrong => wrong_output(),
            Answer::Unavailable => INPUT_UNAVAILABLE,
        }
    }
}

/// An address of a job a stranger can send lamports to.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The JobResult PDA of pool worker `n` (a member or not, submitted or not).
    Result(usize),
    Output,
    Job,
}

/// One step of a sequence. `Step` is the job's natural next instruction (seed, assign, the next
/// member's answer, the quorum or the input-unavailable settlement, the declaration, finalize,
/// close), so that random sequences reach every ending.
#[derive(Clone, Debug)]
enum Action {
    Post { client: usize, large: bool, extra: u64 },
    Seed { job: usize },
    Assign { job: usize, offset: usize },
    Submit { job: usize, member: usize, answer: Answer },
    Quorum { job: usize },
    Declare { job: usize, member: usize },
    Finalize { job: usize },
    Penalize { job: usize },
    Reassign { job: usize, member: usize, replacement: usize },
    CancelNoDa { job: usize },
    CancelExpired { job: usize },
    SettleInputUnavailable { job: usize },
    Cancel { job: usize, by_client: bool },
    Close { job: usize },
    Prefund { job: usize, target: Target, amount: u64 },
    SetCapacity { worker: usize, jobs: u16, speed: u64 },
    Step { job: usize, answer: Answer, offset: usize },
    Warp { slots: u64 },
    Deposit { worker: usize, amount: u64 },
    Withdraw { worker: usize, amount: u64 },
    WithdrawTreasury { amount: u64 },
    UpdateConfig { fee_bps: u16, penalty: u64, challenge_window: u64, da_window: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    // Mostly the first jobs and the first members, so that sequences reach quorums, settlements
    // and closes; any job and any slot now and then.
    let job = prop_oneof![3 => 0usize..2, 1 => 0usize..8];
    let member = || prop_oneof![3 => 0usize..3, 1 => 0usize..9];
    prop_oneof![
        3 => (0..CLIENTS, any::<bool>(), 0u64..1_000_000).prop_map(|(client, large, extra)| Action::Post { client, large, extra }),
        3 => job.clone().prop_map(|job| Action::Seed { job }),
        3 => (job.clone(), 0..WORKERS).prop_map(|(job, offset)| Action::Assign { job, offset }),
        8 => (job.clone(), member(), answer()).prop_map(|(job, member, answer)| Action::Submit { job, member, answer }),
        3 => job.clone().prop_map(|job| Action::Quorum { job }),
        2 => (job.clone(), member()).prop_map(|(job, member)| Action::Declare { job, member }),
        3 => job.clone().prop_map(|job| Action::Finalize { job }),
        2 => job.clone().prop_map(|job| Action::Penalize { job }),
        2 => (job.clone(), member(), 0..WORKERS).prop_map(|(job, member, replacement)| Action::Reassign { job, member, replacement }),
        1 => job.clone().prop_map(|job| Action::CancelNoDa { job }),
        1 => job.clone().prop_map(|job| Action::CancelExpired { job }),
        2 => job.clone().prop_map(|job| Action::SettleInputUnavailable { job }),
        1 => (job.clone(), prop::bool::weighted(0.8)).prop_map(|(job, by_client)| Action::Cancel { job, by_client }),
        2 => job.clone().prop_map(|job| Action::Close { job }),
        1 => (job.clone(), target(), prop_oneof![Just(1u64), 890_880u64..4_000_000]).prop_map(|(job, target, amount)| Action::Prefund { job, target, amount }),
        1 => (0..WORKERS, 0u16..3, 0u64..3).prop_map(|(worker, jobs, speed)| Action::SetCapacity { worker, jobs, speed }),
        4 => prop_oneof![0u64..30, 40u64..260, 900u64..1200].prop_map(|slots| Action::Warp { slots }),
        12 => (job.clone(), answer(), 0..WORKERS).prop_map(|(job, answer, offset)| Action::Step { job, answer, offset }),
        1 => (0..WORKERS, 1u64..100_000_000).prop_map(|(worker, amount)| Action::Deposit { worker, amount }),
        1 => (0..WORKERS, 1u64..500_000_000).prop_map(|(worker, amount)| Action::Withdraw { worker, amount }),
        1 => (1u64..50_000_000).prop_map(|amount| Action::WithdrawTreasury { amount }),
        1 => (0u16..=10_000, 1u64..=1_000_000, 2u64..300, 1u64..100).prop_map(|(fee_bps, penalty, challenge_window, da_window)| {
            Action::UpdateConfig { fee_bps, penalty, challenge_window, da_window }
        }),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![6 => Just(Answer::Honest), 2 => Just(Answer::Wrong), 3 => Just(Answer::Unavailable)]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![4 => (0..WORKERS).prop_map(Target::Result), 1 => Just(Target::Output), 1 => Just(Target::Job)]
}

/// The world every sequence starts from: config, clients and a pool of staked workers.
struct Base {
    env: TestEnv,
    clients: Vec<Keypair>,
    workers: Vec<Keypair>,
    treasury_recipient: Keypair,
    stranger: Keypair,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut env = TestEnv::new();
        let clients = (0..CLIENTS).map(|_| env.new_actor(50_000_000_000)).collect();
        let workers = (0..WORKERS).map(|_| env.new_worker(WORKER_STAKE)).collect();
        let treasury_recipient = env.new_actor(1_000_000_000);
        let stranger = env.new_actor(1_000_000_000_000);
        Base { env, clients, workers, treasury_recipient, stranger }
    })
}

/// What the test knows of a posted job, beside its account.
struct Posted {
    client: usize,
    capital: JobCapital,
    /// Lamports strangers sent to the Job PDA.
    donated_to_job: u64,
    /// Lamports strangers sent to the job's JobResult and OutputAvailability PDAs.
    prefunded: u64,
    /// Escrow refunded to the client (`JobCancelled`).
    refunded: u64,
    closed: bool,
}

struct World {
    env: TestEnv,
    clients: Vec<Keypair>,
    workers: Vec<Keypair>,
    treasury_recipient: Keypair,
    stranger: Keypair,
    jobs: Vec<TestJob>,
    /// Every job posted successfully, by id.
    posted: BTreeMap<[u8; 32], Posted>,
    /// JobResult and OutputAvailability addresses strangers sent lamports to (while no program
    /// account is there, their lamports count in the books as they are).
    prefunded_addresses: BTreeSet<Address>,
    /// What each client's wallet must hold.
    client_balances: Vec<u64>,
    /// What each worker's wallet must hold: it moves by deposits and withdrawals only.
    worker_wallets: Vec<u64>,
    /// Every actor whose lamports the books include (the fee payer is not: it pays fees).
    actors: Vec<Address>,
    total_lamports: u64,
    paid: HashSet<([u8; 32], Address)>,
    slashed: HashSet<([u8; 32], Address)>,
    penalized: HashSet<([u8; 32], Address)>,
    paid_total: u64,
    slashed_total: u64,
    penalized_total: u64,
    /// (fee bps, penalty) of the config when each job was posted, by job id.
    posted_terms: BTreeMap<[u8; 32], (u16, u64)>,
    /// The treasury's `fees_collected` before the action being applied.
    fees_before: u64,
}

impl World {
    fn new() -> Self {
        let base = base();
        let env = base.env.fork();
        let clients: Vec<Keypair> = base.clients.iter().map(|k| k.insecure_clone()).collect();
        let workers: Vec<Keypair> = base.workers.iter().map(|k| k.insecure_clone()).collect();
        let treasury_recipient = base.treasury_recipient.insecure_clone();
        let stranger = base.stranger.insecure_clone();
        let mut actors: Vec<Address> = clients.iter().chain(&workers).map(|k| k.pubkey()).collect();
        actors.extend([treasury_recipient.pubkey(), env.admin.pubkey(), stranger.pubkey()]);
        let client_balances = clients.iter().map(|k| env.balance(&k.pubkey())).collect();
        let worker_wallets = workers.iter().map(|k| env.balance(&k.pubkey())).collect();
        let mut world = Self {
            env,
            clients,
            workers,
            treasury_recipient,
            stranger,
            jobs: Vec::new(),
            posted: BTreeMap::new(),
            prefunded_addresses: BTreeSet::new(),
            client_balances,
            worker_wallets,
            actors,
            total_lamports: 0,
            paid: HashSet::new(),
            slashed: HashSet::new(),
            penalized: HashSet::new(),
            paid_total: 0,
            slashed_total: 0,
            penalized_total: 0,
            posted_terms: BTreeMap::new(),
            fees_before: 0,
        };
        world.total_lamports = world.books_total();
        world
    }

    fn books_total(&self) -> u64 {
        let wallets: u64 = self.actors.iter().map(|a| self.env.balance(a)).sum();
        let program: u64 = self.env.svm.get_program_accounts(&edgerun::ID).iter().map(|(_, a)| a.lamports).sum();
        let waiting: u64 = self
            .prefunded_addresses
            .iter()
            .filter_map(|address| self.env.svm.get_account(address))
            .filter(|account| account.owner != edgerun::ID)
            .map(|account| account.lamports)
            .sum();
        wallets + program + waiting
    }

    fn is_program_owned(&self, address: &Address) -> bool {
        self.env.svm.get_account(address).is_some_and(|account| account.owner == edgerun::ID && account.lamports > 0)
    }

    /// The JobResult PDAs of `job` for every pool worker, and its OutputAvailability PDA.
    fn job_addresses(&self, job_id: &[u8; 32]) -> Vec<Address> {
        let mut addresses: Vec<Address> =
            self.workers.iter().map(|w| pda::job_result_address(job_id, &w.pubkey())).collect();
        addresses.push(pda::output_address(job_id));
        addresses
    }

    /// What `close_job` of `job` owes its client: the Job's rent, the whole reserve it posted,
    /// and what strangers sent to the Job and to the accounts it created (not to addresses
    /// where nothing was ever created: those lamports stay where they were sent).
    fn owed_at_close(&self, job_id: &[u8; 32]) -> u64 {
        let posted = &self.posted[job_id];
        let stranded: u64 = self
            .job_addresses(job_id)
            .iter()
            .filter(|address| !self.is_program_owned(address))
            .map(|address| self.env.balance(address))
            .sum();
        posted.capital.job_rent + posted.capital.rent_reserve + posted.donated_to_job + posted.prefunded - stranded
    }

    fn job(&self, index: usize) -> Option<(TestJob, Job)> {
        if self.jobs.is_empty() {
            return None;
        }
        let job = self.jobs[index % self.jobs.len()].clone();
        let state = self.env.account::<Job>(&pda::job_address(&job.job_id))?;
        Some((job, state))
    }

    fn worker(&self, address: &Address) -> &Keypair {
        self.workers.iter().find(|w| &w.pubkey() == address).expect("known worker")
    }

    /// Books the worker events of a successful transaction. `before`: the job the action was
    /// about, as it was before the transaction, and the slot it ran in.
    fn record(&mut self, result: &TxResult, action: &Action, before: Option<&Job>) {
        if let Err(failed) = result {
            // The reserve funds every account a committee can create; it never runs dry.
            let exhausted = solana_instruction::error::InstructionError::Custom(edgerun_tests::svm::error_code(
                edgerun::errors::EdgerunError::RentReserveExhausted,
            ));
            let dry = matches!(&failed.err, solana_transaction_error::TransactionError::InstructionError(_, e) if *e == exhausted);
            assert!(!dry, "{action:?}: the rent reserve ran dry\n{:#?}", failed.meta.logs);
        }
        let Ok(meta) = result else { return };
        if let (Action::Finalize { .. }, Some(job)) = (action, before) {
            self.check_finalize_fee(job, meta);
        }
        for line in &meta.logs {
            let Some(data) = line.strip_prefix("Program data: ") else { continue };
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("event base64");
            let (disc, body) = bytes.split_at(8);
            if disc == JobCancelled::DISCRIMINATOR {
                let job_id: [u8; 32] = body[..32].try_into().unwrap();
                let refund = u64::from_le_bytes(body[32..40].try_into().unwrap());
                let posted = self.posted.get_mut(&job_id).expect("a cancelled job was posted");
                posted.refunded += refund;
                self.client_balances[posted.client] += refund;
                continue;
            }
            let is_worker_event =
                [WorkerPaid::DISCRIMINATOR, WorkerSlashed::DISCRIMINATOR, WorkerPenalized::DISCRIMINATOR]
                    .contains(&disc);
            if !is_worker_event {
                continue;
            }
            // WorkerPaid, WorkerSlashed and WorkerPenalized share one layout: job_id, worker, amount.
            let job_id: [u8; 32] = body[..32].try_into().unwrap();
            let worker = Address::new_from_array(body[32..64].try_into().unwrap());
            let read_amount = || u64::from_le_bytes(body[64..72].try_into().unwrap());
            if disc == WorkerPaid::DISCRIMINATOR {
                assert!(self.paid.insert((job_id, worker)), "worker {worker} paid twice for a job");
                self.paid_total += read_amount();
            } else if disc == WorkerSlashed::DISCRIMINATOR {
                assert!(self.slashed.insert((job_id, worker)), "worker {worker} slashed twice for a job");
                self.slashed_total += read_amount();
            } else if disc == WorkerPenalized::DISCRIMINATOR {
                assert!(self.penalized.insert((job_id, worker)), "worker {worker} penalized twice for a job");
                let amount = read_amount();
                self.penalized_total += amount;
                let (_, posted_penalty) = self.posted_terms[&job_id];
                assert_eq!(amount, posted_penalty, "a penalty other than the one the job was posted with");
                let job = before.expect("a penalty comes from an action on a job");
                self.check_penalty_was_due(job, &worker, action);
            }
        }
    }

    /// A member whose deadline has not passed is never penalized: a penalized member had no
    /// result and its own deadline passed before submissions closed (now, or the quorum), or it is
    /// a winner that let the DA window pass without a declaration.
    fn check_penalty_was_due(&self, job: &Job, worker: &Address, action: &Action) {
        let index = job.committee_index(worker).expect("penalized worker was a member");
        let has_result = self.env.job_result(&job.job_id, worker).is_some() || job.is_da_failed(index);
        let slot = self.env.slot();
        let silent = job.is_silent(index, has_result, job.silence_cutoff(slot));
        let lapsed_winner = matches!(action, Action::CancelNoDa { .. })
            && has_result
            && job.status() == Ok(JobStatus::AwaitingDa)
            && slot > job.da_deadline_slot.get();
        assert!(
            silent || lapsed_winner,
            "worker {worker} penalized at slot {slot} with its deadline at {} (status {:?}, quorum at {})",
            job.member_deadline(index),
            job.status(),
            job.quorum_reached_slot.get()
        );
    }

    /// The treasury's cut of a finalization is the fee the job was posted with plus the remainder.
    fn check_finalize_fee(&self, job: &Job, meta: &litesvm::types::TransactionMetadata) {
        let (fee_bps, _) = self.posted_terms[&job.job_id];
        assert_eq!(job.protocol_fee_bps.get(), fee_bps, "the job's fee is not the one it was posted with");
        let winners = meta
            .logs
            .iter()
            .filter_map(|line| line.strip_prefix("Program data: "))
            .map(|data| base64::engine::general_purpose::STANDARD.decode(data).expect("event base64"))
            .filter(|bytes| &bytes[..8] == WorkerPaid::DISCRIMINATOR)
            .count() as u64;
        let escrow = job.escrow_lamports.get();
        let fee = edgerun::instructions::payout(escrow, fee_bps, winners).expect("payout");
        assert_eq!(
            self.env.treasury().fees_collected.get() - self.fees_before,
            fee.protocol_fee + fee.remainder,
            "finalize took a fee other than the posted one"
        );
    }

    /// The instruction that moves job `index` on (see [`Action::Step`]).
    fn next_step(&self, index: usize, answer: Answer, offset: usize) -> Option<Action> {
        let (job, state) = self.job(index)?;
        let job_index = self.jobs.iter().position(|known| known.job_id == job.job_id)?;
        let action = match state.status().ok()? {
            JobStatus::Posted => Action::Seed { job: job_index },
            JobStatus::Seeded => Action::Assign { job: job_index, offset },
            JobStatus::Assigned => {
                let waiting = (0..state.committee().len()).find(|&member| !state.has_submitted(member));
                match waiting {
                    Some(member) if state.member_deadline(member) >= self.env.slot() => {
                        Action::Submit { job: job_index, member, answer }
                    }
                    _ if matches!(answer, Answer::Unavailable) => Action::SettleInputUnavailable { job: job_index },
                    _ => Action::Quorum { job: job_index },
                }
            }
            JobStatus::AwaitingDa if self.env.output(&job.job_id).is_none() => {
                let winner = state.committee().iter().position(|worker| {
                    self.env.job_result(&job.job_id, worker).is_some_and(|r| r.output_hash == state.winning_output_hash)
                })?;
                Action::Declare { job: job_index, member: winner }
            }
            JobStatus::AwaitingDa => Action::Finalize { job: job_index },
            JobStatus::Finalized | JobStatus::Cancelled => Action::Close { job: job_index },
            JobStatus::QuorumReached | JobStatus::Slashed => return None,
        };
        Some(action)
    }

    /// Applies `action`; whether it took effect (a transaction that succeeded, or a warp).
    fn apply(&mut self, action: &Action) -> bool {
        if let Action::Step { job, answer, offset } = *action {
            return match self.next_step(job, answer, offset) {
                Some(step) => self.apply(&step),
                None => false,
            };
        }
        let before = self.action_job(action);
        self.fees_before = self.env.treasury().fees_collected.get();
        let scheduler = self.env.scheduler.insecure_clone();
        let randomness = self.env.randomness.insecure_clone();
        let result = match *action {
            Action::Post { client: client_index, large, extra } => {
                let escrow = if large { 150_000_000 } else { 10_000_000 } + extra;
                let client = self.clients[client_index].insecure_clone();
                let args = self.env.job_args(&client.pubkey(), escrow);
                let config = self.env.config();
                self.posted_terms
                    .insert(args.job_id, (config.protocol_fee_bps.get(), config.non_response_slash_lamports.get()));
                let job_id = args.job_id;
                self.jobs.push(TestJob {
                    job_id,
                    bundle_hash: args.bundle_hash,
                    runtime_id: args.runtime_id,
                    client: client.pubkey(),
                });
                let result = self.env.send(&[ix::post_job(&client.pubkey(), args)], &[&client]);
                if result.is_ok() {
                    let state = self.env.job(&job_id);
                    let capital = self.env.job_capital(state.committee_size, escrow);
                    assert_eq!(
                        (state.posted_escrow_lamports.get(), state.rent_reserve()),
                        (escrow, capital.rent_reserve),
                        "post_job's escrow and rent reserve"
                    );
                    self.client_balances[client_index] -= capital.total();
                    let posted = Posted {
                        client: client_index,
                        capital,
                        donated_to_job: 0,
                        prefunded: 0,
                        refunded: 0,
                        closed: false,
                    };
                    self.posted.insert(job_id, posted);
                }
                result
            }
            Action::Seed { job } => {
                let Some((job, _)) = self.job(job) else { return false };
                self.env.send(&[ix::set_job_seed(&randomness.pubkey(), &job.job_id, [3; 32])], &[&randomness])
            }
            Action::Assign { job, offset } => {
                let Some((job, state)) = self.job(job) else { return false };
                let committee: Vec<Address> = (0..usize::from(state.committee_size))
                    .map(|i| self.workers[(offset + i) % WORKERS].pubkey())
                    .collect();
                self.env.send(&[ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee)], &[&scheduler])
            }
            Action::Submit { job, member, answer } => {
                let Some((job, state)) = self.job(job) else { return false };
                let worker = match state.committee().get(member) {
                    Some(address) => self.worker(address).insecure_clone(),
                    None => self.workers[member % WORKERS].insecure_clone(),
                };
                self.env.submit(&job, &worker, answer.output())
            }
            Action::Quorum { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::reach_quorum(&job.job_id, state.committee())], &[])
            }
            Action::Declare { job, member } => {
                let Some((job, state)) = self.job(job) else { return false };
                let Some(address) = state.committee().get(member).copied() else { return false };
                let worker = self.worker(&address).insecure_clone();
                let output = self.env.job_result(&job.job_id, &address).map_or(honest_output(), |r| r.output_hash);
                self.env.send(&[ix::declare_output(&address, &job.job_id, output, b"pointer")], &[&worker])
            }
            Action::Finalize { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::finalize_job(&job.job_id, state.committee())], &[])
            }
            Action::Penalize { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::penalize_non_submitters(&job.job_id, state.committee())], &[])
            }
            Action::Reassign { job, member, replacement } => {
                let Some((job, state)) = self.job(job) else { return false };
                let Some(missing) = state.committee().get(member).copied() else { return false };
                let replacement = self.workers[replacement].pubkey();
                self.env.send(
                    &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &missing, &replacement)],
                    &[&scheduler],
                )
            }
            Action::CancelNoDa { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::cancel_no_da(&job.job_id, state.committee())], &[])
            }
            Action::CancelExpired { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::cancel_expired_job(&job.job_id, &job.client, state.committee())], &[])
            }
            Action::SettleInputUnavailable { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                self.env.send(&[ix::settle_input_unavailable(&job.job_id, &job.client, state.committee())], &[])
            }
            Action::Cancel { job, by_client } => {
                let Some((job, _)) = self.job(job) else { return false };
                let signer = if by_client {
                    self.clients.iter().find(|c| c.pubkey() == job.client).unwrap().insecure_clone()
                } else {
                    self.workers[0].insecure_clone()
                };
                self.env.send(&[ix::cancel_job(&signer.pubkey(), &job.job_id)], &[&signer])
            }
            Action::Close { job } => {
                let Some((job, state)) = self.job(job) else { return false };
                let owed = self.owed_at_close(&job.job_id);
                let result = self.env.send(&[ix::close_job(&state)], &[]);
                if result.is_ok() {
                    self.check_close(&job.job_id, &state, owed);
                }
                result
            }
            Action::Prefund { job, target, amount } => {
                let Some((job, _)) = self.job(job) else { return false };
                let address = match target {
                    Target::Result(worker) => pda::job_result_address(&job.job_id, &self.workers[worker].pubkey()),
                    Target::Output => pda::output_address(&job.job_id),
                    Target::Job => pda::job_address(&job.job_id),
                };
                let stranger = self.stranger.insecure_clone();
                let transfer = solana_system_interface::instruction::transfer(&stranger.pubkey(), &address, amount);
                let result = self.env.send(&[transfer], &[&stranger]);
                if result.is_ok() {
                    let posted = self.posted.get_mut(&job.job_id).expect("a live job was posted");
                    if matches!(target, Target::Job) {
                        posted.donated_to_job += amount;
                    } else {
                        posted.prefunded += amount;
                        self.prefunded_addresses.insert(address);
                    }
                }
                result
            }
            Action::SetCapacity { worker, jobs, speed } => {
                let worker = self.workers[worker].insecure_clone();
                self.env.send(&[ix::set_worker_capacity(&worker.pubkey(), jobs, speed)], &[&worker])
            }
            Action::Step { .. } => unreachable!("a step applies the action it stands for"),
            Action::Warp { slots } => {
                self.env.warp_by(slots);
                return true;
            }
            Action::Deposit { worker: index, amount } => {
                let worker = self.workers[index].insecure_clone();
                let result = self.env.send(&[ix::deposit_stake(&worker.pubkey(), amount)], &[&worker]);
                if result.is_ok() {
                    self.worker_wallets[index] -= amount;
                }
                result
            }
            Action::Withdraw { worker: index, amount } => {
                let worker = self.workers[index].insecure_clone();
                let result = self.env.send(&[ix::withdraw_stake(&worker.pubkey(), amount)], &[&worker]);
                if result.is_ok() {
                    self.worker_wallets[index] += amount;
                }
                result
            }
            Action::WithdrawTreasury { amount } => {
                let admin = self.env.admin.insecure_clone();
                let recipient = self.treasury_recipient.pubkey();
                self.env.send(&[ix::withdraw_treasury(&admin.pubkey(), &recipient, amount)], &[&admin])
            }
            Action::UpdateConfig { fee_bps, penalty, challenge_window, da_window } => {
                let admin = self.env.admin.insecure_clone();
                let params = ConfigParams {
                    protocol_fee_bps: fee_bps,
                    non_response_slash_lamports: penalty,
                    challenge_window_slots: challenge_window,
                    da_window_slots: da_window,
                    ..ConfigParams::of(&self.env.config())
                };
                self.env.send(&[ix::update_config(&admin.pubkey(), params)], &[&admin])
            }
        };
        self.record(&result, action, before.as_ref());
        result.is_ok()
    }

    /// The job an action is about, before it runs.
    fn action_job(&self, action: &Action) -> Option<Job> {
        let index = match *action {
            Action::Seed { job }
            | Action::Assign { job, .. }
            | Action::Submit { job, .. }
            | Action::Quorum { job }
            | Action::Declare { job, .. }
            | Action::Finalize { job }
            | Action::Penalize { job }
            | Action::Reassign { job, .. }
            | Action::CancelNoDa { job }
            | Action::CancelExpired { job }
            | Action::SettleInputUnavailable { job }
            | Action::Cancel { job, .. }
            | Action::Close { job }
            | Action::Prefund { job, .. } => job,
            _ => return None,
        };
        self.job(index).map(|(_, state)| state)
    }

    /// After a successful `close_job` of `job_id` (`before`: the job as it was): the client got
    /// `owed`, nothing of the job is left, and an ended job refunded all or nothing of its escrow.
    fn check_close(&mut self, job_id: &[u8; 32], before: &Job, owed: u64) {
        let posted = self.posted.get_mut(job_id).expect("a closed job was posted");
        assert!(!posted.closed, "a job closed twice");
        posted.closed = true;
        let expected_refund = match before.status() {
            Ok(JobStatus::Cancelled) => posted.capital.escrow,
            Ok(JobStatus::Finalized) => 0,
            other => panic!("closed a job that had not ended: {other:?}"),
        };
        assert_eq!(posted.refunded, expected_refund, "a cancelled job refunds all its escrow, a finalized one none");
        self.client_balances[posted.client] += owed;
        assert!(self.env.account::<Job>(&pda::job_address(job_id)).is_none(), "the Job survived close_job");
        for address in self.job_addresses(job_id) {
            assert!(!self.is_program_owned(&address), "{address} of a closed job survived close_job");
        }
    }

    fn check_invariants(&self) {
        let env = &self.env;
        assert_eq!(self.books_total(), self.total_lamports, "lamports created or lost");
        for (client, expected) in self.clients.iter().zip(&self.client_balances) {
            assert_eq!(env.balance(&client.pubkey()), *expected, "a client's wallet is off its books");
        }
        for (worker, expected) in self.workers.iter().zip(&self.worker_wallets) {
            assert_eq!(env.balance(&worker.pubkey()), *expected, "a worker's wallet moved (rent or fees)");
        }

        let mut expected_locks: BTreeMap<Address, u64> = BTreeMap::new();
        for job in &self.jobs {
            let address = pda::job_address(&job.job_id);
            let Some(state) = env.account::<Job>(&address) else { continue };
            let posted = &self.posted[&job.job_id];
            let rent = env.rent_of::<Job>();
            let lamports = env.balance(&address);
            let (fee_bps, penalty) = self.posted_terms[&job.job_id];
            assert_eq!(
                (state.protocol_fee_bps.get(), state.non_response_penalty.get()),
                (fee_bps, penalty),
                "a job's fee and penalty are those it was posted with"
            );
            assert_eq!(state.posted_escrow_lamports.get(), posted.capital.escrow, "posted escrow changed");
            assert_eq!(
                lamports,
                rent + state.escrow_lamports.get() + state.rent_reserve() + posted.donated_to_job,
                "Job lamports != rent + escrow + rent reserve (+ donations)"
            );
            // The reserve and the accounts it paid for hold what was posted and what strangers
            // sent to the job's addresses.
            let held: u64 = self.job_addresses(&job.job_id).iter().map(|a| env.balance(a)).sum();
            assert_eq!(
                state.rent_reserve() + held,
                posted.capital.rent_reserve + posted.prefunded,
                "the rent reserve does not add up"
            );
            let assigned = usize::from(state.assigned_count);
            assert_eq!(state.submitted_mask.get() >> assigned, 0, "submitted bit beyond the committee");
            for (index, worker) in state.committee().iter().enumerate() {
                let has_result = self.is_program_owned(&pda::job_result_address(&job.job_id, worker));
                assert_eq!(state.has_submitted(index), has_result, "submitted_mask bit {index} != its JobResult");
            }
            let status = state.status().expect("a valid status");
            if matches!(status, JobStatus::AwaitingDa | JobStatus::Finalized) {
                assert_ne!(state.winning_output_hash, INPUT_UNAVAILABLE, "the marker won an output");
            }
            match status {
                JobStatus::Finalized | JobStatus::Cancelled => {
                    assert_eq!(state.escrow_lamports.get(), 0, "ended job keeps escrow");
                    for index in 0..assigned {
                        assert!(state.is_settled(index), "lock of an ended job not released");
                    }
                    let expected_refund = if status == JobStatus::Cancelled { posted.capital.escrow } else { 0 };
                    assert_eq!(posted.refunded, expected_refund, "refund of an ended job");
                    if state.winning_output_hash == INPUT_UNAVAILABLE {
                        assert_eq!(status, JobStatus::Cancelled, "input unavailable ends in a refund");
                        assert_eq!(state.quorum_reached_slot.get(), state.ended_slot.get());
                    }
                }
                _ => {
                    assert_eq!(posted.refunded, 0, "refund of a live job");
                    if matches!(status, JobStatus::Assigned | JobStatus::AwaitingDa) {
                        for (index, worker) in state.committee().iter().enumerate() {
                            assert!(!state.is_settled(index), "open job with a released lock");
                            *expected_locks.entry(*worker).or_default() += state.held_lock(index);
                        }
                    }
                }
            }
        }

        let (mut rewards, mut slashes, mut penalties) = (0, 0, 0);
        for worker in &self.workers {
            let address = pda::worker_stake_address(&worker.pubkey());
            let stake: WorkerStake = env.account(&address).unwrap();
            let rent = env.rent_of::<WorkerStake>();
            assert!(stake.locked_stake.get() <= stake.total_stake.get(), "locked > total");
            assert_eq!(env.balance(&address), rent + stake.total_stake.get(), "stake lamports != total");
            assert_eq!(
                stake.locked_stake.get(),
                expected_locks.get(&worker.pubkey()).copied().unwrap_or(0),
                "locks do not add up to the open jobs' required locks"
            );
            rewards += stake.rewards_earned.get();
            slashes += stake.slashed_lamports.get();
            penalties += stake.penalized_lamports.get();
        }
        assert_eq!(rewards, self.paid_total);
        assert_eq!(slashes, self.slashed_total);
        assert_eq!(penalties, self.penalized_total);

        let treasury: Treasury = env.treasury();
        let rent = env.rent_of::<Treasury>();
        assert_eq!(treasury.slashes_collected.get(), slashes);
        assert_eq!(treasury.penalties_collected.get(), penalties);
        assert_eq!(
            env.balance(&pda::treasury_address()) + treasury.withdrawn.get(),
            rent + treasury.fees_collected.get() + slashes + penalties,
            "treasury books do not balance"
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn books_balance_after_every_step(actions in prop::collection::vec(action(), 1..64)) {
        let mut world = World::new();
        world.check_invariants();
        for action in &actions {
            world.apply(action);
            world.check_invariants();
        }
    }
}

/// A hand-written sequence through every ending, so the property's interesting paths are known to
/// be reachable (a property over paths that are never taken proves nothing).
#[test]
fn scripted_sequence_reaches_every_ending() {
    let mut world = World::new();
    let (honest, wrong, unavailable) = (Answer::Honest, Answer::Wrong, Answer::Unavailable);
    let ok = |action| (action, true);
    let refused = |action| (action, false);
    let script = [
        // Job 0: finalized; a stranger pre-funded a JobResult (above its rent) and the output
        // (below its rent); the member that claimed the input unavailable is slashed.
        ok(Action::Post { client: 0, large: false, extra: 1 }),
        ok(Action::Seed { job: 0 }),
        ok(Action::Assign { job: 0, offset: 0 }),
        ok(Action::Prefund { job: 0, target: Target::Result(0), amount: 3_000_000 }),
        ok(Action::Prefund { job: 0, target: Target::Output, amount: 1_000_000 }),
        ok(Action::Submit { job: 0, member: 0, answer: honest }),
        ok(Action::Submit { job: 0, member: 1, answer: honest }),
        ok(Action::Submit { job: 0, member: 2, answer: unavailable }),
        ok(Action::Quorum { job: 0 }),
        ok(Action::Declare { job: 0, member: 0 }),
        ok(Action::Finalize { job: 0 }),
        // Job 1: silence, a penalty, a reassignment, expiry.
        ok(Action::Post { client: 1, large: true, extra: 7 }),
        ok(Action::Seed { job: 1 }),
        ok(Action::Assign { job: 1, offset: 2 }),
        ok(Action::Submit { job: 1, member: 0, answer: honest }),
        ok(Action::Warp { slots: 101 }),
        ok(Action::Penalize { job: 1 }),
        ok(Action::Reassign { job: 1, member: 1, replacement: 0 }),
        ok(Action::Warp { slots: 300 }),
        ok(Action::CancelExpired { job: 1 }),
        // Job 2: the DA window lapses; still open.
        ok(Action::Post { client: 0, large: false, extra: 3 }),
        ok(Action::Seed { job: 2 }),
        ok(Action::Assign { job: 2, offset: 4 }),
        ok(Action::Submit { job: 2, member: 0, answer: honest }),
        ok(Action::Submit { job: 2, member: 1, answer: honest }),
        ok(Action::Quorum { job: 2 }),
        ok(Action::Warp { slots: 60 }),
        ok(Action::CancelNoDa { job: 2 }),
        // The lapsed winners no longer count: no quorum, on an output or on the marker.
        refused(Action::Quorum { job: 2 }),
        refused(Action::SettleInputUnavailable { job: 2 }),
        // Job 3: cancelled before assignment.
        ok(Action::Post { client: 1, large: false, extra: 0 }),
        ok(Action::Cancel { job: 3, by_client: true }),
        // Job 4: the input was unavailable to a quorum; a stranger donated to the Job.
        ok(Action::Post { client: 0, large: false, extra: 5 }),
        ok(Action::Seed { job: 4 }),
        ok(Action::Assign { job: 4, offset: 3 }),
        ok(Action::Prefund { job: 4, target: Target::Job, amount: 2_000_000 }),
        ok(Action::Submit { job: 4, member: 0, answer: unavailable }),
        ok(Action::Submit { job: 4, member: 1, answer: wrong }),
        ok(Action::Submit { job: 4, member: 2, answer: unavailable }),
        refused(Action::Quorum { job: 4 }),
        ok(Action::SettleInputUnavailable { job: 4 }),
        refused(Action::SettleInputUnavailable { job: 4 }),
        ok(Action::SetCapacity { worker: 3, jobs: 2, speed: 1 }),
        refused(Action::SetCapacity { worker: 0, jobs: 0, speed: 1 }),
        ok(Action::Warp { slots: 1_100 }),
        ok(Action::Close { job: 0 }),
        ok(Action::Close { job: 1 }),
        ok(Action::Close { job: 3 }),
        ok(Action::Close { job: 4 }),
        ok(Action::WithdrawTreasury { amount: 1_000_000 }),
    ];
    for (action, succeeds) in &script {
        assert_eq!(world.apply(action), *succeeds, "{action:?}");
        world.check_invariants();
    }
    let status = |world: &World, index: usize| world.env.job(&world.jobs[index].job_id).status();
    assert_eq!(status(&world, 2), Ok(JobStatus::Assigned));
    for closed in [0, 1, 3, 4] {
        assert!(world.posted[&world.jobs[closed].job_id].closed, "job {closed} closed");
        assert!(world.env.account::<Job>(&pda::job_address(&world.jobs[closed].job_id)).is_none());
    }
    assert_eq!(world.posted[&world.jobs[4].job_id].refunded, world.posted[&world.jobs[4].job_id].capital.escrow);
    assert_eq!(world.paid.len(), 2);
    assert_eq!(world.slashed.len(), 1);
    assert!(!world.penalized.is_empty());
    assert_eq!(world.env.stake(&world.workers[3].pubkey()).max_concurrent_jobs.get(), 2);
}
