//! One assigned job, worker side, in the two steps every committee member takes: run it and
//! submit the attested result ([`Worker::execute_and_submit`]), then, when that result won,
//! declare the output and finalize ([`Worker::settle`]).
//!
//! The daemon (`edgerun-worker run`), the local network's demo and the tests all go through
//! here, so there is one job step, in one place. Each step starts from the job as the chain has it
//! (the daemon passes its chain index's copy, which the program subscription keeps current; a
//! settlement refused because a rival moved first reads it from the chain again) and reads only
//! what that job says is there (this worker's result only when the job marks it submitted, the
//! results only once a quorum submitted), so a step can be repeated at any time, after a crash or
//! by a second process with the same key: a result already on chain is never submitted again (the
//! program refuses it, and the result on chain is taken), and execution is deterministic, so a
//! re-run produces the very result that was signed before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::Bytes;
use ed25519_dalek::SigningKey;
use edgerun_crank::{CrankAction, JobState};
use edgerun_sdk::bundle::MAX_BUNDLE_BYTES;
use edgerun_sdk::client::{ChainBackend, ClientError, EdgerunClient, SendReceipt};
use edgerun_sdk::edgerun::constants::{INPUT_UNAVAILABLE_OUTPUT_HASH, OUTPUT_POINTER_LEN};
use edgerun_sdk::edgerun::errors::EdgerunError;
use edgerun_sdk::edgerun::instructions::winning_hash;
use edgerun_sdk::edgerun::state::{Job, JobStatus};
use edgerun_sdk::instructions as ix;
use edgerun_sdk::pda;
use edgerun_sdk::storage::{BlobKind, ContentHash, StorageClient, StorageError};
use solana_address::Address;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::Semaphore;

use super::downloads::Downloads;
use crate::error::ErrorCode;
use crate::job::{execute_job, submission, JobError};
use crate::report::ExecutionReport;
use crate::runtime::{Runtime, RuntimeError};

/// A slot's length as the worker plans with it (Solana's target), to turn the slots left before a
/// deadline into a wait.
pub const SLOT_ESTIMATE: Duration = Duration::from_millis(400);

/// Pace of the bundle fetch retried inside one step while the gateway fails, until the member's
/// unavailability point ([`unavailable_from`]).
const FETCH_RETRY_MIN_DELAY: Duration = Duration::from_millis(250);
const FETCH_RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// The slot from which committee slot `index` attests the job's input unavailable when the
/// gateway still does not serve the bundle: the last quarter of a full challenge window before its
/// own deadline (at least 4 slots, to land the submission). Until then a failing gateway is
/// retried: it may be restarting (the fault tests stop one for a while).
pub fn unavailable_from(job: &Job, index: usize) -> u64 {
    let margin = (job.challenge_window_slots.get() / 4).max(4);
    job.member_deadline(index).saturating_sub(margin)
}

/// A transaction that would bundle the settlement steps is refused by simulation when a rival
/// got there first; the job is read again and the remaining steps tried, this many times.
const SETTLE_ATTEMPTS: usize = 3;

/// Why a step did not complete. [`StepError::is_retryable`] says whether trying again later may
/// succeed (the daemon retries those with backoff until the job's deadline) or the job is beyond
/// this worker (another runtime, a job that moved on).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("the storage gateway could not {action}: {source}")]
    Storage {
        action: &'static str,
        /// Shared: steps of the same bundle share one download, and its failure.
        #[source]
        source: Arc<StorageError>,
    },
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Chain(#[from] ClientError),
    #[error("all {concurrency} execution slots stayed busy for {waited:?}, past what the deadline allows")]
    Busy { concurrency: usize, waited: Duration },
    #[error("this worker's own deadline (slot {deadline}) passed (now slot {slot})")]
    DeadlinePassed { deadline: u64, slot: u64 },
    #[error("this worker is not a member of the job's committee")]
    NotAMember,
    #[error(
        "re-running the job gave result {rerun}, but this worker submitted {submitted}: the runtime is not \
         deterministic on this machine; the output is not declared"
    )]
    Nondeterministic { submitted: String, rerun: String },
    #[error("the execution thread failed: {0}")]
    ExecutionTask(String),
}

