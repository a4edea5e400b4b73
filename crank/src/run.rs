//! Sending crank actions: one on request ([`crank`]), or every one the chain allows in a bounded
//! pass ([`once`]).
//!
//! The client simulates every transaction before sending it and sends nothing the program
//! refuses, so trying an action that does not apply costs a simulation, never a fee. That makes
//! the pass simple: judge each job with [`candidates`], try the candidates in order, and let the
//! program decide.
//!
//! Within a pass each job is handled on its own (at most `concurrency` at once), its actions one
//! after another: after an action is sent, the job, its results, its output and the slot are read
//! again and its candidates judged afresh, because one step may open the next (reach-quorum, then
//! penalizing the members the quorum found silent; an ending, then close when the retention window
//! is zero). Each action is tried at most once per job per pass, so a pass always ends; a refused
//! action moves on to the job's next candidate; a failure in transport ends that job's turn (the
//! next pass picks it up) but never the pass.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use edgerun::state::{Job, JobResult, JobStatus, OutputAvailability};
use edgerun_sdk::client::{ChainBackend, ClientError, EdgerunClient, SendReceipt};
use edgerun_sdk::pda;
use futures::StreamExt;
use serde::Serialize;
use solana_address::Address;
use solana_keypair::Keypair;

use crate::action::{committee, CrankAction};
use crate::judge::{candidates, explain, next_change};

#[derive(Debug, thiserror::Error)]
pub enum CrankError {
    #[error(
        "no job {} at {}: check the job id (64 hex characters), that the RPC URL is the cluster it was posted on, \
         and that it was not closed already (close reclaims an ended job after its retention window)",
        hex::encode(job_id),
        pda::job_address(job_id)
    )]
    JobNotFound { job_id: [u8; 32] },
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Sends `action` for `job_id`, paid by `payer`: fetches the job, builds the instruction from it
/// and sends it through the client, which simulates first. The program's refusal comes back as
/// `ClientError::Transaction` (by name: `ClientError::edgerun_error`), and nothing is sent.
pub async fn crank<B: ChainBackend>(
    client: &EdgerunClient<B>,
    payer: &Keypair,
    job_id: &[u8; 32],
    action: CrankAction,
) -> Result<SendReceipt, CrankError> {
    let job = client.job(job_id).await?.ok_or(CrankError::JobNotFound { job_id: *job_id })?;
    Ok(client.send(payer, &[], &[action.instruction(&job)]).await?)
}

/// Bounds of one [`once`] pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OncePolicy {
    /// At most this many transactions are built and simulated (and so at most this many sent)
    /// per pass; the rest waits for the next pass.
    pub max_transactions: usize,
    /// Jobs handled at the same time (0 counts as 1).
    pub concurrency: usize,
}

impl Default for OncePolicy {
    fn default() -> Self {
        OncePolicy { max_transactions: 64, concurrency: 4 }
    }
}

/// What one pass did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OnceReport {
    /// The slot the pass judged the jobs at.
    pub slot: u64,
    /// Jobs listed in a status some action accepts (Assigned, AwaitingDA, Finalized, Cancelled).
    pub jobs_seen: usize,
    /// Every attempt, grouped by job in listing order, in the order they were made.
    pub attempts: Vec<Attempt>,
    /// The pass used all of `max_transactions`: jobs may be left that the next pass can advance.
    pub budget_exhausted: bool,
}

/// One action tried on one job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The job id, hex.
    pub job_id: String,
    /// The Job account's address.
    pub job: String,
    pub action: CrankAction,
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Sent and confirmed.
    Sent { signature: String, slot: u64 },
    /// The program (or the runtime, for this instruction) refused it in simulation: nothing was
    /// sent. `error` is the Edgerun error's name (`QuorumNotReached`), or the client's name for any
    /// other refusal (`AnchorError::ConstraintSeeds`, `InstructionError::...`).
    Refused { error: String },
    /// Anything else: transport, a transaction refused outside any instruction (the fee payer's
    /// balance, the blockhash), not confirmed in time, or the job's results or output could not
    /// be read before the action was built.
    Failed { error: String },
}

