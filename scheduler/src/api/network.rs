//! `GET /v1/network` (the network at a glance: jobs per stage, jobs finalized per minute, the
//! treasury, the workers' totals, RPC and gateway health) and `GET /v1/events` (every job
//! change, network-wide, as server-sent events) — what the dashboard shows, for any client.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::Method;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Json, Router};
use edgerun::state::{Job, JobStatus};
use edgerun_crank::view::status_label;
use edgerun_sdk::client::{ChainBackend, ClientError};
use edgerun_sdk::pda;
use futures::Stream;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use super::error::ApiError;
use super::jobs::job_view;
use super::AppState;
use crate::engine::JobChange;

/// What these routes read: the API's state, the scheduler's own measure of the slot time, and
/// the last probe of the cluster, the gateway and the treasury (shared by every caller).
pub struct NetworkState<B: ChainBackend> {
    app: AppState<B>,
    clock: Arc<SlotClock>,
    probe: Arc<NetworkProbe>,
    feed: Arc<NetworkFeed>,
}

impl<B: ChainBackend> Clone for NetworkState<B> {
    fn clone(&self) -> Self {
        NetworkState {
            app: self.app.clone(),
            clock: Arc::clone(&self.clock),
            probe: Arc::clone(&self.probe),
            feed: Arc::clone(&self.feed),
        }
    }
}

/// How long one probe of the cluster, the gateway and the treasury serves every `/v1/network`
/// request: a stranger polling it costs the cluster at most one slot, treasury and balance read
/// (and the gateway one health check) per this period, whatever the number of callers.
pub const PROBE_TTL: Duration = Duration::from_secs(2);

/// What one probe read.
#[derive(Clone)]
struct Probed {
    slot: u64,
    rpc_latency_ms: u64,
    ms_per_slot: f64,
    measured: bool,
    gateway: Arc<ServiceHealth>,
    treasury: TreasuryTotals,
}

#[derive(Clone, Copy)]
struct TreasuryTotals {
    fees: u64,
    slashes: u64,
    penalties: u64,
    withdrawn: u64,
    balance: u64,
}

/// The last probe, shared for [`PROBE_TTL`] (a failed probe too: its error answered again).
type NetworkProbe = super::SharedProbe<Result<Probed, ApiError>>;

/// Reads the slot (the RPC's health and latency), the gateway's health and the treasury.
async fn probe<B: ChainBackend>(state: &NetworkState<B>) -> Result<Probed, ApiError> {
    let chain = state.app.engine.client();
    let started = Instant::now();
    let slot = tokio::time::timeout(PROBE_TIMEOUT, chain.slot()).await;
    let rpc_latency_ms = elapsed_ms(started);
    let slot = match slot {
        Ok(Ok(slot)) => slot,
        Ok(Err(error)) => return Err(ApiError::chain(error)),
        Err(_) => {
            return Err(ApiError::chain(ClientError::Transport {
                attempts: 1,
                message: format!("no slot within {}s", PROBE_TIMEOUT.as_secs()),
            }))
        }
    };
    let (ms_per_slot, measured) = state.clock.observe(Instant::now(), slot);

    let started = Instant::now();
    let gateway = state.app.storage.health(PROBE_TIMEOUT).await;
    let gateway = ServiceHealth {
        ok: gateway.is_ok(),
        url: Some(state.app.storage_url.clone()),
        latency_ms: elapsed_ms(started),
        error: gateway.err().map(|error| error.to_string()),
    };

    let treasury = chain.treasury().await.map_err(ApiError::chain)?;
    let balance = chain.balance(&pda::treasury_address()).await.map_err(ApiError::chain)?;
    Ok(Probed {
        slot,
        rpc_latency_ms,
        ms_per_slot,
        measured,
        gateway: Arc::new(gateway),
        treasury: TreasuryTotals {
            fees: treasury.fees_collected.get(),
            slashes: treasury.slashes_collected.get(),
            penalties: treasury.penalties_collected.get(),
            withdrawn: treasury.withdrawn.get(),
            balance,
        },
    })
}

/// `/v1/network` and `/v1/events`, on their own state.
pub(super) fn api_routes<B: ChainBackend>() -> super::Routes<NetworkState<B>> {
    super::Routes::new().on(Method::GET, "/v1/network", network::<B>).on(Method::GET, "/v1/events", events::<B>)
}

