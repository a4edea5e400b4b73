use std::{collections::HashMap, str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use jsonrpc_core::futures::future::try_join_all;
use serde_json::json;
use solana_account::Account;
use solana_account_decoder::UiAccount;
use solana_client::{
    nonblocking::rpc_client::RpcClient,
    rpc_client::{GetConfirmedSignaturesForAddress2Config, RpcClientConfig},
    rpc_config::{
        RpcAccountInfoConfig, RpcBlockConfig, RpcLargestAccountsConfig, RpcProgramAccountsConfig,
        RpcSignaturesForAddressConfig, RpcTokenAccountsFilter, RpcTransactionConfig,
    },
    rpc_filter::RpcFilterType,
    rpc_request::{RpcError, RpcRequest, TokenAccountsFilter},
    rpc_response::{
        RpcAccountBalance, RpcConfirmedTransactionStatusWithSignature, RpcKeyedAccount, RpcResult,
        RpcTokenAccountBalance,
    },
};
use solana_clock::Slot;
use solana_commitment_config::CommitmentConfig;
use solana_epoch_info::EpochInfo;
use solana_epoch_schedule::EpochSchedule;
use solana_hash::Hash;
use solana_loader_v3_interface::get_program_data_address;
use solana_pubkey::Pubkey;
use solana_rpc_client::{
    http_sender::HttpSender,
    rpc_sender::{RpcSender, RpcTransportStats},
};
use solana_rpc_client_api::client_error::{
    Error as ClientError, ErrorKind as ClientErrorKind, Result as ClientResult,
};
use solana_signature::Signature;
use solana_sysvar::last_restart_slot::{self, LastRestartSlot};
use solana_transaction_status::{EncodedConfirmedTransactionWithStatusMeta, UiConfirmedBlock};
use surfpool_types::sanitized_datasource_url;

use super::GetTransactionResult;
use crate::{
    error::{SurfpoolError, SurfpoolResult},
    rpc::utils::is_method_not_supported_error,
    surfnet::{
        AccountSource, CoupledAccount, GetAccountResult, locker::is_supported_token_program,
    },
    types::{RemoteRpcResult, TokenAccount},
};

/// How long one call to the datasource gets, start to finish.
///
/// Without this outer deadline, the HTTP timeout applies per attempt,
/// so Solana retry/backoff handling can keep a datasource call alive
/// for up to ten minutes.
const DATASOURCE_DEADLINE: Duration = Duration::from_secs(60);
const DATASOURCE_HTTP_TIMEOUT: Duration = Duration::from_secs(30);
const DATASOURCE_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Maximum number of pubkeys accepted by a single `getMultipleAccounts` request.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

fn sanitized_client_error(error: &ClientError, datasource_url: &str) -> String {
    let endpoint =
        sanitized_datasource_url(datasource_url).unwrap_or_else(|| "the datasource".to_string());

    match error.kind() {
        ClientErrorKind::Reqwest(error) => {
            if let Some(status) = error.status() {
                format!("datasource returned HTTP {status} from {endpoint}")
            } else if error.is_timeout() {
                format!("datasource request to {endpoint} timed out")
            } else if error.is_connect() {
                format!("failed to connect to {endpoint}")
            } else if error.is_decode() {
                format!("failed to decode the response from {endpoint}")
            } else {
                format!("datasource request to {endpoint} failed")
            }
        }
        ClientErrorKind::Middleware(_) => format!("datasource middleware failed for {endpoint}"),
        ClientErrorKind::Io(error) => {
            format!("datasource I/O error ({:?}) for {endpoint}", error.kind())
        }
        ClientErrorKind::SerdeJson(error) => format!(
            "invalid JSON response from {endpoint} at line {}, column {}",
            error.line(),
            error.column()
        ),
        ClientErrorKind::RpcError(error) => match error {
            RpcError::RpcRequestError(_) | RpcError::ForUser(_) => {
                format!("datasource RPC request failed for {endpoint}")
            }
            RpcError::RpcResponseError { code, .. } => {
                format!("datasource RPC response error {code} from {endpoint}")
            }
            RpcError::ParseError(_) => {
                format!("failed to parse the RPC response from {endpoint}")
            }
        },
        ClientErrorKind::SigningError(error) => error.to_string(),
        ClientErrorKind::TransactionError(error) => error.to_string(),
        ClientErrorKind::Custom(_) => format!("datasource client error for {endpoint}"),
    }
}

/// The datasource's answer for a mint it cannot resolve: JSON-RPC `-32602` with
/// `could not find mint`. Any other `-32602` (bad encoding, bad program filter, `not a Token
/// mint`) is a request error the caller must see.
fn is_unknown_mint_error(error: &ClientError) -> bool {
    matches!(
        error.kind(),
        ClientErrorKind::RpcError(RpcError::RpcResponseError { code: -32602, message, .. })
            if message.contains("could not find mint")
    )
}

/// [`is_unknown_mint_error`] for a token-accounts request: only a `Mint` filter can be answered
/// by an unknown mint.
fn is_unknown_mint(filter: &TokenAccountsFilter, error: &ClientError) -> bool {
    matches!(filter, TokenAccountsFilter::Mint(_)) && is_unknown_mint_error(error)
}

/// Drops the URL a transport error carries.
fn without_datasource_url(error: ClientError) -> ClientError {
    let ClientError { request, kind } = error;
    let kind = match *kind {
        ClientErrorKind::Reqwest(error) => ClientErrorKind::Reqwest(error.without_url()),
        kind => kind,
    };
    ClientError {
        request,
        kind: Box::new(kind),
    }
}

/// Bounds how long the sender it wraps may take, so a datasource that stops
/// answering surfaces as an error rather than as a surfnet that appears stuck.
struct DeadlineSender<S> {
    inner: S,
    deadline: Duration,
}

impl<S> DeadlineSender<S> {
    fn new(inner: S, deadline: Duration) -> Self {
        DeadlineSender { inner, deadline }
    }
}

#[async_trait]
impl<S: RpcSender + Send + Sync> RpcSender for DeadlineSender<S> {
    async fn send(
        &self,
        request: RpcRequest,
        params: serde_json::Value,
    ) -> ClientResult<serde_json::Value> {
        match tokio::time::timeout(self.deadline, self.inner.send(request, params)).await {
            Ok(response) => response.map_err(without_datasource_url),
            // Scheme and host only. This message reaches a client through
            // JSON-RPC error data, and a datasource URL carries credentials in
            // its query, its path, and its userinfo. A URL that will not parse
            // is named generically rather than printed raw.
            Err(_) => Err(ClientErrorKind::Custom(format!(
                "{:?} to {} did not answer within {:?}",
                request,
                sanitized_datasource_url(&self.inner.url())
                    .unwrap_or_else(|| "the datasource".to_string()),
                self.deadline
            ))
            .into()),
        }
    }

    fn get_transport_stats(&self) -> RpcTransportStats {
        self.inner.get_transport_stats()
    }

    fn url(&self) -> String {
        self.inner.url()
    }
}

/// The RPC client a surfnet reaches its datasource through: an HTTP transport
/// wrapped in a [`DeadlineSender`], assembled behind one constructor so that
/// layers added later (tracing, recording, a retry policy) land here without
/// touching a public signature.
struct SurfpoolRpcClient {
    client: RpcClient,
}

impl SurfpoolRpcClient {
    fn try_new<U: ToString>(remote_rpc_url: U) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .default_headers(HttpSender::default_headers())
            .timeout(DATASOURCE_HTTP_TIMEOUT)
            .pool_idle_timeout(DATASOURCE_POOL_IDLE_TIMEOUT)
            .build()?;
        let sender = DeadlineSender::new(
            HttpSender::new_with_client(remote_rpc_url, client),
            DATASOURCE_DEADLINE,
        );
        let client = RpcClient::new_sender(
            sender,
            RpcClientConfig::with_commitment(CommitmentConfig::default()),
        );
        Ok(SurfpoolRpcClient { client })
    }
}

