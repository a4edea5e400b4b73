//! Confirmation of every transaction an [`super::RpcBackend`] sent, by one `getSignatureStatuses`
//! per slot for all of them together (at most 256 signatures a request).
//!
//! Why not a `signatureSubscribe` per send: a node keeps each signature subscription until its
//! notification, and surfpool (our local validator) polls every one of them every 50 ms for as
//! long as its transaction waits in the queue. Profiled at volume (`docs/performance.md`, issue
//! 16), that cost grew with the queue: 1.1 ms of validator CPU per job at 1,000 jobs in flight,
//! 2.4 ms at 4,000, plus as much again in timer wakeups. One status read per slot for all of a
//! service's sends costs the node one lookup per signature, whatever the queue, and the client
//! one request per slot while anything is unconfirmed (none when nothing is).
//!
//! When: right after each slot notification of the backend's websocket ([`super::pubsub`]): a
//! node confirms transactions as a block is produced and notifies the new slot after, so the read
//! that follows the notification finds what that slot confirmed. While the websocket is down or
//! its slots are stale, every `poll_interval` instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::Duration;

use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_signature::Signature;
use solana_transaction_status_client_types::TransactionStatus;
use tokio::sync::{oneshot, Notify};
use tokio_util::sync::CancellationToken;

use super::backend::Confirmed;
use super::pubsub::Pubsub;

/// `getSignatureStatuses` answers at most this many signatures a request.
const MAX_SIGNATURES_PER_READ: usize = 256;
/// While slots are notified, a read is also made this long after the last one with nothing
/// notified in between (a socket that is open but went silent).
const SILENT_SLOT_WAIT: Duration = Duration::from_secs(2);

/// The unconfirmed sends of one backend, and the task that reads their statuses.
pub(crate) struct Confirmations {
    client: Arc<RpcClient>,
    commitment: CommitmentConfig,
    pubsub: Option<Arc<Pubsub>>,
    poll_interval: Duration,
    /// Who waits for each signature (two callers may send the very same transaction).
    waiting: Mutex<HashMap<Signature, Vec<oneshot::Sender<Confirmed>>>>,
    /// A signature was added (a permit is kept if the task is busy).
    added: Notify,
    started: Once,
    cancel: CancellationToken,
}

impl Confirmations {
    pub(crate) fn new(
        client: Arc<RpcClient>,
        commitment: CommitmentConfig,
        pubsub: Option<Arc<Pubsub>>,
        poll_interval: Duration,
    ) -> Arc<Self> {
        Arc::new(Confirmations {
            client,
            commitment,
            pubsub,
            poll_interval,
            waiting: Mutex::new(HashMap::new()),
            added: Notify::new(),
            started: Once::new(),
            cancel: CancellationToken::new(),
        })
    }

    /// Stops the task (the backend is dropped); whoever still waits is told [`WatchEnd::Dropped`].
    pub(crate) fn stop(&self) {
        self.cancel.cancel();
    }

    /// Waits for `signature`'s confirmation at the backend's commitment; call it before the
    /// transaction is sent. Inside a tokio runtime only (the reading task starts at the first
    /// call).
    pub(crate) fn watch(self: &Arc<Self>, signature: &Signature) -> SignatureWatch {
        self.started.call_once(|| {
            // Ended by `stop` when the backend is dropped.
            let (state, cancel) = (Arc::clone(self), self.cancel.clone());
            tokio::spawn(async move { read_statuses(state, cancel).await });
        });
        let (sender, outcome) = oneshot::channel();
        self.lock().entry(*signature).or_default().push(sender);
        self.added.notify_one();
        SignatureWatch {
            outcome,
            _registered: Registered { confirmations: Arc::downgrade(self), signature: *signature },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Signature, Vec<oneshot::Sender<Confirmed>>>> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The signatures somebody still waits for (a waiter that gives up is taken out as its
    /// watch is dropped: [`Registered`]).
    fn unconfirmed(&self) -> Vec<Signature> {
        self.lock().keys().copied().collect()
    }

    /// Reads the statuses of `signatures` and hands each confirmed one to its waiters. A failed
    /// read is left for the next tick (the waiters' own timeouts bound the wait).
    async fn read(&self, signatures: &[Signature]) {
        for chunk in signatures.chunks(MAX_SIGNATURES_PER_READ) {
            let statuses = match self.client.get_signature_statuses(chunk).await {
                Ok(answer) => answer.value,
                Err(error) => {
                    tracing::debug!(%error, "reading the statuses of sent transactions failed; again at the next slot");
                    return;
                }
            };
            let mut waiting = self.lock();
            for (signature, status) in chunk.iter().zip(statuses) {
                let Some(confirmed) = status.and_then(|status| confirmed_at(status, self.commitment)) else {
                    continue;
                };
                for sender in waiting.remove(signature).unwrap_or_default() {
                    let _ = sender.send(confirmed.clone());
                }
            }
        }
    }
}

/// A transaction's status as a confirmation, when it reached `commitment`.
pub(crate) fn confirmed_at(status: TransactionStatus, commitment: CommitmentConfig) -> Option<Confirmed> {
    status.satisfies_commitment(commitment).then_some(Confirmed {
        slot: status.slot,
        result: match status.err {
            Some(error) => Err(error),
            None => Ok(()),
        },
    })
}

/// The task: while anything is unconfirmed, a read after each slot (or poll interval). It holds
/// the state until the backend stops it.
async fn read_statuses(state: Arc<Confirmations>, cancel: CancellationToken) {
    let mut slots = state.pubsub.as_ref().map(|pubsub| pubsub.slots());
    loop {
        // Until something waits.
        loop {
            let added = state.added.notified();
            tokio::pin!(added);
            added.as_mut().enable();
            if !state.lock().is_empty() {
                break;
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = added => {}
            }
        }
        // The next tick: a slot notified from now on (one notified while idle would read before
        // the new transaction was even sent), else the poll interval.
        if let Some(slots) = slots.as_mut() {
            slots.borrow_and_update();
        }
        let notified = state.pubsub.as_ref().is_some_and(|pubsub| pubsub.slot().is_some());
        let wait = if notified { SILENT_SLOT_WAIT } else { state.poll_interval };
        let slot_changed = async {
            match slots.as_mut() {
                Some(slots) if notified => {
                    if slots.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                _ => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            () = slot_changed => {}
            () = tokio::time::sleep(wait) => {}
        }
        let signatures = state.unconfirmed();
        if !signatures.is_empty() {
            tokio::select! {
                () = cancel.cancelled() => return,
                () = state.read(&signatures) => {}
            }
        }
    }
}

/// Removes a watch's waiter when the watch is dropped (confirmed, timed out, or abandoned).
struct Registered {
    confirmations: Weak<Confirmations>,
    signature: Signature,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let Some(confirmations) = self.confirmations.upgrade() else { return };
        let mut waiting = confirmations.lock();
        if let Some(senders) = waiting.get_mut(&self.signature) {
            senders.retain(|sender| !sender.is_closed());
            if senders.is_empty() {
                waiting.remove(&self.signature);
            }
        }
    }
}

/// A sent transaction's confirmation, to come from the backend's status reads.
pub struct SignatureWatch {
    // Dropped before `_registered`, whose drop then finds this waiter closed.
    outcome: oneshot::Receiver<Confirmed>,
    _registered: Registered,
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
    /// The backend stopped reading first: poll for the rest of the wait.
    Dropped,
}
