//! `post_job`: a client escrows payment for a bundle and the job's terms are fixed for its life.
//!
//! 1. The protocol is not paused; the escrow is at least `config.min_escrow_lamports` (so a
//!    refund always lands and dust cannot tie up three workers' stake); the limits are within the
//!    config caps; the job id is `blake3("edgerun-job-v1" || client || bundle_hash || nonce)`; the
//!    runtime is allowed.
//! 2. Committee size and quorum come from the escrow tier (spec 4.4), the per-worker lock from
//!    the escrow and the minimum stake.
//! 3. The escrow moves into the Job account, with the rent reserve: the rent of one JobResult per
//!    committee slot and of the OutputAvailability, so that no worker fronts rent for the job
//!    (all of it comes back to the client at `close_job`).
//! 4. The fee, the non-response penalty and every window are copied from the config into the job
//!    (`protocol_fee_bps`, `non_response_penalty`, `*_window_slots`, `retention_slots`): later
//!    config changes never reach a posted job.

use alloc::vec::Vec;
use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, JOB_SEED, MAX_RUNTIME_PROOF_LEN};
use crate::digest::{job_id as derive_job_id, runtime_merkle_root};
use crate::errors::EdgerunError;
use crate::events::JobPosted;
use crate::math::checked_mul_u64;
use crate::settlement::{account_rent, checked_add, current_slot};
use crate::state::{required_lock, GlobalConfig, Job, JobResult, JobStatus, OutputAvailability};

#[derive(SchemaRead, SchemaWrite, IdlType, Clone, Debug, PartialEq, Eq)]
pub struct PostJobArgs {
    /// Must equal `blake3("edgerun-job-v1" || client || bundle_hash || nonce LE)`.
    pub job_id: [u8; 32],
    pub nonce: u64,
    pub bundle_hash: [u8; 32],
    pub runtime_id: [u8; 32],
    pub escrow_lamports: u64,
    pub max_memory_bytes: u64,
    pub max_instructions: u64,
    /// Siblings proving `runtime_id` is in `config.allowed_runtime_root` (empty when no root is set).
    pub runtime_proof: Vec<[u8; 32]>,
}

#[derive(Accounts)]
// `_args`: only the on-chain `init` path reads it (for the seeds); host builds do not.
#[instruction(_args: PostJobArgs)]
pub struct PostJob {
    #[account(mut)]
    pub client: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(init, payer = client, seeds = [JOB_SEED, _args.job_id.as_ref()], bump)]
    pub job: Account<Job>,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_post_job(ctx: &mut Context<PostJob>, args: PostJobArgs) -> Result<()> {
    let config = &ctx.accounts.config;
    require!(!config.paused.get(), EdgerunError::ProtocolPaused);
    require!(args.escrow_lamports > 0, EdgerunError::ZeroAmount);
    require!(args.escrow_lamports >= config.min_escrow_lamports.get(), EdgerunError::EscrowBelowMinimum);
    require!(
        args.max_memory_bytes > 0
            && args.max_instructions > 0
            && args.max_memory_bytes <= config.max_memory_bytes.get()
            && args.max_instructions <= config.max_instructions.get(),
        EdgerunError::InvalidJobLimits
    );
    let client = *ctx.accounts.client.address();
    require!(
        derive_job_id(client.as_array(), &args.bundle_hash, args.nonce) == args.job_id,
        EdgerunError::JobIdMismatch
    );
    if config.allowed_runtime_root != [0u8; 32] {
        require!(
            args.runtime_proof.len() <= MAX_RUNTIME_PROOF_LEN
                && runtime_merkle_root(&args.runtime_id, &args.runtime_proof) == config.allowed_runtime_root,
            EdgerunError::RuntimeNotAllowed
        );
    }
    let (committee_size, quorum) = config.committee_for_escrow(args.escrow_lamports);
    let lock = required_lock(args.escrow_lamports, committee_size, config.min_worker_stake_lamports.get())
        .ok_or(EdgerunError::ArithmeticOverflow)?;

    let rent_reserve = checked_add(
        checked_mul_u64(account_rent::<JobResult>()?, u64::from(committee_size))
            .ok_or(EdgerunError::ArithmeticOverflow)?,
        account_rent::<OutputAvailability>()?,
    )?;
    let deposit = checked_add(args.escrow_lamports, rent_reserve)?;

    // Typed CPI handles: the destination is an open `Account`, so an untyped transfer would trip
    // the runtime's borrow check.
    let system_program = *ctx.accounts.system_program.address();
    anchor_lang::system_program::transfer(
        CpiContext::new(
            &system_program,
            anchor_lang::system_program::Transfer {
                from: ctx.accounts.client.cpi_handle_mut(),
                to: ctx.accounts.job.cpi_handle_mut(),
            },
        ),
        deposit,
    )?;

    let slot = current_slot()?;
    let config = &ctx.accounts.config;
    let (protocol_fee_bps, penalty, challenge_window, da_window, retention) = (
        config.protocol_fee_bps,
        config.non_response_slash_lamports,
        config.challenge_window_slots,
        config.da_window_slots,
        config.job_retention_slots,
    );
    let job = &mut ctx.accounts.job;
    job.job_id = args.job_id;
    job.client = client;
    job.bundle_hash = args.bundle_hash;
    job.runtime_id = args.runtime_id;
    job.escrow_lamports = args.escrow_lamports.into();
    job.posted_escrow_lamports = args.escrow_lamports.into();
    job.rent_reserve_lamports = rent_reserve.into();
    job.required_lock = lock.into();
    job.max_memory_bytes = args.max_memory_bytes.into();
    job.max_instructions = args.max_instructions.into();
    job.nonce = args.nonce.into();
    job.created_slot = slot.into();
    job.committee_size = committee_size;
    job.quorum = quorum;
    job.protocol_fee_bps = protocol_fee_bps;
    job.non_response_penalty = penalty;
    job.challenge_window_slots = challenge_window;
    job.da_window_slots = da_window;
    job.retention_slots = retention;
    job.set_status(JobStatus::Posted);
    job.bump = ctx.bumps.job;
    emit!(JobPosted { job_id: args.job_id, client, escrow_lamports: args.escrow_lamports, committee_size, quorum });
    Ok(())
}