impl StepError {
    /// Whether the same step may succeed later: the gateway or the node failed in transport,
    /// the runtime was busy, the engine failed for want of resources. A refusal by the program
    /// (the job moved on, this worker was replaced), a job for another runtime or a passed
    /// deadline will not change.
    pub fn is_retryable(&self) -> bool {
        match self {
            StepError::Storage { .. } | StepError::Busy { .. } | StepError::ExecutionTask(_) => true,
            StepError::Job(JobError::BundleHashMismatch { .. }) => true,
            StepError::Job(JobError::Runtime(RuntimeError::Engine(_))) => true,
            StepError::Job(_) => false,
            // A refusal by an Edgerun instruction is the program's word on this job; anything
            // else (transport, confirmation, the fee payer's balance) may pass.
            StepError::Chain(error) => error.edgerun_error().is_none(),
            StepError::DeadlinePassed { .. } | StepError::NotAMember | StepError::Nondeterministic { .. } => false,
        }
    }

    /// A short label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            StepError::Storage { .. } => "storage",
            StepError::Job(JobError::Runtime(_)) | StepError::ExecutionTask(_) => "runtime",
            StepError::Job(_) => "bundle",
            StepError::Chain(error) if error.edgerun_error().is_some() => "refused",
            StepError::Chain(_) => "chain",
            StepError::Busy { .. } => "busy",
            StepError::DeadlinePassed { .. } => "deadline",
            StepError::NotAMember => "not_a_member",
            StepError::Nondeterministic { .. } => "nondeterministic",
        }
    }
}

/// What the execution produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// `None`: the guest wrote its output; otherwise the shared error result's code.
    pub error_code: Option<ErrorCode>,
    pub fuel_used: u64,
    /// Bytes published to the gateway (the output, or the error record).
    pub result_len: usize,
    pub elapsed: Duration,
}

/// What [`Worker::execute_and_submit`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// Run, published and submitted now.
    Submitted { output_hash: [u8; 32], execution: Execution, signature: String },
    /// This worker's result was already on chain (an earlier run of this key): nothing was run
    /// or sent.
    AlreadySubmitted { output_hash: [u8; 32] },
    /// The gateway did not serve the job's bundle (as posted) up to this member's unavailability
    /// point: `INPUT_UNAVAILABLE_OUTPUT_HASH` was attested and submitted now.
    InputUnavailable { reason: String, signature: String },
}

impl Submission {
    pub fn output_hash(&self) -> [u8; 32] {
        match self {
            Submission::Submitted { output_hash, .. } | Submission::AlreadySubmitted { output_hash } => *output_hash,
            Submission::InputUnavailable { .. } => INPUT_UNAVAILABLE_OUTPUT_HASH,
        }
    }
}

/// What [`Worker::settle`] found or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// The job ended (finalized or cancelled) or was closed: nothing is left for this worker.
    Ended,
    /// This worker has no result on the job.
    NotSubmitted,
    /// Not enough agreeing results yet.
    NoQuorumYet,
    /// Another result won.
    NotAWinner,
    /// Nothing this worker can send now: `why` (e.g. the quorum came after the deadline, the DA
    /// window lapsed: the crank's `cancel-*` steps take it from there).
    Waiting { why: String },
    /// Sent (one transaction): the steps it carried.
    Sent { reached_quorum: bool, declared: bool, finalized: bool, signature: String },
    /// The quorum attested the input unavailable and this worker sent `settle_input_unavailable`:
    /// the client is refunded, the committee released.
    InputUnavailableSettled { signature: String },
}

/// A committee member's hands: its key, the chain, the gateway and the deterministic runtime,
/// with a bound on concurrent executions.
pub struct Worker<B> {
    client: EdgerunClient<B>,
    store: StorageClient,
    keypair: Arc<Keypair>,
    runtime: Arc<Runtime>,
    executions: Arc<Semaphore>,
    concurrency: usize,
    downloads: Arc<Downloads>,
}

impl<B> Clone for Worker<B> {
    fn clone(&self) -> Self {
        Worker {
            client: self.client.clone(),
            store: self.store.clone(),
            keypair: Arc::clone(&self.keypair),
            runtime: Arc::clone(&self.runtime),
            executions: Arc::clone(&self.executions),
            concurrency: self.concurrency,
            downloads: Arc::clone(&self.downloads),
        }
    }
}

/// The gateway URL cannot name an output within the on-chain pointer's length.
#[derive(Debug, thiserror::Error)]
#[error(
    "output pointers at {storage_url} would be {length} bytes, the chain stores at most {OUTPUT_POINTER_LEN}: \
     serve the gateway under a shorter URL"
)]
pub struct PointerTooLong {
    pub storage_url: String,
    pub length: usize,
}

