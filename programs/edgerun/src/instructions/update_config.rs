//! `update_config`: the admin changes tunables or hands the admin role over.

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

#[inline(never)]
pub fn process_update_config(ctx: &mut Context<UpdateConfig>, new_admin: Address, params: ConfigParams) -> Result<()> {
    params.validate()?;
    let config = &mut ctx.accounts.config;
    config.admin = new_admin;
    params.apply(config);
    emit!(ConfigUpdated { admin: new_admin, paused: params.paused });
    Ok(())
}
