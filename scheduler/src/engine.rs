//! The scheduling engine: seeds and assigns every posted job, replaces silent members, and keeps
//! a picture of the network for the API — all of it re-derived from the chain.
//!
//! Why it is restart-safe without any state of its own: every decision starts from the job as
//! the chain has it now. A job is `Posted` or `Seeded` until its committee is assigned, and the
//! program refuses a second seed (`SeedAlreadySet`) or a second assignment (`InvalidJobStatus`);
//! the client simulates every transaction first and sends nothing the program refuses. So a
//! scheduler killed at any moment finds, at its next start, exactly the jobs still waiting, and
//! a job it had already assigned is simply no longer waiting.
//!
//! How it reacts within a slot: the sdk's [`ChainIndex`] keeps the jobs on chain (the live ones,
//! and the ended ones until they are closed: what the API answers from) and every worker's
//! stake (loaded with filtered queries at start and when its subscription re-subscribes, then
//! kept current by the program subscription) and hands every changed job to [`Engine::on_job`].
//! A periodic pass over the index in memory ([`Engine::reconcile`], no request but the slot) is
//! where deadlines are noticed (a slot passing changes no account). No listing in the steady
//! state: the engine acts on live jobs only ([`is_live`]), so the cost of a job does not grow with
//! the number of jobs that ended (kept in memory until `close_job`, for the API). Jobs are read
//! and checked concurrently, at most `concurrency` at once, one task per job: a slow RPC call for
//! one job does not hold the others. A waiting job, once checked, joins a queue that
//! `Engine::assign_loop` drains into assignment transactions of as many jobs as fit (the packet
//! size, the compute budget), at most `concurrency` in flight: under a burst the cost of
//! assigning is per transaction, not per job.
//!
//! Jailing reads failures (silent, replaced, no output) from each job as it changes, kept for
//! the jail's cooldown: an ended job leaves the index, its failures stay until they are old.
//!
//! Two jobs assigned at the same time (in one transaction or in two) must not both count on the
//! same free stake: the engine reserves each chosen member's lock in memory until its assignment
//! is confirmed or refused, and judges eligibility against stake minus those reservations. A
//! worker's open work (for its declared capacity) is kept per job from the index's events
//! ([`OpenWorkLedger`]), so a survey costs the workers, not the assigned jobs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use edgerun::constants::MAX_REASSIGNMENTS;
use edgerun::state::{GlobalConfig, Job, JobStatus, WorkerStake};
use edgerun_sdk::client::{
    ChainBackend, ChainIndex, ClientError, EdgerunClient, IndexConfig, IndexEvent, SubscriptionConfig, LIVE_STATUSES,
    MAX_COMPUTE_UNIT_LIMIT,
};
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::{instructions as ix, selection};
use solana_address::Address;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bundle_check::BundleChecks;
use crate::eligibility::{recent_failures, Failure, JailPolicy, OpenWork, OpenWorkLedger, Seat, Survey, Work};
use crate::metrics::Metrics;

/// How the engine works; `Default` suits a local network and a public cluster alike.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Jobs handled at once.
    pub concurrency: usize,
    /// Pause between two passes over the index's live jobs (deadlines, jobs whose task failed);
    /// no listing: the index's subscription keeps them current.
    pub reconcile_interval: Duration,
    pub jail: JailPolicy,
    /// Replace silent members (`reassign_missing`) once their own deadline has passed.
    pub reassign: bool,
    /// Websocket URL for the subscription; `None` polls only (every slot).
    pub ws_url: Option<String>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 16,
            reconcile_interval: Duration::from_secs(2),
            jail: JailPolicy::default(),
            reassign: true,
            ws_url: None,
        }
    }
}

/// The scheduler's keys. Either may be absent when another party holds that role; with both,
/// seed and assignment go in one transaction.
pub struct Authorities {
    pub randomness: Option<Keypair>,
    pub scheduler: Option<Keypair>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("reading the network's config: {0}")]
    Chain(#[from] ClientError),
    #[error(
        "none of the given keys is an authority of this network (randomness authority {randomness}, scheduler \
         authority {scheduler}); start with --randomness-keypair / --scheduler-keypair set to those keys"
    )]
    NotAnAuthority { randomness: Address, scheduler: Address },
}

/// A change to a job, as the API's server-sent events carry it.
#[derive(Clone)]
pub struct JobChange {
    pub job_id: [u8; 32],
    /// `None` when the job account was closed.
    pub job: Option<Box<Job>>,
}

/// What the engine sees: the index's live jobs and workers, and what the engine derived; the
/// API answers from it where a fresh read is not needed.
#[derive(Clone, Default)]
pub struct Picture {
    pub slot: u64,
    pub jobs: Vec<(Address, Job)>,
    pub workers: Vec<(Address, WorkerStake)>,
    pub failures: HashMap<Address, Vec<Failure>>,
    /// Why each waiting job has no committee yet, by job id.
    pub stuck: HashMap<[u8; 32], String>,
    /// Whether the index is loaded and the last read of the slot reached the chain.
    pub chain_ok: bool,
}

/// What the engine keeps beside the index.
#[derive(Default)]
struct Derived {
    slot: u64,
    /// Each job's failures by worker (from its latest state), until the jail's cooldown passed.
    failures: HashMap<[u8; 32], HashMap<Address, Vec<Failure>>>,
    stuck: HashMap<[u8; 32], String>,
    chain_ok: bool,
}

/// A committee's members and its job's instruction budget, until the index shows the job.
type ReservedWork = (Vec<Address>, u64);

/// The largest transaction a cluster accepts (`PACKET_DATA_SIZE`), signatures included.
const MAX_TRANSACTION_BYTES: usize = 1232;

/// More jobs than any assignment transaction holds: each job adds at least 129 bytes (its job
/// account's key, a 46-byte `set_job_seed`, a 51-byte `assign_workers` of one member) to what
/// every job shares (two signatures, the header, the shared keys, the blockhash, the
/// compute-unit limit), so 1,232 bytes hold 7 one-member jobs at most, 4 of three members (a
/// test measures). A queue this long fills a transaction.
const MAX_JOBS_PER_TRANSACTION: usize = 8;

/// Longest a checked job waits for the jobs still being read before its transaction is formed
/// without them: half a slot at 400 ms, against the slot or two its confirmation takes.
const BATCH_LINGER: Duration = Duration::from_millis(200);

