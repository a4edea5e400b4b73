//! `declare_output`: a winner commits on chain that the winning output is published (data
//! availability), with an advisory pointer to it. Payout waits for this.
//!
//! 1. The job is AwaitingDA, the hash is the winning one and the signer's own result is it.
//! 2. The job's OutputAvailability PDA (checked by seeds) is created, its rent paid from the job's
//!    rent reserve (the winner pays only the fee); a second declaration is refused.

use alloc::vec::Vec;
use anchor_lang::prelude::*;
use pinocchio::cpi::Seed;

use crate::constants::{JOB_RESULT_SEED, JOB_SEED, OUTPUT_POINTER_LEN, OUTPUT_SEED};
use crate::errors::EdgerunError;
use crate::events::OutputDeclared;
use crate::settlement::{create_from_reserve, current_slot};
use crate::state::{Job, JobResult, JobStatus, OutputAvailability};

#[derive(Accounts)]
pub struct DeclareOutput {
    pub publisher: Signer,
    // Writable: the OutputAvailability's rent comes out of the job's rent reserve.
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(
        seeds = [JOB_RESULT_SEED, job.job_id.as_ref(), publisher.address().as_ref()],
        bump = job_result.bump
    )]
    pub job_result: Account<JobResult>,
    /// CHECK: the job's OutputAvailability PDA (checked by seeds); created by the handler.
    #[account(mut, seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: UncheckedAccount,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_declare_output(ctx: &mut Context<DeclareOutput>, output_hash: [u8; 32], pointer: Vec<u8>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut job_view = *ctx.accounts.job.account();
    let mut output_view = *ctx.accounts.output_availability.account();
    let bump = ctx.bumps.output_availability;
    let publisher = *ctx.accounts.publisher.address();
    let own_result = ctx.accounts.job_result.output_hash;
    let job = &mut ctx.accounts.job;
    job.require_status(&[JobStatus::AwaitingDa])?;
    require!(output_hash == job.winning_output_hash, EdgerunError::NotWinningOutput);
    require!(own_result == job.winning_output_hash, EdgerunError::NotAWinner);
    require!(pointer.len() <= OUTPUT_POINTER_LEN, EdgerunError::PointerTooLong);
    require!(!output_view.owned_by(&program_id), EdgerunError::OutputAlreadyDeclared);
    let job_id = job.job_id;
    let slot = current_slot()?;
    let bump_seed = [bump];
    let seeds = [Seed::from(OUTPUT_SEED), Seed::from(job_id.as_ref()), Seed::from(bump_seed.as_ref())];
    let mut padded = [0u8; OUTPUT_POINTER_LEN];
    padded[..pointer.len()].copy_from_slice(&pointer);
    let output =
        OutputAvailability { job_id, output_hash, publisher, pointer: padded, published_slot: slot.into(), bump };
    create_from_reserve(job, &mut job_view, &mut output_view, &seeds, &program_id, &output)?;
    emit!(OutputDeclared { job_id, output_hash, publisher });
    Ok(())
}
