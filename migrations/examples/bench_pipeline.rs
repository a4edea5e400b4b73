//! The pipeline benchmark: N jobs through the whole network of processes, submitted as fast as
//! the customer can sign and send them. Run by `scripts/bench-pipeline.sh` (which builds the
//! binaries first); alone:
//!
//! ```text
//! cargo run -p edgerun-migrations --example bench_pipeline -- --jobs 200 --slot-time-ms 400
//! ```
//!
//! Starts `edgerun-network` in this process's supervision (validator, gateway, scheduler, three
//! workers, crank: each its own process), posts every job at once (at most `--in-flight`
//! `post_job`s unconfirmed), follows them to their end, and prints a Markdown report: throughput, latency from
//! submit to finalize (ms and slots), where the slots go (stage by stage), the transactions on a
//! job's critical path, compute units and lamports per job (read from the job's confirmed
//! transactions), each service's RPC requests per job by method, the crank's transactions per
//! job by instruction and outcome (what it did besides the committees), each process's CPU
//! seconds per job, and two ceilings: the cluster's compute budget (CU per block ÷ CU per job)
//! and this machine's, measured in the same run once the jobs are done (plain transfers a second
//! the validator confirms, ÷ transactions per job).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use edgerun::state::{Job, JobStatus};
use edgerun_migrations::bench::percentile;
use edgerun_migrations::demo::{DEMO_INPUT, DEMO_LIMITS};
use edgerun_migrations::network::{Network, NetworkConfig};
use edgerun_sdk::bundle::{bundle_hash, Bundle};
use edgerun_sdk::client::{
    ChainIndex, ClientConfig, EdgerunClient, IndexConfig, IndexEvent, RpcBackend, RpcConfig, SubscriptionConfig,
};
use edgerun_sdk::storage::StorageClient;
use edgerun_sdk::submission;
use edgerun_sdk::{instructions as ix, pda};
use futures::StreamExt;
use solana_client::rpc_config::RpcTransactionConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::UiTransactionEncoding;

/// Solana's block compute limit (SIMD-0256 raised it from 48M to 60M in 2025).
const BLOCK_COMPUTE_LIMIT: u64 = 60_000_000;

#[derive(Parser)]
struct Args {
    /// Burst mode: this many jobs posted at once (ignored with --rate).
    #[arg(long, default_value_t = 200)]
    jobs: usize,
    /// Sustained mode: jobs posted per second, for --duration.
    #[arg(long, requires = "duration")]
    rate: Option<f64>,
    /// Sustained mode: seconds of posting at --rate.
    #[arg(long, requires = "rate")]
    duration: Option<f64>,
    #[arg(long, default_value_t = 400)]
    slot_time_ms: u64,
    #[arg(long, default_value_t = 3)]
    workers: usize,
    /// Jobs whose transactions are read for compute units and fees.
    #[arg(long, default_value_t = 10)]
    sample: usize,
    /// `post_job`s the customer keeps in flight (sent, not yet confirmed).
    #[arg(long, default_value_t = 256)]
    in_flight: usize,
    /// Seconds of plain transfers sent after the jobs, to measure what the validator confirms on
    /// this machine (0: skip).
    #[arg(long, default_value_t = 10.0)]
    ceiling_seconds: f64,
    /// The network's job retention, in slots (default: the local network's 3,000): short, the
    /// crank closes jobs during the run, and the validator deletes their accounts.
    #[arg(long, value_name = "SLOTS")]
    job_retention_slots: Option<u64>,
}

/// CPU seconds (user + system) each process has used, by name, from `/proc/<pid>/stat`.
fn cpu_seconds(processes: &[(String, u32)]) -> HashMap<String, f64> {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    processes
        .iter()
        .filter_map(|(name, pid)| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the command name (which is in parentheses and may hold spaces).
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((name.clone(), (user + system) / ticks))
        })
        .collect()
}

