//! The crank as a service (`edgerun crank run`): follows every job and sends each permissionless
//! instruction at the first slot it becomes valid, with nobody asking.
//!
//! Two things make a job's next step valid: a change of its accounts (a result lands, an output is
//! declared, someone else cranks it) and the clock (a deadline or a window passes). So the service
//!
//! - follows the jobs some crank instruction accepts through the sdk's [`ChainIndex`] (loaded with
//!   filtered queries at start and when its subscription re-subscribes, then kept current by the
//!   program subscription: no listing in the steady state, so a job costs the same however many
//!   have ended) and takes a turn on a job whenever its Job, one of its results or its output
//!   changes, and on every job the index (re)loads;
//! - reads the slot every `slot_interval` and takes a turn on each job whose next change by the
//!   clock ([`JobState::next_change`]) has come, so a job costs no reads while it only waits;
//! - drops a job as soon as the index says it left (closed, or a status no crank instruction
//!   accepts); every `reconcile_interval` reads the fee payer's balance, and the index re-loads
//!   its live jobs as a safety net;
//! - leaves a job at its committee's own step (a quorum submitted, or the output awaited:
//!   [`committee_step_until`]) to the committee for `committee_grace_slots`, reading nothing: an
//!   honest committee settles within a few slots, and a crank that races it spends a transaction
//!   and the reads behind it on a step the committee's own transaction takes anyway.
//!
//! A turn judges the job as the index has it (current: the index applied the change the turn is
//! for before telling), reading besides only what the judgment depends on
//! ([`JobState::for_crank`]: the results once a quorum submitted, the output while AwaitingDA),
//! at the slot of the client's slot subscription, and is the pass's own ([`crate::run`]): the
//! candidates in order, each refused by a simulation before anything is sent, the job re-read
//! from the chain after each success. Everything is re-derived from the chain, so a restart
//! loses nothing.
//!
//! A refusal is remembered with the state it was refused in: the action is not simulated again
//! for that job until one of its accounts changes. That is what keeps several cranks cheap: the
//! first one's transaction lands, the others' simulations are refused once, and the change it made
//! is what they act on next. One exception: a refusal that says "not yet" (a deadline or window
//! not passed) means the node's clock is behind the slot the service judged at, so the action is
//! tried again at the next slot.
//!
//! At most `concurrency` turns run at once, one per job. Transport failures are retried by the
//! client; a turn that still fails is tried again a few slots later, backing off. On cancel, no
//! new turn starts and the running ones get `shutdown_grace` to finish.

pub mod http;
pub mod metrics;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use edgerun::errors::EdgerunError;
use edgerun::state::Job;
use edgerun_sdk::client::{ChainBackend, ChainIndex, EdgerunClient, IndexConfig, IndexEvent, SubscriptionConfig};
use edgerun_sdk::pda;
use serde::Serialize;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use metrics::Metrics;

use crate::action::CrankAction;
use crate::judge::committee_step_until;
use crate::run::{crankable_statuses, turn, After, AttemptOutcome, Budget, JobState};

/// How the service watches and how hard it works.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Websocket URL of the node; `None` polls only.
    pub ws_url: Option<String>,
    /// Jobs taking a turn at the same time (0 counts as 1). A turn mostly waits on the node (a
    /// send and its confirmation, a slot or two), so this bounds the crank's rate: at 4, it
    /// closed at most ~36 jobs a second at 100 ms slots while 100 a second ended, and the
    /// backlog of closable jobs grew (`docs/performance.md`); 32 keeps up.
    pub concurrency: usize,
    /// Pause between two reads of the slot: an action is sent at most this long after the slot
    /// it becomes valid in starts.
    pub slot_interval: Duration,
    /// Pause between two reads of the fee payer's balance, and between two safety re-loads of
    /// the live jobs by the index (filtered by status; the subscription keeps it current in
    /// between).
    pub reconcile_interval: Duration,
    /// Pause between two polls of the accounts while the websocket is down.
    pub poll_interval: Duration,
    /// On cancel, how long running turns may take to finish before they are abandoned.
    pub shutdown_grace: Duration,
    /// Slots a job's committee is given to take a step that is its own (reach the quorum,
    /// declare the output, finalize: [`committee_step_until`]) before the service steps in,
    /// counted from the job's last change: an honest committee settles within a few slots (under
    /// 0.8 s at 100 jobs/s), and a crank racing it spends a transaction (and its reads) on a step
    /// the committee's own transaction was about to take. Never past `grace` slots before the
    /// step's last valid slot, so a late quorum is still recorded in time. 0: at once.
    pub committee_grace_slots: u64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            ws_url: None,
            concurrency: 32,
            slot_interval: Duration::from_millis(400),
            reconcile_interval: Duration::from_secs(600),
            poll_interval: SubscriptionConfig::default().poll_interval,
            shutdown_grace: Duration::from_secs(10),
            committee_grace_slots: 8,
        }
    }
}

