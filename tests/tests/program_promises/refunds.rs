//! Item 5: releasing locks never depends on the customer's wallet. The escrow of every job is at
//! least `min_escrow_lamports`, itself at least the rent-exempt minimum of an empty account, so
//! the refund of an expired job lands even in a wallet its owner emptied; a dust job that would
//! tie up three workers' minimum stake is refused.

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, TestEnv};
use solana_signer::Signer;

use super::{World, STAKE};

#[test]
fn escrow_below_the_minimum_is_refused() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let minimum = env.params.min_escrow_lamports;
    let args = env.job_args(&client.pubkey(), minimum - 1);
    let job = pda::job_address(&args.job_id);
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[&client], &[job]);
    assert_error(&result, EdgerunError::EscrowBelowMinimum);
    let args = env.job_args(&client.pubkey(), 1);
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[&client], &[]);
    assert_error(&result, EdgerunError::EscrowBelowMinimum);
    // Exactly the minimum is accepted.
    env.post_job(&client, minimum);
}

#[test]
fn an_emptied_customer_wallet_cannot_freeze_the_workers_locks() {
    let mut world = World::new(3);
    let minimum = world.env.params.min_escrow_lamports;
    // The customer posts the smallest job, then empties its wallet to zero lamports.
    let customer = world.env.new_actor(1_000_000_000);
    let job = world.env.post_job(&customer, minimum);
    world.env.seed(&job);
    let committee_keys: Vec<_> = world.workers.iter().map(|w| w.insecure_clone()).collect();
    let refs: Vec<_> = committee_keys.iter().collect();
    world.env.assign(&job, &refs).expect("assign");
    let sink = solana_keypair::Keypair::new();
    let balance = world.env.balance(&customer.pubkey());
    world.env.send_ok(
        &[solana_system_interface::instruction::transfer(&customer.pubkey(), &sink.pubkey(), balance)],
        &[&customer],
    );
    assert_eq!(world.env.balance(&customer.pubkey()), 0);

    let deadline = world.env.job(&job.job_id).deadline_slot.get();
    world.env.warp_to(deadline + world.env.params.challenge_window_slots + 1);
    let committee = world.committee(&job);
    world.env.send_ok(&[ix::cancel_expired_job(&job.job_id, &customer.pubkey(), &committee)], &[]);
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Cancelled));
    assert_eq!(world.env.balance(&customer.pubkey()), minimum);
    for worker in 0..3 {
        assert_eq!(world.stake(worker).1, 0, "worker {worker}'s lock is released");
        assert!(world.stake(worker).0 < STAKE, "silent worker {worker} paid its penalty");
    }
}