/// Plain transfers the validator confirms a second on this machine: 32 payers send 1-lamport
/// transfers (no preflight, a fresh blockhash every second), at most [`TRANSFERS_IN_FLIGHT`]
/// unconfirmed at once (far more than a slot confirms, so the validator, not this window, is the
/// limit), for `seconds`; confirmations counted by `getSignatureStatuses`.
const TRANSFERS_IN_FLIGHT: usize = 4_096;

async fn transfer_ceiling(client: &EdgerunClient<RpcBackend>, seconds: f64) -> anyhow::Result<f64> {
    use solana_client::rpc_config::RpcSendTransactionConfig;
    let rpc = client.backend().rpc_client();
    let payers: Vec<Keypair> = (0..32).map(|_| Keypair::new()).collect();
    for payer in &payers {
        client.request_airdrop(&payer.pubkey(), 1_000_000_000).await?;
    }
    // The recipient exists (rent-exempt) first: a 1-lamport transfer creating it would be refused.
    let target = Keypair::new().pubkey();
    client.request_airdrop(&target, 1_000_000_000).await?;
    let send_config = RpcSendTransactionConfig { skip_preflight: true, ..RpcSendTransactionConfig::default() };
    let window = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut blockhash = rpc.get_latest_blockhash().await?;
    let mut blockhash_at = Instant::now();
    let mut pending: Vec<solana_signature::Signature> = Vec::new();
    let mut confirmed = 0u64;
    let mut failed = 0u64;
    let mut sent = 0u64;
    while started.elapsed() < window {
        if blockhash_at.elapsed() > Duration::from_secs(1) {
            blockhash = rpc.get_latest_blockhash().await?;
            blockhash_at = Instant::now();
        }
        let mut batch = Vec::new();
        while pending.len() + batch.len() < TRANSFERS_IN_FLIGHT && batch.len() < 512 {
            let payer = &payers[(sent as usize) % payers.len()];
            // A distinct amount per transfer keeps every signature distinct under one blockhash.
            let transfer = solana_system_interface::instruction::transfer(&payer.pubkey(), &target, 1 + sent);
            batch.push(solana_transaction::Transaction::new_signed_with_payer(
                &[transfer],
                Some(&payer.pubkey()),
                &[payer],
                blockhash,
            ));
            sent += 1;
        }
        // 64 requests at once: the node's HTTP server, not this process's connections, is measured.
        let signatures: Vec<_> = futures::stream::iter(batch)
            .map(|transaction| async move { rpc.send_transaction_with_config(&transaction, send_config).await })
            .buffer_unordered(64)
            .collect()
            .await;
        pending.extend(signatures.into_iter().filter_map(Result::ok));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut still = Vec::with_capacity(pending.len());
        for chunk in pending.chunks(256) {
            let statuses = rpc.get_signature_statuses(chunk).await?.value;
            for (signature, status) in chunk.iter().zip(statuses) {
                match status {
                    Some(status) if status.err.is_none() => confirmed += 1,
                    Some(_) => failed += 1,
                    None => still.push(*signature),
                }
            }
        }
        pending = still;
    }
    anyhow::ensure!(failed == 0 || confirmed > 0, "every measured transfer failed ({failed})");
    Ok(confirmed as f64 / started.elapsed().as_secs_f64())
}

struct Timing {
    submitted: Instant,
    /// When the customer's client saw its `post_job` confirmed.
    posted: Option<Instant>,
    ended: Option<Instant>,
    job: Option<Job>,
}

/// One row of the report: the median and 99th percentile of `values`, in `unit`.
fn print_p50_p99(measure: &str, unit: &str, values: &mut [f64]) {
    println!("| {measure}, p50 / p99 | {:.0} / {:.0} {unit} |", percentile(values, 0.5), percentile(values, 0.99));
}

