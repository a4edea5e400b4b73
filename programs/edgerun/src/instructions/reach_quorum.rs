//! `reach_quorum` (permissionless): if `quorum` committee members submitted the same output hash
//! before the deadline, that hash wins and the data-availability window opens.
//!
//! 1. The job is Assigned and its deadline (the latest member deadline) has not passed.
//! 2. Every member's JobResult PDA is re-derived; DA-failed results do not count.
//! 3. A quorum on `INPUT_UNAVAILABLE_OUTPUT_HASH` is not an output: it is refused
//!    (`InputUnavailableQuorum`) and settled by `settle_input_unavailable` instead.
//! 4. The winning hash is recorded; submissions close; the DA window (the job's) opens. Members
//!    still inside their own window are cut off, not silent: they are never penalized for it.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA) per assigned worker, in assignment order.

use anchor_lang::prelude::*;

use crate::committee::read_all_results;
use crate::constants::{INPUT_UNAVAILABLE_OUTPUT_HASH, JOB_SEED};
use crate::errors::EdgerunError;
use crate::events::JobQuorumReached;
use crate::settlement::{checked_add, current_slot};
use crate::state::{Job, JobStatus};

#[derive(Accounts)]
pub struct ReachQuorum {
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

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_reach_quorum(ctx: &mut Context<ReachQuorum>) -> Result<()> {
    let program_id = *ctx.program_id;
    let remaining = ctx.remaining_accounts()?;
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    require!(slot <= job.deadline_slot.get(), EdgerunError::DeadlinePassed);
    let results = read_all_results(job, &remaining, &program_id)?;
    let winner = winning_hash(job, &results).ok_or(EdgerunError::QuorumNotReached)?;
    require!(winner != INPUT_UNAVAILABLE_OUTPUT_HASH, EdgerunError::InputUnavailableQuorum);
    job.winning_output_hash = winner;
    job.quorum_reached_slot = slot.into();
    job.da_deadline_slot = checked_add(slot, job.da_window_slots.get())?.into();
    job.set_status(JobStatus::AwaitingDa);
    emit!(JobQuorumReached { job_id: job.job_id, winning_output_hash: winner });
    Ok(())
}
