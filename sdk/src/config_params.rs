//! The protocol config a deployment initializes: the default parameters, the local network's, and
//! the comparison of an existing config with a wanted one (what makes config initialization
//! idempotent: see `EdgerunClient::initialize_config`, feature `client`).

use edgerun::constants::defaults;
use edgerun::instructions::ConfigParams;
use edgerun::state::GlobalConfig;
use solana_address::Address;

/// Job retention of the local network: 3,000 slots (~20 minutes at 400 ms) instead of ~1 day, so
/// closing jobs can be tried by hand.
pub const LOCALNET_JOB_RETENTION_SLOTS: u64 = 3_000;

/// Deployment defaults (`edgerun::constants::defaults`), committee tiering on, any runtime allowed.
pub fn default_params(scheduler: &Address, randomness: &Address) -> ConfigParams {
    ConfigParams {
        scheduler_authority: *scheduler,
        randomness_authority: *randomness,
        protocol_fee_bps: defaults::PROTOCOL_FEE_BPS,
        min_worker_stake_lamports: defaults::MIN_WORKER_STAKE_LAMPORTS,
        challenge_window_slots: defaults::CHALLENGE_WINDOW_SLOTS,
        da_window_slots: defaults::DA_WINDOW_SLOTS,
        non_response_slash_lamports: defaults::NON_RESPONSE_SLASH_LAMPORTS,
        committee_tiering_enabled: true,
        committee_size: defaults::COMMITTEE_SIZE,
        quorum: defaults::QUORUM,
        max_memory_bytes: defaults::MAX_MEMORY_BYTES,
        max_instructions: defaults::MAX_INSTRUCTIONS,
        job_retention_slots: defaults::JOB_RETENTION_SLOTS,
        allowed_runtime_root: [0u8; 32],
        paused: false,
        min_escrow_lamports: defaults::MIN_ESCROW_LAMPORTS,
    }
}

/// Local network parameters: the defaults with a retention of [`LOCALNET_JOB_RETENTION_SLOTS`].
pub fn localnet_params(scheduler: &Address, randomness: &Address) -> ConfigParams {
    ConfigParams { job_retention_slots: LOCALNET_JOB_RETENTION_SLOTS, ..default_params(scheduler, randomness) }
}

/// Names and values (`on chain != wanted`) of every field where `config` differs from what
/// `admin` would initialize with `params`; empty when they are the same.
pub fn config_differences(config: &GlobalConfig, admin: &Address, params: &ConfigParams) -> Vec<String> {
    let on_chain = ConfigParams::of(config);
    let mut differences = Vec::new();
    if config.admin != *admin {
        differences.push(format!("admin: {} != {admin}", config.admin));
    }
    macro_rules! compare {
        ($($field:ident),*) => {$(
            if on_chain.$field != params.$field {
                differences.push(format!(
                    concat!(stringify!($field), ": {:?} != {:?}"),
                    on_chain.$field, params.$field
                ));
            }
        )*};
    }
    compare!(
        protocol_fee_bps,
        min_worker_stake_lamports,
        challenge_window_slots,
        da_window_slots,
        non_response_slash_lamports,
        committee_tiering_enabled,
        committee_size,
        quorum,
        max_memory_bytes,
        max_instructions,
        job_retention_slots,
        paused,
        min_escrow_lamports
    );
    if on_chain.scheduler_authority != params.scheduler_authority {
        differences
            .push(format!("scheduler_authority: {} != {}", on_chain.scheduler_authority, params.scheduler_authority));
    }
    if on_chain.randomness_authority != params.randomness_authority {
        differences.push(format!(
            "randomness_authority: {} != {}",
            on_chain.randomness_authority, params.randomness_authority
        ));
    }
    if on_chain.allowed_runtime_root != params.allowed_runtime_root {
        differences.push(format!(
            "allowed_runtime_root: {} != {}",
            hex::encode(on_chain.allowed_runtime_root),
            hex::encode(params.allowed_runtime_root)
        ));
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_of(admin: &Address, params: &ConfigParams) -> GlobalConfig {
        let mut config: GlobalConfig = anchor_lang::bytemuck::Zeroable::zeroed();
        config.admin = *admin;
        params.apply(&mut config);
        config
    }

    #[test]
    fn differences_name_every_differing_field_and_nothing_else() {
        let admin = Address::new_from_array([1; 32]);
        let scheduler = Address::new_from_array([2; 32]);
        let params = localnet_params(&scheduler, &scheduler);
        assert_eq!(params.job_retention_slots, LOCALNET_JOB_RETENTION_SLOTS);
        assert_eq!(ConfigParams { job_retention_slots: defaults::JOB_RETENTION_SLOTS, ..params }, {
            default_params(&scheduler, &scheduler)
        });
        let config = config_of(&admin, &params);
        assert!(config_differences(&config, &admin, &params).is_empty());

        let other = Address::new_from_array([3; 32]);
        let wanted = ConfigParams {
            protocol_fee_bps: params.protocol_fee_bps + 1,
            paused: !params.paused,
            randomness_authority: other,
            allowed_runtime_root: [7; 32],
            ..params
        };
        let differences = config_differences(&config, &other, &wanted);
        let fields: Vec<&str> = differences.iter().map(|line| line.split(':').next().unwrap()).collect();
        assert_eq!(
            fields,
            ["admin", "protocol_fee_bps", "paused", "randomness_authority", "allowed_runtime_root"],
            "{differences:?}"
        );
        assert_eq!(
            differences[1],
            format!("protocol_fee_bps: {} != {}", params.protocol_fee_bps, wanted.protocol_fee_bps)
        );
    }
}
