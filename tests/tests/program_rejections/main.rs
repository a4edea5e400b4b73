//! Every rejection of the program on the real `.so`: each asserts the exact error and that the
//! rejected transaction changed nothing (every account it names, plus the job's PDAs).

use ed25519_dalek::{Signer as _, SigningKey};
use edgerun::ed25519::ED25519_PROGRAM_ID;
use edgerun::errors::EdgerunError;
use edgerun::state::job_status;
use edgerun_sdk::{attestation, instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, instruction_error, test_config, wrong_output, TestEnv, TestJob};
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// Tier 0 escrow: committee 3, quorum 2, lock 25_000_000 per worker.
const ESCROW: u64 = 50_000_000;
const STAKE: u64 = 100_000_000;
const LOCK: u64 = 25_000_000;
const PENALTY: u64 = 50_000;

struct World {
    env: TestEnv,
    client: Keypair,
    workers: Vec<Keypair>,
}

impl World {
    fn new() -> Self {
        let mut env = TestEnv::new();
        let client = env.new_actor(100_000_000_000);
        let workers = (0..3).map(|_| env.new_worker(STAKE)).collect();
        Self { env, client, workers }
    }

    fn addresses(&self) -> Vec<Address> {
        self.workers.iter().map(|w| w.pubkey()).collect()
    }

    fn post(&mut self) -> TestJob {
        let client = self.client.insecure_clone();
        self.env.post_job(&client, ESCROW)
    }

    fn assigned(&mut self) -> TestJob {
        let client = self.client.insecure_clone();
        let workers: Vec<Keypair> = self.workers.iter().map(|w| w.insecure_clone()).collect();
        let refs: Vec<&Keypair> = workers.iter().collect();
        self.env.assigned_job(&client, ESCROW, &refs)
    }

    /// Submits `outputs[i]` for worker i (`None`: silent).
    fn submit_all(&mut self, job: &TestJob, outputs: &[Option<[u8; 32]>]) {
        for (worker, output) in self.workers.iter().zip(outputs) {
            if let Some(output) = output {
                let result = self.env.submit(job, worker, *output);
                assert!(result.is_ok(), "submit: {:?}", result.err().map(|f| f.meta.logs));
            }
        }
    }

    /// Assigned job with the results submitted and quorum reached (status AwaitingDA).
    fn awaiting_da(&mut self, outputs: &[Option<[u8; 32]>]) -> TestJob {
        let job = self.assigned();
        self.submit_all(&job, outputs);
        self.env.send_ok(&[ix::reach_quorum(&job.job_id, &self.addresses())], &[]);
        assert_eq!(self.env.job(&job.job_id).status, job_status::AWAITING_DA);
        job
    }

    fn declare(&mut self, job: &TestJob, winner: usize) {
        let worker = self.workers[winner].insecure_clone();
        self.env.send_ok(&[ix::declare_output(&worker.pubkey(), &job.job_id, honest_output(), b"ptr")], &[&worker]);
    }

    /// Every PDA of `job` and its committee, and each member's wallet.
    fn watch(&self, job: &TestJob) -> Vec<Address> {
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
    fn reject(&mut self, job: &TestJob, instructions: &[Instruction], signers: &[&Keypair], expected: EdgerunError) {
        let watch = self.watch(job);
        let result = self.env.send_rejected(instructions, signers, &watch);
        assert_error(&result, expected);
    }

    #[track_caller]
    fn reject_with(
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

fn scheduler(env: &TestEnv) -> Keypair {
    env.scheduler.insecure_clone()
}

fn randomness(env: &TestEnv) -> Keypair {
    env.randomness.insecure_clone()
}

fn admin(env: &TestEnv) -> Keypair {
    env.admin.insecure_clone()
}

// ---------------------------------------------------------------------------------------------
// Wrong signer or authority
// ---------------------------------------------------------------------------------------------

#[test]
fn update_config_by_non_admin_is_rejected() {
    let mut env = TestEnv::new();
    let stranger = env.new_actor(1_000_000_000);
    let params = test_config(&stranger.pubkey(), &stranger.pubkey());
    let update = ix::update_config(&stranger.pubkey(), &stranger.pubkey(), params);
    let result = env.send_rejected(&[update], &[&stranger], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
    // The scheduler is no admin either.
    let scheduler = scheduler(&env);
    let update = ix::update_config(&scheduler.pubkey(), &scheduler.pubkey(), params);
    let result = env.send_rejected(&[update], &[&scheduler], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
}

#[test]
fn withdraw_treasury_by_non_admin_is_rejected() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let stranger = env.new_actor(1_000_000_000);
    let recipient = Keypair::new().pubkey();
    let withdraw = ix::withdraw_treasury(&stranger.pubkey(), &recipient, 1_000_000);
    let result = env.send_rejected(&[withdraw], &[&stranger], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
    // The admin can, which shows the treasury had something to take.
    let admin = admin(&env);
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &recipient, 1_000_000)], &[&admin]);
    assert_eq!(env.balance(&recipient), 1_000_000);
}

#[test]
fn admin_may_withdraw_treasury_to_its_own_wallet() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let admin = admin(&env);
    let before = env.balance(&admin.pubkey());
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &admin.pubkey(), 1_000_000)], &[&admin]);
    assert_eq!(env.balance(&admin.pubkey()), before + 1_000_000);
}

#[test]
fn set_job_seed_by_non_randomness_authority_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let scheduler = scheduler(&world.env);
    let seed = ix::set_job_seed(&scheduler.pubkey(), &job.job_id, [1u8; 32]);
    world.reject(&job, &[seed], &[&scheduler], EdgerunError::NotRandomnessAuthority);
    let client = world.client.insecure_clone();
    let seed = ix::set_job_seed(&client.pubkey(), &job.job_id, [1u8; 32]);
    world.reject(&job, &[seed], &[&client], EdgerunError::NotRandomnessAuthority);
}

#[test]
fn assign_workers_by_non_scheduler_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let randomness = randomness(&world.env);
    let assign = ix::assign_workers(&randomness.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&randomness], EdgerunError::NotSchedulerAuthority);
}

#[test]
fn reassign_missing_by_non_scheduler_is_rejected() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let randomness = randomness(&world.env);
    let missing = world.workers[0].pubkey();
    let reassign = ix::reassign_missing(&randomness.pubkey(), &job.job_id, &missing, &replacement.pubkey());
    let watch_extra = pda::worker_stake_address(&replacement.pubkey());
    let mut watch = world.watch(&job);
    watch.push(watch_extra);
    let result = world.env.send_rejected(&[reassign], &[&randomness], &watch);
    assert_error(&result, EdgerunError::NotSchedulerAuthority);
}

#[test]
fn cancel_job_by_non_client_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let stranger = world.env.new_actor(1_000_000_000);
    let cancel = ix::cancel_job(&stranger.pubkey(), &job.job_id);
    world.reject(&job, &[cancel], &[&stranger], EdgerunError::NotJobClient);
}

