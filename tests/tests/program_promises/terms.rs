//! Item 2: a job's terms are fixed when it is posted. The admin can change the config, but not
//! what a running job promised: its fee, its penalty and its windows are the job's own. The
//! configurable values are bounded, and `ConfigUpdated` carries every value.

use anchor_lang::Event;
use base64::Engine;
use edgerun::constants::MAX_WINDOW_SLOTS;
use edgerun::errors::EdgerunError;
use edgerun::events::ConfigUpdated;
use edgerun::instructions::ConfigParams;
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, TestEnv};
use solana_address::Address;
use solana_signer::Signer;

use super::{World, ESCROW, LOCK, PENALTY, STAKE};

/// Every term of the config turned against running jobs: the whole escrow as fee, the largest
/// penalty allowed, windows ten times longer.
fn hostile(params: ConfigParams) -> ConfigParams {
    ConfigParams {
        protocol_fee_bps: 10_000,
        non_response_slash_lamports: params.min_worker_stake_lamports,
        challenge_window_slots: 1_000,
        da_window_slots: 500,
        job_retention_slots: 10_000,
        ..params
    }
}

fn update(env: &mut TestEnv, params: ConfigParams) {
    let admin = env.admin.insecure_clone();
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
}

#[test]
fn a_fee_change_after_posting_does_not_reach_the_job() {
    let mut world = World::new(3);
    let job = world.assigned();
    let original = world.env.params;
    update(&mut world.env, hostile(original));
    for worker in 0..3 {
        world.submit(&job, worker, honest_output());
    }
    world.reach_quorum(&job);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.da_deadline_slot.get(), world.env.slot() + original.da_window_slots);
    world.declare(&job, 0);
    let treasury_before = world.env.balance(&pda::treasury_address());
    world.finalize(&job);

    // The fee the job was posted with (2.5 %), not the config's 100 %.
    let fee = ESCROW * u64::from(original.protocol_fee_bps) / 10_000;
    let share = (ESCROW - fee) / 3;
    let remainder = ESCROW - fee - 3 * share;
    assert_eq!(world.env.balance(&pda::treasury_address()), treasury_before + fee + remainder);
    for worker in 0..3 {
        assert_eq!(world.stake(worker), (STAKE + share, 0, 0, 0));
    }
    // Its retention window too.
    let ended = world.env.job(&job.job_id).ended_slot.get();
    world.env.warp_to(ended + original.job_retention_slots);
    let closed = world.env.job(&job.job_id);
    world.env.send_ok(&[ix::close_job(&closed)], &[]);
}

#[test]
fn a_penalty_or_window_change_after_posting_does_not_reach_the_job() {
    let mut world = World::new(3);
    let client = world.client.insecure_clone();
    let job = world.env.post_job(&client, ESCROW);
    let original = world.env.params;
    update(&mut world.env, hostile(original));
    // Assigned after the change: still the posted window.
    world.env.seed(&job);
    let committee: Vec<_> = world.workers.iter().map(|w| w.insecure_clone()).collect();
    let refs: Vec<_> = committee.iter().collect();
    world.env.assign(&job, &refs).expect("assign");
    let state = world.env.job(&job.job_id);
    assert_eq!(state.deadline_slot.get(), world.env.slot() + original.challenge_window_slots);
    world.submit(&job, 0, honest_output());

    // The silent pair pays the posted penalty, not the config's 1,000,000.
    world.env.warp_to(state.deadline_slot.get() + 1);
    let members = world.committee(&job);
    world.env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &members)], &[]);
    for worker in [1, 2] {
        assert_eq!(world.stake(worker), (STAKE - PENALTY, LOCK - PENALTY, PENALTY, 1));
    }
    // Expiry counts the posted challenge window, not the config's longer one.
    let client_before = world.env.balance(&client.pubkey());
    world.env.warp_to(state.deadline_slot.get() + original.challenge_window_slots + 1);
    world.env.send_ok(&[ix::cancel_expired_job(&job.job_id, &client.pubkey(), &members)], &[]);
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Cancelled));
    assert_eq!(world.env.balance(&client.pubkey()), client_before + ESCROW);
    for worker in 0..3 {
        assert_eq!(world.stake(worker).1, 0, "worker {worker}'s lock is released");
    }
}

