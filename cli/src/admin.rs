//! `edgerun admin ...`: the network admin's commands. `init` is the migration that follows a
//! deploy (only the program's upgrade authority may run it; idempotent), `update` changes
//! the terms of future jobs (posted jobs keep theirs), `withdraw-treasury` pays out fees, and
//! the admin role moves in two steps (`propose-admin`, then `accept-admin` by the new key).

use clap::Subcommand;
use edgerun::instructions::ConfigParams;
use edgerun::state::{GlobalConfig, Treasury};
use edgerun_sdk::client::ConfigOutcome;
use edgerun_sdk::config_flags::ConfigFlags;
use edgerun_sdk::config_params::{config_differences, default_params};
use edgerun_sdk::{instructions as ix, pda};
use serde::Serialize;
use solana_address::Address;

use crate::amount::{parse_sol, sol};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{fields, Output, Report};
use crate::worker::parse_address;

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the config and treasury (signed by the program's upgrade authority, who becomes admin).
    Init {
        /// The key that assigns committees (the scheduler's).
        #[arg(long, value_parser = parse_address)]
        scheduler_authority: Address,
        /// The key that sets committee-selection seeds [default: the scheduler authority].
        #[arg(long, value_parser = parse_address)]
        randomness_authority: Option<Address>,
        #[command(flatten)]
        params: ConfigFlags,
    },
    /// The config, the authorities and the treasury.
    Show,
    /// Change config values (only those given); jobs already posted keep their terms.
    Update {
        #[arg(long, value_parser = parse_address)]
        scheduler_authority: Option<Address>,
        #[arg(long, value_parser = parse_address)]
        randomness_authority: Option<Address>,
        #[command(flatten)]
        params: ConfigFlags,
    },
    /// Pay collected fees out of the treasury, in SOL.
    WithdrawTreasury {
        #[arg(value_name = "SOL", value_parser = parse_sol)]
        amount: u64,
        /// Recipient [default: the admin].
        #[arg(long, value_parser = parse_address)]
        to: Option<Address>,
    },
    /// Name the next admin (who must then run `accept-admin`).
    ProposeAdmin {
        #[arg(value_parser = parse_address)]
        new_admin: Address,
    },
    /// Become admin (signed by the proposed key).
    AcceptAdmin,
}

#[derive(Serialize)]
pub struct ConfigReport {
    pub config: String,
    pub admin: String,
    /// Set while an admin change awaits `accept-admin`.
    pub pending_admin: Option<String>,
    pub scheduler_authority: String,
    pub randomness_authority: String,
    pub protocol_fee_bps: u16,
    pub min_worker_stake_lamports: u64,
    pub challenge_window_slots: u64,
    pub da_window_slots: u64,
    pub non_response_penalty_lamports: u64,
    pub committee_tiering: bool,
    /// With tiering: `(min escrow, size, quorum)` per tier; without: the fixed size and quorum.
    pub committee_tiers: Vec<CommitteeTier>,
    pub max_memory_bytes: u64,
    pub max_instructions: u64,
    pub job_retention_slots: u64,
    pub allowed_runtime_root: String,
    pub paused: bool,
    pub min_escrow_lamports: u64,
    pub treasury: TreasuryReport,
}

#[derive(Serialize)]
pub struct CommitteeTier {
    pub min_escrow_lamports: u64,
    pub committee_size: u8,
    pub quorum: u8,
}

#[derive(Serialize)]
pub struct TreasuryReport {
    pub address: String,
    pub balance_lamports: u64,
    pub withdrawable_lamports: u64,
    pub fees_collected_lamports: u64,
    pub slashes_collected_lamports: u64,
    pub penalties_collected_lamports: u64,
    pub withdrawn_lamports: u64,
}

impl ConfigReport {
    fn new(config: &GlobalConfig, treasury: &Treasury, treasury_balance: u64) -> ConfigReport {
        let committee_tiers = if config.committee_tiering_enabled.get() {
            (0..config.committee_tier_size.len())
                .map(|tier| CommitteeTier {
                    min_escrow_lamports: config.committee_tier_min_escrow[tier].get(),
                    committee_size: config.committee_tier_size[tier],
                    quorum: config.committee_tier_quorum[tier],
                })
                .collect()
        } else {
            vec![CommitteeTier { min_escrow_lamports: 0, committee_size: config.committee_size, quorum: config.quorum }]
        };
        ConfigReport {
            config: pda::config_address().to_string(),
            admin: config.admin.to_string(),
            pending_admin: (config.pending_admin != Address::default()).then(|| config.pending_admin.to_string()),
            scheduler_authority: config.scheduler_authority.to_string(),
            randomness_authority: config.randomness_authority.to_string(),
            protocol_fee_bps: config.protocol_fee_bps.get(),
            min_worker_stake_lamports: config.min_worker_stake_lamports.get(),
            challenge_window_slots: config.challenge_window_slots.get(),
            da_window_slots: config.da_window_slots.get(),
            non_response_penalty_lamports: config.non_response_slash_lamports.get(),
            committee_tiering: config.committee_tiering_enabled.get(),
            committee_tiers,
            max_memory_bytes: config.max_memory_bytes.get(),
            max_instructions: config.max_instructions.get(),
            job_retention_slots: config.job_retention_slots.get(),
            allowed_runtime_root: hex::encode(config.allowed_runtime_root),
            paused: config.paused.get(),
            min_escrow_lamports: config.min_escrow_lamports.get(),
            treasury: TreasuryReport {
                address: pda::treasury_address().to_string(),
                balance_lamports: treasury_balance,
                withdrawable_lamports: treasury_balance.saturating_sub(treasury_rent_minimum()),
                fees_collected_lamports: treasury.fees_collected.get(),
                slashes_collected_lamports: treasury.slashes_collected.get(),
                penalties_collected_lamports: treasury.penalties_collected.get(),
                withdrawn_lamports: treasury.withdrawn.get(),
            },
        }
    }
}

