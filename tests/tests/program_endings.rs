//! Success paths of the setup instructions and of every ending other than finalize (cancel,
//! expiry, silence, reassignment, DA lapse), with every balance checked to the lamport.

use edgerun::state::{GlobalConfig, Job, JobResult, JobStatus, Treasury};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{honest_output, TestEnv};
use solana_signer::Signer;

#[test]
fn initialize_and_update_config_and_withdraw_treasury() {
    let mut env = TestEnv::uninitialized();
    let admin = env.admin.insecure_clone();
    let before = env.balance(&admin.pubkey());
    let params = env.params;
    env.send_ok(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin]);
    let (config_rent, treasury_rent) = (env.rent_of::<GlobalConfig>(), env.rent_of::<Treasury>());
    assert_eq!(env.balance(&admin.pubkey()), before - config_rent - treasury_rent);
    assert_eq!(env.balance(&pda::config_address()), config_rent);
    assert_eq!(env.balance(&pda::treasury_address()), treasury_rent);
    let config = env.config();
    assert_eq!(config.admin, admin.pubkey());
    assert_eq!((config.committee_tier_size, config.committee_tier_quorum), ([3, 5, 7, 9], [2, 3, 5, 6]));
    assert_eq!(config.max_committee_size, 9);

    let new_admin = env.new_actor(1_000_000_000);
    let mut changed = params;
    changed.protocol_fee_bps = 100;
    changed.paused = true;
    env.send_ok(&[ix::update_config(&admin.pubkey(), changed)], &[&admin]);
    env.send_ok(&[ix::propose_admin(&admin.pubkey(), &new_admin.pubkey())], &[&admin]);
    env.send_ok(&[ix::accept_admin(&new_admin.pubkey())], &[&new_admin]);
    let config = env.config();
    assert_eq!((config.admin, config.protocol_fee_bps.get(), config.paused.get()), (new_admin.pubkey(), 100, true));
    assert_eq!(env.balance(&pda::config_address()), config_rent);

    // Treasury: only lamports above its rent can leave, to the named recipient.
    env.fund(&pda::treasury_address(), 5_000_000);
    let recipient = env.new_actor(1_000_000);
    env.send_ok(&[ix::withdraw_treasury(&new_admin.pubkey(), &recipient.pubkey(), 5_000_000)], &[&new_admin]);
    assert_eq!(env.balance(&recipient.pubkey()), 6_000_000);
    assert_eq!(env.balance(&pda::treasury_address()), treasury_rent);
    assert_eq!(env.treasury().withdrawn.get(), 5_000_000);
}

#[test]
fn cancel_job_refunds_the_whole_escrow() {
    let mut env = TestEnv::new();
    let client = env.new_actor(1_000_000_000);
    let before = env.balance(&client.pubkey());
    let job = env.post_job(&client, 40_000_000);
    env.seed(&job);
    env.send_ok(&[ix::cancel_job(&client.pubkey(), &job.job_id)], &[&client]);
    // The escrow is back; the Job's rent and the untouched rent reserve wait for close_job.
    let (rent, reserve) = (env.rent_of::<Job>(), env.rent_reserve(3));
    assert_eq!(env.balance(&client.pubkey()), before - rent - reserve);
    assert_eq!(env.balance(&pda::job_address(&job.job_id)), rent + reserve);
    let state = env.job(&job.job_id);
    assert_eq!((state.status(), state.escrow_lamports.get()), (Ok(JobStatus::Cancelled), 0));
    assert_eq!((state.posted_escrow_lamports.get(), state.rent_reserve()), (40_000_000, reserve));
    let retention = env.config().job_retention_slots.get();
    env.warp_by(retention);
    env.send_ok(&[ix::close_job(&state)], &[]);
    assert_eq!(env.balance(&client.pubkey()), before);
}

