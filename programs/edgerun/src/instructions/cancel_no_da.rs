//! `cancel_no_da` (permissionless): the DA window passed and no winner declared the output. The job
//! goes back to Assigned (frozen policy: keep the job alive), the winning hash is cleared, the
//! deadline is extended by `challenge_window_slots`, and each winner that failed to declare pays
//! the non-response penalty (once) and no longer counts toward quorum.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{CONFIG_SEED, JOB_SEED, OUTPUT_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::{DaExpired, WorkerPenalized};
use crate::settlement::{checked_add, current_slot, take_penalty, TreasuryRef};
use crate::state::{job_status, GlobalConfig, Job, Treasury};

#[derive(Accounts)]
pub struct CancelNoDa {
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the job's OutputAvailability PDA; must not exist.
    #[account(seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: UncheckedAccount,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

#[inline(never)]
pub fn process_cancel_no_da(ctx: &mut Context<CancelNoDa>) -> Result<()> {
    let program_id = *ctx.program_id;
    let penalty = ctx.accounts.config.non_response_slash_lamports.get();
    let extension = ctx.accounts.config.challenge_window_slots.get();
    let mut remaining = ctx.remaining_accounts()?;
    let treasury_view = *ctx.accounts.treasury.account();
    require!(!ctx.accounts.output_availability.account().owned_by(&program_id), EdgerunError::OutputAlreadyDeclared);
    let job = &mut ctx.accounts.job;
    require!(job.status == job_status::AWAITING_DA, EdgerunError::InvalidJobStatus);
    let slot = current_slot()?;
    require!(slot > job.da_deadline_slot.get(), EdgerunError::DaWindowNotPassed);
    let results = read_all_results(job, &remaining, &program_id)?;

    let winning = Some(job.winning_output_hash);
    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    for index in 0..usize::from(job.assigned_count) {
        if results[index] != winning || job.is_da_failed(index) {
            continue;
        }
        job.mark_da_failed(index);
        if job.is_penalized(index) {
            continue;
        }
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * ACCOUNTS_PER_MEMBER + 1];
        let mut stake_view = *view;
        let mut stake = load_worker_stake_mut(view, &worker, &program_id)?;
        let amount = take_penalty(&mut stake, &mut stake_view, &mut treasury, penalty)?;
        job.mark_penalized(index);
        emit!(WorkerPenalized { job_id: job.job_id, worker, amount });
    }

    job.winning_output_hash = [0u8; 32];
    job.quorum_reached_slot = 0.into();
    job.da_deadline_slot = 0.into();
    // Counted from the later of the old deadline and now (see reassign_missing).
    let deadline = checked_add(job.deadline_slot.get().max(slot), extension)?;
    job.deadline_slot = deadline.into();
    job.status = job_status::ASSIGNED;
    emit!(DaExpired { job_id: job.job_id, deadline_slot: deadline });
    Ok(())
}