/// What the treasury must keep (its rent-exempt minimum), as `withdraw_treasury` computes it.
fn treasury_rent_minimum() -> u64 {
    let space = <Treasury as anchor_lang::Discriminator>::DISCRIMINATOR.len() + core::mem::size_of::<Treasury>();
    solana_rent::Rent::default().minimum_balance(space)
}

impl Report for ConfigReport {
    fn text(&self) -> String {
        let tiers = self
            .committee_tiers
            .iter()
            .map(|tier| {
                format!("escrow >= {}: {} of {}", sol(tier.min_escrow_lamports), tier.quorum, tier.committee_size)
            })
            .collect::<Vec<_>>()
            .join("; ");
        let treasury = &self.treasury;
        fields(&[
            ("config", self.config.clone()),
            ("admin", self.admin.clone()),
            ("pending admin", self.pending_admin.clone().unwrap_or_else(|| "none".into())),
            ("scheduler", self.scheduler_authority.clone()),
            ("randomness", self.randomness_authority.clone()),
            ("paused", self.paused.to_string()),
            ("protocol fee", format!("{} bps", self.protocol_fee_bps)),
            ("min worker stake", sol(self.min_worker_stake_lamports)),
            ("min escrow", sol(self.min_escrow_lamports)),
            ("non-response penalty", sol(self.non_response_penalty_lamports)),
            ("challenge window", format!("{} slots", self.challenge_window_slots)),
            ("DA window", format!("{} slots", self.da_window_slots)),
            ("job retention", format!("{} slots", self.job_retention_slots)),
            ("committees", format!("{} ({tiers})", if self.committee_tiering { "by escrow tier" } else { "fixed" })),
            (
                "job limits",
                format!("{} instructions, {} bytes of memory", self.max_instructions, self.max_memory_bytes),
            ),
            (
                "runtimes",
                if self.allowed_runtime_root.bytes().all(|b| b == b'0') {
                    "any".into()
                } else {
                    self.allowed_runtime_root.clone()
                },
            ),
            ("treasury", treasury.address.clone()),
            (
                "  balance",
                format!("{} ({} withdrawable)", sol(treasury.balance_lamports), sol(treasury.withdrawable_lamports)),
            ),
            (
                "  collected",
                format!(
                    "fees {}, slashes {}, penalties {}; withdrawn {}",
                    sol(treasury.fees_collected_lamports),
                    sol(treasury.slashes_collected_lamports),
                    sol(treasury.penalties_collected_lamports),
                    sol(treasury.withdrawn_lamports)
                ),
            ),
        ])
    }
}

#[derive(Serialize)]
struct ChangeReport {
    action: &'static str,
    /// `field: before -> after`, for `update`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<ConfigOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
    config: ConfigReport,
}

impl Report for ChangeReport {
    fn text(&self) -> String {
        let mut text = match (&self.outcome, &self.signature) {
            (Some(ConfigOutcome::AlreadyInitialized), _) => {
                "already initialized with these values; nothing sent".into()
            }
            (_, Some(signature)) => format!("{}: transaction {signature}", self.action),
            (_, None) => self.action.to_string(),
        };
        for change in &self.changes {
            text.push_str(&format!("\n  {change}"));
        }
        text.push_str("\n\n");
        text.push_str(&self.config.text());
        text
    }
}

async fn config_report(context: &Context) -> Result<ConfigReport, CliError> {
    let chain = |error| context.chain(error);
    let config = context.client.global_config().await.map_err(chain)?;
    let treasury = context.client.treasury().await.map_err(chain)?;
    let balance = context.client.balance(&pda::treasury_address()).await.map_err(chain)?;
    Ok(ConfigReport::new(&config, &treasury, balance))
}

