//! `propose_admin`: the admin names its successor (first of two steps; all zero withdraws a
//! proposal). Nothing changes hands until the successor signs `accept_admin`, so a mistyped
//! address can never take, or lose, the role.
//!
//! 1. The signer is the config admin.
//! 2. `pending_admin` is set; `ConfigUpdated` carries every value.

use anchor_lang::prelude::*;

use super::initialize_config::ConfigParams;
use crate::constants::CONFIG_SEED;
use crate::errors::EdgerunError;
use crate::events::ConfigUpdated;
use crate::state::GlobalConfig;

#[derive(Accounts)]
pub struct ProposeAdmin {
    #[account(address = config.admin @ EdgerunError::NotAdmin)]
    pub admin: Signer,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_propose_admin(ctx: &mut Context<ProposeAdmin>, new_admin: Address) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_admin = new_admin;
    emit!(ConfigUpdated { admin: config.admin, pending_admin: new_admin, params: ConfigParams::of(config) });
    Ok(())
}
