//! `/v1/jobs` and `/v1/transactions`: submitting a job (the customer signs), relaying what the
//! customer signed, a job's view and its live events, and job listings.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use edgerun::state::{Job, JobStatus};
use edgerun_crank::view::{status_label, status_name, JobView};
use edgerun_sdk::bundle::{bundle_hash, Bundle};
use edgerun_sdk::client::{ChainBackend, ClientError};
use edgerun_sdk::scheduler_api::{RelayRequest, RelayResponse, SubmitJobRequest, SubmitJobResponse};
use edgerun_sdk::storage::ContentHash;
use edgerun_sdk::{instructions as ix, pda};
use futures::Stream;
use serde::{Deserialize, Serialize};
use solana_address::Address;
use solana_message::Message;
use solana_transaction::Transaction;
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::feeds::FeedItem;
use super::AppState;
use crate::engine::Engine;

// ----- POST /v1/jobs -----

/// Stores the bundle, then answers the unsigned `post_job` transaction for the customer to sign.
#[utoipa::path(post, path = "/v1/jobs",
    request_body(content = SubmitJobRequest, example = json!({
        "client": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
        "escrow_lamports": 50_000_000,
        "bundle_hash": "4f1c0d8a1b2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e",
    })),
    responses(
    (status = 200, description = "Bundle stored; the transaction to sign", body = SubmitJobResponse, example = json!({
        "job_id": "8d9e0f1a2b3c4d5e6f708192a3b4c5d64f1c0d8a1b2e3f405162738495a6b7c8",
        "job": "5Jq1Ur4U9bKX3C1nJvqA6hUMDLSn4Rj5vDkyvB8mXrTz",
        "bundle_hash": "4f1c0d8a1b2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e",
        "bundle_newly_stored": false,
        "escrow_lamports": 50_000_000,
        "max_instructions": 1_000_000,
        "max_memory_bytes": 1_048_576,
        "nonce": 1_765_000_000_000_000_000_u64,
        "transaction": "AQAAAA...",
        "blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N",
        "runtime_proof": [],
    })),
    (status = 400, description = "Malformed request: not JSON, a bad key (`invalid_client`), bundle (`invalid_bundle_encoding`, `invalid_bundle`), hash (`invalid_bundle_hash`), both or neither of `bundle` and `bundle_hash`, or limits that are not the bundle's (`limits_mismatch`)", body = super::ErrorResponse),
    (status = 404, description = "No bundle with that hash in the gateway (`bundle_not_found`)", body = super::ErrorResponse),
    (status = 422, description = "JSON of the wrong shape (`invalid_body`), or the network would refuse this job: escrow, limits, runtime (`runtime_mismatch`, or `runtime_restricted`: not in the network's allow-list), module (`guest_contract`), balance (`insufficient_balance`), or the gateway refused the bundle (`storage_rejected`)", body = super::ErrorResponse),
    (status = 500, description = "The transaction could not be encoded (`encoding`)", body = super::ErrorResponse),
    (status = 502, description = "The cluster or the gateway answered wrongly (`chain_error`, `gateway_hash_mismatch`)", body = super::ErrorResponse),
    (status = 503, description = "The cluster or the gateway does not answer (`chain_unavailable`, `storage_unavailable`), or the network is paused", body = super::ErrorResponse),
))]
pub async fn submit_job<B: ChainBackend>(
    State(state): State<AppState<B>>,
    request: Result<Json<SubmitJobRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<SubmitJobResponse>, ApiError> {
    let Json(request) = request?;
    let client: Address = request
        .client
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_client", "`client` is not a base58 public key"))?;

    // The bundle: bytes from the request, or from the gateway by hash (verified there).
    let (bytes, from_request) = match (&request.bundle, &request.bundle_hash) {
        (Some(encoded), None) => {
            let bytes = BASE64.decode(encoded).map_err(|error| {
                ApiError::bad_request("invalid_bundle_encoding", format!("`bundle` is not base64: {error}"))
            })?;
            (bytes, true)
        }
        (None, Some(hash)) => {
            let hash = edgerun_sdk::submission::parse_hash(hash)
                .ok_or_else(|| ApiError::bad_request("invalid_bundle_hash", "`bundle_hash` must be 64 hex digits"))?;
            let bytes = state.storage.get_bundle(&ContentHash(hash)).await.map_err(ApiError::storage)?;
            (bytes.to_vec(), false)
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("bundle_twice", "give either `bundle` or `bundle_hash`, not both"))
        }
        (None, None) => return Err(ApiError::bad_request("missing_bundle", "give `bundle` (base64) or `bundle_hash`")),
    };
    let bundle = Bundle::decode(&bytes)
        .map_err(|error| ApiError::bad_request("invalid_bundle", format!("the bundle does not decode: {error}")))?;
    let hash = bundle_hash(&bytes);
    let limits = bundle.limits;
    if request.max_instructions.is_some_and(|wanted| wanted != limits.max_instructions)
        || request.max_memory_bytes.is_some_and(|wanted| wanted != limits.max_memory_bytes)
    {
        return Err(ApiError::bad_request(
            "limits_mismatch",
            format!(
                "the bundle's limits are {} instructions and {} bytes of memory, not the ones requested",
                limits.max_instructions, limits.max_memory_bytes
            ),
        ));
    }
    let runtime_proof = check_job(&state.engine, &client, &bundle, request.escrow_lamports).await?;

    let stored = if from_request {
        let put = state.storage.put_bundle(bytes).await.map_err(ApiError::storage)?;
        if put.hash != hex::encode(hash) {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "gateway_hash_mismatch",
                format!("the gateway stored the bundle as {}, not as its hash {}", put.hash, hex::encode(hash)),
            ));
        }
        put.created
    } else {
        false
    };

    let nonce = request.nonce.unwrap_or_else(edgerun_sdk::submission::fresh_nonce);
    let mut args = edgerun_sdk::submission::post_job_args(
        &client,
        hash,
        bundle.runtime_id,
        limits,
        request.escrow_lamports,
        nonce,
    );
    let runtime_proof_hex = runtime_proof.iter().map(hex::encode).collect();
    args.runtime_proof = runtime_proof;
    let job_id = args.job_id;
    let client_chain = state.engine.client();
    let blockhash = client_chain
        .backend()
        .latest_blockhash()
        .await
        .map_err(|error| ApiError::chain(ClientError::Transport { attempts: 1, message: error.to_string() }))?;
    let message = Message::new_with_blockhash(&[ix::post_job(&client, args)], Some(&client), &blockhash);
    let transaction = Transaction::new_unsigned(message);
    let encoded = bincode::serialize(&transaction)
        .map_err(|error| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "encoding", error.to_string()))?;
    Ok(Json(SubmitJobResponse {
        job_id: hex::encode(job_id),
        job: pda::job_address(&job_id).to_string(),
        bundle_hash: hex::encode(hash),
        bundle_newly_stored: stored,
        escrow_lamports: request.escrow_lamports,
        max_instructions: limits.max_instructions,
        max_memory_bytes: limits.max_memory_bytes,
        nonce,
        transaction: BASE64.encode(encoded),
        blockhash: blockhash.to_string(),
        runtime_proof: runtime_proof_hex,
    }))
}

