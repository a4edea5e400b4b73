//! Faults on the network of processes (`edgerun-network`: validator, gateway, scheduler, three
//! worker daemons, crank): processes killed with SIGKILL while jobs run. Each test checks that
//! every escrowed lamport ends with a worker, the treasury or back with the customer, that every
//! stake lock is released, and that no honest worker is slashed.

mod support;

use std::time::{Duration, Instant};

use edgerun::state::{JobStatus, Treasury};
use edgerun_sdk::pda;
use solana_signer::Signer;
use support::{Launched, Paused};

const ESCROW: u64 = 50_000_000;

fn treasury(network: &Launched) -> Treasury {
    network.block(network.client.treasury()).unwrap()
}

/// Every worker's lock is released and nobody was slashed.
fn locks_released_nobody_slashed(network: &Launched) {
    for stake in network.workers() {
        assert_eq!(stake.locked_stake.get(), 0, "{} still has a lock", stake.worker);
        assert_eq!(stake.slashed_lamports.get(), 0, "{} was slashed", stake.worker);
    }
}

#[test]
fn a_dead_committee_member_leaves_the_other_two_to_settle() {
    let network = Launched::start(&[]);
    let dead = network.worker_key(0);
    network.kill9("worker-0");
    let before = treasury(&network);
    let job_id = network.post_demo_job(1, ESCROW);
    let job = network.wait_status(&job_id, &[JobStatus::Finalized]);
    assert!(job.committee().contains(&dead), "the dead worker was on the committee (3 of 3)");

    // The escrow went to the two live members and the treasury; the dead one, cut off by the
    // quorum before its own deadline, is released whole (docs/protocol.md: no penalty before a
    // member's own deadline).
    let after = treasury(&network);
    let fees = after.fees_collected.get() - before.fees_collected.get();
    let rewards: u64 = network.workers().iter().map(|stake| stake.rewards_earned.get()).sum();
    assert_eq!(rewards + fees, ESCROW, "rewards {rewards} + fee {fees} != escrow");
    for stake in network.workers() {
        if stake.worker == dead {
            assert_eq!(stake.rewards_earned.get(), 0);
            assert_eq!(stake.penalized_lamports.get(), 0, "penalized before its own deadline");
        } else {
            assert!(stake.rewards_earned.get() > 0, "{} was not paid", stake.worker);
        }
    }
    locks_released_nobody_slashed(&network);
}

#[test]
fn two_dead_members_let_the_job_expire_and_the_customer_is_refunded() {
    // Short windows so that the expiry comes within the test.
    let network =
        Launched::start(&["--validator-arg=--challenge-window-slots=10", "--validator-arg=--da-window-slots=10"]);
    let dead = [network.worker_key(0), network.worker_key(1)];
    network.kill9("worker-0");
    network.kill9("worker-1");
    let customer = network.customer.pubkey();
    let balance_before = network.balance(&customer);
    let before = treasury(&network);
    let job_id = network.post_demo_job(2, ESCROW);
    let job = network.wait_status(&job_id, &[JobStatus::Cancelled]);
    let penalty = job.penalty_amount();

    // The escrow came back whole: what the customer is short of is the rent of the job's accounts
    // (the job, and the result the live member submitted from the job's rent reserve; all of it
    // returned by close_job after retention) and fees, never escrow.
    let mut rent = network.balance(&pda::job_address(&job_id));
    for member in job.committee() {
        rent += network.balance(&pda::job_result_address(&job_id, member));
    }
    let spent = balance_before - network.balance(&customer);
    assert!(spent <= rent + 100_000, "the customer is short {spent} lamports, rent is {rent}");
    // The two silent members paid the penalty once each, into the treasury; the honest one none.
    let after = treasury(&network);
    assert_eq!(after.penalties_collected.get() - before.penalties_collected.get(), 2 * penalty);
    for stake in network.workers() {
        let expected = if dead.contains(&stake.worker) { penalty } else { 0 };
        assert_eq!(stake.penalized_lamports.get(), expected, "{}", stake.worker);
    }
    locks_released_nobody_slashed(&network);
}

#[test]
fn with_the_crank_dead_the_workers_still_settle() {
    let network = Launched::start(&[]);
    network.kill9("crank");
    let job_id = network.post_demo_job(3, ESCROW);
    network.wait_status(&job_id, &[JobStatus::Finalized]);
    std::thread::sleep(Duration::from_secs(1));
    locks_released_nobody_slashed(&network);
}

