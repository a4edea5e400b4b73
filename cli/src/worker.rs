//! `edgerun worker ...`: what a worker operator does with the keypair the worker signs with:
//! register it, move stake in and out, and read its record.

use clap::Subcommand;
use edgerun::state::WorkerStake;
use edgerun_sdk::{instructions as ix, pda};
use serde::Serialize;
use solana_address::Address;

use crate::amount::{parse_sol, sol};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{fields, Output, Report};

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

#[derive(Serialize)]
pub struct WorkerReport {
    pub worker: String,
    pub stake_account: String,
    pub status: &'static str,
    pub total_stake_lamports: u64,
    pub locked_stake_lamports: u64,
    pub unlocked_stake_lamports: u64,
    pub min_worker_stake_lamports: u64,
    pub eligible: bool,
    pub rewards_earned_lamports: u64,
    pub slashed_lamports: u64,
    pub penalized_lamports: u64,
    pub jobs_assigned: u64,
    pub jobs_won: u64,
    pub jobs_slashed: u64,
    pub jobs_missed: u64,
    /// Executions the worker declared it runs at once (0: not declared).
    pub max_concurrent_jobs: u16,
    /// Wasm instructions per second of one execution, as declared (0: not declared).
    pub instructions_per_second: u64,
    /// The transaction of this command, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl WorkerReport {
    fn new(stake: &WorkerStake, min_worker_stake: u64, signature: Option<String>) -> WorkerReport {
        let active = stake.status == edgerun::state::WORKER_STATUS_ACTIVE;
        WorkerReport {
            worker: stake.worker.to_string(),
            stake_account: pda::worker_stake_address(&stake.worker).to_string(),
            status: if active { "active" } else { "jailed" },
            total_stake_lamports: stake.total_stake.get(),
            locked_stake_lamports: stake.locked_stake.get(),
            unlocked_stake_lamports: stake.unlocked_stake(),
            min_worker_stake_lamports: min_worker_stake,
            eligible: active && stake.unlocked_stake() >= min_worker_stake,
            rewards_earned_lamports: stake.rewards_earned.get(),
            slashed_lamports: stake.slashed_lamports.get(),
            penalized_lamports: stake.penalized_lamports.get(),
            jobs_assigned: stake.jobs_assigned.get(),
            jobs_won: stake.jobs_won.get(),
            jobs_slashed: stake.jobs_slashed.get(),
            jobs_missed: stake.jobs_missed.get(),
            max_concurrent_jobs: stake.max_concurrent_jobs.get(),
            instructions_per_second: stake.instructions_per_second.get(),
            signature,
        }
    }
}

impl Report for WorkerReport {
    fn text(&self) -> String {
        let mut lines = vec![
            ("worker", self.worker.clone()),
            ("status", self.status.to_string()),
            ("stake", sol(self.total_stake_lamports)),
            ("locked", format!("{} (held by open jobs)", sol(self.locked_stake_lamports))),
            ("unlocked", sol(self.unlocked_stake_lamports)),
            (
                "eligible",
                if self.eligible {
                    "yes".to_string()
                } else {
                    format!("no: committees need {} unlocked", sol(self.min_worker_stake_lamports))
                },
            ),
            ("earned", sol(self.rewards_earned_lamports)),
            ("slashed", format!("{} ({} jobs)", sol(self.slashed_lamports), self.jobs_slashed)),
            ("penalized", format!("{} ({} jobs missed)", sol(self.penalized_lamports), self.jobs_missed)),
            ("jobs", format!("{} assigned, {} won, {} missed", self.jobs_assigned, self.jobs_won, self.jobs_missed)),
            (
                "capacity",
                if self.max_concurrent_jobs == 0 {
                    "not declared (`edgerun worker capacity`)".to_string()
                } else {
                    format!(
                        "{} at once, {} instructions/s each",
                        self.max_concurrent_jobs, self.instructions_per_second
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

pub async fn run(context: &Context, command: WorkerCommand) -> Result<Output, CliError> {
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
    Output::of(&WorkerReport::new(&stake, min_stake, signature))
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