#[test]
fn withdraw_stake_of_another_worker_is_rejected() {
    let mut world = World::new();
    let thief = world.workers[0].insecure_clone();
    let victim = world.workers[1].pubkey();
    let mut withdraw = ix::withdraw_stake(&thief.pubkey(), 1_000_000);
    assert_eq!(withdraw.accounts[1].pubkey, pda::worker_stake_address(&thief.pubkey()));
    withdraw.accounts[1] = AccountMeta::new(pda::worker_stake_address(&victim), false);
    let result = world.env.send_rejected(&[withdraw], &[&thief], &[]);
    // Anchor's seeds constraint (`["worker_stake", signer]`).
    assert_eq!(instruction_error(&result), InstructionError::InvalidSeeds);
}

// ---------------------------------------------------------------------------------------------
// Wrong status
// ---------------------------------------------------------------------------------------------

#[test]
fn assign_before_seed_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let scheduler = scheduler(&world.env);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::SeedNotSet);
}

#[test]
fn seed_twice_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let randomness = randomness(&world.env);
    let seed = ix::set_job_seed(&randomness.pubkey(), &job.job_id, [8u8; 32]);
    world.reject(&job, std::slice::from_ref(&seed), &[&randomness], EdgerunError::SeedAlreadySet);
    // Still SeedAlreadySet once assigned.
    let scheduler = scheduler(&world.env);
    world.env.send_ok(&[ix::assign_workers(&scheduler.pubkey(), &job.job_id, &world.addresses())], &[&scheduler]);
    world.reject(&job, &[seed], &[&randomness], EdgerunError::SeedAlreadySet);
}

#[test]
fn assign_twice_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let scheduler = scheduler(&world.env);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::InvalidJobStatus);
}

#[test]
fn submit_on_posted_or_seeded_job_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let worker = world.workers[0].insecure_clone();
    let submit = world.env.submit_instructions(&job, &worker, honest_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::InvalidJobStatus);
    world.env.seed(&job);
    world.reject(&job, &submit, &[&worker], EdgerunError::InvalidJobStatus);
}

#[test]
fn submit_on_awaiting_da_job_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let worker = world.workers[2].insecure_clone();
    let submit = world.env.submit_instructions(&job, &worker, honest_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::InvalidJobStatus);
}

#[test]
fn reach_quorum_when_awaiting_da_or_posted_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let reach = ix::reach_quorum(&job.job_id, &world.addresses());
    world.reject(&job, &[reach], &[], EdgerunError::InvalidJobStatus);
    let posted = world.post();
    let reach = ix::reach_quorum(&posted.job_id, &[]);
    world.reject(&posted, &[reach], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn reach_quorum_without_quorum_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), Some(wrong_output()), None]);
    let reach = ix::reach_quorum(&job.job_id, &world.addresses());
    world.reject(&job, &[reach], &[], EdgerunError::QuorumNotReached);
}

#[test]
fn declare_when_assigned_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), Some(honest_output()), None]);
    let worker = world.workers[0].insecure_clone();
    let declare = ix::declare_output(&worker.pubkey(), &job.job_id, honest_output(), b"ptr");
    world.reject(&job, &[declare], &[&worker], EdgerunError::InvalidJobStatus);
}

#[test]
fn finalize_when_assigned_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), Some(honest_output()), None]);
    let finalize = ix::finalize_job(&job.job_id, &world.addresses());
    // No OutputAvailability can exist while Assigned: Anchor refuses the missing account.
    world.reject_with(&job, &[finalize], &[], InstructionError::UninitializedAccount);
}

#[test]
fn cancel_job_when_assigned_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let client = world.client.insecure_clone();
    let cancel = ix::cancel_job(&client.pubkey(), &job.job_id);
    world.reject(&job, &[cancel], &[&client], EdgerunError::InvalidJobStatus);
}

#[test]
fn cancel_no_da_when_assigned_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1_000);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    world.reject(&job, &[cancel], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn cancel_expired_when_awaiting_da_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1_000);
    let cancel = ix::cancel_expired_job(&job.job_id, &job.client, &world.addresses());
    world.reject(&job, &[cancel], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn penalize_before_deadline_or_when_awaiting_da_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    world.reject(&job, std::slice::from_ref(&penalize), &[], EdgerunError::InvalidJobStatus);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1_000);
    world.reject(&job, &[penalize], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn reassign_when_awaiting_da_is_rejected() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = scheduler(&world.env);
    let missing = world.workers[2].pubkey();
    let reassign = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &missing, &replacement.pubkey());
    world.reject(&job, &[reassign], &[&scheduler], EdgerunError::InvalidJobStatus);
}

#[test]
fn reassign_of_a_submitter_or_a_member_is_rejected() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let outsider = world.env.new_worker(STAKE);
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = scheduler(&world.env);
    let (w0, w1, w2) = (world.workers[0].pubkey(), world.workers[1].pubkey(), world.workers[2].pubkey());
    let ixn = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &w0, &replacement.pubkey());
    world.reject(&job, &[ixn], &[&scheduler], EdgerunError::WorkerAlreadySubmitted);
    let ixn = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &w1, &w2);
    world.reject(&job, &[ixn], &[&scheduler], EdgerunError::ReplacementAlreadyAssigned);
    let ixn = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &outsider.pubkey(), &replacement.pubkey());
    world.reject(&job, &[ixn], &[&scheduler], EdgerunError::WorkerNotAssigned);
}

#[test]
fn close_before_ending_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let state = world.env.job(&job.job_id);
    world.env.warp_by(10_000);
    world.reject(&job, &[ix::close_job(&state)], &[], EdgerunError::InvalidJobStatus);
}

// ---------------------------------------------------------------------------------------------
// Deadlines: exactly at and one past
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_result_at_deadline_ok_one_past_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline);
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    world.env.warp_to(deadline + 1);
    let worker = world.workers[1].insecure_clone();
    let submit = world.env.submit_instructions(&job, &worker, honest_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::DeadlinePassed);
}

#[test]
fn reach_quorum_at_deadline_ok_one_past_rejected() {
    let mut world = World::new();
    let late = world.assigned();
    let on_time = world.assigned();
    let outputs = [Some(honest_output()), Some(honest_output()), None];
    world.submit_all(&late, &outputs);
    world.submit_all(&on_time, &outputs);
    let deadline = world.env.job(&on_time.job_id).deadline_slot.get();
    assert_eq!(world.env.job(&late.job_id).deadline_slot.get(), deadline);
    world.env.warp_to(deadline);
    world.env.send_ok(&[ix::reach_quorum(&on_time.job_id, &world.addresses())], &[]);
    assert_eq!(world.env.job(&on_time.job_id).status, job_status::AWAITING_DA);
    world.env.warp_to(deadline + 1);
    let reach = ix::reach_quorum(&late.job_id, &world.addresses());
    world.reject(&late, &[reach], &[], EdgerunError::DeadlinePassed);
}