/// Waits for the next of: the pace's tick (`tick`, when given), one of the customer's posts
/// confirmed, an index event; records the last two (now). True on a tick. The posts in flight
/// progress only while this polls them, so every wait of the run goes through here.
async fn next_tick_post_or_end<P: Future<Output = anyhow::Result<[u8; 32]>>>(
    tick: Option<&mut tokio::time::Interval>,
    posting: &mut futures::stream::FuturesUnordered<P>,
    events: &mut tokio::sync::broadcast::Receiver<IndexEvent>,
    followed: &mut Following<'_>,
) -> anyhow::Result<bool> {
    let ticking = tick.is_some();
    let tick = async {
        match tick {
            Some(tick) => {
                tick.tick().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tick, if ticking => return Ok(true),
        posted = posting.next(), if !posting.is_empty() => {
            if let Some(job_id) = posted.transpose()? {
                if let Some(timing) = followed.timings.get_mut(&job_id) {
                    timing.posted = Some(Instant::now());
                }
            }
        }
        event = events.recv(), if followed.index_open => followed.record_ends(event).await?,
        else => anyhow::bail!("nothing to wait for: no pace, no post in flight, the index stopped"),
    }
    Ok(false)
}

/// The jobs posted and what is known of each, followed from the index's events.
struct Following<'a> {
    timings: HashMap<[u8; 32], Timing>,
    index: &'a ChainIndex,
    client: &'a EdgerunClient<RpcBackend>,
    /// When a job last ended.
    last_progress: Instant,
    /// False once the index stopped sending events.
    index_open: bool,
}

impl Following<'_> {
    /// Records the jobs an index event says ended (now).
    async fn record_ends(
        &mut self,
        event: Result<IndexEvent, tokio::sync::broadcast::error::RecvError>,
    ) -> anyhow::Result<()> {
        let ended = match event {
            Ok(IndexEvent::JobLeft { last: Some(job), .. }) => vec![*job],
            // Events missed: the jobs that left the index meanwhile are read once by address.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                let gone: Vec<[u8; 32]> = self
                    .timings
                    .iter()
                    .filter(|(job_id, timing)| timing.ended.is_none() && self.index.job_by_id(job_id).is_none())
                    .map(|(job_id, _)| *job_id)
                    .collect();
                let mut ended = Vec::new();
                for job_id in gone {
                    if let Some(job) = self.client.job(&job_id).await? {
                        ended.push(job);
                    }
                }
                ended
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                self.index_open = false;
                Vec::new()
            }
            Ok(_) => Vec::new(),
        };
        for job in ended {
            let Some(timing) = self.timings.get_mut(&job.job_id) else { continue };
            if timing.ended.is_none() && matches!(job.status(), Ok(JobStatus::Finalized | JobStatus::Cancelled)) {
                timing.ended = Some(Instant::now());
                timing.job = Some(job);
                self.last_progress = Instant::now();
            }
        }
        Ok(())
    }
}

/// What every service's `/metrics` said at one moment, by service name (a service that does not
/// answer is left out).
struct Scrape(std::collections::BTreeMap<String, String>);

impl Scrape {
    async fn of(services: &[(String, String)]) -> Scrape {
        let http = reqwest::Client::new();
        let mut texts = std::collections::BTreeMap::new();
        for (service, url) in services {
            let Ok(response) = http.get(format!("{url}/metrics")).send().await else { continue };
            let Ok(text) = response.text().await else { continue };
            texts.insert(service.clone(), text);
        }
        Scrape(texts)
    }