/// What the program (or every worker) would refuse, said before anything is stored; the
/// runtime's proof in the network's allow-list (empty when any runtime is allowed).
async fn check_job<B: ChainBackend>(
    engine: &Engine<B>,
    client: &Address,
    bundle: &Bundle,
    escrow: u64,
) -> Result<Vec<[u8; 32]>, ApiError> {
    let unprocessable =
        |code, message: String| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, code, message);
    let Some(abi) = edgerun_guest::GuestAbi::from_runtime_id(&bundle.runtime_id) else {
        return Err(unprocessable(
            "runtime_mismatch",
            format!(
                "the bundle names runtime {}, the workers run {}; rebuild it with `edgerun bundle build`",
                hex::encode(bundle.runtime_id),
                edgerun_guest::GuestAbi::describe_runtimes()
            ),
        ));
    };
    let module = edgerun_guest::validate::validate_module_for(abi, &bundle.wasm).map_err(|code| {
        unprocessable(
            "guest_contract",
            format!("the module breaks the guest contract: every worker would end the job with {code}"),
        )
    })?;
    module.check_memory_cap(bundle.limits.max_memory_bytes).map_err(|code| {
        unprocessable("guest_contract", format!("the module's declared memory exceeds the job's limit: {code}"))
    })?;
    let config = engine.client().global_config().await.map_err(ApiError::chain)?;
    // The proof is found among the lists of the runtimes every worker runs, as the CLI finds it.
    let runtime_proof = edgerun_sdk::submission::check_network(
        &config,
        &bundle.runtime_id,
        &edgerun_guest::GuestAbi::runtime_ids(),
        &bundle.limits,
        escrow,
    )
    .map_err(refusal)?;
    let cost = engine.client().posting_cost(&config, escrow).await.map_err(ApiError::chain)?;
    let balance = engine.client().balance(client).await.map_err(ApiError::chain)?;
    edgerun_sdk::submission::check_balance(balance, cost).map_err(refusal)?;
    Ok(runtime_proof)
}

