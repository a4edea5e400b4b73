//! `settle_input_unavailable` (permissionless): a quorum of the committee attested that it could
//! not obtain the job's input (the bundle was never stored, withheld, or not what was posted).
//! The job ends with a full refund and no member that answered loses anything: a customer's bad
//! input never costs an honest worker.
//!
//! 1. The job is Assigned and its deadline has not passed (as for `reach_quorum`).
//! 2. Every member's JobResult and WorkerStake PDA is re-derived, in assignment order; the
//!    results that count (not DA-failed) reach quorum on `INPUT_UNAVAILABLE_OUTPUT_HASH`
//!    (`InputUnavailableNotReached` otherwise).
//! 3. Members that answered, whatever they answered, are released whole: a minority that did
//!    produce an output cannot be told from the quorum's view of the input, and the customer is
//!    refunded either way. Members whose own deadline passed silent pay the job's penalty once,
//!    as at any other ending; members the quorum cut off lose nothing. Every lock is released.
//! 4. The escrow goes back to the client; the job is Cancelled with the marker as its winning
//!    hash and the quorum's slot, so its outcome stays readable.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::read_all_results;
use crate::constants::{INPUT_UNAVAILABLE_OUTPUT_HASH, JOB_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::{JobCancelled, JobInputUnavailable};
use crate::instructions::reach_quorum::winning_hash;
use crate::settlement::{current_slot, end_with_refund, TreasuryRef};
use crate::state::{Job, JobStatus, Treasury};

#[derive(Accounts)]
pub struct SettleInputUnavailable {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the job's client (address checked), receives the refund.
    #[account(mut, address = job.client @ EdgerunError::NotJobClient)]
    pub client: UncheckedAccount,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_settle_input_unavailable(ctx: &mut Context<SettleInputUnavailable>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let mut job_view = *ctx.accounts.job.account();
    let mut client_view = *ctx.accounts.client.account();
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    require!(slot <= job.deadline_slot.get(), EdgerunError::DeadlinePassed);
    let results = read_all_results(job, &remaining, &program_id)?;
    require!(
        winning_hash(job, &results) == Some(INPUT_UNAVAILABLE_OUTPUT_HASH),
        EdgerunError::InputUnavailableNotReached
    );

    let mut treasury = TreasuryRef { view: treasury_view, state: &mut ctx.accounts.treasury };
    let refund = end_with_refund(
        job,
        &mut job_view,
        &mut client_view,
        &results,
        &mut remaining,
        &mut treasury,
        slot,
        &program_id,
    )?;
    let job_id = job.job_id;
    job.winning_output_hash = INPUT_UNAVAILABLE_OUTPUT_HASH;
    job.quorum_reached_slot = slot.into();
    emit!(JobInputUnavailable { job_id });
    emit!(JobCancelled { job_id, refund_lamports: refund });
    Ok(())
}