#[test]
fn reassign_missing_at_deadline_rejected_one_past_ok() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline);
    let scheduler = scheduler(&world.env);
    let missing = world.workers[0].pubkey();
    let reassign = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &missing, &replacement.pubkey());
    world.reject(&job, std::slice::from_ref(&reassign), &[&scheduler], EdgerunError::DeadlineNotPassed);
    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[reassign], &[&scheduler]);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.assigned_workers[0], replacement.pubkey());
    assert_eq!(state.deadline_slot.get(), deadline + 1 + 50);
    assert_eq!(world.env.stake(&missing).locked_stake.get(), 0);
    assert_eq!(world.env.stake(&missing).total_stake.get(), STAKE - PENALTY);
    assert_eq!(world.env.stake(&replacement.pubkey()).locked_stake.get(), LOCK);
}

#[test]
fn penalize_at_deadline_rejected_one_past_ok() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), Some(honest_output()), None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    world.reject(&job, std::slice::from_ref(&penalize), &[], EdgerunError::InvalidJobStatus);
    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[penalize], &[]);
    assert_eq!(world.env.stake(&world.workers[2].pubkey()).penalized_lamports.get(), PENALTY);
}

#[test]
fn cancel_expired_at_grace_end_rejected_one_past_ok() {
    let mut world = World::new();
    let job = world.assigned();
    let state = world.env.job(&job.job_id);
    let end = state.deadline_slot.get() + world.env.config().challenge_window_slots.get();
    world.env.warp_to(end);
    let cancel = ix::cancel_expired_job(&job.job_id, &job.client, &world.addresses());
    world.reject(&job, std::slice::from_ref(&cancel), &[], EdgerunError::DeadlineNotPassed);
    world.env.warp_to(end + 1);
    let client_before = world.env.balance(&job.client);
    world.env.send_ok(&[cancel], &[]);
    assert_eq!(world.env.job(&job.job_id).status, job_status::CANCELLED);
    assert_eq!(world.env.balance(&job.client), client_before + ESCROW);
}

#[test]
fn cancel_no_da_at_da_deadline_rejected_one_past_ok() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    world.reject(&job, std::slice::from_ref(&cancel), &[], EdgerunError::DaWindowNotPassed);
    world.env.warp_to(da_deadline + 1);
    world.env.send_ok(&[cancel], &[]);
    assert_eq!(world.env.job(&job.job_id).status, job_status::ASSIGNED);
}

#[test]
fn close_job_one_slot_before_retention_rejected_at_retention_ok() {
    let mut world = World::new();
    let job = world.post();
    let client = world.client.insecure_clone();
    world.env.send_ok(&[ix::cancel_job(&client.pubkey(), &job.job_id)], &[&client]);
    let state = world.env.job(&job.job_id);
    let ended = state.ended_slot.get();
    let retention = world.env.config().job_retention_slots.get();
    world.env.warp_to(ended + retention - 1);
    world.reject(&job, &[ix::close_job(&state)], &[], EdgerunError::RetentionNotPassed);
    world.env.warp_to(ended + retention);
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    assert!(world.env.svm.get_account(&pda::job_address(&job.job_id)).is_none_or(|a| a.lamports == 0));
}

// ---------------------------------------------------------------------------------------------
// Tier boundaries
// ---------------------------------------------------------------------------------------------

#[test]
fn committee_tier_boundaries() {
    let mut env = TestEnv::new();
    let client = env.new_actor(100_000_000_000);
    let cases = [
        (99_999_999u64, 3u8, 2u8),
        (100_000_000, 5, 3),
        (999_999_999, 5, 3),
        (1_000_000_000, 7, 5),
        (9_999_999_999, 7, 5),
        (10_000_000_000, 9, 6),
    ];
    for (escrow, size, quorum) in cases {
        let job = env.post_job(&client, escrow);
        let state = env.job(&job.job_id);
        assert_eq!((state.committee_size, state.quorum), (size, quorum), "escrow {escrow}");
        assert_eq!(state.escrow_lamports.get(), escrow);
    }
}

// ---------------------------------------------------------------------------------------------
// Committee assignment and stake
// ---------------------------------------------------------------------------------------------

#[test]
fn assign_duplicate_worker_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[a[0], a[1], a[0]]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::DuplicateWorker);
}

#[test]
fn assign_too_few_or_too_many_workers_is_rejected() {
    let mut world = World::new();
    let extra = world.env.new_worker(STAKE);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &a[..2]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[a[0], a[1], a[2], extra.pubkey()]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
}

#[test]
fn assign_with_wrong_stake_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let mut assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &a);
    // Worker 1's stake in place of worker 2's.
    let last = assign.accounts.len() - 1;
    assign.accounts[last] = AccountMeta::new(pda::worker_stake_address(&a[1]), false);
    world.reject(&job, std::slice::from_ref(&assign), &[&scheduler], EdgerunError::InvalidWorkerStakeAccount);
    assign.accounts.pop();
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongRemainingAccounts);
}

#[test]
fn assign_with_insufficient_unlocked_stake_is_rejected() {
    let mut world = World::new();
    let poor = world.env.new_worker(LOCK - 1);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let workers = [a[0], a[1], poor.pubkey()];
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &workers);
    let watch = pda::worker_stake_address(&poor.pubkey());
    let mut all = world.watch(&job);
    all.push(watch);
    let result = world.env.send_rejected(&[assign], &[&scheduler], &all);
    assert_error(&result, EdgerunError::InsufficientUnlockedStake);
}

#[test]
fn stake_locked_by_an_earlier_job_is_not_available() {
    let mut world = World::new();
    // 4 jobs lock 100_000_000 of each worker's 100_000_000: a fifth cannot be assigned.
    for _ in 0..4 {
        world.assigned();
    }
    assert_eq!(world.env.stake(&world.workers[0].pubkey()).unlocked_stake(), 0);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::InsufficientUnlockedStake);
}

#[test]
fn withdraw_more_than_unlocked_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].insecure_clone();
    let unlocked = STAKE - LOCK;
    let withdraw = ix::withdraw_stake(&worker.pubkey(), unlocked + 1);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::InsufficientUnlockedStake);
    let withdraw = ix::withdraw_stake(&worker.pubkey(), 0);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::ZeroAmount);
    world.env.send_ok(&[ix::withdraw_stake(&worker.pubkey(), unlocked)], &[&worker]);
    let stake = world.env.stake(&worker.pubkey());
    assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (LOCK, LOCK));
    let withdraw = ix::withdraw_stake(&worker.pubkey(), 1);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::InsufficientUnlockedStake);
}

// ---------------------------------------------------------------------------------------------
// Attestations
// ---------------------------------------------------------------------------------------------

fn key_of(keypair: &Keypair) -> SigningKey {
    SigningKey::from_bytes(keypair.secret_bytes())
}

fn digest(job: &TestJob, output: &[u8; 32]) -> [u8; 32] {
    attestation::result_digest(&job.job_id, &job.bundle_hash, output, &job.runtime_id)
}

/// A hand-built Ed25519 precompile instruction: `offsets` rows of
/// `[signature_offset, signature_ix, pubkey_offset, pubkey_ix, message_offset, message_size, message_ix]`,
/// followed by `body`. [`layout`] computes rows for one (pubkey, signature, message) body.
fn ed25519_raw(offsets: &[[u16; 7]], body: &[u8]) -> Instruction {
    let mut data = vec![offsets.len() as u8, 0];
    for row in offsets {
        for value in row {
            data.extend_from_slice(&value.to_le_bytes());
        }
    }
    data.extend_from_slice(body);
    Instruction { program_id: ED25519_PROGRAM_ID, accounts: Vec::new(), data }
}

