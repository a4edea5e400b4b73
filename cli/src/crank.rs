//! `edgerun crank ...`: anyone may advance a job with the permissionless instructions and pay
//! the fee. One command per instruction; `once`: one pass over every job any of them can
//! advance; `run`: the same as a service, sending each at the first slot it becomes valid until
//! stopped. Nothing a simulation refuses is sent (the logic is `edgerun_crank`'s).

use std::net::SocketAddr;
use std::sync::Arc;

use clap::{Args, Subcommand};
use edgerun_crank::service::{self, Metrics, ServiceConfig, ServiceReport};
use edgerun_crank::{AttemptOutcome, CrankAction, CrankError, OncePolicy, OnceReport};
use edgerun_service::flags::HumanDuration;
use edgerun_service::logging::LogFormat;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{fields, table, Output, Report};

#[derive(Subcommand, Debug)]
pub enum CrankCommand {
    /// Settle the committee's results once a quorum of them match (reach_quorum).
    ReachQuorum(JobArg),
    /// Refund a job whose committee's quorum attested its input unavailable; no member that
    /// answered is charged (settle_input_unavailable).
    SettleInputUnavailable(JobArg),
    /// Pay the winners once the output is declared (finalize_job).
    Finalize(JobArg),
    /// Penalize committee members silent past their deadline (penalize_non_submitters).
    Penalize(JobArg),
    /// Penalize winners who never declared the output; the job reopens for a new quorum (cancel_no_da).
    CancelNoDa(JobArg),
    /// Refund a job whose committee reached no quorum in time; silent members pay (cancel_expired_job).
    CancelExpired(JobArg),
    /// Close an ended job after its retention window; all its rent goes back to the client (close_job).
    Close(JobArg),
    /// One pass over every job: send each instruction that would succeed.
    Once {
        /// Most transactions sent in this pass.
        #[arg(long, value_name = "N", default_value_t = OncePolicy::default().max_transactions)]
        max_transactions: usize,
    },
    /// Watch every job and send each instruction at the first slot it becomes valid, until
    /// SIGINT/SIGTERM (a service: logs to stderr, optional /health and /metrics).
    Run(RunArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Jobs cranked at the same time.
    #[arg(long, value_name = "N", default_value_t = ServiceConfig::default().concurrency)]
    pub concurrency: usize,
    /// Serve /health and Prometheus /metrics on this address (e.g. 127.0.0.1:9102).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Time between two reads of the slot, with its unit (how late after a deadline an action may
    /// go).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(ServiceConfig::default().slot_interval))]
    pub slot_interval: HumanDuration,
    /// Time between two reads of the fee payer's balance and two safety re-loads of the live jobs
    /// (filtered by status; the account subscription keeps them current in between).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(ServiceConfig::default().reconcile_interval))]
    pub reconcile_interval: HumanDuration,
    /// Slots a job's committee is given to reach the quorum, declare and finalize itself before
    /// the crank steps in (0: at once). Honest members do it within a few slots; racing them costs
    /// a transaction for a step their own was about to take.
    #[arg(long, value_name = "SLOTS", default_value_t = ServiceConfig::default().committee_grace_slots)]
    pub committee_grace_slots: u64,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,
    /// Poll the accounts instead of subscribing over the websocket.
    #[arg(long)]
    pub no_websocket: bool,
}

#[derive(Args, Debug)]
pub struct JobArg {
    /// Job id (64 hex digits) or job account address.
    pub job: String,
}

#[derive(Serialize)]
struct CrankReport {
    job_id: String,
    action: CrankAction,
    instruction: &'static str,
    signature: String,
    slot: u64,
    /// The job's status afterwards.
    status: &'static str,
}

impl Report for CrankReport {
    fn text(&self) -> String {
        fields(&[
            ("sent", format!("{} on job {}", self.instruction, self.job_id)),
            ("transaction", format!("{} (slot {})", self.signature, self.slot)),
            ("job status", self.status.to_string()),
        ])
    }
}

impl Report for OnceReport {
    fn text(&self) -> String {
        if self.attempts.is_empty() {
            return format!("slot {}: {} jobs seen, nothing to advance", self.slot, self.jobs_seen);
        }
        let mut rows = vec![vec!["JOB ID".to_string(), "ACTION".into(), "OUTCOME".into()]];
        for attempt in &self.attempts {
            let outcome = match &attempt.outcome {
                AttemptOutcome::Sent { signature, slot } => format!("sent {signature} (slot {slot})"),
                AttemptOutcome::Refused { error } => format!("not sent: simulation refused with {error}"),
                AttemptOutcome::Failed { error } => format!("failed: {error}"),
            };
            rows.push(vec![attempt.job_id.clone(), attempt.action.command().to_string(), outcome]);
        }
        let sent =
            self.attempts.iter().filter(|attempt| matches!(attempt.outcome, AttemptOutcome::Sent { .. })).count();
        format!("slot {}: {} jobs seen, {sent} transactions sent\n{}", self.slot, self.jobs_seen, table(&rows))
    }
}

impl Report for ServiceReport {
    fn text(&self) -> String {
        let mut text = format!(
            "stopped: {} transactions sent, {} refused in simulation, {} failed",
            self.sent, self.refused, self.failed
        );
        if !self.by_instruction.is_empty() {
            let mut rows = vec![vec!["INSTRUCTION".to_string(), "SENT".into(), "REFUSED".into(), "FAILED".into()]];
            for (instruction, counts) in &self.by_instruction {
                rows.push(vec![
                    instruction.to_string(),
                    counts.sent.to_string(),
                    counts.refused.to_string(),
                    counts.failed.to_string(),
                ]);
            }
            text.push('\n');
            text.push_str(&table(&rows));
        }
        if self.abandoned_turns > 0 {
            text.push_str(&format!(
                "\n{} turns were still running at shutdown; their jobs are picked up by the next run",
                self.abandoned_turns
            ));
        }
        text
    }
}

/// `edgerun crank run`: checks it can work (network initialized, payer funded, address free),
/// then runs the service until SIGINT/SIGTERM and reports what it did.
async fn run_service(context: &Context, args: RunArgs) -> Result<Output, CliError> {
    let payer = Arc::new(context.keypair()?.insecure_clone());
    context.client.global_config().await.map_err(|error| context.chain(error))?;
    let payer_address = context.pubkey()?;
    let balance = context.client.balance(&payer_address).await.map_err(|error| context.chain(error))?;
    if balance < edgerun_sdk::submission::LAMPORTS_PER_SIGNATURE {
        return Err(CliError::failed(
            "insufficient_balance",
            format!("the fee payer {payer_address} has {balance} lamports, not enough for one transaction fee"),
        )
        .with_hint("fund the keypair (e.g. `solana transfer` to it, or `solana airdrop` on a test cluster)"));
    }
    let listener = match args.listen {
        Some(address) => Some(tokio::net::TcpListener::bind(address).await.map_err(|error| {
            CliError::usage(format!("cannot listen on {address}: {error}"))
                .with_hint("pick a free address for --listen, or leave it out to serve no metrics")
        })?),
        None => None,
    };
    let cancel = CancellationToken::new();
    let metrics = Metrics::new();
    context.client.backend().calls().register(metrics.registry());
    let server = listener.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "serving /health and /metrics");
        }
        let (metrics, cancel) = (metrics.clone(), cancel.clone());
        tokio::spawn(async move {
            if let Err(error) = service::http::serve(listener, metrics, cancel).await {
                tracing::error!(%error, "the metrics server stopped");
            }
        })
    });
    edgerun_service::shutdown::cancel_on_shutdown_signal(cancel.clone());
    let config = ServiceConfig {
        ws_url: (!args.no_websocket).then(|| context.settings.ws_url.clone()),
        concurrency: args.concurrency,
        slot_interval: args.slot_interval.into(),
        reconcile_interval: args.reconcile_interval.into(),
        committee_grace_slots: args.committee_grace_slots,
        ..ServiceConfig::default()
    };
    let report = service::run(context.client.clone(), payer, config, metrics, cancel.clone()).await;
    cancel.cancel();
    if let Some(server) = server {
        let _ = server.await;
    }
    Output::of(&report)
}