/// A submission the network or the wallet refuses: 503 while the network is paused (it may
/// resume), 422 otherwise; the code is the sdk's.
fn refusal(refusal: edgerun_sdk::submission::Refusal) -> ApiError {
    let status = match refusal {
        edgerun_sdk::submission::Refusal::ProtocolPaused => axum::http::StatusCode::SERVICE_UNAVAILABLE,
        _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, refusal.code(), refusal.to_string())
}

// ----- POST /v1/transactions -----

/// Relays a signed Edgerun transaction: simulated first (a refusal comes back with the
/// program's error by name and nothing is sent), then sent and confirmed.
#[utoipa::path(post, path = "/v1/transactions",
    request_body(content = RelayRequest, example = json!({"transaction": "AQAAAA..."})),
    responses(
    (status = 200, description = "Confirmed", body = RelayResponse, example = json!({
        "signature": "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        "slot": 4242,
    })),
    (status = 400, description = "Not JSON, not a transaction (`invalid_transaction`), not an Edgerun one (`not_an_edgerun_transaction`), or not signed (`unsigned_transaction`)", body = super::ErrorResponse),
    (status = 413, description = "The body is above 4 KiB (`body_too_large`)", body = super::ErrorResponse),
    (status = 422, description = "JSON of the wrong shape (`invalid_body`), or refused by the program or the runtime (`transaction_refused`; `program_error` names why)", body = super::ErrorResponse),
    (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
    (status = 503, description = "The cluster does not answer (`chain_unavailable`)", body = super::ErrorResponse),
    (status = 504, description = "Sent but not confirmed in time (`unconfirmed`)", body = super::ErrorResponse),
))]
pub async fn relay_transaction<B: ChainBackend>(
    State(state): State<AppState<B>>,
    request: Result<Json<RelayRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RelayResponse>, ApiError> {
    let Json(request) = request?;
    if request.transaction.is_empty() {
        return Err(ApiError::bad_request("invalid_transaction", "`transaction` is empty"));
    }
    let bytes = BASE64.decode(&request.transaction).map_err(|error| {
        ApiError::bad_request("invalid_transaction", format!("`transaction` is not base64: {error}"))
    })?;
    let transaction: Transaction = bincode::deserialize(&bytes)
        .map_err(|_| ApiError::bad_request("invalid_transaction", "`transaction` is not a bincode transaction"))?;
    let message = &transaction.message;
    if message.instructions.is_empty() {
        return Err(ApiError::bad_request("invalid_transaction", "the transaction has no instruction"));
    }
    for instruction in &message.instructions {
        let program = message.account_keys.get(usize::from(instruction.program_id_index));
        if program != Some(&edgerun::ID) && program != Some(&solana_compute_budget_interface::ID) {
            return Err(ApiError::bad_request(
                "not_an_edgerun_transaction",
                "only transactions of Edgerun instructions are relayed; send others to an RPC node",
            ));
        }
    }
    if transaction.verify().is_err() {
        return Err(ApiError::bad_request(
            "unsigned_transaction",
            "the transaction is not signed by every key it needs (sign the message as answered by POST /v1/jobs)",
        ));
    }
    let receipt = state.engine.client().send_signed(&transaction).await.map_err(ApiError::chain)?;
    state.engine.metrics().transactions.with_label_values(&["relay", "sent"]).inc();
    Ok(Json(RelayResponse { signature: receipt.signature.to_string(), slot: receipt.slot }))
}

// ----- GET /v1/jobs/{id} -----

/// The job, by id (64 hex digits) or account address; 404 when it does not exist (or was
/// closed after its retention window). From the engine's index (every job on chain, ended ones
/// until closed); read by address only when the index does not have it (not loaded yet, or a
/// job it has not heard of yet).
pub(super) async fn find_job<B: ChainBackend>(engine: &Engine<B>, reference: &str) -> Result<Job, ApiError> {
    let address = job_address_of(reference)?;
    if let Some(job) = engine.known_job(&address) {
        return Ok(job);
    }
    // The engine's index keeps every job account on chain, whatever its status: once it is in
    // step with the chain, a job it does not know does not exist (or was posted within the last
    // slot), and a stranger's made-up ids cost the cluster nothing.
    if engine.index().is_synced() {
        return Err(ApiError::not_found("job_not_found", format!("no job {reference} (never posted, or closed)")));
    }
    engine
        .client()
        .account::<Job>(&address)
        .await
        .map_err(|error| match error {
            ClientError::Decode(_) => ApiError::not_found("job_not_found", format!("{reference} is not a job account")),
            other => ApiError::chain(other),
        })?
        .ok_or_else(|| ApiError::not_found("job_not_found", format!("no job {reference} (never posted, or closed)")))
}

/// 503 `not_loaded` until the engine's index has read the chain once (an empty picture is not
/// an empty network).
pub(super) fn not_loaded<B: ChainBackend>(engine: &Engine<B>) -> Result<(), ApiError> {
    if engine.index().loads() == 0 {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "not_loaded",
            "the scheduler has not read the chain yet; try again shortly",
        )
        .with_retry_after(Duration::from_secs(2)));
    }
    Ok(())
}