/// What the service did, by instruction, until it stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceReport {
    pub sent: u64,
    pub refused: u64,
    pub failed: u64,
    /// By instruction name (`finalize_job`, ...).
    pub by_instruction: BTreeMap<&'static str, OutcomeCounts>,
    /// Turns still running when the shutdown grace ran out (their transactions may or may not
    /// have landed; the chain tells, and a restart picks the jobs up).
    pub abandoned_turns: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub sent: u64,
    pub refused: u64,
    pub failed: u64,
}

/// The program's refusals that mean "not yet": a deadline or window has not passed at the
/// node's clock.
const NOT_YET: [EdgerunError; 5] = [
    EdgerunError::DeadlineNotPassed,
    EdgerunError::MemberDeadlineNotPassed,
    EdgerunError::DaWindowNotPassed,
    EdgerunError::RetentionNotPassed,
    EdgerunError::NothingToPenalize,
];

/// An action the program refused in one state of the job's accounts.
#[derive(Clone, Debug)]
struct Refusal {
    action: CrankAction,
    /// `Some(slot)`: a "not yet" refusal at `slot`, to try again after it.
    not_yet_at: Option<u64>,
}

impl Refusal {
    /// Whether the refusal still stands at `slot` (for the same accounts).
    fn stands(&self, action: CrankAction, slot: u64) -> bool {
        self.action == action && self.not_yet_at.is_none_or(|at| slot <= at)
    }
}

/// What the service knows of one job.
struct Tracked {
    job_id: [u8; 32],
    /// The fingerprint of the accounts `refusals` were refused in.
    fingerprint: Option<u64>,
    refusals: Vec<Refusal>,
    /// Take a turn once the slot reaches this (`None`: only an account change can help).
    wake: Option<u64>,
    /// Queued or in a turn.
    pending: bool,
    /// Changed while in a turn: take another when it ends.
    again: bool,
    /// Turns in a row that could not read the job or failed in transport.
    failures: u32,
    /// A turn sent a transaction and the index has not told of a change of the job since: the
    /// index's copy may not show it yet, so the next turn reads the job from the chain.
    read_chain: bool,
    /// The job's accounts as the index had them (a hash of the Job's bytes) when the service
    /// first saw them at a committee's step, and the slot it saw them at: the committee's grace
    /// runs from there.
    committee_since: Option<(u64, u64)>,
}

impl Tracked {
    /// `Some(slot)` while `job` (the index's copy) is at a step its committee takes itself and
    /// the committee's grace (`grace` slots) for it lasts: the slot the grace ends at, when the
    /// service takes a turn. The grace runs from the first slot the service saw these accounts,
    /// and ends at the latest `grace` slots before the step's last valid slot.
    fn committee_grace(&mut self, job: &Job, slot: u64, grace: u64) -> Option<u64> {
        let last = committee_step_until(job).filter(|_| grace > 0)?;
        let bytes = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytemuck::bytes_of(job).hash(&mut hasher);
            hasher.finish()
        };
        let since = match self.committee_since {
            Some((seen, since)) if seen == bytes => since,
            _ => {
                self.committee_since = Some((bytes, slot));
                slot
            }
        };
        let until = since.saturating_add(grace).min(last.saturating_sub(grace));
        (slot < until).then_some(until)
    }
}

/// What a turn found, for the service to remember.
enum Finding {
    /// The job's state after the turn, with the refusals that stand in it.
    State { state: Box<JobState>, refusals: Vec<Refusal>, failed: bool },
    /// No job any more.
    Gone,
    /// The job could not be read.
    Unreadable,
}

/// A finished turn: the job, what was found, every attempt.
struct TurnDone {
    address: Address,
    finding: Finding,
    attempts: Vec<(CrankAction, AttemptOutcome)>,
}

