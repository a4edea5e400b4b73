//! Pre-funded PDAs: anyone can send lamports to an address before the program creates it.

use super::world::*;

use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{honest_output, TestEnv};
use solana_signer::Signer;

#[test]
fn submit_succeeds_when_its_job_result_address_was_prefunded() {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].pubkey();
    let lamports = world.env.rent(0);
    world.env.fund(&pda::job_result_address(&job.job_id, &worker), lamports);
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    assert_eq!(world.env.job_result(&job.job_id, &worker).unwrap().output_hash, honest_output());
}

#[test]
fn declare_succeeds_when_the_output_address_was_prefunded() {
    let mut world = World::new();
    let job = world.awaiting_da(&[Some(honest_output()), Some(honest_output()), None]);
    let lamports = world.env.rent(0);
    world.env.fund(&pda::output_address(&job.job_id), lamports);
    world.declare(&job, 0);
    assert_eq!(world.env.output(&job.job_id).unwrap().publisher, world.workers[0].pubkey());
}

#[test]
fn post_job_succeeds_when_the_job_address_was_prefunded() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), ESCROW);
    let lamports = env.rent(0);
    env.fund(&pda::job_address(&args.job_id), lamports);
    let job_id = args.job_id;
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    assert_eq!(env.job(&job_id).escrow_lamports.get(), ESCROW);
}