/// Offsets of a body `pubkey(32) || signature(64) || message` placed after `rows` offset rows.
fn layout(rows: usize, instruction_index: u16, message_len: usize) -> [u16; 7] {
    let base = (2 + 14 * rows) as u16;
    [base + 32, instruction_index, base, instruction_index, base + 96, message_len as u16, instruction_index]
}

fn body(pubkey: &Address, signature: &[u8; 64], message: &[u8]) -> Vec<u8> {
    let mut body = pubkey.as_array().to_vec();
    body.extend_from_slice(signature);
    body.extend_from_slice(message);
    body
}

/// World with an assigned job and worker 0's honest submission parts.
fn attestation_world() -> (World, TestJob, Keypair, [u8; 32], [u8; 64]) {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].insecure_clone();
    let message = digest(&job, &honest_output());
    let signature = key_of(&worker).sign(&message).to_bytes();
    (world, job, worker, message, signature)
}

#[test]
fn hand_built_ed25519_instruction_is_accepted() {
    // Sanity check of the hand-built layout used by the malformed cases below.
    let (mut world, job, worker, message, signature) = attestation_world();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 32)], &body(&worker.pubkey(), &signature, &message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.env.send_ok(&[pre, submit], &[&worker]);
    assert_eq!(world.env.job_result(&job.job_id, &worker.pubkey()).unwrap().output_hash, honest_output());
}

#[test]
fn attestation_by_another_key_is_rejected() {
    let (mut world, job, worker, message, _) = attestation_world();
    let other = Keypair::new();
    let signature = key_of(&other).sign(&message).to_bytes();
    let pre = attestation::attestation_instruction(other.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationKeyMismatch);
}

#[test]
fn attestation_over_another_message_is_rejected() {
    let (mut world, job, worker, _, _) = attestation_world();
    let other_message = digest(&job, &wrong_output());
    let signature = key_of(&worker).sign(&other_message).to_bytes();
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &other_message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationMessageMismatch);
}

#[test]
fn attestation_signature_other_than_the_argument_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    // A valid signature by the worker, but of another digest, as the argument.
    let other_signature = key_of(&worker).sign(&digest(&job, &wrong_output())).to_bytes();
    assert_ne!(other_signature, signature);
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), other_signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationSignatureMismatch);
}

#[test]
fn forged_signature_fails_in_the_precompile() {
    let (mut world, job, worker, message, mut signature) = attestation_world();
    signature[0] ^= 1;
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    let watch = world.watch(&job);
    let result = world.env.send_rejected(&[pre, submit], &[&worker], &watch);
    // The precompile (instruction 0) refuses: PrecompileError::InvalidSignature.
    let failed = result.expect_err("rejected");
    assert_eq!(failed.err, TransactionError::InstructionError(0, InstructionError::Custom(2)));
}

#[test]
fn submit_without_ed25519_instruction_is_rejected() {
    let (mut world, job, worker, _, signature) = attestation_world();
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, std::slice::from_ref(&submit), &[&worker], EdgerunError::MissingEd25519Instruction);
    let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000);
    world.reject(&job, &[budget, submit.clone()], &[&worker], EdgerunError::MissingEd25519Instruction);
    // A valid attestation that is not *right* before submit_result does not count either.
    let (message, sig) = (digest(&job, &honest_output()), signature);
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &sig);
    let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000);
    world.reject(&job, &[pre, budget, submit], &[&worker], EdgerunError::MissingEd25519Instruction);
}

#[test]
fn submit_with_a_fake_instructions_sysvar_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let mut submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    assert_eq!(submit.accounts[3].pubkey, ix::INSTRUCTIONS_SYSVAR_ID);
    submit.accounts[3] = AccountMeta::new_readonly(Address::new_unique(), false);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MissingEd25519Instruction);
}

#[test]
fn ed25519_with_offsets_into_an_explicit_instruction_index_is_rejected() {
    // Offsets name instruction 0 (itself) explicitly instead of u16::MAX: the precompile verifies
    // the same bytes, but the program requires inline offsets.
    let (mut world, job, worker, message, signature) = attestation_world();
    let body = body(&worker.pubkey(), &signature, &message);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    for (sig_ix, pk_ix, msg_ix) in
        [(0u16, 0u16, 0u16), (u16::MAX, 0, u16::MAX), (u16::MAX, u16::MAX, 0), (0, u16::MAX, u16::MAX)]
    {
        let mut row = layout(1, u16::MAX, 32);
        row[1] = sig_ix;
        row[3] = pk_ix;
        row[6] = msg_ix;
        let pre = ed25519_raw(&[row], &body);
        world.reject(&job, &[pre, submit.clone()], &[&worker], EdgerunError::MalformedEd25519Instruction);
    }
}

#[test]
fn ed25519_with_offsets_into_another_instruction_is_rejected() {
    // Instruction 0 is a valid attestation; instruction 1 (right before submit_result) is an
    // Ed25519 instruction whose offsets all point into instruction 0. The precompile verifies the
    // bytes of instruction 0, but the program requires inline offsets.
    let (mut world, job, worker, message, signature) = attestation_world();
    let valid = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let pointing = ed25519_raw(&[layout(1, 0, 32)], &[]);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[valid, pointing, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn ed25519_over_a_message_that_is_not_32_bytes_is_rejected() {
    let (mut world, job, worker, message, _) = attestation_world();
    let mut long_message = message.to_vec();
    long_message.push(0);
    let signature = key_of(&worker).sign(&long_message).to_bytes();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 33)], &body(&worker.pubkey(), &signature, &long_message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
    // A 31-byte prefix of the digest.
    let short_message = &message[..31];
    let signature = key_of(&worker).sign(short_message).to_bytes();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 31)], &body(&worker.pubkey(), &signature, short_message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn ed25519_with_two_signatures_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    let row = layout(2, u16::MAX, 32);
    let pre = ed25519_raw(&[row, row], &body(&worker.pubkey(), &signature, &message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn second_submission_is_rejected() {
    let (mut world, job, worker, _, _) = attestation_world();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let submit = world.env.submit_instructions(&job, &worker, honest_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::AlreadySubmitted);
    let submit = world.env.submit_instructions(&job, &worker, wrong_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::AlreadySubmitted);
    assert_eq!(world.env.job_result(&job.job_id, &worker.pubkey()).unwrap().output_hash, honest_output());
}

#[test]
fn submission_by_a_non_assigned_worker_is_rejected() {
    let (mut world, job, _, _, _) = attestation_world();
    let outsider = world.env.new_worker(STAKE);
    let submit = world.env.submit_instructions(&job, &outsider, honest_output());
    let mut watch = world.watch(&job);
    watch.push(pda::job_result_address(&job.job_id, &outsider.pubkey()));
    let result = world.env.send_rejected(&submit, &[&outsider], &watch);
    assert_error(&result, EdgerunError::WorkerNotAssigned);
}

// ---------------------------------------------------------------------------------------------
// declare_output
// ---------------------------------------------------------------------------------------------

#[test]
fn declare_by_a_wrong_submitter_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), Some(wrong_output())]);
    let liar = world.workers[2].insecure_clone();
    let declare = ix::declare_output(&liar.pubkey(), &job.job_id, honest_output(), b"ptr");
    world.reject(&job, &[declare], &[&liar], EdgerunError::NotAWinner);
}