struct Service<B: ChainBackend> {
    client: EdgerunClient<B>,
    index: Arc<ChainIndex>,
    payer: Arc<Keypair>,
    config: ServiceConfig,
    metrics: Metrics,
    jobs: HashMap<Address, Tracked>,
    queue: VecDeque<Address>,
    turns: JoinSet<TurnDone>,
    slot: u64,
    report: ServiceReport,
}

/// Runs the crank service until `cancel` is cancelled; returns what it did. Needs a tokio
/// runtime. Failures to reach the chain are logged, counted and retried, never fatal: check the
/// node is reachable before starting if that should stop a start.
pub async fn run<B: ChainBackend>(
    client: EdgerunClient<B>,
    payer: Arc<Keypair>,
    config: ServiceConfig,
    metrics: Metrics,
    cancel: CancellationToken,
) -> ServiceReport {
    let index_config = IndexConfig {
        subscription: SubscriptionConfig {
            ws_url: config.ws_url.clone(),
            poll_interval: config.poll_interval,
            ..SubscriptionConfig::default()
        },
        // Ended jobs too: the crank closes them once their retention has passed.
        job_statuses: crankable_statuses(),
        member: None,
        resync_interval: Some(config.reconcile_interval),
        ..IndexConfig::default()
    };
    let watching = cancel.child_token();
    let index = tokio::select! {
        index = ChainIndex::start(client.clone(), index_config, watching.clone()) => index,
        () = cancel.cancelled() => return ServiceReport::default(),
    };
    let mut events = index.events();
    let mut service = Service {
        client,
        index: Arc::clone(&index),
        payer,
        config,
        metrics,
        jobs: HashMap::new(),
        queue: VecDeque::new(),
        turns: JoinSet::new(),
        slot: 0,
        report: ServiceReport::default(),
    };
    tracing::info!(
        payer = %service.payer.pubkey(),
        ws_url = service.config.ws_url.as_deref().unwrap_or("none (polling)"),
        concurrency = service.config.concurrency.max(1),
        "crank service started"
    );
    let mut slot_ticks = tokio::time::interval(service.config.slot_interval);
    slot_ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reconciles = tokio::time::interval(service.config.reconcile_interval);
    reconciles.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    service.follow_index();
    let mut events_open = true;
    loop {
        service.dispatch();
        tokio::select! {
            _ = cancel.cancelled() => break,
            event = events.recv(), if events_open => match event {
                Ok(event) => service.on_event(event),
                // Missed some: the index's picture has them all.
                Err(RecvError::Lagged(_)) => service.follow_index(),
                Err(RecvError::Closed) => {
                    tracing::warn!("the chain index stopped; following jobs by slot only");
                    events_open = false;
                }
            },
            // The reads below may wait on a slow node (the client retries): a stop cuts them short.
            _ = slot_ticks.tick() => tokio::select! {
                _ = cancel.cancelled() => break,
                _ = service.on_slot_tick() => {}
            },
            _ = reconciles.tick() => tokio::select! {
                _ = cancel.cancelled() => break,
                _ = service.read_balance() => {}
            },
            Some(joined) = service.turns.join_next(), if !service.turns.is_empty() => match joined {
                Ok(done) => service.on_turn(done),
                Err(error) => tracing::error!(%error, "a crank turn panicked"),
            },
        }
    }
    watching.cancel();
    service.shutdown().await;
    index.join().await;
    tracing::info!(
        sent = service.report.sent,
        refused = service.report.refused,
        failed = service.report.failed,
        "crank service stopped"
    );
    service.report
}

impl<B: ChainBackend> Service<B> {
    /// Follows the job at `address` and takes a turn on it as soon as possible.
    fn note(&mut self, address: Address, job_id: [u8; 32]) {
        let tracked = self.jobs.entry(address).or_insert_with(|| Tracked {
            job_id,
            fingerprint: None,
            refusals: Vec::new(),
            wake: None,
            pending: false,
            again: false,
            failures: 0,
            read_chain: false,
            committee_since: None,
        });
        if tracked.pending {
            tracked.again = true;
        } else {
            tracked.pending = true;
            self.queue.push_back(address);
        }
        self.update_gauges();
    }

