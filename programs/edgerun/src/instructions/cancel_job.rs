//! `cancel_job`: the client withdraws a job nobody works on yet (Posted or Seeded): full refund.

use anchor_lang::prelude::*;

use crate::constants::JOB_SEED;
use crate::errors::EdgerunError;
use crate::events::JobCancelled;
use crate::settlement::{current_slot, move_lamports};
use crate::state::{Job, JobStatus};

#[derive(Accounts)]
pub struct CancelJob {
    #[account(mut, address = job.client @ EdgerunError::NotJobClient)]
    pub client: Signer,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_cancel_job(ctx: &mut Context<CancelJob>) -> Result<()> {
    let job = &ctx.accounts.job;
    job.require_status(&[JobStatus::Posted, JobStatus::Seeded])?;
    let refund = job.escrow_lamports.get();
    let mut job_view = *ctx.accounts.job.account();
    let mut client_view = *ctx.accounts.client.account();
    move_lamports(&mut job_view, &mut client_view, refund)?;
    let slot = current_slot()?;
    let job = &mut ctx.accounts.job;
    job.escrow_lamports = 0.into();
    job.set_status(JobStatus::Cancelled);
    job.ended_slot = slot.into();
    emit!(JobCancelled { job_id: job.job_id, refund_lamports: refund });
    Ok(())
}
