//! The RPC backend's own websocket: the current slot from `slotSubscribe`, over one connection
//! shared by every clone of the client. Each new slot also tells [`super::confirmations`] when to
//! read the statuses of the transactions sent.
//!
//! Why: reading the slot costs a request per judgment (a worker's deadline, a crank's
//! candidates); a notification costs none. The websocket is an optimisation only: while it is
//! down (not configured, refused, dropped), the slot is read over HTTP and confirmations are
//! polled, and the connection is tried again with a growing delay.
//!
//! The connection starts at the first use (inside a tokio runtime) and stops when the backend is
//! dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::rpc::RpcCalls;

/// Longest wait to open the websocket and subscribe to slots.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A slot notification older than this is not trusted as the current slot (a silent socket, a
/// stalled node): the slot is read over HTTP instead.
const SLOT_FRESHNESS: Duration = Duration::from_secs(2);
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(500);
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(30);

/// The websocket of one backend.
pub(crate) struct Pubsub {
    ws_url: String,
    calls: RpcCalls,
    /// The connection while it is up.
    client: Mutex<Option<Arc<PubsubClient>>>,
    /// The newest complete slot notified (the parent of the slot whose processing began), and
    /// when.
    slot: AtomicU64,
    slot_at: Mutex<Option<Instant>>,
    /// The same slot, for whoever acts at each new one ([`super::confirmations`]).
    slot_changes: watch::Sender<u64>,
    started: Once,
    cancel: CancellationToken,
}

impl Pubsub {
    pub(crate) fn new(ws_url: String, calls: RpcCalls) -> Arc<Self> {
        Arc::new(Pubsub {
            ws_url,
            calls,
            client: Mutex::new(None),
            slot: AtomicU64::new(0),
            slot_at: Mutex::new(None),
            slot_changes: watch::channel(0).0,
            started: Once::new(),
            cancel: CancellationToken::new(),
        })
    }

    pub(crate) fn ws_url(&self) -> &str {
        &self.ws_url
    }

    /// Starts the connection's task unless it runs; only inside a tokio runtime.
    fn ensure_started(self: &Arc<Self>) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        self.started.call_once(|| {
            // The task holds the state weakly: dropping the backend ends it.
            let weak = Arc::downgrade(self);
            let cancel = self.cancel.clone();
            tokio::spawn(async move { keep_connected(weak, cancel).await });
        });
    }

    /// Stops the connection (the backend is dropped).
    pub(crate) fn stop(&self) {
        self.cancel.cancel();
    }

    /// Whether the websocket is connected and subscribed to slots now.
    pub(crate) fn is_connected(self: &Arc<Self>) -> bool {
        self.ensure_started();
        self.lock_client().is_some()
    }

    /// The newest complete slot, when a slot notification arrived lately on a live socket.
    pub(crate) fn slot(self: &Arc<Self>) -> Option<u64> {
        self.ensure_started();
        self.lock_client().as_ref()?;
        let at = (*self.slot_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))?;
        (at.elapsed() <= SLOT_FRESHNESS).then(|| self.slot.load(Ordering::Acquire))
    }

    /// The newest complete slot notified, as it changes (0 until the first notification).
    pub(crate) fn slots(self: &Arc<Self>) -> watch::Receiver<u64> {
        self.ensure_started();
        self.slot_changes.subscribe()
    }

    fn lock_client(&self) -> std::sync::MutexGuard<'_, Option<Arc<PubsubClient>>> {
        self.client.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record_slot(&self, slot: u64) {
        let newest = self.slot.fetch_max(slot, Ordering::AcqRel).max(slot);
        *self.slot_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        self.slot_changes.send_if_modified(|current| {
            let changed = *current != newest;
            *current = newest;
            changed
        });
    }
}

/// Connects, subscribes to slots and records them until the socket drops; then again after a
/// growing delay, until the backend is dropped.
async fn keep_connected(pubsub: std::sync::Weak<Pubsub>, cancel: CancellationToken) {
    let mut delays = reconnect_backoff();
    loop {
        let Some(state) = pubsub.upgrade() else { return };
        let ws_url = state.ws_url.clone();
        drop(state);
        let connected = tokio::select! {
            () = cancel.cancelled() => return,
            connected = tokio::time::timeout(CONNECT_TIMEOUT, PubsubClient::new(&ws_url)) => connected,
        };
        match connected {
            Ok(Ok(client)) => {
                let client = Arc::new(client);
                if session(&pubsub, &cancel, &client).await {
                    delays = reconnect_backoff();
                }
                if let Some(state) = pubsub.upgrade() {
                    state.lock_client().take();
                }
                if cancel.is_cancelled() {
                    return;
                }
                tracing::warn!(ws_url, "the client's websocket dropped; polling until it is back");
            }
            Ok(Err(error)) => tracing::debug!(ws_url, %error, "the client's websocket is unavailable; polling"),
            Err(_) => tracing::debug!(ws_url, "connecting the client's websocket timed out; polling"),
        }
        let delay = delays.next().unwrap_or(RECONNECT_MAX_DELAY);
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// One connection's slot subscription; true when it was subscribed (the reconnect delays start
/// over).
async fn session(pubsub: &std::sync::Weak<Pubsub>, cancel: &CancellationToken, client: &Arc<PubsubClient>) -> bool {
    let subscribed = tokio::select! {
        () = cancel.cancelled() => return false,
        subscribed = tokio::time::timeout(CONNECT_TIMEOUT, client.slot_subscribe()) => subscribed,
    };
    let Ok(Ok((mut slots, unsubscribe))) = subscribed else { return false };
    match pubsub.upgrade() {
        Some(state) => {
            state.calls.record_subscription("slotSubscribe");
            *state.lock_client() = Some(Arc::clone(client));
        }
        None => return false,
    }
    loop {
        let slot = tokio::select! {
            () = cancel.cancelled() => break,
            slot = slots.next() => slot,
        };
        let Some(slot) = slot else { break };
        let Some(state) = pubsub.upgrade() else { break };
        state.record_slot(slot.parent.max(slot.root));
    }
    drop(slots);
    if cancel.is_cancelled() {
        unsubscribe().await;
    }
    true
}

fn reconnect_backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(RECONNECT_MIN_DELAY)
        .with_max_delay(RECONNECT_MAX_DELAY)
        .without_max_times()
        .with_jitter()
        .build()
}
