//! Item 4: a silent worker cannot dodge its penalty. The penalty comes out of the stake the job
//! locked (that is what the lock is for), never out of free stake that can be withdrawn first, and
//! a (job, worker) is marked penalized only when it actually paid.

use edgerun::errors::EdgerunError;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output};
use solana_signer::Signer;

use super::{World, LOCK, PENALTY, STAKE};

#[test]
fn withdrawing_free_stake_does_not_dodge_the_penalty() {
    let mut world = World::new(3);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    world.submit(&job, 1, honest_output());
    // Worker 2 takes out everything the job does not lock, then cranks its own penalty.
    let dodger = world.workers[2].insecure_clone();
    world.env.send_ok(&[ix::withdraw_stake(&dodger.pubkey(), STAKE - LOCK)], &[&dodger]);
    assert_eq!(world.stake(2), (LOCK, LOCK, 0, 0));
    let result = world.env.send(&[ix::withdraw_stake(&dodger.pubkey(), 1)], &[&dodger]);
    assert_error(&result, EdgerunError::InsufficientUnlockedStake);

    let deadline = world.env.job(&job.job_id).member_deadline(2);
    world.env.warp_to(deadline + 1);
    let committee = world.committee(&job);
    let treasury_before = world.env.balance(&pda::treasury_address());
    world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    // It paid in full, from the lock, and was marked only because it paid.
    assert_eq!(world.stake(2), (LOCK - PENALTY, LOCK - PENALTY, PENALTY, 1));
    assert!(world.env.job(&job.job_id).is_penalized(2));
    assert_eq!(world.env.balance(&pda::treasury_address()), treasury_before + PENALTY);

    // Later endings neither charge it again nor skip its lock.
    let result = world.env.send(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    assert_error(&result, EdgerunError::NothingToPenalize);
    // reach_quorum after the job's deadline is refused, whatever the results.
    let result = world.env.send(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
    assert_error(&result, EdgerunError::DeadlinePassed);
    let expiry = world.env.job(&job.job_id).deadline_slot.get() + world.env.params.challenge_window_slots;
    world.env.warp_to(expiry + 1);
    let client = world.client.pubkey();
    world.env.send_ok(&[ix::cancel_expired_job(&job.job_id, &client, &committee)], &[]);
    assert_eq!(world.stake(2), (LOCK - PENALTY, 0, PENALTY, 1));
    assert_eq!(world.env.treasury().penalties_collected.get(), PENALTY);
    // Every lamport of its account is stake it can take out.
    world.env.send_ok(&[ix::withdraw_stake(&dodger.pubkey(), LOCK - PENALTY)], &[&dodger]);
    assert_eq!(world.stake(2), (0, 0, PENALTY, 1));
}

#[test]
fn the_penalty_is_the_same_whoever_ends_the_job() {
    // Finalize, penalize and expiry each charge a silent member exactly the job's penalty from
    // its lock and release the rest.
    for ending in ["penalize", "expire"] {
        let mut world = World::new(3);
        let job = world.assigned();
        world.submit(&job, 0, honest_output());
        let deadline = world.env.job(&job.job_id).deadline_slot.get();
        world.env.warp_to(deadline + 1);
        let committee = world.committee(&job);
        if ending == "penalize" {
            world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
        }
        world.env.warp_to(deadline + world.env.params.challenge_window_slots + 1);
        let client = world.client.pubkey();
        world.env.send_ok(&[ix::cancel_expired_job(&job.job_id, &client, &committee)], &[]);
        for worker in [1, 2] {
            assert_eq!(world.stake(worker), (STAKE - PENALTY, 0, PENALTY, 1), "{ending}: worker {worker}");
        }
        assert_eq!(world.stake(0), (STAKE, 0, 0, 0), "{ending}: the submitter");
    }
}
