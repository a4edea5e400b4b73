//! `cancel_expired_job` (permissionless): a committee that never reached quorum, past
//! `deadline_slot +` the job's challenge window. The client is refunded in full, silent members
//! pay their penalty (once) and every lock is released.
//!
//! 1. The job is Assigned and `now > deadline_slot + challenge_window_slots` (the job's).
//! 2. Every member's JobResult and WorkerStake PDA is re-derived, in assignment order.
//! 3. Silent members pay the job's penalty from their lock; every lock is released.
//! 4. The escrow goes back to the client. It is at least `min_escrow_lamports` (above the
//!    rent-exempt minimum of an empty account), so the credit lands even in an emptied wallet and
//!    releasing the workers' locks never depends on the customer's wallet.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::read_all_results;
use crate::constants::{JOB_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::JobCancelled;
use crate::settlement::{checked_add, current_slot, end_with_refund, TreasuryRef};
use crate::state::{Job, JobStatus, Treasury};

#[derive(Accounts)]
pub struct CancelExpiredJob {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the job's client (address checked), receives the refund.
    #[account(mut, address = job.client @ EdgerunError::NotJobClient)]
    pub client: UncheckedAccount,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_cancel_expired_job(ctx: &mut Context<CancelExpiredJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let mut job_view = *ctx.accounts.job.account();
    let mut client_view = *ctx.accounts.client.account();
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    require!(
        slot > checked_add(job.deadline_slot.get(), job.challenge_window_slots.get())?,
        EdgerunError::DeadlineNotPassed
    );
    let results = read_all_results(job, &remaining, &program_id)?;

    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    let refund = end_with_refund(
        job,
        &mut job_view,
        &mut client_view,
        &results,
        &mut remaining,
        &mut treasury,
        slot,
        &program_id,
    )?;
    emit!(JobCancelled { job_id: job.job_id, refund_lamports: refund });
    Ok(())
}
