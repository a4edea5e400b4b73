//! `assign_workers`: the scheduler names the committee (after the seed is set).
//!
//! 1. The signer is the scheduler authority; the job is Seeded; exactly `committee_size` distinct
//!    workers, each with its own WorkerStake PDA (re-derived), active.
//! 2. Every member's `required_lock` is locked in its WorkerStake (it must be unlocked stake).
//! 3. Every member's own deadline, and the job's, is now + the job's challenge window.
//!
//! Remaining accounts: the WorkerStake PDA of each worker in `workers`, same order, writable.

use alloc::vec::Vec;
use anchor_lang::prelude::*;

use crate::committee::load_worker_stake_mut;
use crate::constants::{CONFIG_SEED, JOB_RESULT_SEED, JOB_SEED, MAX_COMMITTEE_SIZE};
use crate::errors::EdgerunError;
use crate::events::WorkersAssigned;
use crate::settlement::{checked_add, current_slot, lock_stake};
use crate::state::{GlobalConfig, Job, JobStatus, WORKER_STATUS_ACTIVE};

#[derive(Accounts)]
pub struct AssignWorkers {
    #[account(address = config.scheduler_authority @ EdgerunError::NotSchedulerAuthority)]
    pub scheduler_authority: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_assign_workers(ctx: &mut Context<AssignWorkers>, workers: Vec<Address>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut stake_views = ctx.remaining_accounts()?;
    let job = &mut ctx.accounts.job;
    require!(job.seed_set.get(), EdgerunError::SeedNotSet);
    job.require_status(&[JobStatus::Seeded])?;
    require!(
        workers.len() == usize::from(job.committee_size) && workers.len() <= MAX_COMMITTEE_SIZE,
        EdgerunError::WrongCommitteeSize
    );
    require!(stake_views.len() == workers.len(), EdgerunError::WrongRemainingAccounts);
    for (index, worker) in workers.iter().enumerate() {
        require!(!workers[..index].contains(worker), EdgerunError::DuplicateWorker);
    }

    let lock = job.required_lock.get();
    for (index, (worker, view)) in workers.iter().zip(stake_views.iter_mut()).enumerate() {
        let mut stake = load_worker_stake_mut(view, worker, &program_id)?;
        require!(stake.status == WORKER_STATUS_ACTIVE, EdgerunError::WorkerNotActive);
        lock_stake(&mut stake, lock)?;
        let (_, result_bump) =
            anchor_lang::find_program_address(&[JOB_RESULT_SEED, job.job_id.as_ref(), worker.as_ref()], &program_id);
        job.assigned_workers[index] = *worker;
        job.result_bumps[index] = result_bump;
    }

    let slot = current_slot()?;
    let deadline = checked_add(slot, job.challenge_window_slots.get())?;
    job.assigned_count = workers.len() as u8;
    job.assigned_slot = slot.into();
    job.deadline_slot = deadline.into();
    for member_deadline in job.member_deadlines.iter_mut().take(workers.len()) {
        *member_deadline = deadline.into();
    }
    job.set_status(JobStatus::Assigned);
    emit!(WorkersAssigned {
        job_id: job.job_id,
        workers: job.assigned_workers,
        assigned_count: job.assigned_count,
        deadline_slot: deadline,
    });
    Ok(())
}