#[derive(Clone)]
pub struct SurfnetRemoteClient {
    pub client: Arc<RpcClient>,
}

pub trait SomeRemoteCtx {
    fn get_remote_ctx<T>(&self, input: T) -> Option<(SurfnetRemoteClient, T)>;
}

impl SomeRemoteCtx for Option<SurfnetRemoteClient> {
    fn get_remote_ctx<T>(&self, input: T) -> Option<(SurfnetRemoteClient, T)> {
        self.as_ref()
            .map(|remote_rpc_client| (remote_rpc_client.clone(), input))
    }
}

/// Clears `min_context_slot` from [RpcAccountInfoConfig], since this value is only relevant against the local surfnet, not the upstream.
fn clear_min_context_slot(config: &RpcAccountInfoConfig) -> RpcAccountInfoConfig {
    RpcAccountInfoConfig {
        min_context_slot: None,
        ..config.clone()
    }
}

impl SurfnetRemoteClient {
    pub fn new<U: ToString>(remote_rpc_url: U) -> Self {
        Self::try_new(remote_rpc_url).expect("unable to initialize datasource client")
    }

    pub fn try_new<U: ToString>(remote_rpc_url: U) -> Result<Self, reqwest::Error> {
        SurfpoolRpcClient::try_new(remote_rpc_url).map(|rpc_client| SurfnetRemoteClient {
            client: Arc::new(rpc_client.client),
        })
    }

    pub async fn get_epoch_info(&self) -> SurfpoolResult<EpochInfo> {
        self.client.get_epoch_info().await.map_err(Into::into)
    }

    pub async fn get_epoch_schedule(&self) -> SurfpoolResult<EpochSchedule> {
        self.client.get_epoch_schedule().await.map_err(Into::into)
    }

    pub async fn get_last_restart_slot(&self) -> SurfpoolResult<LastRestartSlot> {
        let account = self
            .client
            .get_account(&last_restart_slot::ID)
            .await
            .map_err(|e| SurfpoolError::get_account(last_restart_slot::ID, e))?;
        wincode::deserialize(&account.data)
            .map_err(|e| SurfpoolError::internal(format!("Invalid LastRestartSlot sysvar: {e}")))
    }

    pub async fn get_account(
        &self,
        pubkey: &Pubkey,
        commitment_config: CommitmentConfig,
    ) -> SurfpoolResult<GetAccountResult> {
        #[cfg(feature = "prometheus")]
        let fetch_start = std::time::Instant::now();

        let res = self
            .client
            .get_account_with_commitment(pubkey, commitment_config)
            .await
            .map_err(|e| SurfpoolError::get_account(*pubkey, e))?;

        let result = match res.value {
            Some(account) => {
                let mut result = None;
                if is_supported_token_program(&account.owner) {
                    if let Ok(token_account) = TokenAccount::unpack(&account.data) {
                        let mint = self
                            .client
                            .get_account_with_commitment(&token_account.mint(), commitment_config)
                            .await
                            .map_err(|e| SurfpoolError::get_account(*pubkey, e))?;

                        result = Some(GetAccountResult::FoundCoupledAccount(
                            (*pubkey, account.clone()),
                            CoupledAccount::Mint(token_account.mint(), mint.value),
                            AccountSource::Remote,
                        ));
                    };
                } else if account.executable {
                    let program_data_address = get_program_data_address(pubkey);

                    let program_data = self
                        .client
                        .get_account_with_commitment(&program_data_address, commitment_config)
                        .await
                        .map_err(|e| SurfpoolError::get_account(*pubkey, e))?;

                    result = Some(GetAccountResult::FoundCoupledAccount(
                        (*pubkey, account.clone()),
                        CoupledAccount::ProgramData(program_data_address, program_data.value),
                        AccountSource::Remote,
                    ));
                }

                result.unwrap_or(GetAccountResult::FoundAccount(
                    *pubkey,
                    account,
                    AccountSource::Remote,
                ))
            }
            None => GetAccountResult::None(*pubkey),
        };
        #[cfg(feature = "prometheus")]
        if let Some(m) = crate::telemetry::metrics() {
            m.record_remote_fetch(fetch_start.elapsed().as_millis() as u64);
        }
        Ok(result)
    }

