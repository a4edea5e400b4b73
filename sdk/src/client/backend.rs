//! The few chain operations the Edgerun client needs, behind one trait, so that the client, its
//! retry policy and its tests are the same over a real JSON-RPC node ([`super::RpcBackend`]) and an
//! in-process LiteSVM ([`super::LiteSvmBackend`], feature `litesvm`).
//!
//! A backend does no retrying and no naming of program errors: it reports what happened, and
//! says whether a failure was the transport's (retryable: the request may not have reached the
//! node) or an answer (never retried).

use std::future::Future;

use solana_account::Account;
use solana_address::Address;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use super::confirmations::{SignatureWatch, WatchEnd};

/// A `getProgramAccounts` filter: the account data at `offset` starts with `bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memcmp {
    pub offset: usize,
    pub bytes: Vec<u8>,
}

impl Memcmp {
    pub fn new(offset: usize, bytes: impl Into<Vec<u8>>) -> Self {
        Memcmp { offset, bytes: bytes.into() }
    }

    /// Whether `data` passes this filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        data.get(self.offset..).is_some_and(|rest| rest.starts_with(&self.bytes))
    }
}

/// What a simulation says about a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub result: Result<(), TransactionError>,
    pub logs: Vec<String>,
    /// Compute units the whole transaction used, when the node reports it.
    pub units_consumed: Option<u64>,
}

/// A confirmed transaction's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub slot: u64,
    pub result: Result<(), TransactionError>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The request may not have reached the node, or its answer was lost (connection refused,
    /// reset, timed out, HTTP 5xx/429). Retrying is safe for reads and for resending the same
    /// signed transaction (its signature makes it idempotent).
    #[error("transport failure: {0}")]
    Transport(String),
    /// The node answered with an error (bad request, unsupported method, ...). Not retried.
    #[error("the node refused the request: {0}")]
    Node(String),
    /// The node simulated the transaction before sending it (preflight) and it failed: nothing
    /// was sent.
    #[error("preflight simulation failed: {error}")]
    Preflight { error: TransactionError, logs: Vec<String> },
}

impl BackendError {
    pub fn is_transport(&self) -> bool {
        matches!(self, BackendError::Transport(_))
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

/// Chain access, asynchronous. Reads are at the backend's commitment (RPC: `confirmed`).
pub trait ChainBackend: Send + Sync + 'static {
    /// The account at `address`; `None` if it does not exist.
    fn get_account(&self, address: &Address) -> impl Future<Output = BackendResult<Option<Account>>> + Send;

    /// The accounts at `addresses`, in order.
    fn get_multiple_accounts(
        &self,
        addresses: &[Address],
    ) -> impl Future<Output = BackendResult<Vec<Option<Account>>>> + Send;

    /// Every account owned by `program` whose data passes all `filters`.
    fn get_program_accounts(
        &self,
        program: &Address,
        filters: &[Memcmp],
    ) -> impl Future<Output = BackendResult<Vec<(Address, Account)>>> + Send;

    fn latest_blockhash(&self) -> impl Future<Output = BackendResult<Hash>> + Send;

    /// Whether a blockhash stays usable for many transactions (a cluster: 150 blocks), so the
    /// client may share one between sends. False (the default): it is read for every send.
    fn reuses_blockhashes(&self) -> bool {
        false
    }

    /// Runs `transaction` without committing it (signatures are verified).
    fn simulate(&self, transaction: &Transaction) -> impl Future<Output = BackendResult<Simulation>> + Send;

    /// Submits `transaction`; `Ok` means accepted for processing, not confirmed. A backend that
    /// [`preflights`](Self::preflights) refuses what its simulation says fails with
    /// [`BackendError::Preflight`].
    fn send(&self, transaction: &Transaction) -> impl Future<Output = BackendResult<Signature>> + Send;

    /// The outcome of `signature` once it reached the backend's commitment; `None` before.
    fn signature_status(&self, signature: &Signature) -> impl Future<Output = BackendResult<Option<Confirmed>>> + Send;

    /// The log lines of a processed transaction; `None` if the node does not know it (yet).
    fn transaction_logs(
        &self,
        signature: &Signature,
    ) -> impl Future<Output = BackendResult<Option<Vec<String>>>> + Send;

    /// The current slot.
    fn slot(&self) -> impl Future<Output = BackendResult<u64>> + Send;

    /// When the block of `slot` was produced (Unix seconds); `None` when the backend does not
    /// know (no block at that slot, or a backend without block times, as LiteSVM).
    fn block_time(&self, slot: u64) -> impl Future<Output = BackendResult<Option<i64>>> + Send {
        let _ = slot;
        async { Ok(None) }
    }

    /// Whether [`send`](Self::send) simulates the transaction first against the newest state
    /// and sends nothing that fails there (a node's preflight). Then the client does not simulate
    /// separately a transaction whose compute units it measured before: one request instead of
    /// two, with the same guarantee. False (the default): the client simulates every
    /// transaction first.
    fn preflights(&self) -> bool {
        false
    }

    /// Watches for `signature`'s confirmation at the backend's commitment, before it is sent;
    /// `None` when the backend does not watch (the client polls
    /// [`signature_status`](Self::signature_status) itself).
    fn watch_signature(&self, signature: &Signature) -> impl Future<Output = Option<SignatureWatch>> + Send {
        let _ = signature;
        async { None }
    }

    /// The current slot as notified by a subscription, when one is live and recent; `None`: read
    /// it with [`slot`](Self::slot).
    fn subscribed_slot(&self) -> Option<u64> {
        None
    }

    /// Asks the cluster's faucet for `lamports` to `to` (only test clusters have one: a local
    /// validator, devnet, testnet); `Ok` means the airdrop transaction was accepted, not
    /// confirmed.
    fn airdrop(&self, to: &Address, lamports: u64) -> impl Future<Output = BackendResult<Signature>> + Send;
}
