//! Property test: random sequences of every instruction by random actors (clients, honest, lying
//! and silent workers, cranks, slot warps, the admin changing the config under running jobs) on the
//! real `.so`. After every step: no lamport created or lost, stake locks add up, escrow and
//! treasury books balance, no (job, worker) is ever paid, slashed or penalized twice, a member whose
//! deadline has not passed is never penalized, and a job's fee and penalty are those it was posted
//! with.

use anchor_lang::Discriminator;
use base64::Engine as _;
use edgerun::events::{WorkerPaid, WorkerPenalized, WorkerSlashed};
use edgerun::instructions::ConfigParams;
use edgerun::state::{Job, JobStatus, Treasury, WorkerStake};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{honest_output, wrong_output, TestEnv, TestJob, TxResult};
use proptest::prelude::*;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

const WORKERS: usize = 7;
const CLIENTS: usize = 2;
const WORKER_STAKE: u64 = 400_000_000;

#[derive(Clone, Debug)]
enum Action {
    Post { client: usize, large: bool, extra: u64 },
    Seed { job: usize },
    Assign { job: usize, offset: usize },
    Submit { job: usize, member: usize, lie: bool },
    Quorum { job: usize },
    Declare { job: usize, member: usize },
    Finalize { job: usize },
    Penalize { job: usize },
    Reassign { job: usize, member: usize, replacement: usize },
    CancelNoDa { job: usize },
    CancelExpired { job: usize },
    Cancel { job: usize, by_client: bool },
    Close { job: usize },
    Warp { slots: u64 },
    Deposit { worker: usize, amount: u64 },
    Withdraw { worker: usize, amount: u64 },
    WithdrawTreasury { amount: u64 },
    UpdateConfig { fee_bps: u16, penalty: u64, challenge_window: u64, da_window: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    let job = 0usize..8;
    prop_oneof![
        3 => (0..CLIENTS, any::<bool>(), 0u64..1_000_000).prop_map(|(client, large, extra)| Action::Post { client, large, extra }),
        3 => job.clone().prop_map(|job| Action::Seed { job }),
        3 => (job.clone(), 0..WORKERS).prop_map(|(job, offset)| Action::Assign { job, offset }),
        8 => (job.clone(), 0usize..9, prop::bool::weighted(0.25)).prop_map(|(job, member, lie)| Action::Submit { job, member, lie }),
        3 => job.clone().prop_map(|job| Action::Quorum { job }),
        2 => (job.clone(), 0usize..9).prop_map(|(job, member)| Action::Declare { job, member }),
        3 => job.clone().prop_map(|job| Action::Finalize { job }),
        2 => job.clone().prop_map(|job| Action::Penalize { job }),
        2 => (job.clone(), 0usize..9, 0..WORKERS).prop_map(|(job, member, replacement)| Action::Reassign { job, member, replacement }),
        1 => job.clone().prop_map(|job| Action::CancelNoDa { job }),
        1 => job.clone().prop_map(|job| Action::CancelExpired { job }),
        1 => (job.clone(), prop::bool::weighted(0.8)).prop_map(|(job, by_client)| Action::Cancel { job, by_client }),
        1 => job.clone().prop_map(|job| Action::Close { job }),
        4 => prop_oneof![0u64..30, 40u64..260, 900u64..1200].prop_map(|slots| Action::Warp { slots }),
        1 => (0..WORKERS, 1u64..100_000_000).prop_map(|(worker, amount)| Action::Deposit { worker, amount }),
        1 => (0..WORKERS, 1u64..500_000_000).prop_map(|(worker, amount)| Action::Withdraw { worker, amount }),
        1 => (1u64..50_000_000).prop_map(|amount| Action::WithdrawTreasury { amount }),
        1 => (0u16..=10_000, 1u64..=1_000_000, 2u64..300, 1u64..100).prop_map(|(fee_bps, penalty, challenge_window, da_window)| {
            Action::UpdateConfig { fee_bps, penalty, challenge_window, da_window }
        }),
    ]
}

/// The world every sequence starts from: config, clients and a pool of staked workers.
struct Base {
    env: TestEnv,
    clients: Vec<Keypair>,
    workers: Vec<Keypair>,
    treasury_recipient: Keypair,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut env = TestEnv::new();
        let clients = (0..CLIENTS).map(|_| env.new_actor(50_000_000_000)).collect();
        let workers = (0..WORKERS).map(|_| env.new_worker(WORKER_STAKE)).collect();
        let treasury_recipient = env.new_actor(1_000_000_000);
        Base { env, clients, workers, treasury_recipient }
    })
}