/// [`api_routes`] with their state (the slot clock lives as long as the server).
pub fn routes<B: ChainBackend>(app: AppState<B>) -> Router {
    let state = NetworkState {
        app,
        clock: Arc::new(SlotClock::default()),
        probe: Arc::new(NetworkProbe::new(PROBE_TTL)),
        feed: Arc::new(NetworkFeed::default()),
    };
    api_routes::<B>().into_router().with_state(state)
}

// ----- GET /v1/network -----

/// Minutes of history in `finalized_per_minute`.
pub const FINALIZED_HISTORY_MINUTES: usize = 10;

/// The cluster's nominal slot time, used until the scheduler has measured the real one.
const NOMINAL_MS_PER_SLOT: f64 = 400.0;

/// Longest a health probe waits for the cluster or the gateway.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkReport {
    /// The newest slot the scheduler saw (its index's, or the last probe's).
    pub slot: u64,
    pub rpc: ServiceHealth,
    pub gateway: ServiceHealth,
    /// Jobs on chain (ended jobs stay until closed after their retention window), as the
    /// scheduler's index has them.
    pub jobs_total: usize,
    /// Jobs on chain in each status, every status listed, in the order a job moves.
    pub jobs_by_status: Vec<StatusCount>,
    /// Jobs on chain finalized in each of the last minutes, oldest first, the last entry the
    /// current minute. Minutes are counted in slots at `ms_per_slot`.
    pub finalized_per_minute: Vec<u64>,
    /// The slot time used for `finalized_per_minute`.
    pub ms_per_slot: f64,
    /// Whether `ms_per_slot` was measured by this scheduler (else the nominal 400 ms).
    pub ms_per_slot_measured: bool,
    pub treasury: TreasuryReport,
    pub workers: WorkersSummary,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceHealth {
    pub ok: bool,
    /// Where it is (the gateway's URL; the RPC's is not published).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
    /// Why not, when it is not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: String,
    pub count: usize,
}

/// The treasury account's lifetime totals and its balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreasuryReport {
    pub address: String,
    /// Protocol fees and payout remainders received.
    pub fees_collected_lamports: u64,
    /// Slashes of wrong results received.
    pub slashes_collected_lamports: u64,
    /// Penalties of silent members received.
    pub penalties_collected_lamports: u64,
    /// Withdrawn by the admin.
    pub withdrawn_lamports: u64,
    /// Lamports held now (rent-exempt minimum included).
    pub balance_lamports: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkersSummary {
    pub registered: usize,
    /// Workers the scheduler would assign a job of the smallest lock now.
    pub eligible: usize,
    pub total_stake_lamports: u64,
    pub locked_stake_lamports: u64,
    pub rewards_earned_lamports: u64,
    pub slashed_lamports: u64,
    pub penalized_lamports: u64,
}

