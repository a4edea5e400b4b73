//! Items 3 and 6: the scheduler replaces a member only once that member's own deadline has
//! passed (a replacement assigned this very slot had no time to respond), and it may replace
//! DA-failed members after `cancel_no_da`, so a new quorum can form and the job can still finish.

use edgerun::errors::EdgerunError;
use edgerun::state::{JobResult, JobStatus};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output};
use solana_signer::Signer;

use super::{stake_of, World, ESCROW, LOCK, PENALTY, STAKE};

#[test]
fn a_member_cannot_be_replaced_before_its_own_deadline() {
    let mut world = World::new(5);
    let job = world.assigned();
    let scheduler = world.scheduler();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline);
    let watch = [pda::job_address(&job.job_id), pda::worker_stake_address(&world.address(0))];
    let instruction = world.reassign(&job, 0, 3);
    let result = world.env.send_rejected(&[instruction], &[&scheduler], &watch);
    assert_error(&result, EdgerunError::MemberDeadlineNotPassed);

    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[world.reassign(&job, 0, 3)], &[&scheduler]);
    let replacement_deadline = world.env.job(&job.job_id).member_deadline(0);
    assert_eq!(replacement_deadline, world.env.slot() + world.env.params.challenge_window_slots / 2);

    // The "batch" attack: in the same slot, evict the replacement that just arrived.
    let watch = [pda::job_address(&job.job_id), pda::worker_stake_address(&world.address(3))];
    let instruction = world.reassign(&job, 3, 4);
    let result = world.env.send_rejected(&[instruction], &[&scheduler], &watch);
    assert_error(&result, EdgerunError::MemberDeadlineNotPassed);
    assert_eq!(world.stake(3), (STAKE, LOCK, 0, 0));

    // A genuinely silent member can still be replaced in the same slot; the deadline is
    // extended once.
    world.env.send_ok(&[world.reassign(&job, 2, 4)], &[&scheduler]);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.deadline_slot.get(), replacement_deadline);
    assert_eq!(state.member_deadline(2), replacement_deadline);
    assert_eq!(state.member_deadline(1), deadline);

    // The replacement itself becomes replaceable only once its own window is over.
    world.env.warp_to(replacement_deadline);
    let result = world.env.send(&[world.reassign(&job, 3, 1)], &[&scheduler]);
    assert_error(&result, EdgerunError::ReplacementAlreadyAssigned);
    let outsider = world.env.new_worker(STAKE);
    let to_outsider = ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &world.address(3), &outsider.pubkey());
    let result = world.env.send(std::slice::from_ref(&to_outsider), &[&scheduler]);
    assert_error(&result, EdgerunError::MemberDeadlineNotPassed);
    world.env.warp_to(replacement_deadline + 1);
    world.env.send_ok(&[to_outsider], &[&scheduler]);
    assert_eq!(world.stake(3), (STAKE - PENALTY, 0, PENALTY, 1));
}

#[test]
fn da_failed_members_can_be_replaced_and_the_job_still_finalizes() {
    let mut world = World::new(5);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    world.submit(&job, 1, honest_output());
    world.reach_quorum(&job);
    // Nobody declares: the DA window lapses.
    let state = world.env.job(&job.job_id);
    world.env.warp_to(state.da_deadline_slot.get() + 1);
    let committee = world.committee(&job);
    world.env.send_ok(&[ix::cancel_no_da(&job.job_id, &committee)], &[]);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.status(), Ok(JobStatus::Assigned));
    assert!(state.is_da_failed(0) && state.is_da_failed(1));
    // Worker 2 was cut off by the quorum, not silent: it gets the new deadline.
    assert_eq!(state.member_deadline(2), state.deadline_slot.get());
    for worker in [0, 1] {
        assert_eq!(world.stake(worker), (STAKE - PENALTY, LOCK - PENALTY, PENALTY, 1));
    }

    // The scheduler replaces both DA-failed members; their stale results are closed and the rent
    // goes back into the job's reserve (the reserve paid it), for the replacements' results;
    // they pay no second penalty and their wallets do not move.
    let scheduler = world.scheduler();
    let result_rent = world.env.rent_of::<JobResult>();
    for (missing, replacement) in [(0, 3), (1, 4)] {
        let wallet_before = world.env.balance(&world.address(missing));
        let reserve_before = world.env.job(&job.job_id).rent_reserve();
        world.env.send_ok(&[world.reassign(&job, missing, replacement)], &[&scheduler]);
        assert_eq!(world.env.balance(&world.address(missing)), wallet_before);
        assert_eq!(world.env.job(&job.job_id).rent_reserve(), reserve_before + result_rent);
        world.env.assert_job_books(&job.job_id);
        assert!(world.env.job_result(&job.job_id, &world.address(missing)).is_none());
        assert_eq!(world.stake(missing), (STAKE - PENALTY, 0, PENALTY, 1));
    }
    assert_eq!(world.env.job(&job.job_id).rent_reserve(), world.env.rent_reserve(3));

    // A new quorum forms from the replacements and the member that was cut off.
    for worker in [2, 3, 4] {
        world.submit(&job, worker, honest_output());
    }
    world.reach_quorum(&job);
    world.declare(&job, 3);
    world.finalize(&job);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.status(), Ok(JobStatus::Finalized));
    let fee = ESCROW * u64::from(world.env.params.protocol_fee_bps) / 10_000;
    let share = (ESCROW - fee) / 3;
    for worker in [2, 3, 4] {
        assert_eq!(world.stake(worker), (STAKE + share, 0, 0, 0));
    }
    for worker in [0, 1] {
        assert_eq!(stake_of(&world.env, &world.address(worker)), (STAKE - PENALTY, 0, PENALTY, 1));
    }
    assert_eq!(world.env.treasury().penalties_collected.get(), 2 * PENALTY);
    // Five results were created and two closed: the reserve funded exactly three and the output.
    assert_eq!(state.rent_reserve(), 0);
    assert_eq!(world.env.balance(&pda::job_address(&job.job_id)), world.env.rent_of::<edgerun::state::Job>());

    // close_job returns every remaining rent to the customer (the replaced members' results are
    // already gone): it is out exactly the escrow.
    let client_before = world.env.balance(&job.client);
    let retention = world.env.params.job_retention_slots;
    world.env.warp_by(retention);
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    for worker in [2, 3, 4] {
        assert!(world.env.job_result(&job.job_id, &world.address(worker)).is_none());
    }
    let capital = world.env.job_capital(3, ESCROW);
    assert_eq!(world.env.balance(&job.client), client_before + capital.total() - ESCROW);
}

#[test]
fn a_member_with_a_result_that_did_not_lapse_cannot_be_replaced() {
    let mut world = World::new(4);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = world.scheduler();
    let instruction = world.reassign(&job, 0, 3);
    let watch = [pda::job_address(&job.job_id), pda::job_result_address(&job.job_id, &world.address(0))];
    let result = world.env.send_rejected(&[instruction], &[&scheduler], &watch);
    assert_error(&result, EdgerunError::WorkerAlreadySubmitted);
}
