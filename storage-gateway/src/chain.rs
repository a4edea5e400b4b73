//! What the gateway reads from the chain, behind one object-safe trait ([`ChainView`]) so that
//! the write policy and the retention sweep run the same code over a JSON-RPC node (production:
//! the sdk's `EdgerunClient<RpcBackend>`) and an in-process LiteSVM (tests:
//! `EdgerunClient<LiteSvmBackend>`). Every answer is read with the program's own account types
//! and the sdk's `getProgramAccounts` filters; nothing here scans the chain's history: each
//! question is one account read or one filtered listing.

use std::sync::Arc;
use std::time::Duration;

use edgerun_sdk::client::{
    filters, ChainBackend, ClientConfig, ClientError, EdgerunClient, RetryPolicy, RpcBackend, RpcCalls, RpcConfig,
};
use edgerun_sdk::edgerun::state::{Job, JobResult, JobStatus};
use edgerun_sdk::submission::{self, RENT_SYSVAR};
use edgerun_sdk::{accounts, pda};
use futures::future::BoxFuture;
use solana_address::Address;

#[derive(Debug, Clone, thiserror::Error)]
#[error("chain unavailable: {0}")]
pub struct ChainError(pub String);

impl From<ClientError> for ChainError {
    fn from(error: ClientError) -> Self {
        ChainError(error.to_string())
    }
}

/// A job as far as an output write cares: its committee and what the writer submitted.
#[derive(Debug, Clone)]
pub struct JobForMember {
    pub committee: Vec<Address>,
    /// The output hash the member submitted for this job, if it did.
    pub submitted: Option<[u8; 32]>,
}

/// The chain questions of the gateway. Object safe (boxed futures) so the policy can hold any
/// backend.
pub trait ChainView: Send + Sync + 'static {
    /// Lamports held by `key` (0 without an account).
    fn balance<'a>(&'a self, key: &'a Address) -> BoxFuture<'a, Result<u64, ChainError>>;

    /// Whether `client` has a job on chain that has not ended (posted, seeded, assigned or
    /// awaiting its output): escrow it cannot take back at will.
    fn has_open_job<'a>(&'a self, client: &'a Address) -> BoxFuture<'a, Result<bool, ChainError>>;

    /// What posting the cheapest job costs now: the Job's rent, the config's minimum escrow and
    /// the rent reserve of that escrow's committee (one JobResult per member, one
    /// OutputAvailability), as `post_job` takes them.
    fn posting_cost(&self) -> BoxFuture<'_, Result<u64, ChainError>>;

    /// The job `job_id` with `member`'s submitted output, in one request; `None` if the job is
    /// not on chain.
    fn job_for_member<'a>(
        &'a self,
        job_id: &'a [u8; 32],
        member: &'a Address,
    ) -> BoxFuture<'a, Result<Option<JobForMember>, ChainError>>;

    /// Whether any of `job_ids` is still on chain (its Job account not closed).
    fn any_job_exists<'a>(&'a self, job_ids: &'a [[u8; 32]]) -> BoxFuture<'a, Result<bool, ChainError>>;

    /// Whether a job on chain runs the bundle `bundle_hash`.
    fn bundle_in_use<'a>(&'a self, bundle_hash: &'a [u8; 32]) -> BoxFuture<'a, Result<bool, ChainError>>;

    /// Whether a job on chain has `output_hash` as its winning output.
    fn output_won<'a>(&'a self, output_hash: &'a [u8; 32]) -> BoxFuture<'a, Result<bool, ChainError>>;
}

/// The chain at the JSON-RPC node `url`: reads at `confirmed`, 10 s per request, one quick
/// retry (a write waits on these answers); with the count of its requests by method.
pub fn rpc_chain(url: &str) -> (Arc<dyn ChainView>, RpcCalls) {
    let backend = RpcBackend::new(url, RpcConfig { request_timeout: Duration::from_secs(10), ..RpcConfig::default() });
    let config = ClientConfig {
        retry: RetryPolicy {
            max_retries: 1,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        },
        ..ClientConfig::default()
    };
    let calls = backend.calls().clone();
    (Arc::new(EdgerunClient::new(backend, config)), calls)
}

/// The statuses of a job that still holds the customer's escrow.
fn is_open(job: &Job) -> bool {
    matches!(
        job.status(),
        Ok(JobStatus::Posted
            | JobStatus::Seeded
            | JobStatus::Assigned
            | JobStatus::QuorumReached
            | JobStatus::AwaitingDa)
    )
}

