//! Item 1: no penalty for a member whose deadline has not passed. A quorum may form before a
//! member's deadline and then closes submissions; that member did not fail to respond.

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{assert_error, honest_output};

use super::{World, LOCK, PENALTY, STAKE};

#[test]
fn a_member_cut_off_by_an_early_quorum_loses_nothing() {
    let mut world = World::new(3);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    world.submit(&job, 1, honest_output());
    // Quorum right away: worker 2 is still inside its window and can no longer submit.
    world.reach_quorum(&job);
    let late = world.workers[2].insecure_clone();
    let result = world.env.submit(&job, &late, honest_output());
    assert_error(&result, EdgerunError::InvalidJobStatus);

    // Its deadline passes while the job waits for data availability: still not silent.
    let deadline = world.env.job(&job.job_id).member_deadline(2);
    world.env.warp_to(deadline + 10);
    let committee = world.committee(&job);
    let result = world.env.send(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    assert_error(&result, EdgerunError::NothingToPenalize);

    world.declare(&job, 0);
    world.finalize(&job);
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Finalized));
    // Released in full, nothing taken, no miss recorded.
    assert_eq!(world.stake(2), (STAKE, 0, 0, 0));
    assert!(!world.env.job(&job.job_id).is_penalized(2));
    assert_eq!(world.env.treasury().penalties_collected.get(), 0);
    // And nothing can be taken afterwards either.
    let result = world.env.send(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    assert_error(&result, EdgerunError::NothingToPenalize);
    assert_eq!(world.stake(2), (STAKE, 0, 0, 0));
}

#[test]
fn penalize_before_a_members_own_deadline_takes_nothing() {
    let mut world = World::new(3);
    let job = world.assigned();
    world.submit(&job, 0, honest_output());
    let deadline = world.env.job(&job.job_id).member_deadline(1);
    world.env.warp_to(deadline);
    let committee = world.committee(&job);
    let result = world.env.send(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    assert_error(&result, EdgerunError::NothingToPenalize);
    assert_eq!(world.stake(1), (STAKE, LOCK, 0, 0));
    // One slot later both silent members pay, once, from the lock.
    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    for index in [1, 2] {
        assert_eq!(world.stake(index), (STAKE - PENALTY, LOCK - PENALTY, PENALTY, 1));
    }
}

#[test]
fn a_member_silent_past_its_deadline_before_the_quorum_pays_at_finalize() {
    // Workers 0 and 2 are silent past the deadline; 0 is replaced (and pays then); the
    // replacement and worker 1 form the quorum later. Worker 2's window closed before that
    // quorum, so finalize charges it; worker 0 is not charged twice.
    let mut world = World::new(4);
    let job = world.assigned();
    world.submit(&job, 1, honest_output());
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let scheduler = world.scheduler();
    world.env.send_ok(&[world.reassign(&job, 0, 3)], &[&scheduler]);
    let replacement_keypair = world.workers[3].insecure_clone();
    world.env.submit(&job, &replacement_keypair, honest_output()).expect("replacement submits");
    world.reach_quorum(&job);
    world.declare(&job, 1);
    world.finalize(&job);
    assert_eq!(world.stake(0), (STAKE - PENALTY, 0, PENALTY, 1));
    assert_eq!(world.stake(2), (STAKE - PENALTY, 0, PENALTY, 1));
    assert_eq!(world.env.treasury().penalties_collected.get(), 2 * PENALTY);
}
