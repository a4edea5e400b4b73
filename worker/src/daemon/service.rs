//! The daemon's bookkeeping: which jobs are being worked on, which wait for a retry, and the
//! decision, for every job the chain reports, whether there is anything to do.
//!
//! Nothing here is the truth: every job task takes the job from the chain index (kept current by
//! the program subscription) or the chain before acting, so this state only keeps the daemon
//! from working on one job twice at once and paces its retries. A restarted daemon starts with
//! none of it and loses nothing.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use edgerun_sdk::client::{ChainIndex, RpcBackend};
use edgerun_sdk::edgerun::state::{Job, JobStatus};
use edgerun_sdk::pda;
use solana_address::Address;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::metrics::Metrics;
use super::step::{Settlement, StepError, Submission, Worker};

/// Pace of retries (a failed step) and re-checks (waiting for the quorum) of one job.
const RETRY_MIN_DELAY: Duration = Duration::from_secs(1);
const RETRY_MAX_DELAY: Duration = Duration::from_secs(30);

/// What the worker's wallet must hold to send its next transactions: a submission (two
/// signatures: the worker's and the Ed25519 attestation's) and a settlement (one), at the base
/// fee of 5,000 lamports a signature, above the rent-exempt minimum of a wallet (890,880
/// lamports), which the runtime never lets a fee payer fall below. Fees are a worker's only
/// running cost: the job's rent reserve pays for its results and its output record.
pub const MIN_FEE_BALANCE_LAMPORTS: u64 = 890_880 + 15_000;

/// One job's bookkeeping.
#[derive(Default)]
struct JobEntry {
    /// A task works on it now.
    running: bool,
    /// The chain reported a change while the task ran: it goes again right after.
    again: bool,
    /// Delays of the retries and re-checks, growing until the job moves.
    backoff: Option<ExponentialBackoff>,
    /// A timer wakes the job at this instant; nothing else starts it before.
    not_before: Option<Instant>,
    /// Nothing is left to do while the job stays in this status (given up, lost, ended).
    finished_in: Option<u8>,
}

/// What a job's task concluded.
enum Next {
    /// Nothing to do while the job stays in this status.
    Finished(u8),
    /// Something failed that may pass: try again after the backoff.
    Retry,
    /// Waiting for the others (the quorum, the output): look again after the backoff.
    Recheck,
}

pub struct Daemon {
    worker: Worker<RpcBackend>,
    /// This worker's live jobs, kept current by the chain index's subscription.
    index: Arc<ChainIndex>,
    metrics: Metrics,
    tracker: TaskTracker,
    cancel: CancellationToken,
    jobs: Mutex<HashMap<[u8; 32], JobEntry>>,
    /// Timers send a job id here when its retry is due.
    wake: mpsc::UnboundedSender<[u8; 32]>,
    last_reconcile: Mutex<Option<Instant>>,
    reconcile_interval: Duration,
    /// The wallet's balance at the last reconcile (`None` before the first read).
    wallet_lamports: Mutex<Option<u64>>,
}

impl Daemon {
    pub fn new(
        worker: Worker<RpcBackend>,
        index: Arc<ChainIndex>,
        metrics: Metrics,
        cancel: CancellationToken,
        reconcile_interval: Duration,
    ) -> (Arc<Daemon>, mpsc::UnboundedReceiver<[u8; 32]>) {
        let (wake, woken) = mpsc::unbounded_channel();
        let daemon = Daemon {
            worker,
            index,
            metrics,
            tracker: TaskTracker::new(),
            cancel,
            jobs: Mutex::new(HashMap::new()),
            wake,
            last_reconcile: Mutex::new(None),
            reconcile_interval,
            wallet_lamports: Mutex::new(None),
        };
        (Arc::new(daemon), woken)
    }