impl<B: ChainBackend> Worker<B> {
    /// A worker signing with `keypair`, writing to the gateway through `store` (give it the
    /// worker's key with `StorageClient::with_signer` where the gateway only takes signed
    /// writes), running at most `concurrency` executions on `runtime` at once (0 counts as 1).
    pub fn new(
        client: EdgerunClient<B>,
        store: StorageClient,
        keypair: Arc<Keypair>,
        runtime: Arc<Runtime>,
        concurrency: usize,
    ) -> Result<Self, PointerTooLong> {
        let concurrency = concurrency.max(1);
        let worker = Worker {
            client,
            store,
            keypair,
            runtime,
            executions: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            downloads: Arc::default(),
        };
        let length = worker.output_pointer(&[0; 32]).len();
        if length > OUTPUT_POINTER_LEN {
            return Err(PointerTooLong {
                storage_url: worker.store.object_url(BlobKind::Output, &ContentHash([0; 32])),
                length,
            });
        }
        Ok(worker)
    }

    pub fn pubkey(&self) -> Address {
        self.keypair.pubkey()
    }

    pub fn client(&self) -> &EdgerunClient<B> {
        &self.client
    }

    /// Where this worker declares `output_hash` is stored: its URL at the gateway.
    pub fn output_pointer(&self, output_hash: &[u8; 32]) -> String {
        self.store.object_url(BlobKind::Output, &ContentHash(*output_hash))
    }

    /// The first step: unless this worker's result is on chain already, fetch the bundle by
    /// hash, check it against the job and run it (a blocking thread, at most `concurrency` at
    /// once), publish the result bytes (output or error record: both are results), and submit
    /// the attested result. Refuses to start past this worker's own deadline.
    pub async fn execute_and_submit(&self, job: &Job) -> Result<Submission, StepError> {
        let me = self.pubkey();
        let job_hex = hex::encode(job.job_id);
        let index = job.committee().iter().position(|member| *member == me).ok_or(StepError::NotAMember)?;
        // The job marks who submitted (as the results exist): the result is read only then.
        if job.has_submitted(index) {
            if let Some(submitted) = self.already_submitted(job).await? {
                return Ok(submitted);
            }
        }
        let deadline = job.member_deadline(index);
        let slot = self.client.slot().await?;
        if slot > deadline {
            return Err(StepError::DeadlinePassed { deadline, slot });
        }
        // What is left of the window, less a few slots for the submission to land.
        let time_left =
            SLOT_ESTIMATE * u32::try_from(deadline.saturating_sub(slot).saturating_sub(4)).unwrap_or(u32::MAX);

        let bundle = match self.fetch_bundle(job, index).await? {
            Ok(bundle) => bundle,
            Err(reason) => {
                let receipt = self.submit(job, INPUT_UNAVAILABLE_OUTPUT_HASH).await?;
                tracing::warn!(job = %job_hex, stage = "submitted", reason, signature = %receipt.signature, slot = receipt.slot, "the gateway did not serve the bundle by this member's unavailability point: attested the input unavailable");
                return Ok(Submission::InputUnavailable { reason, signature: receipt.signature.to_string() });
            }
        };
        let (report, elapsed) = self.run(job, bundle, time_left).await?;
        let output_hash = report.output_hash();
        let execution = Execution {
            error_code: report.error_code(),
            fuel_used: report.fuel_used,
            result_len: report.result_bytes().len(),
            elapsed,
        };
        tracing::info!(
            job = %job_hex,
            stage = "executed",
            output_hash = %hex::encode(output_hash),
            error = report.error_code().map(|code| code.to_string()),
            fuel = report.fuel_used,
            millis = elapsed.as_millis() as u64,
            "executed"
        );
        self.publish(&job.job_id, &report).await?;
        tracing::info!(job = %job_hex, stage = "published", url = %self.output_pointer(&output_hash), "result published");

        let receipt = match self.submit(job, output_hash).await {
            Ok(receipt) => receipt,
            // The job as given was older than this worker's own submission (an earlier run).
            Err(StepError::Chain(error)) if error.edgerun_error() == Some(EdgerunError::AlreadySubmitted) => {
                return self.already_submitted(job).await?.ok_or(StepError::Chain(error));
            }
            Err(error) => return Err(error),
        };
        tracing::info!(job = %job_hex, stage = "submitted", output_hash = %hex::encode(output_hash), signature = %receipt.signature, slot = receipt.slot, "result submitted");
        Ok(Submission::Submitted { output_hash, execution, signature: receipt.signature.to_string() })
    }

