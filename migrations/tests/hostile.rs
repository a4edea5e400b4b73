//! A hostile customer on the network of processes (`edgerun-network`: validator, gateway,
//! scheduler, three worker daemons, crank): jobs posted straight to the program that no worker
//! can run, and a bundle withheld after its job was assigned. Whatever the customer does, an
//! honest worker loses nothing but transaction fees: no stake penalized or slashed, no jail, no
//! rent, and the customer's escrow comes back.

mod support;

use std::time::{Duration, Instant};

use edgerun::constants::INPUT_UNAVAILABLE_OUTPUT_HASH;
use edgerun::state::{JobStatus, WorkerStake};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::{instructions as ix, pda, submission};
use solana_address::Address;
use solana_signer::Signer;
use support::{Launched, Paused};

const ESCROW: u64 = 50_000_000;
/// The base fee of one signature: a worker's wallet moves only by multiples of it.
const SIGNATURE_FEE: u64 = 5_000;
/// Most a worker may spend in fees on one job it sat on: a submission (2 signatures) and a few
/// settlement attempts. Far below the rent of one JobResult, which workers no longer pay.
const FEES_PER_JOB: u64 = 50_000;
/// The scheduler's `--reconcile-interval` default.
const RECONCILE: Duration = Duration::from_secs(2);

/// Posts a job straight to the program, as the network's customer, with whatever the customer
/// likes in it (nothing checks that the bundle exists or matches); returns its id.
fn post_raw(network: &Launched, nonce: u64, bundle_hash: [u8; 32], runtime_id: [u8; 32], limits: Limits) -> [u8; 32] {
    let customer = network.customer.pubkey();
    let args = submission::post_job_args(&customer, bundle_hash, runtime_id, limits, ESCROW, nonce);
    let job_id = args.job_id;
    network
        .block(network.client.send(&network.customer, &[], &[ix::post_job(&customer, args)]))
        .expect("the program accepts the job");
    job_id
}

fn hash_of(bundle: &Bundle) -> [u8; 32] {
    bundle_hash(&bundle.encode().unwrap())
}

fn slot(network: &Launched) -> u64 {
    network.block(network.client.slot()).unwrap()
}

