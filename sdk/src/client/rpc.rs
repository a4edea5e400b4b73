//! [`ChainBackend`] over a JSON-RPC node (`solana_client`'s nonblocking `RpcClient`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use solana_account::Account;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_address::Address;
use solana_client::client_error::{ClientError as RpcClientError, ClientErrorKind};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_client::RpcClientConfig;
use solana_client::rpc_config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig,
};
use solana_client::rpc_filter::{Memcmp as RpcMemcmp, RpcFilterType};
use solana_client::rpc_request::{RpcError, RpcRequest, RpcResponseErrorData};
use solana_client::rpc_response::Response as RpcResponse;
use solana_client::rpc_sender::{RpcSender, RpcTransportStats};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::http_sender::HttpSender;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::UiTransactionEncoding;

use super::backend::{BackendError, BackendResult, ChainBackend, Confirmed, Memcmp, Simulation};
use super::confirmations::{confirmed_at, Confirmations, SignatureWatch};
use super::pubsub::Pubsub;

/// `getMultipleAccounts` answers at most this many addresses per request.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// How [`RpcBackend`] talks to its node.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Commitment of every read, simulation, preflight and confirmation.
    pub commitment: CommitmentConfig,
    /// Longest wait for one HTTP request.
    pub request_timeout: Duration,
    /// The websocket for the current slot ([`super::pubsub`]), whose notifications also time
    /// the reads of sent transactions' statuses ([`super::confirmations`]); while it is down the
    /// slot is read over HTTP and the statuses every `status_poll_interval`.
    pub websocket: Websocket,
    /// Pause between two reads of the sent transactions' statuses while no slot is notified.
    pub status_poll_interval: Duration,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            commitment: CommitmentConfig::confirmed(),
            request_timeout: Duration::from_secs(30),
            websocket: Websocket::FromRpcUrl,
            status_poll_interval: Duration::from_millis(200),
        }
    }
}

/// Which websocket an [`RpcBackend`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Websocket {
    /// The RPC URL's, as the Solana CLI derives it ([`RpcBackend::websocket_url`]).
    FromRpcUrl,
    Url(String),
    /// None: confirmations are polled, the slot is read over HTTP.
    Off,
}

impl Websocket {
    /// `Some(url)`: that URL; `None`: the RPC URL's.
    pub fn url_or_derived(url: Option<String>) -> Self {
        url.map_or(Websocket::FromRpcUrl, Websocket::Url)
    }
}

/// A JSON-RPC node.
pub struct RpcBackend {
    client: Arc<RpcClient>,
    commitment: CommitmentConfig,
    calls: RpcCalls,
    pubsub: Option<Arc<Pubsub>>,
    confirmations: Arc<Confirmations>,
}

impl Drop for RpcBackend {
    fn drop(&mut self) {
        if let Some(pubsub) = &self.pubsub {
            pubsub.stop();
        }
        self.confirmations.stop();
    }
}

/// How many requests a backend sent, by JSON-RPC method (`getAccountInfo`, `sendTransaction`,
/// ...), counted at the transport: every request, whatever sent it. Shared by clones; services
/// publish it as `*_rpc_requests_total{method}` ([`RpcCalls::count`] for tests and benchmarks).
/// Subscriptions made on the client's own websocket (`slotSubscribe`) are
/// counted apart ([`RpcCalls::subscriptions`], `*_rpc_subscriptions_total{method}`): a message
/// on an open socket, not an HTTP request.
#[derive(Clone, Default)]
pub struct RpcCalls {
    requests: Arc<Mutex<BTreeMap<String, u64>>>,
    subscriptions: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl RpcCalls {
    fn record(&self, method: String) {
        *self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(method).or_default() += 1;
    }

    pub(crate) fn record_subscription(&self, method: &str) {
        *self
            .subscriptions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(method.to_string())
            .or_default() += 1;
    }

    /// Requests sent so far, by method.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Requests of `method` sent so far.
    pub fn count(&self, method: &str) -> u64 {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(method).copied().unwrap_or(0)
    }

    /// All requests sent so far.
    pub fn total(&self) -> u64 {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).values().sum()
    }

