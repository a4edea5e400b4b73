//! Worker registration and stake.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::instructions as ix;
use edgerun_tests::svm::{assert_error, instruction_error, TestEnv};
use solana_instruction::error::InstructionError;
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