#[test]
fn declare_by_a_non_submitter_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let silent = world.workers[2].insecure_clone();
    let declare = ix::declare_output(&silent.pubkey(), &job.job_id, honest_output(), b"ptr");
    // Anchor refuses the missing JobResult account before the handler runs.
    world.reject_with(&job, &[declare], &[&silent], InstructionError::UninitializedAccount);
    // Someone outside the committee, likewise.
    let outsider = world.env.new_actor(1_000_000_000);
    let declare = ix::declare_output(&outsider.pubkey(), &job.job_id, honest_output(), b"ptr");
    world.reject_with(&job, &[declare], &[&outsider], InstructionError::UninitializedAccount);
}

#[test]
fn declare_with_a_wrong_hash_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), Some(wrong_output())]);
    let winner = world.workers[0].insecure_clone();
    let declare = ix::declare_output(&winner.pubkey(), &job.job_id, wrong_output(), b"ptr");
    world.reject(&job, &[declare], &[&winner], EdgerunError::NotWinningOutput);
    let liar = world.workers[2].insecure_clone();
    let declare = ix::declare_output(&liar.pubkey(), &job.job_id, wrong_output(), b"ptr");
    world.reject(&job, &[declare], &[&liar], EdgerunError::NotWinningOutput);
}

#[test]
fn declare_with_a_pointer_over_128_bytes_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let winner = world.workers[0].insecure_clone();
    let declare = ix::declare_output(&winner.pubkey(), &job.job_id, honest_output(), &[b'x'; 129]);
    world.reject(&job, &[declare], &[&winner], EdgerunError::PointerTooLong);
    world.env.send_ok(&[ix::declare_output(&winner.pubkey(), &job.job_id, honest_output(), &[b'x'; 128])], &[&winner]);
    assert_eq!(world.env.output(&job.job_id).unwrap().pointer_bytes(), &[b'x'; 128]);
}

#[test]
fn declare_twice_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    for index in [0, 1] {
        let winner = world.workers[index].insecure_clone();
        let declare = ix::declare_output(&winner.pubkey(), &job.job_id, honest_output(), b"other");
        world.reject(&job, &[declare], &[&winner], EdgerunError::OutputAlreadyDeclared);
    }
    assert_eq!(world.env.output(&job.job_id).unwrap().publisher, world.workers[0].pubkey());
}

// ---------------------------------------------------------------------------------------------
// Cranks called at the wrong time or twice
// ---------------------------------------------------------------------------------------------

#[test]
fn finalize_without_output_availability_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let finalize = ix::finalize_job(&job.job_id, &world.addresses());
    world.reject_with(&job, &[finalize], &[], InstructionError::UninitializedAccount);
}

#[test]
fn finalize_twice_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    let finalize = ix::finalize_job(&job.job_id, &world.addresses());
    world.env.send_ok(std::slice::from_ref(&finalize), &[]);
    world.reject(&job, &[finalize], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn penalize_twice_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    world.env.send_ok(std::slice::from_ref(&penalize), &[]);
    world.reject(&job, &[penalize], &[], EdgerunError::NothingToPenalize);
}

#[test]
fn penalize_after_a_full_finalize_has_nothing_to_do() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    world.reject(&job, &[penalize], &[], EdgerunError::NothingToPenalize);
}

#[test]
fn cancel_no_da_twice_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    world.env.send_ok(std::slice::from_ref(&cancel), &[]);
    world.reject(&job, &[cancel], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn cancel_no_da_after_declaration_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 1);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    world.reject(&job, &[cancel], &[], EdgerunError::OutputAlreadyDeclared);
}

#[test]
fn cancel_expired_twice_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let state = world.env.job(&job.job_id);
    world.env.warp_to(state.deadline_slot.get() + world.env.config().challenge_window_slots.get() + 1);
    let cancel = ix::cancel_expired_job(&job.job_id, &job.client, &world.addresses());
    world.env.send_ok(std::slice::from_ref(&cancel), &[]);
    world.reject(&job, &[cancel], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn cancel_job_twice_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let client = world.client.insecure_clone();
    let cancel = ix::cancel_job(&client.pubkey(), &job.job_id);
    world.env.send_ok(std::slice::from_ref(&cancel), &[&client]);
    world.reject(&job, &[cancel], &[&client], EdgerunError::InvalidJobStatus);
}

#[test]
fn close_twice_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let state = world.env.job(&job.job_id);
    world.env.warp_by(world.env.config().job_retention_slots.get());
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    // The Job account is gone (system-owned, no data): Anchor's loader refuses it.
    world.reject_with(&job, &[ix::close_job(&state)], &[], InstructionError::AccountDataTooSmall);
}

#[test]
fn close_with_wrong_rent_recipient_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let state = world.env.job(&job.job_id);
    world.env.warp_by(world.env.config().job_retention_slots.get());
    let thief = Keypair::new();
    let mut close = ix::close_job(&state);
    let wallet_index = close.accounts.len() - 5; // worker 0's wallet (after its JobResult)
    assert_eq!(close.accounts[wallet_index].pubkey, world.workers[0].pubkey());
    close.accounts[wallet_index] = AccountMeta::new(thief.pubkey(), false);
    let mut watch = world.watch(&job);
    watch.push(thief.pubkey());
    let result = world.env.send_rejected(std::slice::from_ref(&close), &[], &watch);
    assert_error(&result, EdgerunError::WrongRentRecipient);
    // The client must be the job's.
    let mut close = ix::close_job(&state);
    close.accounts[2] = AccountMeta::new(thief.pubkey(), false);
    let result = world.env.send_rejected(&[close], &[], &watch);
    assert_error(&result, EdgerunError::NotJobClient);
}

// ---------------------------------------------------------------------------------------------
// Remaining accounts: a caller cannot omit, repeat, reorder or substitute a committee member
// ---------------------------------------------------------------------------------------------