    pub fn worker(&self) -> &Worker<RpcBackend> {
        &self.worker
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    pub fn reconcile_interval(&self) -> Duration {
        self.reconcile_interval
    }

    pub fn is_stopping(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub fn since_last_reconcile(&self) -> Option<Duration> {
        self.last_reconcile.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).map(|at| at.elapsed())
    }

    /// The wallet's balance at the last reconcile.
    pub fn wallet_lamports(&self) -> Option<u64> {
        *self.wallet_lamports.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The wallet's balance at the last reconcile, when it is below what the next transactions'
    /// fees need ([`MIN_FEE_BALANCE_LAMPORTS`]): the daemon sends nothing until it is funded.
    pub fn wallet_short(&self) -> Option<u64> {
        let balance = *self.wallet_lamports.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        balance.filter(|&balance| balance < MIN_FEE_BALANCE_LAMPORTS)
    }

    /// Records the wallet's balance; says once, when it falls short, what fixes it.
    fn record_wallet(&self, balance: u64) {
        let before = self.wallet_lamports.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).replace(balance);
        self.metrics.wallet_lamports.set(i64::try_from(balance).unwrap_or(i64::MAX));
        let short = balance < MIN_FEE_BALANCE_LAMPORTS;
        let was_short = before.is_some_and(|before| before < MIN_FEE_BALANCE_LAMPORTS);
        self.metrics.wallet_short.set(i64::from(short));
        let me = self.worker.pubkey();
        if short && !was_short {
            tracing::error!(
                worker = %me,
                balance_lamports = balance,
                needed_lamports = MIN_FEE_BALANCE_LAMPORTS,
                "the worker's wallet cannot pay the next transaction fees; nothing is sent until it is funded: `solana transfer {me} 0.01 --allow-unfunded-recipient`"
            );
        } else if !short && was_short {
            tracing::info!(worker = %me, balance_lamports = balance, "the worker's wallet is funded again; resuming");
            // The jobs that waited for the fees go at once, not at their next backoff.
            for entry in self.entries().values_mut() {
                entry.backoff = None;
                entry.not_before = None;
            }
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], JobEntry>> {
        // The map stays consistent whatever panicked while holding it: each update is one field.
        self.jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A job the chain reported: start a task if this worker has something to do on it.
    /// `changed`: the subscription saw it change (worth a look now, even while a retry waits);
    /// the reconcile's pass over the index respects the retry's backoff.
    pub fn consider(self: &Arc<Self>, job: &Job, changed: bool) {
        if self.is_stopping() || !job.committee().contains(&self.worker.pubkey()) {
            return;
        }
        match job.status() {
            Ok(JobStatus::Assigned | JobStatus::AwaitingDa) => {}
            Ok(JobStatus::Finalized | JobStatus::Cancelled) => {
                let mut entries = self.entries();
                if entries.get(&job.job_id).is_some_and(|entry| !entry.running) {
                    entries.remove(&job.job_id);
                }
                return;
            }
            _ => return,
        }
        {
            let entries = self.entries();
            match entries.get(&job.job_id) {
                Some(entry) if entry.finished_in == Some(job.status) && !entry.running => return,
                Some(_) => {}
                None => tracing::info!(
                    job = %hex::encode(job.job_id),
                    stage = "assigned",
                    status = ?job.status(),
                    deadline_slot = job.deadline_slot.get(),
                    "a job of this worker"
                ),
            }
        }
        self.start(job.job_id, changed);
    }

    /// A job whose retry timer fired.
    pub fn woken(self: &Arc<Self>, job_id: [u8; 32]) {
        if !self.is_stopping() {
            self.start(job_id, false);
        }
    }

    /// Starts a task on the job unless one runs (then it goes again after) or a retry is due
    /// later (`changed`: the chain reported a change, which is worth a look now).
    fn start(self: &Arc<Self>, job_id: [u8; 32], changed: bool) {
        {
            let mut entries = self.entries();
            let entry = entries.entry(job_id).or_default();
            if entry.running {
                entry.again |= changed;
                return;
            }
            if entry.not_before.is_some_and(|at| at > Instant::now()) && !changed {
                return;
            }
            entry.running = true;
            entry.finished_in = None;
        }
        self.metrics.jobs_in_flight.inc();
        let daemon = Arc::clone(self);
        self.tracker.spawn(async move { daemon.work(job_id).await });
    }

    /// The job's task: one pass, then the bookkeeping of what it concluded, again while the
    /// chain reported changes meanwhile.
    async fn work(self: Arc<Self>, job_id: [u8; 32]) {
        loop {
            let next = self.pass(&job_id).await;
            let mut entries = self.entries();
            let entry = entries.entry(job_id).or_default();
            match next {
                Next::Finished(status) => {
                    entry.finished_in = Some(status);
                    entry.backoff = None;
                    entry.not_before = None;
                }
                Next::Retry | Next::Recheck => {
                    let delay = entry
                        .backoff
                        .get_or_insert_with(|| {
                            ExponentialBuilder::default()
                                .with_min_delay(RETRY_MIN_DELAY)
                                .with_max_delay(RETRY_MAX_DELAY)
                                .without_max_times()
                                .with_jitter()
                                .build()
                        })
                        .next()
                        .unwrap_or(RETRY_MAX_DELAY);
                    entry.not_before = Some(Instant::now() + delay);
                    self.wake_after(job_id, delay);
                }
            }
            if entry.again && !self.is_stopping() {
                entry.again = false;
                continue;
            }
            entry.running = false;
            break;
        }
        self.metrics.jobs_in_flight.dec();
    }

    fn wake_after(&self, job_id: [u8; 32], delay: Duration) {
        let (wake, cancel) = (self.wake.clone(), self.cancel.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = tokio::time::sleep(delay) => { let _ = wake.send(job_id); }
            }
        });
    }

    /// One look at the job, from the chain: run and submit if this worker has not, then settle
    /// if its result won.
    async fn pass(&self, job_id: &[u8; 32]) -> Next {
        let job_hex = hex::encode(job_id);
        if self.wallet_short().is_some() {
            // Every transaction would fail for its fee: wait for the reconcile to see a funded
            // wallet (the error was said once, at the reconcile that saw the balance fall).
            return Next::Retry;
        }
        // The index keeps this worker's live jobs current; one it does not keep (ended, closed,
        // or this worker replaced) is read from the chain.
        let job = match self.index.job_by_id(job_id) {
            Some(job) => job,
            None => match self.worker.client().job(job_id).await {
                Ok(Some(job)) => job,
                Ok(None) => return Next::Finished(JobStatus::Cancelled as u8),
                Err(error) => {
                    tracing::warn!(job = %job_hex, stage = "skipped", reason = "chain", %error, "cannot read the job; retrying");
                    self.metrics.jobs_skipped.with_label_values(&["chain"]).inc();
                    return Next::Retry;
                }
            },
        };
        let me = self.worker.pubkey();
        let submitted = job.committee_index(&me).is_some_and(|index| job.has_submitted(index));
        match job.status() {
            // Submitted already (this task's earlier pass, or before a restart): settle.
            Ok(JobStatus::Assigned) if submitted => self.settle(&job).await,
            Ok(JobStatus::Assigned) => {
                match self.worker.execute_and_submit(&job).await {
                    Ok(Submission::Submitted { execution, .. }) => {
                        let result = if execution.error_code.is_some() { "error" } else { "output" };
                        self.metrics.jobs_run.with_label_values(&[result]).inc();
                        self.metrics.fuel_used.inc_by(execution.fuel_used);
                        self.metrics.execution_seconds.observe(execution.elapsed.as_secs_f64());
                        self.metrics.jobs_submitted.inc();
                        // Progress: the re-checks for the quorum start short again.
                        self.entries().entry(*job_id).or_default().backoff = None;
                    }
                    Ok(Submission::AlreadySubmitted { .. }) => {}
                    Ok(Submission::InputUnavailable { .. }) => {
                        self.metrics.jobs_run.with_label_values(&["input_unavailable"]).inc();
                        self.metrics.jobs_submitted.inc();
                        self.entries().entry(*job_id).or_default().backoff = None;
                    }
                    Err(error) => return self.skipped(&job, &error),
                }
                self.settle(&job).await
            }
            Ok(JobStatus::AwaitingDa) => self.settle(&job).await,
            _ => Next::Finished(job.status),
        }
    }

    async fn settle(&self, job: &Job) -> Next {
        let job_hex = hex::encode(job.job_id);
        match self.worker.settle_known(job).await {
            Ok(Settlement::Ended) => {
                tracing::info!(job = %job_hex, stage = "ended", "the job has ended");
                Next::Finished(JobStatus::Finalized as u8)
            }
            Ok(Settlement::NotSubmitted) => Next::Finished(job.status),
            Ok(Settlement::NotAWinner) => {
                tracing::info!(job = %job_hex, stage = "lost", "another result won");
                Next::Finished(job.status)
            }
            Ok(Settlement::NoQuorumYet) => Next::Recheck,
            Ok(Settlement::Waiting { why }) => {
                tracing::info!(job = %job_hex, stage = "waiting", why, "nothing to send for now");
                Next::Recheck
            }
            Ok(Settlement::Sent { reached_quorum, declared, finalized, .. }) => {
                for (step, sent) in [("reach_quorum", reached_quorum), ("declare", declared), ("finalize", finalized)] {
                    if sent {
                        self.metrics.settlements.with_label_values(&[step]).inc();
                    }
                }
                if finalized {
                    Next::Finished(JobStatus::Finalized as u8)
                } else {
                    Next::Recheck
                }
            }
            Ok(Settlement::InputUnavailableSettled { .. }) => {
                self.metrics.settlements.with_label_values(&["settle_input_unavailable"]).inc();
                Next::Finished(JobStatus::Cancelled as u8)
            }
            Err(error) => self.skipped(job, &error),
        }
    }

    /// Logs and counts a step that did not complete; retryable ones come back after the backoff.
    fn skipped(&self, job: &Job, error: &StepError) -> Next {
        let job_hex = hex::encode(job.job_id);
        let reason = error.reason();
        self.metrics.jobs_skipped.with_label_values(&[reason]).inc();
        if error.is_retryable() {
            tracing::warn!(job = %job_hex, stage = "skipped", reason, %error, "skipped for now; retrying with backoff");
            Next::Retry
        } else if matches!(error, StepError::DeadlinePassed { .. }) {
            tracing::warn!(job = %job_hex, stage = "missed", reason, %error, "missed the job");
            Next::Finished(job.status)
        } else {
            tracing::warn!(job = %job_hex, stage = "given-up", reason, %error, "this worker cannot do more on the job");
            Next::Finished(job.status)
        }
    }

    /// Considers every live job of this worker the index keeps (the index, not a listing: its
    /// subscription keeps it current, so this costs the chain nothing), forgets jobs that left
    /// it, and reads the worker's wallet, stake and slot.
    pub async fn reconcile(self: &Arc<Self>) {
        let me = self.worker.pubkey();
        let client = self.worker.client();
        let (stake, slot, balance) = tokio::join!(client.worker_stake(&me), client.slot(), client.balance(&me));
        match balance {
            Ok(balance) => self.record_wallet(balance),
            Err(error) => tracing::warn!(%error, "reconcile: cannot read this worker's wallet balance"),
        }
        self.follow_index();
        match stake {
            Ok(Some(stake)) => self.metrics.record_stake(&stake),
            Ok(None) => tracing::error!(worker = %me, "reconcile: this worker's stake account is gone"),
            Err(error) => tracing::warn!(%error, "reconcile: cannot read this worker's stake"),
        }
        if let Ok(slot) = slot {
            self.metrics.reconciled_slot.set(i64::try_from(slot).unwrap_or(i64::MAX));
        }
        *self.last_reconcile.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        tracing::debug!(jobs = self.index.job_count(), "reconciled");
    }

    /// Considers every job the index keeps, respecting retry backoffs, and forgets the ones it
    /// does not keep any more (at each reconcile, after the index re-loaded, after missed events).
    pub fn follow_index(self: &Arc<Self>) {
        let jobs = self.index.jobs();
        let kept: HashSet<[u8; 32]> = jobs.iter().map(|(_, job)| job.job_id).collect();
        self.entries().retain(|job_id, entry| entry.running || kept.contains(job_id));
        for (_, job) in &jobs {
            self.consider(job, false);
        }
    }

    /// The job at `address` left the index closed (no final state): forgotten unless a task
    /// runs on it (which then reads that it is gone).
    pub fn forget(&self, address: &Address) {
        self.entries().retain(|job_id, entry| entry.running || pda::job_address(job_id) != *address);
    }

    /// Jobs whose task is running.
    pub fn running(&self) -> usize {
        self.entries().values().filter(|entry| entry.running).count()
    }
}
