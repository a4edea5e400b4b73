//! Each action on the real program: in a state where it applies, [`candidates`] lists it and
//! [`crank`] moves the job; where it does not (the slot right before its window opens, or once
//! it was done), candidates leave it out, [`crank`] comes back with the program's error by name
//! and nothing changed, the fee payer included (nothing was sent). The explanations of the stages
//! passed on the way are checked word for word.

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_crank::{crank, CrankAction, CrankError};
use edgerun_sdk::client::{ClientError, SendReceipt};
use edgerun_sdk::pda;
use edgerun_tests::svm::{honest_output, wrong_output};
use solana_signer::Signer;

use crate::harness::{World, ESCROW, STAKE};

const PENALTY: u64 = 50_000;
const CHALLENGE_WINDOW: u64 = 100;
const DA_WINDOW: u64 = 50;
const RETENTION: u64 = 1_000;

/// `action` is a candidate now, and cranking it succeeds.
async fn crank_ok(world: &World, job_id: &[u8; 32], action: CrankAction) -> SendReceipt {
    let candidates = world.candidates(job_id).await;
    assert!(candidates.contains(&action), "{action} not among the candidates {candidates:?}");
    let sends = world.sends();
    let receipt = crank(&world.client, &world.payer, job_id, action).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(world.sends(), sends + 1);
    receipt
}

/// `action` is no candidate now, the program refuses it with `expected`, and nothing changed.
async fn refused(world: &World, job_id: &[u8; 32], action: CrankAction, expected: EdgerunError) {
    let candidates = world.candidates(job_id).await;
    assert!(!candidates.contains(&action), "{action} among the candidates {candidates:?}");
    let before = world.snapshot(job_id, action);
    let sends = world.sends();
    match crank(&world.client, &world.payer, job_id, action).await {
        Err(CrankError::Client(error)) => {
            assert_eq!(error.edgerun_error(), Some(expected), "{error}");
            assert!(error.to_string().contains(&format!("EdgerunError::{expected:?}")), "{error}");
        }
        Err(other) => panic!("{action}: expected {expected:?}, got {other}"),
        Ok(receipt) => panic!("{action} was sent ({}), {expected:?} was expected", receipt.signature),
    }
    assert_eq!(world.sends(), sends, "a refused {action} must not be sent");
    assert_eq!(world.snapshot(job_id, action), before, "a refused {action} changed something");
}

fn short(hash: [u8; 32]) -> String {
    format!("{}…", hex::encode(&hash[..4]))
}

#[tokio::test]
async fn reach_quorum() {
    let mut world = World::new();
    let h = Some(honest_output());
    let agreeing = world.assigned([h, h, None]);
    let disagreeing = world.assigned([h, Some(wrong_output()), None]);
    let late = world.assigned([h, h, None]);
    let deadline = world.job(&agreeing.job_id()).unwrap().deadline_slot.get();

    assert_eq!(world.candidates(&disagreeing.job_id()).await, []);
    assert_eq!(
        world.explain(&disagreeing.job_id()).await,
        format!("2 of 3 results in, quorum is 2 but they disagree; results accepted until slot {deadline}")
    );
    refused(&world, &disagreeing.job_id(), CrankAction::ReachQuorum, EdgerunError::QuorumNotReached).await;

    // The deadline slot itself still counts.
    world.warp_to(deadline);
    assert_eq!(world.candidates(&agreeing.job_id()).await, [CrankAction::ReachQuorum]);
    assert_eq!(
        world.explain(&agreeing.job_id()).await,
        format!("2 of 3 results in and 2 agree, quorum is 2: reach-quorum can record the winner now (until slot {deadline})")
    );
    crank_ok(&world, &agreeing.job_id(), CrankAction::ReachQuorum).await;
    let job = world.job(&agreeing.job_id()).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::AwaitingDa));
    assert_eq!((job.winning_output_hash, job.quorum_reached_slot.get()), (honest_output(), deadline));
    assert_eq!(
        world.explain(&agreeing.job_id()).await,
        format!(
            "result {} won at slot {deadline}; waiting for a winner to declare the output available until slot {}",
            short(honest_output()),
            deadline + DA_WINDOW
        )
    );
    refused(&world, &agreeing.job_id(), CrankAction::ReachQuorum, EdgerunError::InvalidJobStatus).await;

    // One slot later the same results can no longer win; the silent member can be charged.
    world.warp_to(deadline + 1);
    assert_eq!(world.candidates(&late.job_id()).await, [CrankAction::Penalize]);
    assert_eq!(
        world.explain(&late.job_id()).await,
        format!(
            "nobody recorded the quorum by the deadline (slot {deadline}): 2 of 3 results in and 2 agree, quorum is 2; \
             cancel-expired can refund the client after slot {}; penalize can charge 1 silent member now",
            deadline + CHALLENGE_WINDOW
        )
    );
    refused(&world, &late.job_id(), CrankAction::ReachQuorum, EdgerunError::DeadlinePassed).await;
}

