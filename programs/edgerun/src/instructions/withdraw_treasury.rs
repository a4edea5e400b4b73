//! `withdraw_treasury`: the admin moves fees and slashes to a named account. The treasury keeps
//! its rent-exempt minimum.

use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::TreasuryWithdrawn;
use crate::settlement::{checked_add, move_lamports};
use crate::state::{GlobalConfig, Treasury};

#[derive(Accounts)]
pub struct WithdrawTreasury {
    #[account(address = config.admin @ EdgerunError::NotAdmin)]
    pub admin: Signer,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
    #[account(mut, seeds = [TREASURY_SEED], bump = treasury.bump)]
    pub treasury: Account<Treasury>,
    /// CHECK: any account named by the admin, the admin's own wallet included (hence `dup`: it is
    /// only credited). The treasury itself is refused in the handler.
    #[account(unsafe(dup))]
    pub recipient: UncheckedAccount,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_withdraw_treasury(ctx: &mut Context<WithdrawTreasury>, amount: u64) -> Result<()> {
    require!(amount > 0, EdgerunError::ZeroAmount);
    let mut treasury_view = *ctx.accounts.treasury.account();
    let rent_minimum = Rent::get()?.try_minimum_balance(treasury_view.data_len())?;
    let withdrawable = treasury_view.lamports().saturating_sub(rent_minimum);
    require!(amount <= withdrawable, EdgerunError::InsufficientTreasuryBalance);
    let mut recipient_view = *ctx.accounts.recipient.account();
    require!(recipient_view.address() != treasury_view.address(), EdgerunError::InvalidTreasury);
    move_lamports(&mut treasury_view, &mut recipient_view, amount)?;
    let treasury = &mut ctx.accounts.treasury;
    treasury.withdrawn = checked_add(treasury.withdrawn.get(), amount)?.into();
    emit!(TreasuryWithdrawn { recipient: *recipient_view.address(), amount });
    Ok(())
}
