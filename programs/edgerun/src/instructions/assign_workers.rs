//! `assign_workers`: the scheduler names the committee (after the seed is set) and every member's
//! `required_lock` is locked in its WorkerStake.
//!
//! Remaining accounts: the WorkerStake PDA of each worker in `workers`, same order, writable.

use alloc::vec::Vec;
use anchor_lang::prelude::*;

use crate::committee::load_worker_stake_mut;
use crate::constants::{CONFIG_SEED, JOB_RESULT_SEED, JOB_SEED, MAX_COMMITTEE_SIZE};
use crate::errors::EdgerunError;
use crate::events::WorkersAssigned;
use crate::settlement::{checked_add, current_slot, lock_stake};
use crate::state::{job_status, GlobalConfig, Job, WORKER_STATUS_ACTIVE};

#[derive(Accounts)]
pub struct AssignWorkers {
    #[account(address = config.scheduler_authority @ EdgerunError::NotSchedulerAuthority)]
    pub scheduler_authority: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
}

#[inline(never)]
pub fn process_assign_workers(ctx: &mut Context<AssignWorkers>, workers: Vec<Address>) -> Result<()> {
    let program_id = *ctx.program_id;
    let challenge_window = ctx.accounts.config.challenge_window_slots.get();
    let mut stake_views = ctx.remaining_accounts()?;
    let job = &mut ctx.accounts.job;
    require!(job.seed_set.get(), EdgerunError::SeedNotSet);
    require!(job.status == job_status::SEEDED, EdgerunError::InvalidJobStatus);
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
    let deadline = checked_add(slot, challenge_window)?;
    job.assigned_count = workers.len() as u8;
    job.assigned_slot = slot.into();
    job.deadline_slot = deadline.into();
    job.status = job_status::ASSIGNED;
    emit!(WorkersAssigned {
        job_id: job.job_id,
        workers: job.assigned_workers,
        assigned_count: job.assigned_count,
        deadline_slot: deadline,
    });
    Ok(())
}