/// Tampered copies of a committee-walking instruction (committee of 3 at the end of `accounts`).
fn tampered(instruction: &Instruction) -> Vec<(&'static str, Instruction, EdgerunError)> {
    let base = instruction.accounts.len() - 6;
    let member = |index: usize| base + 2 * index;
    let mut variants = Vec::new();

    let mut omit = instruction.clone();
    omit.accounts.truncate(base + 4);
    variants.push(("omit the last member", omit, EdgerunError::WrongRemainingAccounts));

    let mut extra = instruction.clone();
    extra.accounts.push(instruction.accounts[member(0)].clone());
    extra.accounts.push(instruction.accounts[member(0) + 1].clone());
    variants.push(("repeat a member at the end", extra, EdgerunError::WrongRemainingAccounts));

    let mut repeat = instruction.clone();
    repeat.accounts[member(1)] = instruction.accounts[member(0)].clone();
    repeat.accounts[member(1) + 1] = instruction.accounts[member(0) + 1].clone();
    variants.push(("member 0 in place of member 1", repeat, EdgerunError::InvalidJobResultAccount));

    let mut swap = instruction.clone();
    swap.accounts.swap(member(0), member(2));
    swap.accounts.swap(member(0) + 1, member(2) + 1);
    variants.push(("swap members 0 and 2", swap, EdgerunError::InvalidJobResultAccount));

    for index in 0..3 {
        let mut substitute = instruction.clone();
        substitute.accounts[member(index)] = AccountMeta::new_readonly(Address::new_unique(), false);
        variants.push(("empty account for a JobResult", substitute, EdgerunError::InvalidJobResultAccount));
    }
    variants
}

/// Stake-account tampering for the instructions that move stake.
fn tampered_stakes(instruction: &Instruction) -> Vec<(&'static str, Instruction, EdgerunError)> {
    let base = instruction.accounts.len() - 6;
    let stake = |index: usize| base + 2 * index + 1;
    let mut variants = Vec::new();
    for (target, source) in [(0usize, 1usize), (1, 2), (2, 0)] {
        let mut repeat = instruction.clone();
        repeat.accounts[stake(target)] = instruction.accounts[stake(source)].clone();
        variants.push(("another member's stake", repeat, EdgerunError::InvalidWorkerStakeAccount));
    }
    for index in 0..3 {
        let mut random = instruction.clone();
        random.accounts[stake(index)] = AccountMeta::new(Address::new_unique(), false);
        variants.push(("empty account for a stake", random, EdgerunError::InvalidWorkerStakeAccount));
        let mut readonly = instruction.clone();
        readonly.accounts[stake(index)].is_writable = false;
        variants.push(("read-only stake", readonly, EdgerunError::InvalidWorkerStakeAccount));
    }
    variants
}

#[track_caller]
fn reject_all(world: &mut World, job: &TestJob, variants: Vec<(&'static str, Instruction, EdgerunError)>) {
    for (name, instruction, expected) in variants {
        let mut watch = world.watch(job);
        watch.extend(instruction.accounts.iter().map(|meta| meta.pubkey));
        let result = world.env.send_rejected(&[instruction], &[], &watch);
        let error = instruction_error(&result);
        assert_eq!(
            error,
            InstructionError::Custom(edgerun_tests::svm::error_code(expected)),
            "{name}: expected {expected:?}; logs: {:#?}",
            result.err().map(|f| f.meta.logs)
        );
    }
}

#[test]
fn reach_quorum_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    // Only workers 1 and 2 agree: dropping or hiding either would deny quorum; repeating worker 1
    // in place of worker 0 (a liar) would fake it with 3 votes.
    world.submit_all(&job, &[Some(wrong_output()), Some(honest_output()), Some(honest_output())]);
    let reach = ix::reach_quorum(&job.job_id, &world.addresses());
    let mut variants = tampered(&reach);
    let mut fake = reach.clone();
    fake.accounts[2] = reach.accounts[4].clone();
    variants.push(("member 1 in place of member 0", fake, EdgerunError::InvalidJobResultAccount));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[reach], &[]);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.status, job_status::AWAITING_DA);
    assert_eq!(state.winning_output_hash, honest_output());
}

#[test]
fn finalize_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(wrong_output()), Some(honest_output())]);
    world.declare(&job, 0);
    let finalize = ix::finalize_job(&job.job_id, &world.addresses());
    let mut variants = tampered(&finalize);
    variants.extend(tampered_stakes(&finalize));
    reject_all(&mut world, &job, variants);

    let stakes_before: Vec<u64> =
        world.addresses().iter().map(|w| world.env.balance(&pda::worker_stake_address(w))).collect();
    world.env.send_ok(&[finalize], &[]);
    // Honest outcome: fee 1_250_000, 2 winners share 48_750_000, the liar loses its lock.
    let share = (ESCROW - ESCROW * 250 / 10_000) / 2;
    let a = world.addresses();
    assert_eq!(world.env.job(&job.job_id).status, job_status::FINALIZED);
    for (index, expected) in [(0, STAKE + share), (1, STAKE - LOCK), (2, STAKE + share)] {
        let stake = world.env.stake(&a[index]);
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (expected, 0), "worker {index}");
    }
    assert_eq!(world.env.balance(&pda::worker_stake_address(&a[0])), stakes_before[0] + share);
    assert_eq!(world.env.balance(&pda::worker_stake_address(&a[1])), stakes_before[1] - LOCK);
}

#[test]
fn penalize_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    let mut variants = tampered(&penalize);
    // Silent members 1 and 2: their stakes are the ones touched.
    variants.extend(tampered_stakes(&penalize).into_iter().filter(|(_, ix_, _)| {
        let base = ix_.accounts.len() - 6;
        ix_.accounts[base + 3] != penalize.accounts[base + 3] || ix_.accounts[base + 5] != penalize.accounts[base + 5]
    }));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[penalize], &[]);
    let a = world.addresses();
    assert_eq!(world.env.stake(&a[0]).total_stake.get(), STAKE);
    for worker in &a[1..] {
        let stake = world.env.stake(worker);
        assert_eq!((stake.total_stake.get(), stake.penalized_lamports.get()), (STAKE - PENALTY, PENALTY));
    }
}

#[test]
fn cancel_expired_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let state = world.env.job(&job.job_id);
    world.env.warp_to(state.deadline_slot.get() + world.env.config().challenge_window_slots.get() + 1);
    let cancel = ix::cancel_expired_job(&job.job_id, &job.client, &world.addresses());
    let mut variants = tampered(&cancel);
    variants.extend(tampered_stakes(&cancel));
    reject_all(&mut world, &job, variants);
    let client_before = world.env.balance(&job.client);
    world.env.send_ok(&[cancel], &[]);
    assert_eq!(world.env.balance(&job.client), client_before + ESCROW);
    let a = world.addresses();
    assert_eq!(world.env.stake(&a[0]).total_stake.get(), STAKE);
    for worker in &a {
        assert_eq!(world.env.stake(worker).locked_stake.get(), 0);
    }
    for worker in &a[1..] {
        assert_eq!(world.env.stake(worker).penalized_lamports.get(), PENALTY);
    }
}

#[test]
fn cancel_no_da_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(wrong_output()), Some(honest_output())]);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    let mut variants = tampered(&cancel);
    // The winners (members 0 and 2) are the ones penalized.
    variants.extend(tampered_stakes(&cancel).into_iter().filter(|(_, ix_, _)| {
        let base = ix_.accounts.len() - 6;
        ix_.accounts[base + 1] != cancel.accounts[base + 1] || ix_.accounts[base + 5] != cancel.accounts[base + 5]
    }));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[cancel], &[]);
    let state = world.env.job(&job.job_id);
    assert_eq!((state.status, state.winning_output_hash), (job_status::ASSIGNED, [0u8; 32]));
    assert_eq!(state.da_failed_mask.get(), 0b101);
    let a = world.addresses();
    for (index, penalized) in [(0, PENALTY), (1, 0), (2, PENALTY)] {
        assert_eq!(world.env.stake(&a[index]).penalized_lamports.get(), penalized, "worker {index}");
    }
}

