//! One feed per followed job, shared by all its viewers (`GET /v1/jobs/{id}/events`).
//!
//! Why: a viewer is a stranger's open connection. If each one re-read the job at every change,
//! the scheduler's load on the cluster would grow with the number of people watching; with one
//! producer per job it grows with the number of jobs watched, however many viewers each has.
//! The producer reads the job's view at a change of the job (the engine's subscription) or every
//! [`EVENT_REFRESH`], publishes it on a `watch` channel, and stops when the job ends or its last
//! viewer leaves. Block times are looked up once per slot. Open streams are capped
//! ([`MAX_STREAMS`]): past it a viewer gets 503 `too_many_streams` with `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edgerun::state::JobStatus;
use edgerun_crank::view::JobView;
use edgerun_sdk::client::ChainBackend;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;

/// Longest pause between two reads of a followed job without a change of its account (only the
/// clock moved: deadlines pass). Every step that matters changes the Job account itself
/// (a submission or a declaration takes its rent from the job's reserve), so the subscription
/// wakes the feed for those.
pub const EVENT_REFRESH: Duration = Duration::from_secs(30);

/// Event streams open at once, all jobs together.
pub const MAX_STREAMS: usize = 1_000;

/// What a job's feed holds.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedItem {
    /// Not read yet.
    Pending,
    /// The job's view as JSON; `ended`: finalized or cancelled (the feed stops after it).
    View { json: Arc<String>, ended: bool },
    /// The job account is gone (closed).
    Closed,
}

/// The feeds of the jobs being watched.
pub struct JobFeeds {
    /// The running producers' senders (the map holds no receiver, so a feed whose viewers all
    /// left is closed and its producer stops).
    feeds: Mutex<HashMap<[u8; 32], Arc<watch::Sender<FeedItem>>>>,
    streams: Arc<Semaphore>,
}

impl Default for JobFeeds {
    fn default() -> Self {
        JobFeeds { feeds: Mutex::new(HashMap::new()), streams: Arc::new(Semaphore::new(MAX_STREAMS)) }
    }
}

impl JobFeeds {
    /// A place for one more stream (job feeds and `/v1/events` alike); past [`MAX_STREAMS`], 503
    /// `too_many_streams` with `Retry-After`.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, super::ApiError> {
        Arc::clone(&self.streams).try_acquire_owned().map_err(|_| {
            super::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "too_many_streams",
                format!("{MAX_STREAMS} event streams are open, the most this scheduler serves"),
            )
            .with_retry_after(std::time::Duration::from_secs(10))
        })
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        MAX_STREAMS - self.streams.available_permits()
    }

    /// Jobs with a producer now.
    pub fn followed_jobs(&self) -> usize {
        self.feeds.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// The feed of `job_id`: the running one, or a new producer.
    pub fn subscribe<B: ChainBackend>(
        self: &Arc<Self>,
        engine: &Arc<Engine<B>>,
        job_id: [u8; 32],
        shutdown: &CancellationToken,
    ) -> watch::Receiver<FeedItem> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = feeds.get(&job_id) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(FeedItem::Pending);
        let sender = Arc::new(sender);
        feeds.insert(job_id, Arc::clone(&sender));
        let (feeds, engine, shutdown) = (Arc::clone(self), Arc::clone(engine), shutdown.clone());
        tokio::spawn(async move {
            produce(&engine, job_id, &sender, &shutdown).await;
            // Under the lock: a viewer arriving now either got this feed before (and sees it
            // end) or finds none and starts a new producer.
            let mut map = feeds.feeds.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if map.get(&job_id).is_some_and(|known| Arc::ptr_eq(known, &sender)) {
                map.remove(&job_id);
            }
        });
        receiver
    }
}

/// Reads the job's view at every change until it ends, its last viewer leaves, or shutdown.
async fn produce<B: ChainBackend>(
    engine: &Engine<B>,
    job_id: [u8; 32],
    sender: &watch::Sender<FeedItem>,
    shutdown: &CancellationToken,
) {
    let mut changes = engine.changes();
    let mut block_times: HashMap<u64, Option<i64>> = HashMap::new();
    let mut last_key = String::new();
    // The job as the subscription delivered it, when it did (no read needed).
    let mut delivered: Option<Box<edgerun::state::Job>> = None;
    loop {
        let read = match delivered.take() {
            Some(job) => Ok(Some(*job)),
            None => engine.client().job(&job_id).await,
        };
        let item = match read {
            Ok(Some(job)) => match super::jobs::job_view_with(engine, &job, &mut block_times).await {
                Ok(view) => {
                    let ended = matches!(job.status(), Ok(JobStatus::Finalized | JobStatus::Cancelled));
                    // The slot moves every read; viewers hear of a change of anything else.
                    let key = change_key(&view);
                    if key == last_key {
                        None
                    } else {
                        last_key = key;
                        Some(FeedItem::View { json: Arc::new(serde_json::to_string(&view).unwrap_or_default()), ended })
                    }
                }
                Err(_) => None,
            },
            Ok(None) => Some(FeedItem::Closed),
            Err(_) => None,
        };
        let stop = matches!(item, Some(FeedItem::Closed | FeedItem::View { ended: true, .. }));
        if let Some(item) = item {
            sender.send_replace(item);
        }
        if stop {
            return;
        }
        let change = async {
            loop {
                match changes.recv().await {
                    Ok(change) if change.job_id == job_id => return change.job,
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return None,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        tokio::select! {
            job = change => delivered = job,
            () = tokio::time::sleep(EVENT_REFRESH) => {}
            () = shutdown.cancelled() => return,
            () = sender.closed() => return,
        }
    }
}

fn change_key(view: &JobView) -> String {
    serde_json::to_string(&(&view.status, &view.timeline, &view.committee, &view.next)).unwrap_or_default()
}