/// The Rent sysvar's data, read once per computation of a cost.
async fn rent_sysvar<B: ChainBackend>(client: &EdgerunClient<B>) -> Result<Vec<u8>, ChainError> {
    let sysvar = client
        .backend()
        .get_account(&RENT_SYSVAR)
        .await
        .map_err(|error| ChainError(format!("reading the rent sysvar: {error}")))?
        .ok_or_else(|| ChainError("the cluster has no rent sysvar".into()))?;
    Ok(sysvar.data)
}

impl<B: ChainBackend> ChainView for EdgerunClient<B> {
    fn balance<'a>(&'a self, key: &'a Address) -> BoxFuture<'a, Result<u64, ChainError>> {
        Box::pin(async move { Ok(EdgerunClient::balance(self, key).await?) })
    }

    fn has_open_job<'a>(&'a self, client: &'a Address) -> BoxFuture<'a, Result<bool, ChainError>> {
        Box::pin(async move { Ok(self.jobs_by_client(client).await?.iter().any(|(_, job)| is_open(job))) })
    }

    fn posting_cost(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move {
            let config = self.global_config().await?;
            let sysvar = rent_sysvar(self).await?;
            // The sdk's one definition of what `post_job` takes (the CLI and the scheduler's API
            // check balances with it too), for the cheapest escrow the config accepts.
            submission::posting_cost(&config, config.min_escrow_lamports.get(), |len| {
                submission::rent_exempt_minimum(&sysvar, len)
            })
            .ok_or_else(|| ChainError("the rent sysvar does not decode, or the cost of a job overflows".into()))
        })
    }

    fn job_for_member<'a>(
        &'a self,
        job_id: &'a [u8; 32],
        member: &'a Address,
    ) -> BoxFuture<'a, Result<Option<JobForMember>, ChainError>> {
        Box::pin(async move {
            let job_address = pda::job_address(job_id);
            let result_address = pda::job_result_address(job_id, member);
            let accounts = self
                .backend()
                .get_multiple_accounts(&[job_address, result_address])
                .await
                .map_err(|error| ChainError(format!("reading job {}: {error}", hex::encode(job_id))))?;
            let mut accounts = accounts.into_iter();
            let (Some(job), Some(result)) = (accounts.next(), accounts.next()) else {
                return Err(ChainError("the node answered fewer accounts than asked".into()));
            };
            let Some(job) = job else { return Ok(None) };
            let Some(job) = accounts::decode_account::<Job>(&job_address, &job.owner, &job.data)
                .map_err(|error| ChainError(error.to_string()))?
            else {
                return Ok(None);
            };
            let submitted = match result {
                Some(result) => accounts::decode_account::<JobResult>(&result_address, &result.owner, &result.data)
                    .map_err(|error| ChainError(error.to_string()))?
                    .map(|result| result.output_hash),
                None => None,
            };
            Ok(Some(JobForMember { committee: job.committee().to_vec(), submitted }))
        })
    }

    fn any_job_exists<'a>(&'a self, job_ids: &'a [[u8; 32]]) -> BoxFuture<'a, Result<bool, ChainError>> {
        Box::pin(async move {
            if job_ids.is_empty() {
                return Ok(false);
            }
            let addresses: Vec<Address> = job_ids.iter().map(pda::job_address).collect();
            let accounts = self
                .backend()
                .get_multiple_accounts(&addresses)
                .await
                .map_err(|error| ChainError(format!("reading jobs: {error}")))?;
            // A closed account comes back absent or emptied and system owned.
            Ok(accounts
                .iter()
                .flatten()
                .any(|account| account.owner == edgerun_sdk::edgerun::ID && !account.data.is_empty()))
        })
    }

    fn bundle_in_use<'a>(&'a self, bundle_hash: &'a [u8; 32]) -> BoxFuture<'a, Result<bool, ChainError>> {
        Box::pin(async move {
            Ok(!self.program_accounts::<Job>(&[filters::job_bundle_hash(bundle_hash)]).await?.is_empty())
        })
    }

    fn output_won<'a>(&'a self, output_hash: &'a [u8; 32]) -> BoxFuture<'a, Result<bool, ChainError>> {
        Box::pin(async move {
            Ok(!self.program_accounts::<Job>(&[filters::job_winning_output(output_hash)]).await?.is_empty())
        })
    }
}
