//! `edgerun crank run` against a real local network: two crank processes at once settle two jobs
//! with nobody calling any crank command; every lamport ends where it should, at most one refused
//! simulation per step, and both exit 0 on SIGTERM with their report.

mod support;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use edgerun::state::{Job, JobStatus};
use edgerun_sdk::pda;
use solana_address::Address;
use support::{file, guest, ChildGuard, Network, Party, PATIENCE, SOL};

const DOCUMENT: &str = r#"{"document":{"user":"ada","email":"ada@example.com"},"redact":["email"]}"#;
/// The base fee of one signature (every crank transaction has one signer).
const FEE: u64 = 5_000;

/// One `edgerun crank run` process, killed on drop.
struct Crank {
    child: ChildGuard,
    listen: SocketAddr,
    log: std::path::PathBuf,
}

impl Crank {
    fn start(network: &Network, name: &str, payer: &Party) -> Crank {
        let port = edgerun_migrations::localnet::free_port("127.0.0.1").expect("a free port");
        let listen: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = network.dir.path().join(format!("{name}.log"));
        let mut command = network.command(Some(payer), &["crank", "run"]);
        command
            .args([
                "--listen",
                &listen.to_string(),
                "--slot-interval",
                "100ms",
                "--reconcile-interval",
                "3s",
                "-o",
                "json",
            ])
            .stdout(Stdio::piped())
            .stderr(File::create(&log).expect("log file"));
        let child = command.spawn().expect("spawn edgerun crank run");
        Crank { child: ChildGuard(Some(child)), listen, log }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) until `/health` answers 200.
    fn wait_healthy(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some((200, _)) = http_get(self.listen, "/health") {
                return;
            }
            assert!(Instant::now() < deadline, "the crank never became healthy; its log:\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGTERM, then its exit code and JSON report (bounded wait).
    fn terminate(mut self) -> (i32, serde_json::Value) {
        let pid = self.child.0.as_ref().expect("running").id();
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -TERM {pid}");
        let child = ChildGuard(self.child.0.take());
        let output = child.wait(PATIENCE);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let report = serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("no JSON report ({error}):\n{stdout}\nlog:\n{}", self.logs()));
        (output.status.code().unwrap_or(-1), report)
    }
}

/// A silent committee's job (penalized, refunded, closed) and a job whose committee answers
/// (quorum, finalized once a winner declares, closed), both cranked by two `edgerun crank run`
/// processes at once.
#[test]
fn two_crank_services_settle_jobs_with_nobody_calling_anything() {
    let network = Network::start();
    network.init(30);
    let workers: Vec<Party> = (1..=6).map(|i| network.worker(&format!("w{i}"), "1")).collect();
    let crankers = [network.party("cranker1", SOL), network.party("cranker2", SOL)];
    let balance = |address: &Address| network.runtime.block_on(network.client.balance(address)).expect("balance");
    let stake = |address: &Address| {
        network.runtime.block_on(network.client.worker_stake(address)).expect("read").expect("registered")
    };
    let cranker_balances: Vec<u64> = crankers.iter().map(|cranker| balance(&cranker.pubkey())).collect();
    let treasury_before = balance(&pda::treasury_address());

    let cranks = [Crank::start(&network, "crank1", &crankers[0]), Crank::start(&network, "crank2", &crankers[1])];
    for crank in &cranks {
        crank.wait_healthy();
    }

    let wasm = guest("json_redact.wasm");
    let input = file(network.dir.path(), "document.json", DOCUMENT.as_bytes());
    let submit = |customer: &Party| -> [u8; 32] {
        let args =
            ["job", "submit", "--wasm", wasm.to_str().unwrap(), "--input", input.to_str().unwrap(), "--escrow", "0.05"];
        let posted = network.ok(Some(customer), &args);
        hex::decode(posted["job_id"].as_str().unwrap()).unwrap().try_into().unwrap()
    };
    let member = |address: &Address| workers.iter().find(|worker| worker.pubkey() == *address).unwrap();

    // Job A: its committee (w1..w3) never answers.
    let silent_customer = network.party("silent", 2 * SOL);
    let silent = submit(&silent_customer);
    let silent_committee = network.seed_and_assign(&silent, &workers[..3].iter().collect::<Vec<_>>());
    let silent_job = network.job(&silent).unwrap();
    let silent_paid = balance(&silent_customer.pubkey());
    let silent_account = balance(&pda::job_address(&silent));
    let silent_stakes: Vec<u64> = silent_committee.iter().map(|w| stake(w).total_stake.get()).collect();

    // Job B: two of its committee (w4..w6) agree; the crank records the quorum.
    let customer = network.party("customer", 2 * SOL);
    let settled = submit(&customer);
    let committee = network.seed_and_assign(&settled, &workers[3..].iter().collect::<Vec<_>>());
    let customer_paid = balance(&customer.pubkey());
    let settled_account = balance(&pda::job_address(&settled));
    let winners = &committee[..2];
    let wallets_before: Vec<u64> = winners.iter().map(&balance).collect();
    let mut output_hash = [0u8; 32];
    for address in winners {
        output_hash = network.execute_and_submit(&settled, member(address));
    }
    let winner_stakes: Vec<u64> = winners.iter().map(|w| stake(w).total_stake.get()).collect();
    let quorum = wait_for(&network, &settled, "the quorum", |job| job.status() == Ok(JobStatus::AwaitingDa));
    network.declare(&settled, member(&winners[0]), output_hash);
    // The winners paid fees only: the job's rent reserve paid for their results and the output
    // record (a submission is two signatures, the worker's and the attestation's; a declaration
    // one).
    let winner_wallets: Vec<u64> = winners.iter().map(&balance).collect();
    for (index, worker) in winners.iter().enumerate() {
        let fees = if index == 0 { 15_000 } else { 10_000 };
        assert_eq!(winner_wallets[index], wallets_before[index] - fees, "{worker} paid exactly its fees");
    }

    // Both jobs go all the way to closed with nobody calling anything.
    let deadline = Instant::now() + 3 * PATIENCE;
    while network.job(&silent).is_some() || network.job(&settled).is_some() {
        assert!(
            Instant::now() < deadline,
            "the jobs were not closed in time: {:?} / {:?}\ncrank1:\n{}\ncrank2:\n{}",
            network.job(&silent).map(|job| job.status()),
            network.job(&settled).map(|job| job.status()),
            cranks[0].logs(),
            cranks[1].logs()
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    // A: the whole job account (escrow and rent) back to the customer; each silent member pays
    // the penalty once, to the treasury.
    let penalty = silent_job.penalty_amount();
    assert_eq!(balance(&silent_customer.pubkey()), silent_paid + silent_account, "escrow and rent back");
    for (worker, before) in silent_committee.iter().zip(&silent_stakes) {
        let after = stake(worker);
        assert_eq!(after.total_stake.get(), before - penalty, "{worker} pays the penalty once");
        assert_eq!(after.locked_stake.get(), 0, "{worker}'s lock released");
    }
    // B: the escrow to the winners' stakes and the treasury's fee; every rent (the job's, its
    // results', its output record's) back to the customer; the winners' wallets untouched; the
    // member cut off by the quorum loses nothing.
    let escrow = quorum.escrow_lamports.get();
    let fee = u64::try_from(u128::from(escrow) * u128::from(quorum.protocol_fee_bps.get()) / 10_000).unwrap();
    let share = (escrow - fee) / 2;
    assert_eq!(balance(&customer.pubkey()), customer_paid + settled_account - escrow, "the rent back");
    for (index, worker) in winners.iter().enumerate() {
        let after = stake(worker);
        assert_eq!(after.total_stake.get(), winner_stakes[index] + share, "{worker} paid its share");
        assert_eq!(after.locked_stake.get(), 0);
        assert_eq!(balance(worker), winner_wallets[index], "{worker}'s wallet: no rent to get back");
    }
    let cut_off = stake(&committee[2]);
    assert_eq!((cut_off.penalized_lamports.get(), cut_off.locked_stake.get()), (0, 0));
    assert_eq!(
        balance(&pda::treasury_address()),
        treasury_before + 3 * penalty + fee + (escrow - fee - 2 * share),
        "penalties, the fee and the division's remainder to the treasury"
    );

    let (status, metrics) = http_get(cranks[0].listen, "/metrics").expect("metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("edgerun_crank_actions_total"), "{metrics}");
    assert!(metrics.contains("edgerun_crank_payer_balance_lamports"), "{metrics}");
    assert!(metrics.contains("edgerun_crank_rpc_requests_total{method=\"getSlot\"}"), "{metrics}");

    // Both stop on SIGTERM with exit code 0 and say what they did: each step sent once between
    // them, at most one refused simulation per step, and the cranks paid nothing but fees.
    let reports: Vec<serde_json::Value> = cranks
        .into_iter()
        .map(|crank| {
            let (code, report) = crank.terminate();
            assert_eq!(code, 0, "{report:#}");
            report
        })
        .collect();
    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    let (mut sent_total, mut refused_total) = (0, 0);
    for report in &reports {
        sent_total += report["sent"].as_u64().unwrap();
        refused_total += report["refused"].as_u64().unwrap();
        assert_eq!(report["failed"], 0, "{report:#}");
        for (instruction, counts) in report["by_instruction"].as_object().unwrap() {
            *sent.entry(instruction.clone()).or_default() += counts["sent"].as_u64().unwrap();
        }
    }
    sent.retain(|_, count| *count > 0);
    let expected: BTreeMap<String, u64> = [
        ("penalize_non_submitters", 1),
        ("cancel_expired_job", 1),
        ("reach_quorum", 1),
        ("finalize_job", 1),
        ("close_job", 2),
    ]
    .into_iter()
    .map(|(instruction, count)| (instruction.to_string(), count))
    .collect();
    assert_eq!(sent, expected, "{reports:#?}");
    assert_eq!(sent_total, 6);
    // Cheap competition: the crank that loses a step is refused once in simulation, and again
    // only when the refusal said "not yet" (the node's clock behind the slot judged at: retried
    // at the next slot), so refusals stay within a small multiple of the steps.
    assert!(refused_total <= 2 * sent_total, "refusals not bounded by the steps: {reports:#?}");
    let fees: u64 =
        crankers.iter().zip(&cranker_balances).map(|(cranker, before)| before - balance(&cranker.pubkey())).sum();
    // A transaction that passed simulation but lost the race on chain pays its fee and is
    // counted as refused.
    assert_eq!(fees % FEE, 0, "only fees: {fees}");
    assert!((sent_total * FEE..=(sent_total + refused_total) * FEE).contains(&fees), "fees {fees}: {reports:#?}");
}

/// `edgerun crank run` refuses to start, saying what to do, when it cannot work.
#[test]
fn crank_run_refuses_to_start_when_it_cannot_work() {
    let network = Network::start();
    let payer = network.party("payer", SOL);
    let error = network.fails(Some(&payer), &["crank", "run"], 4, "not_initialized");
    assert!(error["hint"].as_str().unwrap().contains("edgerun admin init"), "{error:#}");
    network.init(30);
    let broke = network.party("broke", 0);
    let error = network.fails(Some(&broke), &["crank", "run"], 1, "insufficient_balance");
    assert!(error["hint"].as_str().unwrap().contains("fund"), "{error:#}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let error = network.fails(Some(&payer), &["crank", "run", "--listen", &address], 2, "usage");
    assert!(error["message"].as_str().unwrap().contains(&address), "{error:#}");
}

/// Waits (bounded) until the job satisfies `reached`; returns it.
fn wait_for(network: &Network, job_id: &[u8; 32], what: &str, reached: impl Fn(&Job) -> bool) -> Job {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(job) = network.job(job_id).filter(|job| reached(job)) {
            return job;
        }
        assert!(Instant::now() < deadline, "{what} did not come within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A GET over a fresh connection: status code and body; `None` if nothing answers.
fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    Some((status, body))
}
