//! The async Edgerun client (feature `client`): what the scheduler, the worker daemon, the crank
//! and the CLI use to read, list, watch and change Edgerun state on a cluster.
//!
//! - [`ChainBackend`] is the small set of chain operations everything else is built on, with two
//!   implementations: [`RpcBackend`] (JSON-RPC) and [`LiteSvmBackend`] (in-process, feature
//!   `litesvm`). One test suite runs against both.
//! - [`EdgerunClient`] decodes every account type with the program's own types, lists jobs and
//!   workers with `getProgramAccounts` filters whose offsets come from those types
//!   ([`filters`]), and sends transactions: fresh blockhash, compute-unit limit measured by a
//!   simulation, retries on transport failures only, bounded confirmation. A transaction whose
//!   simulation fails is never sent; its error comes back by name ([`TransactionFailure`]).
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
mod failure;
pub mod filters;
mod index;
mod rpc;
mod subscribe;
#[cfg(feature = "litesvm")]
mod svm;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::{AccountDeserialize, Discriminator};
use backon::{ExponentialBuilder, Retryable};
use edgerun::errors::EdgerunError;
use edgerun::state::{GlobalConfig, Job, JobResult, JobStatus, OutputAvailability, Treasury, WorkerStake};
use solana_address::Address;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use admin::ConfigOutcome;
pub use backend::{BackendError, BackendResult, ChainBackend, Confirmed, Memcmp, Simulation};
pub use failure::{
    edgerun_error_code, edgerun_error_from_code, FailureReason, TransactionFailure, EDGERUN_ERROR_OFFSET,
};
pub use index::{ChainIndex, IndexConfig, IndexEvent, LIVE_STATUSES};
#[cfg(feature = "metrics")]
pub use rpc::RpcRequestsMetric;
pub use rpc::{RpcBackend, RpcCalls, RpcConfig};
pub use subscribe::{AccountUpdate, EdgerunAccount, Snapshot, Subscription, SubscriptionConfig, UpdateSource};
#[cfg(feature = "litesvm")]
pub use svm::LiteSvmBackend;

use crate::accounts::{decode_account, AccountError};
use crate::events::{decode_logs, EdgerunEvent};
use crate::pda;

/// The most compute units one transaction may use.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

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
    /// Pause between two signature status queries.
    pub confirm_poll_interval: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            retry: RetryPolicy::default(),
            compute_unit_margin_percent: 20,
            confirm_timeout: Duration::from_secs(60),
            confirm_poll_interval: Duration::from_millis(200),
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
    /// Its logs, when the node still has them (`None` if they could not be read; the
    /// transaction is confirmed either way).
    pub logs: Option<Vec<String>>,
    /// The Edgerun events in those logs.
    pub events: Vec<EdgerunEvent>,
}

/// The Edgerun client over a chain backend.
pub struct EdgerunClient<B> {
    backend: Arc<B>,
    config: ClientConfig,
}

impl<B> Clone for EdgerunClient<B> {
    fn clone(&self) -> Self {
        EdgerunClient { backend: Arc::clone(&self.backend), config: self.config.clone() }
    }
}

impl<B: ChainBackend> EdgerunClient<B> {
    pub fn new(backend: B, config: ClientConfig) -> Self {
        Self::from_shared(Arc::new(backend), config)
    }

