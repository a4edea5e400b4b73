//! Webhooks: a job's stage changes POSTed to the URLs its customer registered.
//!
//! Why here: the scheduler already follows every job through its chain index, so a delivery
//! costs the cluster nothing; a customer's server learns of `finalized` without holding an event
//! stream open or polling. The wire contract (registration message, body, HMAC signature) is
//! `edgerun_sdk::webhook`; this module keeps the registrations and delivers.
//!
//! - **Who may register**: the job's customer only (an Ed25519 signature by `Job::client`,
//!   checked by the API). At most [`WebhookConfig::max_per_job`] per job and
//!   [`WebhookConfig::max_registrations`] in all: what one customer can make the scheduler send
//!   is bounded by the jobs they paid for.
//! - **Where it may send**: `http`/`https` URLs whose host resolves to public addresses only
//!   (loopback, private, link-local and the like are refused, at registration and again at every
//!   connection through the resolver, so a DNS answer that changes cannot point a delivery
//!   inward), no redirects followed. `--webhook-allow-private` lifts the address rule for a local
//!   network.
//! - **Delivery**: one event per stage a registration has not been told yet, in order, one at a
//!   time per registration (a registration's queue never holds more than the job's few stages).
//!   An attempt that fails in transport or answers 408, 429 or 5xx is retried with exponential
//!   backoff (1 s doubling to 1 min, jittered) for [`WebhookConfig::retry_for`]; any other 4xx is
//!   the receiver's refusal and is not retried. Attempts across all registrations are bounded
//!   ([`WebhookConfig::max_in_flight`]). After the last stage (`finalized`, `cancelled`, `closed`)
//!   the registration is forgotten.
//! - **Restarts**: with a store directory, each registration is a file (mode 600: it holds the
//!   secret) that records the last stage delivered; at start every stored registration is told
//!   the stage its job has now if it differs (the index has it). Without a store, registrations
//!   live as long as the process (the flag's help says so).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use edgerun::state::{Job, JobStatus};
use edgerun_sdk::webhook::{self as contract, WebhookCreated, WebhookEvent};
use prometheus::core::Collector;
use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::engine::JobChange;

/// What the webhooks may do.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Registrations one job may have.
    pub max_per_job: usize,
    /// Registrations at once, all jobs together.
    pub max_registrations: usize,
    /// How long one event is retried before it is given up.
    pub retry_for: Duration,
    /// One attempt's limit, connection to answer.
    pub attempt_timeout: Duration,
    /// Attempts in flight at once, all registrations together.
    pub max_in_flight: usize,
    /// Allow hosts on loopback and private networks (a local network's receivers).
    pub allow_private: bool,
    /// Where registrations are kept across restarts (one file each); `None`: in memory only.
    pub store: Option<PathBuf>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            max_per_job: 5,
            max_registrations: 10_000,
            retry_for: Duration::from_secs(10 * 60),
            attempt_timeout: Duration::from_secs(10),
            max_in_flight: 64,
            allow_private: false,
            store: None,
        }
    }
}

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    InvalidUrl(String),
    #[error("{0}")]
    UrlNotAllowed(String),
    #[error("this job has {0} webhooks, the most one job may have")]
    TooManyForJob(usize),
    #[error("the scheduler holds {0} webhooks, the most it keeps; try again when jobs have ended")]
    Full(usize),
    #[error("the registration could not be stored: {0}")]
    Store(std::io::Error),
}

/// The webhooks' metrics (registered in the scheduler's registry).
#[derive(Clone)]
struct WebhookMetrics {
    registrations: IntGauge,
    /// Attempts by outcome: `delivered`, `retried` (transport, 408, 429, 5xx), `refused` (any
    /// other 4xx: not retried), `given_up` (still failing after `retry_for`).
    attempts: IntCounterVec,
}