#[test]
fn a_prefunded_job_result_address_does_not_count_as_a_submission() {
    // Someone sends lamports to a silent worker's JobResult PDA: it is still "not submitted".
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let silent = world.workers[1].pubkey();
    world.env.fund(&pda::job_result_address(&job.job_id, &silent), 1_000_000);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &world.addresses())], &[]);
    assert_eq!(world.env.stake(&silent).penalized_lamports.get(), PENALTY);
}

// ---------------------------------------------------------------------------------------------
// post_job
// ---------------------------------------------------------------------------------------------

fn reject_post(env: &mut TestEnv, client: &Keypair, args: edgerun::instructions::PostJobArgs, expected: EdgerunError) {
    let watch = [pda::job_address(&args.job_id)];
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[client], &watch);
    assert_error(&result, expected);
}

#[test]
fn post_job_with_mismatched_job_id_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.job_id[0] ^= 1;
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
    // The id of another client's job.
    let other = Keypair::new();
    let args = env.job_args(&other.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
    // A changed nonce.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.nonce += 1;
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
}

#[test]
fn post_job_with_zero_escrow_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), 0);
    reject_post(&mut env, &client, args, EdgerunError::ZeroAmount);
}

#[test]
fn post_job_with_invalid_limits_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let config = env.config();
    let adjust: [fn(&mut edgerun::instructions::PostJobArgs, u64, u64); 4] = [
        |args, _, _| args.max_memory_bytes = 0,
        |args, _, _| args.max_instructions = 0,
        |args, memory, _| args.max_memory_bytes = memory + 1,
        |args, _, instructions| args.max_instructions = instructions + 1,
    ];
    for change in adjust {
        let mut args = env.job_args(&client.pubkey(), ESCROW);
        change(&mut args, config.max_memory_bytes.get(), config.max_instructions.get());
        reject_post(&mut env, &client, args, EdgerunError::InvalidJobLimits);
    }
    // Exactly at the caps is fine.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.max_memory_bytes = config.max_memory_bytes.get();
    args.max_instructions = config.max_instructions.get();
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
}

#[test]
fn post_job_while_paused_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let admin = admin(&env);
    let mut params = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    params.paused = true;
    env.send_ok(&[ix::update_config(&admin.pubkey(), &admin.pubkey(), params)], &[&admin]);
    let args = env.job_args(&client.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::ProtocolPaused);
    params.paused = false;
    env.send_ok(&[ix::update_config(&admin.pubkey(), &admin.pubkey(), params)], &[&admin]);
    env.post_job(&client, ESCROW);
}

#[test]
fn post_job_with_runtime_outside_the_allow_list_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let runtime = env.job_args(&client.pubkey(), ESCROW).runtime_id;
    let sibling = *blake3::hash(b"another allowed runtime").as_bytes();
    let (runtime_leaf, sibling_leaf) =
        (edgerun::digest::runtime_merkle_leaf(&runtime), edgerun::digest::runtime_merkle_leaf(&sibling));
    let root = edgerun::digest::runtime_merkle_parent(&runtime_leaf, &sibling_leaf);
    let admin = admin(&env);
    let mut params = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    params.allowed_runtime_root = root;
    env.send_ok(&[ix::update_config(&admin.pubkey(), &admin.pubkey(), params)], &[&admin]);

    // No proof.
    let args = env.job_args(&client.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A wrong sibling.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![[5u8; 32]];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A runtime not in the tree, with the proof of an allowed one.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = [9u8; 32];
    args.runtime_proof = vec![sibling];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A too-long proof.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![sibling_leaf; 17];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // The root itself, or an inner node, posed as a runtime id with a shortened proof.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = root;
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = runtime_leaf;
    args.runtime_proof = vec![sibling_leaf];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);

    // The good proof passes, for both leaves.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![sibling_leaf];
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = sibling;
    args.runtime_proof = vec![runtime_leaf];
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
}

#[test]
fn post_job_twice_with_the_same_id_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), ESCROW);
    env.send_ok(&[ix::post_job(&client.pubkey(), args.clone())], &[&client]);
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[&client], &[]);
    // The system program refuses to create an account that already exists (Anchor `init`).
    assert_eq!(instruction_error(&result), InstructionError::Custom(0));
}

// ---------------------------------------------------------------------------------------------
// update_config
// ---------------------------------------------------------------------------------------------

#[test]
fn update_config_with_invalid_params_is_rejected() {
    let mut env = TestEnv::new();
    let admin = admin(&env);
    let base = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    type Change = fn(&mut edgerun::instructions::ConfigParams);
    let cases: [(Change, EdgerunError); 12] = [
        (|p| p.protocol_fee_bps = 10_001, EdgerunError::InvalidFeeBps),
        (|p| p.protocol_fee_bps = u16::MAX, EdgerunError::InvalidFeeBps),
        (|p| (p.committee_size, p.quorum) = (4, 2), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 1), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 0), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 4), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (10, 6), EdgerunError::InvalidCommittee),
        (|p| p.challenge_window_slots = 1, EdgerunError::InvalidConfig),
        (|p| p.da_window_slots = 0, EdgerunError::InvalidConfig),
        (|p| p.min_worker_stake_lamports = 0, EdgerunError::InvalidConfig),
        (|p| p.max_memory_bytes = 0, EdgerunError::InvalidConfig),
        (|p| p.max_instructions = 0, EdgerunError::InvalidConfig),
    ];
    for (change, expected) in cases {
        let mut params = base;
        change(&mut params);
        let update = ix::update_config(&admin.pubkey(), &admin.pubkey(), params);
        let result = env.send_rejected(&[update], &[&admin], &[]);
        assert_error(&result, expected);
    }
    // Boundaries that are valid.
    let mut params = base;
    params.protocol_fee_bps = 10_000;
    (params.committee_size, params.quorum) = (9, 5);
    params.challenge_window_slots = 2;
    params.da_window_slots = 1;
    env.send_ok(&[ix::update_config(&admin.pubkey(), &admin.pubkey(), params)], &[&admin]);
}

#[test]
fn withdraw_treasury_beyond_balance_or_zero_is_rejected() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let admin = admin(&env);
    let recipient = Keypair::new().pubkey();
    let withdraw = ix::withdraw_treasury(&admin.pubkey(), &recipient, 5_000_001);
    let result = env.send_rejected(&[withdraw], &[&admin], &[]);
    assert_error(&result, EdgerunError::InsufficientTreasuryBalance);
    let withdraw = ix::withdraw_treasury(&admin.pubkey(), &recipient, 0);
    let result = env.send_rejected(&[withdraw], &[&admin], &[]);
    assert_error(&result, EdgerunError::ZeroAmount);
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &recipient, 5_000_000)], &[&admin]);
}

