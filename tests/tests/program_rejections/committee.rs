//! Committees: tier sizes, assignment and locked stake, the committee accounts a crank must pass.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, instruction_error, wrong_output, TestEnv, TestJob};
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_signer::Signer;

// ---------------------------------------------------------------------------------------------
// Tier boundaries
// ---------------------------------------------------------------------------------------------

#[test]
fn committee_tier_boundaries() {
    let mut env = TestEnv::new();
    let client = env.new_actor(100_000_000_000);
    let cases = [
        (99_999_999u64, 3u8, 2u8),
        (100_000_000, 5, 3),
        (999_999_999, 5, 3),
        (1_000_000_000, 7, 5),
        (9_999_999_999, 7, 5),
        (10_000_000_000, 9, 6),
    ];
    for (escrow, size, quorum) in cases {
        let job = env.post_job(&client, escrow);
        let state = env.job(&job.job_id);
        assert_eq!((state.committee_size, state.quorum), (size, quorum), "escrow {escrow}");
        assert_eq!(state.escrow_lamports.get(), escrow);
    }
}

// ---------------------------------------------------------------------------------------------
// Committee assignment and stake
// ---------------------------------------------------------------------------------------------

#[test]
fn assign_duplicate_worker_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[a[0], a[1], a[0]]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::DuplicateWorker);
}

#[test]
fn assign_too_few_or_too_many_workers_is_rejected() {
    let mut world = World::new();
    let extra = world.env.new_worker(STAKE);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &a[..2]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[a[0], a[1], a[2], extra.pubkey()]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &[]);
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongCommitteeSize);
}

#[test]
fn assign_with_wrong_stake_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let mut assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &a);
    // Worker 1's stake in place of worker 2's.
    let last = assign.accounts.len() - 1;
    assign.accounts[last] = AccountMeta::new(pda::worker_stake_address(&a[1]), false);
    world.reject(&job, std::slice::from_ref(&assign), &[&scheduler], EdgerunError::InvalidWorkerStakeAccount);
    assign.accounts.pop();
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::WrongRemainingAccounts);
}

#[test]
fn assign_with_insufficient_unlocked_stake_is_rejected() {
    let mut world = World::new();
    let poor = world.env.new_worker(LOCK - 1);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let a = world.addresses();
    let workers = [a[0], a[1], poor.pubkey()];
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &workers);
    let watch = pda::worker_stake_address(&poor.pubkey());
    let mut all = world.watch(&job);
    all.push(watch);
    let result = world.env.send_rejected(&[assign], &[&scheduler], &all);
    assert_error(&result, EdgerunError::InsufficientUnlockedStake);
}

#[test]
fn stake_locked_by_an_earlier_job_is_not_available() {
    let mut world = World::new();
    // 4 jobs lock 100_000_000 of each worker's 100_000_000: a fifth cannot be assigned.
    for _ in 0..4 {
        world.assigned();
    }
    assert_eq!(world.env.stake(&world.workers[0].pubkey()).unlocked_stake(), 0);
    let job = world.post();
    world.env.seed(&job);
    let scheduler = scheduler(&world.env);
    let assign = ix::assign_workers(&scheduler.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&scheduler], EdgerunError::InsufficientUnlockedStake);
}

#[test]
fn withdraw_more_than_unlocked_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].insecure_clone();
    let unlocked = STAKE - LOCK;
    let withdraw = ix::withdraw_stake(&worker.pubkey(), unlocked + 1);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::InsufficientUnlockedStake);
    let withdraw = ix::withdraw_stake(&worker.pubkey(), 0);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::ZeroAmount);
    world.env.send_ok(&[ix::withdraw_stake(&worker.pubkey(), unlocked)], &[&worker]);
    let stake = world.env.stake(&worker.pubkey());
    assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (LOCK, LOCK));
    let withdraw = ix::withdraw_stake(&worker.pubkey(), 1);
    world.reject(&job, &[withdraw], &[&worker], EdgerunError::InsufficientUnlockedStake);
}

// ---------------------------------------------------------------------------------------------
// Remaining accounts: a caller cannot omit, repeat, reorder or substitute a committee member
// ---------------------------------------------------------------------------------------------

