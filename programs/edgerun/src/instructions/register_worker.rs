//! `register_worker`: a worker opens its stake account (stake arrives with `deposit_stake`).

use anchor_lang::prelude::*;

use crate::constants::WORKER_STAKE_SEED;
use crate::events::WorkerRegistered;
use crate::state::{WorkerStake, WORKER_STATUS_ACTIVE};

#[derive(Accounts)]
pub struct RegisterWorker {
    #[account(mut)]
    pub worker: Signer,
    #[account(init, payer = worker, seeds = [WORKER_STAKE_SEED, worker.address().as_ref()], bump)]
    pub worker_stake: Account<WorkerStake>,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_register_worker(ctx: &mut Context<RegisterWorker>) -> Result<()> {
    let worker = *ctx.accounts.worker.address();
    let stake = &mut ctx.accounts.worker_stake;
    stake.worker = worker;
    stake.status = WORKER_STATUS_ACTIVE;
    stake.bump = ctx.bumps.worker_stake;
    emit!(WorkerRegistered { worker });
    Ok(())
}