    /// This worker's result on `job`, when it is on chain.
    async fn already_submitted(&self, job: &Job) -> Result<Option<Submission>, ClientError> {
        let Some(result) = self.client.job_result(&job.job_id, &self.pubkey()).await? else { return Ok(None) };
        tracing::info!(job = %hex::encode(job.job_id), stage = "already-submitted", output_hash = %hex::encode(result.output_hash), "result already on chain");
        Ok(Some(Submission::AlreadySubmitted { output_hash: result.output_hash }))
    }

    /// Fetches the job's bundle (at most [`MAX_BUNDLE_BYTES`], checked against its hash) and runs
    /// it; waits at most `permit_wait` for an execution slot.
    async fn execute(&self, job: &Job, permit_wait: Duration) -> Result<(ExecutionReport, Duration), StepError> {
        let bundle =
            self.get_bundle(job).await.map_err(|source| StepError::Storage { action: "serve the bundle", source })?;
        self.run(job, bundle, permit_wait).await
    }

    /// The job's bundle from the gateway, never more than the network's bundle cap (a larger one
    /// is [`Fetched::TooLarge`], not a failure), sharing the download of the same bundle in
    /// flight ([`Downloads`]).
    async fn get_bundle(&self, job: &Job) -> Result<Fetched, Arc<StorageError>> {
        match self.downloads.bundle(&self.store, job.bundle_hash).await {
            Ok(bundle) => Ok(Fetched::Bundle(bundle)),
            Err(error) if matches!(*error, StorageError::TooLarge { .. }) => Ok(Fetched::TooLarge),
            Err(error) => Err(error),
        }
    }

    /// Signs and sends this worker's attested result `output_hash` for `job`.
    async fn submit(&self, job: &Job, output_hash: [u8; 32]) -> Result<SendReceipt, StepError> {
        let key = SigningKey::from_bytes(self.keypair.secret_bytes());
        Ok(self.client.send(&self.keypair, &[], &submission(&key, job, output_hash)).await?)
    }

    /// Fetches the job's bundle for committee slot `index`, retrying a failing gateway (down, not
    /// found, wrong bytes) within the step until the member's unavailability point
    /// ([`unavailable_from`]); `Err(reason)` past it. A bundle above the network's cap is no
    /// failure: its result is the shared `BundleTooLarge` error.
    async fn fetch_bundle(&self, job: &Job, index: usize) -> Result<Result<Fetched, String>, StepError> {
        let job_hex = hex::encode(job.job_id);
        let point = unavailable_from(job, index);
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(FETCH_RETRY_MIN_DELAY)
            .with_max_delay(FETCH_RETRY_MAX_DELAY)
            .without_max_times()
            .with_jitter()
            .build();
        loop {
            let error = match self.get_bundle(job).await {
                Ok(fetched) => {
                    match &fetched {
                        Fetched::Bundle(bundle) => {
                            tracing::info!(job = %job_hex, stage = "fetched", bundle_hash = %hex::encode(job.bundle_hash), bytes = bundle.len(), "bundle fetched")
                        }
                        Fetched::TooLarge => {
                            tracing::warn!(job = %job_hex, stage = "fetched", limit = MAX_BUNDLE_BYTES, "the bundle is above the network's cap: its result is the BundleTooLarge error")
                        }
                    }
                    return Ok(Ok(fetched));
                }
                Err(error) => error,
            };
            let slot = self.client.slot().await?;
            if slot >= point {
                return Ok(Err(format!("the gateway did not serve the bundle by slot {point}: {error}")));
            }
            tracing::warn!(job = %job_hex, stage = "fetch-failed", %error, unavailable_from = point, slot, "the gateway did not serve the bundle; trying again");
            tokio::time::sleep(delays.next().unwrap_or(FETCH_RETRY_MAX_DELAY)).await;
        }
    }

