//! [`once`] over many jobs at once: every action the chain allows is sent, a job that needs two
//! steps gets both, another cranker's win is reported as the program's refusal, a node that does
//! not answer for one job fails that job only, the budget bounds a pass, and a second pass right
//! after finds nothing to do.

use std::collections::BTreeMap;

use edgerun::state::JobStatus;
use edgerun_crank::{once, Attempt, AttemptOutcome, CrankAction, OncePolicy, OnceReport};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::honest_output;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::harness::{Posted, World, STAKE};

/// Attempts by job id: (action, outcome kind or refusal name), in the order made.
fn by_job(report: &OnceReport) -> BTreeMap<String, Vec<(CrankAction, String)>> {
    let mut jobs: BTreeMap<String, Vec<(CrankAction, String)>> = BTreeMap::new();
    for Attempt { job_id, job, action, outcome } in &report.attempts {
        assert_eq!(job, &pda::job_address(&hex_id(job_id)).to_string());
        let outcome = match outcome {
            AttemptOutcome::Sent { .. } => "sent".to_string(),
            AttemptOutcome::Refused { error } => format!("refused {error}"),
            AttemptOutcome::Failed { error } => format!("failed {error}"),
        };
        jobs.entry(job_id.clone()).or_default().push((*action, outcome));
    }
    jobs
}

fn hex_id(job_id: &str) -> [u8; 32] {
    hex::decode(job_id).expect("hex").try_into().expect("32 bytes")
}

fn id(posted: &Posted) -> String {
    hex::encode(posted.job_id())
}

fn sent(actions: &[CrankAction]) -> Vec<(CrankAction, String)> {
    actions.iter().map(|action| (*action, "sent".to_string())).collect()
}

#[tokio::test]
async fn one_pass_does_everything_possible_and_the_next_finds_nothing() {
    let mut world = World::new();
    let h = Some(honest_output());

    // A job finalized long ago: closable.
    world.warp_to(10);
    let closable = world.finalized();
    // Assigned at 1000: past its deadline (1100) and a challenge window at the pass (1295).
    world.warp_to(1_000);
    let expired = world.assigned([h, None, None]);
    // Assigned at 1100: past the deadline (1200), not expired.
    world.warp_to(1_100);
    let overdue = world.assigned([h, None, None]);
    // Quorum at 1100, nobody declares: the DA window closed at 1150.
    let lapsed = world.assigned([h, h, None]);
    world.reach_quorum(&lapsed);
    // Finalized at 1150: retention runs until 2150.
    world.warp_to(1_150);
    let recent = world.finalized();
    // Assigned at 1190 (deadline 1290); worker 2 replaced at 1291 (its replacement's deadline
    // 1341) and the replacement agrees with worker 0; worker 1 stays silent past its deadline.
    world.warp_to(1_190);
    let two_steps = world.assigned([h, None, None]);
    world.warp_to(1_291);
    let replacement = world.env(|env| env.new_worker(STAKE));
    let scheduler = world.env(|env| env.scheduler.insecure_clone());
    let missing = two_steps.workers[2].pubkey();
    world.send_ok(
        &[ix::reassign_missing(&scheduler.pubkey(), &two_steps.job_id(), &missing, &replacement.pubkey())],
        &[&scheduler],
    );
    world.env(|env| env.submit(&two_steps.job, &replacement, honest_output()).expect("replacement submits"));
    // Assigned at 1250: a quorum to record; an output to pay; one that another cranker
    // finalizes first.
    world.warp_to(1_250);
    let agreeing = world.assigned([h, h, None]);
    let declared = world.assigned([h, h, None]);
    world.reach_quorum(&declared);
    world.declare(&declared, 0);
    let raced = world.assigned([h, h, None]);
    world.reach_quorum(&raced);
    world.declare(&raced, 1);
    // Not listed: nothing a crank can do before the committee exists.
    let posted = world.posted();

    world.warp_to(1_295);
    let committee = world.job(&raced.job_id()).unwrap().committee().to_vec();
    let rival = world.env(|env| env.new_actor(1_000_000_000));
    let raced_job = pda::job_address(&raced.job_id());
    let raced_id = raced.job_id();
    world.interfere(raced_job, move |svm| {
        let transaction = Transaction::new_signed_with_payer(
            &[ix::finalize_job(&raced_id, &committee)],
            Some(&rival.pubkey()),
            &[&rival],
            svm.latest_blockhash(),
        );
        svm.send_transaction(transaction).expect("the rival's finalize");
    });

    let sends = world.sends();
    let report = once(&world.client, &world.payer, &OncePolicy::default()).await.expect("the pass");
    assert_eq!((report.slot, report.jobs_seen, report.budget_exhausted), (1_295, 9, false));
    let expected: BTreeMap<String, Vec<(CrankAction, String)>> = [
        (id(&closable), sent(&[CrankAction::Close])),
        (id(&expired), sent(&[CrankAction::CancelExpired])),
        (id(&overdue), sent(&[CrankAction::Penalize])),
        (id(&lapsed), sent(&[CrankAction::CancelNoDa])),
        (id(&two_steps), sent(&[CrankAction::ReachQuorum, CrankAction::Penalize])),
        (id(&agreeing), sent(&[CrankAction::ReachQuorum])),
        (id(&declared), sent(&[CrankAction::Finalize])),
        (id(&raced), vec![(CrankAction::Finalize, "refused InvalidJobStatus".to_string())]),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_job(&report), expected);
    assert_eq!(world.sends(), sends + 8, "every attempt but the refused one was sent");

    assert!(world.job(&closable.job_id()).is_none());
    assert_eq!(world.status(&expired.job_id()), Some(JobStatus::Cancelled));
    assert_eq!(world.job(&overdue.job_id()).unwrap().penalized_mask.get(), 0b110);
    let reopened = world.job(&lapsed.job_id()).unwrap();
    assert_eq!((reopened.status(), reopened.da_failed_mask.get()), (Ok(JobStatus::Assigned), 0b011));
    let stepped = world.job(&two_steps.job_id()).unwrap();
    assert_eq!(stepped.status(), Ok(JobStatus::AwaitingDa));
    // Worker 1 charged; slot 2's mark went with the removed worker (charged at its removal).
    assert_eq!((stepped.quorum_reached_slot.get(), stepped.penalized_mask.get()), (1_295, 0b010));
    assert_eq!(world.status(&agreeing.job_id()), Some(JobStatus::AwaitingDa));
    assert_eq!(world.status(&declared.job_id()), Some(JobStatus::Finalized));
    assert_eq!(world.status(&raced.job_id()), Some(JobStatus::Finalized));
    assert_eq!(world.status(&recent.job_id()), Some(JobStatus::Finalized));
    assert_eq!(world.status(&posted.job_id()), Some(JobStatus::Posted));

    // How a report reads as JSON (what `edgerun crank once --json` prints).
    let json = serde_json::to_value(&report).expect("serialize");
    let attempts = json["attempts"].as_array().expect("attempts");
    let refusal = attempts.iter().find(|attempt| attempt["outcome"] == "refused").expect("the refusal");
    assert_eq!(refusal["action"], "finalize");
    assert_eq!(refusal["error"], "InvalidJobStatus");
    assert_eq!(refusal["job_id"], hex::encode(raced.job_id()));
    assert_eq!(refusal["job"], raced_job.to_string());
    let close = attempts.iter().find(|attempt| attempt["action"] == "close").expect("the close");
    assert_eq!(close["outcome"], "sent");
    assert_eq!(close["slot"], 1_295);
    assert!(close["signature"].as_str().is_some_and(|signature| signature.len() > 80), "{close}");

    let sends = world.sends();
    let again = once(&world.client, &world.payer, &OncePolicy::default()).await.expect("the second pass");
    assert_eq!(again.attempts, [], "{again:#?}");
    assert_eq!((again.jobs_seen, again.budget_exhausted), (8, false));
    assert_eq!(world.sends(), sends);
}