/// The account a job reference names: a job id (64 hex digits) or the address itself, exactly
/// ([`JobPath`]'s pattern: no space around it).
fn job_address_of(reference: &str) -> Result<Address, ApiError> {
    let invalid =
        || ApiError::bad_request("invalid_job_id", "a job is named by its id (64 hex digits) or its account address");
    if reference.trim() != reference {
        return Err(invalid());
    }
    edgerun_sdk::submission::parse_job_reference(reference).map_err(|_| invalid())
}

/// The `{id}` of a job's routes, as the OpenAPI document describes it (the handlers read it as
/// a string and answer 400 `invalid_job_id` when it names no job account).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct JobPath {
    /// The job id (64 hex digits) or the job account's address (base58 of 32 bytes).
    #[param(
        pattern = "^([0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{32,44})$",
        example = "8d9e0f1a2b3c4d5e6f708192a3b4c5d64f1c0d8a1b2e3f405162738495a6b7c8"
    )]
    pub id: String,
}

/// The job's view with the scheduler's own reason when it could not form a committee.
pub async fn job_view<B: ChainBackend>(engine: &Engine<B>, job: &Job) -> Result<JobView, ClientError> {
    job_view_with(engine, job, &mut HashMap::new()).await
}

/// [`job_view`], looking each stage's block time up once per slot in `block_times`.
pub async fn job_view_with<B: ChainBackend>(
    engine: &Engine<B>,
    job: &Job,
    block_times: &mut HashMap<u64, Option<i64>>,
) -> Result<JobView, ClientError> {
    let client = engine.client();
    let results = client.committee_results(job).await?;
    let output = client.output_availability(&job.job_id).await?;
    // The engine's newest slot (subscription and reconcile): no request per view.
    let slot = match engine.slot() {
        0 => client.slot().await?,
        slot => slot,
    };
    let mut view = JobView::new(job, &results, output.as_ref(), slot);
    // The time of each stage, from its block (a node that does not know leaves it out).
    for stage in &mut view.timeline {
        if let Some(stage_slot) = stage.slot {
            stage.unix_time = match block_times.get(&stage_slot) {
                Some(known) => *known,
                None => {
                    let time = client.block_time(stage_slot).await.ok().flatten();
                    block_times.insert(stage_slot, time);
                    time
                }
            };
        }
    }
    if matches!(job.status(), Ok(JobStatus::Posted | JobStatus::Seeded)) {
        if let Some(reason) = engine.stuck_reason(&job.job_id) {
            view.next = format!("not assigned: {reason}");
        }
    }
    Ok(view)
}

/// A job's stages, committee, each member's submission, quorum, output, and why it is not
/// moving.
#[utoipa::path(get, path = "/v1/jobs/{id}",
    params(JobPath),
    responses(
        (status = 200, description = "The job", body = edgerun_crank::view::JobView),
        (status = 400, description = "Not a job id or address (`invalid_job_id`)", body = super::ErrorResponse),
        (status = 404, description = "No such job (`job_not_found`)", body = super::ErrorResponse),
        (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
        (status = 503, description = "The cluster does not answer (`chain_unavailable`)", body = super::ErrorResponse),
    ))]
