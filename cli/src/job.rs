//! `edgerun job ...`: what a customer does. Submit builds the bundle, checks it against the
//! guest contract and the network's limits, stores it, then posts the job (so a gateway that is
//! down leaves nothing on chain); `--wait` follows the job to its end and fetches the output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use edgerun::state::{Job, JobStatus};
use edgerun_guest::{parse_error_record, GuestAbi};
use edgerun_sdk::instructions as ix;
use edgerun_sdk::scheduler_api::SchedulerApi;
use edgerun_sdk::storage::ContentHash;
use edgerun_sdk::submission::{self, Refusal};
use serde::Serialize;

use crate::amount::{parse_sol, sol};
use crate::bundle::{self, SourceArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::follow;
use crate::output::{fields, table, Output, Report};
use crate::StatusArg;
pub use edgerun_crank::view::{status_label, status_name, JobView, MemberView};

#[derive(Subcommand, Debug)]
pub enum JobCommand {
    /// Build the bundle, store it, post the job with its escrow; prints the job id.
    Submit(SubmitArgs),
    /// A job's stages with their slots, its committee and what each member submitted.
    Status {
        /// Job id (64 hex digits) or job account address.
        job: String,
    },
    /// Jobs on the network, newest first.
    List {
        /// Only jobs posted by the keypair.
        #[arg(long)]
        mine: bool,
        /// Only jobs in this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
    },
    /// Download a job's output and verify it against the hash the committee agreed on.
    Output {
        /// Job id (64 hex digits) or job account address.
        job: String,
        /// Write the output to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Withdraw a job nobody works on yet (posted or seeded): the escrow comes back.
    Cancel {
        /// Job id (64 hex digits) or job account address.
        job: String,
    },
}

#[derive(Args, Debug)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Escrow paid for the job, in SOL (e.g. 0.05); it also decides the committee size.
    #[arg(long, value_name = "SOL", value_parser = parse_sol)]
    pub escrow: u64,
    /// Follow the job until it ends, then print its output.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up waiting after this many seconds (the job goes on).
    #[arg(long, value_name = "SECONDS", default_value_t = 900, requires = "wait")]
    pub timeout: u64,
    /// With --wait: write the output to this file instead of printing it.
    #[arg(long, value_name = "FILE", requires = "wait")]
    pub out: Option<PathBuf>,
    /// Submit through a scheduler's job API (it stores the bundle and relays the transaction
    /// this CLI signs) instead of straight to the gateway and the chain.
    #[arg(long, env = "EDGERUN_API_URL", value_name = "URL")]
    pub api: Option<String>,
}

pub async fn run(context: &Context, command: JobCommand) -> Result<Output, CliError> {
    match command {
        JobCommand::Submit(args) => submit(context, args).await,
        JobCommand::Status { job } => {
            let job = context.find_job(&job).await?;
            Output::of(&load_view(context, &job).await?)
        }
        JobCommand::List { mine, status } => list(context, mine, status).await,
        JobCommand::Output { job, out } => {
            let job = context.find_job(&job).await?;
            Output::of(&fetch_output(context, &job, out.as_deref()).await?)
        }
        JobCommand::Cancel { job } => cancel(context, &job).await,
    }
}

// ----- submit -----

#[derive(Serialize)]
struct SubmitReport {
    job_id: String,
    job: String,
    bundle_hash: String,
    /// False when the gateway already had these bytes.
    bundle_newly_stored: bool,
    escrow_lamports: u64,
    max_instructions: u64,
    max_memory_bytes: u64,
    signature: String,
    slot: u64,
    /// With --wait: how the job ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<OutputReport>,
}

impl Report for SubmitReport {
    fn text(&self) -> String {
        let mut text = fields(&[
            ("job id", self.job_id.clone()),
            ("job account", self.job.clone()),
            (
                "bundle",
                format!("{}{}", self.bundle_hash, if self.bundle_newly_stored { "" } else { " (already stored)" }),
            ),
            ("escrow", sol(self.escrow_lamports)),
            ("limits", format!("{} instructions, {} bytes of memory", self.max_instructions, self.max_memory_bytes)),
            ("posted", format!("slot {} (transaction {})", self.slot, self.signature)),
        ]);
        match &self.outcome {
            Some(outcome) => {
                text.push('\n');
                text.push_str(&outcome.text());
            }
            None => text.push_str(&format!("\nfollow it with: edgerun job status {}", self.job_id)),
        }
        text
    }
}

async fn submit(context: &Context, args: SubmitArgs) -> Result<Output, CliError> {
    let me = context.pubkey()?;
    let config = context.client.global_config().await.map_err(|error| context.chain(error))?;
    let built = bundle::build(&args.source, None, config.max_instructions.get())?;
    let limits = built.bundle.limits;

    // Everything the program would refuse for this network is said before anything is stored.
    let runtime_proof =
        submission::check_network(&config, &built.bundle.runtime_id, &GuestAbi::runtime_ids(), &limits, args.escrow)
            .map_err(refusal)?;
    let cost = context.client.posting_cost(&config, args.escrow).await.map_err(|error| context.chain(error))?;
    let balance = context.client.balance(&me).await.map_err(|error| context.chain(error))?;
    submission::check_balance(balance, cost).map_err(refusal)?;

    let posted = match &args.api {
        Some(api_url) => post_through_api(context, api_url, &built, args.escrow).await?,
        None => post_directly(context, &built, args.escrow, runtime_proof).await?,
    };
    let job_id = posted.job_id;
    let mut report = SubmitReport {
        job_id: hex::encode(job_id),
        job: edgerun_sdk::pda::job_address(&job_id).to_string(),
        bundle_hash: hex::encode(built.hash),
        bundle_newly_stored: posted.bundle_newly_stored,
        escrow_lamports: args.escrow,
        max_instructions: limits.max_instructions,
        max_memory_bytes: limits.max_memory_bytes,
        signature: posted.signature,
        slot: posted.slot,
        outcome: None,
    };
    if args.wait {
        if context.format == crate::OutputFormat::Text {
            eprintln!("job {} posted; waiting for it to finish (Ctrl-C stops waiting, not the job)", report.job_id);
        }
        let job = follow::until_ended(context, &job_id, Duration::from_secs(args.timeout)).await?;
        match job.status() {
            Ok(JobStatus::Finalized) => report.outcome = Some(fetch_output(context, &job, args.out.as_deref()).await?),
            _ => {
                return Err(CliError::failed(
                    "job_cancelled",
                    format!("job {} ended without an output: cancelled, escrow refunded", report.job_id),
                )
                .with_hint(format!("`edgerun job status {}` shows why", report.job_id)))
            }
        }
    }
    Output::of(&report)
}

/// A submission the network or the wallet refuses, with what to do about it.
fn refusal(refusal: Refusal) -> CliError {
    let message = refusal.to_string();
    match refusal {
        Refusal::ProtocolPaused => crate::error::refused(edgerun::errors::EdgerunError::ProtocolPaused),
        Refusal::RuntimeRestricted => CliError::failed(refusal.code(), message).with_hint(
            "the network's admin sets its runtimes (edgerun admin update --allowed-runtime ID ...); build the \
             bundle for a runtime the network lists (`edgerun bundle build`, with or without --wasi)",
        ),
        Refusal::LimitsExceedNetwork { .. } => CliError::usage(message)
            .with_hint("lower --max-instructions / --max-memory-bytes (and the module's declared memory maximum)"),
        Refusal::EscrowBelowMinimum { minimum, .. } => {
            CliError::usage(message).with_hint(format!("pass --escrow {} or more", crate::amount::format_sol(minimum)))
        }
        Refusal::InsufficientBalance { needed, .. } => CliError::failed(refusal.code(), message).with_hint(format!(
            "fund the keypair with at least {} (all but the escrow's payout comes back when the job is closed), \
             or lower --escrow",
            sol(needed)
        )),
    }
}

/// A job on chain, however it was posted.
struct Posted {
    job_id: [u8; 32],
    bundle_newly_stored: bool,
    signature: String,
    slot: u64,
}

/// Stores the bundle in the gateway, then posts the job with `runtime_proof` (from
/// [`submission::check_network`]; a gateway that is down leaves nothing on chain).
async fn post_directly(
    context: &Context,
    built: &bundle::BuiltBundle,
    escrow: u64,
    runtime_proof: Vec<[u8; 32]>,
) -> Result<Posted, CliError> {
    let customer = context.keypair()?;
    let me = context.pubkey()?;
    let storage_url = context.storage_url()?.to_string();
    let storage = context.storage_at(&storage_url)?;
    let stored =
        storage.put_bundle(built.bytes.clone()).await.map_err(|error| CliError::storage(error, &storage_url))?;
    if stored.hash != hex::encode(built.hash) {
        return Err(CliError::failed(
            "hash_mismatch",
            format!("the gateway stored the bundle as {}, not as its hash {}", stored.hash, hex::encode(built.hash)),
        )
        .with_hint("the gateway is faulty; nothing was posted on chain; try another with --storage"));
    }
    let mut post = submission::post_job_args(
        &me,
        built.hash,
        built.bundle.runtime_id,
        built.bundle.limits,
        escrow,
        submission::fresh_nonce(),
    );
    post.runtime_proof = runtime_proof;
    let job_id = post.job_id;
    let receipt =
        context.client.send(customer, &[], &[ix::post_job(&me, post)]).await.map_err(|error| context.chain(error))?;
    Ok(Posted {
        job_id,
        bundle_newly_stored: stored.created,
        signature: receipt.signature.to_string(),
        slot: receipt.slot,
    })
}

/// Through the scheduler's API: it stores the bundle and answers the unsigned `post_job`, which
/// is signed here only if it is exactly the job asked for, then relayed.
async fn post_through_api(
    context: &Context,
    api_url: &str,
    built: &bundle::BuiltBundle,
    escrow: u64,
) -> Result<Posted, CliError> {
    let api = SchedulerApi::new(api_url).map_err(|error| crate::error::scheduler_api(error, api_url))?;
    let submitted = api
        .submit(context.keypair()?, &built.bytes, built.bundle.runtime_id, built.bundle.limits, escrow)
        .await
        .map_err(|error| crate::error::scheduler_api(error, api_url))?;
    let job_id = edgerun_sdk::submission::parse_hash(&submitted.job.job_id)
        .ok_or_else(|| CliError::failed("api_tampered", "the scheduler answered a malformed job id"))?;
    Ok(Posted {
        job_id,
        bundle_newly_stored: submitted.job.bundle_newly_stored,
        signature: submitted.relay.signature,
        slot: submitted.relay.slot,
    })
}

// ----- status -----

/// Reads what [`JobView::new`] needs of `job` from the chain.
pub async fn load_view(context: &Context, job: &Job) -> Result<JobView, CliError> {
    let chain = |error| context.chain(error);
    let results = context.client.committee_results(job).await.map_err(chain)?;
    let output = context.client.output_availability(&job.job_id).await.map_err(chain)?;
    let slot = context.client.slot().await.map_err(chain)?;
    Ok(JobView::new(job, &results, output.as_ref(), slot))
}

impl Report for JobView {
    fn text(&self) -> String {
        let mut text = fields(&[
            ("job id", self.job_id.clone()),
            ("job account", self.job.clone()),
            ("status", self.status.to_string()),
            ("customer", self.client.clone()),
            ("escrow", sol(self.escrow_lamports)),
            ("bundle", self.bundle_hash.clone()),
            ("limits", format!("{} instructions, {} bytes of memory", self.max_instructions, self.max_memory_bytes)),
        ]);
        text.push_str("\n\ntimeline:\n");
        let rows: Vec<Vec<String>> = self
            .timeline
            .iter()
            .map(|stage| {
                let slot = stage.slot.map_or_else(|| "-".to_string(), |slot| format!("slot {slot}"));
                vec![format!("  {slot}"), stage.stage.to_string(), stage.detail.clone()]
            })
            .collect();
        text.push_str(&table(&rows));
        if !self.committee.is_empty() {
            text.push_str("\n\ncommittee:\n");
            let mut rows = vec![vec!["  WORKER".to_string(), "RESULT".into(), "SLOT".into(), "STATE".into()]];
            for member in &self.committee {
                let state = member_state(member);
                rows.push(vec![
                    format!("  {}", member.worker),
                    member.output_hash.as_deref().map_or_else(|| "none".to_string(), |hash| hash[..16].to_string()),
                    member
                        .submitted_slot
                        .map_or_else(|| format!("due {}", member.deadline_slot), |slot| slot.to_string()),
                    state,
                ]);
            }
            text.push_str(&table(&rows));
        }
        if !self.replaced_workers.is_empty() {
            text.push_str(&format!("\nreplaced for silence: {}", self.replaced_workers.join(", ")));
        }
        if let Some(output) = &self.output {
            text.push_str(&format!("\n\noutput: {} at {}", output.output_hash, output.pointer));
        }
        text.push_str(&format!("\n\nnow (slot {}): {}", self.slot, self.next));
        text
    }
}

fn member_state(member: &MemberView) -> String {
    let mut states = Vec::new();
    if member.winner {
        states.push("winner");
    }
    if member.settled {
        states.push("settled");
    }
    if member.penalized {
        states.push("penalized");
    }
    if member.da_failed {
        states.push("did not publish");
    }
    if states.is_empty() {
        "-".to_string()
    } else {
        states.join(", ")
    }
}

// ----- list -----

#[derive(Serialize)]
struct JobRow {
    job_id: String,
    status: &'static str,
    client: String,
    escrow_lamports: u64,
    posted_slot: u64,
    committee_size: u8,
    assigned: u8,
}

#[derive(Serialize)]
struct JobList {
    jobs: Vec<JobRow>,
}

impl Report for JobList {
    fn text(&self) -> String {
        if self.jobs.is_empty() {
            return "no jobs".to_string();
        }
        let mut rows =
            vec![vec!["JOB ID".to_string(), "STATUS".into(), "ESCROW".into(), "POSTED".into(), "COMMITTEE".into()]];
        for job in &self.jobs {
            rows.push(vec![
                job.job_id.clone(),
                job.status.to_string(),
                sol(job.escrow_lamports),
                format!("slot {}", job.posted_slot),
                format!("{}/{}", job.assigned, job.committee_size),
            ]);
        }
        table(&rows)
    }
}

async fn list(context: &Context, mine: bool, status: Option<StatusArg>) -> Result<Output, CliError> {
    let chain = |error| context.chain(error);
    let mut jobs = match (mine, status) {
        (true, _) => context.client.jobs_by_client(&context.pubkey()?).await.map_err(chain)?,
        (false, Some(status)) => context.client.jobs_by_status(status.status()).await.map_err(chain)?,
        (false, None) => context.client.jobs().await.map_err(chain)?,
    };
    if let Some(status) = status {
        jobs.retain(|(_, job)| job.status() == Ok(status.status()));
    }
    jobs.sort_by_key(|(_, job)| std::cmp::Reverse(job.created_slot.get()));
    let jobs = jobs
        .iter()
        .map(|(_, job)| JobRow {
            job_id: hex::encode(job.job_id),
            status: status_name(job),
            client: job.client.to_string(),
            escrow_lamports: job.escrow_lamports.get(),
            posted_slot: job.created_slot.get(),
            committee_size: job.committee_size,
            assigned: job.assigned_count,
        })
        .collect();
    Output::of(&JobList { jobs })
}

// ----- output -----

/// What a finished job produced.
#[derive(Serialize)]
pub struct OutputReport {
    pub job_id: String,
    pub status: &'static str,
    pub output_hash: String,
    pub output_bytes: usize,
    /// Set when the committee agreed that the guest failed: its code and name.
    pub error: Option<GuestError>,
    /// A WASI job's exit code (its result is `edgerun-wasi-v1\0`, the code, then stdout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u32>,
    /// The output as text (when it is UTF-8 and was not saved to a file); a WASI job's stdout.
    pub output: Option<String>,
    pub saved_to: Option<String>,
}

#[derive(Serialize)]
pub struct GuestError {
    pub code: u32,
    pub name: String,
    pub fuel_used: u64,
}

impl Report for OutputReport {
    fn text(&self) -> String {
        let mut lines = vec![("output hash", self.output_hash.clone())];
        if let Some(error) = &self.error {
            lines.push(("guest error", format!("{} ({}), after {} fuel", error.name, error.code, error.fuel_used)));
        }
        if let Some(code) = self.exit_code {
            lines.push(("exit code", code.to_string()));
        }
        if let Some(path) = &self.saved_to {
            lines.push(("saved to", format!("{path} ({} bytes)", self.output_bytes)));
        }
        let mut text = fields(&lines);
        if let Some(output) = &self.output {
            text.push_str("\noutput:\n");
            text.push_str(output);
        }
        text
    }
}

/// Largest output printed inline; anything larger (or binary) is saved to a file.
const MAX_INLINE_OUTPUT: usize = 64 * 1024;

/// Downloads the job's output from the gateway by the hash the committee agreed on (the
/// storage client refuses bytes with another hash), and prints or saves it.
pub async fn fetch_output(context: &Context, job: &Job, out: Option<&Path>) -> Result<OutputReport, CliError> {
    let job_id = hex::encode(job.job_id);
    let declared = context
        .client
        .output_availability(&job.job_id)
        .await
        .map_err(|error| context.chain(error))?
        .ok_or_else(|| {
            CliError::failed("no_output", format!("job {job_id} has no declared output (it is {})", status_name(job)))
                .with_hint(format!("`edgerun job status {job_id}` shows where it is"))
        })?;
    let pointer = String::from_utf8_lossy(declared.pointer_bytes()).into_owned();
    let storage_url = match context.settings.storage_url.clone() {
        Some(url) => url,
        None => pointer_base(&pointer, &declared.output_hash).ok_or_else(|| {
            CliError::usage(format!("the output's pointer `{pointer}` is not a gateway URL"))
                .with_hint("pass --storage URL of a gateway that holds it")
        })?,
    };
    let storage = context.storage_at(&storage_url)?;
    let bytes = storage
        .get_output(&ContentHash(declared.output_hash))
        .await
        .map_err(|error| CliError::storage(error, &storage_url))?;
    let error = parse_error_record(&bytes).map(|(code, fuel_used)| GuestError {
        code: code.code(),
        name: format!("{code:?}"),
        fuel_used,
    });
    // A WASI result: the exit code, and stdout is what is shown (a saved file keeps the whole
    // record, the bytes the hash covers).
    let wasi = edgerun_guest::wasi::parse_result_record(&bytes);
    let shown = wasi.map_or(&bytes[..], |(_, stdout)| stdout);
    let text = std::str::from_utf8(shown).ok().filter(|text| text.len() <= MAX_INLINE_OUTPUT && error.is_none());
    let saved_to = match (out, text) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, Some(_)) => None,
        (None, None) if error.is_some() => None,
        (None, None) => Some(PathBuf::from(format!("{job_id}.output"))),
    };
    if let Some(path) = &saved_to {
        std::fs::write(path, &bytes)
            .map_err(|error| CliError::usage(format!("cannot write the output to {}: {error}", path.display())))?;
    }
    Ok(OutputReport {
        job_id,
        status: status_name(job),
        output_hash: hex::encode(declared.output_hash),
        output_bytes: bytes.len(),
        error,
        exit_code: wasi.map(|(code, _)| code),
        output: if saved_to.is_none() { text.map(str::to_string) } else { None },
        saved_to: saved_to.map(|path| path.display().to_string()),
    })
}