#[test]
fn close_job_when_the_client_is_also_a_committee_member() {
    let mut world = World::new();
    let client = world.workers[0].insecure_clone();
    world.client = client.insecure_clone();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    assert_eq!(job.client, world.workers[0].pubkey());
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let state = world.env.job(&job.job_id);
    world.env.warp_by(world.env.config().job_retention_slots.get());
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    assert!(world.env.svm.get_account(&pda::job_address(&job.job_id)).is_none_or(|a| a.lamports == 0));
}

// ---------------------------------------------------------------------------------------------
// Pre-funded PDAs: anyone can send lamports to an address before the program creates it
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_succeeds_when_its_job_result_address_was_prefunded() {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].pubkey();
    let lamports = world.env.rent(0);
    world.env.fund(&pda::job_result_address(&job.job_id, &worker), lamports);
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    assert_eq!(world.env.job_result(&job.job_id, &worker).unwrap().output_hash, honest_output());
}

#[test]
fn declare_succeeds_when_the_output_address_was_prefunded() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let lamports = world.env.rent(0);
    world.env.fund(&pda::output_address(&job.job_id), lamports);
    world.declare(&job, 0);
    assert_eq!(world.env.output(&job.job_id).unwrap().publisher, world.workers[0].pubkey());
}

#[test]
fn post_job_succeeds_when_the_job_address_was_prefunded() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), ESCROW);
    let lamports = env.rent(0);
    env.fund(&pda::job_address(&args.job_id), lamports);
    let job_id = args.job_id;
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    assert_eq!(env.job(&job_id).escrow_lamports.get(), ESCROW);
}

// ---------------------------------------------------------------------------------------------
// Worker registration and stake
// ---------------------------------------------------------------------------------------------

#[test]
fn deposit_of_zero_is_rejected() {
    let mut env = TestEnv::new();
    let worker = env.new_worker(STAKE);
    let result = env.send_rejected(&[ix::deposit_stake(&worker.pubkey(), 0)], &[&worker], &[]);
    assert_error(&result, EdgerunError::ZeroAmount);
}

#[test]
fn register_twice_is_rejected() {
    let mut env = TestEnv::new();
    let worker = env.new_worker(STAKE);
    let result = env.send_rejected(&[ix::register_worker(&worker.pubkey())], &[&worker], &[]);
    // Anchor `init` on an existing account: the system program's AccountAlreadyInUse (Custom(0)).
    assert_eq!(instruction_error(&result), InstructionError::Custom(0));
}

#[test]
fn deposit_or_withdraw_without_registration_is_rejected() {
    let mut env = TestEnv::new();
    let stranger = env.new_actor(1_000_000_000);
    let result = env.send_rejected(&[ix::deposit_stake(&stranger.pubkey(), 1_000)], &[&stranger], &[]);
    let deposit_error = instruction_error(&result);
    let result = env.send_rejected(&[ix::withdraw_stake(&stranger.pubkey(), 1_000)], &[&stranger], &[]);
    let withdraw_error = instruction_error(&result);
    // Anchor's loader of the missing (system-owned, empty) `mut` WorkerStake account.
    assert_eq!(deposit_error, InstructionError::AccountDataTooSmall);
    assert_eq!(withdraw_error, InstructionError::AccountDataTooSmall);
}

#[test]
fn reassign_batch_only_in_the_same_slot() {
    let mut world = World::new();
    let r1 = world.env.new_worker(STAKE);
    let r2 = world.env.new_worker(STAKE);
    let r3 = world.env.new_worker(STAKE);
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    world.env.send_ok(&[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &a[0], &r1.pubkey())], &[&scheduler]);
    // Same slot: one batch, the deadline is extended once.
    world.env.send_ok(&[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &a[1], &r2.pubkey())], &[&scheduler]);
    let extended = world.env.job(&job.job_id).deadline_slot.get();
    assert_eq!(extended, deadline + 1 + 50);
    // A later slot before the new deadline: refused.
    world.env.warp_to(deadline + 2);
    let reassign = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &a[2], &r3.pubkey());
    let mut watch = world.watch(&job);
    watch.push(pda::worker_stake_address(&r3.pubkey()));
    let result = world.env.send_rejected(&[reassign], &[&scheduler], &watch);
    assert_error(&result, EdgerunError::DeadlineNotPassed);
}

#[test]
fn reassign_with_substituted_accounts_is_rejected() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let reassign = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &a[1], &replacement.pubkey());
    // Accounts: scheduler, config, job, treasury, missing result, missing stake, replacement stake.
    let mut variants = Vec::new();
    let mut result = reassign.clone();
    result.accounts[4] = AccountMeta::new_readonly(Address::new_unique(), false);
    variants.push((result, EdgerunError::InvalidJobResultAccount));
    let mut result = reassign.clone();
    result.accounts[4] = AccountMeta::new_readonly(pda::job_result_address(&job.job_id, &a[2]), false);
    variants.push((result, EdgerunError::InvalidJobResultAccount));
    let mut stake = reassign.clone();
    stake.accounts[5] = AccountMeta::new(pda::worker_stake_address(&a[2]), false);
    variants.push((stake, EdgerunError::InvalidWorkerStakeAccount));
    let mut stake = reassign.clone();
    stake.accounts[6] = AccountMeta::new(pda::worker_stake_address(&a[0]), false);
    variants.push((stake, EdgerunError::InvalidWorkerStakeAccount));
    let mut stake = reassign.clone();
    stake.accounts[6] = AccountMeta::new(Address::new_unique(), false);
    variants.push((stake, EdgerunError::InvalidWorkerStakeAccount));
    let mut watch = world.watch(&job);
    watch.push(pda::worker_stake_address(&replacement.pubkey()));
    for (instruction, expected) in variants {
        let result = world.env.send_rejected(&[instruction], &[&scheduler], &watch);
        assert_error(&result, expected);
    }
    world.env.send_ok(&[reassign], &[&scheduler]);
    assert_eq!(world.env.job(&job.job_id).assigned_workers[1], replacement.pubkey());
}

#[test]
fn close_with_tampered_result_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let state = world.env.job(&job.job_id);
    world.env.warp_by(world.env.config().job_retention_slots.get());
    let close = ix::close_job(&state);
    let base = close.accounts.len() - 6;
    let mut omit = close.clone();
    omit.accounts.truncate(base + 4);
    let mut swap = close.clone();
    swap.accounts.swap(base, base + 2);
    swap.accounts.swap(base + 1, base + 3);
    let mut substitute = close.clone();
    substitute.accounts[base + 2] = AccountMeta::new(Address::new_unique(), false);
    let cases = [
        (omit, EdgerunError::WrongRemainingAccounts),
        (swap, EdgerunError::WrongRentRecipient),
        (substitute, EdgerunError::InvalidJobResultAccount),
    ];
    for (instruction, expected) in cases {
        let mut watch = world.watch(&job);
        watch.extend(instruction.accounts.iter().map(|meta| meta.pubkey));
        let result = world.env.send_rejected(&[instruction], &[], &watch);
        assert_error(&result, expected);
    }
    world.env.send_ok(&[close], &[]);
}