pub async fn get_job<B: ChainBackend>(
    State(state): State<AppState<B>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<JobView>, ApiError> {
    let Path(id) = id?;
    let job = find_job(&state.engine, &id).await?;
    Ok(Json(job_view(&state.engine, &job).await.map_err(ApiError::chain)?))
}

// ----- GET /v1/jobs/{id}/events -----

/// Server-sent events: `job` (the job's view) now and at every change, until the job ends or
/// is closed (`closed`). Every viewer of a job reads one shared feed ([`super::feeds`]).
#[utoipa::path(get, path = "/v1/jobs/{id}/events",
    params(JobPath),
    responses(
        (status = 200, description = "Server-sent events, each a `JobStreamEvent`: `job` (the JobView as JSON) now and at every change, `closed` (the job id) when the account is closed; the stream ends after the job ends",
            body = JobStreamEvent, content_type = "text/event-stream",
            example = json!({"event": "job", "data": "{\"job_id\":\"8d9e0f1a…\",\"status\":\"assigned\",…}"})),
        (status = 400, description = "Not a job id or address (`invalid_job_id`)", body = super::ErrorResponse),
        (status = 404, description = "No such job (`job_not_found`)", body = super::ErrorResponse),
        (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
        (status = 503, description = "Too many event streams open (`too_many_streams`; try again after `Retry-After`), or the cluster does not answer (`chain_unavailable`)", body = super::ErrorResponse),
    ))]
