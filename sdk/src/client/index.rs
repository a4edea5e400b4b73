//! One picture of the live Edgerun state, kept current from one program subscription: what the
//! scheduler, the crank service, the worker daemon and the scheduler's API read instead of
//! listing the chain.
//!
//! Why: a service that lists every job (`getProgramAccounts`) to find the few it has work on pays,
//! for each listing, for every job that ever ended and is not closed yet, and so does the
//! validator. With a periodic reconcile per service, the cost of the next job grew with the number
//! of jobs retained. The index reads the chain in full only when it cannot know what changed:
//!
//! 1. At start and whenever its subscription (re)subscribes or polls because the websocket is down
//!    ([`Snapshot::Signal`]: the subscription itself lists nothing), it loads what it keeps with
//!    filtered queries: the jobs in the statuses it keeps, one `getProgramAccounts` per status
//!    (and per committee slot when it keeps one worker's jobs only), the workers, and the config.
//!    A job it knew that is not listed any more is read once more by address, so its final state
//!    is known (a job that ended, or was closed).
//! 2. In between, every notification of the subscription is applied as it comes: a job entering
//!    a kept status is added, one leaving them (ended, or closed) is dropped at once, so memory
//!    and work are over live jobs only, whatever the number of ended ones.
//! 3. Optionally ([`IndexConfig::resync_interval`]), a rare safety re-load with the same filtered
//!    queries, against a websocket that silently missed something.
//!
//! Readers get cheap copies from memory ([`ChainIndex::job`], [`ChainIndex::jobs_in`],
//! [`ChainIndex::jobs_of_worker`], [`ChainIndex::workers`], ...) and a broadcast of what changed
//! ([`ChainIndex::events`]), so they react to changes instead of polling. A reader that lags
//! behind the broadcast, or receives [`IndexEvent::Resynced`], re-reads the picture.
//!
//! What it does not keep: JobResults and OutputAvailability (a change of one is passed on as
//! [`IndexEvent::JobActivity`] for a job it keeps; the program also changes the Job itself at a
//! submission and a declaration), and the Treasury (read it when needed).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anchor_lang::bytemuck;
use edgerun::constants::MAX_COMMITTEE_SIZE;
use edgerun::state::{GlobalConfig, Job, JobStatus, WorkerStake};
use solana_address::Address;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::subscribe::{AccountUpdate, EdgerunAccount, Snapshot, SubscriptionConfig};
use super::{filters, ChainBackend, ClientError, EdgerunClient, Memcmp};
use crate::accounts::decode_account;
use crate::pda;

/// The statuses a job can still move in without anyone closing it: it has work for a worker, the
/// scheduler or the crank. `Finalized` and `Cancelled` are endings (kept only by a reader with
/// work on ended jobs: the crank closes them).
pub const LIVE_STATUSES: [JobStatus; 5] =
    [JobStatus::Posted, JobStatus::Seeded, JobStatus::Assigned, JobStatus::QuorumReached, JobStatus::AwaitingDa];

/// How long a Resync waits for the other subscriptions' before the index loads once for all.
const RESYNC_COALESCE: Duration = Duration::from_millis(50);

/// Accounts listed per `getMultipleAccounts` when reading the final state of jobs that left.
const MULTIPLE_ACCOUNTS_CHUNK: usize = 100;

/// What the index keeps and how it follows the chain.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The subscription: websocket URL, commitment, polling and reconnection pace. Its
    /// `filters` and `snapshot` are the index's own.
    pub subscription: SubscriptionConfig,
    /// Jobs kept: those in these statuses (default [`LIVE_STATUSES`]).
    pub job_statuses: Vec<JobStatus>,
    /// `Some(worker)`: only jobs whose committee has `worker`, followed with one subscription per
    /// committee slot filtered by the node (so other jobs never travel); workers and the config
    /// are then not kept. `None`: every kept job, every worker and the config, from one
    /// subscription to the whole program.
    pub member: Option<Address>,
    /// A safety re-load this often (filtered, like the start's); `None`: only when the
    /// subscription asks for one.
    pub resync_interval: Option<Duration>,
    /// Events buffered per reader before a slow one lags (and then re-reads the picture).
    pub event_capacity: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            subscription: SubscriptionConfig::default(),
            job_statuses: LIVE_STATUSES.to_vec(),
            member: None,
            resync_interval: Some(Duration::from_secs(600)),
            event_capacity: 4096,
        }
    }
}

