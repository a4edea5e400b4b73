//! `cancel_expired_job` (permissionless): a committee that never reached quorum, past
//! `deadline_slot + challenge_window_slots`. The client is refunded in full, every lock is released
//! and silent workers pay their non-response penalty (once).
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use super::penalize_non_submitters::penalize_missing;
use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{CONFIG_SEED, JOB_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::JobCancelled;
use crate::settlement::{checked_add, current_slot, move_lamports, release_lock, TreasuryRef};
use crate::state::{job_status, GlobalConfig, Job, Treasury};

#[derive(Accounts)]
pub struct CancelExpiredJob {
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the job's client (address checked), receives the refund.
    #[account(mut, address = job.client @ EdgerunError::NotJobClient)]
    pub client: UncheckedAccount,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

#[inline(never)]
pub fn process_cancel_expired_job(ctx: &mut Context<CancelExpiredJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let penalty = ctx.accounts.config.non_response_slash_lamports.get();
    let grace = ctx.accounts.config.challenge_window_slots.get();
    let mut remaining = ctx.remaining_accounts()?;
    let mut job_view = *ctx.accounts.job.account();
    let mut client_view = *ctx.accounts.client.account();
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    require!(job.status == job_status::ASSIGNED, EdgerunError::InvalidJobStatus);
    let slot = current_slot()?;
    require!(slot > checked_add(job.deadline_slot.get(), grace)?, EdgerunError::DeadlineNotPassed);
    let results = read_all_results(job, &remaining, &program_id)?;

    let lock = job.required_lock.get();
    for index in 0..usize::from(job.assigned_count) {
        let worker = job.assigned_workers[index];
        let mut stake = load_worker_stake_mut(&mut remaining[index * ACCOUNTS_PER_MEMBER + 1], &worker, &program_id)?;
        release_lock(&mut stake, lock)?;
        job.mark_settled(index);
    }
    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    penalize_missing(job, &results, &mut remaining, &mut treasury, penalty, &program_id)?;

    let refund = job.escrow_lamports.get();
    move_lamports(&mut job_view, &mut client_view, refund)?;
    job.escrow_lamports = 0.into();
    job.status = job_status::CANCELLED;
    job.ended_slot = slot.into();
    emit!(JobCancelled { job_id: job.job_id, refund_lamports: refund });
    Ok(())
}
