//! `penalize_non_submitters` (permissionless): once the job is finalized or its deadline has
//! passed, every assigned worker without a result pays the small non-response penalty, at most
//! once per job.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{CONFIG_SEED, JOB_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::WorkerPenalized;
use crate::settlement::{current_slot, take_penalty, TreasuryRef};
use crate::state::{job_status, GlobalConfig, Job, Treasury};

#[derive(Accounts)]
pub struct PenalizeNonSubmitters {
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

/// Penalizes every committee member without a result that has not been penalized yet. Returns how
/// many were penalized. Shared by the endings that judge silence.
#[inline(always)]
pub fn penalize_missing(
    job: &mut Job,
    results: &[Option<[u8; 32]>],
    remaining: &mut [AccountView],
    treasury: &mut TreasuryRef<'_>,
    penalty: u64,
    program_id: &Address,
) -> Result<usize> {
    let mut penalized = 0;
    for index in 0..usize::from(job.assigned_count) {
        if results[index].is_some() || job.is_penalized(index) {
            continue;
        }
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * ACCOUNTS_PER_MEMBER + 1];
        let mut stake_view = *view;
        let mut stake = load_worker_stake_mut(view, &worker, program_id)?;
        let amount = take_penalty(&mut stake, &mut stake_view, treasury, penalty)?;
        job.mark_penalized(index);
        penalized += 1;
        emit!(WorkerPenalized { job_id: job.job_id, worker, amount });
    }
    Ok(penalized)
}

#[inline(never)]
pub fn process_penalize_non_submitters(ctx: &mut Context<PenalizeNonSubmitters>) -> Result<()> {
    let program_id = *ctx.program_id;
    let penalty = ctx.accounts.config.non_response_slash_lamports.get();
    let mut remaining = ctx.remaining_accounts()?;
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    let slot = current_slot()?;
    let deadline_passed = job.status == job_status::ASSIGNED && slot > job.deadline_slot.get();
    require!(job.status == job_status::FINALIZED || deadline_passed, EdgerunError::InvalidJobStatus);
    let results = read_all_results(job, &remaining, &program_id)?;
    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    let penalized = penalize_missing(job, &results, &mut remaining, &mut treasury, penalty, &program_id)?;
    require!(penalized > 0, EdgerunError::NothingToPenalize);
    Ok(())
}