    /// A client over a backend that something else (a test, another client) also holds.
    pub fn from_shared(backend: Arc<B>, config: ClientConfig) -> Self {
        EdgerunClient { backend, config }
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

    /// The current slot at the backend's commitment.
    pub async fn slot(&self) -> Result<u64, ClientError> {
        self.read("getSlot", || self.backend.slot()).await
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

    /// Every registered worker with its stake.
    pub async fn workers(&self) -> Result<Vec<(Address, WorkerStake)>, ClientError> {
        self.program_accounts(&[]).await
    }

    // ----- sending -----

    /// Sends `instructions` paid by `payer` and signed by `signers` as well, and waits for
    /// confirmation. A compute-unit limit instruction is prepended, sized from a simulation; if
    /// the simulation fails, nothing is sent and the failure comes back by name.
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

        let blockhash =
            self.with_retry("getLatestBlockhash", || self.backend.latest_blockhash()).await.map_err(backend_error)?;
        let sign = |limit: u32| -> Result<Transaction, ClientError> {
            let mut with_limit = vec![ComputeBudgetInstruction::set_compute_unit_limit(limit)];
            with_limit.extend_from_slice(instructions);
            let message = Message::new_with_blockhash(&with_limit, Some(&payer.pubkey()), &blockhash);
            let mut transaction = Transaction::new_unsigned(message);
            transaction.try_sign(&all_signers, blockhash).map_err(|error| ClientError::Signing(error.to_string()))?;
            Ok(transaction)
        };

        // Measured under the largest limit, so the measurement is never what runs out.
        let probe = sign(MAX_COMPUTE_UNIT_LIMIT)?;
        let simulation =
            self.with_retry("simulateTransaction", || self.backend.simulate(&probe)).await.map_err(backend_error)?;
        if let Err(error) = simulation.result {
            return Err(failed(error, simulation.logs));
        }
        let compute_unit_limit = simulation.units_consumed.map_or(MAX_COMPUTE_UNIT_LIMIT, |units| {
            let margin = units.saturating_mul(u64::from(self.config.compute_unit_margin_percent)) / 100;
            u32::try_from(units.saturating_add(margin)).unwrap_or(u32::MAX).min(MAX_COMPUTE_UNIT_LIMIT)
        });
        let transaction = sign(compute_unit_limit)?;
        self.submit(&transaction, &programs, compute_unit_limit).await
    }

    /// Relays a transaction someone else signed: simulated first (a refusal comes back by name
    /// and nothing is sent), then sent and confirmed like [`send`](Self::send). Its compute-unit
    /// limit is whatever its signer set (the runtime's default without a compute-budget
    /// instruction): a signed transaction cannot be changed.
    pub async fn send_signed(&self, transaction: &Transaction) -> Result<SendReceipt, ClientError> {
        let message = &transaction.message;
        let programs: Vec<Address> = message
            .instructions
            .iter()
            .map(|instruction| {
                message.account_keys.get(usize::from(instruction.program_id_index)).copied().unwrap_or_default()
            })
            .collect();
        let backend_error = |(error, attempts)| client_error(error, attempts, &programs);
        let simulation = self
            .with_retry("simulateTransaction", || self.backend.simulate(transaction))
            .await
            .map_err(backend_error)?;
        if let Err(error) = simulation.result {
            return Err(ClientError::Transaction(Box::new(TransactionFailure::new(error, &programs, simulation.logs))));
        }
        self.submit(transaction, &programs, compute_unit_limit_of(transaction)).await
    }

    /// Sends a signed transaction whose simulation passed, waits for its confirmation and reads
    /// its logs. `programs` are its instructions' programs, in order (to name a failure).
    async fn submit(
        &self,
        transaction: &Transaction,
        programs: &[Address],
        compute_unit_limit: u32,
    ) -> Result<SendReceipt, ClientError> {
        let failed = |error, logs| ClientError::Transaction(Box::new(TransactionFailure::new(error, programs, logs)));
        let backend_error = |(error, attempts)| client_error(error, attempts, programs);
        let signature = transaction.signatures.first().copied().unwrap_or_default();

        // Resending the same signed transaction is idempotent; if an attempt that looked lost
        // in transport did land, the node's preflight answers `AlreadyProcessed`.
        let mut sends = 0usize;
        let sent = self
            .with_retry("sendTransaction", || {
                sends += 1;
                self.backend.send(transaction)
            })
            .await;
        match sent {
            Ok(_) => {}
            Err((BackendError::Preflight { error: TransactionError::AlreadyProcessed, .. }, _)) if sends > 1 => {}
            Err((BackendError::Preflight { error, logs }, _)) => return Err(failed(error, logs)),
            Err(other) => return Err(backend_error(other)),
        }

        let confirmed = self.confirm(&signature).await?;
        let logs = self
            .with_retry("getTransaction", || self.backend.transaction_logs(&signature))
            .await
            .unwrap_or_else(|(error, _)| {
                tracing::warn!(%error, %signature, "cannot read the logs of a confirmed transaction");
                None
            });
        if let Err(error) = confirmed.result {
            return Err(failed(error, logs.unwrap_or_default()));
        }
        let events = logs.as_deref().map(decode_logs).unwrap_or_default();
        Ok(SendReceipt { signature, slot: confirmed.slot, compute_unit_limit, logs, events })
    }

    /// Waits (at most `confirm_timeout`) until `signature` reaches the backend's commitment.
    pub async fn confirm(&self, signature: &Signature) -> Result<Confirmed, ClientError> {
        let deadline = tokio::time::Instant::now() + self.config.confirm_timeout;
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