/// The network at a glance: jobs and workers from the scheduler's index in memory; the
/// cluster's slot, the gateway's health and the treasury from one probe shared by every caller
/// for 2 s. A request costs the cluster no listing.
#[utoipa::path(get, path = "/v1/network", responses(
    (status = 200, description = "The network", body = NetworkReport),
    (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
    (status = 503, description = "The cluster does not answer (`chain_unavailable`), or the scheduler has not read it yet (`not_loaded`)", body = super::ErrorResponse),
))]
pub async fn network<B: ChainBackend>(State(state): State<NetworkState<B>>) -> Result<Json<NetworkReport>, ApiError> {
    let engine = &state.app.engine;
    super::jobs::not_loaded(engine)?;
    let probed = state.probe.get(|| probe(&state)).await?;
    let slot = probed.slot.max(engine.slot());

    // From the engine's chain index (every job until closed, every worker): no listing.
    let jobs = engine.index().jobs();
    let stakes = engine.worker_stakes();
    let survey = engine
        .survey(&crate::eligibility::Seat::lock(engine.network().min_worker_stake_lamports.get()))
        .await
        .map_err(ApiError::chain)?;

    let slots_per_minute = 60_000.0 / probed.ms_per_slot;
    let sum = |value: fn(&edgerun::state::WorkerStake) -> u64| {
        stakes.iter().map(|(_, stake)| value(stake)).fold(0u64, u64::saturating_add)
    };
    let treasury = probed.treasury;
    Ok(Json(NetworkReport {
        slot,
        rpc: ServiceHealth { ok: true, url: None, latency_ms: probed.rpc_latency_ms, error: None },
        gateway: ServiceHealth::clone(&probed.gateway),
        jobs_total: jobs.len(),
        jobs_by_status: jobs_by_status(jobs.iter().map(|(_, job)| job)),
        finalized_per_minute: finalized_per_minute(jobs.iter().map(|(_, job)| job), slot, slots_per_minute),
        ms_per_slot: probed.ms_per_slot,
        ms_per_slot_measured: probed.measured,
        treasury: TreasuryReport {
            address: pda::treasury_address().to_string(),
            fees_collected_lamports: treasury.fees,
            slashes_collected_lamports: treasury.slashes,
            penalties_collected_lamports: treasury.penalties,
            withdrawn_lamports: treasury.withdrawn,
            balance_lamports: treasury.balance,
        },
        workers: WorkersSummary {
            registered: stakes.len(),
            eligible: survey.workers.iter().filter(|worker| worker.eligible).count(),
            total_stake_lamports: sum(|stake| stake.total_stake.get()),
            locked_stake_lamports: sum(|stake| stake.locked_stake.get()),
            rewards_earned_lamports: sum(|stake| stake.rewards_earned.get()),
            slashed_lamports: sum(|stake| stake.slashed_lamports.get()),
            penalized_lamports: sum(|stake| stake.penalized_lamports.get()),
        },
    }))
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Every status with its count, in the order a job moves.
pub fn jobs_by_status<'a>(jobs: impl Iterator<Item = &'a Job>) -> Vec<StatusCount> {
    let mut counts = [0usize; JobStatus::ALL.len()];
    for job in jobs {
        if let Ok(status) = job.status() {
            if let Some(index) = JobStatus::ALL.iter().position(|known| *known == status) {
                counts[index] += 1;
            }
        }
    }
    JobStatus::ALL
        .iter()
        .zip(counts)
        .map(|(status, count)| StatusCount { status: status_label(*status).to_string(), count })
        .collect()
}

/// Finalized jobs per minute over the last [`FINALIZED_HISTORY_MINUTES`], oldest first: a job
/// counts in the minute its `ended_slot` falls in, counting back from `slot`.
pub fn finalized_per_minute<'a>(jobs: impl Iterator<Item = &'a Job>, slot: u64, slots_per_minute: f64) -> Vec<u64> {
    let mut minutes = vec![0u64; FINALIZED_HISTORY_MINUTES];
    if !(slots_per_minute.is_finite() && slots_per_minute > 0.0) {
        return minutes;
    }
    for job in jobs {
        if job.status() != Ok(JobStatus::Finalized) {
            continue;
        }
        let age = slot.saturating_sub(job.ended_slot.get()) as f64 / slots_per_minute;
        let minute = age.floor() as usize;
        if minute < FINALIZED_HISTORY_MINUTES {
            minutes[FINALIZED_HISTORY_MINUTES - 1 - minute] += 1;
        }
    }
    minutes
}

/// The cluster's slot time as this scheduler sees it: slots over wall time between its oldest
/// and newest sighting of the slot within the last few minutes. A local network and a public
/// cluster differ, and a slot carries no timestamp the API could read.
#[derive(Default)]
pub struct SlotClock {
    samples: Mutex<VecDeque<(Instant, u64)>>,
}

impl SlotClock {
    /// Sightings older than this are dropped (the rate follows the cluster's recent pace).
    const WINDOW: Duration = Duration::from_secs(300);
    /// Shorter spans measure too coarsely (a slot is a few hundred milliseconds).
    const MIN_SPAN: Duration = Duration::from_secs(5);
    const MAX_SAMPLES: usize = 600;

    /// Records `slot` seen at `now`; answers the milliseconds per slot and whether it was
    /// measured (else nominal).
    pub fn observe(&self, now: Instant, slot: u64) -> (f64, bool) {
        let mut samples = self.samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A slot going back means another cluster (or a reset local one): start over.
        if samples.back().is_some_and(|(_, last)| *last > slot) {
            samples.clear();
        }
        while samples.front().is_some_and(|(seen, _)| now.duration_since(*seen) > Self::WINDOW) {
            samples.pop_front();
        }
        if samples.len() >= Self::MAX_SAMPLES {
            samples.pop_front();
        }
        samples.push_back((now, slot));
        let (first_seen, first_slot) = samples[0];
        let span = now.duration_since(first_seen);
        let slots = slot.saturating_sub(first_slot);
        if span >= Self::MIN_SPAN && slots > 0 {
            (span.as_secs_f64() * 1000.0 / slots as f64, true)
        } else {
            (NOMINAL_MS_PER_SLOT, false)
        }
    }
}

