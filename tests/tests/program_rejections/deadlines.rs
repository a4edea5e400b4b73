//! Deadlines: every slot boundary, exactly at and one past.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output};
use solana_signer::Signer;

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
    assert_eq!(world.env.job(&on_time.job_id).status(), Ok(JobStatus::AwaitingDa));
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
    world.reject(&job, std::slice::from_ref(&reassign), &[&scheduler], EdgerunError::MemberDeadlineNotPassed);
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
    world.reject(&job, std::slice::from_ref(&penalize), &[], EdgerunError::NothingToPenalize);
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
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Cancelled));
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
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Assigned));
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

#[test]
fn reassign_only_members_whose_own_deadline_passed() {
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
    // A later slot: the replacement of the slot before is not replaceable (its own deadline is
    // ahead), the third original member is (its own deadline passed).
    world.env.warp_to(deadline + 2);
    let evict_replacement = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &r1.pubkey(), &r3.pubkey());
    let mut watch = world.watch(&job);
    watch.extend([pda::worker_stake_address(&r1.pubkey()), pda::worker_stake_address(&r3.pubkey())]);
    let result = world.env.send_rejected(&[evict_replacement], &[&scheduler], &watch);
    assert_error(&result, EdgerunError::MemberDeadlineNotPassed);
    world.env.send_ok(&[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &a[2], &r3.pubkey())], &[&scheduler]);
    let state = world.env.job(&job.job_id);
    assert_eq!((state.member_deadline(2), state.deadline_slot.get()), (deadline + 2 + 50, deadline + 2 + 50));
    assert_eq!(state.member_deadline(0), deadline + 1 + 50);
}