    /// Each service's `*_rpc_requests_total{method}` counters, by service name.
    fn rpc_requests(&self) -> std::collections::BTreeMap<String, HashMap<String, u64>> {
        let mut counts = std::collections::BTreeMap::new();
        for (service, text) in &self.0 {
            let methods: HashMap<String, u64> = text
                .lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| {
                    let (_, rest) = line.split_once("rpc_requests_total{method=\"")?;
                    let (method, value) = rest.split_once("\"} ")?;
                    Some((method.to_string(), value.trim().parse::<f64>().ok()? as u64))
                })
                .collect();
            if !methods.is_empty() {
                counts.insert(service.clone(), methods);
            }
        }
        counts
    }

    /// The crank's `edgerun_crank_actions_total{instruction, outcome}` counters, by
    /// (instruction, outcome): what the crank did besides the committees.
    fn crank_actions(&self) -> HashMap<(String, String), u64> {
        let Some(text) = self.0.get("crank") else { return HashMap::new() };
        text.lines()
            .filter_map(|line| {
                let (_, rest) = line.split_once("edgerun_crank_actions_total{instruction=\"")?;
                let (instruction, rest) = rest.split_once("\",outcome=\"")?;
                let (outcome, value) = rest.split_once("\"} ")?;
                Some(((instruction.to_string(), outcome.to_string()), value.trim().parse::<f64>().ok()? as u64))
            })
            .collect()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let exe = std::env::current_exe()?;
    // target/debug/examples/bench_pipeline → target/debug
    let bin_dir = exe.parent().and_then(|dir| dir.parent()).context("no target folder")?.to_path_buf();
    let state = tempfile::tempdir()?;
    let port = || edgerun_migrations::localnet::free_port("127.0.0.1");
    let config = NetworkConfig {
        bin_dir,
        state_dir: state.path().to_path_buf(),
        program: edgerun_migrations::default_program_path(),
        rpc_port: port()?,
        ws_port: port()?,
        storage_port: port()?,
        api_port: port()?,
        workers: args.workers,
        worker_stake_sol: 1_000,
        slot_time_ms: args.slot_time_ms,
        demo: None,
        validator_args: args
            .job_retention_slots
            .map(|slots| format!("--job-retention-slots={slots}"))
            .into_iter()
            .collect(),
    };
    let mut network = Network::start(&config).await?;
    let result = run(&args, &network).await;
    network.stop().await;
    result
}