// ----- GET /v1/events -----

/// Changes arriving this soon after one another go out together (one view per job).
const COALESCE: Duration = Duration::from_millis(100);
/// Between two `slot` events (the client's sign of life and its cue to refresh totals).
const TICK: Duration = Duration::from_secs(5);

/// Server-sent events of every job on the network: `job` (its view, as `GET /v1/jobs/{id}`)
/// at every change, `closed` (its id) when its account is closed, `resync` when changes were
/// missed (re-read the list), `slot` (the cluster's slot) every few seconds. Ends at shutdown.
#[utoipa::path(get, path = "/v1/events", responses(
    (status = 200, description = "Server-sent events, one feed shared by every viewer: `job` (a JobView as JSON), `closed` (a job id), `resync` (changes were missed: re-read the list), `slot` (the cluster's slot)",
        body = NetworkStreamEvent, content_type = "text/event-stream", example = json!({"event": "slot", "data": "4242"})),
    (status = 503, description = "`too_many_streams`: the scheduler's cap on open event streams is reached; retry after `Retry-After`", body = super::ErrorResponse),
))]
pub async fn events<B: ChainBackend>(
    State(state): State<NetworkState<B>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let permit = state.app.feeds.admit()?;
    let receiver = state.feed.subscribe(&state.app);
    let stream = futures::stream::unfold((receiver, permit), |(mut receiver, permit)| async move {
        let event = match receiver.recv().await {
            Ok(FeedEvent { kind, data }) => Event::default().event(kind).data(data.as_str()),
            // This viewer fell behind the shared feed: it re-reads what it shows.
            Err(RecvError::Lagged(_)) => Event::default().event("resync").data("changes were missed"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), (receiver, permit)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One event of `GET /v1/events`, as its `event:` and `data:` lines carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkStreamEvent {
    pub event: NetworkStreamEventName,
    /// `job`: the job's view (`JobView`) as JSON; `closed`: the job id; `resync`: a sentence;
    /// `slot`: the cluster's slot.
    pub data: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkStreamEventName {
    Job,
    Closed,
    Resync,
    Slot,
}

/// One `/v1/events` event, as every viewer receives it.
#[derive(Clone)]
struct FeedEvent {
    kind: &'static str,
    data: Arc<String>,
}

/// The one producer behind every `/v1/events` stream: each job change is turned into a view
/// once, whatever the number of viewers (a view reads the committee's results and block times:
/// per viewer, 200 viewers cost the cluster 200 times that). Started by the first viewer,
/// stopped when the last one leaves.
#[derive(Default)]
struct NetworkFeed {
    sender: Mutex<Option<tokio::sync::broadcast::Sender<FeedEvent>>>,
}

/// Events buffered for a viewer before it lags (and is told to resync).
const FEED_CAPACITY: usize = 1024;

impl NetworkFeed {
    fn subscribe<B: ChainBackend>(&self, app: &AppState<B>) -> tokio::sync::broadcast::Receiver<FeedEvent> {
        let mut sender = self.sender.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(running) = sender.as_ref().filter(|sender| sender.receiver_count() > 0) {
            return running.subscribe();
        }
        let (events, receiver) = tokio::sync::broadcast::channel(FEED_CAPACITY);
        *sender = Some(events.clone());
        tokio::spawn(produce(Arc::clone(&app.engine), app.shutdown.clone(), events));
        receiver
    }
}

/// Sends every job change (coalesced per job over [`COALESCE`]) and the slot every [`TICK`] to
/// `events` until no viewer is left, the engine stops or the scheduler shuts down.
async fn produce<B: ChainBackend>(
    engine: Arc<crate::engine::Engine<B>>,
    shutdown: tokio_util::sync::CancellationToken,
    events: tokio::sync::broadcast::Sender<FeedEvent>,
) {
    let mut changes = engine.changes();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let send = |kind: &'static str, data: String| events.send(FeedEvent { kind, data: Arc::new(data) }).is_ok();
    loop {
        let first = tokio::select! {
            change = changes.recv() => change,
            _ = ticker.tick() => {
                // The engine's newest slot (its index and its reconcile): no request per stream.
                let slot = engine.slot();
                if events.receiver_count() == 0 || (slot > 0 && !send("slot", slot.to_string())) {
                    return;
                }
                continue;
            }
            () = shutdown.cancelled() => return,
        };
        // This change and those right behind it, the latest per job.
        let mut batch: Vec<JobChange> = Vec::new();
        let mut missed = false;
        let mut add = |change: Result<JobChange, RecvError>, batch: &mut Vec<JobChange>| match change {
            Ok(change) => {
                batch.retain(|known| known.job_id != change.job_id);
                batch.push(change);
                true
            }
            Err(RecvError::Lagged(_)) => {
                missed = true;
                true
            }
            Err(RecvError::Closed) => false,
        };
        let mut open = add(first, &mut batch);
        let until = tokio::time::Instant::now() + COALESCE;
        while open {
            match tokio::time::timeout_at(until, changes.recv()).await {
                Ok(change) => open = add(change, &mut batch),
                Err(_) => break,
            }
        }
        if events.receiver_count() == 0 {
            return;
        }
        if missed && !send("resync", "changes were missed".into()) {
            return;
        }
        for change in batch {
            let sent = match change.job {
                None => send("closed", hex::encode(change.job_id)),
                Some(job) => match job_view(&engine, &job).await {
                    Ok(view) => send("job", serde_json::to_string(&view).unwrap_or_default()),
                    Err(error) => {
                        tracing::debug!(job = %hex::encode(change.job_id), %error, "no view for an event");
                        true
                    }
                },
            };
            if !sent {
                return;
            }
        }
        if !open {
            // The engine stopped: the streams end with it.
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, ended_slot: u64) -> Job {
        let mut job: Job = bytemuck::Zeroable::zeroed();
        job.status = status as u8;
        job.ended_slot = ended_slot.into();
        job
    }

    #[test]
    fn every_status_is_counted_in_the_order_a_job_moves() {
        let jobs = [job(JobStatus::Assigned, 0), job(JobStatus::Finalized, 5), job(JobStatus::Assigned, 0)];
        let counts = jobs_by_status(jobs.iter());
        let named: Vec<(&str, usize)> = counts.iter().map(|entry| (entry.status.as_str(), entry.count)).collect();
        assert_eq!(
            named,
            [
                ("posted", 0),
                ("seeded", 0),
                ("assigned", 2),
                ("quorum_reached", 0),
                ("awaiting_da", 0),
                ("finalized", 1),
                ("cancelled", 0),
                ("slashed", 0)
            ]
        );
    }

    #[test]
    fn a_finalized_job_counts_in_the_minute_of_its_ended_slot() {
        // 150 slots a minute (400 ms); now is slot 10_000.
        let jobs = [
            job(JobStatus::Finalized, 10_000),               // this minute
            job(JobStatus::Finalized, 9_851),                // this minute (149 slots ago)
            job(JobStatus::Finalized, 9_850),                // a minute ago
            job(JobStatus::Finalized, 10_000 - 150 * 9 - 1), // the oldest minute shown
            job(JobStatus::Finalized, 10_000 - 150 * 10),    // too old
            job(JobStatus::Cancelled, 10_000),               // not finalized
        ];
        let minutes = finalized_per_minute(jobs.iter(), 10_000, 150.0);
        assert_eq!(minutes, [1, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(finalized_per_minute(jobs.iter(), 10_000, 0.0), [0; FINALIZED_HISTORY_MINUTES]);
    }

    #[test]
    fn the_slot_clock_is_nominal_until_it_has_seen_enough_then_measures() {
        let clock = SlotClock::default();
        let start = Instant::now();
        assert_eq!(clock.observe(start, 100), (NOMINAL_MS_PER_SLOT, false));
        assert_eq!(clock.observe(start + Duration::from_secs(2), 110), (NOMINAL_MS_PER_SLOT, false));
        let (ms, measured) = clock.observe(start + Duration::from_secs(10), 150);
        assert!(measured);
        assert!((ms - 200.0).abs() < 1e-9, "{ms}");
        // A slot going back (a new local network) starts over.
        assert_eq!(clock.observe(start + Duration::from_secs(11), 3), (NOMINAL_MS_PER_SLOT, false));
    }
}