/// One change of the picture.
#[derive(Clone)]
pub enum IndexEvent {
    /// A kept job changed, or entered the index. `slot`: of the notification, when it had one.
    Job { address: Address, job: Box<Job>, slot: Option<u64> },
    /// A job left the index: `last` is its final state when it moved to a status not kept (it
    /// ended), `None` when its account was closed.
    JobLeft { address: Address, job_id: [u8; 32], last: Option<Box<Job>> },
    /// A JobResult or the OutputAvailability of the kept job at `job` changed.
    JobActivity { job: Address },
    /// A worker's stake account changed or appeared (`address`: the stake account).
    Worker { address: Address, stake: Box<WorkerStake> },
    /// A worker's stake account was closed.
    WorkerClosed { address: Address },
    /// The config changed.
    Config(Box<GlobalConfig>),
    /// The index re-loaded from the chain (after a re-subscription, while polling, or the safety
    /// re-load); what changed is in the events before this one. Readers that keep a derived
    /// picture may rebuild it now.
    Resynced,
}

impl std::fmt::Debug for IndexEvent {
    // The program's account types do not implement `Debug`; the kind and address are what a log
    // needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexEvent::Job { address, slot, .. } => write!(f, "Job({address}, slot {slot:?})"),
            IndexEvent::JobLeft { address, last, .. } => {
                write!(f, "JobLeft({address}, ended: {})", last.is_some())
            }
            IndexEvent::JobActivity { job } => write!(f, "JobActivity({job})"),
            IndexEvent::Worker { address, .. } => write!(f, "Worker({address})"),
            IndexEvent::WorkerClosed { address } => write!(f, "WorkerClosed({address})"),
            IndexEvent::Config(_) => f.write_str("Config"),
            IndexEvent::Resynced => f.write_str("Resynced"),
        }
    }
}

#[derive(Default)]
struct State {
    config: Option<GlobalConfig>,
    jobs: HashMap<Address, Job>,
    workers: HashMap<Address, WorkerStake>,
    /// Newest slot seen (notifications, loads).
    slot: u64,
    /// The last load succeeded (and none failed since).
    synced: bool,
    loads: u64,
}

