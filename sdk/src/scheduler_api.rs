//! The scheduler's job-submission API as its clients see it: the wire types (the scheduler serves
//! exactly these) and [`SchedulerApi`], the HTTP client `edgerun job submit --api` uses.
//!
//! The scheduler is trusted for liveness only. So the client never signs what it is handed
//! blindly: [`SchedulerApi::submit`] rebuilds the `post_job` message it expects from its own
//! inputs and signs only when the scheduler's unsigned transaction is exactly that message.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::instructions as ix;

/// A job to post. The bundle comes whole (base64) or as the hash of one the gateway holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitJobRequest {
    /// The customer's public key (base58): pays the escrow and the job account's rent, and signs.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[1-9A-HJ-NP-Za-km-z]{32,44}$"))]
    pub client: String,
    /// Lamports paid for the job; it also decides the committee size.
    pub escrow_lamports: u64,
    /// The bundle (`edgerun bundle build`), standard base64 (padded). Give this or
    /// `bundle_hash`, not both.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(content_encoding = "base64", pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
    )]
    pub bundle: Option<String>,
    /// Or the BLAKE3 hash (64 hex digits) of a bundle already stored in the gateway.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub bundle_hash: Option<String>,
    /// The limits the customer expects; when given, they must be the bundle's.
    #[serde(default)]
    pub max_instructions: Option<u64>,
    #[serde(default)]
    pub max_memory_bytes: Option<u64>,
    /// Makes the job id unique among the customer's jobs of this bundle; default: now in
    /// nanoseconds.
    #[serde(default)]
    pub nonce: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitJobResponse {
    /// 64 hex digits.
    pub job_id: String,
    /// The job account's address.
    pub job: String,
    pub bundle_hash: String,
    /// False when the gateway already had the bundle.
    pub bundle_newly_stored: bool,
    pub escrow_lamports: u64,
    pub max_instructions: u64,
    pub max_memory_bytes: u64,
    pub nonce: u64,
    /// The unsigned `post_job` transaction (bincode, base64; fee payer: the customer). Sign it
    /// and send it with `POST /v1/transactions` (or to any RPC node) before its blockhash expires
    /// (about a minute).
    pub transaction: String,
    pub blockhash: String,
    /// The runtime's proof of membership in the network's allow-list, which the transaction's
    /// `post_job` carries: 64 hex digits each, empty when the network allows any runtime. The
    /// program checks it against the network's root; it changes nothing else the job promises.
    #[serde(default)]
    pub runtime_proof: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RelayRequest {
    /// A signed transaction (bincode, standard base64) whose instructions are all Edgerun's (or
    /// the compute budget program's).
    #[cfg_attr(
        feature = "openapi",
        schema(
            content_encoding = "base64",
            min_length = 4,
            pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
        )
    )]
    pub transaction: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelayResponse {
    pub signature: String,
    /// The slot it was confirmed in.
    pub slot: u64,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// Stable, snake_case: what programs match on.
    pub code: String,
    /// What went wrong and what to do, in words.
    pub error: String,
    /// For refused transactions: the program's error by name, e.g. `EdgerunError::EscrowBelowMinimum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_error: Option<String>,
    /// For refused transactions: the program's log lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SchedulerApiError {
    #[error("invalid scheduler API URL {0}")]
    InvalidUrl(String),
    /// The API could not be reached or did not answer.
    #[error("the scheduler API does not answer: {0}")]
    Transport(#[from] reqwest::Error),
    /// The API answered with an error.
    #[error("the scheduler refused ({status}, {}): {}", body.code, body.error)]
    Refused { status: u16, body: ErrorResponse },
    /// The unsigned transaction is not the `post_job` asked for: nothing was signed.
    #[error("the scheduler's transaction is not the post_job that was asked for: {0}")]
    Tampered(String),
}

/// A client of one scheduler's API.
#[derive(Clone)]
pub struct SchedulerApi {
    http: reqwest::Client,
    base_url: String,
}

/// What [`SchedulerApi::submit`] did.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub job: SubmitJobResponse,
    pub relay: RelayResponse,
}