struct World {
    env: TestEnv,
    clients: Vec<Keypair>,
    workers: Vec<Keypair>,
    treasury_recipient: Keypair,
    jobs: Vec<TestJob>,
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
        let mut actors: Vec<Address> = clients.iter().chain(&workers).map(|k| k.pubkey()).collect();
        actors.extend([treasury_recipient.pubkey(), env.admin.pubkey()]);
        let mut world = Self {
            env,
            clients,
            workers,
            treasury_recipient,
            jobs: Vec::new(),
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
        wallets + program
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
        let Ok(meta) = result else { return };
        if let (Action::Finalize { .. }, Some(job)) = (action, before) {
            self.check_finalize_fee(job, meta);
        }
        for line in &meta.logs {
            let Some(data) = line.strip_prefix("Program data: ") else { continue };
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("event base64");
            let (disc, body) = bytes.split_at(8);
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

    fn apply(&mut self, action: &Action) {
        let before = self.action_job(action);
        self.fees_before = self.env.treasury().fees_collected.get();
        let scheduler = self.env.scheduler.insecure_clone();
        let randomness = self.env.randomness.insecure_clone();
        let result = match *action {
            Action::Post { client, large, extra } => {
                let escrow = if large { 150_000_000 } else { 10_000_000 } + extra;
                let client = self.clients[client].insecure_clone();
                let args = self.env.job_args(&client.pubkey(), escrow);
                let config = self.env.config();
                self.posted_terms
                    .insert(args.job_id, (config.protocol_fee_bps.get(), config.non_response_slash_lamports.get()));
                self.jobs.push(TestJob {
                    job_id: args.job_id,
                    bundle_hash: args.bundle_hash,
                    runtime_id: args.runtime_id,
                    client: client.pubkey(),
                });
                self.env.send(&[ix::post_job(&client.pubkey(), args)], &[&client])
            }
            Action::Seed { job } => {
                let Some((job, _)) = self.job(job) else { return };
                self.env.send(&[ix::set_job_seed(&randomness.pubkey(), &job.job_id, [3; 32])], &[&randomness])
            }
            Action::Assign { job, offset } => {
                let Some((job, state)) = self.job(job) else { return };
                let committee: Vec<Address> = (0..usize::from(state.committee_size))
                    .map(|i| self.workers[(offset + i) % WORKERS].pubkey())
                    .collect();
                self.env.send(&[ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee)], &[&scheduler])
            }
            Action::Submit { job, member, lie } => {
                let Some((job, state)) = self.job(job) else { return };
                let worker = match state.committee().get(member) {
                    Some(address) => self.worker(address).insecure_clone(),
                    None => self.workers[member % WORKERS].insecure_clone(),
                };
                let output = if lie { wrong_output() } else { honest_output() };
                self.env.submit(&job, &worker, output)
            }
            Action::Quorum { job } => {
                let Some((job, state)) = self.job(job) else { return };
                self.env.send(&[ix::reach_quorum(&job.job_id, state.committee())], &[])
            }
            Action::Declare { job, member } => {
                let Some((job, state)) = self.job(job) else { return };
                let Some(address) = state.committee().get(member).copied() else { return };
                let worker = self.worker(&address).insecure_clone();
                let output = self.env.job_result(&job.job_id, &address).map_or(honest_output(), |r| r.output_hash);
                self.env.send(&[ix::declare_output(&address, &job.job_id, output, b"pointer")], &[&worker])
            }
            Action::Finalize { job } => {
                let Some((job, state)) = self.job(job) else { return };
                self.env.send(&[ix::finalize_job(&job.job_id, state.committee())], &[])
            }
            Action::Penalize { job } => {
                let Some((job, state)) = self.job(job) else { return };
                self.env.send(&[ix::penalize_non_submitters(&job.job_id, state.committee())], &[])
            }
            Action::Reassign { job, member, replacement } => {
                let Some((job, state)) = self.job(job) else { return };
                let Some(missing) = state.committee().get(member).copied() else { return };
                let replacement = self.workers[replacement].pubkey();
                self.env.send(
                    &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &missing, &replacement)],
                    &[&scheduler],
                )
            }
            Action::CancelNoDa { job } => {
                let Some((job, state)) = self.job(job) else { return };
                self.env.send(&[ix::cancel_no_da(&job.job_id, state.committee())], &[])
            }
            Action::CancelExpired { job } => {
                let Some((job, state)) = self.job(job) else { return };
                self.env.send(&[ix::cancel_expired_job(&job.job_id, &job.client, state.committee())], &[])
            }
            Action::Cancel { job, by_client } => {
                let Some((job, _)) = self.job(job) else { return };
                let signer = if by_client {
                    self.clients.iter().find(|c| c.pubkey() == job.client).unwrap().insecure_clone()
                } else {
                    self.workers[0].insecure_clone()
                };
                self.env.send(&[ix::cancel_job(&signer.pubkey(), &job.job_id)], &[&signer])
            }
            Action::Close { job } => {
                let Some((_, state)) = self.job(job) else { return };
                self.env.send(&[ix::close_job(&state)], &[])
            }
            Action::Warp { slots } => {
                self.env.warp_by(slots);
                return;
            }
            Action::Deposit { worker, amount } => {
                let worker = self.workers[worker].insecure_clone();
                self.env.send(&[ix::deposit_stake(&worker.pubkey(), amount)], &[&worker])
            }
            Action::Withdraw { worker, amount } => {
                let worker = self.workers[worker].insecure_clone();
                self.env.send(&[ix::withdraw_stake(&worker.pubkey(), amount)], &[&worker])
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
            | Action::Cancel { job, .. }
            | Action::Close { job } => job,
            _ => return None,
        };
        self.job(index).map(|(_, state)| state)
    }

