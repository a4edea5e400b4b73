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
//! How it reacts within a slot: the program-account subscription (websocket, polling while the
//! socket is down) hands every changed job to [`Engine::on_job`]; a periodic reconcile over
//! `getProgramAccounts` catches anything missed and is where deadlines are noticed (a slot
//! passing changes no account). Jobs are handled concurrently, at most `concurrency` at once,
//! one task per job: a slow RPC call for one job does not hold the others.
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
    AccountUpdate, ChainBackend, ClientError, EdgerunAccount, EdgerunClient, SubscriptionConfig,
};
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::{instructions as ix, selection};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
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
    /// Pause between two reconciles (a full read of the jobs and workers).
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

/// What the last reconcile saw; the API answers from it where a fresh read is not needed.
#[derive(Clone, Default)]
pub struct Picture {
    pub slot: u64,
    pub jobs: Vec<(Address, Job)>,
    pub workers: Vec<(Address, WorkerStake)>,
    pub failures: HashMap<Address, Vec<Failure>>,
    /// Why each waiting job has no committee yet, by job id.
    pub stuck: HashMap<[u8; 32], String>,
    /// Whether the last reconcile reached the chain.
    pub chain_ok: bool,
}

/// A committee's members and its job's instruction budget, until the picture shows the job.
type ReservedWork = (Vec<Address>, u64);