impl AttemptOutcome {
    /// The outcome of sending one action.
    pub(crate) fn of(sent: Result<SendReceipt, ClientError>) -> Self {
        match sent {
            Ok(receipt) => AttemptOutcome::Sent { signature: receipt.signature.to_string(), slot: receipt.slot },
            Err(ClientError::Transaction(failure)) if failure.instruction_index.is_some() => {
                let error = match failure.edgerun_error() {
                    Some(error) => format!("{error:?}"),
                    None => failure.reason.name(),
                };
                AttemptOutcome::Refused { error }
            }
            Err(other) => AttemptOutcome::Failed { error: other.to_string() },
        }
    }
}

/// One pass over every job any action can advance: lists the jobs in every status some action
/// accepts, judges each with [`candidates`] and tries them (sending nothing the simulation
/// refuses). Only the listing can fail the whole pass; anything that goes wrong with one job is in
/// that job's attempts.
pub async fn once<B: ChainBackend>(
    client: &EdgerunClient<B>,
    payer: &Keypair,
    limits: &OncePolicy,
) -> Result<OnceReport, ClientError> {
    let slot = client.slot().await?;
    let mut seen = HashSet::new();
    let mut jobs: Vec<(Address, Job)> = Vec::new();
    for status in crankable_statuses() {
        // A job that moved between two listings shows up twice; it is handled once.
        jobs.extend(client.jobs_by_status(status).await?.into_iter().filter(|(address, _)| seen.insert(*address)));
    }
    let jobs_seen = jobs.len();
    let budget = Budget::new(limits.max_transactions);
    let mut per_job: Vec<(usize, Vec<Attempt>)> = futures::stream::iter(jobs.into_iter().enumerate())
        .map(|(index, (address, job))| {
            let budget = &budget;
            async move { (index, advance(client, payer, address, job, slot, budget).await) }
        })
        .buffer_unordered(limits.concurrency.max(1))
        .collect()
        .await;
    per_job.sort_by_key(|(index, _)| *index);
    Ok(OnceReport {
        slot,
        jobs_seen,
        attempts: per_job.into_iter().flat_map(|(_, attempts)| attempts).collect(),
        budget_exhausted: budget.is_empty(),
    })
}

/// Every status some crank action accepts, in status order.
pub(crate) fn crankable_statuses() -> Vec<JobStatus> {
    JobStatus::ALL
        .into_iter()
        .filter(|status| CrankAction::ALL.iter().any(|action| action.statuses().contains(status)))
        .collect()
}

/// Transactions a pass may still try, shared by its concurrent jobs.
pub(crate) struct Budget {
    left: AtomicUsize,
}

impl Budget {
    pub(crate) fn new(transactions: usize) -> Self {
        Budget { left: AtomicUsize::new(transactions) }
    }

    /// Takes one transaction from the budget, if any is left.
    pub(crate) fn take(&self) -> bool {
        self.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_ok()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.left.load(Ordering::SeqCst) == 0
    }
}

/// A job with everything the crank judges it by.
#[derive(Clone)]
pub struct JobState {
    /// The Job account's address.
    pub address: Address,
    pub job: Job,
    /// `EdgerunClient::committee_results(job)`.
    pub results: Vec<(Address, Option<JobResult>)>,
    /// The job's OutputAvailability. Read only while the job is AwaitingDA, the only status whose
    /// instructions look at it; `None` in every other.
    pub output: Option<OutputAvailability>,
    /// The slot the state is judged at.
    pub slot: u64,
}

impl JobState {
    /// Reads the job `job_id` and what it is judged by; `None` if there is no such job.
    pub async fn read<B: ChainBackend>(
        client: &EdgerunClient<B>,
        job_id: &[u8; 32],
    ) -> Result<Option<JobState>, ClientError> {
        let slot = client.slot().await?;
        match client.job(job_id).await? {
            Some(job) => Ok(Some(JobState::around(client, pda::job_address(job_id), job, slot).await?)),
            None => Ok(None),
        }
    }