pub async fn run(context: &Context, command: CrankCommand) -> Result<Output, CliError> {
    let (action, reference) = match command {
        CrankCommand::Run(args) => return run_service(context, args).await,
        CrankCommand::Once { max_transactions } => {
            let policy = OncePolicy { max_transactions, ..OncePolicy::default() };
            let report = edgerun_crank::once(&context.client, context.keypair()?, &policy)
                .await
                .map_err(|error| context.chain(error))?;
            return Output::of(&report);
        }
        CrankCommand::ReachQuorum(job) => (CrankAction::ReachQuorum, job.job),
        CrankCommand::SettleInputUnavailable(job) => (CrankAction::SettleInputUnavailable, job.job),
        CrankCommand::Finalize(job) => (CrankAction::Finalize, job.job),
        CrankCommand::Penalize(job) => (CrankAction::Penalize, job.job),
        CrankCommand::CancelNoDa(job) => (CrankAction::CancelNoDa, job.job),
        CrankCommand::CancelExpired(job) => (CrankAction::CancelExpired, job.job),
        CrankCommand::Close(job) => (CrankAction::Close, job.job),
    };
    let job = context.find_job(&reference).await?;
    let job_id = job.job_id;
    let job_hex = hex::encode(job_id);
    // Said in words before anything is simulated: the program's own refusal for a wrong status
    // can be an account error (e.g. finalize reads an output record a posted job lacks).
    if !job.status().is_ok_and(|status| action.statuses().contains(&status)) {
        let wanted: Vec<&str> = action.statuses().iter().map(|status| crate::job::status_label(*status)).collect();
        return Err(CliError::failed(
            "InvalidJobStatus",
            format!(
                "job {job_hex} is {}; {} applies to {} jobs",
                crate::job::status_name(&job),
                action.instruction_name(),
                wanted.join(" or ")
            ),
        )
        .with_hint(format!("`edgerun job status {job_hex}` shows where it is and what it waits for")));
    }
    if action == CrankAction::Finalize
        && context.client.output_availability(&job_id).await.map_err(|error| context.chain(error))?.is_none()
    {
        return Err(crate::error::refused(edgerun::errors::EdgerunError::OutputNotDeclared));
    }
    let receipt = edgerun_crank::crank(&context.client, context.keypair()?, &job_id, action).await.map_err(
        |error| match error {
            CrankError::JobNotFound { .. } => context.find_job_error(&reference),
            CrankError::Client(error) => context.chain(error),
        },
    )?;
    let status = match context.client.job(&job_id).await.map_err(|error| context.chain(error))? {
        Some(job) => crate::job::status_name(&job),
        None => "closed",
    };
    Output::of(&CrankReport {
        job_id: hex::encode(job_id),
        action,
        instruction: action.instruction_name(),
        signature: receipt.signature.to_string(),
        slot: receipt.slot,
        status,
    })
}