#[test]
fn a_job_posted_after_the_change_carries_the_new_terms() {
    let mut world = World::new(3);
    let changed = hostile(world.env.params);
    update(&mut world.env, changed);
    let client = world.client.insecure_clone();
    let job = world.env.post_job(&client, ESCROW);
    let state = world.env.job(&job.job_id);
    assert_eq!(state.protocol_fee_bps.get(), changed.protocol_fee_bps);
    assert_eq!(state.non_response_penalty.get(), changed.non_response_slash_lamports);
    assert_eq!(state.challenge_window_slots.get(), changed.challenge_window_slots);
    assert_eq!(state.da_window_slots.get(), changed.da_window_slots);
    assert_eq!(state.retention_slots.get(), changed.job_retention_slots);
}

#[test]
fn out_of_bounds_config_values_are_rejected_and_change_nothing() {
    let mut env = TestEnv::new();
    let admin = env.admin.insecure_clone();
    let params = env.params;
    let rent_exempt_minimum = env.rent(0);
    let cases: [(&str, ConfigParams, EdgerunError); 7] = [
        (
            "penalty above the minimum stake",
            ConfigParams { non_response_slash_lamports: u64::MAX, ..params },
            EdgerunError::InvalidPenalty,
        ),
        (
            "penalty one above the minimum stake",
            ConfigParams { non_response_slash_lamports: params.min_worker_stake_lamports + 1, ..params },
            EdgerunError::InvalidPenalty,
        ),
        ("zero penalty", ConfigParams { non_response_slash_lamports: 0, ..params }, EdgerunError::InvalidPenalty),
        (
            "challenge window",
            ConfigParams { challenge_window_slots: MAX_WINDOW_SLOTS + 1, ..params },
            EdgerunError::WindowTooLong,
        ),
        ("DA window", ConfigParams { da_window_slots: u64::MAX, ..params }, EdgerunError::WindowTooLong),
        (
            "retention",
            ConfigParams { job_retention_slots: MAX_WINDOW_SLOTS + 1, ..params },
            EdgerunError::WindowTooLong,
        ),
        (
            "minimum escrow below rent exemption",
            ConfigParams { min_escrow_lamports: rent_exempt_minimum - 1, ..params },
            EdgerunError::MinEscrowBelowRentExemption,
        ),
    ];
    for (name, bad, expected) in cases {
        let result = env.send_rejected(&[ix::update_config(&admin.pubkey(), bad)], &[&admin], &[]);
        assert_error(&result, expected);
        eprintln!("rejected: {name}");
    }
    // The bounds themselves are accepted.
    let edge = ConfigParams {
        non_response_slash_lamports: params.min_worker_stake_lamports,
        challenge_window_slots: MAX_WINDOW_SLOTS,
        da_window_slots: MAX_WINDOW_SLOTS,
        job_retention_slots: MAX_WINDOW_SLOTS,
        min_escrow_lamports: rent_exempt_minimum,
        ..params
    };
    update(&mut env, edge);
    assert_eq!(ConfigParams::of(&env.config()), edge);

    // initialize_config applies the same bounds.
    let mut fresh = TestEnv::uninitialized();
    let admin = fresh.admin.insecure_clone();
    let bad = ConfigParams { non_response_slash_lamports: u64::MAX, ..fresh.params };
    let result =
        fresh.send_rejected(&[ix::initialize_config(&admin.pubkey(), bad)], &[&admin], &[pda::config_address()]);
    assert_error(&result, EdgerunError::InvalidPenalty);
}

#[test]
fn config_updated_carries_every_value() {
    let mut env = TestEnv::new();
    let admin = env.admin.insecure_clone();
    let changed = hostile(env.params);
    let meta = env.send(&[ix::update_config(&admin.pubkey(), changed)], &[&admin]).expect("update_config");
    let expected = ConfigUpdated { admin: admin.pubkey(), pending_admin: Address::default(), params: changed };
    let encoded = base64::engine::general_purpose::STANDARD.encode(expected.data());
    let events: Vec<&String> = meta.logs.iter().filter(|line| line.starts_with("Program data: ")).collect();
    assert_eq!(events.len(), 1, "{:#?}", meta.logs);
    assert_eq!(events[0].trim_start_matches("Program data: "), encoded, "ConfigUpdated must carry every value");
}
