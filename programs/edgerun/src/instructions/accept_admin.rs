//! `accept_admin`: the proposed admin takes the role (second of two steps).
//!
//! 1. A handover is pending and the signer is `pending_admin`.
//! 2. The signer becomes admin and the proposal is cleared; `ConfigUpdated` carries every value.

use anchor_lang::prelude::*;

use super::initialize_config::ConfigParams;
use crate::constants::CONFIG_SEED;
use crate::errors::EdgerunError;
use crate::events::ConfigUpdated;
use crate::state::GlobalConfig;

#[derive(Accounts)]
pub struct AcceptAdmin {
    pub new_admin: Signer,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<GlobalConfig>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_accept_admin(ctx: &mut Context<AcceptAdmin>) -> Result<()> {
    let new_admin = *ctx.accounts.new_admin.address();
    let config = &mut ctx.accounts.config;
    require!(
        config.pending_admin != Address::default() && config.pending_admin == new_admin,
        EdgerunError::NotPendingAdmin
    );
    config.admin = new_admin;
    config.pending_admin = Address::default();
    emit!(ConfigUpdated { admin: new_admin, pending_admin: Address::default(), params: ConfigParams::of(config) });
    Ok(())
}
