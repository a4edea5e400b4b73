//! `declare_output`: who may declare, which hash, the pointer length, declaring twice.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{honest_output, wrong_output};
use solana_instruction::error::InstructionError;
use solana_signer::Signer;

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