    /// Websocket subscriptions made so far, by method.
    pub fn subscriptions(&self) -> BTreeMap<String, u64> {
        self.subscriptions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Publishes these counts in `registry` as `rpc_requests_total{method}` and
    /// `rpc_subscriptions_total{method}` (prefixed with the registry's service name).
    #[cfg(feature = "metrics")]
    pub fn register(&self, registry: &prometheus::Registry) {
        registry.register(Box::new(RpcRequestsMetric::new(self.clone()))).expect("the RPC counts registered once");
    }
}

/// [`RpcCalls`] as the Prometheus counter `rpc_requests_total{method}` (the registry's prefix
/// names the service: `edgerun_scheduler_rpc_requests_total`, ...). Read at each scrape; the
/// label set is bounded by the JSON-RPC methods the client knows.
#[cfg(feature = "metrics")]
pub struct RpcRequestsMetric {
    calls: RpcCalls,
    counter: prometheus::IntCounterVec,
    subscriptions: prometheus::IntCounterVec,
}

#[cfg(feature = "metrics")]
impl RpcRequestsMetric {
    pub fn new(calls: RpcCalls) -> Self {
        let counter = prometheus::IntCounterVec::new(
            prometheus::Opts::new("rpc_requests_total", "JSON-RPC requests sent to the cluster, by method"),
            &["method"],
        )
        .expect("a valid metric");
        let subscriptions = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "rpc_subscriptions_total",
                "Subscriptions made on the chain client's own websocket, by method",
            ),
            &["method"],
        )
        .expect("a valid metric");
        RpcRequestsMetric { calls, counter, subscriptions }
    }
}

#[cfg(feature = "metrics")]
impl prometheus::core::Collector for RpcRequestsMetric {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        let mut descs = self.counter.desc();
        descs.extend(self.subscriptions.desc());
        descs
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        for (counts, counter) in
            [(self.calls.snapshot(), &self.counter), (self.calls.subscriptions(), &self.subscriptions)]
        {
            for (method, count) in counts {
                let counter = counter.with_label_values(&[method.as_str()]);
                counter.inc_by(count.saturating_sub(counter.get()));
            }
        }
        let mut families = self.counter.collect();
        families.extend(self.subscriptions.collect());
        families
    }
}

/// The HTTP transport, counting each request by method.
struct CountingSender {
    inner: HttpSender,
    calls: RpcCalls,
}

#[async_trait::async_trait]
impl RpcSender for CountingSender {
    async fn send(
        &self,
        request: RpcRequest,
        params: serde_json::Value,
    ) -> solana_client::client_error::Result<serde_json::Value> {
        self.calls.record(request.to_string());
        self.inner.send(request, params).await
    }

    fn get_transport_stats(&self) -> RpcTransportStats {
        self.inner.get_transport_stats()
    }

    fn url(&self) -> String {
        self.inner.url()
    }
}

impl RpcBackend {
    /// A backend for the node at `url` (e.g. `http://127.0.0.1:8899`).
    pub fn new(url: impl Into<String>, config: RpcConfig) -> Self {
        let url = url.into();
        let calls = RpcCalls::default();
        let ws_url = match config.websocket {
            Websocket::FromRpcUrl => Some(Self::websocket_url(&url)),
            Websocket::Url(ws_url) => Some(ws_url),
            Websocket::Off => None,
        };
        let pubsub = ws_url.map(|ws_url| Pubsub::new(ws_url, calls.clone()));
        let sender =
            CountingSender { inner: HttpSender::new_with_timeout(url, config.request_timeout), calls: calls.clone() };
        let client = Arc::new(RpcClient::new_sender(sender, RpcClientConfig::with_commitment(config.commitment)));
        let confirmations =
            Confirmations::new(Arc::clone(&client), config.commitment, pubsub.clone(), config.status_poll_interval);
        RpcBackend { client, commitment: config.commitment, calls, pubsub, confirmations }
    }

    /// The requests this backend sent, by method.
    pub fn calls(&self) -> &RpcCalls {
        &self.calls
    }

    /// The websocket this backend confirms and reads the slot on (`None`: [`Websocket::Off`]).
    pub fn ws_url(&self) -> Option<&str> {
        self.pubsub.as_deref().map(Pubsub::ws_url)
    }

    /// Whether that websocket is connected now (it connects at the first use, inside a tokio
    /// runtime, and again after it drops).
    pub fn websocket_connected(&self) -> bool {
        self.pubsub.as_ref().is_some_and(Pubsub::is_connected)
    }

