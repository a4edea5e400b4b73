//! `finalize_job` (permissionless): once the winning output is declared available, pay the winners,
//! slash wrong results, penalize silent workers, release every lock, and close the books.
//!
//! Remaining accounts: (JobResult PDA, WorkerStake PDA, writable) per assigned worker, in
//! assignment order.

use anchor_lang::prelude::*;

use crate::committee::{load_worker_stake_mut, read_all_results, ACCOUNTS_PER_MEMBER};
use crate::constants::{BPS_DENOMINATOR, CONFIG_SEED, JOB_SEED, OUTPUT_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::{JobFinalized, WorkerPaid, WorkerPenalized, WorkerSlashed};
use crate::math::{checked_mul_u64, mul_div_floor};
use crate::settlement::{
    checked_add, current_slot, move_lamports, release_lock, slash_lock, take_penalty, TreasuryRef,
};
use crate::state::{job_status, GlobalConfig, Job, OutputAvailability, Treasury};

#[derive(Accounts)]
pub struct FinalizeJob {
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
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

#[inline(never)]
pub fn process_finalize_job(ctx: &mut Context<FinalizeJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let fee_bps = ctx.accounts.config.protocol_fee_bps.get();
    let penalty = ctx.accounts.config.non_response_slash_lamports.get();
    let mut remaining = ctx.remaining_accounts()?;
    let mut job_view = *ctx.accounts.job.account();
    let treasury_view = *ctx.accounts.treasury.account();
    let job = &mut ctx.accounts.job;
    require!(job.status == job_status::AWAITING_DA, EdgerunError::InvalidJobStatus);
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
    let split = payout(escrow, fee_bps, winners).ok_or(EdgerunError::QuorumNotReached)?;
    let lock = job.required_lock.get();
    let job_id = job.job_id;

    let treasury_state = &mut ctx.accounts.treasury;
    let mut treasury = TreasuryRef { view: treasury_view, state: treasury_state };
    for index in 0..count {
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * ACCOUNTS_PER_MEMBER + 1];
        let mut stake_view = *view;
        let mut stake = load_worker_stake_mut(view, &worker, &program_id)?;
        match results[index] {
            Some(_) if is_winner[index] => {
                release_lock(&mut stake, lock)?;
                stake.total_stake = checked_add(stake.total_stake.get(), split.per_winner)?.into();
                stake.rewards_earned = checked_add(stake.rewards_earned.get(), split.per_winner)?.into();
                stake.jobs_won = checked_add(stake.jobs_won.get(), 1)?.into();
                move_lamports(&mut job_view, &mut stake_view, split.per_winner)?;
                emit!(WorkerPaid { job_id, worker, amount: split.per_winner });
            }
            Some(hash) if Some(hash) != winning => {
                slash_lock(&mut stake, &mut stake_view, &mut treasury, lock)?;
                emit!(WorkerSlashed { job_id, worker, amount: lock });
            }
            // A winner that let an earlier DA window lapse: already penalized, neither paid nor slashed.
            Some(_) => release_lock(&mut stake, lock)?,
            None => {
                release_lock(&mut stake, lock)?;
                if !job.is_penalized(index) {
                    let amount = take_penalty(&mut stake, &mut stake_view, &mut treasury, penalty)?;
                    job.mark_penalized(index);
                    emit!(WorkerPenalized { job_id, worker, amount });
                }
            }
        }
        job.mark_settled(index);
    }

    let to_treasury = checked_add(split.protocol_fee, split.remainder)?;
    move_lamports(&mut job_view, &mut treasury.view, to_treasury)?;
    treasury.state.fees_collected = checked_add(treasury.state.fees_collected.get(), to_treasury)?.into();

    // Every escrowed lamport is accounted for: fee + remainder + winners' shares == escrow.
    let paid =
        checked_add(to_treasury, checked_mul_u64(split.per_winner, winners).ok_or(EdgerunError::ArithmeticOverflow)?)?;
    require!(paid == escrow, EdgerunError::ArithmeticOverflow);
    job.escrow_lamports = 0.into();
    job.status = job_status::FINALIZED;
    job.ended_slot = current_slot()?.into();
    emit!(JobFinalized { job_id, winning_output_hash: job.winning_output_hash });
    Ok(())
}
