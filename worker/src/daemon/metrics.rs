//! The daemon's Prometheus metrics, served at `/metrics` with the prefix `edgerun_worker_`.
//!
//! Two kinds: what this process did since it started (counters: executions, fuel, submissions,
//! skips, settlements), and the worker's lifetime record as the chain keeps it in its
//! WorkerStake account (gauges, refreshed at every reconcile: jobs assigned/won/slashed/missed
//! and lamports earned, slashed, penalized, staked, locked). The chain's record survives restarts
//! and is the one that counts for money; the counters explain what this process is doing.

use edgerun_sdk::edgerun::state::WorkerStake;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Executions finished, by `result` (`output`, `error`: the guest failed; both are results).
    pub jobs_run: IntCounterVec,
    /// Fuel (instructions) used by those executions.
    pub fuel_used: IntCounter,
    /// Seconds per execution (the runtime only, not the download).
    pub execution_seconds: Histogram,
    /// Results submitted on chain by this process.
    pub jobs_submitted: IntCounter,
    /// Jobs not run or not submitted this time, by `reason` (`storage`, `chain`, `busy`, `runtime`,
    /// `bundle`, `refused`, `deadline`, ...); retryable ones are tried again with backoff.
    pub jobs_skipped: IntCounterVec,
    /// Settlement transactions sent by this process, by `step` (`reach_quorum`, `declare`,
    /// `finalize`).
    pub settlements: IntCounterVec,
    /// Jobs being worked on right now.
    pub jobs_in_flight: IntGauge,
    /// The worker's record on chain, by `outcome` (`assigned`, `won`, `slashed`, `missed`).
    pub chain_jobs: IntGaugeVec,
    /// The worker's lamports on chain, by `kind` (`earned`: lifetime rewards, `slashed`,
    /// `penalized`, `stake`: total, `locked`).
    pub chain_lamports: IntGaugeVec,
    /// The slot of the last successful reconcile.
    pub reconciled_slot: IntGauge,
    /// The wallet's balance (it pays the fees) at the last reconcile.
    pub wallet_lamports: IntGauge,
    /// 1 while the wallet cannot pay the next transactions' fees (nothing is sent).
    pub wallet_short: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = edgerun_service::metrics::registry("edgerun_worker");
        let jobs_run = IntCounterVec::new(Opts::new("jobs_run_total", "Executions finished, by result"), &["result"])
            .expect("valid");
        let fuel_used = IntCounter::new("fuel_used_total", "Fuel used by executions").expect("valid");
        let execution_seconds = Histogram::with_opts(
            HistogramOpts::new("execution_seconds", "Seconds per execution")
                .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0]),
        )
        .expect("valid");
        let jobs_submitted = IntCounter::new("jobs_submitted_total", "Results submitted on chain").expect("valid");
        let jobs_skipped =
            IntCounterVec::new(Opts::new("jobs_skipped_total", "Jobs skipped this time, by reason"), &["reason"])
                .expect("valid");
        let settlements =
            IntCounterVec::new(Opts::new("settlements_total", "Settlement steps sent, by step"), &["step"])
                .expect("valid");
        let jobs_in_flight = IntGauge::new("jobs_in_flight", "Jobs being worked on").expect("valid");
        let chain_jobs =
            IntGaugeVec::new(Opts::new("chain_jobs", "The worker's jobs on chain, by outcome"), &["outcome"])
                .expect("valid");
        let chain_lamports =
            IntGaugeVec::new(Opts::new("chain_lamports", "The worker's lamports on chain, by kind"), &["kind"])
                .expect("valid");
        let reconciled_slot = IntGauge::new("reconciled_slot", "Slot of the last successful reconcile").expect("valid");
        let wallet_lamports =
            IntGauge::new("wallet_lamports", "The wallet's balance (it pays the fees) at the last reconcile")
                .expect("valid");
        let wallet_short = IntGauge::new(
            "wallet_short",
            "1 while the wallet cannot pay the next transactions' fees (the daemon sends nothing)",
        )
        .expect("valid");
        edgerun_service::metrics::register(
            &registry,
            [
                Box::new(jobs_run.clone()) as Box<dyn prometheus::core::Collector>,
                Box::new(fuel_used.clone()),
                Box::new(execution_seconds.clone()),
                Box::new(jobs_submitted.clone()),
                Box::new(jobs_skipped.clone()),
                Box::new(settlements.clone()),
                Box::new(jobs_in_flight.clone()),
                Box::new(chain_jobs.clone()),
                Box::new(chain_lamports.clone()),
                Box::new(reconciled_slot.clone()),
                Box::new(wallet_lamports.clone()),
                Box::new(wallet_short.clone()),
            ],
        );
        // Labels known in advance are shown at zero from the start.
        for result in ["output", "error", "input_unavailable"] {
            jobs_run.with_label_values(&[result]);
        }
        for step in ["reach_quorum", "declare", "finalize", "settle_input_unavailable"] {
            settlements.with_label_values(&[step]);
        }
        Metrics {
            registry,
            jobs_run,
            fuel_used,
            execution_seconds,
            jobs_submitted,
            jobs_skipped,
            settlements,
            jobs_in_flight,
            chain_jobs,
            chain_lamports,
            reconciled_slot,
            wallet_lamports,
            wallet_short,
        }
    }

    /// Records the worker's WorkerStake account.
    pub fn record_stake(&self, stake: &WorkerStake) {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        for (outcome, value) in [
            ("assigned", stake.jobs_assigned.get()),
            ("won", stake.jobs_won.get()),
            ("slashed", stake.jobs_slashed.get()),
            ("missed", stake.jobs_missed.get()),
        ] {
            self.chain_jobs.with_label_values(&[outcome]).set(gauge(value));
        }
        for (kind, value) in [
            ("earned", stake.rewards_earned.get()),
            ("slashed", stake.slashed_lamports.get()),
            ("penalized", stake.penalized_lamports.get()),
            ("stake", stake.total_stake.get()),
            ("locked", stake.locked_stake.get()),
        ] {
            self.chain_lamports.with_label_values(&[kind]).set(gauge(value));
        }
    }

    /// The registry behind `/metrics`, for collectors kept elsewhere (the chain client's
    /// `RpcCalls::register`).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
