//! `set_job_seed`: the randomness authority fixes the committee-selection seed before any
//! committee exists, so the scheduler cannot pick a committee after seeing results.

use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, JOB_SEED};
use crate::errors::EdgerunError;
use crate::events::JobSeeded;
use crate::state::{GlobalConfig, Job, JobStatus};

#[derive(Accounts)]
pub struct SetJobSeed {
    #[account(address = config.randomness_authority @ EdgerunError::NotRandomnessAuthority)]
    pub randomness_authority: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump)]
    pub job: Account<Job>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_set_job_seed(ctx: &mut Context<SetJobSeed>, seed: [u8; 32]) -> Result<()> {
    let job = &mut ctx.accounts.job;
    require!(!job.seed_set.get(), EdgerunError::SeedAlreadySet);
    job.require_status(&[JobStatus::Posted])?;
    job.seed = seed;
    job.seed_set = true.into();
    job.set_status(JobStatus::Seeded);
    emit!(JobSeeded { job_id: job.job_id, seed });
    Ok(())
}
