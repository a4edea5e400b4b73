//! Wrong signer or authority: admin, randomness and scheduler authorities, job client, stake owner.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, instruction_error, test_config, TestEnv};
use solana_instruction::error::InstructionError;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[test]
fn update_config_by_non_admin_is_rejected() {
    let mut env = TestEnv::new();
    let stranger = env.new_actor(1_000_000_000);
    let params = test_config(&stranger.pubkey(), &stranger.pubkey());
    let update = ix::update_config(&stranger.pubkey(), params);
    let result = env.send_rejected(&[update], &[&stranger], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
    // The scheduler is no admin either.
    let scheduler = scheduler(&env);
    let update = ix::update_config(&scheduler.pubkey(), params);
    let result = env.send_rejected(&[update], &[&scheduler], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
}

#[test]
fn withdraw_treasury_by_non_admin_is_rejected() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let stranger = env.new_actor(1_000_000_000);
    let recipient = Keypair::new().pubkey();
    let withdraw = ix::withdraw_treasury(&stranger.pubkey(), &recipient, 1_000_000);
    let result = env.send_rejected(&[withdraw], &[&stranger], &[]);
    assert_error(&result, EdgerunError::NotAdmin);
    // The admin can, which shows the treasury had something to take.
    let admin = admin(&env);
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &recipient, 1_000_000)], &[&admin]);
    assert_eq!(env.balance(&recipient), 1_000_000);
}

#[test]
fn admin_may_withdraw_treasury_to_its_own_wallet() {
    let mut env = TestEnv::new();
    env.fund(&pda::treasury_address(), 5_000_000);
    let admin = admin(&env);
    let before = env.balance(&admin.pubkey());
    env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &admin.pubkey(), 1_000_000)], &[&admin]);
    assert_eq!(env.balance(&admin.pubkey()), before + 1_000_000);
}

#[test]
fn set_job_seed_by_non_randomness_authority_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let scheduler = scheduler(&world.env);
    let seed = ix::set_job_seed(&scheduler.pubkey(), &job.job_id, [1u8; 32]);
    world.reject(&job, &[seed], &[&scheduler], EdgerunError::NotRandomnessAuthority);
    let client = world.client.insecure_clone();
    let seed = ix::set_job_seed(&client.pubkey(), &job.job_id, [1u8; 32]);
    world.reject(&job, &[seed], &[&client], EdgerunError::NotRandomnessAuthority);
}

#[test]
fn assign_workers_by_non_scheduler_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    world.env.seed(&job);
    let randomness = randomness(&world.env);
    let assign = ix::assign_workers(&randomness.pubkey(), &job.job_id, &world.addresses());
    world.reject(&job, &[assign], &[&randomness], EdgerunError::NotSchedulerAuthority);
}

#[test]
fn reassign_missing_by_non_scheduler_is_rejected() {
    let mut world = World::new();
    let replacement = world.env.new_worker(STAKE);
    let job = world.assigned();
    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + 1);
    let randomness = randomness(&world.env);
    let missing = world.workers[0].pubkey();
    let reassign = ix::reassign_missing(&randomness.pubkey(), &job.job_id, &missing, &replacement.pubkey());
    let watch_extra = pda::worker_stake_address(&replacement.pubkey());
    let mut watch = world.watch(&job);
    watch.push(watch_extra);
    let result = world.env.send_rejected(&[reassign], &[&randomness], &watch);
    assert_error(&result, EdgerunError::NotSchedulerAuthority);
}

#[test]
fn cancel_job_by_non_client_is_rejected() {
    let mut world = World::new();
    let job = world.post();
    let stranger = world.env.new_actor(1_000_000_000);
    let cancel = ix::cancel_job(&stranger.pubkey(), &job.job_id);
    world.reject(&job, &[cancel], &[&stranger], EdgerunError::NotJobClient);
}

#[test]
fn withdraw_stake_of_another_worker_is_rejected() {
    let mut world = World::new();
    let thief = world.workers[0].insecure_clone();
    let victim = world.workers[1].pubkey();
    let mut withdraw = ix::withdraw_stake(&thief.pubkey(), 1_000_000);
    assert_eq!(withdraw.accounts[1].pubkey, pda::worker_stake_address(&thief.pubkey()));
    withdraw.accounts[1] = AccountMeta::new(pda::worker_stake_address(&victim), false);
    let result = world.env.send_rejected(&[withdraw], &[&thief], &[]);
    // Anchor's seeds constraint (`["worker_stake", signer]`).
    assert_eq!(instruction_error(&result), InstructionError::InvalidSeeds);
}
