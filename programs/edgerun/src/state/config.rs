use anchor_lang::prelude::*;

use crate::constants::{COMMITTEE_TIERS, COMMITTEE_TIER_COUNT};

/// The protocol's single configuration account, PDA `["config"]`.
#[account]
pub struct GlobalConfig {
    /// May change the config and withdraw the treasury.
    pub admin: Address,
    /// Proposed next admin (all zero: none); becomes admin only when it accepts, so a mistyped
    /// address can never take the role.
    pub pending_admin: Address,
    /// Assigns committees and reassigns missing workers (trusted for liveness only, never funds).
    pub scheduler_authority: Address,
    /// Sets each job's seed before its committee is assigned (scheduler key today, VRF later).
    pub randomness_authority: Address,
    /// Merkle root (blake3, sorted pairs) of the allowed runtime ids; all zero = any runtime.
    pub allowed_runtime_root: [u8; 32],
    pub min_worker_stake_lamports: PodU64,
    pub challenge_window_slots: PodU64,
    pub da_window_slots: PodU64,
    pub non_response_slash_lamports: PodU64,
    pub max_memory_bytes: PodU64,
    pub max_instructions: PodU64,
    /// Slots a job stays on chain after its ending before `close_job` may reclaim its rent.
    pub job_retention_slots: PodU64,
    /// Smallest escrow `post_job` accepts; at least the rent-exempt minimum of an empty account,
    /// so a refund can always be credited to any wallet.
    pub min_escrow_lamports: PodU64,
    /// Escrow lower bound of each tier; frozen copy of the program's committee tiers (spec 4.1).
    pub committee_tier_min_escrow: [PodU64; COMMITTEE_TIER_COUNT],
    pub committee_tier_size: [u8; COMMITTEE_TIER_COUNT],
    pub committee_tier_quorum: [u8; COMMITTEE_TIER_COUNT],
    pub protocol_fee_bps: PodU16,
    pub committee_tiering_enabled: PodBool,
    /// Committee used when tiering is disabled.
    pub committee_size: u8,
    pub quorum: u8,
    pub max_committee_size: u8,
    pub paused: PodBool,
    pub bump: u8,
}

impl GlobalConfig {
    /// Committee size and quorum for a job escrowing `escrow_lamports` (spec 4.4).
    pub fn committee_for_escrow(&self, escrow_lamports: u64) -> (u8, u8) {
        if !self.committee_tiering_enabled.get() {
            return (self.committee_size, self.quorum);
        }
        let mut tier = 0;
        for (index, min_escrow) in self.committee_tier_min_escrow.iter().enumerate() {
            if escrow_lamports >= min_escrow.get() {
                tier = index;
            }
        }
        (self.committee_tier_size[tier], self.committee_tier_quorum[tier])
    }

    /// Writes the frozen tier table into the config.
    pub fn set_frozen_tiers(&mut self) {
        for (index, tier) in COMMITTEE_TIERS.iter().enumerate() {
            self.committee_tier_min_escrow[index] = tier.min_escrow_lamports.into();
            self.committee_tier_size[index] = tier.committee_size;
            self.committee_tier_quorum[index] = tier.quorum;
        }
    }
}