    /// Reads what `job` (at `address`, already read) is judged by, at `slot`: its results and
    /// (AwaitingDA) its output, in one request.
    pub async fn around<B: ChainBackend>(
        client: &EdgerunClient<B>,
        address: Address,
        job: Job,
        slot: u64,
    ) -> Result<JobState, ClientError> {
        let results = !committee(&job).is_empty();
        let (results, output) = client.job_accounts(&job, results, job.status() == Ok(JobStatus::AwaitingDa)).await?;
        Ok(JobState { address, job, results, output, slot })
    }

    /// [`around`](Self::around), reading only what the crank's judgment of `job` can depend on
    /// (for a job the chain index keeps current): the results' hashes only once a quorum of
    /// members submitted (before that no hash can win), the output only while AwaitingDA.
    /// Otherwise `results` holds a placeholder for each member the job marks as submitted
    /// ([`Job::has_submitted`], kept by the program exactly as the JobResults exist): silence and
    /// every other rule read only whether a member has a result. Not for a worker, which needs
    /// its own result's hash.
    pub async fn for_crank<B: ChainBackend>(
        client: &EdgerunClient<B>,
        address: Address,
        job: Job,
        slot: u64,
    ) -> Result<JobState, ClientError> {
        if job.status() == Ok(JobStatus::Assigned) && quorum_submitted(&job) {
            return Self::around(client, address, job, slot).await;
        }
        let (_, output) = client.job_accounts(&job, false, job.status() == Ok(JobStatus::AwaitingDa)).await?;
        let results = committee(&job)
            .iter()
            .enumerate()
            .map(|(index, member)| {
                let placeholder = job.has_submitted(index).then(|| {
                    let mut result: JobResult = bytemuck::Zeroable::zeroed();
                    result.job_id = job.job_id;
                    result.worker = *member;
                    // Distinct per member: fewer than a quorum, so no hash can win anyway.
                    result.output_hash = [u8::try_from(index).unwrap_or(u8::MAX); 32];
                    result
                });
                (*member, placeholder)
            })
            .collect();
        Ok(JobState { address, job, results, output, slot })
    }

    /// [`candidates`] of this state.
    pub fn candidates(&self) -> Vec<CrankAction> {
        candidates(&self.job, &self.results, self.output.as_ref(), self.slot)
    }

    /// [`explain`] of this state.
    pub fn explain(&self) -> String {
        explain(&self.job, &self.results, self.output.as_ref(), self.slot)
    }

    /// [`next_change`] of this state: the first slot after it at which the clock alone may
    /// change its candidates.
    pub fn next_change(&self) -> Option<u64> {
        next_change(&self.job, &self.results, self.output.as_ref(), self.slot)
    }

    /// The same for every state of the same accounts, whatever the slot; different as soon as
    /// the job, a result or the output changes (a hash of their bytes).
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytemuck::bytes_of(&self.job).hash(&mut hasher);
        for (worker, result) in &self.results {
            worker.hash(&mut hasher);
            result.as_ref().map(bytemuck::bytes_of).hash(&mut hasher);
        }
        self.output.as_ref().map(bytemuck::bytes_of).hash(&mut hasher);
        hasher.finish()
    }
}

/// Committee members of `job` that submitted a result.
pub fn submitted(job: &Job) -> usize {
    (0..committee(job).len()).filter(|&index| job.has_submitted(index)).count()
}

/// Whether a quorum of `job`'s members submitted (before that no output hash can win).
pub fn quorum_submitted(job: &Job) -> bool {
    submitted(job) >= usize::from(job.quorum).max(1)
}

/// Tries the candidates of one job until none is left (see the module docs).
async fn advance<B: ChainBackend>(
    client: &EdgerunClient<B>,
    payer: &Keypair,
    address: Address,
    job: Job,
    slot: u64,
    budget: &Budget,
) -> Vec<Attempt> {
    if budget.is_empty() {
        // Nothing could be tried: spare the reads.
        return Vec::new();
    }
    match JobState::around(client, address, job, slot).await {
        Ok(state) => turn(client, payer, state, budget, |_, _| false).await.attempts,
        Err(error) => {
            // Nothing can be judged without them. Reported under the first action the job's
            // status admits, the one the pass would have considered first.
            let first = CrankAction::ALL
                .into_iter()
                .find(|action| job.status().is_ok_and(|status| action.statuses().contains(&status)));
            let error = format!("cannot read the job's results or output: {error}");
            first
                .map(|action| Attempt {
                    job_id: hex::encode(job.job_id),
                    job: address.to_string(),
                    action,
                    outcome: AttemptOutcome::Failed { error },
                })
                .into_iter()
                .collect()
        }
    }
}