    /// Fetches raw accounts via `getMultipleAccounts`, splitting the request into
    /// batches of [`MAX_MULTIPLE_ACCOUNTS`] to stay within the RPC limit. Batches
    /// are requested concurrently, so a slow datasource costs one request
    /// deadline rather than one per batch. Results are returned in the same
    /// order as `pubkeys`.
    async fn fetch_multiple_accounts_chunked(
        &self,
        pubkeys: &[Pubkey],
        commitment_config: CommitmentConfig,
    ) -> SurfpoolResult<Vec<Option<Account>>> {
        let batches = try_join_all(
            pubkeys
                .chunks(MAX_MULTIPLE_ACCOUNTS)
                .map(|chunk| async move {
                    self.client
                        .get_multiple_accounts_with_commitment(chunk, commitment_config)
                        .await
                        .map(|response| response.value)
                        .map_err(SurfpoolError::get_multiple_accounts)
                }),
        )
        .await?;
        Ok(batches.into_iter().flatten().collect())
    }

    pub async fn get_multiple_accounts(
        &self,
        pubkeys: &[Pubkey],
        commitment_config: CommitmentConfig,
    ) -> SurfpoolResult<Vec<GetAccountResult>> {
        #[cfg(feature = "prometheus")]
        let fetch_start = std::time::Instant::now();

        let remote_accounts = self
            .fetch_multiple_accounts_chunked(pubkeys, commitment_config)
            .await?;
        debug!("Fetched {:?} accounts from remote", pubkeys);
        debug!(
            "Found accounts for pubkeys: {:#?}",
            remote_accounts
                .iter()
                .zip(pubkeys)
                .filter_map(|(account, pubkey)| if account.is_some() {
                    Some(pubkey)
                } else {
                    None
                })
                .collect::<Vec<&Pubkey>>()
        );
        let mut results_map: HashMap<Pubkey, GetAccountResult> = HashMap::new();
        let mut mint_accounts_src: Vec<(Pubkey, Account, Pubkey)> = vec![];
        let mut program_accounts_src: Vec<(Pubkey, Account, Pubkey)> = vec![];
        for (pubkey, remote_account) in pubkeys.iter().zip(remote_accounts) {
            if let Some(remote_account) = remote_account {
                if is_supported_token_program(&remote_account.owner) {
                    if let Ok(token_account) = TokenAccount::unpack(&remote_account.data) {
                        mint_accounts_src.push((*pubkey, remote_account, token_account.mint()));
                    } else {
                        results_map.insert(
                            *pubkey,
                            GetAccountResult::FoundAccount(
                                *pubkey,
                                remote_account,
                                AccountSource::Remote,
                            ),
                        );
                    }
                } else if remote_account.executable {
                    let program_data_address = get_program_data_address(pubkey);
                    program_accounts_src.push((*pubkey, remote_account, program_data_address));
                } else {
                    results_map.insert(
                        *pubkey,
                        GetAccountResult::FoundAccount(
                            *pubkey,
                            remote_account,
                            AccountSource::Remote,
                        ),
                    );
                }
            } else {
                results_map.insert(*pubkey, GetAccountResult::None(*pubkey));
            }
        }

        debug!(
            "Identified {} mint accounts and {} program accounts to fetch for remote accounts",
            mint_accounts_src.len(),
            program_accounts_src.len()
        );

        if !(mint_accounts_src.is_empty() && program_accounts_src.is_empty()) {
            let mint_acc_src_len = mint_accounts_src.len();
            let mut account_buffer = mint_accounts_src.clone();
            account_buffer.extend_from_slice(&program_accounts_src);

            let account_pubkeys: Vec<Pubkey> = account_buffer.iter().map(|p| p.2).collect();

            let binding_remote_accounts = self
                .fetch_multiple_accounts_chunked(&account_pubkeys, commitment_config)
                .await?;

            debug!(
                "Fetched {} additional accounts from remote",
                binding_remote_accounts.len()
            );
            debug!(
                "Found additional accounts for pubkeys: {:#?}",
                binding_remote_accounts
                    .iter()
                    .zip(account_pubkeys)
                    .filter_map(|(account, pubkey)| if account.is_some() {
                        Some(pubkey)
                    } else {
                        None
                    })
                    .collect::<Vec<Pubkey>>()
            );

            for (index, remote_account) in binding_remote_accounts.iter().enumerate() {
                if index < mint_acc_src_len {
                    // mint accounts to be inserted
                    results_map.insert(
                        account_buffer[index].0,
                        GetAccountResult::FoundCoupledAccount(
                            (account_buffer[index].0, account_buffer[index].1.clone()),
                            CoupledAccount::Mint(account_buffer[index].2, remote_account.clone()),
                            AccountSource::Remote,
                        ),
                    );
                } else {
                    results_map.insert(
                        account_buffer[index].0,
                        GetAccountResult::FoundCoupledAccount(
                            (account_buffer[index].0, account_buffer[index].1.clone()),
                            CoupledAccount::ProgramData(
                                account_buffer[index].2,
                                remote_account.clone(),
                            ),
                            AccountSource::Remote,
                        ),
                    );
                }
            }
        }
        #[cfg(feature = "prometheus")]
        if let Some(m) = crate::telemetry::metrics() {
            m.record_remote_fetch(fetch_start.elapsed().as_millis() as u64);
        }
        Ok(pubkeys
            .iter()
            .map(|pk| {
                results_map
                    .remove(pk)
                    .unwrap_or(GetAccountResult::None(*pk))
            })
            .collect())
    }

    pub async fn get_transaction(
        &self,
        signature: Signature,
        config: RpcTransactionConfig,
        latest_absolute_slot: u64,
    ) -> GetTransactionResult {
        match self
            .try_get_transaction(signature, config, latest_absolute_slot)
            .await
        {
            Ok(result) => result,
            Err(e) => {
                error!("{e}");
                GetTransactionResult::None(signature)
            }
        }
    }

    pub(crate) async fn try_get_transaction(
        &self,
        signature: Signature,
        config: RpcTransactionConfig,
        latest_absolute_slot: u64,
    ) -> SurfpoolResult<GetTransactionResult> {
        let transaction = self
            .client
            .send::<Option<EncodedConfirmedTransactionWithStatusMeta>>(
                RpcRequest::GetTransaction,
                json!([signature.to_string(), config]),
            )
            .await
            .map_err(|error| {
                SurfpoolError::get_transaction(
                    signature,
                    sanitized_client_error(&error, &self.client.url()),
                )
            })?;

        Ok(match transaction {
            Some(tx) => {
                GetTransactionResult::found_transaction(signature, tx, latest_absolute_slot)
            }
            None => GetTransactionResult::None(signature),
        })
    }

