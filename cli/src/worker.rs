//! `edgerun worker ...`: what a worker operator does with the keypair the worker signs with:
//! register it, move stake in and out, and read its record.

use std::collections::HashMap;

use clap::{Args, Subcommand};
use edgerun::state::WorkerStake;
use edgerun_sdk::standing::{recent_failures, Ineligible, JailPolicy, WorkerFigures, WorkerStanding};
use edgerun_sdk::{instructions as ix, pda};
use serde::Serialize;
use solana_address::Address;

use crate::amount::{parse_sol, sol};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{fields, Output, Report};

/// `edgerun worker ...`: a subcommand, and the jail policy its report judges the worker under.
#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(subcommand)]
    pub command: WorkerCommand,
    /// The scheduler's `--jail-max-failures`: failures of its own among the jobs on chain at
    /// which a worker is jailed (0: never). Pass it when the scheduler runs with another value.
    #[arg(long, global = true, value_name = "N", default_value_t = JailPolicy::default().max_recent_failures)]
    pub jail_max_failures: u32,
    /// The scheduler's `--jail-cooldown-slots`: slots a jailed worker stays out after its latest
    /// failure.
    #[arg(long, global = true, value_name = "SLOTS", default_value_t = JailPolicy::default().cooldown_slots)]
    pub jail_cooldown_slots: u64,
}

impl WorkerArgs {
    fn jail_policy(&self) -> JailPolicy {
        JailPolicy { max_recent_failures: self.jail_max_failures, cooldown_slots: self.jail_cooldown_slots }
    }
}

#[derive(Subcommand, Debug)]
pub enum WorkerCommand {
    /// Register the keypair as a worker (creates its stake account).
    Register {
        /// Also deposit this much stake, in SOL, in the same transaction.
        #[arg(long, value_name = "SOL", value_parser = parse_sol)]
        stake: Option<u64>,
    },
    /// Deposit stake, in SOL.
    Stake {
        #[arg(value_name = "SOL", value_parser = parse_sol)]
        amount: u64,
    },
    /// Withdraw unlocked stake, in SOL.
    Unstake {
        #[arg(value_name = "SOL", value_parser = parse_sol)]
        amount: u64,
    },
    /// Declare what this worker's machine can run, so the scheduler never gives it more than it
    /// can finish before the jobs' deadlines (measure instructions per second with
    /// `edgerun-worker bench`).
    Capacity {
        /// Executions the machine runs at once (usually `edgerun-worker run --concurrency`).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        concurrent_jobs: u16,
        /// Wasm instructions per second one execution runs on this machine.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        instructions_per_second: u64,
    },
    /// A worker's stake and record [default: the keypair's].
    Status {
        /// The worker's address.
        #[arg(value_parser = parse_address)]
        worker: Option<Address>,
    },
}

pub fn parse_address(text: &str) -> Result<Address, String> {
    text.parse::<Address>().map_err(|_| format!("`{text}` is not a base-58 address"))
}

/// A worker's figures and standing as the scheduler judges them ([`WorkerStanding`]): for the
/// network's smallest lock (its minimum worker stake), over its own failures among the jobs on
/// chain, under the scheduler's jail policy as given (`--jail-max-failures`,
/// `--jail-cooldown-slots`; the scheduler's defaults unless told).
#[derive(Serialize)]
pub struct WorkerReport {
    #[serde(flatten)]
    pub figures: WorkerFigures,
    pub stake_account: String,
    /// `active`, `jailed` (recent failures of its own) or `inactive` (the stake account's status).
    pub status: &'static str,
    pub min_worker_stake_lamports: u64,
    pub eligible: bool,
    /// Why not, for programs: the scheduler API's `reason_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<&'static str>,
    /// Why not, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Set while jailed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jailed_until_slot: Option<u64>,
    /// Its own failures among the jobs on chain (what jailing counts).
    pub recent_failures: usize,
    /// The jail policy judged under (`--jail-max-failures`, `--jail-cooldown-slots`).
    pub jail_max_failures: u32,
    pub jail_cooldown_slots: u64,
    pub slot: u64,
    /// The transaction of this command, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl WorkerReport {
    fn new(worker: &Address, standing: WorkerStanding, policy: &JailPolicy, signature: Option<String>) -> WorkerReport {
        let ineligible = standing.ineligible.as_ref();
        WorkerReport {
            stake_account: pda::worker_stake_address(worker).to_string(),
            status: standing.status(),
            min_worker_stake_lamports: standing.lock_lamports,
            eligible: standing.eligible(),
            reason_code: ineligible.map(Ineligible::code),
            reason: ineligible.map(Ineligible::describe),
            jailed_until_slot: ineligible.and_then(Ineligible::jailed_until_slot),
            recent_failures: standing.recent_failures,
            jail_max_failures: policy.max_recent_failures,
            jail_cooldown_slots: policy.cooldown_slots,
            slot: standing.slot,
            figures: standing.figures,
            signature,
        }
    }
}

