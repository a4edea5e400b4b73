//! `penalize_non_submitters` (permissionless): every committee member that stayed silent past its
//! own deadline pays the job's non-response penalty, at most once per job.
//!
//! 1. The job is Assigned, AwaitingDA or Finalized.
//! 2. Every member's JobResult and WorkerStake PDA is re-derived, in assignment order.
//! 3. A member is charged only if it has no result and its own deadline passed while it could
//!    still submit (before the quorum, once there is one). The penalty comes out of the stake the
//!    job locked, so withdrawing free stake cannot dodge it; a member is marked only when it paid.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{JOB_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::settlement::{current_slot, penalize_member, TreasuryRef};
use crate::state::{Job, JobStatus, Treasury};

#[derive(Accounts)]
pub struct PenalizeNonSubmitters {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

/// Penalizes every silent committee member ([`Job::is_silent`] at `cutoff`) whose lock the job
/// still holds and that has not paid yet. Returns how many paid. Shared by the endings that judge
/// silence.
#[inline(always)]
pub fn penalize_silent(
    job: &mut Job,
    results: &[Option<[u8; 32]>],
    remaining: &mut [AccountView],
    treasury: &mut TreasuryRef<'_>,
    cutoff: u64,
    program_id: &Address,
) -> Result<usize> {
    let mut penalized = 0;
    for index in 0..usize::from(job.assigned_count) {
        if !job.is_silent(index, results[index].is_some(), cutoff) || job.is_penalized(index) || job.is_settled(index) {
            continue;
        }
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * ACCOUNTS_PER_MEMBER + 1];
        let mut stake_view = *view;
        let mut stake = load_worker_stake_mut(view, &worker, program_id)?;
        penalize_member(job, index, &mut stake, &mut stake_view, treasury)?;
        penalized += 1;
    }
    Ok(penalized)
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_penalize_non_submitters(ctx: &mut Context<PenalizeNonSubmitters>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::Assigned, JobStatus::AwaitingDa, JobStatus::Finalized])?;
    let cutoff = job.silence_cutoff(current_slot()?);
    let results = read_all_results(job, &remaining, &program_id)?;
    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    let penalized = penalize_silent(job, &results, &mut remaining, &mut treasury, cutoff, &program_id)?;
    require!(penalized > 0, EdgerunError::NothingToPenalize);
    Ok(())
}
