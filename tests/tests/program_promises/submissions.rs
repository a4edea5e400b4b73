//! Who answered is readable from the job alone: bit i of `submitted_mask` is set exactly while
//! committee slot i holds a JobResult, and a replaced slot starts over clear.

use edgerun::state::Job;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{honest_output, wrong_output, TestJob, INPUT_UNAVAILABLE};

use super::World;

/// Asserts the mask is `expected` and agrees with the JobResults of the current committee.
#[track_caller]
fn assert_mask(world: &World, job: &TestJob, expected: u16) {
    let state: Job = world.env.job(&job.job_id);
    assert_eq!(state.submitted_mask.get(), expected, "submitted_mask");
    assert_eq!(state.any_submitted(), expected != 0);
    for (index, worker) in state.committee().iter().enumerate() {
        let has_result = world.env.job_result(&job.job_id, worker).is_some();
        assert_eq!(state.has_submitted(index), has_result, "slot {index}");
    }
}

#[test]
fn submitted_mask_follows_submissions_and_clears_for_a_replaced_slot() {
    let mut world = World::new(5);
    let job = world.assigned();
    assert_mask(&world, &job, 0);
    world.submit(&job, 1, honest_output());
    assert_mask(&world, &job, 0b010);
    world.submit(&job, 0, honest_output());
    assert_mask(&world, &job, 0b011);

    // The winners let the DA window lapse: their results stay, and so do their bits.
    world.reach_quorum(&job);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let committee = world.committee(&job);
    world.env.send_ok(&[ix::cancel_no_da(&job.job_id, &committee)], &[]);
    assert_mask(&world, &job, 0b011);

    // Slot 2's member stays silent past the deadline cancel_no_da gave it.
    let deadline = world.env.job(&job.job_id).member_deadline(2);
    world.env.warp_to(deadline + 1);
    assert_mask(&world, &job, 0b011);
    // Slot 0's member is replaced: its result is closed, its bit cleared for the newcomer.
    let scheduler = world.scheduler();
    world.env.send_ok(&[world.reassign(&job, 0, 3)], &[&scheduler]);
    assert_mask(&world, &job, 0b010);
    // Slot 2's silent member is replaced: the slot stays clear.
    world.env.send_ok(&[world.reassign(&job, 2, 4)], &[&scheduler]);
    assert_mask(&world, &job, 0b010);

    // The newcomers answer, whatever they answer.
    world.submit(&job, 4, INPUT_UNAVAILABLE);
    assert_mask(&world, &job, 0b110);
    world.submit(&job, 3, wrong_output());
    assert_mask(&world, &job, 0b111);
}

#[test]
fn a_job_read_from_any_bytes_never_panics_on_its_committee() {
    use anchor_lang::{AccountDeserialize, Discriminator};
    use edgerun::constants::{MAX_COMMITTEE_SIZE, MAX_REASSIGNMENTS};
    // Counts no instruction writes (a clobbered or foreign account): the views clamp to the arrays.
    for count in [0u8, 9, 10, u8::MAX] {
        let mut data = Job::DISCRIMINATOR.to_vec();
        data.resize(edgerun_tests::svm::account_len::<Job>(), 0);
        data[8 + std::mem::offset_of!(Job, assigned_count)] = count;
        data[8 + std::mem::offset_of!(Job, replaced_count)] = count;
        let job = Job::try_deserialize(&mut data.as_slice()).expect("a Job's layout");
        assert_eq!(job.committee().len(), usize::from(count).min(MAX_COMMITTEE_SIZE));
        assert_eq!(job.replaced().len(), usize::from(count).min(MAX_REASSIGNMENTS));
        assert!(!job.any_submitted());
    }
}
