//! `declare_output`: a winner commits on chain that the winning output is published (data
//! availability), with an advisory pointer to it. Payout waits for this.

use alloc::vec::Vec;
use anchor_lang::prelude::*;

use crate::constants::{JOB_RESULT_SEED, JOB_SEED, OUTPUT_POINTER_LEN, OUTPUT_SEED};
use crate::errors::EdgerunError;
use crate::events::OutputDeclared;
use crate::settlement::current_slot;
use crate::state::{Job, JobResult, JobStatus, OutputAvailability};

#[derive(Accounts)]
pub struct DeclareOutput {
    #[account(mut)]
    pub publisher: Signer,
    #[account(seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    #[account(
        seeds = [JOB_RESULT_SEED, job.job_id.as_ref(), publisher.address().as_ref()],
        bump = job_result.bump
    )]
    pub job_result: Account<JobResult>,
    // `init_if_needed` so that a second declaration reaches the handler and gets its own error.
    #[account(init_if_needed, payer = publisher, seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: Account<OutputAvailability>,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_declare_output(ctx: &mut Context<DeclareOutput>, output_hash: [u8; 32], pointer: Vec<u8>) -> Result<()> {
    let job = &ctx.accounts.job;
    job.require_status(&[JobStatus::AwaitingDa])?;
    require!(output_hash == job.winning_output_hash, EdgerunError::NotWinningOutput);
    require!(ctx.accounts.job_result.output_hash == job.winning_output_hash, EdgerunError::NotAWinner);
    require!(pointer.len() <= OUTPUT_POINTER_LEN, EdgerunError::PointerTooLong);
    let job_id = job.job_id;
    let publisher = *ctx.accounts.publisher.address();
    let slot = current_slot()?;
    let output = &mut ctx.accounts.output_availability;
    require!(output.job_id == [0u8; 32], EdgerunError::OutputAlreadyDeclared);
    output.job_id = job_id;
    output.output_hash = output_hash;
    output.publisher = publisher;
    output.pointer = [0u8; OUTPUT_POINTER_LEN];
    output.pointer[..pointer.len()].copy_from_slice(&pointer);
    output.published_slot = slot.into();
    output.bump = ctx.bumps.output_availability;
    emit!(OutputDeclared { job_id, output_hash, publisher });
    Ok(())
}
