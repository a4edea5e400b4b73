//! Admin parameters: `update_config` and `withdraw_treasury` validation.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, test_config, TestEnv};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[test]
fn update_config_with_invalid_params_is_rejected() {
    let mut env = TestEnv::new();
    let admin = admin(&env);
    let base = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    type Change = fn(&mut edgerun::instructions::ConfigParams);
    let cases: [(Change, EdgerunError); 12] = [
        (|p| p.protocol_fee_bps = 10_001, EdgerunError::InvalidFeeBps),
        (|p| p.protocol_fee_bps = u16::MAX, EdgerunError::InvalidFeeBps),
        (|p| (p.committee_size, p.quorum) = (4, 2), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 1), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 0), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (3, 4), EdgerunError::InvalidCommittee),
        (|p| (p.committee_size, p.quorum) = (10, 6), EdgerunError::InvalidCommittee),
        (|p| p.challenge_window_slots = 1, EdgerunError::InvalidConfig),
        (|p| p.da_window_slots = 0, EdgerunError::InvalidConfig),
        (|p| p.min_worker_stake_lamports = 0, EdgerunError::InvalidConfig),
        (|p| p.max_memory_bytes = 0, EdgerunError::InvalidConfig),
        (|p| p.max_instructions = 0, EdgerunError::InvalidConfig),
    ];
    for (change, expected) in cases {
        let mut params = base;
        change(&mut params);
        let update = ix::update_config(&admin.pubkey(), params);
        let result = env.send_rejected(&[update], &[&admin], &[]);
        assert_error(&result, expected);
    }
    // Boundaries that are valid.
    let mut params = base;
    params.protocol_fee_bps = 10_000;
    (params.committee_size, params.quorum) = (9, 5);
    params.challenge_window_slots = 2;
    params.da_window_slots = 1;
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
}

#[test]
fn withdraw_treasury_beyond_balance_or_zero_is_rejected() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let admin = admin(&env);
    let recipient = Keypair::new().pubkey();
    let withdraw = ix::withdraw_treasury(&admin.pubkey(), &recipient, 5_000_001);
    let result = env.send_rejected(&[withdraw], &[&admin], &[]);
    assert_error(&result, EdgerunError::InsufficientTreasuryBalance);
    let withdraw = ix::withdraw_treasury(&admin.pubkey(), &recipient, 0);
    let result = env.send_rejected(&[withdraw], &[&admin], &[]);
    assert_error(&result, EdgerunError::ZeroAmount);
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &recipient, 5_000_000)], &[&admin]);
}
