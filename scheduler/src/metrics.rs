//! The scheduler's Prometheus metrics, served at `/metrics`. One registry per process (tests
//! build their own), handed to the engine and the API.

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Jobs on chain by stage (`posted`, `seeded`, `assigned`, `awaiting_da`, `finalized`,
    /// `cancelled`), as of the last reconcile.
    pub jobs: IntGaugeVec,
    /// Slots from a job's `post_job` (its `created_slot`) to its assignment.
    pub assignment_slots: Histogram,
    /// Jobs seeded and/or assigned per assignment transaction sent (several per transaction
    /// when they wait together).
    pub assignment_batch_jobs: Histogram,
    /// RPC calls that failed after the client's retries, by operation.
    pub rpc_errors: IntCounterVec,
    /// Transactions by instruction and outcome (`sent`, `refused`: simulation said no, nothing
    /// was sent; `failed`: transport or confirmation).
    pub transactions: IntCounterVec,
    /// HTTP requests by route and status code.
    pub http_requests: IntCounterVec,
    /// Bundle checks before assignment, by verdict.
    pub bundle_checks: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = edgerun_service::metrics::registry("edgerun_scheduler");
        let jobs = IntGaugeVec::new(Opts::new("jobs", "Jobs on chain by stage"), &["stage"]).expect("valid metric");
        let assignment_slots = Histogram::with_opts(
            HistogramOpts::new("assignment_slots", "Slots from post_job to assignment")
                .buckets(vec![1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0, 144.0]),
        )
        .expect("valid metric");
        let assignment_batch_jobs = Histogram::with_opts(
            HistogramOpts::new("assignment_batch_jobs", "Jobs per assignment transaction sent")
                .buckets(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]),
        )
        .expect("valid metric");
        let rpc_errors =
            IntCounterVec::new(Opts::new("rpc_errors_total", "RPC calls failed after retries"), &["operation"])
                .expect("valid metric");
        let transactions = IntCounterVec::new(
            Opts::new("transactions_total", "Transactions by instruction and outcome"),
            &["instruction", "outcome"],
        )
        .expect("valid metric");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["route", "status"],
        )
        .expect("valid metric");
        let bundle_checks = IntCounterVec::new(
            Opts::new(
                "bundle_checks_total",
                "Posted jobs' bundles fetched and checked before assignment, by verdict (passed, refused)",
            ),
            &["verdict"],
        )
        .expect("valid metric");
        for verdict in ["passed", "refused"] {
            bundle_checks.with_label_values(&[verdict]);
        }
        edgerun_service::metrics::register(
            &registry,
            [
                Box::new(jobs.clone()) as Box<dyn Collector>,
                Box::new(bundle_checks.clone()),
                Box::new(assignment_slots.clone()),
                Box::new(assignment_batch_jobs.clone()),
                Box::new(rpc_errors.clone()),
                Box::new(transactions.clone()),
                Box::new(http_requests.clone()),
            ],
        );
        Metrics {
            registry,
            jobs,
            assignment_slots,
            assignment_batch_jobs,
            rpc_errors,
            transactions,
            http_requests,
            bundle_checks,
        }
    }

    /// Sets the `jobs` gauge from every job on chain.
    pub fn observe_jobs(&self, jobs: &[(solana_address::Address, edgerun::state::Job)]) {
        let mut counts = std::collections::BTreeMap::new();
        for status in edgerun::state::JobStatus::ALL {
            counts.insert(edgerun_crank::view::status_label(status), 0i64);
        }
        for (_, job) in jobs {
            *counts.entry(edgerun_crank::view::status_name(job)).or_default() += 1;
        }
        for (stage, count) in counts {
            self.jobs.with_label_values(&[stage]).set(count);
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