/// The live picture (see the module documentation). Cheap to read from any thread.
pub struct ChainIndex {
    config: IndexConfig,
    state: RwLock<State>,
    events: broadcast::Sender<IndexEvent>,
    /// Bumped after every applied change and every load: a reader can wait on it.
    revision: watch::Sender<u64>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl ChainIndex {
    /// Subscribes, loads what the index keeps once subscribed (so nothing changed in between is
    /// lost), and returns; then follows the subscription until `cancel`. If the first load
    /// cannot reach the chain, the index starts empty, [`is_synced`](Self::is_synced) is false,
    /// and it tries again (every `poll_interval`, backing off) until it succeeds. Needs a tokio
    /// runtime.
    pub async fn start<B: ChainBackend>(
        client: EdgerunClient<B>,
        config: IndexConfig,
        cancel: CancellationToken,
    ) -> Arc<ChainIndex> {
        let (sender, mut updates) = mpsc::channel(config.subscription.channel_capacity.max(1));
        let subscriptions = subscription_configs(&config);
        let subscription_count = subscriptions.len();
        let watching = cancel.child_token();
        let watchers: Vec<JoinHandle<()>> = subscriptions
            .into_iter()
            .map(|subscription| client.subscribe_into(subscription, sender.clone(), watching.clone()))
            .collect();
        drop(sender);
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let index = Arc::new(ChainIndex {
            config,
            state: RwLock::new(State::default()),
            events,
            revision: watch::Sender::new(0),
            task: Mutex::new(None),
        });
        // The first load waits for every subscription to be in place (its first Resync, at once
        // while polling); what they bring before that is applied first.
        let first_wait = index.config.subscription.connect_timeout + index.config.subscription.poll_interval;
        let waited = tokio::time::timeout(first_wait, async {
            let mut in_place = 0usize;
            while let Some(update) = updates.recv().await {
                if matches!(update, AccountUpdate::Resync { .. }) {
                    in_place += 1;
                    if in_place >= subscription_count {
                        return true;
                    }
                } else {
                    index.apply(update);
                }
            }
            false
        })
        .await;
        if !matches!(waited, Ok(true)) {
            tracing::warn!("the index's subscription is not in place yet; loading anyway");
        }
        let mut failures = 0u32;
        if !index.load(&client).await {
            failures = 1;
        }
        let follower = Follower { index: Arc::clone(&index), client, updates, cancel, watching, watchers, failures };
        *index.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(tokio::spawn(follower.run()));
        index
    }

    /// Waits until the index stopped following (after its token was cancelled).
    pub async fn join(&self) {
        let task = self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(task) = task {
            if let Err(error) = task.await {
                tracing::error!(%error, "the chain index's task failed");
            }
        }
    }

    /// What the index keeps.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // Every update of the state is complete before the lock is released; a panic elsewhere
        // cannot leave it half-written.
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ----- reads -----

    /// Changes from now on. A receiver that lags (`RecvError::Lagged`) missed some: re-read.
    pub fn events(&self) -> broadcast::Receiver<IndexEvent> {
        self.events.subscribe()
    }

    /// A counter bumped at every change and load, to wait for "anything changed".
    pub fn revision(&self) -> watch::Receiver<u64> {
        self.revision.subscribe()
    }

    /// Whether the last load reached the chain (false before the first, and after a failed one
    /// until the next succeeds).
    pub fn is_synced(&self) -> bool {
        self.read().synced
    }

    /// Successful loads so far (the start's included).
    pub fn loads(&self) -> u64 {
        self.read().loads
    }

    /// The newest slot the index saw (a notification's or a load's); 0 before any.
    pub fn slot(&self) -> u64 {
        self.read().slot
    }

    /// The protocol config (`None` when not kept, or not initialized).
    pub fn global_config(&self) -> Option<GlobalConfig> {
        self.read().config
    }

    /// The kept job at `address`.
    pub fn job(&self, address: &Address) -> Option<Job> {
        self.read().jobs.get(address).copied()
    }

    /// The kept job `job_id`.
    pub fn job_by_id(&self, job_id: &[u8; 32]) -> Option<Job> {
        self.job(&pda::job_address(job_id))
    }

    /// Every kept job.
    pub fn jobs(&self) -> Vec<(Address, Job)> {
        self.read().jobs.iter().map(|(address, job)| (*address, *job)).collect()
    }

    /// Kept jobs for which `keep` holds.
    pub fn jobs_where(&self, mut keep: impl FnMut(&Job) -> bool) -> Vec<(Address, Job)> {
        self.read().jobs.iter().filter(|(_, job)| keep(job)).map(|(address, job)| (*address, *job)).collect()
    }

    /// Kept jobs in `status`.
    pub fn jobs_in(&self, status: JobStatus) -> Vec<(Address, Job)> {
        self.jobs_where(|job| job.status() == Ok(status))
    }

    /// Kept jobs whose committee has `worker`.
    pub fn jobs_of_worker(&self, worker: &Address) -> Vec<(Address, Job)> {
        self.jobs_where(|job| committee(job).contains(worker))
    }

    /// Number of kept jobs.
    pub fn job_count(&self) -> usize {
        self.read().jobs.len()
    }

    /// Every registered worker's stake account (address, stake).
    pub fn workers(&self) -> Vec<(Address, WorkerStake)> {
        self.read().workers.iter().map(|(address, stake)| (*address, *stake)).collect()
    }

    /// The stake of the worker whose key is `worker`.
    pub fn worker(&self, worker: &Address) -> Option<WorkerStake> {
        self.read().workers.get(&pda::worker_stake_address(worker)).copied()
    }

    // ----- following -----

    fn keeps(&self, job: &Job) -> bool {
        let in_status = job.status().is_ok_and(|status| self.config.job_statuses.contains(&status));
        in_status && self.config.member.is_none_or(|member| committee(job).contains(&member))
    }

    fn keeps_workers(&self) -> bool {
        self.config.member.is_none()
    }

    fn emit(&self, event: IndexEvent) {
        // No receiver is not an error: nobody listens yet.
        let _ = self.events.send(event);
    }

    fn bump(&self) {
        self.revision.send_modify(|revision| *revision = revision.wrapping_add(1));
    }

    /// Applies one notification to the picture and tells the readers.
    fn apply(&self, update: AccountUpdate) {
        let event = match update {
            AccountUpdate::Resync { .. } => return,
            AccountUpdate::Changed { address, account, slot, .. } => {
                let mut state = self.write();
                if let Some(slot) = slot {
                    state.slot = state.slot.max(slot);
                }
                match *account {
                    EdgerunAccount::Job(job) => {
                        if self.keeps(&job) {
                            match state.jobs.insert(address, job) {
                                Some(known) if bytemuck::bytes_of(&known) == bytemuck::bytes_of(&job) => None,
                                _ => Some(IndexEvent::Job { address, job: Box::new(job), slot }),
                            }
                        } else {
                            state.jobs.remove(&address).map(|_| IndexEvent::JobLeft {
                                address,
                                job_id: job.job_id,
                                last: Some(Box::new(job)),
                            })
                        }
                    }
                    EdgerunAccount::WorkerStake(stake) if self.keeps_workers() => {
                        match state.workers.insert(address, stake) {
                            Some(known) if bytemuck::bytes_of(&known) == bytemuck::bytes_of(&stake) => None,
                            _ => Some(IndexEvent::Worker { address, stake: Box::new(stake) }),
                        }
                    }
                    EdgerunAccount::GlobalConfig(config) if self.keeps_workers() => {
                        let changed =
                            state.config.is_none_or(|known| bytemuck::bytes_of(&known) != bytemuck::bytes_of(&config));
                        state.config = Some(config);
                        changed.then(|| IndexEvent::Config(Box::new(config)))
                    }
                    EdgerunAccount::JobResult(result) => {
                        let job = pda::job_address(&result.job_id);
                        state.jobs.contains_key(&job).then_some(IndexEvent::JobActivity { job })
                    }
                    EdgerunAccount::OutputAvailability(output) => {
                        let job = pda::job_address(&output.job_id);
                        state.jobs.contains_key(&job).then_some(IndexEvent::JobActivity { job })
                    }
                    EdgerunAccount::WorkerStake(_) | EdgerunAccount::GlobalConfig(_) | EdgerunAccount::Treasury(_) => {
                        None
                    }
                }
            }
            AccountUpdate::Closed { address, .. } => {
                let mut state = self.write();
                if let Some(known) = state.jobs.remove(&address) {
                    Some(IndexEvent::JobLeft { address, job_id: known.job_id, last: None })
                } else if state.workers.remove(&address).is_some() {
                    Some(IndexEvent::WorkerClosed { address })
                } else {
                    None
                }
            }
        };
        if let Some(event) = event {
            self.emit(event);
            self.bump();
        }
    }

    /// Loads everything the index keeps with filtered queries and tells the readers what
    /// differs. False if the chain could not be read (the picture is left as it was).
    async fn load<B: ChainBackend>(&self, client: &EdgerunClient<B>) -> bool {
        match self.read_chain(client).await {
            Ok(loaded) => {
                self.replace(client, loaded).await;
                true
            }
            Err(error) => {
                tracing::warn!(%error, "the chain index cannot load from the chain; trying again");
                self.write().synced = false;
                false
            }
        }
    }

    async fn read_chain<B: ChainBackend>(&self, client: &EdgerunClient<B>) -> Result<Loaded, ClientError> {
        let slot = client.slot().await?;
        let (config, workers) = if self.keeps_workers() {
            (client.account::<GlobalConfig>(&pda::config_address()).await?, client.workers().await?)
        } else {
            (None, Vec::new())
        };
        let mut jobs: HashMap<Address, Job> = HashMap::new();
        for status in &self.config.job_statuses {
            let by_status = filters::job_status(*status);
            let queries: Vec<Vec<Memcmp>> = match &self.config.member {
                None => vec![vec![by_status]],
                Some(member) => (0..MAX_COMMITTEE_SIZE)
                    .map(|slot| vec![by_status.clone(), filters::job_assigned_worker(slot, member)])
                    .collect(),
            };
            for query in queries {
                for (address, job) in client.program_accounts::<Job>(&query).await? {
                    // The node filtered; a member slot beyond `assigned_count` is not a member.
                    if self.keeps(&job) {
                        jobs.insert(address, job);
                    }
                }
            }
        }
        Ok(Loaded { slot, config, workers, jobs })
    }

    /// Makes `loaded` the picture. Jobs known before and not listed now are read by address: the
    /// final state of those that ended, `None` for the closed ones.
    async fn replace<B: ChainBackend>(&self, client: &EdgerunClient<B>, loaded: Loaded) {
        let Loaded { slot, config, workers, mut jobs } = loaded;
        let vanished: Vec<(Address, [u8; 32])> = {
            let state = self.read();
            state
                .jobs
                .iter()
                .filter(|(address, _)| !jobs.contains_key(*address))
                .map(|(address, job)| (*address, job.job_id))
                .collect()
        };
        let mut left: Vec<(Address, [u8; 32], Option<Job>)> = Vec::new();
        for chunk in vanished.chunks(MULTIPLE_ACCOUNTS_CHUNK) {
            let addresses: Vec<Address> = chunk.iter().map(|(address, _)| *address).collect();
            match client.backend().get_multiple_accounts(&addresses).await {
                Ok(accounts) => {
                    for ((address, job_id), account) in chunk.iter().zip(accounts) {
                        let job = account.and_then(|account| {
                            decode_account::<Job>(address, &account.owner, &account.data).ok().flatten()
                        });
                        match job {
                            // Listed a moment ago under another status, kept again now.
                            Some(job) if self.keeps(&job) => {
                                jobs.insert(*address, job);
                            }
                            other => left.push((*address, *job_id, other)),
                        }
                    }
                }
                Err(error) => {
                    // Gone from the live listing either way; its final state is unknown.
                    tracing::warn!(%error, "cannot read the final state of jobs that left the index");
                    left.extend(chunk.iter().map(|(address, job_id)| (*address, *job_id, None)));
                }
            }
        }
        let mut events: Vec<IndexEvent> = Vec::new();
        {
            let mut state = self.write();
            state.slot = state.slot.max(slot);
            if self.keeps_workers() {
                if let Some(config) = config {
                    if state.config.is_none_or(|known| bytemuck::bytes_of(&known) != bytemuck::bytes_of(&config)) {
                        events.push(IndexEvent::Config(Box::new(config)));
                    }
                }
                state.config = config;
                let listed: HashSet<Address> = workers.iter().map(|(address, _)| *address).collect();
                for address in state.workers.keys().filter(|address| !listed.contains(*address)) {
                    events.push(IndexEvent::WorkerClosed { address: *address });
                }
                let mut next: HashMap<Address, WorkerStake> = HashMap::with_capacity(workers.len());
                for (address, stake) in workers {
                    if state
                        .workers
                        .get(&address)
                        .is_none_or(|known| bytemuck::bytes_of(known) != bytemuck::bytes_of(&stake))
                    {
                        events.push(IndexEvent::Worker { address, stake: Box::new(stake) });
                    }
                    next.insert(address, stake);
                }
                state.workers = next;
            }
            for (address, job) in &jobs {
                if state.jobs.get(address).is_none_or(|known| bytemuck::bytes_of(known) != bytemuck::bytes_of(job)) {
                    events.push(IndexEvent::Job { address: *address, job: Box::new(*job), slot: None });
                }
            }
            for (address, job_id, last) in left {
                events.push(IndexEvent::JobLeft { address, job_id, last: last.map(Box::new) });
            }
            state.jobs = jobs;
            state.synced = true;
            state.loads += 1;
        }
        events.push(IndexEvent::Resynced);
        for event in events {
            self.emit(event);
        }
        self.bump();
    }
}

/// What one load read.
struct Loaded {
    slot: u64,
    config: Option<GlobalConfig>,
    workers: Vec<(Address, WorkerStake)>,
    jobs: HashMap<Address, Job>,
}

/// The subscriptions that feed the index: one to the whole program, or one per committee slot
/// filtered on the member.
fn subscription_configs(config: &IndexConfig) -> Vec<SubscriptionConfig> {
    let base = SubscriptionConfig { snapshot: Snapshot::Signal, filters: Vec::new(), ..config.subscription.clone() };
    match &config.member {
        None => vec![base],
        Some(member) => (0..MAX_COMMITTEE_SIZE)
            .map(|slot| SubscriptionConfig {
                filters: vec![filters::discriminator::<Job>(), filters::job_assigned_worker(slot, member)],
                ..base.clone()
            })
            .collect(),
    }
}

/// A job's committee, or none when its `assigned_count` is out of range (`Job::committee` would
/// panic on such an account: chain data is never trusted to be well-formed).
fn committee(job: &Job) -> &[Address] {
    job.assigned_workers.get(..usize::from(job.assigned_count)).unwrap_or_default()
}

/// The index's task: applies notifications, loads when asked to, retries failed loads.
struct Follower<B> {
    index: Arc<ChainIndex>,
    client: EdgerunClient<B>,
    updates: mpsc::Receiver<AccountUpdate>,
    cancel: CancellationToken,
    watching: CancellationToken,
    watchers: Vec<JoinHandle<()>>,
    /// Failed loads in a row.
    failures: u32,
}

impl<B: ChainBackend> Follower<B> {
    async fn run(mut self) {
        let poll = self.index.config.subscription.poll_interval.max(Duration::from_millis(10));
        let resync_every = self.index.config.resync_interval;
        let mut next_resync = resync_every.map(|every| tokio::time::Instant::now() + every);
        loop {
            // A failed load is tried again after a growing pause (2, 4, ... 64 polls).
            let retry_at =
                (self.failures > 0).then(|| tokio::time::Instant::now() + poll * (1u32 << self.failures.clamp(1, 6)));
            let wake = [retry_at, next_resync].into_iter().flatten().min();
            let load = tokio::select! {
                () = self.cancel.cancelled() => break,
                update = self.updates.recv() => match update {
                    Some(AccountUpdate::Resync { .. }) => {
                        if self.watchers.len() > 1 {
                            self.absorb_resyncs().await;
                        }
                        true
                    }
                    Some(update) => {
                        self.index.apply(update);
                        false
                    }
                    None => break,
                },
                () = sleep_until(wake) => true,
            };
            if load {
                if self.index.load(&self.client).await {
                    self.failures = 0;
                    next_resync = resync_every.map(|every| tokio::time::Instant::now() + every);
                } else {
                    self.failures = self.failures.saturating_add(1);
                }
            }
        }
        self.watching.cancel();
        drop(self.updates);
        for watcher in self.watchers {
            if let Err(error) = watcher.await {
                tracing::error!(%error, "a subscription of the chain index failed");
            }
        }
    }
}

impl<B> Follower<B> {
    /// After a Resync, the ones the other subscriptions send right behind it (a member index has
    /// one per committee slot, all re-subscribing or polling at about the same time): one load
    /// then covers them all. Other updates arriving meanwhile are applied in order.
    async fn absorb_resyncs(&mut self) {
        let until = tokio::time::Instant::now() + RESYNC_COALESCE;
        while let Ok(Some(update)) = tokio::time::timeout_at(until, self.updates.recv()).await {
            if !matches!(update, AccountUpdate::Resync { .. }) {
                self.index.apply(update);
            }
        }
    }
}

/// Sleeps until `at`; forever when `None`.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::UpdateSource;
    use edgerun::state::JobResult;