pub async fn run(context: &Context, command: AdminCommand) -> Result<Output, CliError> {
    let chain = |error| context.chain(error);
    let (action, changes, outcome, signature) = match command {
        AdminCommand::Show => return Output::of(&config_report(context).await?),
        AdminCommand::Init { scheduler_authority, randomness_authority, params } => {
            let randomness = randomness_authority.unwrap_or(scheduler_authority);
            let params = params.apply(default_params(&scheduler_authority, &randomness));
            ensure_runtime_features(context).await?;
            let outcome = context.client.initialize_config(context.keypair()?, params).await.map_err(chain)?;
            let signature = match &outcome {
                ConfigOutcome::Initialized { signature } => Some(signature.clone()),
                ConfigOutcome::AlreadyInitialized => None,
            };
            ("initialized", Vec::new(), Some(outcome), signature)
        }
        AdminCommand::Update { scheduler_authority, randomness_authority, params } => {
            let config = context.client.global_config().await.map_err(chain)?;
            let mut wanted = params.apply(ConfigParams::of(&config));
            wanted.scheduler_authority = scheduler_authority.unwrap_or(wanted.scheduler_authority);
            wanted.randomness_authority = randomness_authority.unwrap_or(wanted.randomness_authority);
            let changes = config_differences(&config, &config.admin, &wanted);
            if changes.is_empty() {
                return Err(CliError::usage("nothing to change: every value given equals the current one").with_hint(
                    "`edgerun admin update --help` lists the values; `edgerun admin show` the current ones",
                ));
            }
            let admin = context.keypair()?;
            ensure_admin(context, &config)?;
            let receipt =
                context.client.send(admin, &[], &[ix::update_config(&config.admin, wanted)]).await.map_err(chain)?;
            ("updated", changes, None, Some(receipt.signature.to_string()))
        }
        AdminCommand::WithdrawTreasury { amount, to } => {
            let config = context.client.global_config().await.map_err(chain)?;
            ensure_admin(context, &config)?;
            let recipient = to.unwrap_or(config.admin);
            let balance = context.client.balance(&pda::treasury_address()).await.map_err(chain)?;
            let withdrawable = balance.saturating_sub(treasury_rent_minimum());
            if amount > withdrawable {
                return Err(crate::error::refused(edgerun::errors::EdgerunError::InsufficientTreasuryBalance)
                    .with_hint(format!("the treasury can pay at most {} now", sol(withdrawable))));
            }
            let receipt = context
                .client
                .send(context.keypair()?, &[], &[ix::withdraw_treasury(&config.admin, &recipient, amount)])
                .await
                .map_err(chain)?;
            ("withdrawn", vec![format!("{} to {recipient}", sol(amount))], None, Some(receipt.signature.to_string()))
        }
        AdminCommand::ProposeAdmin { new_admin } => {
            let config = context.client.global_config().await.map_err(chain)?;
            ensure_admin(context, &config)?;
            let receipt = context
                .client
                .send(context.keypair()?, &[], &[ix::propose_admin(&config.admin, &new_admin)])
                .await
                .map_err(chain)?;
            let change =
                format!("pending admin: {new_admin} (it becomes admin once it runs `edgerun admin accept-admin`)");
            ("proposed", vec![change], None, Some(receipt.signature.to_string()))
        }
        AdminCommand::AcceptAdmin => {
            let config = context.client.global_config().await.map_err(chain)?;
            let me = context.pubkey()?;
            if config.pending_admin != me {
                return Err(crate::error::refused(edgerun::errors::EdgerunError::NotPendingAdmin).with_hint(format!(
                    "{me} was not proposed; the admin proposes with `edgerun admin propose-admin {me}`"
                )));
            }
            let receipt =
                context.client.send(context.keypair()?, &[], &[ix::accept_admin(&me)]).await.map_err(chain)?;
            ("accepted", vec![format!("admin: {} -> {me}", config.admin)], None, Some(receipt.signature.to_string()))
        }
    };
    let config = config_report(context).await?;
    Output::of(&ChangeReport { action, changes, outcome, signature, config })
}

/// The cluster must be able to run the program: every runtime feature it needs is active
/// (`edgerun_sdk::runtime_features`). Said before anything is sent; a deploy to a cluster
/// without them would fail every instruction afterwards.
async fn ensure_runtime_features(context: &Context) -> Result<(), CliError> {
    use edgerun_sdk::runtime_features::{ensure_required_features, FeatureError};
    let url = &context.settings.rpc_url;
    match ensure_required_features(&context.client).await {
        Ok(()) => Ok(()),
        Err(FeatureError::Read(error)) => Err(context.chain(error)),
        Err(error @ FeatureError::Inactive(_)) => Err(CliError::failed(
            "runtime_feature_inactive",
            format!("the cluster at {url} cannot run Edgerun: {error}"),
        )
        .with_hint(
            "nothing was sent. Deploy to a cluster where the feature is active (`solana feature status <id> --url \
             <cluster>` shows its state); a local validator activates every feature unless told otherwise \
             (surfpool, solana-test-validator without --deactivate-feature)",
        )),
    }
}

/// The keypair must be the admin's: said before anything is sent.
fn ensure_admin(context: &Context, config: &GlobalConfig) -> Result<(), CliError> {
    let me = context.pubkey()?;
    if me != config.admin {
        return Err(crate::error::refused(edgerun::errors::EdgerunError::NotAdmin)
            .with_hint(format!("the admin is {}; you sign as {me} (pass its keypair with --keypair)", config.admin)));
    }
    Ok(())
}
