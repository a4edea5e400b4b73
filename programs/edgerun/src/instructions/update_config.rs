//! `update_config`: the admin changes the tunables. The admin role itself moves only through
//! `propose_admin` + `accept_admin`.
//!
//! 1. The signer is the config admin.
//! 2. The parameters pass [`ConfigParams::validate`] (bounded penalty and windows, minimum escrow
//!    above rent exemption).
//! 3. They replace the config's; jobs already posted keep the terms they were posted with.
//!    `ConfigUpdated` carries every value.

use anchor_lang::prelude::*;

use super::initialize_config::ConfigParams;
use crate::constants::CONFIG_SEED;
use crate::errors::EdgerunError;
use crate::events::ConfigUpdated;
use crate::state::GlobalConfig;

#[derive(Accounts)]
pub struct UpdateConfig {
    #[account(address = config.admin @ EdgerunError::NotAdmin)]
    pub admin: Signer,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_update_config(ctx: &mut Context<UpdateConfig>, params: ConfigParams) -> Result<()> {
    params.validate(Rent::get()?.try_minimum_balance(0)?)?;
    let config = &mut ctx.accounts.config;
    params.apply(config);
    emit!(ConfigUpdated { admin: config.admin, pending_admin: config.pending_admin, params });
    Ok(())
}
