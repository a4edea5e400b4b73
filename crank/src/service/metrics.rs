//! The crank service's Prometheus metrics and health, served at `/metrics` and `/health`
//! ([`super::http`]). One registry per service (tests build their own).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus::core::Collector;
use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Handles to every metric; cloning shares them.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Crank transactions by instruction (`finalize_job`, ...) and outcome: `sent` (confirmed),
    /// `refused` (the program refused it: in simulation, so nothing was sent, or rarely on chain
    /// after a rival's transaction landed first), `failed` (transport, confirmation, fee payer).
    pub actions: IntCounterVec,
    /// Jobs the service follows (every job in a status some crank instruction accepts).
    pub jobs_watched: IntGauge,
    /// Jobs waiting for or in a turn (being read, judged, cranked).
    pub jobs_pending: IntGauge,
    /// The last slot read.
    pub slot: IntGauge,
    /// Reads of the slot that succeeded: the service's heartbeat.
    pub slot_reads: IntCounter,
    /// The fee payer's balance, as of the last reconcile.
    pub payer_balance_lamports: IntGauge,
    /// Account updates received, by source (`websocket`, `poll`).
    pub account_updates: IntCounterVec,
    /// Chain reads that failed after the client's retries, by operation.
    pub rpc_errors: IntCounterVec,
    /// Turns put off because the job was at its committee's own step, within the committee's
    /// grace (`ServiceConfig::committee_grace_slots`): no read, no transaction.
    pub committee_grace: IntCounter,
    /// When the slot was last read, for `/health`.
    last_slot_read: Arc<Mutex<Option<Instant>>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = edgerun_service::metrics::registry("edgerun_crank");
        let actions = IntCounterVec::new(
            Opts::new("actions_total", "Crank transactions by instruction and outcome"),
            &["instruction", "outcome"],
        )
        .expect("valid metric");
        let jobs_watched =
            IntGauge::new("jobs_watched", "Jobs in a status some crank instruction accepts").expect("valid metric");
        let jobs_pending = IntGauge::new("jobs_pending", "Jobs waiting for or in a turn").expect("valid metric");
        let slot = IntGauge::new("slot", "The last slot read").expect("valid metric");
        let slot_reads = IntCounter::new("slot_reads_total", "Successful reads of the slot").expect("valid metric");
        let payer_balance_lamports =
            IntGauge::new("payer_balance_lamports", "The fee payer's balance at the last reconcile")
                .expect("valid metric");
        let account_updates =
            IntCounterVec::new(Opts::new("account_updates_total", "Account updates by source"), &["source"])
                .expect("valid metric");
        let rpc_errors =
            IntCounterVec::new(Opts::new("rpc_errors_total", "Chain reads failed after retries"), &["operation"])
                .expect("valid metric");
        let committee_grace = IntCounter::new(
            "committee_grace_total",
            "Turns put off while the job was at its committee's own step, within the committee's grace",
        )
        .expect("valid metric");
        edgerun_service::metrics::register(
            &registry,
            [
                Box::new(actions.clone()) as Box<dyn Collector>,
                Box::new(jobs_watched.clone()),
                Box::new(jobs_pending.clone()),
                Box::new(slot.clone()),
                Box::new(slot_reads.clone()),
                Box::new(payer_balance_lamports.clone()),
                Box::new(account_updates.clone()),
                Box::new(rpc_errors.clone()),
                Box::new(committee_grace.clone()),
            ],
        );
        Metrics {
            registry,
            actions,
            jobs_watched,
            jobs_pending,
            slot,
            slot_reads,
            payer_balance_lamports,
            account_updates,
            rpc_errors,
            committee_grace,
            last_slot_read: Arc::new(Mutex::new(None)),
        }
    }

    /// Records a successful read of `slot`.
    pub fn slot_read(&self, slot: u64) {
        self.slot.set(i64::try_from(slot).unwrap_or(i64::MAX));
        self.slot_reads.inc();
        *self.last_slot_read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }

    /// How long ago the slot was last read; `None` before the first read.
    pub fn since_last_slot_read(&self) -> Option<Duration> {
        self.last_slot_read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).map(|at| at.elapsed())
    }

    /// Sent, refused or failed transactions of `instruction` so far.
    pub fn action_count(&self, instruction: &str, outcome: &str) -> u64 {
        self.actions.with_label_values(&[instruction, outcome]).get()
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
