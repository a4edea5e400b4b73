//! The async Edgerun client (feature `client`): what the scheduler, the worker daemon, the crank
//! and the CLI use to read, list, watch and change Edgerun state on a cluster.
//!
//! - [`ChainBackend`] is the small set of chain operations everything else is built on, with two
//!   implementations: [`RpcBackend`] (JSON-RPC) and [`LiteSvmBackend`] (in-process, feature
//!   `litesvm`). One test suite runs against both.
//! - [`EdgerunClient`] decodes every account type with the program's own types, lists jobs and
//!   workers with `getProgramAccounts` filters whose offsets come from those types
//!   ([`filters`]), and sends transactions: a recent blockhash shared by every send (refreshed by
//!   age and when the node no longer knows it), a compute-unit limit measured by a simulation
//!   once per kind of transaction, retries on transport failures only, confirmation of all the
//!   sends together by one status read per slot (`confirmations`). Every transaction is
//!   simulated before it is sent (the node's preflight, or the client's own measurement) and one
//!   that fails is never sent; its error comes back by name ([`TransactionFailure`]).
//! - [`subscribe`](EdgerunClient::subscribe) streams decoded account updates over the websocket,
//!   falling back to polling while the socket is down.
//! - [`ChainIndex`] keeps the live jobs, the workers and the config current from one
//!   subscription, loading with filtered queries only at start and when the subscription
//!   re-subscribes: what the services read instead of listing the chain.
//! - Events are read from the logs of every confirmed transaction ([`crate::events`]).
//! - Deployment: [`initialize_config`](EdgerunClient::initialize_config) (idempotent, with the
//!   parameters of [`crate::config_params`]), the program's
//!   [`upgrade_authority`](EdgerunClient::upgrade_authority),
//!   [`balance`](EdgerunClient::balance) and test-cluster
//!   [`request_airdrop`](EdgerunClient::request_airdrop).

mod admin;
mod backend;
mod confirmations;
mod failure;
pub mod filters;
mod index;
mod pubsub;
mod rpc;
mod subscribe;
#[cfg(feature = "litesvm")]
mod svm;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anchor_lang::{AccountDeserialize, Discriminator};
use backon::{ExponentialBuilder, Retryable};
use edgerun::errors::EdgerunError;
use edgerun::state::{GlobalConfig, Job, JobResult, JobStatus, OutputAvailability, Treasury, WorkerStake};
use solana_address::Address;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use admin::ConfigOutcome;
pub use backend::{BackendError, BackendResult, ChainBackend, Confirmed, Memcmp, SignatureWatch, Simulation, WatchEnd};
pub use failure::{
    edgerun_error_code, edgerun_error_from_code, FailureReason, TransactionFailure, EDGERUN_ERROR_OFFSET,
};
pub use index::{ChainIndex, IndexConfig, IndexEvent, LIVE_STATUSES};
#[cfg(feature = "metrics")]
pub use rpc::RpcRequestsMetric;
pub use rpc::{RpcBackend, RpcCalls, RpcConfig, Websocket};
pub use subscribe::{AccountUpdate, EdgerunAccount, Snapshot, Subscription, SubscriptionConfig, UpdateSource};
#[cfg(feature = "litesvm")]
pub use svm::LiteSvmBackend;

use crate::accounts::{decode_account, AccountError};
use crate::events::{decode_logs, EdgerunEvent};
use crate::pda;

/// The most compute units one transaction may use.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// A cached blockhash is not used once the cluster is this many slots past the one it was read
/// at (when the backend's slot subscription tells): well inside the 150 blocks a blockhash is
/// valid for, whatever the slot time.
pub const BLOCKHASH_MAX_SLOTS: u64 = 60;

/// While a confirmation is awaited from the backend's watch, the status is also read once this
/// often: a watch that went silent does not hold a confirmation back.
const STATUS_CHECK: Duration = Duration::from_secs(5);

/// Retries of operations that failed in transport (exponential backoff with jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 never retries.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 4, min_delay: Duration::from_millis(200), max_delay: Duration::from_secs(3) }
    }
}

impl RetryPolicy {
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
    }
}

/// How [`EdgerunClient`] retries, measures and confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub retry: RetryPolicy,
    /// Compute-unit limit = simulated units plus this percentage (state may change between the
    /// simulation and execution, e.g. a committee member's result landing first).
    pub compute_unit_margin_percent: u32,
    /// Longest wait for a sent transaction to reach the backend's commitment.
    pub confirm_timeout: Duration,
    /// Pause between two signature status queries (while no websocket notifies).
    pub confirm_poll_interval: Duration,
    /// The blockhash every send shares is read again once it is this old (and when the node
    /// answers `BlockhashNotFound`, and [`BLOCKHASH_MAX_SLOTS`] after it was read). A blockhash
    /// is valid for 150 blocks (about 60 s at 400 ms slots).
    pub blockhash_max_age: Duration,
    /// Read the logs (`getTransaction`) of every confirmed transaction into its
    /// [`SendReceipt`]; otherwise only of one that failed on chain (to name the failure).
    pub success_logs: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            retry: RetryPolicy::default(),
            compute_unit_margin_percent: 20,
            confirm_timeout: Duration::from_secs(60),
            confirm_poll_interval: Duration::from_millis(200),
            blockhash_max_age: Duration::from_secs(20),
            success_logs: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached (after every retry).
    #[error("transport failure after {attempts} attempt(s): {message}")]
    Transport { attempts: usize, message: String },
    /// The node answered with an error.
    #[error("the node refused the request: {0}")]
    Node(String),
    /// The transaction was refused (in simulation, preflight or on chain), by name.
    #[error("{0}")]
    Transaction(Box<TransactionFailure>),
    /// A singleton account (config, treasury) that must exist does not.
    #[error("the {kind} account {address} does not exist")]
    NotFound { kind: &'static str, address: Address },
    #[error(transparent)]
    Decode(#[from] AccountError),
    /// Sent, but not seen at the wanted commitment in time: it may still land; check
    /// `signature` before sending the same change again.
    #[error("transaction {signature} was not confirmed within {waited:?}")]
    Unconfirmed { signature: Signature, waited: Duration },
    #[error("cannot sign the transaction: {0}")]
    Signing(String),
    /// The program is not an executable account on the cluster.
    #[error("the program {program} is not deployed: {reason}")]
    ProgramNotDeployed { program: Address, reason: String },
    /// The program has no readable ProgramData account under the upgradeable loader.
    #[error(
        "the program {program} is not an upgradeable program ({reason}); deploy it with the upgradeable \
         loader, e.g. `solana program deploy --upgrade-authority <admin keypair>`"
    )]
    NotUpgradeable { program: Address, reason: String },
    /// Only the program's upgrade authority may initialize the config.
    #[error("{}", not_upgrade_authority(signer, authority))]
    NotUpgradeAuthority {
        signer: Address,
        /// `None`: the program is immutable.
        authority: Option<Address>,
    },
    /// The config exists and differs from the wanted one.
    #[error(
        "the Edgerun config {config} already exists and differs from the wanted one (on chain != wanted):\n  {}\n\
         change it with update_config signed by the admin",
        differences.join("\n  ")
    )]
    ConfigMismatch {
        config: Address,
        /// `field: on chain != wanted`, one per differing field.
        differences: Vec<String>,
    },
}