#[test]
fn a_scheduler_killed_during_a_batch_and_restarted_settles_all_twenty_once() {
    let network = Launched::start(&[]);
    let mut jobs = Vec::new();
    for nonce in 0..20 {
        jobs.push(network.post_demo_job(100 + nonce, ESCROW));
        if nonce == 5 {
            network.kill9("scheduler");
        }
    }
    // A scheduler of the operator's: same key and cluster, restarted.
    let log = std::fs::File::create(network.state.path().join("scheduler-restarted.log")).unwrap();
    let restarted = std::process::Command::new(support::launcher().parent().unwrap().join("edgerun-scheduler"))
        .args(["--url", &network.url("rpc_url"), "--ws-url", &network.url("ws_url")])
        .args(["--keypair", &network.url("scheduler_keypair"), "--storage", &network.url("storage_url")])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _restarted = support::Guard(Some(restarted));
    for job_id in &jobs {
        network.wait_status(job_id, &[JobStatus::Finalized]);
    }
    // Each job had one committee of three: assigned once.
    let seats: u64 = network.workers().iter().map(|stake| stake.jobs_assigned.get()).sum();
    assert_eq!(seats, 3 * 20);
    locks_released_nobody_slashed(&network);
}

#[test]
fn a_lying_worker_is_slashed_and_the_honest_pair_is_paid() {
    // Two honest daemons; the third seat goes to a liar played here, which answers at once with
    // a hash it never computed.
    let network = Launched::start(&["--workers", "2"]);
    let liar = solana_keypair::Keypair::new();
    let stake = 10 * 1_000_000_000;
    network.block(network.client.request_airdrop(&liar.pubkey(), stake + 1_000_000_000)).unwrap();
    let register = [
        edgerun_sdk::instructions::register_worker(&liar.pubkey()),
        edgerun_sdk::instructions::deposit_stake(&liar.pubkey(), stake),
    ];
    network.block(network.client.send(&liar, &[], &register)).expect("register the liar");

    // The honest pair is paused until the liar has answered: without it the race between the
    // liar's transaction and the pair's quorum decides whether there is anything to slash.
    let honest = Paused::new(&network, &["worker-0", "worker-1"]);
    let before = treasury(&network);
    let job_id = network.post_demo_job(7, ESCROW);
    let deadline = Instant::now() + support::PATIENCE;
    let job = loop {
        let job = network.job(&job_id).unwrap();
        if job.assigned_count > 0 {
            break job;
        }
        assert!(Instant::now() < deadline, "not assigned");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(job.committee().contains(&liar.pubkey()), "3 seats, 3 workers");
    let key = ed25519_dalek::SigningKey::from_bytes(liar.secret_bytes());
    let lie = edgerun_worker::job::submission(&key, &job, [0x66; 32]);
    network.block(network.client.send(&liar, &[], &lie)).expect("the liar answers first");
    drop(honest);

    let job = network.wait_status(&job_id, &[JobStatus::Finalized]);
    assert_ne!(job.winning_output_hash, [0x66; 32]);
    let after = treasury(&network);
    let slashed: Vec<_> = network.workers().into_iter().filter(|stake| stake.slashed_lamports.get() > 0).collect();
    assert_eq!(slashed.len(), 1, "exactly one worker slashed");
    assert_eq!(slashed[0].worker, liar.pubkey());
    assert!(after.slashes_collected.get() > before.slashes_collected.get());
    let fees = after.fees_collected.get() - before.fees_collected.get();
    let rewards: u64 = network.workers().iter().map(|stake| stake.rewards_earned.get()).sum();
    assert_eq!(rewards + fees, ESCROW, "the honest pair and the treasury share the escrow");
    for stake in network.workers() {
        assert_eq!(stake.locked_stake.get(), 0, "{} still has a lock", stake.worker);
        if stake.worker != liar.pubkey() {
            assert!(stake.rewards_earned.get() > 0, "an honest worker was not paid");
        }
    }
}

#[test]
fn the_gateway_stopped_during_a_job_and_restarted_the_job_settles() {
    let network = Launched::start(&[]);
    let bundle = Launched::demo_bundle();
    network.store(&bundle);
    // The gateway goes away; then the job is posted. The scheduler cannot fetch its bundle, so it
    // puts no worker on it: the job waits, posted, with no committee to penalize.
    let gateway = network.pid("gateway");
    // SAFETY: signalling a process this test's launcher started.
    unsafe {
        libc::kill(gateway as libc::pid_t, libc::SIGTERM);
    }
    support::wait_gone(&[("gateway".to_string(), gateway)]);
    let job_id = network.post(&bundle, 8, ESCROW);
    std::thread::sleep(Duration::from_secs(3));
    let job = network.job(&job_id).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::Posted), "no committee for a bundle nobody can fetch");
    assert_eq!(job.assigned_count, 0);

    // The operator restarts the gateway over the same store: the scheduler's next check of the
    // bundle passes, the job is assigned and settles.
    let storage_url = network.url("storage_url");
    let port = storage_url.rsplit(':').next().unwrap();
    let log = std::fs::File::create(network.state.path().join("gateway-restarted.log")).unwrap();
    let store = network.state.path().join("storage");
    let restarted = std::process::Command::new(support::launcher().parent().unwrap().join("edgerun-storage-gateway"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--store", store.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _restarted = support::Guard(Some(restarted));
    network.wait_status(&job_id, &[JobStatus::Finalized]);
    locks_released_nobody_slashed(&network);
}
