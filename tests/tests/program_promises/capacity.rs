//! A worker declares what its machine runs (`set_worker_capacity`): concurrent executions and wasm
//! instructions per second. Only for its own stake account, never zero, and nothing else of the
//! stake moves.

use edgerun::errors::EdgerunError;
use edgerun::events::WorkerCapacitySet;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, instruction_error, TestEnv};
use solana_instruction::error::InstructionError;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

use super::{encoded, logged_events, World, LOCK, STAKE};

/// (max_concurrent_jobs, instructions_per_second) of worker `index`.
fn capacity(world: &World, index: usize) -> (u16, u64) {
    let stake = world.env.stake(&world.address(index));
    (stake.max_concurrent_jobs.get(), stake.instructions_per_second.get())
}

#[test]
fn a_worker_declares_its_capacity_and_nothing_else_moves() {
    let mut world = World::new(3);
    assert_eq!(capacity(&world, 0), (0, 0), "undeclared");
    // With a job running, so that a lock is held.
    let _job = world.assigned();
    let worker = world.workers[0].insecure_clone();
    let stake_address = pda::worker_stake_address(&worker.pubkey());
    let lamports = world.env.balance(&stake_address);
    for (jobs, speed) in [(4u16, 2_000_000_000u64), (1, 1), (u16::MAX, u64::MAX)] {
        let meta = world
            .env
            .send(&[ix::set_worker_capacity(&worker.pubkey(), jobs, speed)], &[&worker])
            .expect("set_worker_capacity");
        assert_eq!(
            logged_events(&meta),
            [encoded(&WorkerCapacitySet {
                worker: worker.pubkey(),
                max_concurrent_jobs: jobs,
                instructions_per_second: speed,
            })]
        );
        assert_eq!(capacity(&world, 0), (jobs, speed));
        assert_eq!(world.stake(0), (STAKE, LOCK, 0, 0));
        assert_eq!(world.env.balance(&stake_address), lamports);
    }
    // Another worker's declaration is its own.
    assert_eq!(capacity(&world, 1), (0, 0));
}

#[test]
fn a_capacity_of_zero_is_refused() {
    let mut env = TestEnv::new();
    let worker = env.new_worker(STAKE);
    env.send_ok(&[ix::set_worker_capacity(&worker.pubkey(), 2, 1_000)], &[&worker]);
    for (jobs, speed) in [(0u16, 1_000u64), (2, 0), (0, 0)] {
        let result = env.send_rejected(&[ix::set_worker_capacity(&worker.pubkey(), jobs, speed)], &[&worker], &[]);
        assert_error(&result, EdgerunError::InvalidWorkerCapacity);
    }
    let stake = env.stake(&worker.pubkey());
    assert_eq!((stake.max_concurrent_jobs.get(), stake.instructions_per_second.get()), (2, 1_000));
}

#[test]
fn only_the_worker_sets_its_own_capacity() {
    let mut env = TestEnv::new();
    let (thief, victim) = (env.new_worker(STAKE), env.new_worker(STAKE));
    let victim_stake = pda::worker_stake_address(&victim.pubkey());

    // The thief signs, naming the victim's stake account: the seeds are the signer's.
    let mut set = ix::set_worker_capacity(&thief.pubkey(), 1, 1);
    assert_eq!(set.accounts[1].pubkey, pda::worker_stake_address(&thief.pubkey()));
    set.accounts[1] = AccountMeta::new(victim_stake, false);
    let result = env.send_rejected(&[set], &[&thief], &[victim_stake]);
    assert_eq!(instruction_error(&result), InstructionError::InvalidSeeds);

    // Someone names the victim as the worker without its signature.
    let mut set = ix::set_worker_capacity(&victim.pubkey(), 1, 1);
    set.accounts[0].is_signer = false;
    let result = env.send_rejected(&[set], &[], &[victim_stake]);
    assert_eq!(instruction_error(&result), InstructionError::MissingRequiredSignature);

    // An unregistered signer has no stake account to write.
    let stranger = env.new_actor(1_000_000_000);
    let result = env.send_rejected(&[ix::set_worker_capacity(&stranger.pubkey(), 1, 1)], &[&stranger], &[]);
    assert_eq!(instruction_error(&result), InstructionError::AccountDataTooSmall);

    let stake = env.stake(&victim.pubkey());
    assert_eq!((stake.max_concurrent_jobs.get(), stake.instructions_per_second.get()), (0, 0));
}
