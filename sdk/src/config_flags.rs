//! The protocol config's values as command-line flags (feature `flags`): `edgerun admin init` /
//! `update` and the local network (`edgerun-localnet`) take the same ones, spelled and parsed in
//! one place.

use clap::Args;
use edgerun::instructions::ConfigParams;

use crate::amount::parse_sol;

/// Config values as flags; unset ones keep the base (defaults for `init`, the chain's for `update`).
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigFlags {
    /// Protocol fee on escrow, in basis points.
    #[arg(long, value_name = "BPS")]
    pub protocol_fee_bps: Option<u16>,
    /// Smallest stake a worker needs to be assigned, in SOL.
    #[arg(long, value_name = "SOL", value_parser = parse_sol)]
    pub min_worker_stake: Option<u64>,
    /// Slots after assignment during which results are accepted.
    #[arg(long, value_name = "SLOTS")]
    pub challenge_window_slots: Option<u64>,
    /// Slots after quorum during which a winner must declare the output.
    #[arg(long, value_name = "SLOTS")]
    pub da_window_slots: Option<u64>,
    /// Penalty of a committee member that did not respond, in SOL.
    #[arg(long, value_name = "SOL", value_parser = parse_sol)]
    pub non_response_penalty: Option<u64>,
    /// Committee size from the escrow tiers (true) or the fixed size/quorum below (false).
    #[arg(long, value_name = "BOOL")]
    pub committee_tiering: Option<bool>,
    /// Committee size when tiering is off.
    #[arg(long, value_name = "N")]
    pub committee_size: Option<u8>,
    /// Quorum when tiering is off.
    #[arg(long, value_name = "N")]
    pub quorum: Option<u8>,
    /// Largest guest memory a job may ask for, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_memory_bytes: Option<u64>,
    /// Largest instruction budget a job may ask for.
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// Slots an ended job stays before it can be closed.
    #[arg(long, value_name = "SLOTS")]
    pub job_retention_slots: Option<u64>,
    /// Merkle root (64 hex digits) of the allowed runtime ids; all zeros allows any runtime.
    #[arg(long, value_name = "HEX", value_parser = parse_hash, conflicts_with = "allowed_runtime")]
    pub allowed_runtime_root: Option<[u8; 32]>,
    /// A runtime id (64 hex digits) the network allows; repeat for each (e.g. the edgerun and WASI
    /// runtimes' ids, `edgerun-worker runtime-id --wasi`). Sets `allowed_runtime_root` to the root
    /// of their allow-list tree (`submission::runtime_allow_list_root`).
    #[arg(long, value_name = "ID", value_parser = parse_hash)]
    pub allowed_runtime: Vec<[u8; 32]>,
    /// Refuse new jobs (true) or accept them again (false).
    #[arg(long, value_name = "BOOL")]
    pub paused: Option<bool>,
    /// Smallest escrow a job may have, in SOL.
    #[arg(long, value_name = "SOL", value_parser = parse_sol)]
    pub min_escrow: Option<u64>,
}

impl ConfigFlags {
    /// `base` with every given flag applied.
    pub fn apply(&self, base: ConfigParams) -> ConfigParams {
        ConfigParams {
            protocol_fee_bps: self.protocol_fee_bps.unwrap_or(base.protocol_fee_bps),
            min_worker_stake_lamports: self.min_worker_stake.unwrap_or(base.min_worker_stake_lamports),
            challenge_window_slots: self.challenge_window_slots.unwrap_or(base.challenge_window_slots),
            da_window_slots: self.da_window_slots.unwrap_or(base.da_window_slots),
            non_response_slash_lamports: self.non_response_penalty.unwrap_or(base.non_response_slash_lamports),
            committee_tiering_enabled: self.committee_tiering.unwrap_or(base.committee_tiering_enabled),
            committee_size: self.committee_size.unwrap_or(base.committee_size),
            quorum: self.quorum.unwrap_or(base.quorum),
            max_memory_bytes: self.max_memory_bytes.unwrap_or(base.max_memory_bytes),
            max_instructions: self.max_instructions.unwrap_or(base.max_instructions),
            job_retention_slots: self.job_retention_slots.unwrap_or(base.job_retention_slots),
            allowed_runtime_root: crate::submission::runtime_allow_list_root(&self.allowed_runtime)
                .or(self.allowed_runtime_root)
                .unwrap_or(base.allowed_runtime_root),
            paused: self.paused.unwrap_or(base.paused),
            min_escrow_lamports: self.min_escrow.unwrap_or(base.min_escrow_lamports),
            ..base
        }
    }
}

/// 32 bytes as 64 hex digits.
pub fn parse_hash(text: &str) -> Result<[u8; 32], String> {
    crate::submission::parse_hash(text).ok_or_else(|| format!("`{text}` is not 32 bytes written as 64 hex digits"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        config: ConfigFlags,
    }

    #[test]
    fn given_flags_replace_the_base_and_the_rest_stays() {
        let base = crate::config_params::default_params(&Default::default(), &Default::default());
        let flags =
            Flags::try_parse_from(["x", "--min-worker-stake", "1.5", "--paused", "true", "--quorum", "3"]).unwrap();
        let applied = flags.config.apply(base);
        assert_eq!(applied.min_worker_stake_lamports, 1_500_000_000);
        assert!(applied.paused);
        assert_eq!(applied.quorum, 3);
        assert_eq!(applied.protocol_fee_bps, base.protocol_fee_bps);
        assert_eq!(applied.challenge_window_slots, base.challenge_window_slots);
        assert_eq!(ConfigFlags::default().apply(base), base);
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let short = Flags::try_parse_from(["x", "--allowed-runtime-root", "abcd"]).err().unwrap().to_string();
        assert!(short.contains("64 hex digits"), "{short}");
        let root = "ab".repeat(32);
        let flags = Flags::try_parse_from(["x", "--allowed-runtime-root", &root]).unwrap();
        assert_eq!(flags.config.allowed_runtime_root, Some([0xab; 32]));
        assert!(Flags::try_parse_from(["x", "--min-escrow", "-1"]).is_err());
    }

    #[test]
    fn a_list_of_runtimes_sets_the_root_of_their_allow_list() {
        let base = crate::config_params::default_params(&Default::default(), &Default::default());
        let (v1, wasi) = ("01".repeat(32), "02".repeat(32));
        let flags = Flags::try_parse_from(["x", "--allowed-runtime", &v1, "--allowed-runtime", &wasi]).unwrap().config;
        let root = crate::submission::runtime_allow_list_root(&[[1; 32], [2; 32]]).unwrap();
        assert_eq!(flags.apply(base).allowed_runtime_root, root);
        let only_v1 = Flags::try_parse_from(["x", "--allowed-runtime", &v1]).unwrap().config;
        assert_eq!(only_v1.apply(base).allowed_runtime_root, edgerun::digest::runtime_merkle_leaf(&[1; 32]));
        // Both ways of setting the root at once is a usage error.
        let both = Flags::try_parse_from(["x", "--allowed-runtime", &v1, "--allowed-runtime-root", &wasi]);
        assert!(both.err().unwrap().to_string().contains("cannot be used with"));
        assert!(Flags::try_parse_from(["x", "--allowed-runtime", "wasi"]).is_err());
    }
}