    fn on_event(&mut self, event: IndexEvent) {
        // A job from a load carries no slot; one from a notification does.
        let source = match &event {
            IndexEvent::Job { slot: None, .. } | IndexEvent::Resynced => "load",
            _ => "subscription",
        };
        self.metrics.account_updates.with_label_values(&[source]).inc();
        match event {
            IndexEvent::Job { address, job, .. } => {
                if let Some(tracked) = self.jobs.get_mut(&address) {
                    tracked.read_chain = false;
                }
                self.note(address, job.job_id)
            }
            IndexEvent::JobActivity { job } => {
                let job_id = self
                    .jobs
                    .get(&job)
                    .map(|tracked| tracked.job_id)
                    .or_else(|| self.index.job(&job).map(|known| known.job_id));
                if let Some(job_id) = job_id {
                    self.note(job, job_id);
                }
            }
            // Closed, or in a status no crank instruction accepts: nothing left to do on it.
            IndexEvent::JobLeft { address, .. } => {
                if self.jobs.get(&address).is_some_and(|tracked| !tracked.pending) {
                    self.jobs.remove(&address);
                    self.update_gauges();
                }
            }
            IndexEvent::Resynced => self.follow_index(),
            IndexEvent::Worker { .. } | IndexEvent::WorkerClosed { .. } | IndexEvent::Config(_) => {}
        }
    }

    /// Follows every job the index keeps that the service does not yet, and drops the ones the
    /// index no longer keeps (at start, after a re-load, after missed events).
    fn follow_index(&mut self) {
        let kept = self.index.jobs();
        for (address, job) in &kept {
            if !self.jobs.contains_key(address) {
                self.note(*address, job.job_id);
            }
        }
        let kept: std::collections::HashSet<Address> = kept.into_iter().map(|(address, _)| address).collect();
        self.jobs.retain(|address, tracked| tracked.pending || kept.contains(address));
        self.update_gauges();
    }

    async fn on_slot_tick(&mut self) {
        match self.client.slot().await {
            Ok(slot) => {
                self.slot = slot;
                let due: Vec<Address> = self
                    .jobs
                    .iter()
                    .filter(|(_, tracked)| !tracked.pending && tracked.wake.is_some_and(|wake| wake <= slot))
                    .map(|(address, _)| *address)
                    .collect();
                for address in due {
                    let job_id = self.jobs[&address].job_id;
                    self.note(address, job_id);
                }
                self.metrics.slot_read(slot);
            }
            Err(error) => {
                self.metrics.rpc_errors.with_label_values(&["getSlot"]).inc();
                tracing::warn!(%error, "cannot read the slot; trying again at the next tick");
            }
        }
    }

    /// Reads the fee payer's balance (a metric, and a warning when it is empty).
    async fn read_balance(&mut self) {
        match self.client.balance(&self.payer.pubkey()).await {
            Ok(balance) => {
                self.metrics.payer_balance_lamports.set(i64::try_from(balance).unwrap_or(i64::MAX));
                if balance == 0 {
                    tracing::warn!(payer = %self.payer.pubkey(), "the fee payer has no lamports left: fund it");
                }
            }
            Err(error) => {
                self.metrics.rpc_errors.with_label_values(&["getBalance"]).inc();
                tracing::warn!(%error, "cannot read the fee payer's balance");
            }
        }
    }

    /// Starts turns from the queue, at most `concurrency` at once. A job at its committee's own
    /// step, still within the committee's grace, takes no turn (and costs no read): it waits for
    /// a change, or for the grace to end.
    fn dispatch(&mut self) {
        // The newest slot known: a notification's (the change that queued the job) or the tick's.
        let slot = self.slot.max(self.index.slot());
        while self.turns.len() < self.config.concurrency.max(1) {
            let Some(address) = self.queue.pop_front() else { break };
            let Some(tracked) = self.jobs.get_mut(&address) else { continue };
            // The index's copy is current (its subscription brought the change this turn is for),
            // unless this service changed the job since.
            let known = if tracked.read_chain { None } else { self.index.job(&address) };
            let grace = self.config.committee_grace_slots;
            if let Some(until) = known.as_ref().and_then(|job| tracked.committee_grace(job, slot, grace)) {
                tracked.pending = false;
                tracked.again = false;
                // The turn at the grace's end judges the job afresh, clock included: an earlier
                // wake would only find the job still in its grace.
                tracked.wake = Some(until);
                self.metrics.committee_grace.inc();
                self.update_gauges();
                continue;
            }
            let client = self.client.clone();
            let payer = Arc::clone(&self.payer);
            let (job_id, fingerprint, refusals) = (tracked.job_id, tracked.fingerprint, tracked.refusals.clone());
            self.turns.spawn(async move {
                let (finding, attempts) = take_turn(&client, &payer, &job_id, known, fingerprint, refusals).await;
                TurnDone { address, finding, attempts }
            });
        }
    }

