//! `submit_result`: an assigned worker records its output hash, attested with Ed25519 over the
//! ResultDigest by the precompile instruction placed right before this one.
//!
//! 1. The job is Assigned, the signer is a committee member and its own deadline has not passed.
//! 2. The Ed25519 instruction right before this one verifies exactly (worker key, ResultDigest,
//!    `attestation_sig`).
//! 3. The worker's JobResult PDA is created (its existence is what "submitted" means); a second
//!    submission is refused.

use anchor_lang::prelude::*;

use crate::constants::{JOB_RESULT_SEED, JOB_SEED};
use crate::digest::result_digest;
use crate::ed25519::{verify_attestation, INSTRUCTIONS_SYSVAR_ID};
use crate::errors::EdgerunError;
use crate::events::ResultSubmitted;
use crate::settlement::current_slot;
use crate::state::{Job, JobResult, JobStatus};

#[derive(Accounts)]
pub struct SubmitResult {
    #[account(mut)]
    pub worker: Signer,
    #[account(seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    // `init_if_needed` so that a second submission reaches the handler and gets its own error.
    #[account(
        init_if_needed,
        payer = worker,
        seeds = [JOB_RESULT_SEED, job.job_id.as_ref(), worker.address().as_ref()],
        bump
    )]
    pub job_result: Account<JobResult>,
    /// CHECK: the instructions sysvar (address checked), read to find the Ed25519 instruction.
    #[account(address = INSTRUCTIONS_SYSVAR_ID @ EdgerunError::MissingEd25519Instruction)]
    pub instructions_sysvar: UncheckedAccount,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_submit_result(
    ctx: &mut Context<SubmitResult>,
    output_hash: [u8; 32],
    attestation_sig: [u8; 64],
) -> Result<()> {
    let job = &ctx.accounts.job;
    let worker = *ctx.accounts.worker.address();
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    let index = job.committee_index(&worker).ok_or(EdgerunError::WorkerNotAssigned)?;
    require!(slot <= job.member_deadline(index), EdgerunError::DeadlinePassed);

    let digest = result_digest(&job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
    verify_attestation(ctx.accounts.instructions_sysvar.account(), &worker, &digest, &attestation_sig)?;

    let job_id = job.job_id;
    let result = &mut ctx.accounts.job_result;
    require!(result.worker == Address::default(), EdgerunError::AlreadySubmitted);
    result.job_id = job_id;
    result.worker = worker;
    result.output_hash = output_hash;
    result.attestation_sig = attestation_sig;
    result.submitted_slot = slot.into();
    result.bump = ctx.bumps.job_result;
    emit!(ResultSubmitted { job_id, worker, output_hash });
    Ok(())
}
