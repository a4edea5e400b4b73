//! Decoded Edgerun account updates as a channel, fed by the websocket's `programSubscribe` and,
//! whenever the socket is down, by polling `getProgramAccounts`.
//!
//! A service has to react within a slot and must not go deaf when its websocket drops. So:
//!
//! 1. connect and subscribe; once subscribed, take one full snapshot with `getProgramAccounts`
//!    (what changed while we were not subscribed is not lost), then forward notifications;
//! 2. when the socket cannot be opened or drops, poll every `poll_interval` (a slot by default)
//!    and try the socket again after an exponentially growing delay (backon's backoff,
//!    capped at `reconnect_max_delay`, reset after a successful connection);
//! 3. stop when the [`CancellationToken`] is cancelled or the receiver is dropped.
//!
//! Updates are deduplicated by content (BLAKE3 of the data per address), so a poll repeats
//! nothing the socket already delivered; an account that disappears from a poll, or arrives on
//! the socket empty or owned by another program, is reported [`AccountUpdate::Closed`].
//!
//! With [`Snapshot::Signal`] the subscription lists nothing itself: where it would take a
//! snapshot or poll, it sends [`AccountUpdate::Resync`] and leaves the reading to its receiver,
//! which knows what it keeps (the [`super::ChainIndex`] reads only live jobs, with filtered
//! queries, instead of every account of the program). It then keeps no per-account memory either,
//! so it costs nothing per account that ever existed.

use std::collections::HashMap;
use std::time::Duration;

use anchor_lang::Discriminator;
use backon::{BackoffBuilder, ExponentialBuilder};
use edgerun::state::{GlobalConfig, Job, JobResult, OutputAvailability, Treasury, WorkerStake};
use futures::StreamExt;
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_address::Address;
use solana_client::rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_client::rpc_filter::{Memcmp as RpcMemcmp, RpcFilterType};
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{ChainBackend, EdgerunClient, Memcmp};
use crate::accounts::{decode_account, AccountError};

/// Any Edgerun account, decoded by its discriminator.
// Sizes differ (a Job is ~900 bytes); updates carry it boxed, so the enum itself is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy)]
pub enum EdgerunAccount {
    GlobalConfig(GlobalConfig),
    Treasury(Treasury),
    WorkerStake(WorkerStake),
    Job(Job),
    JobResult(JobResult),
    OutputAvailability(OutputAvailability),
}

impl std::fmt::Debug for EdgerunAccount {
    // The program's account types do not implement `Debug`; the kind is what a log needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl EdgerunAccount {
    /// Decodes the account at `address`; `None` if it is empty (closed).
    pub fn decode(address: &Address, owner: &Address, data: &[u8]) -> Result<Option<Self>, AccountError> {
        macro_rules! by_discriminator {
            ($($kind:ident),*) => {$(
                if data.starts_with($kind::DISCRIMINATOR) {
                    return Ok(decode_account::<$kind>(address, owner, data)?.map(EdgerunAccount::$kind));
                }
            )*};
        }
        if data.is_empty() {
            return Ok(None);
        }
        by_discriminator!(GlobalConfig, Treasury, WorkerStake, Job, JobResult, OutputAvailability);
        Err(AccountError::Malformed { address: *address, reason: "no Edgerun account has this discriminator".into() })
    }

    /// The account type's name.
    pub fn kind(&self) -> &'static str {
        match self {
            EdgerunAccount::GlobalConfig(_) => "GlobalConfig",
            EdgerunAccount::Treasury(_) => "Treasury",
            EdgerunAccount::WorkerStake(_) => "WorkerStake",
            EdgerunAccount::Job(_) => "Job",
            EdgerunAccount::JobResult(_) => "JobResult",
            EdgerunAccount::OutputAvailability(_) => "OutputAvailability",
        }
    }
}

/// Where an update came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSource {
    Websocket,
    Poll,
}