/// `https://host/x/output/<hash>` → `https://host/x`.
fn pointer_base(pointer: &str, output_hash: &[u8; 32]) -> Option<String> {
    let base = pointer.strip_suffix(&format!("/output/{}", hex::encode(output_hash)))?;
    (base.starts_with("http://") || base.starts_with("https://")).then(|| base.to_string())
}

// ----- cancel -----

#[derive(Serialize)]
struct CancelReport {
    job_id: String,
    refunded_lamports: u64,
    signature: String,
    slot: u64,
}

impl Report for CancelReport {
    fn text(&self) -> String {
        fields(&[
            ("cancelled", self.job_id.clone()),
            ("refunded", sol(self.refunded_lamports)),
            ("transaction", format!("{} (slot {})", self.signature, self.slot)),
        ])
    }
}

async fn cancel(context: &Context, reference: &str) -> Result<Output, CliError> {
    let job = context.find_job(reference).await?;
    let me = context.pubkey()?;
    let job_id = hex::encode(job.job_id);
    if job.client != me {
        return Err(crate::error::refused(edgerun::errors::EdgerunError::NotJobClient)
            .with_hint(format!("job {job_id} was posted by {}; you sign as {me}", job.client)));
    }
    match job.status() {
        Ok(JobStatus::Posted | JobStatus::Seeded) => {}
        Ok(JobStatus::Finalized | JobStatus::Cancelled) => {
            return Err(CliError::failed("InvalidJobStatus", format!("job {job_id} already ended ({})", status_name(&job))))
        }
        _ => {
            return Err(CliError::failed(
                "InvalidJobStatus",
                format!("job {job_id} is {}: a committee is working on it, it can no longer be withdrawn", status_name(&job)),
            )
            .with_hint(format!(
                "if the committee stays silent, anyone can refund it with `edgerun crank cancel-expired {job_id}` after slot {}",
                job.deadline_slot.get()
            )))
        }
    }
    let receipt = context
        .client
        .send(context.keypair()?, &[], &[ix::cancel_job(&me, &job.job_id)])
        .await
        .map_err(|error| context.chain(error))?;
    Output::of(&CancelReport {
        job_id,
        refunded_lamports: job.escrow_lamports.get(),
        signature: receipt.signature.to_string(),
        slot: receipt.slot,
    })
}