    /// Runs the fetched bundle of `job` on a blocking thread; waits at most `permit_wait` for an
    /// execution slot.
    async fn run(
        &self,
        job: &Job,
        bundle: Fetched,
        permit_wait: Duration,
    ) -> Result<(ExecutionReport, Duration), StepError> {
        let job_hex = hex::encode(job.job_id);
        let bundle = match bundle {
            Fetched::Bundle(bundle) => bundle,
            Fetched::TooLarge => return Ok((ExecutionReport::failure(ErrorCode::BundleTooLarge, 0), Duration::ZERO)),
        };
        let started_waiting = Instant::now();
        let permit = tokio::time::timeout(permit_wait, Arc::clone(&self.executions).acquire_owned())
            .await
            .map_err(|_| StepError::Busy { concurrency: self.concurrency, waited: started_waiting.elapsed() })?
            .map_err(|_| StepError::ExecutionTask("the execution semaphore was closed".into()))?;
        tracing::info!(job = %job_hex, stage = "executing", "running the bundle");
        let runtime = Arc::clone(&self.runtime);
        let job = *job;
        // CPU work on a blocking thread: the async executor keeps serving the chain and the
        // gateway meanwhile.
        let run = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let report = execute_job(&runtime, &job, &bundle);
            drop(permit);
            report.map(|report| (report, started.elapsed()))
        });
        Ok(run.await.map_err(|error| StepError::ExecutionTask(error.to_string()))??)
    }

    /// Publishes the result bytes of `job_id`, naming the job in the signed write: a gateway
    /// with the `chain` write policy takes an output only from a member of that job.
    async fn publish(&self, job_id: &[u8; 32], report: &ExecutionReport) -> Result<(), StepError> {
        self.store
            .put_job_output(job_id, report.result_bytes())
            .await
            .map_err(|source| StepError::Storage { action: "store the result", source: Arc::new(source) })?;
        Ok(())
    }

    /// Makes sure the gateway serves `output_hash` before it is declared: if it lost it (or this
    /// worker never got to publish it before a crash), run the job again and publish it.
    async fn ensure_published(&self, job: &Job, output_hash: [u8; 32]) -> Result<(), StepError> {
        let held = self.store.exists(BlobKind::Output, &ContentHash(output_hash)).await.map_err(|source| {
            StepError::Storage { action: "say whether it holds the output", source: Arc::new(source) }
        })?;
        if held {
            return Ok(());
        }
        tracing::warn!(job = %hex::encode(job.job_id), stage = "republish", "the gateway does not hold this worker's result: running the job again");
        let (report, _) = self.execute(job, Duration::MAX).await?;
        if report.output_hash() != output_hash {
            return Err(StepError::Nondeterministic {
                submitted: hex::encode(output_hash),
                rerun: hex::encode(report.output_hash()),
            });
        }
        self.publish(&job.job_id, &report).await
    }

    /// The second step: when this worker's result won (or has a quorum no one recorded yet),
    /// send in one transaction whatever is missing of reach_quorum, declare_output (pointer =
    /// the output's gateway URL) and finalize_job. A rival sending the same first is fine: the
    /// simulation refuses ours, the job is read again and only what is still missing is sent.
    pub async fn settle(&self, job_id: &[u8; 32]) -> Result<Settlement, StepError> {
        self.settle_from(job_id, None).await
    }

    /// [`settle`](Self::settle), judging first from `job` as the caller has it current (the
    /// daemon's chain index): no read at all while fewer than a quorum submitted, else only the
    /// results and output. After a refusal the job is read from the chain again.
    pub async fn settle_known(&self, job: &Job) -> Result<Settlement, StepError> {
        self.settle_from(&job.job_id, Some(*job)).await
    }

    async fn settle_from(&self, job_id: &[u8; 32], mut known: Option<Job>) -> Result<Settlement, StepError> {
        let job_hex = hex::encode(job_id);
        let mut refusal = None;
        for _ in 0..SETTLE_ATTEMPTS {
            let state = match known.take() {
                Some(job) => {
                    if job.status() == Ok(JobStatus::Assigned) && !edgerun_crank::quorum_submitted(&job) {
                        return Ok(Settlement::NoQuorumYet);
                    }
                    let slot = self.client.slot().await?;
                    JobState::around(&self.client, pda::job_address(job_id), job, slot).await?
                }
                None => match JobState::read(&self.client, job_id).await? {
                    Some(state) => state,
                    None => return Ok(Settlement::Ended),
                },
            };
            let (steps, output_hash) = match self.plan(&state) {
                Plan::Nothing(settlement) => return Ok(settlement),
                Plan::Steps { steps, output_hash } => (steps, output_hash),
            };
            if steps.contains(&Step::Declare) {
                self.ensure_published(&state.job, output_hash).await?;
            }
            let instructions: Vec<Instruction> =
                steps.iter().map(|step| self.instruction(*step, &state.job, output_hash)).collect();
            match self.client.send(&self.keypair, &[], &instructions).await {
                Ok(receipt) if steps.contains(&Step::SettleInputUnavailable) => {
                    tracing::info!(job = %job_hex, stage = "settled", signature = %receipt.signature, "input unavailable: the client is refunded, the committee released");
                    return Ok(Settlement::InputUnavailableSettled { signature: receipt.signature.to_string() });
                }
                Ok(receipt) => {
                    let has = |step: Step| steps.contains(&step);
                    tracing::info!(
                        job = %job_hex,
                        stage = "settled",
                        reached_quorum = has(Step::ReachQuorum),
                        declared = has(Step::Declare),
                        finalized = has(Step::Finalize),
                        pointer = %self.output_pointer(&output_hash),
                        signature = %receipt.signature,
                        "settlement sent"
                    );
                    return Ok(Settlement::Sent {
                        reached_quorum: has(Step::ReachQuorum),
                        declared: has(Step::Declare),
                        finalized: has(Step::Finalize),
                        signature: receipt.signature.to_string(),
                    });
                }
                Err(error) if error.edgerun_error().is_some() => {
                    // A rival's step landed between our read and our simulation: read again.
                    tracing::info!(job = %job_hex, stage = "settle-refused", %error, "settlement refused; reading the job again");
                    refusal = Some(error);
                }
                Err(error) => return Err(error.into()),
            }
        }
        let last = refusal.map_or_else(String::new, |error| error.to_string());
        Ok(Settlement::Waiting {
            why: format!("the program refused the settlement {SETTLE_ATTEMPTS} times, last: {last}"),
        })
    }

    /// What this worker can send for the job's state.
    fn plan(&self, state: &JobState) -> Plan {
        let job = &state.job;
        let Some(ours) = result_of(state, &self.pubkey()) else { return Plan::Nothing(Settlement::NotSubmitted) };
        let candidates = state.candidates();
        let steps = |steps: Vec<Step>| Plan::Steps { steps, output_hash: ours };
        match job.status() {
            Ok(JobStatus::Finalized | JobStatus::Cancelled) => Plan::Nothing(Settlement::Ended),
            Ok(JobStatus::Assigned) => match quorum_hash(state) {
                None => Plan::Nothing(Settlement::NoQuorumYet),
                Some(winner) if winner != ours => Plan::Nothing(Settlement::NotAWinner),
                Some(INPUT_UNAVAILABLE_OUTPUT_HASH) if candidates.contains(&CrankAction::SettleInputUnavailable) => {
                    steps(vec![Step::SettleInputUnavailable])
                }
                Some(INPUT_UNAVAILABLE_OUTPUT_HASH) => Plan::Nothing(Settlement::Waiting {
                    why: format!(
                        "the committee agrees the input is unavailable but the deadline (slot {}) passed before anyone \
                         settled it",
                        job.deadline_slot.get()
                    ),
                }),
                Some(_) if !candidates.contains(&CrankAction::ReachQuorum) => Plan::Nothing(Settlement::Waiting {
                    why: format!(
                        "the results agree but the deadline (slot {}) passed before anyone recorded the quorum",
                        job.deadline_slot.get()
                    ),
                }),
                Some(_) => steps(vec![Step::ReachQuorum, Step::Declare, Step::Finalize]),
            },
            Ok(JobStatus::AwaitingDa) => {
                if job.winning_output_hash != ours {
                    return Plan::Nothing(Settlement::NotAWinner);
                }
                match &state.output {
                    None if state.slot > job.da_deadline_slot.get() => Plan::Nothing(Settlement::Waiting {
                        why: format!(
                            "the DA window ended at slot {} without a declared output",
                            job.da_deadline_slot.get()
                        ),
                    }),
                    None => steps(vec![Step::Declare, Step::Finalize]),
                    Some(_) if candidates.contains(&CrankAction::Finalize) => steps(vec![Step::Finalize]),
                    Some(output) => Plan::Nothing(Settlement::Waiting {
                        why: edgerun_crank::explain(job, &state.results, Some(output), state.slot),
                    }),
                }
            }
            _ => Plan::Nothing(Settlement::NoQuorumYet),
        }
    }

    fn instruction(&self, step: Step, job: &Job, output_hash: [u8; 32]) -> Instruction {
        match step {
            Step::ReachQuorum => CrankAction::ReachQuorum.instruction(job),
            Step::Declare => ix::declare_output(
                &self.pubkey(),
                &job.job_id,
                output_hash,
                self.output_pointer(&output_hash).as_bytes(),
            ),
            Step::Finalize => CrankAction::Finalize.instruction(job),
            Step::SettleInputUnavailable => CrankAction::SettleInputUnavailable.instruction(job),
        }
    }
}