    /// The websocket URL the Solana CLI derives from an RPC URL: same host, `ws(s)`, port + 1 when
    /// a port is given (8899 → 8900). What every service and the CLI subscribe to unless told
    /// otherwise.
    pub fn websocket_url(rpc_url: &str) -> String {
        let (scheme, rest) = match rpc_url.split_once("://") {
            Some(("https", rest)) => ("wss", rest),
            Some((_, rest)) => ("ws", rest),
            None => ("ws", rpc_url),
        };
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(authority, path)| (authority, path));
        let authority = match authority.rsplit_once(':') {
            // `[::1]` alone splits into "[:" and "1]", whose "port" does not parse: left as is.
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => format!("{host}:{}", port.saturating_add(1)),
                Err(_) => authority.to_string(),
            },
            None => authority.to_string(),
        };
        if path.is_empty() {
            format!("{scheme}://{authority}")
        } else {
            format!("{scheme}://{authority}/{path}")
        }
    }

    /// The underlying client, for what neither the trait nor [`call`](Self::call) covers.
    pub fn rpc_client(&self) -> &RpcClient {
        &self.client
    }

    /// A JSON-RPC method the trait has no typed call for (e.g. surfpool's `surfnet_*`
    /// cheatcodes); `params` is the JSON array of its parameters. Not retried; failures are
    /// sorted like every other call's.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        params: serde_json::Value,
    ) -> BackendResult<T> {
        if !params.is_array() {
            return Err(BackendError::Node(format!("the parameters of {method} must be a JSON array")));
        }
        self.client.send(RpcRequest::Custom { method }, params).await.map_err(classify)
    }

    pub fn url(&self) -> String {
        self.client.url()
    }

    fn account_config(&self) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.commitment),
            ..RpcAccountInfoConfig::default()
        }
    }
}

fn readable(address: &Address, account: UiAccount) -> BackendResult<Account> {
    account
        .to_account()
        .ok_or_else(|| BackendError::Node(format!("account {address} came back in an unreadable encoding")))
}

/// Sorts a client error into transport (retryable), preflight failure, or a node's answer.
fn classify(error: RpcClientError) -> BackendError {
    match error.kind() {
        ClientErrorKind::Io(error) => BackendError::Transport(error.to_string()),
        ClientErrorKind::Reqwest(error) if error.is_decode() => BackendError::Node(error.to_string()),
        ClientErrorKind::Reqwest(error) => BackendError::Transport(error.to_string()),
        ClientErrorKind::RpcError(RpcError::RpcResponseError { data, code, message }) => match data {
            RpcResponseErrorData::SendTransactionPreflightFailure(simulation) => match &simulation.err {
                Some(error) => BackendError::Preflight {
                    error: error.clone().into(),
                    logs: simulation.logs.clone().unwrap_or_default(),
                },
                None => BackendError::Node(format!("{code}: {message}")),
            },
            // A node that is behind answers again once it caught up.
            RpcResponseErrorData::NodeUnhealthy { .. } => BackendError::Transport(format!("{code}: {message}")),
            RpcResponseErrorData::Empty => BackendError::Node(format!("{code}: {message}")),
        },
        ClientErrorKind::TransactionError(error) => BackendError::Preflight { error: error.clone(), logs: Vec::new() },
        other => BackendError::Node(other.to_string()),
    }
}

impl ChainBackend for RpcBackend {
    async fn get_account(&self, address: &Address) -> BackendResult<Option<Account>> {
        // Not `get_account_with_commitment`: it folds every failure, transport included, into
        // one `ForUser` string, which would make a refused connection look like an answer.
        let params = serde_json::json!([address.to_string(), self.account_config()]);
        let response: RpcResponse<Option<UiAccount>> =
            self.client.send(RpcRequest::GetAccountInfo, params).await.map_err(classify)?;
        response.value.map(|account| readable(address, account)).transpose()
    }

    async fn get_multiple_accounts(&self, addresses: &[Address]) -> BackendResult<Vec<Option<Account>>> {
        let mut accounts = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(MAX_MULTIPLE_ACCOUNTS) {
            let answer =
                self.client.get_multiple_accounts_with_commitment(chunk, self.commitment).await.map_err(classify)?;
            accounts.extend(answer.value);
        }
        Ok(accounts)
    }