#[tokio::test]
async fn a_job_the_node_does_not_answer_for_fails_alone() {
    let mut world = World::new();
    let h = Some(honest_output());
    let unreachable = world.assigned([h, h, None]);
    let unreadable = world.assigned([h, h, None]);
    let fine = world.assigned([h, h, None]);
    let result_of_unreadable = pda::job_result_address(&unreadable.job_id(), &unreadable.workers[0].pubkey());
    world.make_unreachable(&[pda::job_address(&unreachable.job_id()), result_of_unreadable]);

    let report = once(&world.client, &world.payer, &OncePolicy::default()).await.expect("the pass goes on");
    let jobs = by_job(&report);
    assert_eq!(jobs[&id(&fine)], sent(&[CrankAction::ReachQuorum]));
    let [(CrankAction::ReachQuorum, failed)] = jobs[&id(&unreachable)].as_slice() else {
        panic!("{:?}", jobs[&id(&unreachable)]);
    };
    assert!(failed.starts_with("failed transport failure") && failed.contains("does not answer"), "{failed}");
    let [(CrankAction::ReachQuorum, failed)] = jobs[&id(&unreadable)].as_slice() else {
        panic!("{:?}", jobs[&id(&unreadable)]);
    };
    assert!(failed.starts_with("failed cannot read the job's results or output"), "{failed}");
    assert_eq!(jobs.len(), 3);
    assert_eq!(world.status(&unreachable.job_id()), Some(JobStatus::Assigned));
    assert_eq!(world.status(&unreadable.job_id()), Some(JobStatus::Assigned));

    // Back online: the next pass does the rest.
    world.make_unreachable(&[]);
    let report = once(&world.client, &world.payer, &OncePolicy::default()).await.expect("the pass");
    let jobs = by_job(&report);
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[&id(&unreachable)], sent(&[CrankAction::ReachQuorum]));
    assert_eq!(jobs[&id(&unreadable)], sent(&[CrankAction::ReachQuorum]));
}

#[tokio::test]
async fn the_budget_bounds_a_pass() {
    let mut world = World::new();
    let h = Some(honest_output());
    let jobs: Vec<Posted> = (0..3).map(|_| world.assigned([h, h, None])).collect();
    let payer_before = world.balance(&world.payer.pubkey());

    // Concurrency 0 counts as 1 (it must not stall the pass).
    let tight = OncePolicy { max_transactions: 2, concurrency: 0 };
    let report = once(&world.client, &world.payer, &tight).await.expect("the pass");
    assert_eq!((report.jobs_seen, report.attempts.len(), report.budget_exhausted), (3, 2, true));
    assert!(report.attempts.iter().all(|attempt| matches!(attempt.outcome, AttemptOutcome::Sent { .. })));
    assert!(world.balance(&world.payer.pubkey()) < payer_before);

    let report = once(&world.client, &world.payer, &OncePolicy::default()).await.expect("the pass");
    assert_eq!((report.attempts.len(), report.budget_exhausted), (1, false));
    for posted in &jobs {
        assert_eq!(world.status(&posted.job_id()), Some(JobStatus::AwaitingDa));
    }

    let nothing = OncePolicy { max_transactions: 0, ..OncePolicy::default() };
    let report = once(&world.client, &world.payer, &nothing).await.expect("the pass");
    assert_eq!((report.jobs_seen, report.attempts.len()), (3, 0));
}
