//! Worker registration and stake, reassignment batches, `close_job` result accounts.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, instruction_error, TestEnv};
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

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