pub async fn job_events<B: ChainBackend>(
    State(state): State<AppState<B>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Path(id) = id?;
    let permit = state.feeds.admit()?;
    // Known to the engine (as every job is once its index is in step): no request to the cluster.
    let job_id = find_job(&state.engine, &id).await?.job_id;
    let feed = state.feeds.subscribe(&state.engine, job_id, &state.shutdown);
    let shutdown = state.shutdown.clone();
    // Each view is sent once: the first as it stands, each next one only after the feed changed
    // (re-reading the current value without waiting would resend it in a tight loop).
    let stream = futures::stream::unfold(
        (feed, permit, shutdown, false, true),
        move |(mut feed, permit, shutdown, done, first)| async move {
            if done {
                return None;
            }
            let mut wait = !first;
            loop {
                if wait {
                    tokio::select! {
                        changed = feed.changed() => if changed.is_err() { return None },
                        () = shutdown.cancelled() => return None,
                    }
                }
                wait = true;
                let item = feed.borrow_and_update().clone();
                let event = match &item {
                    FeedItem::Pending => None,
                    FeedItem::View { json, ended } => Some((Event::default().event("job").data(json.as_str()), *ended)),
                    FeedItem::Closed => Some((Event::default().event("closed").data(hex::encode(job_id)), true)),
                };
                if let Some((event, last)) = event {
                    return Some((Ok(event), (feed, permit, shutdown, last, false)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One event of `GET /v1/jobs/{id}/events`, as its `event:` and `data:` lines carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStreamEvent {
    pub event: JobStreamEventName,
    /// `job`: the job's view (`JobView`) as JSON; `closed`: the job id.
    pub data: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStreamEventName {
    Job,
    Closed,
}

// ----- GET /v1/jobs -----

/// Most jobs one `GET /v1/jobs` answers, and how many it answers without `limit`.
pub const MAX_LIST_LIMIT: usize = 1000;
pub const DEFAULT_LIST_LIMIT: usize = 100;

/// `GET /v1/jobs`'s query. No other parameter is taken (400 `invalid_query`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only jobs of this customer (a base58 public key).
    #[param(pattern = "^[1-9A-HJ-NP-Za-km-z]{32,44}$", example = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin")]
    pub client: Option<String>,
    /// Only jobs whose committee has this worker (a base58 public key).
    #[param(pattern = "^[1-9A-HJ-NP-Za-km-z]{32,44}$")]
    pub worker: Option<String>,
    /// Only jobs in this status.
    #[param(value_type = Option<JobStatusName>)]
    pub status: Option<String>,
    /// At most this many, newest first.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<usize>,
}

/// A job's status by name: what `GET /v1/jobs?status=` takes and what job views report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatusName {
    Posted,
    Seeded,
    Assigned,
    QuorumReached,
    AwaitingDa,
    Finalized,
    Cancelled,
    Slashed,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobRow {
    /// 64 hex digits.
    pub job_id: String,
    /// The job account's address (base58).
    pub job: String,
    /// The job's status by name (see `JobStatusName`).
    pub status: String,
    /// The customer (base58).
    pub client: String,
    /// Escrow still held (0 once paid out or refunded).
    pub escrow_lamports: u64,
    /// The escrow as posted.
    pub posted_escrow_lamports: u64,
    pub created_slot: u64,
    pub committee_size: u8,
    pub quorum: u8,
    pub committee: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobRow>,
    /// Jobs that matched, before `limit`.
    pub total: usize,
}

/// Jobs on chain (live, and ended until closed after their retention window), newest first.
/// Answered from the scheduler's index in memory: a request costs the cluster nothing.
#[utoipa::path(get, path = "/v1/jobs", params(ListQuery), responses(
    (status = 200, description = "The jobs", body = JobList, example = json!({
        "jobs": [{
            "job_id": "8d9e0f1a2b3c4d5e6f708192a3b4c5d64f1c0d8a1b2e3f405162738495a6b7c8",
            "job": "5Jq1Ur4U9bKX3C1nJvqA6hUMDLSn4Rj5vDkyvB8mXrTz",
            "status": "finalized",
            "client": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
            "escrow_lamports": 0,
            "posted_escrow_lamports": 50_000_000,
            "created_slot": 4100,
            "committee_size": 3,
            "quorum": 2,
            "committee": [
                "3Kzh9qAqVWQhEsfQz7zEQL1EuSx5tyNLNS2QgD3bNRqm",
                "7UX2i7SucgLMQcfZ75s3VXmZZY4YRUyJN9X1RgfMoDUi",
                "HN7cABqLq46Es1jh92dQQisAq662SmxELLLsHHe4YWrH"
            ]
        }],
        "total": 1,
    })),
    (status = 400, description = "A bad filter (`invalid_client`, `invalid_worker`, `invalid_status`, `invalid_limit`) or an unknown or mistyped parameter (`invalid_query`)", body = super::ErrorResponse),
    (status = 503, description = "The scheduler has not read the chain yet (`not_loaded`)", body = super::ErrorResponse),
))]
pub async fn list_jobs<B: ChainBackend>(
    State(state): State<AppState<B>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", format!("`limit` is from 1 to {MAX_LIST_LIMIT}")));
    }
    let status = match &query.status {
        Some(name) => {
            Some(JobStatus::ALL.into_iter().find(|status| status_label(*status) == name).ok_or_else(|| {
                let names: Vec<&str> = JobStatus::ALL.into_iter().map(status_label).collect();
                ApiError::bad_request("invalid_status", format!("`status` is one of {}", names.join(", ")))
            })?)
        }
        None => None,
    };
    let key = |text: &Option<String>, code: &'static str, message: &'static str| match text {
        Some(text) => text.parse::<Address>().map(Some).map_err(|_| ApiError::bad_request(code, message)),
        None => Ok(None),
    };
    let client_filter = key(&query.client, "invalid_client", "`client` is not a base58 public key")?;
    let worker_filter = key(&query.worker, "invalid_worker", "`worker` is not a base58 public key")?;
    not_loaded(&state.engine)?;
    // The engine's index: every job on chain, ended ones until closed, kept current by its
    // subscription. No listing per request.
    let mut jobs = state.engine.index().jobs_where(|job| {
        status.is_none_or(|status| job.status() == Ok(status))
            && client_filter.is_none_or(|client| job.client == client)
            && worker_filter.is_none_or(|worker| job.committee().contains(&worker))
    });
    jobs.sort_by_key(|(_, job)| std::cmp::Reverse((job.created_slot.get(), job.job_id)));
    let total = jobs.len();
    let jobs = jobs
        .into_iter()
        .take(limit)
        .map(|(address, job)| JobRow {
            job_id: hex::encode(job.job_id),
            job: address.to_string(),
            status: status_name(&job).to_string(),
            client: job.client.to_string(),
            escrow_lamports: job.escrow_lamports.get(),
            posted_escrow_lamports: job.posted_escrow_lamports.get(),
            created_slot: job.created_slot.get(),
            committee_size: job.committee_size,
            quorum: job.quorum,
            committee: job.committee().iter().map(ToString::to_string).collect(),
        })
        .collect();
    Ok(Json(JobList { jobs, total }))
}
