//! A customer's bad input never costs an honest worker. A member that could not obtain the bundle
//! attests `INPUT_UNAVAILABLE_OUTPUT_HASH`; a quorum on it is not an output (`reach_quorum`
//! refuses it) but an ending: `settle_input_unavailable` refunds the escrow in full and releases
//! every member that answered, whatever it answered. A member that claims the input unavailable
//! while a real output wins is wrong like any other result.

use edgerun::errors::EdgerunError;
use edgerun::events::{JobCancelled, JobInputUnavailable};
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, TestJob, INPUT_UNAVAILABLE};
use solana_signer::Signer;

use super::{encoded, logged_events, World, ESCROW, LOCK, PENALTY, STAKE};

/// Every account `settle_input_unavailable` or `reach_quorum` could touch.
fn watch(world: &World, job: &TestJob) -> Vec<solana_address::Address> {
    let mut addresses = vec![pda::job_address(&job.job_id), pda::treasury_address(), job.client];
    for worker in world.committee(job) {
        addresses.push(pda::worker_stake_address(&worker));
        addresses.push(pda::job_result_address(&job.job_id, &worker));
    }
    addresses
}

#[test]
fn a_quorum_that_could_not_get_the_input_refunds_the_customer_and_costs_no_worker() {
    // The third member answered with a real output, or was cut off before its deadline.
    for third in [Some(honest_output()), None] {
        let mut world = World::new(3);
        let client_before = world.env.balance(&world.client.pubkey());
        let job = world.assigned();
        world.submit(&job, 0, INPUT_UNAVAILABLE);
        world.submit(&job, 1, INPUT_UNAVAILABLE);
        if let Some(output) = third {
            world.submit(&job, 2, output);
        }
        let treasury = (world.env.balance(&pda::treasury_address()), world.env.treasury());

        // Not an output: reach_quorum refuses it and changes nothing.
        let committee = world.committee(&job);
        let watch = watch(&world, &job);
        let result = world.env.send_rejected(&[ix::reach_quorum(&job.job_id, &committee)], &[], &watch);
        assert_error(&result, EdgerunError::InputUnavailableQuorum);

        let client_at_settle = world.env.balance(&job.client);
        let meta = world.env.settle_input_unavailable(&job).expect("settle_input_unavailable");
        let slot = world.env.slot();
        assert_eq!(
            logged_events(&meta),
            [
                encoded(&JobInputUnavailable { job_id: job.job_id }),
                encoded(&JobCancelled { job_id: job.job_id, refund_lamports: ESCROW }),
            ],
            "{third:?}"
        );
        // The escrow in full back to the customer; nobody slashed or penalized, every lock released.
        assert_eq!(world.env.balance(&job.client), client_at_settle + ESCROW);
        for worker in 0..3 {
            assert_eq!(world.stake(worker), (STAKE, 0, 0, 0), "worker {worker} ({third:?})");
            assert_eq!(world.env.stake(&world.address(worker)).slashed_lamports.get(), 0);
        }
        assert_eq!(world.env.balance(&pda::treasury_address()), treasury.0);
        assert_eq!(world.env.treasury().slashes_collected.get(), treasury.1.slashes_collected.get());
        assert_eq!(world.env.treasury().penalties_collected.get(), treasury.1.penalties_collected.get());
        let state = world.env.job(&job.job_id);
        assert_eq!(state.status(), Ok(JobStatus::Cancelled));
        assert_eq!(state.winning_output_hash, INPUT_UNAVAILABLE);
        assert_eq!((state.quorum_reached_slot.get(), state.ended_slot.get()), (slot, slot));
        assert_eq!((state.escrow_lamports.get(), state.posted_escrow_lamports.get()), (0, ESCROW));
        assert!((0..3).all(|index| state.is_settled(index) && !state.is_penalized(index)));
        world.env.assert_job_books(&job.job_id);

        // The job is over: no late submission, no second settlement, no penalty.
        if third.is_none() {
            let late = world.workers[2].insecure_clone();
            let result = world.env.submit(&job, &late, honest_output());
            assert_error(&result, EdgerunError::InvalidJobStatus);
        }
        let result =
            world.env.send_rejected(&[ix::settle_input_unavailable(&job.job_id, &job.client, &committee)], &[], &watch);
        assert_error(&result, EdgerunError::InvalidJobStatus);
        let result = world.env.send_rejected(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[], &watch);
        assert_error(&result, EdgerunError::InvalidJobStatus);

        // And at close the customer has every lamport back.
        world.env.close_after_retention(&job.job_id);
        assert_eq!(world.env.balance(&job.client), client_before, "{third:?}");
    }
}