fn not_upgrade_authority(signer: &Address, authority: &Option<Address>) -> String {
    match authority {
        Some(authority) => format!(
            "only the program's upgrade authority may initialize the config: {signer} is not {authority}; \
             sign with the upgrade authority's keypair"
        ),
        None => format!(
            "the program is immutable (it has no upgrade authority), so nobody can initialize its config \
             ({signer} tried); redeploy it with an upgrade authority"
        ),
    }
}

impl ClientError {
    /// The Edgerun error that refused the transaction, if that is what happened.
    pub fn edgerun_error(&self) -> Option<EdgerunError> {
        match self {
            ClientError::Transaction(failure) => failure.edgerun_error(),
            _ => None,
        }
    }

    pub fn is_transport(&self) -> bool {
        matches!(self, ClientError::Transport { .. })
    }
}

/// A confirmed transaction.
#[derive(Debug, Clone)]
pub struct SendReceipt {
    pub signature: Signature,
    pub slot: u64,
    /// The compute-unit limit the transaction was sent with.
    pub compute_unit_limit: u32,
    /// Its logs, with [`ClientConfig::success_logs`], when the node still has them (`None`
    /// otherwise, or if they could not be read; the transaction is confirmed either way).
    pub logs: Option<Vec<String>>,
    /// The Edgerun events in those logs.
    pub events: Vec<EdgerunEvent>,
}

/// The Edgerun client over a chain backend.
pub struct EdgerunClient<B> {
    backend: Arc<B>,
    config: ClientConfig,
    /// Shared by clones: what every send may reuse.
    shared: Arc<Shared>,
}