async fn run(args: &Args, network: &Network) -> anyhow::Result<()> {
    let summary = &network.summary;
    let backend = RpcBackend::new(summary.rpc_url.clone(), RpcConfig::default());
    let client = Arc::new(EdgerunClient::new(backend, ClientConfig::default()));
    let guest = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/guests/json_redact.wasm"))
        .context("build the guests first: bash scripts/build-guests.sh")?;
    let bundle = Bundle {
        runtime_id: edgerun_worker::runtime_id(),
        wasm: guest,
        input: DEMO_INPUT.as_bytes().to_vec(),
        limits: DEMO_LIMITS,
        meta: None,
        args: Vec::new(),
    };
    let bytes = bundle.encode()?;
    let hash = bundle_hash(&bytes);
    StorageClient::new(&summary.storage_url)?.put_bundle(bytes).await?;
    let customer = Arc::new(Keypair::new());
    let escrow = 50_000_000u64;
    // Escrow, the rent of the job's accounts (about 16.9M lamports for a committee of 3) and fees.
    let planned = match (args.rate, args.duration) {
        (Some(rate), Some(duration)) => (rate * duration).round().max(1.0) as u64,
        _ => args.jobs as u64,
    };
    let needed = (escrow + 20_000_000) * planned + 1_000_000_000;
    let mut funded = 0;
    while funded < needed {
        let chunk = (needed - funded).min(500_000_000_000);
        client.request_airdrop(&customer.pubkey(), chunk).await?;
        funded += chunk;
    }

    // The bench follows the jobs the way the services do: the chain index (one subscription), so
    // that its own reads do not load the validator it measures.
    let following = tokio_util::sync::CancellationToken::new();
    let index = ChainIndex::start(
        (*client).clone(),
        IndexConfig {
            subscription: SubscriptionConfig { ws_url: Some(summary.ws_url.clone()), ..SubscriptionConfig::default() },
            ..IndexConfig::default()
        },
        following.clone(),
    )
    .await;
    let mut events = index.events();

    // Burst: every job at once, as fast as the customer signs and the node takes them.
    // Sustained: `rate` jobs a second for `duration` seconds.
    let (count, pace) = match (args.rate, args.duration) {
        (Some(rate), Some(duration)) if rate > 0.0 => {
            ((rate * duration).round().max(1.0) as usize, Some(Duration::from_secs_f64(1.0 / rate)))
        }
        _ => (args.jobs, None),
    };
    let scraped = Scrape::of(&summary.metrics).await;
    let (rpc_before, crank_before) = (scraped.rpc_requests(), scraped.crank_actions());
    let cpu_before = cpu_seconds(&summary.processes);
    let customer_before = client.balance(&customer.pubkey()).await?;
    let started = Instant::now();
    let start_slot = client.slot().await?;
    let mut ticks = pace.map(|pace| {
        let mut ticks = tokio::time::interval(pace);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        ticks
    });
    let mut posting = futures::stream::FuturesUnordered::new();
    // Ends are recorded as the index tells them, while posting too (a sustained run posts for
    // its whole duration): a job's latency is from its post to the moment its end was seen.
    let mut followed = Following {
        timings: HashMap::new(),
        index: &index,
        client: &client,
        last_progress: Instant::now(),
        index_open: true,
    };
    for nonce in 0..count as u64 {
        if let Some(ticks) = ticks.as_mut() {
            while !next_tick_post_or_end(Some(&mut *ticks), &mut posting, &mut events, &mut followed).await? {}
        }
        while posting.len() >= args.in_flight.max(1) {
            next_tick_post_or_end(None, &mut posting, &mut events, &mut followed).await?;
        }
        let post = submission::post_job_args(&customer.pubkey(), hash, bundle.runtime_id, DEMO_LIMITS, escrow, nonce);
        let (client, customer) = (Arc::clone(&client), Arc::clone(&customer));
        let job_id = post.job_id;
        followed.timings.insert(job_id, Timing { submitted: Instant::now(), posted: None, ended: None, job: None });
        posting.push(async move {
            client
                .send(&customer, &[], &[ix::post_job(&customer.pubkey(), post)])
                .await
                .map(|_| job_id)
                .context("post_job")
        });
    }
    while !posting.is_empty() {
        next_tick_post_or_end(None, &mut posting, &mut events, &mut followed).await?;
    }
    let posted_in = started.elapsed();
    // What posting took from the customer, per job: escrow, the rent of the job's accounts
    // (its rent reserve included) and the fee. All but the escrow and the fee comes back at close.
    let capital = customer_before.saturating_sub(client.balance(&customer.pubkey()).await?) / count.max(1) as u64;

    // Follow every job to its end from the index's events; a network that stops making progress
    // for a minute is reported as it stands.
    followed.last_progress = Instant::now();
    while followed.index_open
        && followed.timings.values().any(|timing| timing.ended.is_none())
        && followed.last_progress.elapsed() < Duration::from_secs(60)
    {
        if let Ok(event) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await {
            followed.record_ends(event).await?;
        }
    }
    let timings = followed.timings;
    let mut open: HashMap<&'static str, usize> = HashMap::new();
    for (job_id, timing) in &timings {
        if timing.ended.is_none() {
            let status = index.job_by_id(job_id).map_or("unknown", |job| edgerun_crank::view::status_name(&job));
            *open.entry(status).or_default() += 1;
        }
    }
    following.cancel();
    let last_end = timings.values().filter_map(|timing| timing.ended).max().context("no job")?;
    let elapsed = last_end.duration_since(started).as_secs_f64();
    let jobs: Vec<&Job> = timings.values().filter_map(|timing| timing.job.as_ref()).collect();
    let finalized = jobs.iter().filter(|job| job.status() == Ok(JobStatus::Finalized)).count();
    let cancelled = jobs.iter().filter(|job| job.status() == Ok(JobStatus::Cancelled)).count();
    let finished: Vec<&Job> = jobs.iter().copied().filter(|job| job.status() == Ok(JobStatus::Finalized)).collect();
    let end_slot = jobs.iter().map(|job| job.ended_slot.get()).max().unwrap_or(start_slot);
    // Milliseconds between two moments of each finalized job.
    let between = |from: &dyn Fn(&Timing) -> Option<Instant>, to: &dyn Fn(&Timing) -> Option<Instant>| -> Vec<f64> {
        timings
            .values()
            .filter(|timing| timing.job.as_ref().is_some_and(|job| job.status() == Ok(JobStatus::Finalized)))
            .filter_map(|timing| Some(to(timing)?.saturating_duration_since(from(timing)?).as_secs_f64() * 1000.0))
            .collect()
    };
    let mut latency_ms = between(&|timing| Some(timing.submitted), &|timing| timing.ended);
    // The same, split at the customer's confirmation of its post.
    let mut to_posted = between(&|timing| Some(timing.submitted), &|timing| timing.posted);
    let mut posted_to_end = between(&|timing| timing.posted, &|timing| timing.ended);
    // Latencies and stages of the finalized jobs.
    let slots = |f: &dyn Fn(&Job) -> u64| -> Vec<f64> { finished.iter().map(|job| f(job) as f64).collect() };
    let mut latency_slots = slots(&|job| job.ended_slot.get().saturating_sub(job.created_slot.get()));
    let mut to_assign = slots(&|job| job.assigned_slot.get().saturating_sub(job.created_slot.get()));
    let mut to_quorum = slots(&|job| job.quorum_reached_slot.get().saturating_sub(job.assigned_slot.get()));
    let mut to_final = slots(&|job| job.ended_slot.get().saturating_sub(job.quorum_reached_slot.get()));

    // The services' requests and every process's CPU end here: what follows is this bench's own
    // reading (a sample's transactions, the transfer ceiling), which the validator serves too
    // (`getSignaturesForAddress` looks through its whole transaction history).
    let scraped = Scrape::of(&summary.metrics).await;
    let (rpc_after, crank_after) = (scraped.rpc_requests(), scraped.crank_actions());
    let cpu_after = cpu_seconds(&summary.processes);

    // Compute units and fees: every confirmed transaction that touched a sample of jobs.
    let rpc = client.backend().rpc_client();
    let mut units = Vec::new();
    let mut fees = Vec::new();
    let mut transactions = Vec::new();
    for job in finished.iter().take(args.sample) {
        let signatures = rpc.get_signatures_for_address(&pda::job_address(&job.job_id)).await?;
        let (mut job_units, mut job_fees) = (0u64, 0u64);
        for signature in &signatures {
            let config = RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Json),
                commitment: None,
                max_supported_transaction_version: Some(0),
            };
            let transaction = rpc.get_transaction_with_config(&signature.signature.parse()?, config).await?;
            if let Some(meta) = transaction.transaction.meta {
                job_fees += meta.fee;
                if let OptionSerializer::Some(consumed) = meta.compute_units_consumed {
                    job_units += consumed;
                }
            }
        }
        units.push(job_units as f64);
        fees.push(job_fees as f64);
        transactions.push(signatures.len() as f64);
    }
    let ceiling =
        if args.ceiling_seconds > 0.0 { Some(transfer_ceiling(&client, args.ceiling_seconds).await?) } else { None };

    let count_jobs = count;
    let units_per_job = percentile(&mut units, 0.5);
    let slot_seconds = args.slot_time_ms as f64 / 1000.0;
    println!("| measure | value |");
    println!("|---|---|");
    println!("| slot time | {} ms |", args.slot_time_ms);
    match pace {
        Some(pace) => println!(
            "| mode | sustained: {count} jobs, one every {:.0} ms ({:.1} jobs/s offered) |",
            pace.as_secs_f64() * 1000.0,
            1.0 / pace.as_secs_f64()
        ),
        None => println!("| mode | burst: {count} jobs at once |"),
    }
    let mut still_open: Vec<String> = open.iter().map(|(status, count)| format!("{count} {status}")).collect();
    still_open.sort();
    println!(
        "| jobs: finalized / cancelled (refunded) / still open after a minute without progress | {finalized} / {cancelled} / {} |",
        if still_open.is_empty() { "0".to_string() } else { still_open.join(", ") }
    );
    println!("| all posted (customer's sends confirmed) in | {:.1} s |", posted_in.as_secs_f64());
    println!(
        "| throughput: finalized jobs ÷ (first post to last job ended) | {:.2} jobs/s ({:.1} s, {} slots) |",
        finalized as f64 / elapsed,
        elapsed,
        end_slot.saturating_sub(start_slot)
    );
    print_p50_p99("latency submit → finalized seen", "ms", &mut latency_ms);
    print_p50_p99("… submit → post_job confirmed to the customer", "ms", &mut to_posted);
    print_p50_p99("… post_job confirmed → finalized seen", "ms", &mut posted_to_end);
    print_p50_p99("latency post → finalize", "slots", &mut latency_slots);
    print_p50_p99("post → assigned", "slots", &mut to_assign);
    print_p50_p99("assigned → quorum", "slots", &mut to_quorum);
    print_p50_p99("quorum → finalized", "slots", &mut to_final);
    println!(
        "| transactions per job (sample of {}), median | {:.0} |",
        units.len(),
        percentile(&mut transactions, 0.5)
    );
    println!("| compute units per job, median | {units_per_job:.0} |");
    println!("| fees per job, median | {:.0} lamports |", percentile(&mut fees, 0.5));
    println!(
        "| customer capital per job at posting: escrow + rent deposit + fee | {capital} lamports (escrow {escrow}, the rest back at close_job) |"
    );
    // Requests every service sent to the validator during the run, per job posted.
    let per_job = |count: u64| count as f64 / count_jobs.max(1) as f64;
    let mut total = 0;
    let mut program_accounts = 0;
    for (service, after) in &rpc_after {
        let before = rpc_before.get(service);
        let mut methods: Vec<(String, u64)> = after
            .iter()
            .map(|(method, count)| {
                (
                    method.clone(),
                    count.saturating_sub(before.and_then(|before| before.get(method)).copied().unwrap_or(0)),
                )
            })
            .filter(|(_, count)| *count > 0)
            .collect();
        methods.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        let sum: u64 = methods.iter().map(|(_, count)| count).sum();
        total += sum;
        program_accounts +=
            methods.iter().filter(|(method, _)| method == "getProgramAccounts").map(|(_, c)| c).sum::<u64>();
        let detail: Vec<String> =
            methods.iter().map(|(method, count)| format!("{method} {:.2}", per_job(*count))).collect();
        println!("| RPC requests per job: {service} | {:.2} ({}) |", per_job(sum), detail.join(", "));
    }
    println!(
        "| RPC requests per job: all services / getProgramAccounts | {:.2} / {:.2} |",
        per_job(total),
        per_job(program_accounts)
    );
    let mut cranked: Vec<String> = crank_after
        .iter()
        .filter(|((_, outcome), _)| outcome != "failed")
        .filter_map(|(key, after)| {
            let count = after.saturating_sub(crank_before.get(key).copied().unwrap_or(0));
            (count > 0).then(|| format!("{} {} {:.3}", key.0, key.1, per_job(count)))
        })
        .collect();
    cranked.sort();
    println!(
        "| crank transactions per job, by instruction and outcome | {} |",
        if cranked.is_empty() { "none".to_string() } else { cranked.join(", ") }
    );
    let mut cpu: Vec<(String, f64)> = cpu_after
        .iter()
        .map(|(name, after)| (name.clone(), after - cpu_before.get(name).copied().unwrap_or(0.0)))
        .collect();
    cpu.sort_by(|a, b| a.0.cmp(&b.0));
    let cpu_total: f64 = cpu.iter().map(|(_, seconds)| seconds).sum();
    let detail: Vec<String> = cpu
        .iter()
        .map(|(name, seconds)| format!("{name} {:.1}", seconds * 1000.0 / count_jobs.max(1) as f64))
        .collect();
    println!(
        "| CPU per job, all processes (ms) | {:.1} ({}) |",
        cpu_total * 1000.0 / count_jobs.max(1) as f64,
        detail.join(", ")
    );
    let transactions_per_job = percentile(&mut transactions, 0.5);
    if let Some(transfers) = ceiling {
        println!(
            "| this machine's ceiling: plain transfers confirmed ÷ transactions per job | {transfers:.0} transfers/s ÷ {transactions_per_job:.0} = {:.0} jobs/s |",
            transfers / transactions_per_job.max(1.0)
        );
    }
    if units_per_job > 0.0 {
        let per_block = BLOCK_COMPUTE_LIMIT as f64 / units_per_job;
        println!("| cluster ceiling: {BLOCK_COMPUTE_LIMIT} CU per block ÷ CU per job | {per_block:.0} jobs per block = {:.0} jobs/s at this slot time |", per_block / slot_seconds);
    }
    Ok(())
}
