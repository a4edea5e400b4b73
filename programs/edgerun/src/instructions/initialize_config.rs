//! `initialize_config`: creates the GlobalConfig and the Treasury, once, right after deploy.
//!
//! 1. The signer is the program's upgrade authority, read from the program's ProgramData account
//!    of the upgradeable loader (address re-derived, owner checked): nobody can squat the admin
//!    role between deploy and initialization.
//! 2. The parameters pass [`ConfigParams::validate`].
//! 3. The config (signer as admin, no pending admin, frozen tier table) and the treasury are
//!    created; `ConfigUpdated` carries every value.

use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, MAX_COMMITTEE_SIZE, MAX_WINDOW_SLOTS, TREASURY_SEED};
use crate::errors::EdgerunError;
use crate::events::ConfigUpdated;
use crate::state::{GlobalConfig, Treasury};

/// Every tunable of the protocol (the tier table is frozen and not part of it).
#[derive(SchemaRead, SchemaWrite, IdlType, Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Smallest escrow a job may have (at least the rent-exempt minimum of an empty account).
    pub min_escrow_lamports: u64,
}

impl ConfigParams {
    /// Rejects values that would make jobs unpayable, unsettleable or ambiguous.
    /// `rent_exempt_minimum`: of an empty account (`Rent::minimum_balance(0)`).
    pub fn validate(&self, rent_exempt_minimum: u64) -> Result<()> {
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
        // The penalty comes out of a job's lock, which is never below the minimum stake; zero
        // would let silence cost nothing.
        require!(
            self.non_response_slash_lamports >= 1 && self.non_response_slash_lamports <= self.min_worker_stake_lamports,
            EdgerunError::InvalidPenalty
        );
        require!(
            self.challenge_window_slots <= MAX_WINDOW_SLOTS
                && self.da_window_slots <= MAX_WINDOW_SLOTS
                && self.job_retention_slots <= MAX_WINDOW_SLOTS,
            EdgerunError::WindowTooLong
        );
        require!(self.min_escrow_lamports >= rent_exempt_minimum, EdgerunError::MinEscrowBelowRentExemption);
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
        config.min_escrow_lamports = self.min_escrow_lamports.into();
    }

    /// The parameters `config` holds (the inverse of [`ConfigParams::apply`]).
    pub fn of(config: &GlobalConfig) -> Self {
        ConfigParams {
            scheduler_authority: config.scheduler_authority,
            randomness_authority: config.randomness_authority,
            protocol_fee_bps: config.protocol_fee_bps.get(),
            min_worker_stake_lamports: config.min_worker_stake_lamports.get(),
            challenge_window_slots: config.challenge_window_slots.get(),
            da_window_slots: config.da_window_slots.get(),
            non_response_slash_lamports: config.non_response_slash_lamports.get(),
            committee_tiering_enabled: config.committee_tiering_enabled.get(),
            committee_size: config.committee_size,
            quorum: config.quorum,
            max_memory_bytes: config.max_memory_bytes.get(),
            max_instructions: config.max_instructions.get(),
            job_retention_slots: config.job_retention_slots.get(),
            allowed_runtime_root: config.allowed_runtime_root,
            paused: config.paused.get(),
            min_escrow_lamports: config.min_escrow_lamports.get(),
        }
    }
}

/// The upgradeable BPF loader (loader v3), owner of every upgradeable program's ProgramData.
pub const BPF_LOADER_UPGRADEABLE_ID: Address = anchor_lang::address!("BPFLoaderUpgradeab1e11111111111111111111111");

/// ProgramData address of `program_id`: `["program_id"]` under the upgradeable loader.
pub fn program_data_address(program_id: &Address) -> Address {
    anchor_lang::find_program_address(&[program_id.as_ref()], &BPF_LOADER_UPGRADEABLE_ID).0
}

/// Layout of the header of a ProgramData account (bincode of the loader's state):
/// `tag: u32 = 3, slot: u64, upgrade_authority: Option<[u8; 32]>` (option tag byte, then the key).
pub mod program_data_header {
    pub const TAG: u32 = 3;
    /// Offset of the authority's option tag (0: none, 1: some).
    pub const AUTHORITY_OPTION_AT: usize = 4 + 8;
    /// Offset of the authority's key, when present.
    pub const AUTHORITY_AT: usize = AUTHORITY_OPTION_AT + 1;
    /// Bytes of the header.
    pub const LEN: usize = AUTHORITY_AT + 32;
}

/// The upgrade authority in the data of a ProgramData account (`Ok(None)`: immutable program);
/// `InvalidProgramData` for anything that is not a ProgramData header.
pub fn parse_upgrade_authority(data: &[u8]) -> core::result::Result<Option<Address>, EdgerunError> {
    use program_data_header::{AUTHORITY_AT, AUTHORITY_OPTION_AT, LEN, TAG};
    if data.len() < LEN || data[..4] != TAG.to_le_bytes() {
        return Err(EdgerunError::InvalidProgramData);
    }
    match data[AUTHORITY_OPTION_AT] {
        0 => Ok(None),
        1 => {
            let mut authority = [0u8; 32];
            authority.copy_from_slice(&data[AUTHORITY_AT..LEN]);
            Ok(Some(Address::new_from_array(authority)))
        }
        _ => Err(EdgerunError::InvalidProgramData),
    }
}