impl<B> Clone for EdgerunClient<B> {
    fn clone(&self) -> Self {
        EdgerunClient {
            backend: Arc::clone(&self.backend),
            config: self.config.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

#[derive(Default)]
struct Shared {
    /// An async lock: concurrent sends wait for one read of a new blockhash.
    blockhash: tokio::sync::Mutex<Option<CachedBlockhash>>,
    /// Compute units measured, by kind of transaction ([`transaction_kind`]): the most a
    /// simulation of that kind used.
    compute_units: Mutex<HashMap<Vec<u8>, u64>>,
    /// Signatures this client sent lately (see [`EdgerunClient::claim_signature`]).
    sent: Mutex<SentSignatures>,
}

/// The signatures of the transactions a client sent within the last [`SENT_MEMORY`], oldest
/// first: a send whose transaction would repeat one of them (same payer, instructions and shared
/// blockhash) is signed again on a newer blockhash instead, so a second identical deposit is a
/// second deposit, never the first one's confirmation.
#[derive(Default)]
struct SentSignatures {
    order: std::collections::VecDeque<(Instant, Signature)>,
    known: std::collections::HashSet<Signature>,
}

/// How long a sent signature is remembered: longer than a blockhash is valid (150 slots, 60 s at
/// 400 ms), so a repeat under the same blockhash is always seen.
const SENT_MEMORY: Duration = Duration::from_secs(120);

#[derive(Clone, Copy)]
struct CachedBlockhash {
    hash: Hash,
    read_at: Instant,
    /// The backend's subscribed slot when it was read, if it had one.
    slot: Option<u64>,
}

/// What identifies a kind of transaction for its compute units: each instruction's program and
/// the first byte of its data (the Edgerun program's one-byte discriminator, the system
/// program's tag). Not more: the arguments after it (a job id, an output hash, lamports) differ
/// from one transaction to the next and rarely change the cost; when they do, the transaction
/// runs out and its kind is measured again.
fn transaction_kind(instructions: &[Instruction]) -> Vec<u8> {
    let mut kind = Vec::with_capacity(instructions.len() * 34);
    for instruction in instructions {
        kind.extend_from_slice(instruction.program_id.as_ref());
        match instruction.data.first() {
            Some(first) => kind.extend_from_slice(&[1, *first]),
            None => kind.extend_from_slice(&[0, 0]),
        }
    }
    kind
}

/// Whether a transaction ran out of its compute-unit limit.
fn out_of_compute(failure: &TransactionFailure) -> bool {
    matches!(
        failure.reason,
        FailureReason::Instruction(
            InstructionError::ComputationalBudgetExceeded | InstructionError::ProgramFailedToComplete
        )
    )
}

/// Whether the node no longer knows (or never knew) the transaction's blockhash.
fn blockhash_not_found(failure: &TransactionFailure) -> bool {
    matches!(failure.reason, FailureReason::Transaction(TransactionError::BlockhashNotFound))
}

impl<B: ChainBackend> EdgerunClient<B> {
    pub fn new(backend: B, config: ClientConfig) -> Self {
        Self::from_shared(Arc::new(backend), config)
    }

    /// A client over a backend that something else (a test, another client) also holds.
    pub fn from_shared(backend: Arc<B>, config: ClientConfig) -> Self {
        EdgerunClient { backend, config, shared: Arc::default() }
    }

    pub fn backend(&self) -> &Arc<B> {
        &self.backend
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs `operation`, retrying it while it fails in transport, as the retry policy allows.
    async fn with_retry<T, F, Fut>(&self, what: &'static str, mut operation: F) -> Result<T, (BackendError, usize)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = BackendResult<T>>,
    {
        let mut attempts = 0usize;
        let result = (|| {
            attempts += 1;
            operation()
        })
        .retry(self.config.retry.backoff())
        .sleep(tokio::time::sleep)
        .when(BackendError::is_transport)
        .notify(|error, delay| tracing::warn!(%error, ?delay, what, "transport failure, retrying"))
        .await;
        result.map_err(|error| (error, attempts))
    }

    /// [`with_retry`](Self::with_retry) for reads: a preflight failure cannot happen there.
    async fn read<T, F, Fut>(&self, what: &'static str, operation: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = BackendResult<T>>,
    {
        self.with_retry(what, operation).await.map_err(|(error, attempts)| client_error(error, attempts, &[]))
    }

    /// The current slot: the backend's slot subscription's when it is live (no request),
    /// otherwise read at the backend's commitment.
    pub async fn slot(&self) -> Result<u64, ClientError> {
        if let Some(slot) = self.backend.subscribed_slot() {
            return Ok(slot);
        }
        self.read("getSlot", || self.backend.slot()).await
    }

    /// A recent blockhash, shared by every send of this client and its clones: read again once
    /// [`ClientConfig::blockhash_max_age`] old or [`BLOCKHASH_MAX_SLOTS`] behind, and after a
    /// send found it unknown. A backend that does not reuse blockhashes is asked every time.
    pub async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        if !self.backend.reuses_blockhashes() {
            return self.read("getLatestBlockhash", || self.backend.latest_blockhash()).await;
        }
        let mut cached = self.shared.blockhash.lock().await;
        if let Some(known) = cached.as_ref().filter(|known| self.is_fresh(known)) {
            return Ok(known.hash);
        }
        let slot = self.backend.subscribed_slot();
        let hash = self.read("getLatestBlockhash", || self.backend.latest_blockhash()).await?;
        *cached = Some(CachedBlockhash { hash, read_at: Instant::now(), slot });
        Ok(hash)
    }

    fn is_fresh(&self, known: &CachedBlockhash) -> bool {
        let slots_behind = match (known.slot, self.backend.subscribed_slot()) {
            (Some(then), Some(now)) => now.saturating_sub(then),
            _ => 0,
        };
        known.read_at.elapsed() < self.config.blockhash_max_age && slots_behind < BLOCKHASH_MAX_SLOTS
    }

    /// Records `signature` as sent by this client; false if it already was (within
    /// [`SENT_MEMORY`]), when sending it would only repeat that earlier transaction.
    fn claim_signature(&self, signature: Signature) -> bool {
        let mut sent = self.shared.sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while sent.order.front().is_some_and(|(at, _)| at.elapsed() > SENT_MEMORY) {
            if let Some((_, old)) = sent.order.pop_front() {
                sent.known.remove(&old);
            }
        }
        if !sent.known.insert(signature) {
            return false;
        }
        sent.order.push_back((Instant::now(), signature));
        true
    }

    /// Forgets `signature` as sent (its transaction was refused before it could land).
    fn release_signature(&self, signature: &Signature) {
        let mut sent = self.shared.sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if sent.known.remove(signature) {
            sent.order.retain(|(_, known)| known != signature);
        }
    }

    /// A blockhash other than `used` (the shared one is dropped, and read again until the node
    /// has a newer one; a slot or so), within the confirmation timeout.
    async fn blockhash_after(&self, used: &Hash) -> Result<(), ClientError> {
        let deadline = Instant::now() + self.config.confirm_timeout;
        loop {
            self.forget_blockhash(used).await;
            if self.latest_blockhash().await? != *used {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(ClientError::Signing(format!(
                    "the node kept blockhash {used} for {:?}; an identical transaction cannot be sent again yet",
                    self.config.confirm_timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Drops the shared blockhash if it is `hash`: the next send reads a new one.
    async fn forget_blockhash(&self, hash: &Hash) {
        let mut cached = self.shared.blockhash.lock().await;
        if cached.as_ref().is_some_and(|known| known.hash == *hash) {
            *cached = None;
        }
    }

    /// The compute-unit limit for `kind` from an earlier measurement, if any.
    fn known_limit(&self, kind: &[u8]) -> Option<u32> {
        let units = *self.shared.compute_units.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(kind)?;
        Some(self.limit_for(units))
    }

    /// The limit for `units` measured: plus the margin, at most [`MAX_COMPUTE_UNIT_LIMIT`].
    fn limit_for(&self, units: u64) -> u32 {
        let margin = units.saturating_mul(u64::from(self.config.compute_unit_margin_percent)) / 100;
        u32::try_from(units.saturating_add(margin)).unwrap_or(u32::MAX).min(MAX_COMPUTE_UNIT_LIMIT)
    }

    /// When the block of `slot` was produced (Unix seconds), if the backend knows.
    pub async fn block_time(&self, slot: u64) -> Result<Option<i64>, ClientError> {
        self.read("getBlockTime", || self.backend.block_time(slot)).await
    }

    // ----- typed fetches -----

    /// The Edgerun account of type `T` at `address`; `None` if it does not exist.
    pub async fn account<T: AccountDeserialize>(&self, address: &Address) -> Result<Option<T>, ClientError> {
        let account = self.read("getAccountInfo", || self.backend.get_account(address)).await?;
        match account {
            Some(account) => Ok(decode_account(address, &account.owner, &account.data)?),
            None => Ok(None),
        }
    }

    /// The protocol config (an error before `initialize_config`).
    pub async fn global_config(&self) -> Result<GlobalConfig, ClientError> {
        let address = pda::config_address();
        self.account(&address).await?.ok_or(ClientError::NotFound { kind: "config", address })
    }

    /// What posting a job of `escrow` takes from the customer on this cluster
    /// ([`crate::submission::posting_cost`]), with the rent of the cluster's Rent sysvar.
    pub async fn posting_cost(&self, config: &GlobalConfig, escrow: u64) -> Result<u64, ClientError> {
        let address = crate::submission::RENT_SYSVAR;
        let sysvar = self
            .read("getAccountInfo", || self.backend.get_account(&address))
            .await?
            .ok_or(ClientError::NotFound { kind: "rent sysvar", address })?;
        crate::submission::posting_cost(config, escrow, |len| crate::submission::rent_exempt_minimum(&sysvar.data, len))
            .ok_or_else(|| ClientError::Node(format!("the rent sysvar {address} does not give a rent for a job")))
    }

    pub async fn treasury(&self) -> Result<Treasury, ClientError> {
        let address = pda::treasury_address();
        self.account(&address).await?.ok_or(ClientError::NotFound { kind: "treasury", address })
    }

    pub async fn worker_stake(&self, worker: &Address) -> Result<Option<WorkerStake>, ClientError> {
        self.account(&pda::worker_stake_address(worker)).await
    }

    pub async fn job(&self, job_id: &[u8; 32]) -> Result<Option<Job>, ClientError> {
        self.account(&pda::job_address(job_id)).await
    }

    pub async fn job_result(&self, job_id: &[u8; 32], worker: &Address) -> Result<Option<JobResult>, ClientError> {
        self.account(&pda::job_result_address(job_id, worker)).await
    }

    pub async fn output_availability(&self, job_id: &[u8; 32]) -> Result<Option<OutputAvailability>, ClientError> {
        self.account(&pda::output_address(job_id)).await
    }

    /// The result of each committee member of `job`, in assignment order (`None`: not submitted),
    /// in one request.
    pub async fn committee_results(&self, job: &Job) -> Result<Vec<(Address, Option<JobResult>)>, ClientError> {
        let addresses: Vec<Address> =
            job.committee().iter().map(|worker| pda::job_result_address(&job.job_id, worker)).collect();
        let accounts = self.read("getMultipleAccounts", || self.backend.get_multiple_accounts(&addresses)).await?;
        job.committee()
            .iter()
            .zip(addresses.iter().zip(accounts))
            .map(|(worker, (address, account))| {
                let result = match account {
                    Some(account) => decode_account(address, &account.owner, &account.data)?,
                    None => None,
                };
                Ok((*worker, result))
            })
            .collect()
    }

    /// What a job is judged by besides itself, in one request: the result of each committee
    /// member of `job` in assignment order (when `results`; empty otherwise) and its
    /// OutputAvailability (when `output`; `None` otherwise or when not declared). No request
    /// when neither is wanted.
    pub async fn job_accounts(
        &self,
        job: &Job,
        results: bool,
        output: bool,
    ) -> Result<(Vec<(Address, Option<JobResult>)>, Option<OutputAvailability>), ClientError> {
        let members: &[Address] = if results { job.committee() } else { &[] };
        let mut addresses: Vec<Address> =
            members.iter().map(|worker| pda::job_result_address(&job.job_id, worker)).collect();
        if output {
            addresses.push(pda::output_address(&job.job_id));
        }
        if addresses.is_empty() {
            return Ok((Vec::new(), None));
        }
        let mut accounts = self.read("getMultipleAccounts", || self.backend.get_multiple_accounts(&addresses)).await?;
        // The output's account is the last one asked for.
        let output_account = if output { accounts.pop().flatten() } else { None };
        let output = match output_account {
            Some(account) => decode_account(&pda::output_address(&job.job_id), &account.owner, &account.data)?,
            None => None,
        };
        let results = members
            .iter()
            .zip(addresses.iter().zip(accounts))
            .map(|(worker, (address, account))| {
                let result = match account {
                    Some(account) => decode_account(address, &account.owner, &account.data)?,
                    None => None,
                };
                Ok((*worker, result))
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        Ok((results, output))
    }

    // ----- listings -----

    /// Every Edgerun account of type `T` that passes `filters` (a discriminator filter is added).
    /// An account of ours that does not decode as `T` (e.g. written by an older program version)
    /// is skipped with a warning rather than failing the whole listing.
    pub async fn program_accounts<T: AccountDeserialize + Discriminator>(
        &self,
        filters: &[Memcmp],
    ) -> Result<Vec<(Address, T)>, ClientError> {
        let mut all = vec![filters::discriminator::<T>()];
        all.extend_from_slice(filters);
        let accounts =
            self.read("getProgramAccounts", || self.backend.get_program_accounts(&edgerun::ID, &all)).await?;
        Ok(accounts
            .into_iter()
            .filter_map(|(address, account)| match decode_account::<T>(&address, &account.owner, &account.data) {
                Ok(decoded) => decoded.map(|value| (address, value)),
                Err(error) => {
                    tracing::warn!(%error, "skipping an account that does not decode");
                    None
                }
            })
            .collect())
    }

    /// Every job on chain.
    pub async fn jobs(&self) -> Result<Vec<(Address, Job)>, ClientError> {
        self.program_accounts(&[]).await
    }

    /// Jobs in `status`.
    pub async fn jobs_by_status(&self, status: JobStatus) -> Result<Vec<(Address, Job)>, ClientError> {
        self.program_accounts(&[filters::job_status(status)]).await
    }

    /// Jobs posted by `client`.
    pub async fn jobs_by_client(&self, client: &Address) -> Result<Vec<(Address, Job)>, ClientError> {
        self.program_accounts(&[filters::job_client(client)]).await
    }

    /// Jobs whose committee includes `worker`. One filtered request per committee slot, run
    /// concurrently: the node does the filtering, so only matching jobs travel (a single
    /// discriminator-only request would download every job). Entries beyond a job's
    /// `assigned_count` are not committee members and are dropped.
    pub async fn jobs_by_worker(&self, worker: &Address) -> Result<Vec<(Address, Job)>, ClientError> {
        let requests = (0..edgerun::constants::MAX_COMMITTEE_SIZE).map(|slot| async move {
            self.program_accounts::<Job>(&[filters::job_assigned_worker(slot, worker)]).await
        });
        let mut jobs: Vec<(Address, Job)> = Vec::new();
        for listing in futures::future::join_all(requests).await {
            for (address, job) in listing? {
                if job.committee_index(worker).is_some() && !jobs.iter().any(|(known, _)| *known == address) {
                    jobs.push((address, job));
                }
            }
        }
        Ok(jobs)
    }

    /// Jobs whose committee includes `worker` or that replaced it (`reassign_missing`): every
    /// job its recent failures are counted over ([`crate::standing::recent_failures`]). Filtered
    /// on the node like [`jobs_by_worker`](Self::jobs_by_worker), one request per replaced position
    /// more.
    pub async fn jobs_of_worker_with_replaced(&self, worker: &Address) -> Result<Vec<(Address, Job)>, ClientError> {
        let requests = (0..edgerun::constants::MAX_REASSIGNMENTS).map(|position| async move {
            self.program_accounts::<Job>(&[filters::job_replaced_worker(position, worker)]).await
        });
        let (seated, replaced) =
            futures::future::join(self.jobs_by_worker(worker), futures::future::join_all(requests)).await;
        let mut jobs = seated?;
        // A set, not a scan of `jobs` per listed job: a worker's jobs are all those retained.
        let mut listed: std::collections::HashSet<Address> = jobs.iter().map(|(address, _)| *address).collect();
        for listing in replaced {
            for (address, job) in listing? {
                if job.replaced().contains(worker) && listed.insert(address) {
                    jobs.push((address, job));
                }
            }
        }
        Ok(jobs)
    }

    /// Every registered worker with its stake.
    pub async fn workers(&self) -> Result<Vec<(Address, WorkerStake)>, ClientError> {
        self.program_accounts(&[]).await
    }

    // ----- sending -----

    /// Sends `instructions` paid by `payer` and signed by `signers` as well, and waits for
    /// confirmation. A compute-unit limit instruction is prepended, sized from a simulation of
    /// the first transaction of the same kind (the same programs and instructions; measured again
    /// when one runs out); a transaction of a kind not measured yet is simulated first and, if
    /// that fails, nothing is sent. Every other is sent with the node's preflight simulation,
    /// which refuses it as surely. A refusal comes back by name.
    pub async fn send(
        &self,
        payer: &Keypair,
        signers: &[&Keypair],
        instructions: &[Instruction],
    ) -> Result<SendReceipt, ClientError> {
        let mut all_signers: Vec<&Keypair> = vec![payer];
        for signer in signers {
            if !all_signers.iter().any(|known| known.pubkey() == signer.pubkey()) {
                all_signers.push(signer);
            }
        }
        let mut programs = vec![solana_compute_budget_interface::ID];
        programs.extend(instructions.iter().map(|instruction| instruction.program_id));
        let failed = |error, logs| ClientError::Transaction(Box::new(TransactionFailure::new(error, &programs, logs)));
        let backend_error = |(error, attempts)| client_error(error, attempts, &programs);
        let kind = transaction_kind(instructions);

        // Each at most once: a new blockhash after the node did not know ours, a new measurement
        // after a transaction ran out of the units measured for its kind.
        let (mut new_blockhash, mut measured_again) = (false, false);
        loop {
            let blockhash = self.latest_blockhash().await?;
            let sign = |limit: u32| -> Result<Transaction, ClientError> {
                let mut with_limit = vec![ComputeBudgetInstruction::set_compute_unit_limit(limit)];
                with_limit.extend_from_slice(instructions);
                let message = Message::new_with_blockhash(&with_limit, Some(&payer.pubkey()), &blockhash);
                let mut transaction = Transaction::new_unsigned(message);
                transaction
                    .try_sign(&all_signers, blockhash)
                    .map_err(|error| ClientError::Signing(error.to_string()))?;
                Ok(transaction)
            };
            // Without the backend's preflight, every transaction is simulated first; so is one
            // that ran out of its kind's limit (another send may have measured the kind again
            // meanwhile, with a cheaper transaction of it).
            let known = if self.backend.preflights() && !measured_again { self.known_limit(&kind) } else { None };
            let compute_unit_limit = match known {
                Some(limit) => limit,
                None => {
                    // Measured under the largest limit, so the measurement is never what runs out.
                    let probe = sign(MAX_COMPUTE_UNIT_LIMIT)?;
                    let simulation = self
                        .with_retry("simulateTransaction", || self.backend.simulate(&probe))
                        .await
                        .map_err(backend_error)?;
                    if let Err(error) = simulation.result {
                        if error == TransactionError::BlockhashNotFound && !new_blockhash {
                            new_blockhash = true;
                            self.forget_blockhash(&blockhash).await;
                            continue;
                        }
                        return Err(failed(error, simulation.logs));
                    }
                    match simulation.units_consumed {
                        Some(units) => {
                            let mut measured =
                                self.shared.compute_units.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                            let most = measured.entry(kind.clone()).or_default();
                            *most = (*most).max(units);
                            self.limit_for(*most)
                        }
                        None => MAX_COMPUTE_UNIT_LIMIT,
                    }
                }
            };
            let transaction = sign(compute_unit_limit)?;
            // The very same transaction sent before by this client (the same instructions again
            // under the shared blockhash): the cluster would take it for that one. Sign it anew.
            if !self.claim_signature(transaction.signatures.first().copied().unwrap_or_default()) {
                self.blockhash_after(&blockhash).await?;
                continue;
            }
            match self.submit(&transaction, &programs, compute_unit_limit).await {
                Err(ClientError::Transaction(failure)) if blockhash_not_found(&failure) && !new_blockhash => {
                    new_blockhash = true;
                    self.forget_blockhash(&blockhash).await;
                }
                Err(ClientError::Transaction(failure))
                    if out_of_compute(&failure) && known.is_some() && !measured_again =>
                {
                    // The state made it costlier than the kind's measurement: measure this one.
                    tracing::debug!(compute_unit_limit, "the transaction ran out of compute units; measuring again");
                    measured_again = true;
                    self.shared.compute_units.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&kind);
                }
                outcome => return outcome,
            }
        }
    }

    /// Relays a transaction someone else signed: simulated first (by the backend's preflight
    /// when it has one, else by the client), a refusal comes back by name and nothing is sent;
    /// then sent and confirmed like [`send`](Self::send). Its compute-unit limit is whatever its
    /// signer set (the runtime's default without a compute-budget instruction): a signed
    /// transaction cannot be changed.
    pub async fn send_signed(&self, transaction: &Transaction) -> Result<SendReceipt, ClientError> {
        let message = &transaction.message;
        let programs: Vec<Address> = message
            .instructions
            .iter()
            .map(|instruction| {
                message.account_keys.get(usize::from(instruction.program_id_index)).copied().unwrap_or_default()
            })
            .collect();
        if !self.backend.preflights() {
            let backend_error = |(error, attempts)| client_error(error, attempts, &programs);
            let simulation = self
                .with_retry("simulateTransaction", || self.backend.simulate(transaction))
                .await
                .map_err(backend_error)?;
            if let Err(error) = simulation.result {
                return Err(ClientError::Transaction(Box::new(TransactionFailure::new(
                    error,
                    &programs,
                    simulation.logs,
                ))));
            }
        }
        self.submit(transaction, &programs, compute_unit_limit_of(transaction)).await
    }

    /// Sends a signed transaction that was simulated (by the client, or by the backend's
    /// preflight as it is sent), waits for its confirmation and, when it failed or with
    /// [`ClientConfig::success_logs`], reads its logs. `programs` are its instructions'
    /// programs, in order (to name a failure).
    async fn submit(
        &self,
        transaction: &Transaction,
        programs: &[Address],
        compute_unit_limit: u32,
    ) -> Result<SendReceipt, ClientError> {
        let failed = |error, logs| ClientError::Transaction(Box::new(TransactionFailure::new(error, programs, logs)));
        let backend_error = |(error, attempts)| client_error(error, attempts, programs);
        let signature = transaction.signatures.first().copied().unwrap_or_default();

        // Watched before it is sent, so its confirmation cannot be missed.
        let watch = self.backend.watch_signature(&signature).await;
        // Resending the same signed transaction is idempotent; if an attempt that looked lost in
        // transport did land, or the very same transaction (same signer, instructions and shared
        // blockhash) was sent before, the node's preflight answers `AlreadyProcessed`: it is on
        // chain, and its confirmation is what this send gets.
        let sent = self.with_retry("sendTransaction", || self.backend.send(transaction)).await;
        match sent {
            Ok(_) => {}
            Err((BackendError::Preflight { error: TransactionError::AlreadyProcessed, .. }, _)) => {}
            Err((BackendError::Preflight { error, logs }, _)) => {
                // Refused before it could land: sending it again later repeats nothing.
                self.release_signature(&signature);
                return Err(failed(error, logs));
            }
            Err(other) => return Err(backend_error(other)),
        }

        let confirmed = match watch {
            Some(watch) => self.confirm_notified(&signature, watch).await?,
            None => self.confirm(&signature).await?,
        };
        let logs = if confirmed.result.is_err() || self.config.success_logs {
            self.with_retry("getTransaction", || self.backend.transaction_logs(&signature)).await.unwrap_or_else(
                |(error, _)| {
                    tracing::warn!(%error, %signature, "cannot read the logs of a confirmed transaction");
                    None
                },
            )
        } else {
            None
        };
        if let Err(error) = confirmed.result {
            return Err(failed(error, logs.unwrap_or_default()));
        }
        let events = logs.as_deref().map(decode_logs).unwrap_or_default();
        Ok(SendReceipt { signature, slot: confirmed.slot, compute_unit_limit, logs, events })
    }

    /// Waits (at most `confirm_timeout`) for the backend's watch of `signature`; reads its status
    /// every [`STATUS_CHECK`] meanwhile, and polls for the rest of the wait if the
    /// watch ends early.
    async fn confirm_notified(&self, signature: &Signature, watch: SignatureWatch) -> Result<Confirmed, ClientError> {
        let deadline = tokio::time::Instant::now() + self.config.confirm_timeout;
        let notified = watch.outcome(self.config.confirm_timeout);
        tokio::pin!(notified);
        loop {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(ClientError::Unconfirmed { signature: *signature, waited: self.config.confirm_timeout });
            }
            let check = (now + STATUS_CHECK).min(deadline);
            tokio::select! {
                outcome = &mut notified => return match outcome {
                    Ok(confirmed) => Ok(confirmed),
                    Err(WatchEnd::TimedOut) => {
                        Err(ClientError::Unconfirmed { signature: *signature, waited: self.config.confirm_timeout })
                    }
                    Err(WatchEnd::Dropped) => {
                        tracing::debug!(%signature, "the backend stopped watching; polling the confirmation");
                        self.poll_confirmation(signature, deadline).await
                    }
                },
                () = tokio::time::sleep_until(check) => {
                    let status = self.read("getSignatureStatuses", || self.backend.signature_status(signature)).await?;
                    if let Some(confirmed) = status {
                        return Ok(confirmed);
                    }
                }
            }
        }
    }

    /// Waits (at most `confirm_timeout`) until `signature` reaches the backend's commitment,
    /// polling its status.
    pub async fn confirm(&self, signature: &Signature) -> Result<Confirmed, ClientError> {
        self.poll_confirmation(signature, tokio::time::Instant::now() + self.config.confirm_timeout).await
    }

    async fn poll_confirmation(
        &self,
        signature: &Signature,
        deadline: tokio::time::Instant,
    ) -> Result<Confirmed, ClientError> {
        loop {
            let status = self.read("getSignatureStatuses", || self.backend.signature_status(signature)).await?;
            if let Some(confirmed) = status {
                return Ok(confirmed);
            }
            if tokio::time::Instant::now() + self.config.confirm_poll_interval > deadline {
                return Err(ClientError::Unconfirmed { signature: *signature, waited: self.config.confirm_timeout });
            }
            tokio::time::sleep(self.config.confirm_poll_interval).await;
        }
    }
}

/// The compute-unit limit a signed transaction runs under: its `SetComputeUnitLimit`, else the
/// runtime's default (200,000 per instruction that is not a compute-budget one, at most
/// [`MAX_COMPUTE_UNIT_LIMIT`]).
fn compute_unit_limit_of(transaction: &Transaction) -> u32 {
    let message = &transaction.message;
    let mut others = 0u32;
    for instruction in &message.instructions {
        let program = message.account_keys.get(usize::from(instruction.program_id_index));
        if program == Some(&solana_compute_budget_interface::ID) {
            // `SetComputeUnitLimit` is tag 2 followed by the limit, u32 LE.
            if let [2, a, b, c, d] = instruction.data[..] {
                return u32::from_le_bytes([a, b, c, d]).min(MAX_COMPUTE_UNIT_LIMIT);
            }
        } else {
            others += 1;
        }
    }
    others.saturating_mul(200_000).min(MAX_COMPUTE_UNIT_LIMIT)
}

fn client_error(error: BackendError, attempts: usize, programs: &[Address]) -> ClientError {
    match error {
        BackendError::Transport(message) => ClientError::Transport { attempts, message },
        BackendError::Node(message) => ClientError::Node(message),
        BackendError::Preflight { error, logs } => {
            ClientError::Transaction(Box::new(TransactionFailure::new(error, programs, logs)))
        }
    }
}

#[cfg(test)]
mod tests {
    //! The send path over a scripted node: which requests each send costs.

    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

    use solana_account::Account;

    use super::*;

    /// A node that knows the blockhashes in `valid`, runs every transaction for `units` compute
    /// units (refused in preflight beyond its limit), and lands it failed when `fail_on_chain`.
    struct Node {
        latest: Mutex<Hash>,
        valid: Mutex<Vec<Hash>>,
        units: AtomicU64,
        fail_on_chain: AtomicBool,
        preflights: bool,
        landed: Mutex<HashMap<Signature, Confirmed>>,
        blockhash_reads: AtomicUsize,
        simulations: AtomicUsize,
        send_attempts: AtomicUsize,
        status_reads: AtomicUsize,
        log_reads: AtomicUsize,
        /// Run once at the first blockhash read after a preflight refusal (what another send
        /// does meanwhile).
        after_refusal: Mutex<Option<Box<dyn FnOnce() + Send>>>,
        refused: AtomicBool,
    }

    impl Node {
        fn new(preflights: bool) -> Self {
            let first = Hash::new_unique();
            Node {
                latest: Mutex::new(first),
                valid: Mutex::new(vec![first]),
                units: AtomicU64::new(10_000),
                fail_on_chain: AtomicBool::new(false),
                preflights,
                landed: Mutex::new(HashMap::new()),
                blockhash_reads: AtomicUsize::new(0),
                simulations: AtomicUsize::new(0),
                send_attempts: AtomicUsize::new(0),
                status_reads: AtomicUsize::new(0),
                log_reads: AtomicUsize::new(0),
                after_refusal: Mutex::new(None),
                refused: AtomicBool::new(false),
            }
        }

        /// A new latest blockhash; the old ones are forgotten.
        fn expire_blockhashes(&self) {
            let next = Hash::new_unique();
            *self.latest.lock().unwrap() = next;
            *self.valid.lock().unwrap() = vec![next];
        }

        fn count(counter: &AtomicUsize) -> usize {
            counter.load(Ordering::SeqCst)
        }

        /// What running `transaction` now gives.
        fn run(&self, transaction: &Transaction) -> Result<(), TransactionError> {
            if !self.valid.lock().unwrap().contains(&transaction.message.recent_blockhash) {
                return Err(TransactionError::BlockhashNotFound);
            }
            if u64::from(compute_unit_limit_of(transaction)) < self.units.load(Ordering::SeqCst) {
                return Err(TransactionError::InstructionError(1, InstructionError::ComputationalBudgetExceeded));
            }
            Ok(())
        }
    }

    impl ChainBackend for Node {
        async fn get_account(&self, _: &Address) -> BackendResult<Option<Account>> {
            Ok(None)
        }

        async fn get_multiple_accounts(&self, addresses: &[Address]) -> BackendResult<Vec<Option<Account>>> {
            Ok(vec![None; addresses.len()])
        }

        async fn get_program_accounts(&self, _: &Address, _: &[Memcmp]) -> BackendResult<Vec<(Address, Account)>> {
            Ok(Vec::new())
        }

        async fn latest_blockhash(&self) -> BackendResult<Hash> {
            self.blockhash_reads.fetch_add(1, Ordering::SeqCst);
            if self.refused.swap(false, Ordering::SeqCst) {
                let after_refusal = self.after_refusal.lock().unwrap().take();
                if let Some(after_refusal) = after_refusal {
                    after_refusal();
                }
            }
            Ok(*self.latest.lock().unwrap())
        }

        fn reuses_blockhashes(&self) -> bool {
            true
        }

        fn preflights(&self) -> bool {
            self.preflights
        }

        async fn simulate(&self, transaction: &Transaction) -> BackendResult<Simulation> {
            self.simulations.fetch_add(1, Ordering::SeqCst);
            Ok(Simulation {
                result: self.run(transaction),
                logs: Vec::new(),
                units_consumed: Some(self.units.load(Ordering::SeqCst)),
            })
        }

        async fn send(&self, transaction: &Transaction) -> BackendResult<Signature> {
            self.send_attempts.fetch_add(1, Ordering::SeqCst);
            if self.preflights {
                if let Err(error) = self.run(transaction) {
                    self.refused.store(true, Ordering::SeqCst);
                    return Err(BackendError::Preflight { error, logs: Vec::new() });
                }
            }
            let signature = transaction.signatures[0];
            let result = if self.fail_on_chain.load(Ordering::SeqCst) {
                Err(TransactionError::InstructionError(1, InstructionError::Custom(6000)))
            } else {
                self.run(transaction)
            };
            self.landed.lock().unwrap().insert(signature, Confirmed { slot: 7, result });
            Ok(signature)
        }

        async fn signature_status(&self, signature: &Signature) -> BackendResult<Option<Confirmed>> {
            self.status_reads.fetch_add(1, Ordering::SeqCst);
            Ok(self.landed.lock().unwrap().get(signature).cloned())
        }

        async fn transaction_logs(&self, _: &Signature) -> BackendResult<Option<Vec<String>>> {
            self.log_reads.fetch_add(1, Ordering::SeqCst);
            Ok(Some(vec!["Program log: scripted".to_string()]))
        }

        async fn slot(&self) -> BackendResult<u64> {
            Ok(7)
        }

        async fn airdrop(&self, _: &Address, _: u64) -> BackendResult<Signature> {
            Err(BackendError::Node("no faucet".into()))
        }
    }

    fn client(node: Node, config: ClientConfig) -> EdgerunClient<Node> {
        EdgerunClient::new(node, ClientConfig { confirm_poll_interval: Duration::from_millis(1), ..config })
    }

    /// A transfer-like instruction of one kind (the system program's id, tag 2), of a new amount
    /// at every call: each send is a transaction of its own.
    fn instruction(payer: &Keypair) -> Instruction {
        static AMOUNT: AtomicU64 = AtomicU64::new(1);
        transfer(payer, AMOUNT.fetch_add(1, Ordering::SeqCst))
    }

    fn transfer(payer: &Keypair, amount: u64) -> Instruction {
        let mut data = vec![2, 0, 0, 0];
        data.extend_from_slice(&amount.to_le_bytes());
        Instruction::new_with_bytes(
            Address::default(),
            &data,
            vec![solana_instruction::AccountMeta::new(payer.pubkey(), true)],
        )
    }

    #[tokio::test]
    async fn the_same_instructions_sent_twice_are_two_transactions_not_one_confirmed_twice() {
        let client = client(Node::new(true), ClientConfig::default());
        let node = client.backend();
        let payer = Keypair::new();
        let first = client.send(&payer, &[], &[transfer(&payer, 1_000)]).await.expect("sent");
        // The node moves to a new blockhash a moment later, as a cluster does every slot; the
        // shared one is still fresh for the client.
        let mover = {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                let next = Hash::new_unique();
                *client.backend().latest.lock().unwrap() = next;
                client.backend().valid.lock().unwrap().push(next);
            })
        };
        let second = client.send(&payer, &[], &[transfer(&payer, 1_000)]).await.expect("sent again");
        mover.await.unwrap();
        assert_ne!(first.signature, second.signature, "a second deposit is a second transaction");
        {
            let landed = node.landed.lock().unwrap();
            assert!(landed.contains_key(&first.signature) && landed.contains_key(&second.signature));
            assert_eq!(landed.len(), 2);
        }
        assert_eq!(Node::count(&node.send_attempts), 2, "the repeat was never sent");
        // A send that is not a repeat keeps using the shared blockhash.
        let reads = Node::count(&node.blockhash_reads);
        client.send(&payer, &[], &[transfer(&payer, 2_000)]).await.expect("sent");
        assert_eq!(Node::count(&node.blockhash_reads), reads);
    }

    #[tokio::test]
    async fn sends_share_one_blockhash_until_it_is_old() {
        let config = ClientConfig { blockhash_max_age: Duration::from_millis(300), ..ClientConfig::default() };
        let client = client(Node::new(true), config);
        let payer = Keypair::new();
        for _ in 0..3 {
            client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        }
        let node = client.backend();
        assert_eq!(Node::count(&node.blockhash_reads), 1, "one blockhash for the three");
        tokio::time::sleep(Duration::from_millis(400)).await;
        client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        assert_eq!(Node::count(&node.blockhash_reads), 2, "read again once older than the age");
    }

    #[tokio::test]
    async fn a_blockhash_the_node_no_longer_knows_is_read_again_once() {
        let client = client(Node::new(true), ClientConfig::default());
        let payer = Keypair::new();
        client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        let node = client.backend();
        node.expire_blockhashes();
        let receipt = client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent with a new blockhash");
        assert_eq!(Node::count(&node.blockhash_reads), 2);
        assert_eq!(Node::count(&node.send_attempts), 3, "the refused attempt, then the one that landed");
        assert!(node.landed.lock().unwrap().contains_key(&receipt.signature));
        // A node that keeps refusing: the second refusal is the answer, by name.
        let refuses_all = client.clone();
        refuses_all.backend().valid.lock().unwrap().clear();
        match refuses_all.send(&payer, &[], &[instruction(&payer)]).await {
            Err(ClientError::Transaction(failure)) => assert!(blockhash_not_found(&failure), "{failure}"),
            other => panic!("expected BlockhashNotFound, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn compute_units_are_measured_once_per_kind_and_again_when_they_run_out() {
        let client = client(Node::new(true), ClientConfig::default());
        let payer = Keypair::new();
        let node = client.backend();
        for _ in 0..3 {
            let receipt = client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
            assert_eq!(receipt.compute_unit_limit, 12_000, "10,000 measured plus 20%");
        }
        assert_eq!(Node::count(&node.simulations), 1, "the preflight refuses what would fail: one measurement");
        // The state makes it costlier than the margin covers: refused in preflight, measured
        // again, sent under the new limit.
        node.units.store(20_000, Ordering::SeqCst);
        let receipt = client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        assert_eq!((receipt.compute_unit_limit, Node::count(&node.simulations)), (24_000, 2));
        // What fails in the measurement is never sent.
        let sends = Node::count(&node.send_attempts);
        node.units.store(2_000_000, Ordering::SeqCst);
        let refused = client.send(&payer, &[], &[instruction(&payer)]).await;
        assert!(matches!(refused, Err(ClientError::Transaction(_))), "{refused:?}");
        assert_eq!(Node::count(&node.send_attempts), sends + 1, "the preflight's refusal, nothing after");
    }

    #[tokio::test]
    async fn a_transaction_that_ran_out_is_measured_itself_even_if_its_kind_was_measured_again_meanwhile() {
        // The blockhash read at every send: the node's hook runs between the refusal and the retry.
        let config = ClientConfig { blockhash_max_age: Duration::ZERO, ..ClientConfig::default() };
        let client = client(Node::new(true), config);
        let payer = Keypair::new();
        let node = client.backend();
        client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        // This transaction costs more than its kind's limit; while it is refused, another send
        // of the kind (a cheaper one) measures the kind again at the old cost.
        node.units.store(20_000, Ordering::SeqCst);
        let (shared, kind) = (Arc::clone(&client.shared), transaction_kind(&[instruction(&payer)]));
        *node.after_refusal.lock().unwrap() = Some(Box::new(move || {
            shared.compute_units.lock().unwrap().insert(kind, 10_000);
        }));
        let receipt = client.send(&payer, &[], &[instruction(&payer)]).await.expect("measured itself, then sent");
        assert_eq!(receipt.compute_unit_limit, 24_000);
    }

    #[tokio::test]
    async fn without_a_preflight_every_transaction_is_simulated_first() {
        let client = client(Node::new(false), ClientConfig::default());
        let payer = Keypair::new();
        for _ in 0..3 {
            client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        }
        assert_eq!(Node::count(&client.backend().simulations), 3);
    }

    #[tokio::test]
    async fn logs_are_read_for_a_failure_only_unless_asked() {
        let client = client(Node::new(true), ClientConfig::default());
        let payer = Keypair::new();
        let receipt = client.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        let node = client.backend();
        assert_eq!((receipt.logs, Node::count(&node.log_reads)), (None, 0));
        // Without a websocket the confirmation is polled.
        assert!(Node::count(&node.status_reads) >= 1);
        node.fail_on_chain.store(true, Ordering::SeqCst);
        match client.send(&payer, &[], &[instruction(&payer)]).await {
            Err(ClientError::Transaction(failure)) => assert_eq!(failure.logs, ["Program log: scripted"]),
            other => panic!("expected the failure on chain, got {other:?}"),
        }
        assert_eq!(Node::count(&node.log_reads), 1);

        let with_logs = EdgerunClient::from_shared(
            Arc::clone(client.backend()),
            ClientConfig { success_logs: true, ..ClientConfig::default() },
        );
        node.fail_on_chain.store(false, Ordering::SeqCst);
        let receipt = with_logs.send(&payer, &[], &[instruction(&payer)]).await.expect("sent");
        assert_eq!(receipt.logs.as_deref(), Some(&["Program log: scripted".to_string()][..]));
    }
}
