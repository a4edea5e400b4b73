//! `cancel_no_da` (permissionless): the DA window passed and no winner declared the output. The
//! job goes back to Assigned (frozen policy: keep the job alive) so a new quorum can still form.
//!
//! 1. The job is AwaitingDA, its DA deadline has passed and no OutputAvailability exists.
//! 2. Every member's JobResult and WorkerStake PDA is re-derived, in assignment order.
//! 3. Each winner that did not declare is marked DA-failed (its result no longer counts toward
//!    quorum, it is neither paid nor slashed) and pays the job's penalty once, from its lock. The
//!    scheduler may then replace it (`reassign_missing`) so a new quorum can form.
//! 4. The winning hash is cleared and the job's deadline becomes `max(deadline, now) +` the job's
//!    challenge window; members the quorum cut off before their own deadline get that deadline
//!    too, so they can still submit.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{JOB_SEED, OUTPUT_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::DaExpired;
use crate::settlement::{checked_add, current_slot, penalize_member, TreasuryRef};
use crate::state::{Job, JobStatus, Treasury};

#[derive(Accounts)]
pub struct CancelNoDa {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the job's OutputAvailability PDA; must not exist.
    #[account(seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: UncheckedAccount,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_cancel_no_da(ctx: &mut Context<CancelNoDa>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let treasury_view = *ctx.accounts.treasury.account();
    require!(!ctx.accounts.output_availability.account().owned_by(&program_id), EdgerunError::OutputAlreadyDeclared);
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::AwaitingDa])?;
    let slot = current_slot()?;
    require!(slot > job.da_deadline_slot.get(), EdgerunError::DaWindowNotPassed);
    let results = read_all_results(job, &remaining, &program_id)?;
    let deadline = checked_add(job.deadline_slot.get().max(slot), job.challenge_window_slots.get())?;
    let quorum_slot = job.quorum_reached_slot.get();

    let winning = Some(job.winning_output_hash);
    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    for index in 0..usize::from(job.assigned_count) {
        if results[index].is_none() {
            if job.member_deadline(index) >= quorum_slot {
                // Cut off by the quorum, not silent: it may submit again.
                job.member_deadlines[index] = deadline.into();
            }
            continue;
        }
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
        penalize_member(job, index, &mut stake, &mut stake_view, &mut treasury)?;
    }

    job.winning_output_hash = [0u8; 32];
    job.quorum_reached_slot = 0.into();
    job.da_deadline_slot = 0.into();
    job.deadline_slot = deadline.into();
    job.set_status(JobStatus::Assigned);
    emit!(DaExpired { job_id: job.job_id, deadline_slot: deadline });
    Ok(())
}
