//! `set_worker_capacity`: a registered worker declares what its machine can run, so the scheduler
//! never gives it more than it can finish before its members' deadlines.
//!
//! 1. The signer owns the WorkerStake (PDA of the signer, checked by seeds).
//! 2. Both figures are at least 1 (`InvalidWorkerCapacity`); they take effect for the next
//!    assignment and change nothing a running job promised.

use anchor_lang::prelude::*;

use crate::constants::WORKER_STAKE_SEED;
use crate::errors::EdgerunError;
use crate::events::WorkerCapacitySet;
use crate::state::WorkerStake;

#[derive(Accounts)]
pub struct SetWorkerCapacity {
    pub worker: Signer,
    #[account(mut, seeds = [WORKER_STAKE_SEED, worker.address().as_ref()], bump = worker_stake.bump)]
    pub worker_stake: Account<WorkerStake>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_set_worker_capacity(
    ctx: &mut Context<SetWorkerCapacity>,
    max_concurrent_jobs: u16,
    instructions_per_second: u64,
) -> Result<()> {
    require!(max_concurrent_jobs >= 1 && instructions_per_second >= 1, EdgerunError::InvalidWorkerCapacity);
    let worker = *ctx.accounts.worker.address();
    let stake = &mut ctx.accounts.worker_stake;
    stake.max_concurrent_jobs = max_concurrent_jobs.into();
    stake.instructions_per_second = instructions_per_second.into();
    emit!(WorkerCapacitySet { worker, max_concurrent_jobs, instructions_per_second });
    Ok(())
}
