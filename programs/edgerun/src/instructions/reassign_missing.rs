//! `reassign_missing`: the scheduler swaps a committee member that cannot count any more for a
//! fresh worker, so the job can still reach quorum.
//!
//! 1. The signer is the scheduler authority; the job is Assigned.
//! 2. The member to replace is either silent (no result, and its *own* deadline has passed: a
//!    member assigned in this very slot, or whose window is still open, cannot be evicted) or
//!    DA-failed (a winner that did not declare the output; its stale JobResult is closed and its
//!    rent goes back into the job's rent reserve, for the replacement's result).
//! 3. The replacement is active, not in the committee and was never removed from this job; at
//!    most `MAX_REASSIGNMENTS` per job.
//! 4. The removed member pays the job's penalty once (from the lock; a DA-failed one already
//!    paid) and the rest of its lock is released; the replacement's lock is taken.
//! 5. The replacement's own deadline is now + half the job's challenge window; the job's deadline
//!    becomes the later of its deadline and that one (several replacements in one slot extend it
//!    once).

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_result};
use crate::constants::{CONFIG_SEED, JOB_RESULT_SEED, JOB_SEED, MAX_REASSIGNMENTS, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::WorkerReassigned;
use crate::settlement::{
    checked_add, close_into_reserve, current_slot, lock_stake, penalize_member, release_member, TreasuryRef,
};
use crate::state::{GlobalConfig, Job, JobStatus, Treasury, WORKER_STATUS_ACTIVE};

#[derive(Accounts)]
pub struct ReassignMissing {
    #[account(address = config.scheduler_authority @ EdgerunError::NotSchedulerAuthority)]
    pub scheduler_authority: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
    /// CHECK: the missing worker's JobResult PDA (re-derived): empty for a silent member, closed
    /// for a DA-failed one.
    #[account(mut)]
    pub missing_job_result: UncheckedAccount,
    /// CHECK: the missing worker's WorkerStake PDA (checked by derivation and owner).
    #[account(mut)]
    pub missing_worker_stake: UncheckedAccount,
    /// CHECK: the replacement's WorkerStake PDA (checked by derivation and owner).
    #[account(mut)]
    pub replacement_worker_stake: UncheckedAccount,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_reassign_missing(
    ctx: &mut Context<ReassignMissing>,
    missing_worker: Address,
    replacement_worker: Address,
) -> Result<()> {
    let program_id = *ctx.program_id;
    let treasury_view = *ctx.accounts.treasury.account();
    let mut missing_view = *ctx.accounts.missing_worker_stake.account();
    let mut replacement_view = *ctx.accounts.replacement_worker_stake.account();
    let mut result_view = *ctx.accounts.missing_job_result.account();
    let mut job_view = *ctx.accounts.job.account();
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    let index = job.committee_index(&missing_worker).ok_or(EdgerunError::WorkerNotAssigned)?;
    require!(job.committee_index(&replacement_worker).is_none(), EdgerunError::ReplacementAlreadyAssigned);
    require!(!job.replaced().contains(&replacement_worker), EdgerunError::ReplacementPreviouslyRemoved);
    require!(usize::from(job.replaced_count) < MAX_REASSIGNMENTS, EdgerunError::ReassignmentLimitReached);
    let has_result = read_result(&result_view, job, index, &program_id)?.is_some();
    let da_failed = job.is_da_failed(index);
    require!(!has_result || da_failed, EdgerunError::WorkerAlreadySubmitted);
    require!(da_failed || job.is_silent(index, has_result, slot), EdgerunError::MemberDeadlineNotPassed);

    if has_result {
        close_into_reserve(job, &mut result_view, &mut job_view)?;
    }
    {
        let mut stake_view = missing_view;
        let mut stake = load_worker_stake_mut(&mut missing_view, &missing_worker, &program_id)?;
        if !job.is_penalized(index) {
            let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
            penalize_member(job, index, &mut stake, &mut stake_view, &mut treasury)?;
        }
        release_member(job, index, &mut stake)?;
    }
    {
        let mut stake = load_worker_stake_mut(&mut replacement_view, &replacement_worker, &program_id)?;
        require!(stake.status == WORKER_STATUS_ACTIVE, EdgerunError::WorkerNotActive);
        lock_stake(&mut stake, job.required_lock.get())?;
    }

    let job_id = job.job_id;
    let (_, result_bump) = anchor_lang::find_program_address(
        &[JOB_RESULT_SEED, job_id.as_ref(), replacement_worker.as_ref()],
        &program_id,
    );
    let replaced = usize::from(job.replaced_count);
    job.replaced_workers[replaced] = missing_worker;
    job.replaced_count += 1;
    job.assigned_workers[index] = replacement_worker;
    job.result_bumps[index] = result_bump;
    job.clear_slot_marks(index);
    let member_deadline = checked_add(slot, job.challenge_window_slots.get() / 2)?;
    job.member_deadlines[index] = member_deadline.into();
    job.deadline_slot = job.deadline_slot.get().max(member_deadline).into();
    emit!(WorkerReassigned { job_id, missing_worker, replacement_worker, deadline_slot: member_deadline });
    Ok(())
}
