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
//! the number of jobs that ended (kept in memory until `close_job`, for the API). Jobs are handled
//! concurrently, at most `concurrency` at once, one task per job: a slow RPC call for one job does
//! not hold the others.
//!
//! Jailing reads failures (silent, replaced, no output) from each job as it changes, kept for
//! the jail's cooldown: an ended job leaves the index, its failures stay until they are old.
//!
//! Two jobs assigned at the same time must not both count on the same free stake: the engine
//! reserves each chosen member's lock in memory until its assignment is confirmed or refused,
//! and judges eligibility against stake minus those reservations.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use edgerun::constants::MAX_REASSIGNMENTS;
use edgerun::state::{GlobalConfig, Job, JobStatus, WorkerStake};
use edgerun_sdk::client::{
    ChainBackend, ChainIndex, ClientError, EdgerunClient, IndexConfig, IndexEvent, SubscriptionConfig, LIVE_STATUSES,
};
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::{instructions as ix, selection};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bundle_check::BundleChecks;
use crate::eligibility::{open_work, recent_failures, Failure, JailPolicy, OpenWork, Seat, Survey, Work};
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
    /// Held from an assignment's survey to its reservation (see `assign`).
    choosing: Mutex<()>,
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
        Ok(Arc::new(Engine {
            client,
            permits: Semaphore::new(config.concurrency.max(1)),
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
            first_slot: Mutex::new(None),
            changes,
            tasks: TaskTracker::new(),
            bundles: BundleChecks::new(storage, edgerun_guest::runtime_id()),
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
        for (address, job) in self.index.jobs() {
            self.record_failures(&job);
            self.remember_job(address, &job);
        }
        let mut ticker = tokio::time::interval(self.config.reconcile_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = ticker.tick() => self.reconcile().await,
                event = events.recv() => match event {
                    Ok(event) => self.on_event(event),
                    // Missed some: the index has them all; the pass reads it.
                    Err(RecvError::Lagged(_)) => self.reconcile().await,
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
            IndexEvent::Resynced => self.observe_slot(Some(self.index.slot())),
            IndexEvent::JobActivity { .. } | IndexEvent::WorkerClosed { .. } | IndexEvent::Config(_) => {}
        }
    }

    /// A job seen changed: start its task if it needs the scheduler.
    pub fn on_job(self: &Arc<Self>, job: &Job) {
        if self.needs_assignment(job) || (self.config.reassign && self.needs_reassignment_check(job)) {
            self.spawn(job.job_id);
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
        let by_worker = if usize::from(job.assigned_count) <= edgerun::constants::MAX_COMMITTEE_SIZE {
            recent_failures(&[(address, *job)], &HashMap::new())
        } else {
            HashMap::new()
        };
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

    /// Starts the task for `job_id` unless one is already at work on it.
    fn spawn(self: &Arc<Self>, job_id: [u8; 32]) {
        if !self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(job_id) {
            return;
        }
        let engine = Arc::clone(self);
        self.tasks.spawn(async move {
            let _permit = engine.permits.acquire().await;
            if let Err(error) = engine.advance(&job_id).await {
                tracing::warn!(job = %hex::encode(job_id), %error, "scheduling step failed; retried at the next reconcile");
            }
            engine.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&job_id);
        });
    }

    /// One step for one job, from its state on chain now.
    async fn advance(&self, job_id: &[u8; 32]) -> Result<(), ClientError> {
        let Some(job) = self.client.job(job_id).await.inspect_err(|_| self.rpc_error("job"))? else {
            return Ok(());
        };
        match job.status() {
            Ok(JobStatus::Posted | JobStatus::Seeded) => self.assign(&job).await,
            Ok(JobStatus::Assigned) if self.config.reassign => self.reassign(&job).await,
            _ => Ok(()),
        }
    }

    /// Seeds (if posted) and assigns `job`, in one transaction when both keys are ours.
    async fn assign(&self, job: &Job) -> Result<(), ClientError> {
        let job_hex = hex::encode(job.job_id);
        let posted = job.status() == Ok(JobStatus::Posted);
        let (verdict, fetched) = self.bundles.check(job).await;
        if fetched {
            self.metrics.bundle_checks.with_label_values(&[if verdict.is_ok() { "passed" } else { "refused" }]).inc();
        }
        if let Err(reason) = verdict {
            if fetched {
                tracing::info!(job = %job_hex, %reason, "not assigned: the bundle check failed");
            }
            self.set_stuck(&job.job_id, Some(format!("not assigned: {reason}")));
            return Ok(());
        }
        let seed = if posted {
            // Unknowable when the job was posted: keyed by the job id over a recent blockhash.
            let recent = self.client.backend().latest_blockhash().await.map_err(|error| {
                self.rpc_error("getLatestBlockhash");
                ClientError::Transport { attempts: 1, message: error.to_string() }
            })?;
            *blake3::keyed_hash(&job.job_id, recent.as_ref()).as_bytes()
        } else {
            job.seed
        };
        let size = usize::from(job.committee_size);
        let lock = job.required_lock.get();
        let seat = self.seat(job);
        // Survey and reservation under one lock, with no await in between: two assignments
        // running at once on the runtime's threads would otherwise both see a worker free and
        // give it more than its declared capacity (the program does not check capacity).
        let (committee, seen) = {
            let _choosing = self.choosing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (committee, shortfall) = match &self.scheduler {
                Some(_) => {
                    let survey = self.survey_now(&seat);
                    let eligible = survey.eligible();
                    let committee = selection::select_committee(&seed, &job.job_id, &eligible, size);
                    (committee, survey.shortfall(size))
                }
                None => (Vec::new(), None),
            };
            if let Some(reason) = shortfall {
                self.set_stuck(&job.job_id, Some(reason.clone()));
                tracing::info!(job = %job_hex, %reason, "not assigned");
                return Ok(());
            }
            self.set_stuck(&job.job_id, None);
            let can_send = if posted { self.randomness.is_some() } else { self.scheduler.is_some() };
            if !can_send {
                return Ok(());
            }
            let seen = self.locked_as_seen(&committee);
            self.reserve(&committee, lock, true);
            self.reserve_work(&job.job_id, &committee, job.max_instructions.get(), true);
            (committee, seen)
        };

        let mut instructions = Vec::new();
        let mut payer: Option<&Keypair> = None;
        let mut signers: Vec<&Keypair> = Vec::new();
        if posted {
            if let Some(randomness) = &self.randomness {
                instructions.push(ix::set_job_seed(&randomness.pubkey(), &job.job_id, seed));
                payer = Some(randomness);
            }
        }
        if let Some(scheduler) = &self.scheduler {
            instructions.push(ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee));
            match payer {
                Some(_) => signers.push(scheduler),
                None => payer = Some(scheduler),
            }
        }
        let name = match (posted, self.scheduler.is_some()) {
            (true, true) => "set_job_seed+assign_workers",
            (true, false) => "set_job_seed",
            _ => "assign_workers",
        };
        let Some(payer) = payer else {
            // Unreachable after `can_send`; released all the same.
            self.reserve_work(&job.job_id, &committee, 0, false);
            self.reserve(&committee, lock, false);
            return Ok(());
        };

        let sent = self.client.send(payer, &signers, &instructions).await;
        if sent.is_ok() {
            // Confirmed: the picture holds the locks until the subscription brings the accounts.
            self.lock_in_picture(&seen, lock);
        } else {
            self.reserve_work(&job.job_id, &committee, 0, false);
        }
        self.reserve(&committee, lock, false);
        match sent {
            Ok(receipt) => {
                if !committee.is_empty() {
                    let slots = receipt.slot.saturating_sub(job.created_slot.get());
                    self.metrics.assignment_slots.observe(slots as f64);
                }
                self.metrics.transactions.with_label_values(&[name, "sent"]).inc();
                tracing::info!(
                    job = %job_hex,
                    committee = ?committee.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    slot = receipt.slot,
                    signature = %receipt.signature,
                    "{name}"
                );
                Ok(())
            }
            Err(ClientError::Transaction(failure)) => {
                // Refused in simulation: nothing was sent. Usually another scheduler (or this one
                // before a restart) got there first, or a member's stake moved meanwhile.
                self.metrics.transactions.with_label_values(&[name, "refused"]).inc();
                tracing::info!(job = %job_hex, reason = %failure.reason.name(), "{name} refused in simulation");
                Ok(())
            }
            Err(error) => {
                self.metrics.transactions.with_label_values(&[name, "failed"]).inc();
                Err(error)
            }
        }
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
        let mut open = open_work(&self.index.jobs_in(JobStatus::Assigned));
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