/// What one job's [`turn`] did, and what is known of the job after it.
pub(crate) struct Turn {
    /// In the order made.
    pub attempts: Vec<Attempt>,
    pub after: After,
}

/// The job after a turn.
pub(crate) enum After {
    /// Its last state read: the one the turn's last attempts were judged in.
    State(Box<JobState>),
    /// Closed by the turn.
    Closed,
    /// Re-reading it after an action was sent failed; the next reading will tell.
    Unknown,
}

/// One job's turn from `state`: tries its candidates in order, except those `skip` rules out and
/// those already tried in this turn, each taking one transaction from `budget`. A refusal moves on
/// to the next candidate; a transport failure ends the turn; after a transaction is sent the job is
/// read again and judged afresh, because one step may open the next. Logs one line per attempt.
pub(crate) async fn turn<B: ChainBackend>(
    client: &EdgerunClient<B>,
    payer: &Keypair,
    mut state: JobState,
    budget: &Budget,
    skip: impl Fn(&JobState, CrankAction) -> bool,
) -> Turn {
    let (job_id, job_address) = (hex::encode(state.job.job_id), state.address.to_string());
    let mut attempts = Vec::new();
    let mut tried: Vec<CrankAction> = Vec::new();
    loop {
        let mut sent = false;
        for action in state.candidates() {
            if tried.contains(&action) || skip(&state, action) {
                continue;
            }
            if !budget.take() {
                return Turn { attempts, after: After::State(Box::new(state)) };
            }
            tried.push(action);
            let outcome = AttemptOutcome::of(client.send(payer, &[], &[action.instruction(&state.job)]).await);
            log_attempt(&job_id, &job_address, action, &outcome);
            let failed = matches!(outcome, AttemptOutcome::Failed { .. });
            sent = matches!(outcome, AttemptOutcome::Sent { .. });
            attempts.push(Attempt { job_id: job_id.clone(), job: job_address.clone(), action, outcome });
            if failed {
                return Turn { attempts, after: After::State(Box::new(state)) };
            }
            if sent && action == CrankAction::Close {
                // Closing is the job's last step: there is nothing left to read.
                return Turn { attempts, after: After::Closed };
            }
            if sent {
                break;
            }
        }
        if !sent || budget.is_empty() {
            return Turn { attempts, after: if sent { After::Unknown } else { After::State(Box::new(state)) } };
        }
        // The sent action changed the job: judge it again from fresh state.
        match JobState::read(client, &state.job.job_id).await {
            Ok(Some(fresh)) => state = fresh,
            Ok(None) => return Turn { attempts, after: After::Closed },
            Err(error) => {
                tracing::warn!(job_id, %error, "cannot read the job again after a crank; the next reading will");
                return Turn { attempts, after: After::Unknown };
            }
        }
    }
}

/// One line per attempt, with the job and the outcome.
fn log_attempt(job_id: &str, job: &str, action: CrankAction, outcome: &AttemptOutcome) {
    let instruction = action.instruction_name();
    match outcome {
        AttemptOutcome::Sent { signature, slot } => {
            tracing::info!(job_id, job, instruction, outcome = "sent", signature, slot, "crank action sent")
        }
        AttemptOutcome::Refused { error } => tracing::info!(
            job_id,
            job,
            instruction,
            outcome = "refused",
            error,
            "crank action refused in simulation; nothing sent"
        ),
        AttemptOutcome::Failed { error } => {
            tracing::warn!(job_id, job, instruction, outcome = "failed", error, "crank action failed")
        }
    }
}