/// Rewrites the upgrade authority in the data of a ProgramData account, as the loader's
/// `SetAuthority` does: for test harnesses that deploy with an in-process validator.
pub fn write_upgrade_authority(data: &mut [u8], authority: Option<&Address>) -> core::result::Result<(), EdgerunError> {
    use program_data_header::{AUTHORITY_AT, AUTHORITY_OPTION_AT, LEN};
    parse_upgrade_authority(data)?;
    match authority {
        Some(key) => {
            data[AUTHORITY_OPTION_AT] = 1;
            data[AUTHORITY_AT..LEN].copy_from_slice(key.as_ref());
        }
        None => {
            data[AUTHORITY_OPTION_AT] = 0;
            data[AUTHORITY_AT..LEN].fill(0);
        }
    }
    Ok(())
}

/// The upgrade authority recorded in `program_id`'s ProgramData account (`None`: immutable),
/// after checking the account is that ProgramData (address re-derived, owned by the loader).
pub fn upgrade_authority(view: &AccountView, program_id: &Address) -> Result<Option<Address>> {
    require!(
        view.owned_by(&BPF_LOADER_UPGRADEABLE_ID) && *view.address() == program_data_address(program_id),
        EdgerunError::InvalidProgramData
    );
    Ok(parse_upgrade_authority(&view.try_borrow()?)?)
}

#[derive(Accounts)]
pub struct InitializeConfig {
    #[account(mut)]
    pub admin: Signer,
    #[account(init, payer = admin, seeds = [CONFIG_SEED], bump)]
    pub config: Account<GlobalConfig>,
    #[account(init, payer = admin, seeds = [TREASURY_SEED], bump)]
    pub treasury: Account<Treasury>,
    /// CHECK: this program's ProgramData account; address, owner and layout checked when its
    /// upgrade authority is read.
    pub program_data: UncheckedAccount,
    pub system_program: Program<System>,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_initialize_config(ctx: &mut Context<InitializeConfig>, params: ConfigParams) -> Result<()> {
    let admin = *ctx.accounts.admin.address();
    let authority = upgrade_authority(ctx.accounts.program_data.account(), ctx.program_id)?;
    require!(authority == Some(admin), EdgerunError::NotUpgradeAuthority);
    params.validate(Rent::get()?.try_minimum_balance(0)?)?;
    let config = &mut ctx.accounts.config;
    config.admin = admin;
    config.pending_admin = Address::default();
    params.apply(config);
    config.max_committee_size = MAX_COMMITTEE_SIZE as u8;
    config.set_frozen_tiers();
    config.bump = ctx.bumps.config;
    ctx.accounts.treasury.bump = ctx.bumps.treasury;
    emit!(ConfigUpdated { admin, pending_admin: Address::default(), params });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::program_data_header::{AUTHORITY_AT, AUTHORITY_OPTION_AT, LEN, TAG};
    use super::*;

    fn header(option: u8, key: [u8; 32]) -> [u8; LEN] {
        let mut data = [0u8; LEN];
        data[..4].copy_from_slice(&TAG.to_le_bytes());
        data[4..AUTHORITY_OPTION_AT].copy_from_slice(&77u64.to_le_bytes());
        data[AUTHORITY_OPTION_AT] = option;
        data[AUTHORITY_AT..].copy_from_slice(&key);
        data
    }

    #[test]
    fn program_data_headers_parse_or_are_refused() {
        let key = [9u8; 32];
        assert_eq!(parse_upgrade_authority(&header(1, key)), Ok(Some(Address::new_from_array(key))));
        assert_eq!(parse_upgrade_authority(&header(0, [0; 32])), Ok(None));
        assert_eq!(parse_upgrade_authority(&header(2, key)), Err(EdgerunError::InvalidProgramData));
        let mut program = header(1, key);
        program[0] = 2; // the Program account's tag, not ProgramData's
        assert_eq!(parse_upgrade_authority(&program), Err(EdgerunError::InvalidProgramData));
        assert_eq!(parse_upgrade_authority(&header(1, key)[..LEN - 1]), Err(EdgerunError::InvalidProgramData));
    }

    #[test]
    fn written_authorities_read_back() {
        let mut data = header(0, [0; 32]);
        let key = Address::new_from_array([4; 32]);
        write_upgrade_authority(&mut data, Some(&key)).unwrap();
        assert_eq!(parse_upgrade_authority(&data), Ok(Some(key)));
        write_upgrade_authority(&mut data, None).unwrap();
        assert_eq!(data, header(0, [0; 32]));
        assert_eq!(write_upgrade_authority(&mut [0u8; 8], None), Err(EdgerunError::InvalidProgramData));
    }
}