impl WebhookMetrics {
    fn new(registry: &Registry) -> Self {
        let registrations =
            IntGauge::new("webhooks", "Webhook registrations kept (jobs not ended)").expect("valid metric");
        let attempts = IntCounterVec::new(
            Opts::new("webhook_attempts_total", "Webhook delivery attempts by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        for outcome in ["delivered", "retried", "refused", "given_up"] {
            attempts.with_label_values(&[outcome]);
        }
        edgerun_service::metrics::register(
            registry,
            [Box::new(registrations.clone()) as Box<dyn Collector>, Box::new(attempts.clone())],
        );
        WebhookMetrics { registrations, attempts }
    }
}

/// A stage to tell a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stage {
    name: &'static str,
    slot: u64,
}

/// A job's stage as webhooks name it: its status, or `closed` once the account is gone.
pub fn stage_of(job: Option<&Job>) -> &'static str {
    match job {
        Some(job) => edgerun_crank::view::status_name(job),
        None => "closed",
    }
}

/// After these nothing more is sent.
fn is_last(stage: &str) -> bool {
    matches!(stage, "finalized" | "cancelled" | "slashed" | "closed")
}

/// One registration, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    id: String,
    job_id: String,
    url: String,
    secret: String,
    /// The last stage delivered (or given up on).
    delivered: Option<String>,
}

struct Registration {
    id: String,
    job_id: [u8; 32],
    url: url::Url,
    secret: [u8; 32],
    queue: mpsc::UnboundedSender<Stage>,
    /// The last stage queued for it: changes of the job within one stage are not sent.
    last_queued: Mutex<Option<&'static str>>,
    /// Cancelled when it is forgotten (or at shutdown): ends its delivery task.
    stop: CancellationToken,
}

impl Registration {
    /// Its file, naming `delivered` as the last stage delivered.
    fn stored(&self, delivered: Option<&str>) -> Stored {
        Stored {
            id: self.id.clone(),
            job_id: hex::encode(self.job_id),
            url: self.url.to_string(),
            secret: hex::encode(self.secret),
            delivered: delivered.map(str::to_string),
        }
    }

    /// Queues `stage` unless it is the last one queued.
    fn tell(&self, stage: Stage) {
        let mut last = self.last_queued.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last == Some(stage.name) {
            return;
        }
        *last = Some(stage.name);
        let _ = self.queue.send(stage);
    }
}

/// The registrations and their deliveries.
pub struct Webhooks {
    config: WebhookConfig,
    http: reqwest::Client,
    kept: Arc<Kept>,
    in_flight: Arc<Semaphore>,
    tasks: TaskTracker,
    cancel: CancellationToken,
}

/// The registrations, shared with their delivery tasks (which forget theirs after its last stage).
struct Kept {
    by_job: Mutex<HashMap<[u8; 32], Vec<Arc<Registration>>>>,
    store: Option<PathBuf>,
    metrics: WebhookMetrics,
}