/// What the gateway gave for a job's bundle.
enum Fetched {
    /// The bundle, checked against its hash.
    Bundle(Bytes),
    /// Above the network's bundle cap: the shared `BundleTooLarge` result, never a retry.
    TooLarge,
}

/// One instruction of a settlement, in the order they are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    ReachQuorum,
    Declare,
    Finalize,
    SettleInputUnavailable,
}

enum Plan {
    Nothing(Settlement),
    /// Send these, for this worker's result `output_hash` (the winner).
    Steps {
        steps: Vec<Step>,
        output_hash: [u8; 32],
    },
}

/// The output hash `worker` submitted for the job, if it did.
fn result_of(state: &JobState, worker: &Address) -> Option<[u8; 32]> {
    state.results.iter().find(|(member, _)| member == worker).and_then(|(_, result)| result.map(|r| r.output_hash))
}

/// The hash with a quorum among the results that count, as `reach_quorum` judges it.
fn quorum_hash(state: &JobState) -> Option<[u8; 32]> {
    let by_slot: Vec<Option<[u8; 32]>> = state.job.committee().iter().map(|member| result_of(state, member)).collect();
    winning_hash(&state.job, &by_slot)
}

#[cfg(test)]
mod tests {
    use anchor_lang::bytemuck::Zeroable;
    use edgerun_sdk::client::TransactionFailure;
    use edgerun_sdk::edgerun::errors::EdgerunError;
    use solana_instruction::error::InstructionError;
    use solana_transaction_error::TransactionError;

