//! Wrong status: instructions outside the statuses they accept, cranks at the wrong time or twice.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{assert_error, honest_output, wrong_output};
use solana_instruction::error::InstructionError;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;

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
fn settle_input_unavailable_outside_assigned_is_rejected() {
    let mut world = World::new();
    let posted = world.post();
    let settle = ix::settle_input_unavailable(&posted.job_id, &posted.client, &[]);
    world.reject(&posted, &[settle], &[], EdgerunError::InvalidJobStatus);
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let settle = ix::settle_input_unavailable(&job.job_id, &job.client, &world.addresses());
    world.reject(&job, &[settle], &[], EdgerunError::InvalidJobStatus);
    // Settled once, never twice.
    let marker = edgerun_tests::svm::INPUT_UNAVAILABLE;
    let job = world.assigned();
    world.submit_all(&job, &[Some(marker), Some(marker), None]);
    world.env.settle_input_unavailable(&job).expect("settle");
    let settle = ix::settle_input_unavailable(&job.job_id, &job.client, &world.addresses());
    world.reject(&job, &[settle], &[], EdgerunError::InvalidJobStatus);
}

#[test]
fn reach_quorum_on_the_input_unavailable_marker_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let marker = edgerun_tests::svm::INPUT_UNAVAILABLE;
    world.submit_all(&job, &[Some(marker), Some(honest_output()), Some(marker)]);
    let reach = ix::reach_quorum(&job.job_id, &world.addresses());
    world.reject(&job, &[reach], &[], EdgerunError::InputUnavailableQuorum);
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
    let posted = world.post();
    let penalize = ix::penalize_non_submitters(&posted.job_id, &[]);
    world.reject(&posted, &[penalize], &[], EdgerunError::InvalidJobStatus);
    // The silent member was cut off by the quorum before its deadline: never anything to take.
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    world.reject(&job, std::slice::from_ref(&penalize), &[], EdgerunError::NothingToPenalize);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1_000);
    world.reject(&job, &[penalize], &[], EdgerunError::NothingToPenalize);
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
    // Every lamport goes to the job's client, the only recipient close_job names: a thief can
    // neither take its place nor slip in as one more account.
    let thief = Keypair::new();
    let mut watch = world.watch(&job);
    watch.push(thief.pubkey());
    let mut close = ix::close_job(&state);
    assert_eq!(close.accounts[1].pubkey, job.client);
    close.accounts[1] = AccountMeta::new(thief.pubkey(), false);
    let result = world.env.send_rejected(&[close], &[], &watch);
    assert_error(&result, EdgerunError::NotJobClient);
    let mut close = ix::close_job(&state);
    close.accounts.push(AccountMeta::new(thief.pubkey(), false));
    let result = world.env.send_rejected(&[close], &[], &watch);
    assert_error(&result, EdgerunError::WrongRemainingAccounts);
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    assert_eq!(world.env.balance(&thief.pubkey()), 0);
}