/// Compute units one job's `set_job_seed` and `assign_workers` take at most, by committee size:
/// `docs/compute-units.md` has 1,432 + 5,269 for 3 members and 1,432 + 11,683 for 9 (about
/// 2,060 plus 1,070 a member, mostly each member's result-account bump search), bounded with
/// room. Far below the transaction's 1.4M at any size that fits the packet; checked anyway.
fn assignment_compute_units(committee_size: usize) -> u64 {
    4_000u64.saturating_add(2_000u64.saturating_mul(committee_size as u64))
}

/// The serialized size of the transaction `EdgerunClient::send` makes of `instructions` paid by
/// `payer`: its compute-unit limit first, one signature per signer (the keys' dedup counts).
fn transaction_bytes(payer: &Address, instructions: &[Instruction]) -> usize {
    let mut all = Vec::with_capacity(instructions.len() + 1);
    all.push(ComputeBudgetInstruction::set_compute_unit_limit(MAX_COMPUTE_UNIT_LIMIT));
    all.extend_from_slice(instructions);
    let transaction = Transaction::new_unsigned(Message::new(&all, Some(payer)));
    bincode::serialized_size(&transaction).map_or(usize::MAX, |bytes| usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// A waiting job read from the chain with its bundle checked, queued for an assignment
/// transaction.
struct Ready {
    job: Job,
    /// When it was queued (first queued, for a job queued again).
    since: Instant,
    /// Sent in a transaction of its own: its last transaction was refused as a whole (not by
    /// one instruction), so which job caused it is found by sending them one by one.
    alone: bool,
}

/// The jobs waiting for an assignment transaction, in order of arrival.
#[derive(Default)]
struct AssignmentQueue {
    ready: VecDeque<Ready>,
    /// Jobs being read and checked now, that may join the next transaction.
    preparing: usize,
}

/// Whether a transaction is to be formed from the queue.
enum Due {
    /// These jobs (one kind: all posted, or all seeded), at most a transaction's worth.
    Now(Vec<Ready>),
    /// When the oldest job stops waiting for the ones being read.
    At(Instant),
    Empty,
}

impl AssignmentQueue {
    /// A transaction's jobs once the queue holds a transaction's worth, nothing else is being
    /// read, or its oldest job waited [`BATCH_LINGER`].
    fn due(&mut self, now: Instant) -> Due {
        let Some(oldest) = self.ready.front() else { return Due::Empty };
        let at = oldest.since + BATCH_LINGER;
        if self.ready.len() < MAX_JOBS_PER_TRANSACTION && self.preparing > 0 && now < at {
            return Due::At(at);
        }
        let Some(head) = self.ready.pop_front() else { return Due::Empty };
        let kind = head.job.status;
        let alone = head.alone;
        let mut batch = vec![head];
        let mut index = 0;
        while !alone && batch.len() < MAX_JOBS_PER_TRANSACTION && index < self.ready.len() {
            if self.ready[index].job.status == kind && !self.ready[index].alone {
                batch.extend(self.ready.remove(index));
            } else {
                index += 1;
            }
        }
        Due::Now(batch)
    }
}

/// One job of an assignment transaction, with what is reserved for it.
struct Planned {
    job: Job,
    committee: Vec<Address>,
    /// Each member's `locked_stake` as the index showed it when the lock was reserved.
    seen: Vec<(Address, u64)>,
    lock: u64,
    since: Instant,
}

/// An assignment transaction: its instructions, who signs, and whose job each instruction is.
struct Plan<'a> {
    /// The instruction kind, for the metrics (`set_job_seed+assign_workers`, ...).
    name: &'static str,
    payer: Option<&'a Keypair>,
    signers: Vec<&'a Keypair>,
    instructions: Vec<Instruction>,
    /// For each instruction, the index in `jobs` of the job it is for.
    owners: Vec<usize>,
    jobs: Vec<Planned>,
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub struct Engine<B: ChainBackend> {
    client: EdgerunClient<B>,
    config: EngineConfig,
    network: GlobalConfig,
    randomness: Option<Keypair>,
    scheduler: Option<Keypair>,
    metrics: Metrics,
    /// The live jobs, the workers' stakes and the slot, kept current by one subscription.
    index: Arc<ChainIndex>,
    /// Stops the index when the engine stops.
    index_cancel: CancellationToken,
    derived: RwLock<Derived>,
    /// Jobs a task is working on (one task per job at a time).
    busy: Mutex<HashSet<[u8; 32]>>,
    /// Lamports of stake promised to assignments not yet confirmed, by worker.
    reserved: Mutex<HashMap<Address, u64>>,
    /// Locks of confirmed assignments the index's stake may not show yet, by worker: the
    /// worker's `locked_stake` in the index when the lock was taken, and the lock. Counted
    /// while the index still shows that `locked_stake` (its update carries the lock).
    landed: Mutex<HashMap<Address, Vec<(u64, u64)>>>,
    /// Work given to committees whose job the picture does not show assigned yet, by job:
    /// the members and the job's instruction budget. Dropped when the job's update arrives.
    reserved_work: Mutex<HashMap<[u8; 32], ReservedWork>>,
    /// Held from an assignment's survey to its reservation (see `plan`).
    choosing: Mutex<()>,
    /// Each worker's open work in the index's Assigned jobs, kept current from the index's
    /// events (a job's change replaces what its previous state counted).
    open_work: Mutex<OpenWorkLedger>,
    /// Checked jobs waiting for an assignment transaction.
    queue: Mutex<AssignmentQueue>,
    /// Wakes the assignment loop: a job queued, or a transaction's permit freed.
    queued: Notify,
    /// Assignment transactions in flight (`concurrency`).
    sends: Arc<Semaphore>,
    /// The first slot the engine saw and when, to measure the cluster's slot time.
    first_slot: Mutex<Option<(u64, std::time::Instant)>>,
    permits: Semaphore,
    changes: broadcast::Sender<JobChange>,
    tasks: TaskTracker,
    /// Whether each waiting job's bundle is one every worker can run (checked before seeding).
    bundles: BundleChecks,
}

impl<B: ChainBackend> Engine<B> {
    /// Checks the keys against the network's config; only the roles the keys hold are played.
    /// `storage` is the network's gateway, where the workers fetch bundles: a job is assigned
    /// only once its bundle is there and every worker can run it ([`crate::bundle_check`]).
    pub async fn new(
        client: EdgerunClient<B>,
        storage: StorageClient,
        authorities: Authorities,
        config: EngineConfig,
        metrics: Metrics,
    ) -> Result<Arc<Self>, StartError> {
        let network = client.global_config().await?;
        let randomness = authorities.randomness.filter(|key| key.pubkey() == network.randomness_authority);
        let scheduler = authorities.scheduler.filter(|key| key.pubkey() == network.scheduler_authority);
        if randomness.is_none() && scheduler.is_none() {
            return Err(StartError::NotAnAuthority {
                randomness: network.randomness_authority,
                scheduler: network.scheduler_authority,
            });
        }
        let (changes, _) = broadcast::channel(1024);
        let index_cancel = CancellationToken::new();
        let index = ChainIndex::start(
            client.clone(),
            IndexConfig {
                subscription: SubscriptionConfig { ws_url: config.ws_url.clone(), ..SubscriptionConfig::default() },
                // Ended jobs too, until closed (bounded by the job rate times the retention
                // window): the API lists them and counts them from memory, with no listing per
                // request. The engine itself acts on live statuses only.
                job_statuses: JobStatus::ALL.to_vec(),
                member: None,
                ..IndexConfig::default()
            },
            index_cancel.clone(),
        )
        .await;
        let concurrency = config.concurrency.max(1);
        Ok(Arc::new(Engine {
            client,
            permits: Semaphore::new(concurrency),
            config,
            network,
            randomness,
            scheduler,
            metrics,
            index,
            index_cancel,
            derived: RwLock::new(Derived::default()),
            busy: Mutex::new(HashSet::new()),
            reserved: Mutex::new(HashMap::new()),
            landed: Mutex::new(HashMap::new()),
            reserved_work: Mutex::new(HashMap::new()),
            choosing: Mutex::new(()),
            open_work: Mutex::new(OpenWorkLedger::default()),
            queue: Mutex::new(AssignmentQueue::default()),
            queued: Notify::new(),
            sends: Arc::new(Semaphore::new(concurrency)),
            first_slot: Mutex::new(None),
            changes,
            tasks: TaskTracker::new(),
            bundles: BundleChecks::new(storage, edgerun_guest::GuestAbi::runtime_ids().to_vec()),
        }))
    }

    pub fn client(&self) -> &EdgerunClient<B> {
        &self.client
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn jail_policy(&self) -> &JailPolicy {
        &self.config.jail
    }

    /// The network's config as read at start (the scheduler's own roles come from it).
    pub fn network(&self) -> &GlobalConfig {
        &self.network
    }

    /// The chain index the engine reads: every job on chain (live, and ended until closed),
    /// the workers, the config, the slot. What the API answers from.
    pub fn index(&self) -> &Arc<ChainIndex> {
        &self.index
    }

    fn derived(&self) -> std::sync::RwLockReadGuard<'_, Derived> {
        self.derived.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn derived_mut(&self) -> std::sync::RwLockWriteGuard<'_, Derived> {
        self.derived.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What the engine sees now (a copy of the index's jobs, ended ones included, and workers).
    pub fn picture(&self) -> Picture {
        let derived = self.derived();
        Picture {
            slot: derived.slot.max(self.index.slot()),
            jobs: self.index.jobs(),
            workers: self.index.workers(),
            failures: merged_failures(&derived.failures),
            stuck: derived.stuck.clone(),
            chain_ok: derived.chain_ok && self.index.is_synced(),
        }
    }

    /// The newest slot seen (0 before any), without copying the picture.
    pub fn slot(&self) -> u64 {
        self.derived().slot.max(self.index.slot())
    }

    /// The job at `address`, if the index keeps it (live, or ended and not closed yet).
    pub fn known_job(&self, address: &Address) -> Option<Job> {
        self.index.job(address)
    }

    /// Every worker's stake as the index has it.
    pub fn worker_stakes(&self) -> Vec<(Address, WorkerStake)> {
        self.index.workers()
    }

    /// Job changes as they are seen (the index's events).
    pub fn changes(&self) -> broadcast::Receiver<JobChange> {
        self.changes.subscribe()
    }

    /// Runs until `cancel`: one pass at once over every live job (everything already waiting),
    /// then the index's changes and a pass every `reconcile_interval`; then waits for the job
    /// tasks and stops the index.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        let mut events = self.index.events();
        self.recount_open_work();
        for (address, job) in self.index.jobs() {
            self.record_failures(&job);
            self.remember_job(address, &job);
        }
        self.tasks.spawn(Arc::clone(&self).assign_loop(cancel.clone()));
        let mut ticker = tokio::time::interval(self.config.reconcile_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = ticker.tick() => self.reconcile().await,
                event = events.recv() => match event {
                    Ok(event) => self.on_event(event),
                    // Missed some: the index has them all; the pass reads it.
                    Err(RecvError::Lagged(_)) => {
                        self.recount_open_work();
                        self.reconcile().await;
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
        self.tasks.close();
        self.tasks.wait().await;
        self.index_cancel.cancel();
        self.index.join().await;
    }

    fn on_event(self: &Arc<Self>, event: IndexEvent) {
        match event {
            IndexEvent::Job { address, job, slot } => {
                self.observe_slot(slot);
                // From the index, not the event: events queued behind a recount may be older.
                match self.index.job(&address) {
                    Some(now) => self.open_work().update(&now),
                    None => self.open_work().remove(&job.job_id),
                }
                let _ = self.changes.send(JobChange { job_id: job.job_id, job: Some(job.clone()) });
                self.record_failures(&job);
                self.remember_job(address, &job);
                if is_live(&job) {
                    self.on_job(&job);
                } else {
                    // Ended: kept by the index for the API, nothing waits on it any more.
                    self.forget_job(&job.job_id);
                }
            }
            IndexEvent::JobLeft { job_id, last, .. } => {
                self.open_work().remove(&job_id);
                if let Some(job) = &last {
                    self.record_failures(job);
                }
                self.forget_job(&job_id);
                let _ = self.changes.send(JobChange { job_id, job: last });
            }
            IndexEvent::Worker { stake, .. } => {
                // The index's stake is fresh: a lock that landed before it is in it.
                self.landed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|worker, locks| {
                    locks.retain(|(base, _)| *worker != stake.worker || *base == stake.locked_stake.get());
                    !locks.is_empty()
                });
            }
            IndexEvent::Resynced => {
                self.recount_open_work();
                self.observe_slot(Some(self.index.slot()));
            }
            IndexEvent::JobActivity { .. } | IndexEvent::WorkerClosed { .. } | IndexEvent::Config(_) => {}
        }
    }

    fn open_work(&self) -> std::sync::MutexGuard<'_, OpenWorkLedger> {
        self.open_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the open work afresh from the index's Assigned jobs: at start, and when events
    /// may have been missed (lagged, re-loaded). Between those, each job's event updates it.
    fn recount_open_work(&self) {
        let assigned = self.index.jobs_in(JobStatus::Assigned);
        *self.open_work() = OpenWorkLedger::from_jobs(&assigned);
    }

    /// A job seen changed: start its task if it needs the scheduler.
    pub fn on_job(self: &Arc<Self>, job: &Job) {
        let waiting = self.needs_assignment(job);
        if waiting || (self.config.reassign && self.needs_reassignment_check(job)) {
            self.spawn(job.job_id, waiting);
        }
    }

    /// A job the index shows: once it has a committee, the work reserved for it is in the index.
    fn remember_job(&self, _address: Address, job: &Job) {
        if !matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded)) {
            self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&job.job_id);
        }
    }

    /// A job that left the index (ended or closed): nothing of it is waiting any more.
    fn forget_job(&self, job_id: &[u8; 32]) {
        self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(job_id);
        self.derived_mut().stuck.remove(job_id);
    }

    /// Keeps the failures `job` shows now (replacing what an earlier state of it showed).
    fn record_failures(&self, job: &Job) {
        let address = edgerun_sdk::pda::job_address(&job.job_id);
        let by_worker = recent_failures(&[(address, *job)], &HashMap::new());
        let mut derived = self.derived_mut();
        if by_worker.is_empty() {
            derived.failures.remove(&job.job_id);
        } else {
            derived.failures.insert(job.job_id, by_worker);
        }
    }

    /// The newest slot seen (a notification's, or the reconcile's).
    fn observe_slot(&self, slot: Option<u64>) {
        if let Some(slot) = slot.filter(|slot| *slot > 0) {
            self.first_slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get_or_insert((slot, std::time::Instant::now()));
            let mut derived = self.derived_mut();
            derived.slot = derived.slot.max(slot);
        }
    }

    /// The cluster's slot time as measured since the engine started (Solana's 400 ms target
    /// until 20 slots passed), within 10 ms and 2 s: what turns a window of slots into seconds.
    pub fn slot_duration(&self) -> Duration {
        let first = *self.first_slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = self.slot();
        match first {
            Some((start, at)) if slot >= start + 20 => (at.elapsed() / u32::try_from(slot - start).unwrap_or(u32::MAX))
                .clamp(Duration::from_millis(10), Duration::from_secs(2)),
            _ => Duration::from_millis(400),
        }
    }

    fn needs_assignment(&self, job: &Job) -> bool {
        match job.status() {
            Ok(JobStatus::Posted) => self.randomness.is_some(),
            Ok(JobStatus::Seeded) => self.scheduler.is_some(),
            _ => false,
        }
    }

    /// Whether a member of `job` may be replaceable now: some member's own deadline is behind
    /// the last slot seen, or a winner failed to publish (cheap, from the job alone; the task
    /// reads the results before deciding).
    fn needs_reassignment_check(&self, job: &Job) -> bool {
        if self.scheduler.is_none()
            || job.status() != Ok(JobStatus::Assigned)
            || usize::from(job.replaced_count) >= MAX_REASSIGNMENTS
        {
            return false;
        }
        let slot = self.slot();
        (0..job.committee().len()).any(|index| job.is_da_failed(index) || job.member_deadline(index) < slot)
    }

    /// One pass over the index's live jobs (memory, no listing): reads the slot, refreshes the
    /// metrics, drops what belongs to jobs no longer waiting, forgets failures past the jail's
    /// cooldown, and starts a task for every job that needs the scheduler (deadlines passing
    /// change no account, so this is where they are noticed).
    pub async fn reconcile(self: &Arc<Self>) {
        match self.client.slot().await {
            Ok(slot) => {
                self.observe_slot(Some(slot));
                self.derived_mut().chain_ok = true;
            }
            Err(error) => {
                self.metrics.rpc_errors.with_label_values(&["reconcile"]).inc();
                tracing::warn!(%error, "reconcile: cannot read the slot; retrying at the next tick");
                self.derived_mut().chain_ok = false;
            }
        }
        let mut jobs = self.index.jobs();
        self.metrics.observe_jobs(&jobs);
        // The index keeps ended jobs for the API; the engine's work is over the live ones.
        jobs.retain(|(_, job)| is_live(job));
        let live: HashSet<[u8; 32]> = jobs.iter().map(|(_, job)| job.job_id).collect();
        let waiting: HashSet<[u8; 32]> = jobs
            .iter()
            .filter(|(_, job)| matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded)))
            .map(|(_, job)| job.job_id)
            .collect();
        self.bundles.retain(|job_id| waiting.contains(job_id));
        self.reserved_work
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|job_id, _| waiting.contains(job_id));
        {
            let slot = self.slot();
            let cooldown = self.config.jail.cooldown_slots;
            let mut derived = self.derived_mut();
            derived.stuck.retain(|job_id, _| live.contains(job_id));
            derived.failures.retain(|job_id, by_worker| {
                live.contains(job_id)
                    || by_worker.values().flatten().any(|failure| failure.slot.saturating_add(cooldown) >= slot)
            });
        }
        for (_, job) in jobs {
            self.on_job(&job);
        }
    }

    /// Starts the task for `job_id` unless the job is already in hand (its task at work, or
    /// queued for an assignment transaction, or in one).
    fn spawn(self: &Arc<Self>, job_id: [u8; 32], waiting: bool) {
        if !self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(job_id) {
            return;
        }
        if waiting {
            self.queue().preparing += 1;
        }
        let engine = Arc::clone(self);
        self.tasks.spawn(async move {
            let queued = {
                let _permit = engine.permits.acquire().await;
                engine.advance(&job_id).await.unwrap_or_else(|error| {
                    tracing::warn!(job = %hex::encode(job_id), %error, "scheduling step failed; retried at the next reconcile");
                    false
                })
            };
            if waiting {
                let mut queue = engine.queue();
                queue.preparing = queue.preparing.saturating_sub(1);
            }
            if queued {
                // The assignment loop holds it now, until its transaction is settled.
                engine.queued.notify_one();
            } else {
                engine.release([job_id]);
                if waiting {
                    // Fewer jobs being read: the loop may not need to wait for them any more.
                    engine.queued.notify_one();
                }
            }
        });
    }

    /// One step for one job, from its state on chain now; whether it was queued for an
    /// assignment transaction.
    async fn advance(&self, job_id: &[u8; 32]) -> Result<bool, ClientError> {
        let Some(job) = self.client.job(job_id).await.inspect_err(|_| self.rpc_error("job"))? else {
            return Ok(false);
        };
        match job.status() {
            Ok(JobStatus::Posted | JobStatus::Seeded) => self.prepare(job).await,
            Ok(JobStatus::Assigned) if self.config.reassign => self.reassign(&job).await.map(|()| false),
            _ => Ok(false),
        }
    }

    /// Checks `job`'s bundle and queues it for an assignment transaction; `Ok(false)` when it
    /// is not queued (its bundle refused, or nothing this scheduler can send for it).
    async fn prepare(&self, job: Job) -> Result<bool, ClientError> {
        let job_hex = hex::encode(job.job_id);
        let posted = job.status() == Ok(JobStatus::Posted);
        let can_send = if posted { self.randomness.is_some() } else { self.scheduler.is_some() };
        if !can_send {
            return Ok(false);
        }
        let (verdict, fetched) = self.bundles.check(&job).await;
        if fetched {
            self.metrics.bundle_checks.with_label_values(&[if verdict.is_ok() { "passed" } else { "refused" }]).inc();
        }
        if let Err(reason) = verdict {
            if fetched {
                tracing::info!(job = %job_hex, %reason, "not assigned: the bundle check failed");
            }
            self.set_stuck(&job.job_id, Some(reason));
            return Ok(false);
        }
        self.queue().ready.push_back(Ready { job, since: Instant::now(), alone: false });
        Ok(true)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, AssignmentQueue> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forms assignment transactions from the queue until `cancel`: at most `concurrency` in
    /// flight; a transaction is formed as soon as a permit is free and the queue holds a
    /// transaction's worth of jobs, or nothing else is being read, or its oldest job waited
    /// [`BATCH_LINGER`]. So a lone job goes at once, and a burst fills each transaction.
    async fn assign_loop(self: Arc<Self>, cancel: CancellationToken) {
        loop {
            let permit = tokio::select! {
                () = cancel.cancelled() => break,
                permit = Arc::clone(&self.sends).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let batch = loop {
                let due = self.queue().due(Instant::now());
                let wake = match due {
                    Due::Now(batch) => break batch,
                    Due::At(at) => Some(at),
                    Due::Empty => None,
                };
                tokio::select! {
                    () = cancel.cancelled() => {
                        self.drop_queue();
                        return;
                    }
                    () = self.queued.notified() => {}
                    () = sleep_until_some(wake) => {}
                }
            };
            let engine = Arc::clone(&self);
            self.tasks.spawn(async move {
                engine.assign_batch(batch).await;
                drop(permit);
                engine.queued.notify_one();
            });
        }
        self.drop_queue();
    }

    /// Stopping: the queued jobs are nobody's any more (a restart finds them waiting on chain).
    fn drop_queue(&self) {
        let dropped: Vec<Ready> = self.queue().ready.drain(..).collect();
        let mut busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for ready in dropped {
            busy.remove(&ready.job.job_id);
        }
    }

    /// Jobs that are done with the scheduler for now (assigned, refused, or failed): free to be
    /// started again by the next change or reconcile.
    fn release(&self, jobs: impl IntoIterator<Item = [u8; 32]>) {
        let mut busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for job_id in jobs {
            busy.remove(&job_id);
        }
    }

    /// Seeds (if posted) and assigns the jobs of `batch` (all of one kind) in as few
    /// transactions as fit, each simulated first: a job the program refuses is taken out by the
    /// instruction that failed and marked stuck with the error's name, and the others are
    /// queued again, so one refused job never holds the rest.
    async fn assign_batch(&self, batch: Vec<Ready>) {
        let posted = batch.first().is_some_and(|ready| ready.job.status() == Ok(JobStatus::Posted));
        // One recent blockhash for the whole transaction: each job's seed is keyed by its id over
        // it, unknowable when the job was posted.
        let recent = if posted {
            match self.client.backend().latest_blockhash().await {
                Ok(recent) => Some(recent),
                Err(error) => {
                    self.rpc_error("getLatestBlockhash");
                    tracing::warn!(%error, jobs = batch.len(), "cannot read a blockhash for the seeds; retried at the next reconcile");
                    self.release(batch.iter().map(|ready| ready.job.job_id));
                    return;
                }
            }
        } else {
            None
        };
        let (planned, left) = self.plan(batch, recent.as_ref().map(AsRef::as_ref));
        if !left.is_empty() {
            // Did not fit: first in line for the next transaction.
            let mut queue = self.queue();
            for ready in left.into_iter().rev() {
                queue.ready.push_front(ready);
            }
            drop(queue);
            self.queued.notify_one();
        }
        let Some(payer) = planned.payer.filter(|_| !planned.jobs.is_empty()) else { return };
        let name = planned.name;
        let jobs = planned.jobs.len();
        let sent = self.client.send(payer, &planned.signers, &planned.instructions).await;
        for job in &planned.jobs {
            if sent.is_ok() {
                // Confirmed: the picture holds the locks until the subscription brings the accounts.
                self.lock_in_picture(&job.seen, job.lock);
            } else {
                self.reserve_work(&job.job.job_id, &job.committee, 0, false);
            }
            self.reserve(&job.committee, job.lock, false);
        }
        match sent {
            Ok(receipt) => {
                self.metrics.transactions.with_label_values(&[name, "sent"]).inc();
                self.metrics.assignment_batch_jobs.observe(jobs as f64);
                for job in &planned.jobs {
                    if !job.committee.is_empty() {
                        let slots = receipt.slot.saturating_sub(job.job.created_slot.get());
                        self.metrics.assignment_slots.observe(slots as f64);
                    }
                    tracing::info!(
                        job = %hex::encode(job.job.job_id),
                        committee = ?job.committee.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        slot = receipt.slot,
                        signature = %receipt.signature,
                        jobs,
                        "{name}"
                    );
                }
                self.release(planned.jobs.iter().map(|job| job.job.job_id));
            }
            Err(ClientError::Transaction(failure)) => {
                // Refused in simulation: nothing was sent. Usually another scheduler (or this one
                // before a restart) got there first, or a member's stake moved meanwhile.
                self.metrics.transactions.with_label_values(&[name, "refused"]).inc();
                let reason = failure.reason.name();
                // The client prepends its compute-unit limit: instruction `i` is ours at `i - 1`.
                let culprit = failure
                    .instruction_index
                    .and_then(|index| usize::from(index).checked_sub(1))
                    .and_then(|index| planned.owners.get(index).copied());
                let mut again = Vec::new();
                for (position, job) in planned.jobs.into_iter().enumerate() {
                    let job_hex = hex::encode(job.job.job_id);
                    if jobs == 1 || culprit == Some(position) {
                        tracing::info!(job = %job_hex, %reason, "{name} refused in simulation");
                        self.set_stuck(
                            &job.job.job_id,
                            Some(format!("the program refused it in simulation: {reason}")),
                        );
                        self.release([job.job.job_id]);
                    } else {
                        // Not this job's fault, or unknown whose (a failure of the whole
                        // transaction): alone next time when unknown, so the culprit is found.
                        again.push(Ready { job: job.job, since: job.since, alone: culprit.is_none() });
                    }
                }
                if !again.is_empty() {
                    tracing::info!(jobs, %reason, requeued = again.len(), "{name} refused in simulation; the other jobs are queued again");
                    let mut queue = self.queue();
                    for ready in again.into_iter().rev() {
                        queue.ready.push_front(ready);
                    }
                    drop(queue);
                    self.queued.notify_one();
                }
            }
            Err(error) => {
                self.metrics.transactions.with_label_values(&[name, "failed"]).inc();
                tracing::warn!(%error, jobs, "{name} failed; retried at the next reconcile");
                self.release(planned.jobs.iter().map(|job| job.job.job_id));
            }
        }
    }

    /// Chooses each job's committee and adds its instructions while the transaction stays within
    /// the packet and compute limits; returns the plan (every job in it reserved) and the jobs
    /// that did not fit. Survey, choice and reservation happen under one lock with no await in
    /// between: two transactions formed at once would otherwise both see a worker free and give
    /// it more than its declared capacity (the program does not check capacity), and each job
    /// of a transaction sees the reservations of the ones before it.
    fn plan(&self, batch: Vec<Ready>, recent: Option<&[u8]>) -> (Plan<'_>, Vec<Ready>) {
        let mut plan = Plan {
            name: "",
            payer: None,
            signers: Vec::new(),
            instructions: Vec::new(),
            owners: Vec::new(),
            jobs: Vec::new(),
        };
        let _choosing = self.choosing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut left = Vec::new();
        let mut compute_units = 0u64;
        let mut batch = batch.into_iter();
        for ready in batch.by_ref() {
            let job = ready.job;
            let job_hex = hex::encode(job.job_id);
            let posted = job.status() == Ok(JobStatus::Posted);
            let seed = match recent {
                Some(recent) if posted => *blake3::keyed_hash(&job.job_id, recent).as_bytes(),
                _ => job.seed,
            };
            let size = usize::from(job.committee_size);
            let lock = job.required_lock.get();
            let committee = match &self.scheduler {
                Some(_) => {
                    let survey = self.survey_now(&self.seat(&job));
                    if let Some(reason) = survey.shortfall(size) {
                        self.set_stuck(&job.job_id, Some(reason.clone()));
                        tracing::info!(job = %job_hex, %reason, "not assigned");
                        self.release([job.job_id]);
                        continue;
                    }
                    selection::select_committee(&seed, &job.job_id, &survey.eligible(), size)
                }
                None => Vec::new(),
            };
            let mut instructions = Vec::new();
            let mut payer = plan.payer;
            let mut signers = plan.signers.clone();
            if posted {
                if let Some(randomness) = &self.randomness {
                    instructions.push(ix::set_job_seed(&randomness.pubkey(), &job.job_id, seed));
                    payer = Some(randomness);
                }
            }
            if let Some(scheduler) = &self.scheduler {
                if !committee.is_empty() {
                    instructions.push(ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee));
                    match payer {
                        Some(payer) if payer.pubkey() != scheduler.pubkey() => {
                            if !signers.iter().any(|signer: &&Keypair| signer.pubkey() == scheduler.pubkey()) {
                                signers.push(scheduler);
                            }
                        }
                        Some(_) => {}
                        None => payer = Some(scheduler),
                    }
                }
            }
            let Some(payer) = payer else {
                self.release([job.job_id]);
                continue;
            };
            let units = compute_units.saturating_add(assignment_compute_units(size));
            let mut all = plan.instructions.clone();
            all.extend(instructions.iter().cloned());
            let fits = units <= u64::from(MAX_COMPUTE_UNIT_LIMIT)
                && transaction_bytes(&payer.pubkey(), &all) <= MAX_TRANSACTION_BYTES;
            if !plan.jobs.is_empty() && (!fits || ready.alone) {
                left.push(Ready { job, ..ready });
                break;
            }
            self.set_stuck(&job.job_id, None);
            let seen = self.locked_as_seen(&committee);
            self.reserve(&committee, lock, true);
            self.reserve_work(&job.job_id, &committee, job.max_instructions.get(), true);
            plan.name = match (posted, self.scheduler.is_some()) {
                (true, true) => "set_job_seed+assign_workers",
                (true, false) => "set_job_seed",
                _ => "assign_workers",
            };
            plan.payer = Some(payer);
            plan.signers = signers;
            plan.owners.extend(std::iter::repeat_n(plan.jobs.len(), instructions.len()));
            plan.instructions = all;
            compute_units = units;
            plan.jobs.push(Planned { job, committee, seen, lock, since: ready.since });
            if ready.alone {
                break;
            }
        }
        left.extend(batch);
        (plan, left)
    }

    /// Replaces each member that is silent past its own deadline, or failed to publish, while
    /// a replacement exists and the job has reassignments left.
    async fn reassign(&self, job: &Job) -> Result<(), ClientError> {
        let Some(scheduler) = &self.scheduler else { return Ok(()) };
        let slot = self.client.slot().await.inspect_err(|_| self.rpc_error("slot"))?;
        let missing: Vec<Address> = missing_members(job, slot);
        if missing.is_empty() {
            return Ok(());
        }
        let survey = self.survey(&self.seat(job)).await?;
        let lock = job.required_lock.get();
        let mut taken: Vec<Address> = job.committee().to_vec();
        taken.extend_from_slice(job.replaced());
        let mut replaced = usize::from(job.replaced_count);
        for worker in missing {
            if replaced >= MAX_REASSIGNMENTS {
                break;
            }
            let candidates: Vec<Address> =
                survey.eligible().into_iter().filter(|candidate| !taken.contains(candidate)).collect();
            let Some(replacement) = selection::select_committee(&job.seed, &job.job_id, &candidates, 1).pop() else {
                tracing::info!(job = %hex::encode(job.job_id), %worker, "silent member: no eligible replacement");
                break;
            };
            let seen = self.locked_as_seen(&[replacement]);
            self.reserve(&[replacement], lock, true);
            let sent = self
                .client
                .send(scheduler, &[], &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &worker, &replacement)])
                .await;
            if sent.is_ok() {
                self.lock_in_picture(&seen, lock);
            }
            self.reserve(&[replacement], lock, false);
            match sent {
                Ok(receipt) => {
                    self.metrics.transactions.with_label_values(&["reassign_missing", "sent"]).inc();
                    tracing::info!(job = %hex::encode(job.job_id), %worker, %replacement, slot = receipt.slot, "reassign_missing");
                    taken.push(replacement);
                    replaced += 1;
                }
                Err(ClientError::Transaction(failure)) => {
                    self.metrics.transactions.with_label_values(&["reassign_missing", "refused"]).inc();
                    tracing::info!(job = %hex::encode(job.job_id), %worker, reason = %failure.reason.name(), "reassign_missing refused in simulation");
                    break;
                }
                Err(error) => {
                    self.metrics.transactions.with_label_values(&["reassign_missing", "failed"]).inc();
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Every registered worker judged for a lock of `lock`: the stakes as the index has them
    /// (kept current by its subscription), less what this engine's assignments in flight and
    /// confirmed-but-not-yet-seen have locked, and jailing from the failures recorded. No request to the cluster: the cost of an assignment does not grow
    /// with the number of workers or jobs. A stale view costs at most a refused simulation.
    pub async fn survey(&self, seat: &Seat) -> Result<Survey, ClientError> {
        Ok(self.survey_now(seat))
    }

    /// [`survey`](Self::survey), synchronously (it reads memory only).
    fn survey_now(&self, seat: &Seat) -> Survey {
        let slot = self.slot();
        let mut workers = self.index.workers();
        let failures = merged_failures(&self.derived().failures);
        let mut open = self.open_work().by_worker().clone();
        for (members, instructions) in
            self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).values()
        {
            for member in members {
                let entry: &mut OpenWork = open.entry(*member).or_default();
                entry.jobs = entry.jobs.saturating_add(1);
                entry.instructions = entry.instructions.saturating_add(*instructions);
            }
        }
        {
            let reserved = self.reserved.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let landed = self.landed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (_, stake) in &mut workers {
                let seen = stake.locked_stake.get();
                let not_seen_yet: u64 = landed
                    .get(&stake.worker)
                    .map(|locks| locks.iter().filter(|(base, _)| *base == seen).map(|(_, lock)| *lock).sum())
                    .unwrap_or(0);
                let promised = reserved.get(&stake.worker).copied().unwrap_or(0);
                stake.locked_stake = seen.saturating_add(promised).saturating_add(not_seen_yet).into();
            }
        }
        Survey::new(&workers, &failures, &open, &self.config.jail, seat, slot)
    }

    /// What a seat on `job` asks: its lock, and its instruction budget within the seconds a
    /// member has (the challenge window, less a fifth for fetching, publishing and landing the
    /// result).
    pub fn seat(&self, job: &Job) -> Seat {
        let window = self.slot_duration().as_secs_f64() * job.challenge_window_slots.get() as f64;
        Seat {
            lock: job.required_lock.get(),
            work: Some(Work { instructions: job.max_instructions.get(), seconds: window * 0.8 }),
        }
    }

    /// Adds (`take`) or drops the work of `job_id`'s committee until the picture shows it.
    fn reserve_work(&self, job_id: &[u8; 32], committee: &[Address], instructions: u64, take: bool) {
        let mut reserved = self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if take {
            reserved.insert(*job_id, (committee.to_vec(), instructions));
        } else {
            reserved.remove(job_id);
        }
    }

    /// Each of `workers` with its `locked_stake` as the index shows it now (before a lock is
    /// sent: the update that carries the lock then differs from it, whenever it arrives).
    fn locked_as_seen(&self, workers: &[Address]) -> Vec<(Address, u64)> {
        workers.iter().filter_map(|worker| Some((*worker, self.index.worker(worker)?.locked_stake.get()))).collect()
    }

    /// Counts a confirmed assignment's lock on each worker of `seen` while the index still shows
    /// the `locked_stake` seen before it was sent (the update that carries it changes that).
    fn lock_in_picture(&self, seen: &[(Address, u64)], lock: u64) {
        let mut landed = self.landed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (worker, locked) in seen {
            if self.index.worker(worker).is_some_and(|stake| stake.locked_stake.get() == *locked) {
                landed.entry(*worker).or_default().push((*locked, lock));
            }
        }
    }

    /// Adds (`take`) or gives back the in-memory reservation of `lock` on each of `workers`.
    fn reserve(&self, workers: &[Address], lock: u64, take: bool) {
        let mut reserved = self.reserved.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for worker in workers {
            let entry = reserved.entry(*worker).or_default();
            *entry = if take { entry.saturating_add(lock) } else { entry.saturating_sub(lock) };
            if *entry == 0 {
                reserved.remove(worker);
            }
        }
    }

    fn set_stuck(&self, job_id: &[u8; 32], reason: Option<String>) {
        let mut derived = self.derived_mut();
        match reason {
            Some(reason) => derived.stuck.insert(*job_id, reason),
            None => derived.stuck.remove(job_id),
        };
    }

    /// Why `job_id` has no committee yet, when the scheduler could not form one.
    pub fn stuck_reason(&self, job_id: &[u8; 32]) -> Option<String> {
        self.derived().stuck.get(job_id).cloned()
    }

    fn rpc_error(&self, operation: &str) {
        self.metrics.rpc_errors.with_label_values(&[operation]).inc();
    }
}

/// Whether `job` is in a status the engine (or a worker, or the crank) still has work on; the
/// index also keeps ended jobs until they are closed, for the API.
pub fn is_live(job: &Job) -> bool {
    job.status().is_ok_and(|status| LIVE_STATUSES.contains(&status))
}

/// Every worker's failures over every job recorded.
fn merged_failures(by_job: &HashMap<[u8; 32], HashMap<Address, Vec<Failure>>>) -> HashMap<Address, Vec<Failure>> {
    let mut merged: HashMap<Address, Vec<Failure>> = HashMap::new();
    for by_worker in by_job.values() {
        for (worker, failures) in by_worker {
            merged.entry(*worker).or_default().extend_from_slice(failures);
        }
    }
    merged
}

/// Members `reassign_missing` may replace at `slot`: silent past their own deadline, or winners
/// that failed to publish (DA-failed). Read from the job alone: its `submitted_mask` says who
/// answered.
pub fn missing_members(job: &Job, slot: u64) -> Vec<Address> {
    let cutoff = job.silence_cutoff(slot);
    job.committee()
        .iter()
        .enumerate()
        .filter(|(index, _)| job.is_da_failed(*index) || job.is_silent(*index, job.has_submitted(*index), cutoff))
        .map(|(_, worker)| *worker)
        .collect()
}

#[cfg(test)]
mod tests {
    use bytemuck::Zeroable;

    use super::*;

    fn key(byte: u8) -> Address {
        Address::new_from_array([byte; 32])
    }

    /// How many jobs' `set_job_seed` + `assign_workers` of `committee` members (from `workers`
    /// shared by every job) fit in one transaction paid by the randomness authority and signed
    /// by the scheduler as well.
    fn jobs_that_fit(committee: usize, workers: usize) -> usize {
        let (randomness, scheduler) = (key(200), key(201));
        let pool: Vec<Address> = (0..workers).map(|index| key(index as u8 + 1)).collect();
        let mut instructions = Vec::new();
        for job in 0..64u8 {
            let job_id = [job; 32];
            let members: Vec<Address> =
                (0..committee).map(|seat| pool[(usize::from(job) * committee + seat) % pool.len()]).collect();
            let mut more = instructions.clone();
            more.push(ix::set_job_seed(&randomness, &job_id, [7; 32]));
            more.push(ix::assign_workers(&scheduler, &job_id, &members));
            if transaction_bytes(&randomness, &more) > MAX_TRANSACTION_BYTES {
                return usize::from(job);
            }
            instructions = more;
        }
        64
    }

    #[test]
    fn a_transaction_holds_several_jobs_and_never_more_than_the_queue_waits_for() {
        // The smallest jobs (one member, all on one worker) fill a transaction first.
        let most = jobs_that_fit(1, 1);
        assert!(most < MAX_JOBS_PER_TRANSACTION, "{most} jobs fit; the queue waits for {MAX_JOBS_PER_TRANSACTION}");
        // Tier 0 (3 members) on a network of three workers, and on many: several per transaction.
        assert_eq!(jobs_that_fit(3, 3), 4);
        assert_eq!(jobs_that_fit(3, 100), 3);
        // Nine distinct members: alone.
        assert!(jobs_that_fit(9, 100) >= 1);
        // The compute budget never binds before the packet does.
        assert!(assignment_compute_units(9) * (MAX_JOBS_PER_TRANSACTION as u64) < u64::from(MAX_COMPUTE_UNIT_LIMIT));
    }

    #[test]
    fn the_measured_size_is_the_size_of_the_transaction_sent() {
        let payer = Keypair::new();
        let scheduler = Keypair::new();
        let instructions = vec![
            ix::set_job_seed(&payer.pubkey(), &[1; 32], [2; 32]),
            ix::assign_workers(&scheduler.pubkey(), &[1; 32], &[key(1), key(2), key(3)]),
        ];
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(1_234)];
        all.extend_from_slice(&instructions);
        let mut signed = Transaction::new_unsigned(Message::new(&all, Some(&payer.pubkey())));
        let blockhash = signed.message.recent_blockhash;
        signed.try_sign(&[&payer, &scheduler], blockhash).unwrap();
        assert_eq!(transaction_bytes(&payer.pubkey(), &instructions), bincode::serialize(&signed).unwrap().len());
    }

    fn ready(id: u8, status: JobStatus, since: Instant, alone: bool) -> Ready {
        let mut job = Job::zeroed();
        job.job_id = [id; 32];
        job.set_status(status);
        Ready { job, since, alone }
    }

    fn ids(due: Due) -> Vec<u8> {
        match due {
            Due::Now(batch) => batch.iter().map(|ready| ready.job.job_id[0]).collect(),
            Due::At(_) => panic!("not due yet"),
            Due::Empty => panic!("empty"),
        }
    }

    #[test]
    fn the_queue_forms_a_transaction_when_a_lone_job_has_nobody_to_wait_for_or_a_burst_fills_it() {
        let now = Instant::now();
        let mut queue = AssignmentQueue::default();
        assert!(matches!(queue.due(now), Due::Empty));
        // A lone job with nothing else being read goes at once.
        queue.ready.push_back(ready(1, JobStatus::Posted, now, false));
        assert_eq!(ids(queue.due(now)), [1]);
        // While others are being read it waits for them, at most the linger.
        queue.preparing = 2;
        queue.ready.push_back(ready(2, JobStatus::Posted, now, false));
        assert!(matches!(queue.due(now), Due::At(at) if at == now + BATCH_LINGER));
        queue.ready.push_back(ready(3, JobStatus::Seeded, now, false));
        queue.ready.push_back(ready(4, JobStatus::Posted, now, false));
        // Past the linger: the posted ones together; the seeded one is another kind of transaction.
        assert_eq!(ids(queue.due(now + BATCH_LINGER)), [2, 4]);
        queue.preparing = 0;
        assert_eq!(ids(queue.due(now)), [3]);
        // A burst: a transaction's worth at most, in order, without waiting.
        queue.preparing = 5;
        for id in 10..30 {
            queue.ready.push_back(ready(id, JobStatus::Posted, now, false));
        }
        assert_eq!(ids(queue.due(now)), (10..10 + MAX_JOBS_PER_TRANSACTION as u8).collect::<Vec<_>>());
        // A job to be sent alone goes alone, and is not taken into another's transaction.
        queue.ready.clear();
        queue.preparing = 0;
        queue.ready.push_back(ready(40, JobStatus::Posted, now, true));
        queue.ready.push_back(ready(41, JobStatus::Posted, now, true));
        queue.ready.push_back(ready(42, JobStatus::Posted, now, false));
        assert_eq!(ids(queue.due(now)), [40]);
        assert_eq!(ids(queue.due(now)), [41]);
        assert_eq!(ids(queue.due(now)), [42]);
    }
}