#[tokio::test]
async fn finalize() {
    let mut world = World::new();
    let h = Some(honest_output());
    let posted = world.assigned([h, h, None]);
    let job_id = posted.job_id();
    world.reach_quorum(&posted);
    let quorum_slot = world.slot();

    // Without a declared output the job's OutputAvailability does not exist: Anchor refuses
    // to load it, before the program's own checks.
    assert_eq!(world.candidates(&job_id).await, []);
    let sends = world.sends();
    let error = crank(&world.client, &world.payer, &job_id, CrankAction::Finalize).await.expect_err("no output");
    match &error {
        CrankError::Client(ClientError::Transaction(failure)) => {
            assert_eq!(failure.reason.name(), "InstructionError::UninitializedAccount", "{error}")
        }
        other => panic!("{other}"),
    }
    assert_eq!(world.sends(), sends);
    assert_eq!(world.status(&job_id), Some(JobStatus::AwaitingDa));

    world.declare(&posted, 1);
    assert_eq!(world.candidates(&job_id).await, [CrankAction::Finalize]);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "result {} won at slot {quorum_slot} and its output is declared available (slot {quorum_slot}): finalize \
             can pay the winners now",
            short(honest_output())
        )
    );
    crank_ok(&world, &job_id, CrankAction::Finalize).await;
    let job = world.job(&job_id).unwrap();
    assert_eq!((job.status(), job.escrow_lamports.get()), (Ok(JobStatus::Finalized), 0));
    let stake = |index: usize| world.stake(&posted.workers[index].pubkey());
    assert!(stake(0).rewards_earned.get() > 0 && stake(1).rewards_earned.get() > 0);
    // Cut off by the quorum with its own deadline ahead: neither paid nor penalized.
    assert_eq!((stake(2).total_stake.get(), stake(2).locked_stake.get()), (STAKE, 0));

    refused(&world, &job_id, CrankAction::Finalize, EdgerunError::InvalidJobStatus).await;
    assert_eq!(
        world.explain(&job_id).await,
        format!("finished (paid out at slot {quorum_slot}); can be closed from slot {}", quorum_slot + RETENTION)
    );
}

#[tokio::test]
async fn penalize() {
    let mut world = World::new();
    let posted = world.assigned([Some(honest_output()), None, None]);
    let job_id = posted.job_id();
    let deadline = world.job(&job_id).unwrap().deadline_slot.get();

    world.warp_to(deadline);
    assert_eq!(
        world.explain(&job_id).await,
        format!("1 of 3 results in, quorum is 2; results accepted until slot {deadline}")
    );
    refused(&world, &job_id, CrankAction::Penalize, EdgerunError::NothingToPenalize).await;

    world.warp_to(deadline + 1);
    assert_eq!(world.candidates(&job_id).await, [CrankAction::Penalize]);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "no quorum by the deadline (slot {deadline}): 1 of 3 results in, quorum is 2; cancel-expired can refund \
             the client after slot {}; penalize can charge 2 silent members now",
            deadline + CHALLENGE_WINDOW
        )
    );
    crank_ok(&world, &job_id, CrankAction::Penalize).await;
    let job = world.job(&job_id).unwrap();
    assert_eq!((job.status(), job.penalized_mask.get()), (Ok(JobStatus::Assigned), 0b110));
    for worker in &posted.workers[1..] {
        assert_eq!(world.stake(&worker.pubkey()).total_stake.get(), STAKE - PENALTY);
    }
    assert_eq!(world.stake(&posted.workers[0].pubkey()).total_stake.get(), STAKE);

    refused(&world, &job_id, CrankAction::Penalize, EdgerunError::NothingToPenalize).await;
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "no quorum by the deadline (slot {deadline}): 1 of 3 results in, quorum is 2; cancel-expired can refund \
             the client after slot {}",
            deadline + CHALLENGE_WINDOW
        )
    );
}