    pub async fn get_token_accounts_by_owner(
        &self,
        owner: Pubkey,
        filter: &TokenAccountsFilter,
        config: &RpcAccountInfoConfig,
    ) -> SurfpoolResult<Vec<RpcKeyedAccount>> {
        let token_account_filter = match filter {
            TokenAccountsFilter::Mint(mint) => RpcTokenAccountsFilter::Mint(mint.to_string()),
            TokenAccountsFilter::ProgramId(program_id) => {
                RpcTokenAccountsFilter::ProgramId(program_id.to_string())
            }
        };

        // the RPC client's default implementation of get_token_accounts_by_owner doesn't allow providing the config,
        // so we need to use the send method directly
        let res: RpcResult<Vec<RpcKeyedAccount>> = self
            .client
            .send(
                RpcRequest::GetTokenAccountsByOwner,
                json!([
                    owner.to_string(),
                    token_account_filter,
                    clear_min_context_slot(config)
                ]),
            )
            .await;
        match res {
            Ok(res) => Ok(res.value),
            // A mint that exists only on this surfnet is `could not find mint` upstream. That is
            // a definite "no remote accounts", not a failed lookup, and must not discard the
            // local accounts the caller merges with.
            Err(e) if is_unknown_mint(filter, &e) => {
                log::debug!(
                    "datasource does not know the mint in getTokenAccountsByOwner for {owner}; \
                     answering from local accounts only"
                );
                Ok(vec![])
            }
            Err(e) => Err(SurfpoolError::get_token_accounts(owner, filter, e)),
        }
    }

    pub async fn get_token_largest_accounts(
        &self,
        mint: &Pubkey,
        commitment_config: CommitmentConfig,
    ) -> SurfpoolResult<Vec<RpcTokenAccountBalance>> {
        let res = self
            .client
            .get_token_largest_accounts_with_commitment(mint, commitment_config)
            .await;
        match res {
            Ok(res) => Ok(res.value),
            // A mint that exists only on this surfnet is `could not find mint` upstream. That is
            // a definite "no remote holders", not a failed lookup, and must not discard the
            // local accounts the caller merges with.
            Err(e) if is_unknown_mint_error(&e) => {
                log::debug!(
                    "datasource does not know mint {mint} in getTokenLargestAccounts; answering \
                     from local accounts only"
                );
                Ok(vec![])
            }
            Err(e) => Err(SurfpoolError::get_token_largest_accounts(*mint, e)),
        }
    }

    pub async fn get_token_accounts_by_delegate(
        &self,
        delegate: Pubkey,
        filter: &TokenAccountsFilter,
        config: &RpcAccountInfoConfig,
    ) -> SurfpoolResult<Vec<RpcKeyedAccount>> {
        // validate that the program is supported if using ProgramId filter
        if let TokenAccountsFilter::ProgramId(program_id) = &filter {
            if !is_supported_token_program(program_id) {
                return Err(SurfpoolError::unsupported_token_program(*program_id));
            }
        }

        let token_account_filter = match &filter {
            TokenAccountsFilter::Mint(mint) => RpcTokenAccountsFilter::Mint(mint.to_string()),
            TokenAccountsFilter::ProgramId(program_id) => {
                RpcTokenAccountsFilter::ProgramId(program_id.to_string())
            }
        };

        let res: RpcResult<Vec<RpcKeyedAccount>> = self
            .client
            .send(
                RpcRequest::GetTokenAccountsByDelegate,
                json!([
                    delegate.to_string(),
                    token_account_filter,
                    clear_min_context_slot(config)
                ]),
            )
            .await;

        res.map_err(|e| SurfpoolError::get_token_accounts_by_delegate_error(delegate, filter, e))
            .map(|res| res.value)
    }