    fn on_turn(&mut self, TurnDone { address, finding, attempts }: TurnDone) {
        for (action, outcome) in &attempts {
            self.count(*action, outcome);
        }
        let sent = attempts.iter().any(|(_, outcome)| matches!(outcome, AttemptOutcome::Sent { .. }));
        let slot = self.slot;
        let Some(tracked) = self.jobs.get_mut(&address) else { return };
        tracked.pending = false;
        tracked.read_chain |= sent;
        let again = std::mem::take(&mut tracked.again);
        let keep = match finding {
            // Kept (and read from the chain, not the index, if it comes up again) until the index
            // tells it left: the index's copy may lag the turn that closed it, and a re-load or a
            // missed event would otherwise bring it back as a job to close.
            Finding::Gone => {
                tracked.read_chain = true;
                tracked.wake = None;
                self.index.job(&address).is_some()
            }
            Finding::Unreadable => {
                self.metrics.rpc_errors.with_label_values(&["readJob"]).inc();
                tracked.failures = tracked.failures.saturating_add(1);
                tracked.wake = Some(slot.saturating_add(backoff_slots(tracked.failures)));
                true
            }
            Finding::State { state, refusals, failed } => {
                tracked.fingerprint = Some(state.fingerprint());
                let retry = refusals.iter().filter_map(|refusal| refusal.not_yet_at).map(|at| at.saturating_add(1));
                let mut wake = state.next_change().into_iter().chain(retry).min();
                if failed {
                    tracked.failures = tracked.failures.saturating_add(1);
                    let backoff = state.slot.saturating_add(backoff_slots(tracked.failures));
                    wake = Some(wake.map_or(backoff, |wake| wake.min(backoff)));
                } else {
                    tracked.failures = 0;
                }
                tracked.refusals = refusals;
                tracked.wake = wake;
                // Waiting for the scheduler (posted, seeded) or malformed: an update brings it back.
                crankable(&state.job) || wake.is_some()
            }
        };
        if again {
            let job_id = tracked.job_id;
            self.note(address, job_id);
        } else if !keep {
            self.jobs.remove(&address);
        }
        self.update_gauges();
    }

    fn count(&mut self, action: CrankAction, outcome: &AttemptOutcome) {
        let counts = self.report.by_instruction.entry(action.instruction_name()).or_default();
        let label = match outcome {
            AttemptOutcome::Sent { .. } => {
                counts.sent += 1;
                self.report.sent += 1;
                "sent"
            }
            AttemptOutcome::Refused { .. } => {
                counts.refused += 1;
                self.report.refused += 1;
                "refused"
            }
            AttemptOutcome::Failed { .. } => {
                counts.failed += 1;
                self.report.failed += 1;
                "failed"
            }
        };
        self.metrics.actions.with_label_values(&[action.instruction_name(), label]).inc();
    }

    fn update_gauges(&self) {
        self.metrics.jobs_watched.set(i64::try_from(self.jobs.len()).unwrap_or(i64::MAX));
        let pending = self.jobs.values().filter(|tracked| tracked.pending).count();
        self.metrics.jobs_pending.set(i64::try_from(pending).unwrap_or(i64::MAX));
    }

    /// Lets running turns finish within the grace period, abandons the rest.
    async fn shutdown(&mut self) {
        self.queue.clear();
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        while !self.turns.is_empty() {
            tokio::select! {
                _ = &mut grace => {
                    self.report.abandoned_turns = self.turns.len();
                    tracing::warn!(turns = self.turns.len(), "abandoning crank turns still running at shutdown");
                    self.turns.shutdown().await;
                    break;
                }
                Some(joined) = self.turns.join_next() => {
                    if let Ok(done) = joined {
                        self.on_turn(done);
                    }
                }
            }
        }
        self.queue.clear();
    }
}

