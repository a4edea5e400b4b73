//! `finalize_job` (permissionless): once the winning output is declared available, pay the winners,
//! slash wrong results, penalize silent workers, release every lock, and close the books.
//!
//! 1. The job is AwaitingDA and its OutputAvailability declares the winning hash.
//! 2. Every member's JobResult and WorkerStake PDA is re-derived, in assignment order.
//! 3. The escrow is split with the job's own fee (fixed at posting): fee and division remainder
//!    to the treasury, the rest equally to the winners' stakes.
//! 4. Per member: a winner is paid; a DA-failed winner is released; a wrong result loses the lock
//!    it still held; a member without a result pays the job's penalty only if its own deadline
//!    passed before the quorum (a member cut off by the quorum loses nothing). Every lock is
//!    released exactly once.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{BPS_DENOMINATOR, JOB_SEED, OUTPUT_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::{JobFinalized, WorkerPaid, WorkerSlashed};
use crate::math::{checked_mul_u64, mul_div_floor};
use crate::settlement::{
    checked_add, current_slot, move_lamports, penalize_member, release_member, slash_lock, TreasuryRef,
};
use crate::state::{Job, JobStatus, OutputAvailability, Treasury};

#[derive(Accounts)]
pub struct FinalizeJob {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump = output_availability.bump)]
    pub output_availability: Account<OutputAvailability>,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
}

/// How the escrow of a finalized job is split (PROTOCOL.md "Money rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payout {
    pub protocol_fee: u64,
    pub per_winner: u64,
    /// Division remainder; goes to the treasury, never to a caller-chosen winner.
    pub remainder: u64,
}

pub fn payout(escrow: u64, fee_bps: u16, winners: u64) -> Option<Payout> {
    let protocol_fee = mul_div_floor(escrow, u64::from(fee_bps), BPS_DENOMINATOR)?;
    let pool = escrow.checked_sub(protocol_fee)?;
    let per_winner = pool.checked_div(winners)?;
    let remainder = pool.checked_sub(checked_mul_u64(per_winner, winners)?)?;
    Some(Payout { protocol_fee, per_winner, remainder })
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_finalize_job(ctx: &mut Context<FinalizeJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let mut job_view = *ctx.accounts.job.account();
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::AwaitingDa])?;
    let output = &ctx.accounts.output_availability;
    require!(
        output.job_id == job.job_id && output.output_hash == job.winning_output_hash,
        EdgerunError::OutputNotDeclared
    );

    let results = read_all_results(job, &remaining, &program_id)?;
    let count = usize::from(job.assigned_count);
    let winning = Some(job.winning_output_hash);
    let mut is_winner = [false; crate::constants::MAX_COMMITTEE_SIZE];
    for (index, winner) in is_winner.iter_mut().enumerate().take(count) {
        *winner = results[index] == winning && !job.is_da_failed(index);
    }
    let winners = is_winner.iter().filter(|&&winner| winner).count() as u64;
    let escrow = job.escrow_lamports.get();
    let split = payout(escrow, job.protocol_fee_bps.get(), winners).ok_or(EdgerunError::QuorumNotReached)?;
    let job_id = job.job_id;
    let cutoff = job.silence_cutoff(current_slot()?);

    let treasury_state = &mut ctx.accounts.treasury;
    let mut treasury = TreasuryRef { view: treasury_view, state: treasury_state };
    for index in 0..count {
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * ACCOUNTS_PER_MEMBER + 1];
        let mut stake_view = *view;
        let mut stake = load_worker_stake_mut(view, &worker, &program_id)?;
        if is_winner[index] {
            release_member(job, index, &mut stake)?;
            stake.total_stake = checked_add(stake.total_stake.get(), split.per_winner)?.into();
            stake.rewards_earned = checked_add(stake.rewards_earned.get(), split.per_winner)?.into();
            stake.jobs_won = checked_add(stake.jobs_won.get(), 1)?.into();
            move_lamports(&mut job_view, &mut stake_view, split.per_winner)?;
            emit!(WorkerPaid { job_id, worker, amount: split.per_winner });
        } else if job.is_da_failed(index) {
            // A winner that let an earlier DA window lapse: already penalized, neither paid nor
            // slashed, whatever won since.
            release_member(job, index, &mut stake)?;
        } else if results[index].is_some() {
            // A result that is not the winning one.
            let amount = job.held_lock(index);
            slash_lock(&mut stake, &mut stake_view, &mut treasury, amount)?;
            job.mark_settled(index);
            emit!(WorkerSlashed { job_id, worker, amount });
        } else {
            // No result: penalized only if its own window closed before the quorum did; a member
            // cut off by the quorum loses nothing.
            if job.is_silent(index, false, cutoff) && !job.is_penalized(index) {
                penalize_member(job, index, &mut stake, &mut stake_view, &mut treasury)?;
            }
            release_member(job, index, &mut stake)?;
        }
    }

    let to_treasury = checked_add(split.protocol_fee, split.remainder)?;
    move_lamports(&mut job_view, &mut treasury.view, to_treasury)?;
    treasury.state.fees_collected = checked_add(treasury.state.fees_collected.get(), to_treasury)?.into();

    // Every escrowed lamport is accounted for: fee + remainder + winners' shares == escrow.
    let paid =
        checked_add(to_treasury, checked_mul_u64(split.per_winner, winners).ok_or(EdgerunError::ArithmeticOverflow)?)?;
    require!(paid == escrow, EdgerunError::ArithmeticOverflow);
    job.escrow_lamports = 0.into();
    job.set_status(JobStatus::Finalized);
    job.ended_slot = current_slot()?.into();
    emit!(JobFinalized { job_id, winning_output_hash: job.winning_output_hash });
    Ok(())
}