    fn check_invariants(&self) {
        let env = &self.env;
        assert_eq!(self.books_total(), self.total_lamports, "lamports created or lost");

        let mut expected_locks: BTreeMap<Address, u64> = BTreeMap::new();
        for job in &self.jobs {
            let address = pda::job_address(&job.job_id);
            let Some(state) = env.account::<Job>(&address) else { continue };
            let rent = env.rent(8 + std::mem::size_of::<Job>());
            let lamports = env.balance(&address);
            let (fee_bps, penalty) = self.posted_terms[&job.job_id];
            assert_eq!(
                (state.protocol_fee_bps.get(), state.non_response_penalty.get()),
                (fee_bps, penalty),
                "a job's fee and penalty are those it was posted with"
            );
            let status = state.status().expect("a valid status");
            match status {
                JobStatus::Finalized | JobStatus::Cancelled => {
                    assert_eq!(state.escrow_lamports.get(), 0, "ended job keeps escrow");
                    assert_eq!(lamports, rent, "ended job holds more than its rent");
                    for index in 0..usize::from(state.assigned_count) {
                        assert!(state.is_settled(index), "lock of an ended job not released");
                    }
                }
                _ => {
                    assert_eq!(lamports, rent + state.escrow_lamports.get(), "escrow not held by the job");
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
            let rent = env.rent(8 + std::mem::size_of::<WorkerStake>());
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
        let rent = env.rent(8 + std::mem::size_of::<Treasury>());
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
    fn books_balance_after_every_step(actions in prop::collection::vec(action(), 1..48)) {
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
    let script = [
        Action::Post { client: 0, large: false, extra: 1 },
        Action::Seed { job: 0 },
        Action::Assign { job: 0, offset: 0 },
        Action::Submit { job: 0, member: 0, lie: false },
        Action::Submit { job: 0, member: 1, lie: false },
        Action::Submit { job: 0, member: 2, lie: true },
        Action::Quorum { job: 0 },
        Action::Declare { job: 0, member: 0 },
        Action::Finalize { job: 0 },
        Action::Post { client: 1, large: true, extra: 7 },
        Action::Seed { job: 1 },
        Action::Assign { job: 1, offset: 2 },
        Action::Submit { job: 1, member: 0, lie: false },
        Action::Warp { slots: 101 },
        Action::Penalize { job: 1 },
        Action::Reassign { job: 1, member: 1, replacement: 0 },
        Action::Warp { slots: 300 },
        Action::CancelExpired { job: 1 },
        Action::Post { client: 0, large: false, extra: 3 },
        Action::Seed { job: 2 },
        Action::Assign { job: 2, offset: 4 },
        Action::Submit { job: 2, member: 0, lie: false },
        Action::Submit { job: 2, member: 1, lie: false },
        Action::Quorum { job: 2 },
        Action::Warp { slots: 60 },
        Action::CancelNoDa { job: 2 },
        Action::Post { client: 1, large: false, extra: 0 },
        Action::Cancel { job: 3, by_client: true },
        Action::Warp { slots: 1_100 },
        Action::Close { job: 0 },
        Action::WithdrawTreasury { amount: 1_000_000 },
    ];
    for action in &script {
        world.apply(action);
        world.check_invariants();
    }
    let status = |world: &World, index: usize| world.env.job(&world.jobs[index].job_id).status();
    assert_eq!(status(&world, 1), Ok(JobStatus::Cancelled));
    assert_eq!(status(&world, 2), Ok(JobStatus::Assigned));
    assert_eq!(status(&world, 3), Ok(JobStatus::Cancelled));
    assert!(world.env.account::<Job>(&pda::job_address(&world.jobs[0].job_id)).is_none(), "job 0 closed");
    assert_eq!(world.paid.len(), 2);
    assert_eq!(world.slashed.len(), 1);
    assert!(!world.penalized.is_empty());
}
