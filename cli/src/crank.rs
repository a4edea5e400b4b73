//! `edgerun crank ...`: anyone may advance a job with the permissionless instructions and pay
//! the fee. One command per instruction, and `once`: one pass over every job any of them can
//! advance, sending nothing a simulation refuses (the logic is `edgerun_crank`'s, shared with
//! the crank service).

use clap::{Args, Subcommand};
use edgerun_crank::{AttemptOutcome, CrankAction, CrankError, OncePolicy, OnceReport};
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{fields, table, Output, Report};

#[derive(Subcommand, Debug)]
pub enum CrankCommand {
    /// Settle the committee's results once a quorum of them match (reach_quorum).
    ReachQuorum(JobArg),
    /// Pay the winners once the output is declared (finalize_job).
    Finalize(JobArg),
    /// Penalize committee members silent past their deadline (penalize_non_submitters).
    Penalize(JobArg),
    /// Penalize winners who never declared the output; the job reopens for a new quorum (cancel_no_da).
    CancelNoDa(JobArg),
    /// Refund a job whose committee reached no quorum in time; silent members pay (cancel_expired_job).
    CancelExpired(JobArg),
    /// Close an ended job after its retention window; rent goes back to who paid it (close_job).
    Close(JobArg),
    /// One pass over every job: send each instruction that would succeed.
    Once {
        /// Most transactions sent in this pass.
        #[arg(long, value_name = "N", default_value_t = OncePolicy::default().max_transactions)]
        max_transactions: usize,
    },
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

pub async fn run(context: &Context, command: CrankCommand) -> Result<Output, CliError> {
    let (action, reference) = match command {
        CrankCommand::Once { max_transactions } => {
            let policy = OncePolicy { max_transactions, ..OncePolicy::default() };
            let report = edgerun_crank::once(&context.client, context.keypair()?, &policy)
                .await
                .map_err(|error| context.chain(error))?;
            return Output::of(&report);
        }
        CrankCommand::ReachQuorum(job) => (CrankAction::ReachQuorum, job.job),
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