    use super::*;
    use edgerun_sdk::edgerun::constants::MAX_COMMITTEE_SIZE;

    fn refused_by_program(error: EdgerunError) -> StepError {
        let code = edgerun_sdk::client::edgerun_error_code(error);
        let failure = TransactionFailure::new(
            TransactionError::InstructionError(1, InstructionError::Custom(code)),
            &[solana_address::Address::default(), edgerun_sdk::edgerun::ID],
            Vec::new(),
        );
        StepError::Chain(ClientError::Transaction(Box::new(failure)))
    }

    /// What may pass is retried; the program's word on a job, another runtime or a passed
    /// deadline is not.
    #[test]
    fn only_failures_that_may_pass_are_retried() {
        let transport = StepError::Chain(ClientError::Transport { attempts: 5, message: "refused".into() });
        assert!(transport.is_retryable());
        assert_eq!(transport.reason(), "chain");
        let busy = StepError::Busy { concurrency: 2, waited: Duration::from_secs(1) };
        assert!(busy.is_retryable());
        assert!(StepError::Job(JobError::Runtime(RuntimeError::Engine("pool".into()))).is_retryable());

        let refused = refused_by_program(EdgerunError::AlreadySubmitted);
        assert!(!refused.is_retryable(), "{refused}");
        assert_eq!(refused.reason(), "refused");
        let other_runtime = StepError::Job(JobError::OtherRuntime { job: "a".into(), ours: "b".into() });
        assert!(!other_runtime.is_retryable());
        assert!(!StepError::DeadlinePassed { deadline: 1, slot: 2 }.is_retryable());
        assert!(!StepError::Job(JobError::Runtime(RuntimeError::MemoryLimitUnsupported {
            requested: 2,
            supported: 1
        }))
        .is_retryable());
    }

    /// A job whose committee count is out of range (no instruction writes one) is read without a
    /// panic: `Job::committee` stops at the array's end.
    #[test]
    fn a_malformed_committee_is_read_without_a_panic() {
        let mut job = Job::zeroed();
        job.assigned_count = 2;
        assert_eq!(job.committee().len(), 2);
        job.assigned_count = u8::MAX;
        assert_eq!(job.committee().len(), MAX_COMMITTEE_SIZE);
    }
}
