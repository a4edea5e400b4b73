//! `submit_result`: an assigned worker records its output hash, attested with Ed25519 over the
//! ResultDigest by the precompile instruction placed right before this one.
//!
//! 1. The job is Assigned, the signer is a committee member and its own deadline has not passed.
//! 2. The Ed25519 instruction right before this one verifies exactly (worker key, ResultDigest,
//!    `attestation_sig`).
//! 3. The worker's JobResult PDA (re-derived with the canonical bump stored at assignment) is
//!    created, its rent paid from the job's rent reserve: the worker pays only the transaction
//!    fee. Its existence is what "submitted" means (the job's `submitted_mask` records it too);
//!    a second submission is refused.
//!
//! The output hash may be `INPUT_UNAVAILABLE_OUTPUT_HASH`: the member attests that it could not
//! obtain the job's input (see `settle_input_unavailable`).

use anchor_lang::prelude::*;
use pinocchio::cpi::Seed;

use crate::committee::job_result_address;
use crate::constants::{JOB_RESULT_SEED, JOB_SEED};
use crate::digest::result_digest;
use crate::ed25519::{verify_attestation, INSTRUCTIONS_SYSVAR_ID};
use crate::errors::EdgerunError;
use crate::events::ResultSubmitted;
use crate::settlement::{create_from_reserve, current_slot};
use crate::state::{Job, JobResult, JobStatus};

#[derive(Accounts)]
pub struct SubmitResult {
    pub worker: Signer,
    // Writable: the JobResult's rent comes out of the job's rent reserve.
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
    /// CHECK: the worker's JobResult PDA for this job (address re-derived in the handler with the
    /// bump stored at assignment); created by the handler.
    #[account(mut)]
    pub job_result: UncheckedAccount,
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
    let program_id = *ctx.program_id;
    let mut job_view = *ctx.accounts.job.account();
    let mut result_view = *ctx.accounts.job_result.account();
    let job = &mut ctx.accounts.job;
    let worker = *ctx.accounts.worker.address();
    job.require_status(&[JobStatus::Assigned])?;
    let slot = current_slot()?;
    let index = job.committee_index(&worker).ok_or(EdgerunError::WorkerNotAssigned)?;
    require!(slot <= job.member_deadline(index), EdgerunError::DeadlinePassed);

    let digest = result_digest(&job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
    verify_attestation(ctx.accounts.instructions_sysvar.account(), &worker, &digest, &attestation_sig)?;

    let job_id = job.job_id;
    let bump = job.result_bumps[index];
    require!(
        result_view.address() == &job_result_address(&job_id, &worker, bump, &program_id),
        EdgerunError::InvalidJobResultAccount
    );
    require!(!result_view.owned_by(&program_id), EdgerunError::AlreadySubmitted);
    let bump_seed = [bump];
    let seeds = [
        Seed::from(JOB_RESULT_SEED),
        Seed::from(job_id.as_ref()),
        Seed::from(worker.as_ref()),
        Seed::from(bump_seed.as_ref()),
    ];
    let result = JobResult { job_id, worker, output_hash, attestation_sig, submitted_slot: slot.into(), bump };
    create_from_reserve(job, &mut job_view, &mut result_view, &seeds, &program_id, &result)?;
    job.mark_submitted(index);
    emit!(ResultSubmitted { job_id, worker, output_hash });
    Ok(())
}