/// Tampered copies of a committee-walking instruction (committee of 3 at the end of `accounts`).
fn tampered(instruction: &Instruction) -> Vec<(&'static str, Instruction, EdgerunError)> {
    let base = instruction.accounts.len() - 6;
    let member = |index: usize| base + 2 * index;
    let mut variants = Vec::new();

    let mut omit = instruction.clone();
    omit.accounts.truncate(base + 4);
    variants.push(("omit the last member", omit, EdgerunError::WrongRemainingAccounts));

    let mut extra = instruction.clone();
    extra.accounts.push(instruction.accounts[member(0)].clone());
    extra.accounts.push(instruction.accounts[member(0) + 1].clone());
    variants.push(("repeat a member at the end", extra, EdgerunError::WrongRemainingAccounts));

    let mut repeat = instruction.clone();
    repeat.accounts[member(1)] = instruction.accounts[member(0)].clone();
    repeat.accounts[member(1) + 1] = instruction.accounts[member(0) + 1].clone();
    variants.push(("member 0 in place of member 1", repeat, EdgerunError::InvalidJobResultAccount));

    let mut swap = instruction.clone();
    swap.accounts.swap(member(0), member(2));
    swap.accounts.swap(member(0) + 1, member(2) + 1);
    variants.push(("swap members 0 and 2", swap, EdgerunError::InvalidJobResultAccount));

    for index in 0..3 {
        let mut substitute = instruction.clone();
        substitute.accounts[member(index)] = AccountMeta::new_readonly(Address::new_unique(), false);
        variants.push(("empty account for a JobResult", substitute, EdgerunError::InvalidJobResultAccount));
    }
    variants
}

/// Stake-account tampering for the instructions that move stake.
fn tampered_stakes(instruction: &Instruction) -> Vec<(&'static str, Instruction, EdgerunError)> {
    let base = instruction.accounts.len() - 6;
    let stake = |index: usize| base + 2 * index + 1;
    let mut variants = Vec::new();
    for (target, source) in [(0usize, 1usize), (1, 2), (2, 0)] {
        let mut repeat = instruction.clone();
        repeat.accounts[stake(target)] = instruction.accounts[stake(source)].clone();
        variants.push(("another member's stake", repeat, EdgerunError::InvalidWorkerStakeAccount));
    }
    for index in 0..3 {
        let mut random = instruction.clone();
        random.accounts[stake(index)] = AccountMeta::new(Address::new_unique(), false);
        variants.push(("empty account for a stake", random, EdgerunError::InvalidWorkerStakeAccount));
        let mut readonly = instruction.clone();
        readonly.accounts[stake(index)].is_writable = false;
        variants.push(("read-only stake", readonly, EdgerunError::InvalidWorkerStakeAccount));
    }
    variants
}

#[track_caller]
fn reject_all(world: &mut World, job: &TestJob, variants: Vec<(&'static str, Instruction, EdgerunError)>) {
    for (name, instruction, expected) in variants {
        let mut watch = world.watch(job);
        watch.extend(instruction.accounts.iter().map(|meta| meta.pubkey));
        let result = world.env.send_rejected(&[instruction], &[], &watch);
        let error = instruction_error(&result);
        assert_eq!(
            error,
            InstructionError::Custom(edgerun_tests::svm::error_code(expected)),
            "{name}: expected {expected:?}; logs: {:#?}",
            result.err().map(|f| f.meta.logs)
        );
    }
}

#[test]
fn reach_quorum_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    // Only workers 1 and 2 agree: dropping or hiding either would deny quorum; repeating worker 1
    // in place of worker 0 (a liar) would fake it with 3 votes.
    world.submit_all(&job, &[Some(wrong_output()), Some(honest_output()), Some(honest_output())]);
    let reach = ix::reach_quorum(&job.job_id, &world.addresses());
    let mut variants = tampered(&reach);
    // Accounts: job, then (JobResult, WorkerStake) per member.
    let mut fake = reach.clone();
    fake.accounts[1] = reach.accounts[3].clone();
    variants.push(("member 1 in place of member 0", fake, EdgerunError::InvalidJobResultAccount));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[reach], &[]);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.status(), Ok(JobStatus::AwaitingDa));
    assert_eq!(state.winning_output_hash, honest_output());
}