#[test]
fn a_member_silent_past_its_own_deadline_still_pays_its_penalty_once() {
    // Members 1 and 2 are silent past their deadline; member 1 is replaced (and pays then), its
    // replacement and member 0 cannot get the input. Member 2's window had closed: it pays, once,
    // even when penalize_non_submitters charged it first.
    for penalized_first in [false, true] {
        let mut world = World::new(4);
        let job = world.assigned();
        world.submit(&job, 0, INPUT_UNAVAILABLE);
        let deadline = world.env.job(&job.job_id).deadline_slot.get();
        world.env.warp_to(deadline + 1);
        let scheduler = world.scheduler();
        world.env.send_ok(&[world.reassign(&job, 1, 3)], &[&scheduler]);
        if penalized_first {
            let committee = world.committee(&job);
            world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
        }
        world.submit(&job, 3, INPUT_UNAVAILABLE);
        let client_at_settle = world.env.balance(&job.client);
        world.env.settle_input_unavailable(&job).expect("settle_input_unavailable");

        assert_eq!(world.env.balance(&job.client), client_at_settle + ESCROW);
        assert_eq!(world.stake(0), (STAKE, 0, 0, 0), "penalized first: {penalized_first}");
        assert_eq!(world.stake(3), (STAKE, 0, 0, 0), "penalized first: {penalized_first}");
        assert_eq!(world.stake(1), (STAKE - PENALTY, 0, PENALTY, 1), "penalized first: {penalized_first}");
        assert_eq!(world.stake(2), (STAKE - PENALTY, 0, PENALTY, 1), "penalized first: {penalized_first}");
        assert_eq!(world.env.treasury().penalties_collected.get(), 2 * PENALTY);
        assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Cancelled));
    }
}

#[test]
fn settle_input_unavailable_needs_a_quorum_on_the_marker() {
    let mut world = World::new(3);
    let job = world.assigned();
    let committee = world.committee(&job);
    let settle = ix::settle_input_unavailable(&job.job_id, &job.client, &committee);
    let watch = watch(&world, &job);
    // No result; one marker; one marker and one real output: no quorum on the marker.
    let result = world.env.send_rejected(std::slice::from_ref(&settle), &[], &watch);
    assert_error(&result, EdgerunError::InputUnavailableNotReached);
    world.submit(&job, 0, INPUT_UNAVAILABLE);
    let result = world.env.send_rejected(std::slice::from_ref(&settle), &[], &watch);
    assert_error(&result, EdgerunError::InputUnavailableNotReached);
    world.submit(&job, 1, honest_output());
    let result = world.env.send_rejected(std::slice::from_ref(&settle), &[], &watch);
    assert_error(&result, EdgerunError::InputUnavailableNotReached);
    // A quorum on a real output is not one on the marker either.
    world.submit(&job, 2, honest_output());
    let result = world.env.send_rejected(std::slice::from_ref(&settle), &[], &watch);
    assert_error(&result, EdgerunError::InputUnavailableNotReached);
    world.reach_quorum(&job);
    let result = world.env.send_rejected(&[settle], &[], &watch);
    assert_error(&result, EdgerunError::InvalidJobStatus);
}

#[test]
fn settle_input_unavailable_after_the_deadline_is_refused() {
    let mut world = World::new(3);
    let job = world.assigned();
    world.submit(&job, 0, INPUT_UNAVAILABLE);
    world.submit(&job, 1, INPUT_UNAVAILABLE);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    // At the deadline it still settles.
    let mut at_deadline = world.env.fork();
    at_deadline.warp_to(deadline);
    at_deadline.settle_input_unavailable(&job).expect("settle at the deadline");
    assert_eq!(at_deadline.job(&job.job_id).status(), Ok(JobStatus::Cancelled));

    world.env.warp_to(deadline + 1);
    let committee = world.committee(&job);
    let watch = watch(&world, &job);
    let settle = ix::settle_input_unavailable(&job.job_id, &job.client, &committee);
    let result = world.env.send_rejected(&[settle], &[], &watch);
    assert_error(&result, EdgerunError::DeadlinePassed);
    // The job still ends: expiry refunds the customer; the silent member pays, the others do not.
    let expiry = deadline + world.env.params.challenge_window_slots;
    world.env.warp_to(expiry + 1);
    let client_before = world.env.balance(&job.client);
    world.env.send_ok(&[ix::cancel_expired_job(&job.job_id, &job.client, &committee)], &[]);
    assert_eq!(world.env.balance(&job.client), client_before + ESCROW);
    assert_eq!(world.stake(0), (STAKE, 0, 0, 0));
    assert_eq!(world.stake(1), (STAKE, 0, 0, 0));
    assert_eq!(world.stake(2), (STAKE - PENALTY, 0, PENALTY, 1));
}

#[test]
fn a_real_output_winning_over_a_marker_slashes_the_member_that_claimed_it() {
    let mut world = World::new(3);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    world.submit(&job, 1, INPUT_UNAVAILABLE);
    world.submit(&job, 2, honest_output());
    world.reach_quorum(&job);
    assert_eq!(world.env.job(&job.job_id).winning_output_hash, honest_output());
    // The marker cannot be declared as the output.
    let claimer = world.workers[1].insecure_clone();
    let declare = ix::declare_output(&claimer.pubkey(), &job.job_id, INPUT_UNAVAILABLE, b"ptr");
    let result = world.env.send(&[declare], &[&claimer]);
    assert_error(&result, EdgerunError::NotWinningOutput);
    world.declare(&job, 0);
    world.finalize(&job);
    let share = (ESCROW - ESCROW * 250 / 10_000) / 2;
    assert_eq!(world.stake(0), (STAKE + share, 0, 0, 0));
    assert_eq!(world.stake(2), (STAKE + share, 0, 0, 0));
    assert_eq!(world.stake(1), (STAKE - LOCK, 0, 0, 0));
    assert_eq!(world.env.stake(&world.address(1)).slashed_lamports.get(), LOCK);
    assert_eq!(world.env.treasury().slashes_collected.get(), LOCK);
}
