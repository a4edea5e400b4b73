//! `reach_quorum` (permissionless): if `quorum` committee members submitted the same output hash
//! before the deadline, that hash wins and the data-availability window opens.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA) per assigned worker, in assignment order.

use anchor_lang::prelude::*;

use crate::committee::read_all_results;
use crate::constants::{CONFIG_SEED, JOB_SEED};
use crate::errors::EdgerunError;
use crate::events::JobQuorumReached;
use crate::settlement::{checked_add, current_slot};
use crate::state::{job_status, GlobalConfig, Job};

#[derive(Accounts)]
pub struct ReachQuorum {
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
}

/// The output hash with at least `quorum` votes among results that still count, if any. Quorum is
/// a strict majority (checked in config), so at most one hash can qualify.
pub fn winning_hash(job: &Job, results: &[Option<[u8; 32]>]) -> Option<[u8; 32]> {
    let count = usize::from(job.assigned_count);
    let counts_toward_quorum = |index: usize| !job.is_da_failed(index);
    for candidate_index in 0..count {
        let Some(candidate) = results[candidate_index].filter(|_| counts_toward_quorum(candidate_index)) else {
            continue;
        };
        let votes =
            (0..count).filter(|&index| counts_toward_quorum(index) && results[index] == Some(candidate)).count();
        if votes >= usize::from(job.quorum) {
            return Some(candidate);
        }
    }
    None
}

#[inline(never)]
pub fn process_reach_quorum(ctx: &mut Context<ReachQuorum>) -> Result<()> {
    let program_id = *ctx.program_id;
    let da_window = ctx.accounts.config.da_window_slots.get();
    let remaining = ctx.remaining_accounts()?;
    let job = &mut ctx.accounts.job;
    require!(job.status == job_status::ASSIGNED, EdgerunError::InvalidJobStatus);
    let slot = current_slot()?;
    require!(slot <= job.deadline_slot.get(), EdgerunError::DeadlinePassed);
    let results = read_all_results(job, &remaining, &program_id)?;
    let winner = winning_hash(job, &results).ok_or(EdgerunError::QuorumNotReached)?;
    job.winning_output_hash = winner;
    job.quorum_reached_slot = slot.into();
    job.da_deadline_slot = checked_add(slot, da_window)?.into();
    job.status = job_status::AWAITING_DA;
    emit!(JobQuorumReached { job_id: job.job_id, winning_output_hash: winner });
    Ok(())
}