impl Report for WorkerReport {
    fn text(&self) -> String {
        let figures = &self.figures;
        let status = match self.jailed_until_slot {
            Some(until) => format!("jailed until slot {until} ({} recent failures of its own)", self.recent_failures),
            None => self.status.to_string(),
        };
        let mut lines = vec![
            ("worker", figures.worker.clone()),
            ("status", status),
            ("stake", sol(figures.total_stake_lamports)),
            ("locked", format!("{} (held by open jobs)", sol(figures.locked_stake_lamports))),
            ("unlocked", sol(figures.unlocked_stake_lamports)),
            (
                "failures",
                match self.jail_max_failures {
                    0 => format!("{} of its own among the jobs on chain (jailing off)", self.recent_failures),
                    max => format!(
                        "{} of its own among the jobs on chain; {max} jail it for {} slots (the scheduler's \
                         --jail-max-failures / --jail-cooldown-slots: pass them if it runs with others)",
                        self.recent_failures, self.jail_cooldown_slots
                    ),
                },
            ),
            (
                "eligible",
                match (&self.reason_code, &self.reason) {
                    (Some("insufficient_stake"), _) => {
                        format!("no: committees need {} unlocked", sol(self.min_worker_stake_lamports))
                    }
                    (_, Some(reason)) => format!("no: {reason}"),
                    _ => "yes".to_string(),
                },
            ),
            ("earned", sol(figures.rewards_earned_lamports)),
            ("slashed", format!("{} ({} jobs)", sol(figures.slashed_lamports), figures.jobs_slashed)),
            ("penalized", format!("{} ({} jobs missed)", sol(figures.penalized_lamports), figures.jobs_missed)),
            (
                "jobs",
                format!("{} assigned, {} won, {} missed", figures.jobs_assigned, figures.jobs_won, figures.jobs_missed),
            ),
            (
                "capacity",
                if figures.max_concurrent_jobs == 0 {
                    "not declared (`edgerun worker capacity`)".to_string()
                } else {
                    format!(
                        "{} at once, {} instructions/s each",
                        figures.max_concurrent_jobs, figures.instructions_per_second
                    )
                },
            ),
        ];
        if let Some(signature) = &self.signature {
            lines.push(("transaction", signature.clone()));
        }
        fields(&lines)
    }
}

pub async fn run(context: &Context, args: WorkerArgs) -> Result<Output, CliError> {
    let policy = args.jail_policy();
    let command = args.command;
    let chain = |error| context.chain(error);
    // The keypair is read (and a bad one reported) before any request.
    let me = match &command {
        WorkerCommand::Status { worker: Some(worker) } => *worker,
        _ => context.pubkey()?,
    };
    let config = context.client.global_config().await.map_err(chain)?;
    let min_stake = config.min_worker_stake_lamports.get();
    let (worker, signature) = match command {
        WorkerCommand::Status { .. } => (me, None),
        WorkerCommand::Register { stake } => {
            if context.client.worker_stake(&me).await.map_err(chain)?.is_some() {
                return Err(CliError::failed("already_registered", format!("{me} is already a registered worker"))
                    .with_hint("add stake with `edgerun worker stake SOL`; see it with `edgerun worker status`"));
            }
            let mut instructions = vec![ix::register_worker(&me)];
            if let Some(amount) = stake {
                ensure_balance(context, &me, amount).await?;
                instructions.push(ix::deposit_stake(&me, amount));
            }
            let receipt = context.client.send(context.keypair()?, &[], &instructions).await.map_err(chain)?;
            (me, Some(receipt.signature.to_string()))
        }
        WorkerCommand::Stake { amount } => {
            registered(context, &me).await?;
            ensure_balance(context, &me, amount).await?;
            let receipt =
                context.client.send(context.keypair()?, &[], &[ix::deposit_stake(&me, amount)]).await.map_err(chain)?;
            (me, Some(receipt.signature.to_string()))
        }
        WorkerCommand::Capacity { concurrent_jobs, instructions_per_second } => {
            registered(context, &me).await?;
            let instruction = ix::set_worker_capacity(&me, concurrent_jobs, instructions_per_second);
            let receipt = context.client.send(context.keypair()?, &[], &[instruction]).await.map_err(chain)?;
            (me, Some(receipt.signature.to_string()))
        }
        WorkerCommand::Unstake { amount } => {
            let stake = registered(context, &me).await?;
            if amount > stake.unlocked_stake() {
                return Err(CliError::failed(
                    "InsufficientUnlockedStake",
                    format!(
                        "only {} of {} is unlocked; {} is held by open jobs",
                        sol(stake.unlocked_stake()),
                        sol(stake.total_stake.get()),
                        sol(stake.locked_stake.get())
                    ),
                )
                .with_hint("withdraw at most the unlocked stake; locks end when their jobs finish"));
            }
            let receipt = context
                .client
                .send(context.keypair()?, &[], &[ix::withdraw_stake(&me, amount)])
                .await
                .map_err(chain)?;
            (me, Some(receipt.signature.to_string()))
        }
    };
    let stake = registered(context, &worker).await?;
    // Judged as the scheduler does: its own failures among the jobs on chain, at the current slot.
    let (jobs, slot) =
        tokio::try_join!(context.client.jobs_of_worker_with_replaced(&worker), context.client.slot()).map_err(chain)?;
    let failures = recent_failures(&jobs, &HashMap::new()).remove(&worker).unwrap_or_default();
    let standing = WorkerStanding::judge(&stake, min_stake, &failures, &policy, slot);
    Output::of(&WorkerReport::new(&worker, standing, &policy, signature))
}

/// The worker's stake account, or how to create it.
async fn registered(context: &Context, worker: &Address) -> Result<WorkerStake, CliError> {
    context.client.worker_stake(worker).await.map_err(|error| context.chain(error))?.ok_or_else(|| {
        CliError::not_found("worker_not_registered", format!("{worker} is not a registered worker"))
            .with_hint("register it with `edgerun worker register [--stake SOL]` signed by its keypair")
    })
}

/// Fails clearly when `payer` cannot cover `amount` (fees come on top).
async fn ensure_balance(context: &Context, payer: &Address, amount: u64) -> Result<(), CliError> {
    let balance = context.client.balance(payer).await.map_err(|error| context.chain(error))?;
    if balance < amount {
        return Err(CliError::failed(
            "insufficient_balance",
            format!("{payer} has {}, less than the {} to deposit", sol(balance), sol(amount)),
        )
        .with_hint("fund the keypair or deposit less"));
    }
    Ok(())
}
