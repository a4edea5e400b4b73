//! The RPC backend's own websocket: the current slot from `slotSubscribe`, and each sent
//! transaction's confirmation from `signatureSubscribe`, over one connection shared by every
//! clone of the client.
//!
//! Why: polling `getSignatureStatuses` costs a request every `confirm_poll_interval` per
//! transaction, and reading the slot costs one per judgment (a worker's deadline, a crank's
//! candidates). A notification costs no request. The websocket is an optimisation only: while it
//! is down (not configured, refused, dropped), the client polls and reads the slot over HTTP as
//! before, and the connection is tried again with a growing delay.
//!
//! The connection starts at the first use (inside a tokio runtime) and stops when the backend is
//! dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use solana_client::rpc_config::RpcSignatureSubscribeConfig;
use solana_client::rpc_response::RpcSignatureResult;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_signature::Signature;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::backend::Confirmed;
use super::rpc::RpcCalls;

/// Longest wait to open the websocket and subscribe to slots.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a `signatureSubscribe` to be acknowledged before the client polls instead
/// (the transaction is not sent before: a notification must not be missed).
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for the node's answer to a subscription, in the task that made it.
const SUBSCRIBE_BOUND: Duration = Duration::from_secs(60);
/// A slot notification older than this is not trusted as the current slot (a silent socket, a
/// stalled node): the slot is read over HTTP instead.
const SLOT_FRESHNESS: Duration = Duration::from_secs(2);
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(500);
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(30);

/// The websocket of one backend.
pub(crate) struct Pubsub {
    ws_url: String,
    commitment: CommitmentConfig,
    calls: RpcCalls,
    /// The connection while it is up.
    client: Mutex<Option<Arc<PubsubClient>>>,
    /// The newest complete slot notified (the parent of the slot whose processing began), and
    /// when.
    slot: AtomicU64,
    slot_at: Mutex<Option<Instant>>,
    started: Once,
    cancel: CancellationToken,
}

impl Pubsub {
    pub(crate) fn new(ws_url: String, commitment: CommitmentConfig, calls: RpcCalls) -> Arc<Self> {
        Arc::new(Pubsub {
            ws_url,
            commitment,
            calls,
            client: Mutex::new(None),
            slot: AtomicU64::new(0),
            slot_at: Mutex::new(None),
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

    /// Subscribes to `signature`'s confirmation at the backend's commitment. `None` when the
    /// websocket is down or the subscription was not acknowledged in time: poll instead.
    pub(crate) async fn watch_signature(self: &Arc<Self>, signature: &Signature) -> Option<SignatureWatch> {
        self.ensure_started();
        let client = self.lock_client().clone()?;
        let (subscribed_tx, subscribed_rx) = oneshot::channel::<bool>();
        let (outcome_tx, outcome_rx) = oneshot::channel::<Confirmed>();
        let (signature, commitment, calls) = (*signature, self.commitment, self.calls.clone());
        // The stream borrows the client: the task owns both.
        let task = tokio::spawn(async move {
            let config =
                RpcSignatureSubscribeConfig { commitment: Some(commitment), enable_received_notification: Some(false) };
            calls.record_subscription("signatureSubscribe");
            // Not cut short by the waiter's timeout: the client drops its connection when a
            // subscription's answer finds nobody waiting. Bounded all the same.
            let subscribed =
                tokio::time::timeout(SUBSCRIBE_BOUND, client.signature_subscribe(&signature, Some(config))).await;
            let (mut stream, unsubscribe) = match subscribed {
                Ok(Ok(subscribed)) => subscribed,
                Ok(Err(error)) => {
                    tracing::debug!(%error, %signature, "signatureSubscribe failed; polling");
                    let _ = subscribed_tx.send(false);
                    return;
                }
                Err(_) => {
                    let _ = subscribed_tx.send(false);
                    return;
                }
            };
            if subscribed_tx.send(true).is_ok() {
                let mut outcome_tx = outcome_tx;
                let notified = tokio::select! {
                    // The waiter gave up (timed out, or the caller was dropped).
                    () = outcome_tx.closed() => None,
                    notification = stream.next() => notification,
                };
                if let Some(notification) = notified {
                    if let RpcSignatureResult::ProcessedSignature(processed) = notification.value {
                        let result = match processed.err {
                            Some(error) => Err(error.into()),
                            None => Ok(()),
                        };
                        let _ = outcome_tx.send(Confirmed { slot: notification.context.slot, result });
                    }
                }
                // Otherwise the socket dropped (the waiter polls), or nobody waits any more.
            }
            drop(stream);
            // The node ends a signature subscription after its notification, but the client
            // keeps its channel until it is unsubscribed.
            unsubscribe().await;
        });
        let subscribed = tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribed_rx).await;
        match subscribed {
            Ok(Ok(true)) => Some(SignatureWatch { outcome: outcome_rx, _task: task }),
            // The task ends by itself once the answer comes (it finds nobody waiting).
            _ => None,
        }
    }

    fn lock_client(&self) -> std::sync::MutexGuard<'_, Option<Arc<PubsubClient>>> {
        self.client.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record_slot(&self, slot: u64) {
        self.slot.fetch_max(slot, Ordering::AcqRel);
        *self.slot_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }
}

/// A subscribed signature: its confirmation arrives by notification.
pub struct SignatureWatch {
    outcome: oneshot::Receiver<Confirmed>,
    /// Ends by itself once the notification came or the watch is dropped (it unsubscribes).
    _task: tokio::task::JoinHandle<()>,
}

impl SignatureWatch {
    /// The confirmation, waited for at most `timeout` from now.
    pub async fn outcome(mut self, timeout: Duration) -> Result<Confirmed, WatchEnd> {
        match tokio::time::timeout(timeout, &mut self.outcome).await {
            Ok(Ok(confirmed)) => Ok(confirmed),
            Ok(Err(_)) => Err(WatchEnd::Dropped),
            Err(_) => Err(WatchEnd::TimedOut),
        }
    }
}

/// Why a [`SignatureWatch`] brought no confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchEnd {
    /// The timeout passed.
    TimedOut,
    /// The websocket dropped first: poll for the rest of the wait.
    Dropped,
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