#[test]
fn silence_penalties_reassignment_and_expiry() {
    let mut env = TestEnv::new();
    let client = env.new_actor(1_000_000_000);
    let workers = [env.new_worker(100_000_000), env.new_worker(100_000_000), env.new_worker(100_000_000)];
    let replacement = env.new_worker(100_000_000);
    let refs: Vec<_> = workers.iter().collect();
    let treasury_before = env.balance(&pda::treasury_address());
    let client_before = env.balance(&client.pubkey());
    let job = env.assigned_job(&client, 30_000_000, &refs);
    let lock = env.job(&job.job_id).required_lock.get();
    assert_eq!(lock, 15_000_000); // 30_000_000 * 3 / 2 / 3
    env.submit(&job, &workers[0], honest_output()).expect("submit");

    // Past the deadline the two silent workers pay the penalty once, from the stake the job locked.
    let deadline = env.job(&job.job_id).deadline_slot.get();
    env.warp_to(deadline + 1);
    let committee = env.committee(&job);
    env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]);
    let penalty = 50_000;
    for worker in &workers[1..] {
        let stake = env.stake(&worker.pubkey());
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (100_000_000 - penalty, lock - penalty));
    }
    assert_eq!(env.balance(&pda::treasury_address()), treasury_before + 2 * penalty);

    // The scheduler replaces worker 2: its lock is released, it is not penalized again.
    let scheduler = env.scheduler.insecure_clone();
    env.send_ok(
        &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &workers[2].pubkey(), &replacement.pubkey())],
        &[&scheduler],
    );
    let state = env.job(&job.job_id);
    assert_eq!(state.committee()[2], replacement.pubkey());
    assert_eq!(state.deadline_slot.get(), env.slot() + env.config().challenge_window_slots.get() / 2);
    assert_eq!(state.member_deadline(2), state.deadline_slot.get());
    let removed = env.stake(&workers[2].pubkey());
    assert_eq!((removed.total_stake.get(), removed.locked_stake.get()), (100_000_000 - penalty, 0));
    assert_eq!(env.stake(&replacement.pubkey()).locked_stake.get(), lock);
    assert_eq!(env.balance(&pda::treasury_address()), treasury_before + 2 * penalty);

    // Nobody reaches quorum: past deadline + challenge window the client gets everything back,
    // locks are released, and only the not-yet-penalized silent worker (the replacement) pays.
    let state = env.job(&job.job_id);
    let expiry = state.deadline_slot.get() + env.config().challenge_window_slots.get();
    env.warp_to(expiry + 1);
    let committee = env.committee(&job);
    env.send_ok(&[ix::cancel_expired_job(&job.job_id, &client.pubkey(), &committee)], &[]);
    // The escrow is back. The Job keeps its rent and the reserve less worker 0's JobResult (the
    // replaced member 2 never had one) until close_job.
    let (rent, reserve, result_rent) = (env.rent_of::<Job>(), env.rent_reserve(3), env.rent_of::<JobResult>());
    assert_eq!(env.balance(&client.pubkey()), client_before - rent - reserve);
    assert_eq!(env.balance(&pda::job_address(&job.job_id)), rent + reserve - result_rent);
    assert_eq!(env.job(&job.job_id).status(), Ok(JobStatus::Cancelled));
    env.assert_job_books(&job.job_id);
    for worker in workers.iter().chain([&replacement]) {
        assert_eq!(env.stake(&worker.pubkey()).locked_stake.get(), 0);
    }
    assert_eq!(env.stake(&workers[0].pubkey()).total_stake.get(), 100_000_000);
    assert_eq!(env.stake(&workers[1].pubkey()).total_stake.get(), 100_000_000 - penalty);
    assert_eq!(env.stake(&replacement.pubkey()).total_stake.get(), 100_000_000 - penalty);
    assert_eq!(env.balance(&pda::treasury_address()), treasury_before + 3 * penalty);
    assert_eq!(env.treasury().penalties_collected.get(), 3 * penalty);

    // close_job: every lamport the customer put in but the escrow (refunded) comes back.
    env.close_after_retention(&job.job_id);
    assert_eq!(env.balance(&client.pubkey()), client_before);
    assert!(env.job_result(&job.job_id, &workers[0].pubkey()).is_none());
}

#[test]
fn da_lapse_reverts_to_assigned_and_penalizes_silent_winners() {
    let mut env = TestEnv::new();
    let client = env.new_actor(1_000_000_000);
    let workers = [env.new_worker(100_000_000), env.new_worker(100_000_000), env.new_worker(100_000_000)];
    let refs: Vec<_> = workers.iter().collect();
    let treasury_before = env.balance(&pda::treasury_address());
    let job = env.assigned_job(&client, 30_000_000, &refs);
    for worker in &workers[..2] {
        env.submit(&job, worker, honest_output()).expect("submit");
    }
    let committee = env.committee(&job);
    env.send_ok(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
    let state = env.job(&job.job_id);
    assert_eq!(state.status(), Ok(JobStatus::AwaitingDa));
    assert_eq!(state.da_deadline_slot.get(), env.slot() + env.config().da_window_slots.get());
    let old_deadline = state.deadline_slot.get();

    env.warp_to(state.da_deadline_slot.get() + 1);
    env.send_ok(&[ix::cancel_no_da(&job.job_id, &committee)], &[]);
    let state = env.job(&job.job_id);
    assert_eq!(state.status(), Ok(JobStatus::Assigned));
    assert_eq!(state.winning_output_hash, [0u8; 32]);
    assert_eq!(state.deadline_slot.get(), old_deadline.max(env.slot()) + env.config().challenge_window_slots.get());
    assert!(state.is_da_failed(0) && state.is_da_failed(1) && !state.is_da_failed(2));
    let penalty = 50_000;
    for worker in &workers[..2] {
        let stake = env.stake(&worker.pubkey());
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (100_000_000 - penalty, 15_000_000 - penalty));
    }
    assert_eq!(env.balance(&pda::treasury_address()), treasury_before + 2 * penalty);
    // The lapsed winners no longer count toward quorum: the same results cannot win again.
    let result = env.send(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
    edgerun_tests::svm::assert_error(&result, edgerun::errors::EdgerunError::QuorumNotReached);
    // The escrow is still whole and held by the job, beside the reserve less the two results.
    let reserve = env.rent_reserve(3) - 2 * env.rent_of::<JobResult>();
    assert_eq!(env.job(&job.job_id).rent_reserve(), reserve);
    assert_eq!(env.balance(&pda::job_address(&job.job_id)), env.rent_of::<Job>() + 30_000_000 + reserve);
}