pub struct Engine<B: ChainBackend> {
    client: EdgerunClient<B>,
    config: EngineConfig,
    network: GlobalConfig,
    randomness: Option<Keypair>,
    scheduler: Option<Keypair>,
    metrics: Metrics,
    picture: RwLock<Picture>,
    /// Jobs a task is working on (one task per job at a time).
    busy: Mutex<HashSet<[u8; 32]>>,
    /// Lamports of stake promised to assignments not yet confirmed, by worker.
    reserved: Mutex<HashMap<Address, u64>>,
    /// Work given to committees whose job the picture does not show assigned yet, by job:
    /// the members and the job's instruction budget. Dropped when the job's update arrives.
    reserved_work: Mutex<HashMap<[u8; 32], ReservedWork>>,
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
        Ok(Arc::new(Engine {
            client,
            permits: Semaphore::new(config.concurrency.max(1)),
            config,
            network,
            randomness,
            scheduler,
            metrics,
            picture: RwLock::new(Picture::default()),
            busy: Mutex::new(HashSet::new()),
            reserved: Mutex::new(HashMap::new()),
            reserved_work: Mutex::new(HashMap::new()),
            first_slot: Mutex::new(None),
            changes,
            tasks: TaskTracker::new(),
            bundles: BundleChecks::new(storage, edgerun_worker::runtime_id()),
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

    /// What the last reconcile saw.
    pub fn picture(&self) -> Picture {
        self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The newest slot seen (0 before the first reconcile), without copying the picture.
    pub fn slot(&self) -> u64 {
        self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).slot
    }

    /// The job at `address` as the picture has it, if the engine knows it.
    pub fn known_job(&self, address: &Address) -> Option<Job> {
        let picture = self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        picture.jobs.iter().find(|(known, _)| known == address).map(|(_, job)| *job)
    }

    /// Every worker's stake as the picture has it.
    pub fn worker_stakes(&self) -> Vec<(Address, WorkerStake)> {
        self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).workers.clone()
    }

    /// Job changes as they are seen (subscription and reconcile).
    pub fn changes(&self) -> broadcast::Receiver<JobChange> {
        self.changes.subscribe()
    }

    /// Runs until `cancel`: one reconcile at once (everything already waiting), then the
    /// subscription and a reconcile every `reconcile_interval`; then waits for the job tasks.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        let mut subscription = self.client.subscribe(
            SubscriptionConfig { ws_url: self.config.ws_url.clone(), ..SubscriptionConfig::default() },
            cancel.clone(),
        );
        let mut ticker = tokio::time::interval(self.config.reconcile_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = ticker.tick() => self.reconcile().await,
                update = subscription.updates.recv() => match update {
                    Some(AccountUpdate::Closed { address, .. }) => self.on_closed(&address),
                    Some(AccountUpdate::Changed { address, account, slot, .. }) => {
                        self.observe_slot(slot);
                        match *account {
                            EdgerunAccount::Job(job) => {
                                let _ = self.changes.send(JobChange { job_id: job.job_id, job: Some(Box::new(job)) });
                                self.remember_job(address, &job);
                                self.on_job(&job);
                            }
                            EdgerunAccount::WorkerStake(stake) => self.remember_worker(address, stake),
                            _ => {}
                        }
                    }
                    // Only with `Snapshot::Signal`, which this subscription does not ask for.
                    Some(AccountUpdate::Resync { .. }) => {}
                    None => break,
                },
            }
        }
        self.tasks.close();
        self.tasks.wait().await;
        subscription.join().await;
    }

    /// A job seen changed: start its task if it needs the scheduler.
    pub fn on_job(self: &Arc<Self>, job: &Job) {
        if self.needs_assignment(job) || (self.config.reassign && self.needs_reassignment_check(job)) {
            self.spawn(job.job_id);
        }
    }

    /// The picture follows the subscription between reconciles: a worker's stake as the chain
    /// has it now, so a survey needs no listing of the workers.
    fn remember_worker(&self, address: Address, stake: WorkerStake) {
        let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        upsert(&mut picture.workers, address, stake);
    }

    fn remember_job(&self, address: Address, job: &Job) {
        {
            let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            upsert(&mut picture.jobs, address, *job);
        }
        if !matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded)) {
            self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&job.job_id);
        }
    }

    /// The newest slot seen (a notification's, or the reconcile's).
    fn observe_slot(&self, slot: Option<u64>) {
        if let Some(slot) = slot {
            self.first_slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get_or_insert((slot, std::time::Instant::now()));
            let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            picture.slot = picture.slot.max(slot);
        }
    }

    /// The cluster's slot time as measured since the engine started (Solana's 400 ms target
    /// until 20 slots passed), within 10 ms and 2 s: what turns a window of slots into seconds.
    pub fn slot_duration(&self) -> Duration {
        let first = *self.first_slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).slot;
        match first {
            Some((start, at)) if slot >= start + 20 => (at.elapsed() / u32::try_from(slot - start).unwrap_or(u32::MAX))
                .clamp(Duration::from_millis(10), Duration::from_secs(2)),
            _ => Duration::from_millis(400),
        }
    }

    fn on_closed(&self, address: &Address) {
        let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(index) = picture.jobs.iter().position(|(known, _)| known == address) {
            let (_, job) = picture.jobs.remove(index);
            let _ = self.changes.send(JobChange { job_id: job.job_id, job: None });
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
        let slot = self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).slot;
        (0..job.committee().len()).any(|index| job.is_da_failed(index) || job.member_deadline(index) < slot)
    }

    /// Reads every job and worker, refreshes the picture and the metrics, and starts a task for
    /// every job that needs the scheduler.
    pub async fn reconcile(self: &Arc<Self>) {
        let read = async {
            let slot = self.client.slot().await?;
            let jobs = self.client.jobs().await?;
            let workers = self.client.workers().await?;
            Ok::<_, ClientError>((slot, jobs, workers))
        };
        let (slot, jobs, workers) = match read.await {
            Ok(read) => read,
            Err(error) => {
                self.metrics.rpc_errors.with_label_values(&["reconcile"]).inc();
                tracing::warn!(%error, "reconcile: cannot read the chain; retrying at the next tick");
                self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner()).chain_ok = false;
                return;
            }
        };
        self.observe_slot(Some(slot));
        let failures = recent_failures(&jobs, &HashMap::new());
        self.metrics.observe_jobs(&jobs);
        let waiting: Vec<Job> = jobs.iter().map(|(_, job)| *job).collect();
        {
            let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            let live: HashSet<[u8; 32]> = jobs.iter().map(|(_, job)| job.job_id).collect();
            picture.stuck.retain(|job_id, _| live.contains(job_id));
            let waiting: HashSet<[u8; 32]> = jobs
                .iter()
                .filter(|(_, job)| matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded)))
                .map(|(_, job)| job.job_id)
                .collect();
            self.bundles.retain(|job_id| waiting.contains(job_id));
            picture.slot = picture.slot.max(slot);
            self.reserved_work.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|job_id, _| {
                jobs.iter().any(|(_, job)| {
                    job.job_id == *job_id && matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded))
                })
            });
            picture.jobs = jobs;
            picture.workers = workers;
            picture.failures = failures;
            picture.chain_ok = true;
        }
        for job in waiting {
            if self.needs_assignment(&job) || (self.config.reassign && self.needs_reassignment_check(&job)) {
                self.spawn(job.job_id);
            }
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
        let (committee, shortfall) = match &self.scheduler {
            Some(_) => {
                let survey = self.survey(&seat).await?;
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

        let mut instructions = Vec::new();
        let mut payer: Option<&Keypair> = None;
        let mut signers: Vec<&Keypair> = Vec::new();
        if posted {
            let Some(randomness) = &self.randomness else { return Ok(()) };
            instructions.push(ix::set_job_seed(&randomness.pubkey(), &job.job_id, seed));
            payer = Some(randomness);
        }
        if let Some(scheduler) = &self.scheduler {
            instructions.push(ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee));
            match payer {
                Some(_) => signers.push(scheduler),
                None => payer = Some(scheduler),
            }
        }
        let Some(payer) = payer else { return Ok(()) };
        let name = match (posted, self.scheduler.is_some()) {
            (true, true) => "set_job_seed+assign_workers",
            (true, false) => "set_job_seed",
            _ => "assign_workers",
        };

        self.reserve(&committee, lock, true);
        self.reserve_work(&job.job_id, &committee, job.max_instructions.get(), true);
        let sent = self.client.send(payer, &signers, &instructions).await;
        if sent.is_ok() {
            // Confirmed: the picture holds the locks until the subscription brings the accounts.
            self.lock_in_picture(&committee, lock);
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
            self.reserve(&[replacement], lock, true);
            let sent = self
                .client
                .send(scheduler, &[], &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &worker, &replacement)])
                .await;
            if sent.is_ok() {
                self.lock_in_picture(&[replacement], lock);
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

    /// Every registered worker judged for a lock of `lock`: the stakes as the picture has them
    /// (the reconcile's listing, kept current by the subscription and by this engine's own
    /// confirmed assignments) less what assignments in flight have promised, and jailing from
    /// the last reconcile. No request to the cluster: the cost of an assignment does not grow
    /// with the number of workers or jobs. A stale view costs at most a refused simulation.
    pub async fn survey(&self, seat: &Seat) -> Result<Survey, ClientError> {
        let (slot, mut workers, failures, mut open) = {
            let picture = self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            (picture.slot, picture.workers.clone(), picture.failures.clone(), open_work(&picture.jobs))
        };
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
            for (_, stake) in &mut workers {
                if let Some(promised) = reserved.get(&stake.worker) {
                    stake.locked_stake = stake.locked_stake.get().saturating_add(*promised).into();
                }
            }
        }
        Ok(Survey::new(&workers, &failures, &open, &self.config.jail, seat, slot))
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

    /// Adds a confirmed assignment's lock to the pictured stake of each of `workers`.
    fn lock_in_picture(&self, workers: &[Address], lock: u64) {
        let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (_, stake) in picture.workers.iter_mut().filter(|(_, stake)| workers.contains(&stake.worker)) {
            stake.locked_stake = stake.locked_stake.get().saturating_add(lock).into();
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
        let mut picture = self.picture.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        match reason {
            Some(reason) => picture.stuck.insert(*job_id, reason),
            None => picture.stuck.remove(job_id),
        };
    }

    /// Why `job_id` has no committee yet, when the scheduler could not form one.
    pub fn stuck_reason(&self, job_id: &[u8; 32]) -> Option<String> {
        self.picture.read().unwrap_or_else(|poisoned| poisoned.into_inner()).stuck.get(job_id).cloned()
    }

    fn rpc_error(&self, operation: &str) {
        self.metrics.rpc_errors.with_label_values(&[operation]).inc();
    }
}

/// Replaces the account at `address` in a pictured list, or adds it.
fn upsert<T>(accounts: &mut Vec<(Address, T)>, address: Address, account: T) {
    match accounts.iter_mut().find(|(known, _)| *known == address) {
        Some((_, known)) => *known = account,
        None => accounts.push((address, account)),
    }
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