impl SchedulerApi {
    /// A client of the API at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Self, SchedulerApiError> {
        let parsed =
            url::Url::parse(base_url).map_err(|error| SchedulerApiError::InvalidUrl(format!("{base_url}: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SchedulerApiError::InvalidUrl(format!("{base_url}: the scheme must be http or https")));
        }
        let http = crate::http::client_builder().timeout(std::time::Duration::from_secs(120)).build()?;
        Ok(SchedulerApi { http, base_url: base_url.trim_end_matches('/').to_string() })
    }

    async fn post<Q: Serialize, A: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &Q,
    ) -> Result<A, SchedulerApiError> {
        let response = self.http.post(format!("{}{path}", self.base_url)).json(body).send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let body = response.json::<ErrorResponse>().await.unwrap_or_else(|_| ErrorResponse {
            code: "unknown".into(),
            error: format!("HTTP {status} without an error body"),
            program_error: None,
            logs: Vec::new(),
        });
        Err(SchedulerApiError::Refused { status: status.as_u16(), body })
    }

    /// `POST /v1/jobs`: stores the bundle, answers the unsigned `post_job` transaction.
    pub async fn create_job(&self, request: &SubmitJobRequest) -> Result<SubmitJobResponse, SchedulerApiError> {
        self.post("/v1/jobs", request).await
    }

    /// `POST /v1/transactions`: relays a signed transaction.
    pub async fn relay(&self, transaction: &Transaction) -> Result<RelayResponse, SchedulerApiError> {
        let bytes = bincode::serialize(transaction).map_err(|error| SchedulerApiError::Tampered(error.to_string()))?;
        self.post("/v1/transactions", &RelayRequest { transaction: BASE64.encode(bytes) }).await
    }

    /// Submits `bundle` as a job of `customer`: the API stores it and answers the transaction,
    /// which is checked against the `post_job` expected from these inputs, signed here, and relayed.
    pub async fn submit(
        &self,
        customer: &Keypair,
        bundle: &[u8],
        runtime_id: [u8; 32],
        limits: crate::bundle::Limits,
        escrow_lamports: u64,
    ) -> Result<Submitted, SchedulerApiError> {
        let request = SubmitJobRequest {
            client: customer.pubkey().to_string(),
            escrow_lamports,
            bundle: Some(BASE64.encode(bundle)),
            bundle_hash: None,
            max_instructions: Some(limits.max_instructions),
            max_memory_bytes: Some(limits.max_memory_bytes),
            nonce: None,
        };
        let job = self.create_job(&request).await?;
        let transaction = expected_post_job(&job, &customer.pubkey(), bundle, runtime_id, limits, escrow_lamports)?;
        let mut transaction = transaction;
        let blockhash = transaction.message.recent_blockhash;
        transaction.try_sign(&[customer], blockhash).map_err(|error| SchedulerApiError::Tampered(error.to_string()))?;
        let relay = self.relay(&transaction).await?;
        Ok(Submitted { job, relay })
    }
}

/// The scheduler's unsigned transaction, when it is exactly the `post_job` of these inputs (same
/// job id, bundle hash, runtime, escrow, limits; fee payer the customer; nothing else).
pub fn expected_post_job(
    answer: &SubmitJobResponse,
    customer: &Address,
    bundle: &[u8],
    runtime_id: [u8; 32],
    limits: crate::bundle::Limits,
    escrow_lamports: u64,
) -> Result<Transaction, SchedulerApiError> {
    let tampered = |what: &str| SchedulerApiError::Tampered(what.to_string());
    let bytes = BASE64.decode(&answer.transaction).map_err(|_| tampered("not base64"))?;
    let transaction: Transaction = bincode::deserialize(&bytes).map_err(|_| tampered("not a transaction"))?;
    let bundle_hash = crate::bundle::bundle_hash(bundle);
    let mut args =
        crate::submission::post_job_args(customer, bundle_hash, runtime_id, limits, escrow_lamports, answer.nonce);
    // Taken as answered: the program checks the proof against the network's allow-list, and a
    // wrong one is refused in simulation before anything is sent.
    args.runtime_proof = answer
        .runtime_proof
        .iter()
        .map(|node| {
            crate::submission::parse_hash(node).ok_or_else(|| tampered("a runtime proof node is not 64 hex digits"))
        })
        .collect::<Result<_, _>>()?;
    let job_id = args.job_id;
    let expected = Message::new_with_blockhash(
        &[ix::post_job(customer, args)],
        Some(customer),
        &transaction.message.recent_blockhash,
    );
    if transaction.message != expected {
        return Err(tampered("its instructions, accounts or fee payer differ"));
    }
    if answer.job_id != hex::encode(job_id) {
        return Err(tampered("the job id it reports is not the one the transaction posts"));
    }
    Ok(Transaction::new_unsigned(expected))
}
