//! `close_job` (permissionless): after an ending and the job's retention window, the Job, its
//! OutputAvailability and every JobResult are closed and all their lamports go back to the
//! client: the job's rent reserve paid for the JobResults and the OutputAvailability, so nothing
//! is owed to anyone else.
//!
//! 1. The job has ended (Finalized or Cancelled) and its retention window has passed.
//! 2. Every member's JobResult PDA is re-derived, in assignment order; those that exist are closed.
//! 3. The OutputAvailability (checked by seeds) is closed if it exists; then the Job.
//!
//! Remaining accounts: the JobResult PDA (writable) per assigned worker, in assignment order.

use anchor_lang::prelude::*;

use crate::committee::read_result;
use crate::constants::{JOB_SEED, OUTPUT_SEED};
use crate::errors::EdgerunError;
use crate::events::JobClosed;
use crate::settlement::{checked_add, close_account, current_slot};
use crate::state::{Job, JobStatus};

/// Accounts per committee member in `close_job`'s remaining accounts: its JobResult PDA.
pub const CLOSE_ACCOUNTS_PER_MEMBER: usize = 1;

#[derive(Accounts)]
pub struct CloseJob {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump, close = client)]
    pub job: Account<Job>,
    /// CHECK: the job's client (address checked), receives every lamport of the job's accounts.
    #[account(mut, address = job.client @ EdgerunError::NotJobClient)]
    pub client: UncheckedAccount,
    /// CHECK: the job's OutputAvailability PDA (checked by seeds); closed if it exists.
    #[account(mut, seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: UncheckedAccount,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_close_job(ctx: &mut Context<CloseJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let mut client_view = *ctx.accounts.client.account();
    let job = &ctx.accounts.job;
    job.require_status(&[JobStatus::Finalized, JobStatus::Cancelled])?;
    require!(
        current_slot()? >= checked_add(job.ended_slot.get(), job.retention_slots.get())?,
        EdgerunError::RetentionNotPassed
    );
    let count = usize::from(job.assigned_count);
    require!(remaining.len() == count * CLOSE_ACCOUNTS_PER_MEMBER, EdgerunError::WrongRemainingAccounts);

    for (index, result_view) in remaining.iter_mut().enumerate() {
        if read_result(result_view, job, index, &program_id)?.is_some() {
            close_account(result_view, &mut client_view)?;
        }
    }
    let mut output_view = *ctx.accounts.output_availability.account();
    if output_view.owned_by(&program_id) {
        close_account(&mut output_view, &mut client_view)?;
    }
    emit!(JobClosed { job_id: job.job_id });
    Ok(())
}