#[tokio::test]
async fn cancel_no_da() {
    let mut world = World::new();
    let h = Some(honest_output());
    let posted = world.assigned([h, h, None]);
    let job_id = posted.job_id();
    let first_deadline = world.job(&job_id).unwrap().deadline_slot.get();
    world.reach_quorum(&posted);
    let quorum_slot = world.slot();
    let da_deadline = quorum_slot + DA_WINDOW;

    world.warp_to(da_deadline);
    refused(&world, &job_id, CrankAction::CancelNoDa, EdgerunError::DaWindowNotPassed).await;

    world.warp_to(da_deadline + 1);
    assert_eq!(world.candidates(&job_id).await, [CrankAction::CancelNoDa]);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "result {} won at slot {quorum_slot} but no winner declared the output by slot {da_deadline}: \
             cancel-no-da can reopen the job now (the winners that did not declare are penalized)",
            short(honest_output())
        )
    );
    crank_ok(&world, &job_id, CrankAction::CancelNoDa).await;
    let job = world.job(&job_id).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::Assigned));
    assert_eq!((job.da_failed_mask.get(), job.penalized_mask.get()), (0b011, 0b011));
    assert_eq!(job.winning_output_hash, [0; 32]);
    let deadline = job.deadline_slot.get();
    // max(the job's deadline, now) + a challenge window: the cut-off member may still submit.
    assert_eq!(deadline, first_deadline.max(da_deadline + 1) + CHALLENGE_WINDOW);
    assert_eq!(job.member_deadline(2), deadline);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "waiting for results: 0 of 3 results in (and 2 from winners that let the DA window lapse, which no \
             longer count), quorum is 2; results accepted until slot {deadline}"
        )
    );

    refused(&world, &job_id, CrankAction::CancelNoDa, EdgerunError::InvalidJobStatus).await;
}

#[tokio::test]
async fn cancel_expired() {
    let mut world = World::new();
    let posted = world.assigned([Some(honest_output()), None, None]);
    let job_id = posted.job_id();
    let deadline = world.job(&job_id).unwrap().deadline_slot.get();
    let expiry = deadline + CHALLENGE_WINDOW;
    let client_before = world.balance(&posted.client.pubkey());

    world.warp_to(expiry);
    refused(&world, &job_id, CrankAction::CancelExpired, EdgerunError::DeadlineNotPassed).await;

    // Past the expiry only cancel-expired is offered: it charges the silent members itself.
    world.warp_to(expiry + 1);
    assert_eq!(world.candidates(&job_id).await, [CrankAction::CancelExpired]);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "no quorum by the deadline (slot {deadline}): 1 of 3 results in, quorum is 2; the job expired and \
             cancel-expired refunds the client now and charges 2 silent members"
        )
    );
    crank_ok(&world, &job_id, CrankAction::CancelExpired).await;
    let job = world.job(&job_id).unwrap();
    assert_eq!(
        (job.status(), job.penalized_mask.get(), job.settled_mask.get()),
        (Ok(JobStatus::Cancelled), 0b110, 0b111)
    );
    assert_eq!(world.balance(&posted.client.pubkey()), client_before + ESCROW);
    for worker in &posted.workers[1..] {
        let stake = world.stake(&worker.pubkey());
        assert_eq!((stake.total_stake.get(), stake.locked_stake.get()), (STAKE - PENALTY, 0));
    }

    refused(&world, &job_id, CrankAction::CancelExpired, EdgerunError::InvalidJobStatus).await;
    assert_eq!(
        world.explain(&job_id).await,
        format!("cancelled (refunded at slot {}); can be closed from slot {}", expiry + 1, expiry + 1 + RETENTION)
    );
}