/// One change of one Edgerun account, or (with [`Snapshot::Signal`]) the cue to re-read.
#[derive(Debug, Clone)]
pub enum AccountUpdate {
    Changed {
        address: Address,
        account: Box<EdgerunAccount>,
        /// Slot of the notification (websocket only).
        slot: Option<u64>,
        source: UpdateSource,
    },
    Closed {
        address: Address,
        source: UpdateSource,
    },
    /// Only with [`Snapshot::Signal`]: the subscription has just subscribed (`Websocket`:
    /// everything from now on is notified, what changed before is not) or polls while the socket
    /// is down (`Poll`, every `poll_interval`): the receiver re-reads what it keeps.
    Resync {
        source: UpdateSource,
    },
}

impl AccountUpdate {
    /// The account changed or closed; `None` for a [`AccountUpdate::Resync`].
    pub fn address(&self) -> Option<&Address> {
        match self {
            AccountUpdate::Changed { address, .. } | AccountUpdate::Closed { address, .. } => Some(address),
            AccountUpdate::Resync { .. } => None,
        }
    }

    pub fn source(&self) -> UpdateSource {
        match self {
            AccountUpdate::Changed { source, .. }
            | AccountUpdate::Closed { source, .. }
            | AccountUpdate::Resync { source } => *source,
        }
    }

    /// The job, when this update is a changed job.
    pub fn job(&self) -> Option<&Job> {
        match self {
            AccountUpdate::Changed { account, .. } => match account.as_ref() {
                EdgerunAccount::Job(job) => Some(job),
                _ => None,
            },
            AccountUpdate::Closed { .. } | AccountUpdate::Resync { .. } => None,
        }
    }
}

/// How a subscription covers what changed while it was not subscribed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Snapshot {
    /// It lists every account passing its filters (`getProgramAccounts`) once subscribed and at
    /// every poll, and reports what differs from what it reported before.
    #[default]
    Full,
    /// It sends [`AccountUpdate::Resync`] instead, and the receiver reads what it needs.
    Signal,
}

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct SubscriptionConfig {
    /// Websocket URL (e.g. `ws://127.0.0.1:8900`); `None` polls only.
    pub ws_url: Option<String>,
    /// Only accounts passing every filter (e.g. [`super::filters::discriminator::<Job>()`]).
    pub filters: Vec<Memcmp>,
    /// Commitment of the websocket notifications (polls use the backend's).
    pub commitment: CommitmentConfig,
    /// Pause between two polls while the websocket is down.
    pub poll_interval: Duration,
    pub reconnect_min_delay: Duration,
    pub reconnect_max_delay: Duration,
    /// Longest wait to open the websocket and subscribe.
    pub connect_timeout: Duration,
    /// Updates buffered before the subscription waits for the receiver.
    pub channel_capacity: usize,
    pub snapshot: Snapshot,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        SubscriptionConfig {
            ws_url: None,
            filters: Vec::new(),
            commitment: CommitmentConfig::confirmed(),
            poll_interval: Duration::from_millis(400),
            reconnect_min_delay: Duration::from_millis(500),
            reconnect_max_delay: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            channel_capacity: 1024,
            snapshot: Snapshot::Full,
        }
    }
}

/// A running subscription: receive updates from `updates`; cancel its token to stop it.
pub struct Subscription {
    pub updates: mpsc::Receiver<AccountUpdate>,
    task: JoinHandle<()>,
}

impl Subscription {
    /// Waits for the background task to end (after cancellation or once `updates` is dropped).
    pub async fn join(self) {
        let Subscription { updates, task } = self;
        drop(updates);
        if let Err(error) = task.await {
            tracing::error!(%error, "the subscription task failed");
        }
    }
}

impl<B: ChainBackend> EdgerunClient<B> {
    /// Starts watching Edgerun accounts (see the module documentation). Must be called inside a
    /// tokio runtime.
    pub fn subscribe(&self, config: SubscriptionConfig, cancel: CancellationToken) -> Subscription {
        let (sender, updates) = mpsc::channel(config.channel_capacity.max(1));
        Subscription { updates, task: self.subscribe_into(config, sender, cancel) }
    }

    /// [`subscribe`](Self::subscribe), sending into a channel the caller owns (several
    /// subscriptions may feed one receiver). The task ends when `cancel` is cancelled or the
    /// receiver is dropped.
    pub(crate) fn subscribe_into(
        &self,
        config: SubscriptionConfig,
        sender: mpsc::Sender<AccountUpdate>,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        let watcher = Watcher { client: self.clone(), config, sender, cancel, seen: HashMap::new() };
        tokio::spawn(watcher.run())
    }
}