/// One turn on one job: judges it (`known`: the chain index's copy, with only what the judgment
/// needs read besides; the chain's when the index has none), drops the refusals its accounts'
/// change lifted, and tries what is left (see [`crate::run`]). Returns what was found and every
/// attempt.
async fn take_turn<B: ChainBackend>(
    client: &EdgerunClient<B>,
    payer: &Keypair,
    job_id: &[u8; 32],
    known: Option<Job>,
    fingerprint: Option<u64>,
    refusals: Vec<Refusal>,
) -> (Finding, Vec<(CrankAction, AttemptOutcome)>) {
    let read = match known {
        Some(job) => match client.slot().await {
            Ok(slot) => JobState::for_crank(client, pda::job_address(job_id), job, slot).await.map(Some),
            Err(error) => Err(error),
        },
        None => JobState::read(client, job_id).await,
    };
    let state = match read {
        Ok(Some(state)) => state,
        Ok(None) => return (Finding::Gone, Vec::new()),
        Err(error) => {
            tracing::warn!(job_id = hex::encode(job_id), %error, "cannot read the job; trying again in a few slots");
            return (Finding::Unreadable, Vec::new());
        }
    };
    let judged_in = state.fingerprint();
    let refusals = if fingerprint == Some(judged_in) { refusals } else { Vec::new() };
    let skip = |state: &JobState, action: CrankAction| {
        state.fingerprint() == judged_in && refusals.iter().any(|refusal| refusal.stands(action, state.slot))
    };
    let done = turn(client, payer, state, &Budget::new(CrankAction::ALL.len()), skip).await;
    let attempts: Vec<(CrankAction, AttemptOutcome)> =
        done.attempts.iter().map(|attempt| (attempt.action, attempt.outcome.clone())).collect();
    let finding = match done.after {
        After::Closed => Finding::Gone,
        // Sent, then not re-read: the next turn reads it.
        After::Unknown => Finding::Unreadable,
        After::State(state) => {
            // The attempts after the last one sent were judged in this state.
            let since_sent = attempts
                .iter()
                .rposition(|(_, outcome)| matches!(outcome, AttemptOutcome::Sent { .. }))
                .map_or(0, |i| i + 1);
            let mut standing: Vec<Refusal> = if since_sent == 0 && state.fingerprint() == judged_in {
                refusals.into_iter().filter(|refusal| refusal.not_yet_at.is_none_or(|at| state.slot <= at)).collect()
            } else {
                Vec::new()
            };
            let mut failed = false;
            for (action, outcome) in &attempts[since_sent..] {
                match outcome {
                    AttemptOutcome::Refused { error } => {
                        let not_yet = NOT_YET.iter().any(|name| format!("{name:?}") == *error);
                        standing.retain(|refusal| refusal.action != *action);
                        standing.push(Refusal { action: *action, not_yet_at: not_yet.then_some(state.slot) });
                    }
                    AttemptOutcome::Failed { .. } => failed = true,
                    AttemptOutcome::Sent { .. } => {}
                }
            }
            Finding::State { state, refusals: standing, failed }
        }
    };
    (finding, attempts)
}

/// Whether some crank instruction accepts the job's status.
fn crankable(job: &Job) -> bool {
    job.status().is_ok_and(|status| crankable_statuses().contains(&status))
}

/// Slots to wait after `failures` failed turns in a row: 2, 4, ... up to 64.
fn backoff_slots(failures: u32) -> u64 {
    1u64 << failures.clamp(1, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_not_yet_refusal_stands_until_its_slot_passes() {
        let final_refusal = Refusal { action: CrankAction::Finalize, not_yet_at: None };
        assert!(final_refusal.stands(CrankAction::Finalize, u64::MAX));
        assert!(!final_refusal.stands(CrankAction::Close, 0));
        let not_yet = Refusal { action: CrankAction::Close, not_yet_at: Some(10) };
        assert!(not_yet.stands(CrankAction::Close, 10));
        assert!(!not_yet.stands(CrankAction::Close, 11));
    }

    #[test]
    fn failures_back_off_to_a_bound() {
        let waits: Vec<u64> = (0..9).map(backoff_slots).collect();
        assert_eq!(waits, [2, 2, 4, 8, 16, 32, 64, 64, 64]);
    }

    #[test]
    fn not_yet_names_are_the_programs() {
        // The refusal's name is the error's Debug name (`AttemptOutcome::of`).
        for error in NOT_YET {
            let name = format!("{error:?}");
            assert!(name.ends_with("NotPassed") || name == "NothingToPenalize", "{name}");
        }
    }
}