impl Kept {
    fn by_job(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Vec<Arc<Registration>>>> {
        self.by_job.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets a registration whose last stage was sent, and its file.
    fn forget(&self, registration: &Registration) {
        registration.stop.cancel();
        let mut by_job = self.by_job();
        if let Some(list) = by_job.get_mut(&registration.job_id) {
            let before = list.len();
            list.retain(|other| other.id != registration.id);
            if list.len() < before {
                self.metrics.registrations.dec();
            }
            if list.is_empty() {
                by_job.remove(&registration.job_id);
            }
        }
        if let Some(store) = &self.store {
            let _ = std::fs::remove_file(store_path(store, &registration.id));
        }
    }
}

impl Webhooks {
    /// Registrations are delivered until `cancel`; the metrics go in `registry`. With a store,
    /// its stored registrations are loaded (call [`Webhooks::run`] to catch them up).
    pub fn new(config: WebhookConfig, registry: &Registry, cancel: CancellationToken) -> std::io::Result<Arc<Self>> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("edgerun-scheduler-webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.attempt_timeout)
            .timeout(config.attempt_timeout)
            .dns_resolver(Arc::new(CheckedResolver { allow_private: config.allow_private }))
            .build()
            .map_err(std::io::Error::other)?;
        if let Some(store) = &config.store {
            std::fs::create_dir_all(store)?;
        }
        let kept = Arc::new(Kept {
            by_job: Mutex::new(HashMap::new()),
            store: config.store.clone(),
            metrics: WebhookMetrics::new(registry),
        });
        let webhooks = Arc::new(Webhooks {
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            config,
            http,
            kept,
            tasks: TaskTracker::new(),
            cancel,
        });
        webhooks.load()?;
        Ok(webhooks)
    }

    fn by_job(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Vec<Arc<Registration>>>> {
        self.kept.by_job()
    }

    /// Registers `url` for `job` (the caller checked that the job's customer asked): answers its
    /// id and secret, and queues the job's stage now as the first delivery.
    pub async fn register(&self, job: &Job, slot: u64, url: &str) -> Result<WebhookCreated, Refusal> {
        let url = check_url(url, self.config.allow_private).await?;
        let mut secret = [0u8; 32];
        let mut id = [0u8; 16];
        {
            use rand::RngCore;
            let mut rng = rand::rngs::OsRng;
            rng.fill_bytes(&mut secret);
            rng.fill_bytes(&mut id);
        }
        let id = format!("wh_{}", hex::encode(id));
        // The caps are checked and the place taken under one lock; the file is written after, and
        // the place given back if it cannot be.
        let registration = self.start(id.clone(), job.job_id, url.clone(), secret, None, true)?;
        if let Err(error) = self.save(&registration.stored(None)) {
            self.kept.forget(&registration);
            return Err(Refusal::Store(error));
        }
        let stage = Stage { name: stage_of(Some(job)), slot };
        registration.tell(stage);
        Ok(WebhookCreated {
            id,
            job_id: hex::encode(job.job_id),
            url: url.to_string(),
            secret: hex::encode(secret),
            stage: stage.name.to_string(),
        })
    }

    /// Adds a registration (within the caps when `capped`) and starts its delivery task.
    fn start(
        &self,
        id: String,
        job_id: [u8; 32],
        url: url::Url,
        secret: [u8; 32],
        delivered: Option<&'static str>,
        capped: bool,
    ) -> Result<Arc<Registration>, Refusal> {
        let (queue, stages) = mpsc::unbounded_channel();
        let registration = Arc::new(Registration {
            id,
            job_id,
            url,
            secret,
            queue,
            last_queued: Mutex::new(delivered),
            stop: self.cancel.child_token(),
        });
        {
            let mut by_job = self.by_job();
            if capped {
                let total: usize = by_job.values().map(Vec::len).sum();
                if total >= self.config.max_registrations {
                    return Err(Refusal::Full(self.config.max_registrations));
                }
                if by_job.get(&job_id).map_or(0, Vec::len) >= self.config.max_per_job {
                    return Err(Refusal::TooManyForJob(self.config.max_per_job));
                }
            }
            by_job.entry(job_id).or_default().push(Arc::clone(&registration));
        }
        self.kept.metrics.registrations.inc();
        let deliverer = Deliverer {
            http: self.http.clone(),
            in_flight: Arc::clone(&self.in_flight),
            retry_for: self.config.retry_for,
            cancel: registration.stop.clone(),
            metrics: self.kept.metrics.clone(),
            store: self.config.store.clone(),
        };
        let task_registration = Arc::clone(&registration);
        let kept = Arc::clone(&self.kept);
        self.tasks.spawn(async move {
            if deliverer.run(&task_registration, stages, delivered).await {
                kept.forget(&task_registration);
            }
        });
        Ok(registration)
    }

    /// Tells the registrations of `job_id` the stage it is at now.
    pub fn observe(&self, job_id: &[u8; 32], job: Option<&Job>, slot: u64) {
        let registrations = match self.by_job().get(job_id) {
            Some(list) => list.clone(),
            None => return,
        };
        let stage = Stage { name: stage_of(job), slot };
        for registration in registrations {
            registration.tell(stage);
        }
    }

    /// Follows `changes` until cancelled, telling registrations their job's new stages; `lookup`
    /// reads a job from the scheduler's index (for the stored registrations at start, and after
    /// the change feed lagged). Ends once every delivery task has stopped.
    pub async fn run(
        self: Arc<Self>,
        mut changes: broadcast::Receiver<JobChange>,
        lookup: impl Fn(&[u8; 32]) -> (Option<Job>, u64) + Send + Sync,
    ) {
        self.catch_up(&lookup);
        loop {
            tokio::select! {
                () = self.cancel.cancelled() => break,
                change = changes.recv() => match change {
                    Ok(change) => {
                        let (_, slot) = lookup(&change.job_id);
                        self.observe(&change.job_id, change.job.as_deref(), slot);
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "webhooks fell behind the job changes; re-reading the registered jobs");
                        self.catch_up(&lookup);
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// Tells every registration its job's stage now.
    fn catch_up(&self, lookup: &impl Fn(&[u8; 32]) -> (Option<Job>, u64)) {
        let jobs: Vec<[u8; 32]> = self.by_job().keys().copied().collect();
        for job_id in jobs {
            let (job, slot) = lookup(&job_id);
            self.observe(&job_id, job.as_ref(), slot);
        }
    }

    fn save(&self, stored: &Stored) -> std::io::Result<()> {
        match &self.config.store {
            Some(store) => write_stored(store, stored),
            None => Ok(()),
        }
    }

    /// Loads the stored registrations (each starts from the stage it last delivered).
    fn load(self: &Arc<Self>) -> std::io::Result<()> {
        let Some(store) = self.config.store.clone() else { return Ok(()) };
        for entry in std::fs::read_dir(&store)? {
            let path = entry?.path();
            if path.extension().and_then(|ext| ext.to_str()) != Some("json") {
                continue;
            }
            let stored: Stored = match std::fs::read(&path)
                .map_err(|error| error.to_string())
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()))
            {
                Ok(stored) => stored,
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "skipping an unreadable webhook registration");
                    continue;
                }
            };
            let parsed = (|| {
                let job_id: [u8; 32] = hex::decode(&stored.job_id).ok()?.try_into().ok()?;
                let secret: [u8; 32] = hex::decode(&stored.secret).ok()?.try_into().ok()?;
                let url = url::Url::parse(&stored.url).ok()?;
                let delivered = match stored.delivered.as_deref() {
                    None => None,
                    Some(name) => Some(known_stage(name)?),
                };
                Some((job_id, secret, url, delivered))
            })();
            let Some((job_id, secret, url, delivered)) = parsed else {
                tracing::warn!(path = %path.display(), "skipping a malformed webhook registration");
                continue;
            };
            // Stored registrations were within the caps when made; a smaller cap now does not drop them.
            let _ = self.start(stored.id.clone(), job_id, url, secret, delivered, false);
        }
        Ok(())
    }
}

/// The stage names a store may hold, as the static names the code compares.
fn known_stage(name: &str) -> Option<&'static str> {
    JobStatus::ALL.into_iter().map(edgerun_crank::view::status_label).chain(["closed"]).find(|known| *known == name)
}

fn store_path(store: &Path, id: &str) -> PathBuf {
    store.join(format!("{id}.json"))
}

/// Writes a registration whole (a temporary file renamed over it), readable by the owner only.
fn write_stored(store: &Path, stored: &Stored) -> std::io::Result<()> {
    use std::io::Write;
    let path = store_path(store, &stored.id);
    let temporary = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(&serde_json::to_vec_pretty(stored).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path)
}

/// What a delivery task needs.
struct Deliverer {
    http: reqwest::Client,
    in_flight: Arc<Semaphore>,
    retry_for: Duration,
    cancel: CancellationToken,
    metrics: WebhookMetrics,
    store: Option<PathBuf>,
}

/// How one attempt went.
enum Attempt {
    Delivered,
    /// Transport failure, 408, 429 or 5xx.
    Retry(String),
    /// Any other answer: the receiver refused the event.
    Refused(u16),
}

impl Deliverer {
    /// Delivers the registration's stages in order: true after its last stage (the caller
    /// forgets it), false at shutdown.
    async fn run(
        &self,
        registration: &Arc<Registration>,
        mut stages: mpsc::UnboundedReceiver<Stage>,
        mut previous: Option<&'static str>,
    ) -> bool {
        loop {
            let stage = tokio::select! {
                () = self.cancel.cancelled() => return false,
                stage = stages.recv() => match stage { Some(stage) => stage, None => return false },
            };
            if !self.deliver(registration, stage, previous).await {
                return false; // shutdown mid-retry: the store still names the previous stage
            }
            previous = Some(stage.name);
            if is_last(stage.name) {
                return true;
            }
            if let Some(store) = &self.store {
                if let Err(error) = write_stored(store, &registration.stored(Some(stage.name))) {
                    tracing::warn!(webhook = %registration.id, %error, "could not record a delivery");
                }
            }
        }
    }

    /// Sends one event until it is delivered, refused or given up; false at shutdown.
    async fn deliver(&self, registration: &Registration, stage: Stage, previous: Option<&'static str>) -> bool {
        let job_id = hex::encode(registration.job_id);
        let event = WebhookEvent {
            kind: "job.stage".into(),
            delivery_id: format!("{}:{}", registration.id, stage.name),
            webhook_id: registration.id.clone(),
            job_id: job_id.clone(),
            job: edgerun_sdk::pda::job_address(&registration.job_id).to_string(),
            stage: stage.name.to_string(),
            previous_stage: previous.map(str::to_string),
            slot: stage.slot,
        };
        let body = serde_json::to_vec(&event).expect("the event serializes");
        let started = Instant::now();
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(60))
            .with_jitter()
            .without_max_times()
            .build();
        loop {
            let outcome = tokio::select! {
                () = self.cancel.cancelled() => return false,
                outcome = self.attempt(registration, &event.delivery_id, &body) => outcome,
            };
            match outcome {
                Attempt::Delivered => {
                    self.metrics.attempts.with_label_values(&["delivered"]).inc();
                    tracing::debug!(webhook = %registration.id, job = %job_id, stage = stage.name, "webhook delivered");
                    return true;
                }
                Attempt::Refused(status) => {
                    self.metrics.attempts.with_label_values(&["refused"]).inc();
                    tracing::warn!(webhook = %registration.id, job = %job_id, stage = stage.name, status, "the webhook's receiver refused the event; not retried");
                    return true;
                }
                Attempt::Retry(reason) => {
                    let delay = delays.next().unwrap_or(Duration::from_secs(60));
                    if started.elapsed() + delay > self.retry_for {
                        self.metrics.attempts.with_label_values(&["given_up"]).inc();
                        tracing::warn!(webhook = %registration.id, job = %job_id, stage = stage.name, %reason,
                            retried_for_s = started.elapsed().as_secs(), "webhook given up");
                        return true;
                    }
                    self.metrics.attempts.with_label_values(&["retried"]).inc();
                    tracing::debug!(webhook = %registration.id, stage = stage.name, %reason, delay_ms = delay.as_millis() as u64, "webhook attempt failed; retrying");
                    tokio::select! {
                        () = self.cancel.cancelled() => return false,
                        () = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    async fn attempt(&self, registration: &Registration, delivery_id: &str, body: &[u8]) -> Attempt {
        let Ok(_permit) = self.in_flight.acquire().await else { return Attempt::Retry("shutting down".into()) };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs() as i64);
        let response = self
            .http
            .post(registration.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(contract::WEBHOOK_ID_HEADER, &registration.id)
            .header(contract::DELIVERY_ID_HEADER, delivery_id)
            .header(contract::TIMESTAMP_HEADER, timestamp.to_string())
            .header(contract::SIGNATURE_HEADER, contract::sign(&registration.secret, timestamp, body))
            .body(body.to_vec())
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    Attempt::Delivered
                } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
                    Attempt::Retry(format!("HTTP {status}"))
                } else {
                    Attempt::Refused(status.as_u16())
                }
            }
            Err(error) => Attempt::Retry(error.without_url().to_string()),
        }
    }
}

/// Checks a registration's URL: `http`/`https`, a host, no credentials, at most
/// [`contract::MAX_URL_BYTES`], and (unless private hosts are allowed) a host that resolves to
/// public addresses only.
pub async fn check_url(url: &str, allow_private: bool) -> Result<url::Url, Refusal> {
    if url.len() > contract::MAX_URL_BYTES {
        return Err(Refusal::InvalidUrl(format!("the URL is longer than {} bytes", contract::MAX_URL_BYTES)));
    }
    let parsed = url::Url::parse(url).map_err(|error| Refusal::InvalidUrl(format!("not a URL: {error}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refusal::InvalidUrl("the scheme must be http or https".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::InvalidUrl("a user name or password in the URL is not accepted".into()));
    }
    let Some(host) = parsed.host() else { return Err(Refusal::InvalidUrl("the URL has no host".into())) };
    if allow_private {
        return Ok(parsed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|error| Refusal::UrlNotAllowed(format!("the host {name} does not resolve: {error}")))?
            .map(|address| address.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Refusal::UrlNotAllowed("the host resolves to no address".into()));
    }
    if let Some(inner) = addresses.iter().find(|ip| !is_public(**ip)) {
        return Err(Refusal::UrlNotAllowed(format!(
            "the host resolves to {inner}, a loopback, private or reserved address; webhooks go to public hosts only"
        )));
    }
    Ok(parsed)
}

/// Whether `ip` is on the public internet (not loopback, private, link-local, shared, reserved,
/// documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
        }
    }
}

/// The deliveries' resolver: the system's, keeping only public addresses (unless private hosts
/// are allowed), so what a delivery connects to is what was checked.
struct CheckedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| allow_private || is_public(address.ip()))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for inner in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(inner.parse().unwrap()), "{inner} must not count as public");
        }
        for public in ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(public.parse().unwrap()), "{public} is public");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_anything_is_kept() {
        for (url, bad) in [
            ("ftp://example.com/hook", "scheme"),
            ("not a url", "not a URL"),
            ("https://user:pw@example.com/hook", "password"),
            ("http://127.0.0.1:9/hook", "loopback"),
            ("http://[::1]:9/hook", "loopback"),
            ("http://169.254.169.254/latest/meta-data", "private"),
            ("http://localhost:9/hook", "loopback"),
        ] {
            let refusal = check_url(url, false).await.expect_err(url).to_string();
            assert!(refusal.contains(bad), "{url}: {refusal}");
        }
        let long = format!("https://example.com/{}", "a".repeat(contract::MAX_URL_BYTES));
        assert!(check_url(&long, false).await.is_err());
        // A local network allows its own hosts.
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        // A public literal address passes without any lookup.
        assert!(check_url("https://1.1.1.1/hook", false).await.is_ok());
    }

    #[test]
    fn every_stage_name_a_store_can_hold_is_known() {
        for status in JobStatus::ALL {
            let name = edgerun_crank::view::status_label(status);
            assert_eq!(known_stage(name), Some(name));
        }
        assert_eq!(known_stage("closed"), Some("closed"));
        assert_eq!(known_stage("exploded"), None);
    }
}
