//! Command-line pieces shared by the binaries.

use clap::Args;
use edgerun::constants::defaults;
use edgerun::instructions::ConfigParams;
use solana_address::Address;

/// Every config field as a flag, defaulting to `edgerun::constants::defaults`.
#[derive(Args, Clone, Debug)]
pub struct ConfigArgs {
    /// Protocol fee on escrow, in basis points.
    #[arg(long, default_value_t = defaults::PROTOCOL_FEE_BPS)]
    pub protocol_fee_bps: u16,
    /// Smallest stake a worker needs to be assigned.
    #[arg(long, default_value_t = defaults::MIN_WORKER_STAKE_LAMPORTS)]
    pub min_worker_stake_lamports: u64,
    /// Slots after assignment during which results are accepted.
    #[arg(long, default_value_t = defaults::CHALLENGE_WINDOW_SLOTS)]
    pub challenge_window_slots: u64,
    /// Slots after quorum during which the output must be declared available.
    #[arg(long, default_value_t = defaults::DA_WINDOW_SLOTS)]
    pub da_window_slots: u64,
    /// Slash of a committee member that did not respond.
    #[arg(long, default_value_t = defaults::NON_RESPONSE_SLASH_LAMPORTS)]
    pub non_response_slash_lamports: u64,
    /// Use the fixed committee size/quorum below for every job instead of the escrow tiers.
    #[arg(long)]
    pub no_committee_tiering: bool,
    /// Committee size when tiering is disabled.
    #[arg(long, default_value_t = defaults::COMMITTEE_SIZE)]
    pub committee_size: u8,
    /// Quorum when tiering is disabled.
    #[arg(long, default_value_t = defaults::QUORUM)]
    pub quorum: u8,
    /// Largest guest memory a job may ask for.
    #[arg(long, default_value_t = defaults::MAX_MEMORY_BYTES)]
    pub max_memory_bytes: u64,
    /// Largest instruction budget a job may ask for.
    #[arg(long, default_value_t = defaults::MAX_INSTRUCTIONS)]
    pub max_instructions: u64,
    /// Slots a finished job stays before `close_job` (default: the binary's own).
    #[arg(long)]
    pub job_retention_slots: Option<u64>,
    /// Merkle root (64 hex chars) of the allowed runtime ids; all zero allows any runtime.
    #[arg(long, value_parser = parse_hash, default_value = "0000000000000000000000000000000000000000000000000000000000000000")]
    pub allowed_runtime_root: [u8; 32],
    /// Start paused.
    #[arg(long)]
    pub paused: bool,
    /// Smallest escrow a job may have (at least the rent-exempt minimum of an empty account).
    #[arg(long, default_value_t = defaults::MIN_ESCROW_LAMPORTS)]
    pub min_escrow_lamports: u64,
}

impl ConfigArgs {
    pub fn params(&self, scheduler: &Address, randomness: &Address, default_retention_slots: u64) -> ConfigParams {
        ConfigParams {
            scheduler_authority: *scheduler,
            randomness_authority: *randomness,
            protocol_fee_bps: self.protocol_fee_bps,
            min_worker_stake_lamports: self.min_worker_stake_lamports,
            challenge_window_slots: self.challenge_window_slots,
            da_window_slots: self.da_window_slots,
            non_response_slash_lamports: self.non_response_slash_lamports,
            committee_tiering_enabled: !self.no_committee_tiering,
            committee_size: self.committee_size,
            quorum: self.quorum,
            max_memory_bytes: self.max_memory_bytes,
            max_instructions: self.max_instructions,
            job_retention_slots: self.job_retention_slots.unwrap_or(default_retention_slots),
            allowed_runtime_root: self.allowed_runtime_root,
            paused: self.paused,
            min_escrow_lamports: self.min_escrow_lamports,
        }
    }
}

/// 32 bytes as 64 hex characters.
pub fn parse_hash(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text).map_err(|error| format!("not hex: {error}"))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| format!("expected 32 bytes, got {}", bytes.len()))
}

/// A base-58 address.
pub fn parse_address(text: &str) -> Result<Address, String> {
    text.parse::<Address>().map_err(|error| format!("not a base-58 address: {error:?}"))
}