#[tokio::test]
async fn close() {
    let mut world = World::new();
    let posted = world.finalized();
    let job_id = posted.job_id();
    let ended = world.job(&job_id).unwrap().ended_slot.get();
    let client_before = world.balance(&posted.client.pubkey());
    // Every account of the job was paid for by the client (the job's rent reserve funded the
    // results and the output), so every lamport of them goes back to the client.
    let mut rent = world.balance(&pda::job_address(&job_id)) + world.balance(&pda::output_address(&job_id));
    for worker in &posted.workers {
        rent += world.balance(&pda::job_result_address(&job_id, &worker.pubkey()));
    }

    world.warp_to(ended + RETENTION - 1);
    refused(&world, &job_id, CrankAction::Close, EdgerunError::RetentionNotPassed).await;

    world.warp_to(ended + RETENTION);
    assert_eq!(world.candidates(&job_id).await, [CrankAction::Close]);
    assert_eq!(
        world.explain(&job_id).await,
        format!("finished (paid out at slot {ended}); close can reclaim its rent now")
    );
    crank_ok(&world, &job_id, CrankAction::Close).await;
    assert!(world.job(&job_id).is_none());
    assert_eq!(world.balance(&pda::output_address(&job_id)), 0);
    for worker in &posted.workers {
        assert_eq!(world.balance(&pda::job_result_address(&job_id, &worker.pubkey())), 0);
    }
    assert_eq!(world.balance(&posted.client.pubkey()), client_before + rent);

    // Gone: the crank says what to check.
    let sends = world.sends();
    match crank(&world.client, &world.payer, &job_id, CrankAction::Close).await {
        Err(error @ CrankError::JobNotFound { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&hex::encode(job_id)), "{message}");
            assert!(message.contains(&pda::job_address(&job_id).to_string()), "{message}");
            assert!(message.contains("check the job id"), "{message}");
        }
        other => panic!("expected JobNotFound, got {:?}", other.map(|receipt| receipt.signature)),
    }
    assert_eq!(world.sends(), sends);
}

#[tokio::test]
async fn settle_input_unavailable() {
    use edgerun::constants::INPUT_UNAVAILABLE_OUTPUT_HASH as UNAVAILABLE;
    let mut world = World::new();
    let u = Some(UNAVAILABLE);
    let unavailable = world.assigned([u, u, None]);
    let split = world.assigned([u, Some(honest_output()), None]);
    let job_id = unavailable.job_id();
    let deadline = world.job(&job_id).unwrap().deadline_slot.get();

    // A quorum on the marker is no output: reach-quorum is no candidate and the program refuses it.
    refused(&world, &job_id, CrankAction::ReachQuorum, EdgerunError::InputUnavailableQuorum).await;
    refused(&world, &split.job_id(), CrankAction::SettleInputUnavailable, EdgerunError::InputUnavailableNotReached)
        .await;
    assert_eq!(world.candidates(&job_id).await, [CrankAction::SettleInputUnavailable]);
    assert_eq!(
        world.explain(&job_id).await,
        format!(
            "2 of 3 results in and 2 agree, quorum is 2, on \"input unavailable\": settle-input-unavailable can \
             refund the client now (until slot {deadline}); no member that answered loses anything"
        )
    );
    let client_before = world.balance(&unavailable.client.pubkey());
    let stakes: Vec<_> = unavailable.workers.iter().map(|worker| world.stake(&worker.pubkey())).collect();
    crank_ok(&world, &job_id, CrankAction::SettleInputUnavailable).await;

    let job = world.job(&job_id).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::Cancelled));
    assert_eq!(job.winning_output_hash, UNAVAILABLE);
    assert_eq!(world.balance(&unavailable.client.pubkey()), client_before + ESCROW, "the whole escrow back");
    for (worker, before) in unavailable.workers.iter().zip(&stakes) {
        let after = world.stake(&worker.pubkey());
        assert_eq!(after.total_stake.get(), before.total_stake.get(), "nobody charged");
        assert_eq!(after.locked_stake.get(), 0, "every lock released");
    }
    assert!(world.explain(&job_id).await.starts_with(&format!(
        "cancelled: the committee could not obtain the input (refunded at slot {})",
        job.ended_slot.get()
    )));
    refused(&world, &job_id, CrankAction::SettleInputUnavailable, EdgerunError::InvalidJobStatus).await;
}