/// `GET {scheduler}{path}` as JSON.
fn api(network: &Launched, path: &str) -> serde_json::Value {
    let url = format!("{}{path}", network.url("api_url"));
    let http = edgerun_sdk::http::client_builder().timeout(Duration::from_secs(10)).build().unwrap();
    network
        .block(async { http.get(&url).send().await?.error_for_status()?.json::<serde_json::Value>().await })
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// Every worker the scheduler knows is eligible (none jailed).
fn all_eligible(network: &Launched, workers: usize) {
    let list = api(network, "/v1/workers");
    let rows = list["workers"].as_array().expect("a worker list");
    assert_eq!(rows.len(), workers, "{list:#}");
    for row in rows {
        assert_eq!(row["eligible"], true, "a worker is not eligible: {row:#}");
        assert!(row.get("jailed_until_slot").is_none(), "a worker is jailed: {row:#}");
    }
}

/// No worker lost stake: nothing penalized or slashed, no missed job, every lock released.
fn no_worker_charged(before: &[WorkerStake], after: &[WorkerStake]) {
    assert_eq!(before.len(), after.len());
    for (before, after) in before.iter().zip(after) {
        assert_eq!(before.worker, after.worker);
        let who = after.worker;
        assert_eq!(after.penalized_lamports.get(), before.penalized_lamports.get(), "{who} was penalized");
        assert_eq!(after.slashed_lamports.get(), before.slashed_lamports.get(), "{who} was slashed");
        assert_eq!(after.jobs_missed.get(), before.jobs_missed.get(), "{who} was counted as missing a job");
        assert_eq!(after.jobs_slashed.get(), before.jobs_slashed.get(), "{who} was counted as slashed");
        assert_eq!(
            after.total_stake.get(),
            before.total_stake.get() + after.rewards_earned.get() - before.rewards_earned.get(),
            "{who}'s stake moved by more than its rewards"
        );
        assert_eq!(after.locked_stake.get(), 0, "{who} still has a lock");
    }
}

/// Waits (bounded) until the cluster's slot reaches `target`.
fn wait_slot(network: &Launched, target: u64) {
    let deadline = Instant::now() + support::PATIENCE;
    while slot(network) < target {
        assert!(Instant::now() < deadline, "the slot did not reach {target}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn customer_posted_garbage_costs_workers_nothing() {
    // Short windows, so that within the test an assigned job nobody can run would have passed its
    // deadline and expired (and its silent members been penalized by the crank).
    let challenge_window = 30;
    let window = format!("--validator-arg=--challenge-window-slots={challenge_window}");
    let network = Launched::start(&[window.as_str()]);
    let workers = 3;
    let stakes_before = network.workers();
    assert_eq!(stakes_before.len(), workers);
    let wallets_before: Vec<(Address, u64)> =
        stakes_before.iter().map(|stake| (stake.worker, network.balance(&stake.worker))).collect();

    let demo = Launched::demo_bundle();
    let runtime = edgerun_worker::runtime_id();
    let limits = edgerun_migrations::demo::DEMO_LIMITS;
    // (job id, what is wrong with it, the words the scheduler must give).
    let mut garbage: Vec<([u8; 32], &str, &str)> = Vec::new();
    // (a) Bundles that were never stored.
    for index in 0..3u64 {
        let never = Bundle { input: format!("never stored {index}").into_bytes(), ..demo.clone() };
        garbage.push((
            post_raw(&network, 10 + index, hash_of(&never), runtime, limits),
            "unstored",
            "not on the gateway",
        ));
    }
    // (b) Stored bundles that contradict the job: other limits, another runtime id.
    let other_limits =
        Bundle { limits: Limits { max_instructions: limits.max_instructions / 2, ..limits }, ..demo.clone() };
    network.store(&other_limits);
    garbage.push((
        post_raw(&network, 20, hash_of(&other_limits), runtime, limits),
        "limits differ",
        "differ from the job's",
    ));
    let other_runtime = Bundle { runtime_id: [7; 32], ..demo.clone() };
    network.store(&other_runtime);
    garbage.push((
        post_raw(&network, 21, hash_of(&other_runtime), runtime, limits),
        "runtime differs",
        "differ from the job's",
    ));
    // (c) A runtime no worker runs (the local network allows any runtime id), with a stored bundle
    // that agrees with it.
    let foreign = Bundle { runtime_id: [9; 32], ..demo.clone() };
    network.store(&foreign);
    garbage.push((
        post_raw(&network, 30, hash_of(&foreign), [9; 32], limits),
        "foreign runtime",
        "no worker can run it",
    ));
    let posted_slot = slot(&network);

    // Right after, an honest job: the network serves it as if nothing happened.
    let normal = network.post_demo_job(1, ESCROW);
    let finalized = network.wait_status(&normal, &[JobStatus::Finalized]);
    assert_ne!(finalized.winning_output_hash, INPUT_UNAVAILABLE_OUTPUT_HASH);
    assert_eq!(finalized.committee().len(), workers, "3 seats, 3 workers");

    // A few more reconciles, and long enough that an assigned garbage job would have expired.
    let settled = Instant::now();
    wait_slot(&network, posted_slot + 2 * challenge_window + 15);
    let reconciles = settled + 3 * RECONCILE;
    std::thread::sleep(reconciles.saturating_duration_since(Instant::now()));

    for (job_id, what, reason) in &garbage {
        let job = network.job(job_id).expect("the job exists");
        assert_eq!(job.status(), Ok(JobStatus::Posted), "the {what} job left Posted");
        assert_eq!(job.assigned_count, 0, "the {what} job has a committee");
        assert_eq!(job.escrow_lamports.get(), ESCROW, "the {what} job's escrow moved");
        let view = api(&network, &format!("/v1/jobs/{}", hex::encode(job_id)));
        assert_eq!(view["status"], "posted", "{view:#}");
        let next = view["next"].as_str().expect("a next field");
        assert!(next.starts_with("not assigned: "), "the {what} job: {next}");
        assert!(next.contains(reason), "the {what} job: {next:?} does not say {reason:?}");
    }

    // Not one lamport of any worker's stake was put at risk, nobody is jailed, and each worker's
    // wallet paid the fees of the one job it sat on (the honest one), no rent.
    let stakes_after = network.workers();
    no_worker_charged(&stakes_before, &stakes_after);
    for (before, after) in stakes_before.iter().zip(&stakes_after) {
        assert_eq!(after.jobs_assigned.get() - before.jobs_assigned.get(), 1, "{} sat on a garbage job", after.worker);
    }
    all_eligible(&network, workers);
    for (worker, before) in &wallets_before {
        let after = network.balance(worker);
        assert!(after <= *before, "{worker}'s wallet grew: {before} -> {after}");
        let spent = before - after;
        assert_eq!(spent % SIGNATURE_FEE, 0, "{worker} spent {spent} lamports: not fees alone");
        assert!(spent <= FEES_PER_JOB, "{worker} spent {spent} lamports on one job");
    }

    // The customer can still withdraw a garbage job: the escrow comes back, less the fee.
    let (job_id, _, _) = garbage[0];
    let customer = network.customer.pubkey();
    let before = network.balance(&customer);
    network
        .block(network.client.send(&network.customer, &[], &[ix::cancel_job(&customer, &job_id)]))
        .expect("cancel_job");
    let job = network.job(&job_id).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::Cancelled));
    assert_eq!(job.escrow_lamports.get(), 0);
    assert_eq!(network.balance(&customer), before + ESCROW - SIGNATURE_FEE, "the escrow came back");
}

/// Lines of `text` without terminal colour codes.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_bundle_withheld_after_assignment_is_refunded_without_penalty() {
    let challenge_window = 40;
    let window = format!("--validator-arg=--challenge-window-slots={challenge_window}");
    let network = Launched::start(&[window.as_str()]);
    let workers = 3;
    let stakes_before = network.workers();
    let bundle = Launched::demo_bundle();
    network.store(&bundle);
    let customer = network.customer.pubkey();
    let balance_before = network.balance(&customer);

    // The scheduler sees the bundle on the gateway and assigns the job; the workers are held
    // (SIGSTOP) until the gateway is gone, so that none of them fetches it first.
    let held = Paused::new(&network, &["worker-0", "worker-1", "worker-2"]);
    let job_id = network.post(&bundle, 2, ESCROW);
    let assigned = network.wait_status(&job_id, &[JobStatus::Assigned]);
    assert_eq!(assigned.committee().len(), workers);
    // The gateway goes for good (never restarted before the job ends).
    network.kill9("gateway");
    drop(held);

    let job = network.wait_status(&job_id, &[JobStatus::Cancelled, JobStatus::Finalized]);
    assert_eq!(job.status(), Ok(JobStatus::Cancelled));
    assert_eq!(job.winning_output_hash, INPUT_UNAVAILABLE_OUTPUT_HASH, "not settled as input unavailable");
    assert_eq!(job.escrow_lamports.get(), 0);
    assert_eq!(job.posted_escrow_lamports.get(), ESCROW);
    assert!(job.ended_slot.get() <= job.deadline_slot.get(), "settled after the deadline (an expiry?)");
    let results = network.block(network.client.committee_results(&job)).unwrap();
    let markers = results
        .iter()
        .filter(|(_, result)| result.as_ref().is_some_and(|result| result.output_hash == INPUT_UNAVAILABLE_OUTPUT_HASH))
        .count();
    assert!(markers >= usize::from(job.quorum), "{markers} members attested the input unavailable");
    for (worker, result) in &results {
        if let Some(result) = result {
            assert_eq!(result.output_hash, INPUT_UNAVAILABLE_OUTPUT_HASH, "{worker} ran a bundle nobody could fetch");
        }
    }

    // The escrow came back: the customer is short of the rent of the job's accounts (returned by
    // close_job after retention) and fees, never escrow.
    let mut rent = network.balance(&pda::job_address(&job_id));
    for member in job.committee() {
        rent += network.balance(&pda::job_result_address(&job_id, member));
    }
    let spent = balance_before - network.balance(&customer);
    assert!(spent <= rent + 100_000, "the customer is short {spent} lamports, rent is {rent}");

    // Nobody is charged for the customer's missing input, nor jailed for it.
    no_worker_charged(&stakes_before, &network.workers());
    all_eligible(&network, workers);

    // The members said why: each that attested logged it (a line written once its transaction is
    // confirmed, so possibly after the job ended), at least one after failing to fetch the bundle.
    let logs = network.url("logs");
    let keys: Vec<Address> = (0..workers).map(|index| network.worker_key(index)).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match logs_tell(&logs, &hex::encode(job_id), &keys, &results) {
            Ok(()) => break,
            Err(why) if Instant::now() >= deadline => panic!("{why} (logs in {logs})"),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// Whether the workers' logs (`{logs}/worker-{index}.log`, `keys[index]` its key) tell the
/// withheld bundle's story for `job_hex`: every member whose result is the marker logged its
/// input-unavailable submission, and at least one logged `fetch-failed` before it.
fn logs_tell(
    logs: &str,
    job_hex: &str,
    keys: &[Address],
    results: &[(Address, Option<edgerun::state::JobResult>)],
) -> Result<(), String> {
    let mut fetch_failed_first = 0;
    let mut told = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let log = plain(&std::fs::read_to_string(format!("{logs}/worker-{index}.log")).unwrap_or_default());
        let lines: Vec<&str> = log.lines().filter(|line| line.contains(job_hex)).collect();
        told.push(format!("worker-{index}:\n  {}", lines.join("\n  ")));
        let failed = lines.iter().position(|line| line.contains("stage=\"fetch-failed\""));
        let attested = lines
            .iter()
            .position(|line| line.contains("stage=\"submitted\"") && line.contains("attested the input unavailable"));
        let marker = results.iter().any(|(member, result)| {
            member == key && result.as_ref().is_some_and(|result| result.output_hash == INPUT_UNAVAILABLE_OUTPUT_HASH)
        });
        if marker && attested.is_none() {
            return Err(format!("worker-{index} submitted the marker without saying so:\n{}", told.join("\n")));
        }
        if matches!((failed, attested), (Some(failed), Some(attested)) if failed < attested) {
            fetch_failed_first += 1;
        }
    }
    if fetch_failed_first == 0 {
        return Err(format!(
            "no worker logged fetch-failed, then the input-unavailable submission:\n{}",
            told.join("\n")
        ));
    }
    Ok(())
}