#[test]
fn finalize_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(wrong_output()), Some(honest_output())]);
    world.declare(&job, 0);
    let finalize = ix::finalize_job(&job.job_id, &world.addresses());
    let mut variants = tampered(&finalize);
    variants.extend(tampered_stakes(&finalize));
    reject_all(&mut world, &job, variants);

    let stakes_before: Vec<u64> =
        world.addresses().iter().map(|w| world.env.balance(&pda::worker_stake_address(w))).collect();
    world.env.send_ok(&[finalize], &[]);
    // Honest outcome: fee 1_250_000, 2 winners share 48_750_000, the liar loses its lock.
    let share = (ESCROW - ESCROW * 250 / 10_000) / 2;
    let a = world.addresses();
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Finalized));
    for (index, expected) in [(0, STAKE + share), (1, STAKE - LOCK), (2, STAKE + share)] {
        let stake = world.env.stake(&a[index]);
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (expected, 0), "worker {index}");
    }
    assert_eq!(world.env.balance(&pda::worker_stake_address(&a[0])), stakes_before[0] + share);
    assert_eq!(world.env.balance(&pda::worker_stake_address(&a[1])), stakes_before[1] - LOCK);
}

#[test]
fn penalize_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let penalize = ix::penalize_non_submitters(&job.job_id, &world.addresses());
    let mut variants = tampered(&penalize);
    // Silent members 1 and 2: their stakes are the ones touched.
    variants.extend(tampered_stakes(&penalize).into_iter().filter(|(_, ix_, _)| {
        let base = ix_.accounts.len() - 6;
        ix_.accounts[base + 3] != penalize.accounts[base + 3] || ix_.accounts[base + 5] != penalize.accounts[base + 5]
    }));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[penalize], &[]);
    let a = world.addresses();
    assert_eq!(world.env.stake(&a[0]).total_stake.get(), STAKE);
    for worker in &a[1..] {
        let stake = world.env.stake(worker);
        assert_eq!((stake.total_stake.get(), stake.penalized_lamports.get()), (STAKE - PENALTY, PENALTY));
    }
}

#[test]
fn cancel_expired_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let state = world.env.job(&job.job_id);
    world.env.warp_to(state.deadline_slot.get() + world.env.config().challenge_window_slots.get() + 1);
    let cancel = ix::cancel_expired_job(&job.job_id, &job.client, &world.addresses());
    let mut variants = tampered(&cancel);
    variants.extend(tampered_stakes(&cancel));
    reject_all(&mut world, &job, variants);
    let client_before = world.env.balance(&job.client);
    world.env.send_ok(&[cancel], &[]);
    assert_eq!(world.env.balance(&job.client), client_before + ESCROW);
    let a = world.addresses();
    assert_eq!(world.env.stake(&a[0]).total_stake.get(), STAKE);
    for worker in &a {
        assert_eq!(world.env.stake(worker).locked_stake.get(), 0);
    }
    for worker in &a[1..] {
        assert_eq!(world.env.stake(worker).penalized_lamports.get(), PENALTY);
    }
}

#[test]
fn cancel_no_da_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(wrong_output()), Some(honest_output())]);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let cancel = ix::cancel_no_da(&job.job_id, &world.addresses());
    let mut variants = tampered(&cancel);
    // The winners (members 0 and 2) are the ones penalized.
    variants.extend(tampered_stakes(&cancel).into_iter().filter(|(_, ix_, _)| {
        let base = ix_.accounts.len() - 6;
        ix_.accounts[base + 1] != cancel.accounts[base + 1] || ix_.accounts[base + 5] != cancel.accounts[base + 5]
    }));
    reject_all(&mut world, &job, variants);
    world.env.send_ok(&[cancel], &[]);
    let state = world.env.job(&job.job_id);
    assert_eq!((state.status(), state.winning_output_hash), (Ok(JobStatus::Assigned), [0u8; 32]));
    assert_eq!(state.da_failed_mask.get(), 0b101);
    let a = world.addresses();
    for (index, penalized) in [(0, PENALTY), (1, 0), (2, PENALTY)] {
        assert_eq!(world.env.stake(&a[index]).penalized_lamports.get(), penalized, "worker {index}");
    }
}