/// Why a websocket session ended.
enum SessionEnd {
    /// Cancelled, or nobody listens any more: stop.
    Stop,
    /// Was subscribed, then the stream ended.
    Dropped,
    /// Could not connect or subscribe.
    Failed(String),
}

struct Watcher<B> {
    client: EdgerunClient<B>,
    config: SubscriptionConfig,
    sender: mpsc::Sender<AccountUpdate>,
    cancel: CancellationToken,
    /// BLAKE3 of the data of every live account last reported.
    seen: HashMap<Address, [u8; 32]>,
}

impl<B: ChainBackend> Watcher<B> {
    async fn run(mut self) {
        let mut reconnect = self.reconnect_backoff();
        loop {
            let Some(ws_url) = self.config.ws_url.clone() else {
                // Polling only: until stopped.
                self.poll_until(None).await;
                return;
            };
            match self.websocket_session(&ws_url).await {
                SessionEnd::Stop => return,
                SessionEnd::Dropped => {
                    tracing::warn!(ws_url, "websocket subscription dropped; polling until it is back");
                    reconnect = self.reconnect_backoff();
                }
                SessionEnd::Failed(error) => tracing::warn!(ws_url, error, "websocket unavailable; polling"),
            }
            let delay = reconnect.next().unwrap_or(self.config.reconnect_max_delay);
            if !self.poll_until(Some(tokio::time::Instant::now() + delay)).await {
                return;
            }
        }
    }

