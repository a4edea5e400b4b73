//! The crank service ([`edgerun_crank::service`]) on the real program in LiteSVM: it sends each
//! action at the first slot it becomes valid and not a slot before (a committee's own step once
//! the committee's grace is over), reads a job only when its accounts or its next deadline call
//! for it, never simulates a refused action again until the job changes (except a "not yet",
//! tried again at the next slot), costs one refused simulation when a rival cranks first, serves
//! its metrics, and stops on cancel.
//!
//! The chain only moves when a test warps it, so "nothing happens" is checked after the service
//! has read the slot several times with no turn pending ([`Running::settle`]).

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use edgerun::errors::EdgerunError;
use edgerun::state::JobStatus;
use edgerun_crank::service::{self, Metrics, ServiceConfig, ServiceReport};
use edgerun_crank::CrankAction;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::honest_output;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::harness::{World, ESCROW};

/// Longest wait for the service to do something it should.
const PATIENCE: Duration = Duration::from_secs(20);

struct Running {
    metrics: Metrics,
    cancel: CancellationToken,
    task: JoinHandle<ServiceReport>,
}

impl Running {
    /// The service acting at once (no committee grace).
    fn start(world: &World) -> Running {
        Running::start_with(world, 0)
    }

    fn start_with(world: &World, committee_grace_slots: u64) -> Running {
        let metrics = Metrics::new();
        let cancel = CancellationToken::new();
        let config = ServiceConfig {
            ws_url: None,
            concurrency: 2,
            slot_interval: Duration::from_millis(5),
            reconcile_interval: Duration::from_millis(200),
            poll_interval: Duration::from_millis(5),
            shutdown_grace: Duration::from_secs(5),
            committee_grace_slots,
        };
        let task = tokio::spawn(service::run(
            world.client.clone(),
            Arc::new(world.payer.insecure_clone()),
            config,
            metrics.clone(),
            cancel.clone(),
        ));
        Running { metrics, cancel, task }
    }

    /// Waits until the service has read the slot (and so polled the accounts) several times
    /// since the call with no job waiting for a turn: whatever it would do at this slot is done.
    async fn settle(&self) {
        let start = self.metrics.slot_reads.get();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.metrics.slot_reads.get() >= start + 8 && self.metrics.jobs_pending.get() == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "the service did not settle within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn count(&self, instruction: &str, outcome: &str) -> u64 {
        self.metrics.action_count(instruction, outcome)
    }

    async fn stop(self) -> ServiceReport {
        self.cancel.cancel();
        tokio::time::timeout(PATIENCE, self.task).await.expect("the service stops when cancelled").expect("no panic")
    }
}

