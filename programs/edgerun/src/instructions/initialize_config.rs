//! `initialize_config`: creates the GlobalConfig and the Treasury. Called once, right after deploy.

use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, MAX_COMMITTEE_SIZE, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::ConfigUpdated;
use crate::state::{GlobalConfig, Treasury};

/// Every tunable of the protocol (the tier table is frozen and not part of it).
#[derive(SchemaRead, SchemaWrite, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigParams {
    pub scheduler_authority: Address,
    pub randomness_authority: Address,
    pub protocol_fee_bps: u16,
    pub min_worker_stake_lamports: u64,
    pub challenge_window_slots: u64,
    pub da_window_slots: u64,
    pub non_response_slash_lamports: u64,
    pub committee_tiering_enabled: bool,
    pub committee_size: u8,
    pub quorum: u8,
    pub max_memory_bytes: u64,
    pub max_instructions: u64,
    pub job_retention_slots: u64,
    pub allowed_runtime_root: [u8; 32],
    pub paused: bool,
}

impl ConfigParams {
    /// Rejects values that would make jobs unpayable, unsettleable or ambiguous.
    pub fn validate(&self) -> Result<()> {
        require!(u64::from(self.protocol_fee_bps) <= crate::constants::BPS_DENOMINATOR, EdgerunError::InvalidFeeBps);
        let size = self.committee_size as usize;
        require!(
            self.quorum >= 1
                && self.quorum <= self.committee_size
                && size <= MAX_COMMITTEE_SIZE
                && u16::from(self.quorum) * 2 > u16::from(self.committee_size),
            EdgerunError::InvalidCommittee
        );
        // Zero windows would make deadlines instant; a zero minimum stake would let an empty
        // account be assigned to a zero-escrow-share job and never be at risk.
        require!(
            self.challenge_window_slots >= 2
                && self.da_window_slots >= 1
                && self.min_worker_stake_lamports > 0
                && self.max_memory_bytes > 0
                && self.max_instructions > 0,
            EdgerunError::InvalidConfig
        );
        Ok(())
    }

    pub fn apply(&self, config: &mut GlobalConfig) {
        config.scheduler_authority = self.scheduler_authority;
        config.randomness_authority = self.randomness_authority;
        config.protocol_fee_bps = self.protocol_fee_bps.into();
        config.min_worker_stake_lamports = self.min_worker_stake_lamports.into();
        config.challenge_window_slots = self.challenge_window_slots.into();
        config.da_window_slots = self.da_window_slots.into();
        config.non_response_slash_lamports = self.non_response_slash_lamports.into();
        config.committee_tiering_enabled = self.committee_tiering_enabled.into();
        config.committee_size = self.committee_size;
        config.quorum = self.quorum;
        config.max_memory_bytes = self.max_memory_bytes.into();
        config.max_instructions = self.max_instructions.into();
        config.job_retention_slots = self.job_retention_slots.into();
        config.allowed_runtime_root = self.allowed_runtime_root;
        config.paused = self.paused.into();
    }
}

#[derive(Accounts)]
pub struct InitializeConfig {
    #[account(mut)]
    pub admin: Signer,
    #[account(init, payer = admin, seeds = [CONFIG_SEED], bump)]
    pub config: Account<GlobalConfig>,
    #[account(init, payer = admin, seeds = [TREASURY_SEED], bump)]
    pub treasury: Account<Treasury>,
    pub system_program: Program<System>,
}

#[inline(never)]
pub fn process_initialize_config(ctx: &mut Context<InitializeConfig>, params: ConfigParams) -> Result<()> {
    params.validate()?;
    let admin = *ctx.accounts.admin.address();
    let config = &mut ctx.accounts.config;
    config.admin = admin;
    params.apply(config);
    config.max_committee_size = MAX_COMMITTEE_SIZE as u8;
    config.set_frozen_tiers();
    config.bump = ctx.bumps.config;
    ctx.accounts.treasury.bump = ctx.bumps.treasury;
    emit!(ConfigUpdated { admin, paused: params.paused });
    Ok(())
}
