//! `reassign_missing`: after the deadline, the scheduler swaps a silent worker for a fresh one. The
//! silent worker's lock is released and it pays its non-response penalty (once); the replacement's
//! lock is taken; the deadline is extended by `challenge_window_slots / 2`.
//!
//! Several replacements in the same slot form one batch and extend the deadline once.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_result};
use crate::constants::{CONFIG_SEED, JOB_RESULT_SEED, JOB_SEED, MAX_REASSIGNMENTS, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::{WorkerPenalized, WorkerReassigned};
use crate::settlement::{checked_add, current_slot, lock_stake, release_lock, take_penalty, TreasuryRef};
use crate::state::{job_status, GlobalConfig, Job, Treasury, WORKER_STATUS_ACTIVE};

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
    /// CHECK: the missing worker's JobResult PDA, proven by derivation to be empty.
    pub missing_job_result: UncheckedAccount,
    /// CHECK: the missing worker's WorkerStake PDA (checked by derivation and owner).
    #[account(mut)]
    pub missing_worker_stake: UncheckedAccount,
    /// CHECK: the replacement's WorkerStake PDA (checked by derivation and owner).
    #[account(mut)]
    pub replacement_worker_stake: UncheckedAccount,
}

#[inline(never)]
pub fn process_reassign_missing(
    ctx: &mut Context<ReassignMissing>,
    missing_worker: Address,
    replacement_worker: Address,
) -> Result<()> {
    let program_id = *ctx.program_id;
    let penalty = ctx.accounts.config.non_response_slash_lamports.get();
    let extension = ctx.accounts.config.challenge_window_slots.get() / 2;
    let treasury_view = *ctx.accounts.treasury.account();
    let mut missing_view = *ctx.accounts.missing_worker_stake.account();
    let mut replacement_view = *ctx.accounts.replacement_worker_stake.account();
    let result_view = *ctx.accounts.missing_job_result.account();
    let job = &mut ctx.accounts.job;
    require!(job.status == job_status::ASSIGNED, EdgerunError::InvalidJobStatus);
    let slot = current_slot()?;
    let same_batch = job.reassigned_slot.get() == slot && slot > job.assigned_slot.get();
    require!(slot > job.deadline_slot.get() || same_batch, EdgerunError::DeadlineNotPassed);
    let index = job.committee_index(&missing_worker).ok_or(EdgerunError::WorkerNotAssigned)?;
    require!(job.committee_index(&replacement_worker).is_none(), EdgerunError::ReplacementAlreadyAssigned);
    require!(!job.replaced().contains(&replacement_worker), EdgerunError::ReplacementPreviouslyRemoved);
    require!(usize::from(job.replaced_count) < MAX_REASSIGNMENTS, EdgerunError::ReassignmentLimitReached);
    require!(read_result(&result_view, job, index, &program_id)?.is_none(), EdgerunError::WorkerAlreadySubmitted);

    let lock = job.required_lock.get();
    let job_id = job.job_id;
    {
        let mut stake_view = missing_view;
        let mut stake = load_worker_stake_mut(&mut missing_view, &missing_worker, &program_id)?;
        release_lock(&mut stake, lock)?;
        if !job.is_penalized(index) {
            let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
            let amount = take_penalty(&mut stake, &mut stake_view, &mut treasury, penalty)?;
            emit!(WorkerPenalized { job_id, worker: missing_worker, amount });
        }
    }
    {
        let mut stake = load_worker_stake_mut(&mut replacement_view, &replacement_worker, &program_id)?;
        require!(stake.status == WORKER_STATUS_ACTIVE, EdgerunError::WorkerNotActive);
        lock_stake(&mut stake, lock)?;
    }

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
    if !same_batch {
        // Counted from the later of the old deadline and now, so a replacement always gets the
        // full extension to submit (a late reassignment would otherwise start already expired).
        let base = job.deadline_slot.get().max(slot);
        job.deadline_slot = checked_add(base, extension)?.into();
        job.reassigned_slot = slot.into();
    }
    emit!(WorkerReassigned { job_id, missing_worker, replacement_worker, deadline_slot: job.deadline_slot.get() });
    Ok(())
}
