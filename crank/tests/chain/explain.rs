//! [`explain`] through a job's whole life on the real program, one sentence per stage (the
//! stages only reached by an ending, a lapse or silence are checked in `actions`).

use edgerun_crank::{crank, CrankAction};
use edgerun_tests::svm::{honest_output, wrong_output};
use solana_signer::Signer;

use crate::harness::World;

#[tokio::test]
async fn explain_follows_a_job_through_its_life() {
    let mut world = World::new();
    let posted = world.posted();
    let job_id = posted.job_id();
    assert_eq!(world.explain(&job_id).await, "waiting for the committee-selection seed from the randomness authority");
    assert_eq!(world.candidates(&job_id).await, []);

    world.env(|env| env.seed(&posted.job));
    assert_eq!(world.explain(&job_id).await, "waiting for the scheduler to assign the committee");

    let workers: Vec<_> = world.env(|env| (0..3).map(|_| env.new_worker(crate::harness::STAKE)).collect());
    world.env(|env| {
        let refs: Vec<_> = workers.iter().collect();
        env.assign(&posted.job, &refs).expect("assign_workers");
    });
    let deadline = world.job(&job_id).unwrap().deadline_slot.get();
    let until = format!("results accepted until slot {deadline}");
    assert_eq!(world.explain(&job_id).await, format!("waiting for results: 0 of 3 results in, quorum is 2; {until}"));

    let submit = |world: &mut World, index: usize, output: [u8; 32]| {
        world.env(|env| env.submit(&posted.job, &workers[index], output).expect("submit_result"));
    };
    submit(&mut world, 0, honest_output());
    assert_eq!(world.explain(&job_id).await, format!("1 of 3 results in, quorum is 2; {until}"));
    submit(&mut world, 1, wrong_output());
    assert_eq!(world.explain(&job_id).await, format!("2 of 3 results in, quorum is 2 but they disagree; {until}"));
    assert_eq!(world.candidates(&job_id).await, []);
    submit(&mut world, 2, honest_output());
    assert_eq!(
        world.explain(&job_id).await,
        format!("3 of 3 results in and 2 agree, quorum is 2: reach-quorum can record the winner now (until slot {deadline})")
    );

    crank(&world.client, &world.payer, &job_id, CrankAction::ReachQuorum).await.expect("reach-quorum");
    let slot = world.slot();
    let winner = format!("result {}… won at slot {slot}", hex::encode(&honest_output()[..4]));
    assert_eq!(
        world.explain(&job_id).await,
        format!("{winner}; waiting for a winner to declare the output available until slot {}", slot + 50)
    );

    let publisher = workers[2].insecure_clone();
    world.send_ok(
        &[edgerun_sdk::instructions::declare_output(&publisher.pubkey(), &job_id, honest_output(), b"ptr")],
        &[&publisher],
    );
    assert_eq!(
        world.explain(&job_id).await,
        format!("{winner} and its output is declared available (slot {slot}): finalize can pay the winners now")
    );

    crank(&world.client, &world.payer, &job_id, CrankAction::Finalize).await.expect("finalize");
    assert_eq!(
        world.explain(&job_id).await,
        format!("finished (paid out at slot {slot}); can be closed from slot {}", slot + 1_000)
    );
    world.warp_to(slot + 1_000);
    assert_eq!(
        world.explain(&job_id).await,
        format!("finished (paid out at slot {slot}); close can reclaim its rent now")
    );
}