/// A silent committee: penalized at the first slot past the members' deadline, refunded at the
/// first slot past the challenge window, closed at the first slot of the retention window's end;
/// in between the job is not even read.
#[tokio::test]
async fn each_step_is_sent_at_the_first_slot_it_becomes_valid() {
    let mut world = World::new();
    world.warp_to(10);
    // Deadline 110 for every member; expiry after 210.
    let silent = world.assigned([None, None, None]);
    let job = pda::job_address(&silent.job_id());
    let customer = silent.client.pubkey();
    let running = Running::start(&world);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(service::http::serve(listener, running.metrics.clone(), running.cancel.clone()));
    running.settle().await;
    assert_eq!(running.metrics.jobs_watched.get(), 1);

    // Nothing before a step is valid, and no reads of the job while it only waits.
    let reads = world.reads(&job);
    world.warp_to(110);
    running.settle().await;
    assert_eq!((world.sends(), world.reads(&job)), (0, reads), "nothing to do at the deadline itself");
    world.warp_to(111);
    running.settle().await;
    assert_eq!(running.count("penalize_non_submitters", "sent"), 1);
    assert_eq!(world.sends(), 1);
    let penalized = world.job(&silent.job_id()).unwrap();
    assert_eq!(penalized.penalized_mask.get(), 0b111, "every silent member penalized");

    let balance = world.balance(&customer);
    world.warp_to(210);
    running.settle().await;
    assert_eq!(world.sends(), 1, "not expired yet");
    world.warp_to(211);
    running.settle().await;
    assert_eq!(running.count("cancel_expired_job", "sent"), 1);
    assert_eq!(world.status(&silent.job_id()), Some(JobStatus::Cancelled));
    assert_eq!(world.balance(&customer), balance + ESCROW, "the whole escrow back to the customer");

    let job_account = world.balance(&job);
    world.warp_to(1_210);
    running.settle().await;
    assert_eq!(world.sends(), 2, "retention not over");
    world.warp_to(1_211);
    running.settle().await;
    assert_eq!(running.count("close_job", "sent"), 1);
    assert!(world.job(&silent.job_id()).is_none(), "closed");
    assert_eq!(world.balance(&customer), balance + ESCROW + job_account, "the job's rent back to the customer");
    assert_eq!(running.metrics.jobs_watched.get(), 0);

    let (status, health) = http_get(address, "/health").await;
    assert_eq!(status, 200, "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).expect("/health is JSON");
    assert_eq!((&health["status"], &health["slot"]), (&serde_json::json!("ok"), &serde_json::json!(1211)), "{health}");
    let (status, metrics) = http_get(address, "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        r#"edgerun_crank_actions_total{instruction="penalize_non_submitters",outcome="sent"} 1"#,
        r#"edgerun_crank_actions_total{instruction="cancel_expired_job",outcome="sent"} 1"#,
        r#"edgerun_crank_actions_total{instruction="close_job",outcome="sent"} 1"#,
        "edgerun_crank_slot 1211",
        "edgerun_crank_jobs_watched 0",
    ] {
        assert!(metrics.lines().any(|metric| metric == line), "no `{line}` in\n{metrics}");
    }

    let report = running.stop().await;
    assert_eq!((report.sent, report.refused, report.failed, report.abandoned_turns), (3, 0, 0, 0), "{report:?}");
    assert_eq!(report.by_instruction["close_job"].sent, 1);
    tokio::time::timeout(PATIENCE, server).await.expect("the server stops with the service").unwrap().unwrap();
}

/// A refusal is simulated once: not again while the job's accounts stay the same, whatever the
/// slot and whatever else becomes possible meanwhile; again (and sent) once they change. A "not
/// yet" refusal is tried again at the next slot.
#[tokio::test]
async fn a_refused_action_waits_for_the_job_to_change() {
    let mut world = World::new();
    world.warp_to(10);
    let h = Some(honest_output());
    let posted = world.assigned([h, None, None]);
    let job = pda::job_address(&posted.job_id());
    // Member 2's own deadline moved up to slot 50 (the job's stays 110), so the clock opens a
    // penalize while the quorum is still to be recorded.
    world.svm(|svm| {
        let mut account = svm.get_account(&job).expect("the job");
        let size = std::mem::size_of::<edgerun::state::Job>();
        let state: &mut edgerun::state::Job = bytemuck::from_bytes_mut(&mut account.data[8..8 + size]);
        state.member_deadlines[2] = 50.into();
        svm.set_account(job, account).expect("set the job");
    });
    let running = Running::start(&world);
    running.settle().await;
    assert_eq!(world.sends(), 0, "one result is no quorum");

    // A second result makes a quorum; the program (say, because a rival got in first) refuses.
    world.refuse_next(job, EdgerunError::InvalidJobStatus);
    let simulations = world.simulations();
    world.env(|env| env.submit(&posted.job, &posted.workers[1], honest_output()).expect("submit"));
    running.settle().await;
    assert_eq!(running.count("reach_quorum", "refused"), 1);
    assert_eq!((world.sends(), world.simulations()), (0, simulations + 1));
    // Slots pass, nothing changes: not simulated again.
    for slot in [20, 30, 40] {
        world.warp_to(slot);
        running.settle().await;
    }
    assert_eq!((world.sends(), world.simulations()), (0, simulations + 1), "a refusal is not retried");
    // At 51 member 2 is silent: the service wakes and penalizes it first, without simulating the
    // refused reach-quorum (first in order) again in the accounts it was refused in. Penalizing
    // changes the job, so the quorum is tried again right after, and sent.
    let job_before = world.job(&posted.job_id()).unwrap();
    world.warp_to(51);
    running.settle().await;
    assert_eq!(world.simulated_since(simulations + 1, &job_before), [CrankAction::Penalize, CrankAction::ReachQuorum]);
    assert_eq!(running.count("penalize_non_submitters", "sent"), 1);
    assert_eq!(running.count("reach_quorum", "sent"), 1);
    assert_eq!(world.status(&posted.job_id()), Some(JobStatus::AwaitingDa));

    // Nobody declares: cancel-no-da from the slot after the DA deadline. The node's clock is
    // behind at the first try ("not yet"); tried again at the next slot.
    let da_deadline = world.job(&posted.job_id()).unwrap().da_deadline_slot.get();
    world.warp_to(da_deadline);
    running.settle().await;
    assert_eq!(world.sends(), 2, "the DA window is still open");
    world.refuse_next(job, EdgerunError::DaWindowNotPassed);
    world.warp_to(da_deadline + 1);
    running.settle().await;
    assert_eq!(running.count("cancel_no_da", "refused"), 1);
    assert_eq!(world.status(&posted.job_id()), Some(JobStatus::AwaitingDa));
    world.warp_to(da_deadline + 2);
    running.settle().await;
    assert_eq!(running.count("cancel_no_da", "sent"), 1);
    assert_eq!(world.status(&posted.job_id()), Some(JobStatus::Assigned), "reopened");

    let report = running.stop().await;
    assert_eq!((report.sent, report.refused, report.failed), (3, 2, 0));
}

/// Another cranker finalizes between the service's judgement and its simulation: one refused
/// simulation, nothing sent, and nothing more to do until the retention window ends.
#[tokio::test]
async fn a_rival_cranking_first_costs_one_refused_simulation() {
    let mut world = World::new();
    world.warp_to(10);
    let h = Some(honest_output());
    let raced = world.assigned([h, h, None]);
    world.reach_quorum(&raced);
    let job = pda::job_address(&raced.job_id());
    let running = Running::start(&world);
    running.settle().await;
    assert_eq!(world.sends(), 0, "waiting for the output");

    let committee = world.job(&raced.job_id()).unwrap().committee().to_vec();
    let rival = world.env(|env| env.new_actor(1_000_000_000));
    let job_id = raced.job_id();
    world.interfere(job, move |svm| {
        let transaction = Transaction::new_signed_with_payer(
            &[ix::finalize_job(&job_id, &committee)],
            Some(&rival.pubkey()),
            &[&rival],
            svm.latest_blockhash(),
        );
        svm.send_transaction(transaction).expect("the rival's finalize");
    });
    let simulations = world.simulations();
    world.declare(&raced, 0);
    running.settle().await;
    assert_eq!(world.status(&raced.job_id()), Some(JobStatus::Finalized));
    assert_eq!(running.count("finalize_job", "refused"), 1);
    for slot in [20, 40, 80] {
        world.warp_to(slot);
        running.settle().await;
    }
    assert_eq!((world.sends(), world.simulations()), (0, simulations + 1));
    let report = running.stop().await;
    assert_eq!((report.sent, report.refused), (0, 1));
}

/// A committee is given its grace at its own steps: from the slot the service first sees a
/// quorum submitted (or the output awaited), nothing is read or simulated for `grace` slots. A
/// committee that settles within it is not raced; one that does not is cranked when it ends; a
/// quorum that comes late is recorded at once, while the deadline still allows it.
#[tokio::test]
async fn the_committee_is_given_its_grace_before_the_crank_steps_in() {
    let mut world = World::new();
    world.warp_to(10);
    let h = Some(honest_output());
    // Deadline 110 for each; quorums submitted at slot 10.
    let settling = world.assigned([h, h, None]);
    let idle = world.assigned([h, h, None]);
    let late = world.assigned([h, None, None]);
    let running = Running::start_with(&world, 4);
    running.settle().await;
    assert_eq!((world.sends(), world.simulations()), (0, 0), "the committees' grace");
    assert!(running.metrics.committee_grace.get() >= 2, "two turns put off");
    world.warp_to(13);
    running.settle().await;
    assert_eq!((world.sends(), world.simulations()), (0, 0), "the last slot of the grace");

    // One committee settles itself within its grace: nothing for the crank to do.
    world.reach_quorum(&settling);
    world.declare(&settling, 0);
    let committee = world.env(|env| env.committee(&settling.job));
    world.send_ok(&[ix::finalize_job(&settling.job_id(), &committee)], &[]);
    running.settle().await;
    assert_eq!(world.status(&settling.job_id()), Some(JobStatus::Finalized));
    assert_eq!((world.sends(), world.simulations()), (0, 0), "not raced");

    // The other's grace ends at slot 14: the crank records its quorum.
    world.warp_to(14);
    running.settle().await;
    assert_eq!(running.count("reach_quorum", "sent"), 1);
    assert_eq!(world.status(&idle.job_id()), Some(JobStatus::AwaitingDa));
    // A winner declares, but does not finalize: another grace, from slot 14.
    world.declare(&idle, 0);
    running.settle().await;
    world.warp_to(17);
    running.settle().await;
    assert_eq!(running.count("finalize_job", "sent"), 0, "within the grace");
    world.warp_to(18);
    running.settle().await;
    assert_eq!(running.count("finalize_job", "sent"), 1);
    assert_eq!(world.status(&idle.job_id()), Some(JobStatus::Finalized));

    // A quorum submitted 2 slots before the deadline: the crank does not wait past it.
    world.warp_to(108);
    world.env(|env| env.submit(&late.job, &late.workers[1], honest_output()).expect("submit"));
    running.settle().await;
    assert_eq!(running.count("reach_quorum", "sent"), 2);
    assert_eq!(world.status(&late.job_id()), Some(JobStatus::AwaitingDa));

    let report = running.stop().await;
    assert_eq!((report.sent, report.refused, report.failed), (3, 0, 0));
}

/// Cancelled before and while it works: it returns promptly either way.
#[tokio::test]
async fn stops_when_cancelled() {
    let mut world = World::new();
    let idle = Running::start(&world);
    assert_eq!(idle.stop().await, ServiceReport::default());

    world.warp_to(10);
    let _closable = world.finalized();
    world.warp_to(2_000);
    let running = Running::start(&world);
    running.settle().await;
    assert_eq!(running.count("close_job", "sent"), 1);
    let report = running.stop().await;
    assert_eq!((report.sent, report.abandoned_turns), (1, 0));
}

/// A GET over a fresh connection: status code and body.
async fn http_get(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        let status = response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status line");
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
        (status, body)
    })
    .await
    .unwrap()
}