#[test]
fn settle_input_unavailable_with_tampered_committee_accounts_is_rejected() {
    let mut world = World::new();
    let job = world.assigned();
    // Members 1 and 2 could not get the input: hiding either denies the settlement, and member 2
    // in place of the others would fake it.
    let marker = edgerun_tests::svm::INPUT_UNAVAILABLE;
    world.submit_all(&job, &[Some(honest_output()), Some(marker), Some(marker)]);
    let settle = ix::settle_input_unavailable(&job.job_id, &job.client, &world.addresses());
    let mut variants = tampered(&settle);
    // Every member's lock is released: each stake is touched.
    variants.extend(tampered_stakes(&settle));
    let mut thief = settle.clone();
    thief.accounts[1] = AccountMeta::new(world.workers[0].pubkey(), false);
    variants.push(("another refund recipient", thief, EdgerunError::NotJobClient));
    reject_all(&mut world, &job, variants);
    let client_before = world.env.balance(&job.client);
    world.env.send_ok(&[settle], &[]);
    assert_eq!(world.env.balance(&job.client), client_before + ESCROW);
    for worker in world.addresses() {
        let stake = world.env.stake(&worker);
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (STAKE, 0));
    }
}

#[test]
fn a_prefunded_job_result_address_does_not_count_as_a_submission() {
    // Someone sends lamports to a silent worker's JobResult PDA: it is still "not submitted".
    let mut world = World::new();
    let job = world.assigned();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let silent = world.workers[1].pubkey();
    world.env.fund(&pda::job_result_address(&job.job_id, &silent), 1_000_000);
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &world.addresses())], &[]);
    assert_eq!(world.env.stake(&silent).penalized_lamports.get(), PENALTY);
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
    result.accounts[4] = AccountMeta::new(Address::new_unique(), false);
    variants.push((result, EdgerunError::InvalidJobResultAccount));
    let mut result = reassign.clone();
    result.accounts[4] = AccountMeta::new(pda::job_result_address(&job.job_id, &a[2]), false);
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
    // Remaining accounts: one JobResult PDA per member, in assignment order.
    let close = ix::close_job(&state);
    let base = close.accounts.len() - 3;
    let mut omit = close.clone();
    omit.accounts.truncate(base + 2);
    let mut extra = close.clone();
    extra.accounts.push(AccountMeta::new(world.workers[0].pubkey(), false));
    let mut swap = close.clone();
    swap.accounts.swap(base, base + 1);
    let mut substitute = close.clone();
    substitute.accounts[base + 1] = AccountMeta::new(Address::new_unique(), false);
    let mut output_as_result = close.clone();
    output_as_result.accounts[base + 2] = AccountMeta::new(pda::output_address(&job.job_id), false);
    let edgerun_error = |error| InstructionError::Custom(edgerun_tests::svm::error_code(error));
    let anchor_error = |error| match anchor_lang::prelude::ProgramError::from(error) {
        anchor_lang::prelude::ProgramError::Custom(code) => InstructionError::Custom(code),
        other => panic!("not a custom error: {other:?}"),
    };
    let cases = [
        (omit, edgerun_error(EdgerunError::WrongRemainingAccounts)),
        (extra, edgerun_error(EdgerunError::WrongRemainingAccounts)),
        (swap, edgerun_error(EdgerunError::InvalidJobResultAccount)),
        (substitute, edgerun_error(EdgerunError::InvalidJobResultAccount)),
        // The OutputAvailability is already a named writable account: Anchor refuses it twice.
        (output_as_result, anchor_error(anchor_lang::ErrorCode::ConstraintDuplicateMutableAccount)),
    ];
    for (instruction, expected) in cases {
        let mut watch = world.watch(&job);
        watch.extend(instruction.accounts.iter().map(|meta| meta.pubkey));
        let result = world.env.send_rejected(&[instruction], &[], &watch);
        assert_eq!(instruction_error(&result), expected, "logs: {:#?}", result.err().map(|f| f.meta.logs));
    }
    world.env.send_ok(&[close], &[]);
}

#[test]
fn close_job_when_the_client_is_also_a_committee_member() {
    let mut world = World::new();
    let client = world.workers[0].insecure_clone();
    world.client = client.insecure_clone();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    assert_eq!(job.client, world.workers[0].pubkey());
    world.declare(&job, 0);
    world.env.send_ok(&[ix::finalize_job(&job.job_id, &world.addresses())], &[]);
    let state = world.env.job(&job.job_id);
    world.env.warp_by(world.env.config().job_retention_slots.get());
    world.env.send_ok(&[ix::close_job(&state)], &[]);
    assert!(world.env.svm.get_account(&pda::job_address(&job.job_id)).is_none_or(|a| a.lamports == 0));
}