    async fn get_program_accounts(
        &self,
        program: &Address,
        filters: &[Memcmp],
    ) -> BackendResult<Vec<(Address, Account)>> {
        let config = RpcProgramAccountsConfig {
            filters: Some(
                filters
                    .iter()
                    .map(|filter| RpcFilterType::Memcmp(RpcMemcmp::new_base58_encoded(filter.offset, &filter.bytes)))
                    .collect(),
            ),
            account_config: self.account_config(),
            with_context: None,
            sort_results: None,
        };
        let accounts = self.client.get_program_ui_accounts_with_config(program, config).await.map_err(classify)?;
        accounts
            .into_iter()
            .map(|(address, account)| readable(&address, account).map(|account| (address, account)))
            .collect()
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        let (blockhash, _) =
            self.client.get_latest_blockhash_with_commitment(self.commitment).await.map_err(classify)?;
        Ok(blockhash)
    }

    async fn simulate(&self, transaction: &Transaction) -> BackendResult<Simulation> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: true,
            commitment: Some(self.commitment),
            encoding: Some(UiTransactionEncoding::Base64),
            ..RpcSimulateTransactionConfig::default()
        };
        let simulation =
            self.client.simulate_transaction_with_config(transaction, config).await.map_err(classify)?.value;
        Ok(Simulation {
            result: match simulation.err {
                Some(error) => Err(error.into()),
                None => Ok(()),
            },
            logs: simulation.logs.unwrap_or_default(),
            units_consumed: simulation.units_consumed,
        })
    }

    async fn send(&self, transaction: &Transaction) -> BackendResult<Signature> {
        let config = RpcSendTransactionConfig {
            // The node simulates once more against its newest state: a transaction that would
            // fail now is refused instead of landing and paying its fee.
            skip_preflight: false,
            preflight_commitment: Some(self.commitment.commitment),
            encoding: Some(UiTransactionEncoding::Base64),
            ..RpcSendTransactionConfig::default()
        };
        self.client.send_transaction_with_config(transaction, config).await.map_err(classify)
    }

    async fn signature_status(&self, signature: &Signature) -> BackendResult<Option<Confirmed>> {
        let statuses = self.client.get_signature_statuses(&[*signature]).await.map_err(classify)?.value;
        Ok(statuses.into_iter().next().flatten().and_then(|status| confirmed_at(status, self.commitment)))
    }

    async fn transaction_logs(&self, signature: &Signature) -> BackendResult<Option<Vec<String>>> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.commitment),
            max_supported_transaction_version: Some(0),
        };
        match self.client.get_transaction_with_config(signature, config).await {
            Ok(transaction) => {
                Ok(transaction.transaction.meta.and_then(|meta| Option::<Vec<String>>::from(meta.log_messages)))
            }
            // `getTransaction` answers `null` for an unknown signature, which the client reports
            // as a parse error of the null result.
            Err(error) if matches!(error.kind(), ClientErrorKind::SerdeJson(_)) => Ok(None),
            Err(error) => Err(classify(error)),
        }
    }

    async fn slot(&self) -> BackendResult<u64> {
        self.client.get_slot_with_commitment(self.commitment).await.map_err(classify)
    }

    async fn block_time(&self, slot: u64) -> BackendResult<Option<i64>> {
        match self.client.get_block_time(slot).await.map_err(classify) {
            Ok(time) => Ok(Some(time)),
            // A slot without a block (skipped, or older than the node keeps) has no time.
            Err(BackendError::Node(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn airdrop(&self, to: &Address, lamports: u64) -> BackendResult<Signature> {
        self.client.request_airdrop(to, lamports).await.map_err(classify)
    }

    /// A blockhash is valid for 150 blocks.
    fn reuses_blockhashes(&self) -> bool {
        true
    }

    /// `sendTransaction` is sent with `skip_preflight: false`.
    fn preflights(&self) -> bool {
        true
    }

    /// Every send is watched: its status is read with the other sends' once per slot.
    async fn watch_signature(&self, signature: &Signature) -> Option<SignatureWatch> {
        Some(self.confirmations.watch(signature))
    }

    fn subscribed_slot(&self) -> Option<u64> {
        self.pubsub.as_ref()?.slot()
    }
}

#[cfg(test)]
mod tests {
    use super::RpcBackend;

    #[test]
    fn websocket_url_follows_the_solana_cli() {
        assert_eq!(RpcBackend::websocket_url("http://127.0.0.1:8899"), "ws://127.0.0.1:8900");
        assert_eq!(RpcBackend::websocket_url("https://api.devnet.solana.com"), "wss://api.devnet.solana.com");
        assert_eq!(
            RpcBackend::websocket_url("https://rpc.example.com:443/key/abc"),
            "wss://rpc.example.com:444/key/abc"
        );
        assert_eq!(RpcBackend::websocket_url("http://[::1]"), "ws://[::1]");
    }
}
