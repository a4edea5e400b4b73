//! `withdraw_stake`: the worker takes back stake that no job holds. The account keeps its rent.

use anchor_lang::prelude::*;

use crate::constants::WORKER_STAKE_SEED;
use crate::errors::EdgerunError;
use crate::events::StakeWithdrawn;
use crate::settlement::{checked_sub, move_lamports};
use crate::state::WorkerStake;

#[derive(Accounts)]
pub struct WithdrawStake {
    #[account(mut)]
    pub worker: Signer,
    #[account(
        mut,
        seeds = [WORKER_STAKE_SEED, worker.address().as_ref()],
        bump = worker_stake.bump
    )]
    pub worker_stake: Account<WorkerStake>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_withdraw_stake(ctx: &mut Context<WithdrawStake>, amount: u64) -> Result<()> {
    require!(amount > 0, EdgerunError::ZeroAmount);
    let stake = &mut ctx.accounts.worker_stake;
    require!(amount <= stake.unlocked_stake(), EdgerunError::InsufficientUnlockedStake);
    stake.total_stake = checked_sub(stake.total_stake.get(), amount)?.into();
    let total_stake = stake.total_stake.get();
    let mut stake_view = *ctx.accounts.worker_stake.account();
    let mut worker_view = *ctx.accounts.worker.account();
    move_lamports(&mut stake_view, &mut worker_view, amount)?;
    emit!(StakeWithdrawn { worker: *worker_view.address(), amount, total_stake });
    Ok(())
}