    /// An index that follows nothing: notifications are applied by hand, as the websocket would.
    fn detached(config: IndexConfig) -> ChainIndex {
        let (events, _) = broadcast::channel(64);
        ChainIndex {
            config,
            state: RwLock::new(State::default()),
            events,
            revision: watch::Sender::new(0),
            task: Mutex::new(None),
        }
    }

    fn job(id: u8, status: JobStatus, committee: &[Address]) -> Job {
        let mut job: Job = bytemuck::Zeroable::zeroed();
        job.job_id = [id; 32];
        job.set_status(status);
        job.assigned_workers[..committee.len()].copy_from_slice(committee);
        job.assigned_count = u8::try_from(committee.len()).unwrap();
        job
    }

    fn changed(account: EdgerunAccount, address: Address) -> AccountUpdate {
        AccountUpdate::Changed { address, account: Box::new(account), slot: Some(9), source: UpdateSource::Websocket }
    }

    fn drain(events: &mut broadcast::Receiver<IndexEvent>) -> Vec<IndexEvent> {
        std::iter::from_fn(|| events.try_recv().ok()).collect()
    }

    #[test]
    fn notifications_add_change_and_drop_jobs() {
        let index = detached(IndexConfig::default());
        let mut events = index.events();
        let address = pda::job_address(&[1; 32]);
        let posted = job(1, JobStatus::Posted, &[]);

        index.apply(changed(EdgerunAccount::Job(posted), address));
        assert!(index.job(&address).is_some());
        assert_eq!(index.slot(), 9);
        assert!(matches!(drain(&mut events)[..], [IndexEvent::Job { .. }]));
        // The same content again (a lamports-only change) tells nobody.
        index.apply(changed(EdgerunAccount::Job(posted), address));
        assert!(drain(&mut events).is_empty());

        // A result of a kept job is activity on it; of another job, nothing.
        let mut result: JobResult = bytemuck::Zeroable::zeroed();
        result.job_id = [1; 32];
        index.apply(changed(EdgerunAccount::JobResult(result), Address::new_unique()));
        result.job_id = [2; 32];
        index.apply(changed(EdgerunAccount::JobResult(result), Address::new_unique()));
        assert!(matches!(drain(&mut events)[..], [IndexEvent::JobActivity { job }] if job == address));

        // Ended: dropped at once, its final state told.
        index.apply(changed(EdgerunAccount::Job(job(1, JobStatus::Finalized, &[])), address));
        assert!(index.job(&address).is_none());
        match &drain(&mut events)[..] {
            [IndexEvent::JobLeft { last: Some(last), .. }] => assert_eq!(last.status(), Ok(JobStatus::Finalized)),
            other => panic!("{other:?}"),
        }
        // An ended job it never kept is not added.
        let other = pda::job_address(&[3; 32]);
        index.apply(changed(EdgerunAccount::Job(job(3, JobStatus::Cancelled, &[])), other));
        assert_eq!(index.job_count(), 0);
        assert!(drain(&mut events).is_empty());

        // Closed: dropped.
        index.apply(changed(EdgerunAccount::Job(posted), address));
        index.apply(AccountUpdate::Closed { address, source: UpdateSource::Websocket });
        assert_eq!(index.job_count(), 0);
        assert!(matches!(drain(&mut events)[..], [IndexEvent::Job { .. }, IndexEvent::JobLeft { last: None, .. }]));
    }