    fn reconnect_backoff(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.config.reconnect_min_delay)
            .with_max_delay(self.config.reconnect_max_delay)
            .without_max_times()
            .with_jitter()
            .build()
    }

    /// Connects, subscribes, snapshots, then forwards notifications until the stream ends.
    async fn websocket_session(&mut self, ws_url: &str) -> SessionEnd {
        let pubsub = match self.with_connect_timeout(PubsubClient::new(ws_url)).await {
            Some(Ok(pubsub)) => pubsub,
            Some(Err(error)) => return SessionEnd::Failed(error.to_string()),
            None => return self.stop_or_failed("connecting timed out"),
        };
        let config = RpcProgramAccountsConfig {
            filters: Some(
                self.config
                    .filters
                    .iter()
                    .map(|filter| RpcFilterType::Memcmp(RpcMemcmp::new_base58_encoded(filter.offset, &filter.bytes)))
                    .collect(),
            ),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.config.commitment),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: None,
        };
        let (mut stream, unsubscribe) =
            match self.with_connect_timeout(pubsub.program_subscribe(&edgerun::ID, Some(config))).await {
                Some(Ok(subscribed)) => subscribed,
                Some(Err(error)) => return SessionEnd::Failed(error.to_string()),
                None => return self.stop_or_failed("subscribing timed out"),
            };
        // Subscribed: whatever changes from now on is notified; the snapshot covers the rest.
        if !self.poll_once(UpdateSource::Websocket).await {
            return SessionEnd::Stop;
        }
        let end = loop {
            let notification = tokio::select! {
                _ = self.cancel.cancelled() => break SessionEnd::Stop,
                notification = stream.next() => notification,
            };
            let Some(notification) = notification else { break SessionEnd::Dropped };
            let address = match notification.value.pubkey.parse::<Address>() {
                Ok(address) => address,
                Err(error) => {
                    tracing::warn!(%error, "notification for an unreadable address");
                    continue;
                }
            };
            let Some(account) = notification.value.account.to_account() else {
                tracing::warn!(%address, "notification in an unreadable encoding");
                continue;
            };
            let slot = Some(notification.context.slot);
            if !self.report(address, &account, slot, UpdateSource::Websocket).await {
                break SessionEnd::Stop;
            }
        };
        drop(stream);
        unsubscribe().await;
        // Dropping the client closes the socket; a shutdown error changes nothing for us.
        if let Err(error) = pubsub.shutdown().await {
            tracing::debug!(%error, "closing the websocket");
        }
        end
    }

    async fn with_connect_timeout<T>(&self, future: impl std::future::Future<Output = T>) -> Option<T> {
        tokio::select! {
            _ = self.cancel.cancelled() => None,
            result = tokio::time::timeout(self.config.connect_timeout, future) => result.ok(),
        }
    }

    fn stop_or_failed(&self, why: &str) -> SessionEnd {
        if self.cancel.is_cancelled() {
            SessionEnd::Stop
        } else {
            SessionEnd::Failed(why.to_string())
        }
    }

    /// Polls every `poll_interval` until `until` (forever when `None`). False: stop.
    async fn poll_until(&mut self, until: Option<tokio::time::Instant>) -> bool {
        loop {
            if !self.poll_once(UpdateSource::Poll).await {
                return false;
            }
            let next = tokio::time::Instant::now() + self.config.poll_interval;
            if until.is_some_and(|until| next > until) {
                return true;
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return false,
                _ = tokio::time::sleep_until(next) => {}
            }
        }
    }

    /// One `getProgramAccounts`: reports what changed and what disappeared (with
    /// [`Snapshot::Signal`]: sends [`AccountUpdate::Resync`] instead). False: stop.
    async fn poll_once(&mut self, source: UpdateSource) -> bool {
        if self.cancel.is_cancelled() {
            return false;
        }
        if self.config.snapshot == Snapshot::Signal {
            return self.send(AccountUpdate::Resync { source }).await;
        }
        let backend = self.client.backend();
        let listing = tokio::select! {
            _ = self.cancel.cancelled() => return false,
            listing = backend.get_program_accounts(&edgerun::ID, &self.config.filters) => listing,
        };
        let accounts = match listing {
            Ok(accounts) => accounts,
            Err(error) => {
                // The next poll (or the socket) tries again.
                tracing::warn!(%error, "polling Edgerun accounts failed");
                return true;
            }
        };
        let mut gone: Vec<Address> = self.seen.keys().copied().collect();
        for (address, account) in &accounts {
            gone.retain(|known| known != address);
            if !self.report(*address, account, None, UpdateSource::Poll).await {
                return false;
            }
        }
        for address in gone {
            self.seen.remove(&address);
            if !self.send(AccountUpdate::Closed { address, source: UpdateSource::Poll }).await {
                return false;
            }
        }
        true
    }

    /// Reports `account` unless it is what was last reported. False: stop.
    async fn report(&mut self, address: Address, account: &Account, slot: Option<u64>, source: UpdateSource) -> bool {
        if self.config.snapshot == Snapshot::Signal {
            // No memory of what was reported: the receiver compares with what it keeps.
            if account.data.is_empty() || account.owner != edgerun::ID {
                return self.send(AccountUpdate::Closed { address, source }).await;
            }
            return match EdgerunAccount::decode(&address, &account.owner, &account.data) {
                Ok(Some(decoded)) => {
                    self.send(AccountUpdate::Changed { address, account: Box::new(decoded), slot, source }).await
                }
                Ok(None) => true,
                Err(error) => {
                    tracing::warn!(%error, "skipping an Edgerun account that does not decode");
                    true
                }
            };
        }
        if account.data.is_empty() || account.owner != edgerun::ID {
            if self.seen.remove(&address).is_some() {
                return self.send(AccountUpdate::Closed { address, source }).await;
            }
            return true;
        }
        let digest = *blake3::hash(&account.data).as_bytes();
        if self.seen.get(&address) == Some(&digest) {
            return true;
        }
        match EdgerunAccount::decode(&address, &account.owner, &account.data) {
            Ok(Some(decoded)) => {
                self.seen.insert(address, digest);
                self.send(AccountUpdate::Changed { address, account: Box::new(decoded), slot, source }).await
            }
            Ok(None) => true,
            Err(error) => {
                tracing::warn!(%error, "skipping an Edgerun account that does not decode");
                true
            }
        }
    }

    async fn send(&self, update: AccountUpdate) -> bool {
        tokio::select! {
            _ = self.cancel.cancelled() => false,
            sent = self.sender.send(update) => sent.is_ok(),
        }
    }
}