    pub async fn get_program_accounts(
        &self,
        program_id: &Pubkey,
        account_config: RpcAccountInfoConfig,
        filters: Option<Vec<RpcFilterType>>,
    ) -> SurfpoolResult<RemoteRpcResult<Vec<(Pubkey, UiAccount)>>> {
        handle_remote_rpc(|| async {
            self.client
                .get_program_ui_accounts_with_config(
                    program_id,
                    RpcProgramAccountsConfig {
                        filters,
                        with_context: Some(false),
                        account_config: clear_min_context_slot(&account_config),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| SurfpoolError::get_program_accounts(*program_id, e))
        })
        .await
    }

    pub async fn get_largest_accounts(
        &self,
        config: Option<RpcLargestAccountsConfig>,
    ) -> SurfpoolResult<RemoteRpcResult<Vec<RpcAccountBalance>>> {
        handle_remote_rpc(|| async {
            self.client
                .get_largest_accounts_with_config(config.unwrap_or_default())
                .await
                .map(|res| res.value)
                .map_err(SurfpoolError::get_largest_accounts)
        })
        .await
    }

    pub async fn get_genesis_hash(&self) -> SurfpoolResult<Hash> {
        self.client.get_genesis_hash().await.map_err(Into::into)
    }

    pub async fn get_signatures_for_address(
        &self,
        pubkey: &Pubkey,
        config: Option<&RpcSignaturesForAddressConfig>,
    ) -> SurfpoolResult<Vec<RpcConfirmedTransactionStatusWithSignature>> {
        let c = match config {
            Some(c) => GetConfirmedSignaturesForAddress2Config {
                before: c
                    .before
                    .as_deref()
                    .and_then(|s| Signature::from_str(&s).ok()),
                commitment: c.commitment,
                limit: c.limit,
                until: c
                    .until
                    .as_deref()
                    .and_then(|s| Signature::from_str(&s).ok()),
            },
            _ => GetConfirmedSignaturesForAddress2Config::default(),
        };
        self.client
            .get_signatures_for_address_with_config(pubkey, c)
            .await
            .map_err(SurfpoolError::get_signatures_for_address)
    }

    pub async fn get_block(
        &self,
        slot: &Slot,
        config: RpcBlockConfig,
    ) -> SurfpoolResult<UiConfirmedBlock> {
        self.client
            .get_block_with_config(*slot, config)
            .await
            .map_err(|e| SurfpoolError::get_block(e, *slot))
    }
}

/// Handles remote RPC calls, returning a `RemoteRpcResult` indicating whether the method was supported.
/// If the method is not supported, it returns `RemoteRpcResult::MethodNotSupported`.
/// If the method is supported, it returns `RemoteRpcResult::Ok(T)`.
/// If the method is supported but returns an error, it returns `Err(E)`.
pub async fn handle_remote_rpc<T, E, F, Fut>(fut: F) -> Result<RemoteRpcResult<T>, E>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    match fut().await {
        Ok(val) => Ok(RemoteRpcResult::Ok(val)),
        Err(e) if is_method_not_supported_error(&e) => Ok(RemoteRpcResult::MethodNotSupported),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use solana_client::{
        rpc_config::{RpcContextConfig, RpcProgramAccountsConfig, RpcTokenAccountsFilter},
        rpc_custom_error::RpcCustomError,
        rpc_request::RpcResponseErrorData,
    };

    use super::*;
    use crate::{
        rpc::{
            accounts_data::{AccountsData, SurfpoolAccountsDataRpc},
            accounts_scan::{AccountsScan, SurfpoolAccountsScanRpc},
            minimal::{Minimal, SurfpoolMinimalRpc},
        },
        surfnet::{locker::SurfnetSvmLocker, svm::SurfnetSvm},
        tests::helpers::TestSetup,
    };

    struct ReturnsNull {
        requests: Arc<Mutex<Vec<(RpcRequest, serde_json::Value)>>>,
    }

    #[async_trait]
    impl RpcSender for ReturnsNull {
        async fn send(
            &self,
            request: RpcRequest,
            params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            self.requests
                .lock()
                .expect("request recorder mutex should not be poisoned")
                .push((request, params));
            Ok(serde_json::Value::Null)
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://returns-null.example".to_string()
        }
    }

    struct ReturnsError;

    #[async_trait]
    impl RpcSender for ReturnsError {
        async fn send(
            &self,
            _request: RpcRequest,
            _params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            Err(ClientErrorKind::Custom("provider unavailable".to_string()).into())
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://returns-error.example".to_string()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_missing_remote_transaction_remains_none_through_the_locker() {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(
                ReturnsNull {
                    requests: Arc::clone(&requests),
                },
                RpcClientConfig::default(),
            )
            .into(),
        };
        let signature = Signature::new_unique();
        let config = RpcTransactionConfig {
            encoding: Some(solana_transaction_status::UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let (svm, _, _) = SurfnetSvm::default();
        let locker = SurfnetSvmLocker::new(svm);

        let result = locker
            .get_transaction(&Some(client), &signature, config)
            .await
            .expect("a null getTransaction result is not a provider failure");

        assert!(matches!(result, GetTransactionResult::None(found) if found == signature));
        let requests = requests
            .lock()
            .expect("request recorder mutex should not be poisoned");
        assert_eq!(
            requests.as_slice(),
            &[(
                RpcRequest::GetTransaction,
                json!([signature.to_string(), config])
            )]
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_remote_transaction_provider_failure_reaches_the_locker_caller() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(ReturnsError, RpcClientConfig::default()).into(),
        };
        let signature = Signature::new_unique();
        let (svm, _, _) = SurfnetSvm::default();
        let locker = SurfnetSvmLocker::new(svm);

        let error = match locker
            .get_transaction(&Some(client), &signature, RpcTransactionConfig::default())
            .await
        {
            Ok(_) => panic!("a provider failure must not be reported as a missing transaction"),
            Err(error) => error,
        };
        let message = error.to_string();

        assert!(message.contains(&signature.to_string()));
        assert!(message.contains("datasource client error"));
        assert!(message.contains("http://returns-error.example"));
        assert!(!message.contains("provider unavailable"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_remote_transaction_failure_does_not_disclose_datasource_credentials() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("test server should bind");
        let address = listener
            .local_addr()
            .expect("test server should have a local address");
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("test server should accept");
            let mut request = [0u8; 4096];
            stream
                .readable()
                .await
                .expect("request stream should become readable");
            stream
                .try_read(&mut request)
                .expect("test server should read the request");
            let response = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
            stream
                .writable()
                .await
                .expect("response stream should become writable");
            stream
                .try_write(response)
                .expect("test server should write the response");
        });
        let datasource =
            format!("http://user:SUPERSECRET@{address}/private-path?api-key=SUPERSECRET");
        let client = SurfnetRemoteClient::new(&datasource);
        let signature = Signature::new_unique();

        let error = match client
            .try_get_transaction(signature, RpcTransactionConfig::default(), 0)
            .await
        {
            Ok(_) => panic!("an HTTP failure should reach the caller"),
            Err(error) => error.to_string(),
        };
        server.await.expect("test server should finish");

        assert!(error.contains("401 Unauthorized"));
        assert!(error.contains("http://127.0.0.1"));
        assert!(!error.contains("SUPERSECRET"));
        assert!(!error.contains("private-path"));
        assert!(!error.contains("api-key"));
    }

    #[test]
    fn provider_reflections_do_not_disclose_datasource_credentials() {
        let datasource =
            "https://user:SUPERSECRET@rpc.example.com/private/SUPERSECRET?api-key=SUPERSECRET";

        for fragment in [
            "user:SUPERSECRET",
            "/private/SUPERSECRET",
            "api-key=SUPERSECRET",
        ] {
            let errors = [
                (
                    ClientErrorKind::RpcError(RpcError::RpcResponseError {
                        code: -32000,
                        message: fragment.to_string(),
                        data: RpcResponseErrorData::Empty,
                    }),
                    Some("-32000"),
                ),
                (ClientErrorKind::Custom(fragment.to_string()), None),
            ];

            for (error, expected_code) in errors {
                let error = ClientError::from(error);
                let message = sanitized_client_error(&error, datasource);

                assert!(!message.contains("SUPERSECRET"));
                assert!(!message.contains("private"));
                assert!(!message.contains("api-key"));
                assert!(message.contains("https://rpc.example.com"));
                if let Some(code) = expected_code {
                    assert!(message.contains(code));
                }
            }
        }
    }

    struct RecordsRequests {
        requests: Arc<Mutex<Vec<(RpcRequest, serde_json::Value)>>>,
    }

    #[async_trait]
    impl RpcSender for RecordsRequests {
        async fn send(
            &self,
            request: RpcRequest,
            params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            self.requests
                .lock()
                .expect("request recorder mutex should not be poisoned")
                .push((request, params));
            Ok(json!({
                "context": { "slot": 1 },
                "value": [null],
            }))
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://records.example".to_string()
        }
    }

    #[tokio::test]
    async fn multiple_account_fetch_uses_the_requested_commitment() {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(
                RecordsRequests {
                    requests: Arc::clone(&requests),
                },
                RpcClientConfig::default(),
            )
            .into(),
        };

        let pubkey = Pubkey::new_unique();
        client
            .get_multiple_accounts(&[pubkey], CommitmentConfig::confirmed())
            .await
            .expect("remote account fetch should succeed");

        let requests = requests
            .lock()
            .expect("request recorder mutex should not be poisoned");
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].0, RpcRequest::GetMultipleAccounts);
        assert_eq!(requests[0].1[1]["commitment"], "confirmed");
    }

    /// Answers `getMultipleAccounts` with one account per requested pubkey whose
    /// data is that pubkey's bytes. Earlier requests answer later, so batches
    /// complete out of order.
    struct EchoesPubkeysInReverseOrder {
        requests: Arc<Mutex<Vec<(RpcRequest, serde_json::Value)>>>,
    }

    #[async_trait]
    impl RpcSender for EchoesPubkeysInReverseOrder {
        async fn send(
            &self,
            request: RpcRequest,
            params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            let request_index = {
                let mut requests = self
                    .requests
                    .lock()
                    .expect("request recorder mutex should not be poisoned");
                requests.push((request, params.clone()));
                requests.len()
            };
            tokio::time::sleep(Duration::from_millis(30 / request_index as u64)).await;

            let accounts: Vec<serde_json::Value> = params[0]
                .as_array()
                .expect("getMultipleAccounts params should start with pubkeys")
                .iter()
                .map(|pubkey| {
                    let pubkey = Pubkey::from_str(pubkey.as_str().unwrap()).unwrap();
                    let account = Account {
                        lamports: 1,
                        data: pubkey.to_bytes().to_vec(),
                        owner: Pubkey::default(),
                        executable: false,
                        rent_epoch: 0,
                    };
                    json!(solana_account_decoder::encode_ui_account(
                        &pubkey,
                        &account,
                        solana_account_decoder::UiAccountEncoding::Base64,
                        None,
                        None,
                    ))
                })
                .collect();
            Ok(json!({
                "context": { "slot": 1 },
                "value": accounts,
            }))
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://echoes-pubkeys.example".to_string()
        }
    }

    #[tokio::test]
    async fn multiple_account_fetch_batches_requests_over_the_rpc_limit() {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(
                EchoesPubkeysInReverseOrder {
                    requests: Arc::clone(&requests),
                },
                RpcClientConfig::default(),
            )
            .into(),
        };

        let pubkeys: Vec<Pubkey> = (0..MAX_MULTIPLE_ACCOUNTS * 2 + 50)
            .map(|_| Pubkey::new_unique())
            .collect();
        let results = client
            .get_multiple_accounts(&pubkeys, CommitmentConfig::confirmed())
            .await
            .expect("remote account fetch should succeed");

        assert_eq!(results.len(), pubkeys.len());
        for (result, pubkey) in results.iter().zip(&pubkeys) {
            let GetAccountResult::FoundAccount(found, account, _) = result else {
                panic!("expected an account for {pubkey}");
            };
            assert_eq!(found, pubkey);
            assert_eq!(account.data, pubkey.to_bytes());
        }

        let requests = requests
            .lock()
            .expect("request recorder mutex should not be poisoned");
        let batch_sizes: Vec<usize> = requests
            .iter()
            .map(|(request, params)| {
                assert_eq!(*request, RpcRequest::GetMultipleAccounts);
                params[0].as_array().map_or(0, Vec::len)
            })
            .collect();
        assert_eq!(
            batch_sizes,
            vec![MAX_MULTIPLE_ACCOUNTS, MAX_MULTIPLE_ACCOUNTS, 50]
        );
    }

    #[test]
    fn cloned_remote_clients_share_the_rpc_client() {
        let client = SurfnetRemoteClient::new("http://127.0.0.1:8899");
        let cloned_client = client.clone();

        assert!(Arc::ptr_eq(&client.client, &cloned_client.client));
    }

    /// A call that never completes, whether because the endpoint went quiet
    /// or because its retry policy never gave control back. The deadline does
    /// not need to know which.
    struct NeverAnswers(String);

    #[async_trait]
    impl RpcSender for NeverAnswers {
        async fn send(
            &self,
            _request: RpcRequest,
            _params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            std::future::pending().await
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            self.0.clone()
        }
    }

    /// A datasource URL is a credential: the key can sit in the query, the
    /// path, or the userinfo, and this message reaches a client through
    /// JSON-RPC error data. The failure has to name the host without carrying
    /// the secret along with it.
    #[tokio::test]
    async fn a_timeout_does_not_disclose_the_datasource_credentials() {
        let secrets = [
            "https://rpc.example.com/?api-key=SUPERSECRET",
            "https://rpc.example.com/SUPERSECRET",
            "https://user:SUPERSECRET@rpc.example.com",
        ];

        for url in secrets {
            let sender =
                DeadlineSender::new(NeverAnswers(url.to_string()), Duration::from_millis(50));

            let message = sender
                .send(RpcRequest::GetSlot, serde_json::Value::Null)
                .await
                .expect_err("a datasource that never answers should not succeed")
                .to_string();

            assert!(
                !message.contains("SUPERSECRET"),
                "the failure disclosed the datasource credential: {message}"
            );
            assert!(
                message.contains("rpc.example.com"),
                "the failure should still name the host: {message}"
            );
        }
    }

    #[tokio::test]
    async fn a_transport_failure_does_not_disclose_the_datasource_credentials() {
        // Bind an OS-assigned port and release it, so nothing listens there and
        // every request fails to connect.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a local port should be free")
            .local_addr()
            .expect("the listener should have a local address")
            .port();
        let secrets = [
            format!("http://127.0.0.1:{port}/?api-key=SUPERSECRET"),
            format!("http://127.0.0.1:{port}/SUPERSECRET"),
            format!("http://user:SUPERSECRET@127.0.0.1:{port}"),
        ];

        for url in secrets {
            let sender = DeadlineSender::new(HttpSender::new(url), Duration::from_secs(5));

            let error = sender
                .send(RpcRequest::GetSlot, serde_json::Value::Null)
                .await
                .expect_err("a datasource with no listener should not succeed");

            assert!(
                matches!(error.kind(), ClientErrorKind::Reqwest(error) if error.is_connect()),
                "the failure should come from the transport, not the deadline: {error}"
            );
            let message = error.to_string();
            assert!(
                !message.contains("SUPERSECRET"),
                "the failure disclosed the datasource credential: {message}"
            );
        }
    }

    #[tokio::test]
    async fn a_datasource_that_never_answers_is_an_error_rather_than_a_wait() {
        let sender = DeadlineSender::new(
            NeverAnswers("http://never.example".to_string()),
            Duration::from_millis(50),
        );

        let error = sender
            .send(RpcRequest::GetSlot, serde_json::Value::Null)
            .await
            .expect_err("a datasource that never answers should not succeed");

        let message = error.to_string();
        assert!(
            message.contains("did not answer"),
            "the failure should say what happened: {message}"
        );
        assert!(
            message.contains("http://never.example"),
            "the failure should identify the datasource: {message}"
        );
        assert!(
            message.contains("GetSlot"),
            "the failure should identify the request: {message}"
        );
    }

    struct RejectsUnknownMint;

    #[async_trait]
    impl RpcSender for RejectsUnknownMint {
        async fn send(
            &self,
            _request: RpcRequest,
            _params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            Err(ClientErrorKind::RpcError(RpcError::RpcResponseError {
                code: -32602,
                message:
                    "Error getting token program id and mint: Invalid param: could not find mint"
                        .to_string(),
                data: RpcResponseErrorData::Empty,
            })
            .into())
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://rejects-unknown-mint.example".to_string()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_mint_unknown_to_the_datasource_has_no_remote_token_accounts() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsUnknownMint, RpcClientConfig::default()).into(),
        };

        let accounts = client
            .get_token_accounts_by_owner(
                Pubkey::new_unique(),
                &TokenAccountsFilter::Mint(Pubkey::new_unique()),
                &RpcAccountInfoConfig::default(),
            )
            .await
            .expect("a rejected filter is an empty remote answer, not a failure");

        assert!(accounts.is_empty());
    }

    struct RejectsParams;

    #[async_trait]
    impl RpcSender for RejectsParams {
        async fn send(
            &self,
            _request: RpcRequest,
            _params: serde_json::Value,
        ) -> ClientResult<serde_json::Value> {
            Err(ClientErrorKind::RpcError(RpcError::RpcResponseError {
                code: -32602,
                message: "Invalid param: unsupported encoding".to_string(),
                data: RpcResponseErrorData::Empty,
            })
            .into())
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://rejects-params.example".to_string()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn any_other_invalid_params_rejection_is_still_an_error() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsParams, RpcClientConfig::default()).into(),
        };

        let error = client
            .get_token_accounts_by_owner(
                Pubkey::new_unique(),
                &TokenAccountsFilter::Mint(Pubkey::new_unique()),
                &RpcAccountInfoConfig::default(),
            )
            .await
            .expect_err("a rejected encoding is a request error, not an empty answer");

        assert!(error.to_string().contains("unsupported encoding"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_unknown_mint_answer_on_a_program_filter_is_still_an_error() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsUnknownMint, RpcClientConfig::default()).into(),
        };

        let error = client
            .get_token_accounts_by_owner(
                Pubkey::new_unique(),
                &TokenAccountsFilter::ProgramId(Pubkey::new_unique()),
                &RpcAccountInfoConfig::default(),
            )
            .await
            .expect_err("only a Mint filter can be answered by an unknown mint");

        assert!(error.to_string().contains("could not find mint"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_token_accounts_provider_failure_is_still_an_error() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(ReturnsError, RpcClientConfig::default()).into(),
        };

        let error = client
            .get_token_accounts_by_owner(
                Pubkey::new_unique(),
                &TokenAccountsFilter::Mint(Pubkey::new_unique()),
                &RpcAccountInfoConfig::default(),
            )
            .await
            .expect_err("a provider failure must not be reported as an empty answer");

        assert!(
            error
                .to_string()
                .contains("Failed to get token accounts by owner")
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_fork_born_mint_keeps_its_local_token_accounts() {
        use solana_account::Account;
        use solana_account_decoder::UiAccountEncoding;
        use solana_program_pack::Pack;
        use spl_token_interface::state::{Account as TokenAccount, AccountState};

        let (svm, _, _) = SurfnetSvm::default();
        let locker = SurfnetSvmLocker::new(svm);
        let owner = Pubkey::new_unique();
        let mint = Pubkey::new_unique();
        let token_account_pubkey = Pubkey::new_unique();
        let mut data = vec![0u8; TokenAccount::LEN];
        TokenAccount {
            mint,
            owner,
            amount: 42,
            state: AccountState::Initialized,
            ..Default::default()
        }
        .pack_into_slice(&mut data);
        locker.with_svm_writer(|svm| {
            svm.set_account(
                &token_account_pubkey,
                Account {
                    lamports: 2_039_280,
                    data,
                    owner: spl_token_interface::id(),
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
        });
        let remote = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsUnknownMint, RpcClientConfig::default()).into(),
        };
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..RpcAccountInfoConfig::default()
        };

        let accounts = locker
            .get_token_accounts_by_owner(
                &Some(remote),
                owner,
                &TokenAccountsFilter::Mint(mint),
                &config,
            )
            .await
            .expect("local token accounts survive a datasource that has never seen the mint")
            .inner;

        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].pubkey, token_account_pubkey.to_string());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn forwarded_reads_leave_min_context_slot_to_the_surfnet() {
        let requests = Arc::new(Mutex::new(vec![]));
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(
                ReturnsNull {
                    requests: Arc::clone(&requests),
                },
                RpcClientConfig::default(),
            )
            .into(),
        };
        let config = RpcAccountInfoConfig {
            min_context_slot: Some(42),
            ..Default::default()
        };
        let token_program = TokenAccountsFilter::ProgramId(spl_token_interface::ID);

        // Only what was sent matters; a null answer is not a valid response.
        let _ = client
            .get_token_accounts_by_owner(Pubkey::new_unique(), &token_program, &config)
            .await;
        let _ = client
            .get_token_accounts_by_delegate(Pubkey::new_unique(), &token_program, &config)
            .await;
        let _ = client
            .get_program_accounts(&Pubkey::new_unique(), config, None)
            .await;

        let requests = requests.lock().unwrap();
        assert_eq!(
            [
                &requests[0].1[2]["minContextSlot"],
                &requests[1].1[2]["minContextSlot"],
                &requests[2].1[1]["minContextSlot"],
            ],
            [&serde_json::Value::Null; 3]
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_read_refused_for_min_context_slot_never_reaches_the_datasource() {
        let requests = Arc::new(Mutex::new(vec![]));
        let mut setup = TestSetup::new(SurfpoolAccountsDataRpc);
        setup.context.remote_rpc_client = Some(SurfnetRemoteClient {
            client: RpcClient::new_sender(
                ReturnsNull {
                    requests: Arc::clone(&requests),
                },
                RpcClientConfig::default(),
            )
            .into(),
        });
        let processed = setup.context.svm_locker.get_latest_absolute_slot();
        let context = RpcContextConfig {
            commitment: Some(CommitmentConfig::processed()),
            min_context_slot: Some(processed + 1),
        };
        let config = RpcAccountInfoConfig {
            commitment: context.commitment,
            min_context_slot: context.min_context_slot,
            ..Default::default()
        };
        let meta = || Some(setup.context.clone());
        let pubkey = || Pubkey::new_unique().to_string();
        let token_program =
            || RpcTokenAccountsFilter::ProgramId(spl_token_interface::ID.to_string());

        let refusals = [
            (SurfpoolAccountsDataRpc.get_account_info(meta(), pubkey(), Some(config.clone())))
                .await
                .err(),
            (SurfpoolAccountsDataRpc.get_multiple_accounts(
                meta(),
                vec![pubkey()],
                Some(config.clone()),
            ))
            .await
            .err(),
            (SurfpoolMinimalRpc.get_balance(meta(), pubkey(), Some(context)))
                .await
                .err(),
            (SurfpoolAccountsScanRpc.get_program_accounts(
                meta(),
                pubkey(),
                Some(RpcProgramAccountsConfig {
                    account_config: config.clone(),
                    ..Default::default()
                }),
            ))
            .await
            .err(),
            (SurfpoolAccountsScanRpc.get_token_accounts_by_owner(
                meta(),
                pubkey(),
                token_program(),
                Some(config.clone()),
            ))
            .await
            .err(),
            (SurfpoolAccountsScanRpc.get_token_accounts_by_delegate(
                meta(),
                pubkey(),
                token_program(),
                Some(config),
            ))
            .await
            .err(),
        ];

        let not_reached: jsonrpc_core::Error = RpcCustomError::MinContextSlotNotReached {
            context_slot: processed,
        }
        .into();
        assert_eq!(refusals, [(); 6].map(|_| Some(not_reached.clone())));
        assert!(
            requests.lock().unwrap().is_empty(),
            "the datasource was asked"
        );
    }

    async fn any_other_invalid_params_rejection_on_largest_accounts_is_still_an_error() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsParams, RpcClientConfig::default()).into(),
        };

        let error = client
            .get_token_largest_accounts(&Pubkey::new_unique(), CommitmentConfig::default())
            .await
            .expect_err("a rejected parameter is a request error, not an empty answer");

        assert!(error.to_string().contains("unsupported encoding"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_fork_born_mint_keeps_its_local_largest_accounts() {
        use solana_account::Account;
        use solana_program_pack::Pack;
        use spl_token_interface::state::{Account as TokenAccount, AccountState};

        let (svm, _, _) = SurfnetSvm::default();
        let locker = SurfnetSvmLocker::new(svm);
        let mint = Pubkey::new_unique();
        let holder = Pubkey::new_unique();
        let mut data = vec![0u8; TokenAccount::LEN];
        TokenAccount {
            mint,
            owner: Pubkey::new_unique(),
            amount: 42,
            state: AccountState::Initialized,
            ..Default::default()
        }
        .pack_into_slice(&mut data);
        locker.with_svm_writer(|svm| {
            svm.set_account(
                &holder,
                Account {
                    lamports: 2_039_280,
                    data,
                    owner: spl_token_interface::id(),
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
        });
        let remote = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsUnknownMint, RpcClientConfig::default()).into(),
        };

        let accounts = locker
            .get_token_largest_accounts(&Some((remote, CommitmentConfig::default())), &mint)
            .await
            .expect("local holders survive a datasource that has never seen the mint")
            .inner;

        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].address, holder.to_string());
        assert_eq!(accounts[0].amount.amount, "42");
    }

    async fn a_mint_unknown_to_the_datasource_has_no_remote_largest_accounts() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(RejectsUnknownMint, RpcClientConfig::default()).into(),
        };

        let accounts = client
            .get_token_largest_accounts(&Pubkey::new_unique(), CommitmentConfig::default())
            .await
            .expect("a mint the datasource has never seen has no remote holders, not a failure");

        assert!(accounts.is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_largest_accounts_provider_failure_is_still_an_error() {
        let client = SurfnetRemoteClient {
            client: RpcClient::new_sender(ReturnsError, RpcClientConfig::default()).into(),
        };

        let error = client
            .get_token_largest_accounts(&Pubkey::new_unique(), CommitmentConfig::default())
            .await
            .expect_err("a provider failure must not be reported as an empty answer");

        assert!(
            error
                .to_string()
                .contains("Failed to get largest token accounts")
        );
    }
}