    #[test]
    fn a_member_index_keeps_that_workers_jobs_only_and_never_panics_on_a_malformed_committee() {
        let me = Address::new_unique();
        let index = detached(IndexConfig {
            job_statuses: vec![JobStatus::Assigned],
            member: Some(me),
            ..IndexConfig::default()
        });
        let mine = pda::job_address(&[1; 32]);
        index.apply(changed(EdgerunAccount::Job(job(1, JobStatus::Assigned, &[Address::new_unique(), me])), mine));
        let theirs = pda::job_address(&[2; 32]);
        index.apply(changed(EdgerunAccount::Job(job(2, JobStatus::Assigned, &[Address::new_unique()])), theirs));
        let mut malformed = job(3, JobStatus::Assigned, &[me]);
        malformed.assigned_count = 200;
        index.apply(changed(EdgerunAccount::Job(malformed), pda::job_address(&[3; 32])));
        assert_eq!(index.jobs().into_iter().map(|(address, _)| address).collect::<Vec<_>>(), [mine]);
        // Replaced out of the committee: no longer this worker's.
        index.apply(changed(EdgerunAccount::Job(job(1, JobStatus::Assigned, &[Address::new_unique()])), mine));
        assert_eq!(index.job_count(), 0);
    }

    #[test]
    fn workers_and_the_config_are_followed() {
        let index = detached(IndexConfig::default());
        let mut events = index.events();
        let key = Address::new_unique();
        let address = pda::worker_stake_address(&key);
        let mut stake: WorkerStake = bytemuck::Zeroable::zeroed();
        stake.worker = key;
        index.apply(changed(EdgerunAccount::WorkerStake(stake), address));
        assert!(index.worker(&key).is_some());
        let config: GlobalConfig = bytemuck::Zeroable::zeroed();
        index.apply(changed(EdgerunAccount::GlobalConfig(config), pda::config_address()));
        assert!(index.global_config().is_some());
        index.apply(AccountUpdate::Closed { address, source: UpdateSource::Poll });
        assert!(index.workers().is_empty());
        assert!(matches!(
            drain(&mut events)[..],
            [IndexEvent::Worker { .. }, IndexEvent::Config(_), IndexEvent::WorkerClosed { .. }]
        ));
    }
}
