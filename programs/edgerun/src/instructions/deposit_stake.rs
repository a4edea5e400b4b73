//! `deposit_stake`: the worker adds lamports to its stake.

use anchor_lang::prelude::*;

use crate::constants::WORKER_STAKE_SEED;
use crate::errors::EdgerunError;
use crate::events::StakeDeposited;
use crate::settlement::checked_add;
use crate::state::WorkerStake;

#[derive(Accounts)]
pub struct DepositStake {
    #[account(mut)]
    pub worker: Signer,
    #[account(
        mut,
        seeds = [WORKER_STAKE_SEED, worker.address().as_ref()],
        bump = worker_stake.bump
    )]
    pub worker_stake: Account<WorkerStake>,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_deposit_stake(ctx: &mut Context<DepositStake>, amount: u64) -> Result<()> {
    require!(amount > 0, EdgerunError::ZeroAmount);
    // Typed CPI handles: the destination is an open `Account`, so an untyped transfer would trip
    // the runtime's borrow check.
    let system_program = *ctx.accounts.system_program.address();
    anchor_lang::system_program::transfer(
        CpiContext::new(
            &system_program,
            anchor_lang::system_program::Transfer {
                from: ctx.accounts.worker.cpi_handle_mut(),
                to: ctx.accounts.worker_stake.cpi_handle_mut(),
            },
        ),
        amount,
    )?;
    let stake = &mut ctx.accounts.worker_stake;
    stake.total_stake = checked_add(stake.total_stake.get(), amount)?.into();
    emit!(StakeDeposited { worker: stake.worker, amount, total_stake: stake.total_stake.get() });
    Ok(())
}
