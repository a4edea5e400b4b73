//! Hostile load on the network of processes (`edgerun-network`: validator, gateway, scheduler,
//! three worker daemons, crank), issue 20 item 6 (b) and (c):
//!
//! - (b) 200 event streams held open and a flood of invalid, oversize and slow requests against
//!   the scheduler's API and the gateway while customers' jobs run: the jobs finalize, no answer
//!   is a 5xx, no service's memory grows past a bound, and the scheduler's RPC rate stays within
//!   10% of a quiet phase with the same jobs.
//! - (c) a burst of long jobs beyond the workers' declared capacity: the scheduler keeps each
//!   worker's open work within what it declared, the excess waits `Posted` with the reason, every
//!   job finalizes, and no worker is penalized, slashed or jailed.

mod support;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use edgerun::state::JobStatus;
use edgerun_sdk::bundle::{Bundle, Limits};
use edgerun_sdk::instructions as ix;
use solana_signer::Signer;
use support::Launched;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ESCROW: u64 = 50_000_000;

// ----- Clients at their own loopback addresses -----
//
// The API limits requests per client address, and every test client is on this machine. The
// flood comes from 127.0.0.1; the viewers of the event streams from 127.0.0.3 (200 streams are
// within one client's burst of 500); the test's own reads (metrics, job views) from 127.0.0.2,
// so that the flood's 429s fall on the flood alone and the test also checks that one client's
// flood does not lock another out.

const FLOOD: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const OBSERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const VIEWERS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

fn address_of(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").trim_end_matches('/').parse().expect("a loopback address")
}

/// An HTTP client at the observer's address.
fn observer() -> reqwest::Client {
    reqwest::Client::builder().local_address(OBSERVER).timeout(Duration::from_secs(10)).build().unwrap()
}

/// `GET {url}` as the observer: 200 and its body, or a panic naming what came back.
async fn observe(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 200, "GET {url} by a quiet client during the flood: {status} {body}");
    body
}

/// The scheduler's RPC requests so far, by method (`edgerun_scheduler_rpc_requests_total`).
async fn rpc_calls(http: &reqwest::Client, api: &str) -> BTreeMap<String, u64> {
    let text = observe(http, &format!("{api}/metrics")).await;
    let mut calls = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("edgerun_scheduler_rpc_requests_total{method=\"") else { continue };
        let Some((method, value)) = rest.split_once("\"} ") else { continue };
        calls.insert(method.to_string(), value.trim().parse::<f64>().unwrap_or(0.0) as u64);
    }
    assert!(!calls.is_empty(), "the scheduler publishes no edgerun_scheduler_rpc_requests_total:\n{text}");
    calls
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after.iter().map(|(method, count)| (method.clone(), count - before.get(method).copied().unwrap_or(0))).collect()
}

/// A process's resident memory now and at its peak (`VmRSS`, `VmHWM`), in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} for pid {pid}"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ----- Raw HTTP, for what a well-behaved client never sends -----

/// What a server did with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    /// A status line (and whether a 429 said `Retry-After`).
    Status(u16, bool),
    /// The server closed the connection without a status line.
    Closed,
    /// Nothing within the patience given.
    Silent,
}

/// Connects from `from` to `to`, writes `head` then `body` (a write error is not fatal: a server
/// may answer and close before reading all of it), and reads the answer's head.
async fn exchange(from: IpAddr, to: SocketAddr, head: &[u8], body: &[u8], patience: Duration) -> Answer {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let Ok(Ok(mut stream)) = tokio::time::timeout(Duration::from_secs(10), socket.connect(to)).await else {
        return Answer::Silent;
    };
    let _ = stream.set_nodelay(true);
    let written = async {
        stream.write_all(head).await?;
        if !body.is_empty() {
            stream.write_all(body).await?;
        }
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(patience, written).await;
    read_answer(&mut stream, patience).await
}

async fn read_answer(stream: &mut tokio::net::TcpStream, patience: Duration) -> Answer {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return head.is_empty(),
                Ok(n) => {
                    head.extend_from_slice(&buffer[..n]);
                    if head.windows(4).any(|window| window == b"\r\n\r\n") || head.len() > 64 * 1024 {
                        return false;
                    }
                }
            }
        }
    };
    match tokio::time::timeout(patience, read).await {
        Err(_) if head.is_empty() => Answer::Silent,
        Ok(true) => Answer::Closed,
        _ => parse_status(&head),
    }
}

fn parse_status(head: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let status = text.strip_prefix("http/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok());
    match status {
        Some(code) => Answer::Status(code, text.contains("\r\nretry-after:")),
        None => Answer::Closed,
    }
}

/// One kind of hostile request: what it is, where it goes, and what the server must answer.
#[derive(Clone)]
struct Hostile {
    name: &'static str,
    to: SocketAddr,
    head: Vec<u8>,
    body: Arc<Vec<u8>>,
    patience: Duration,
    /// Held by the server until one of its timeouts: sent beside the flood, not in its slots.
    slow: bool,
}

/// The rounds that also send the slow kinds: a few, early (each holds a connection up to 30 s).
fn is_slow_round(round: u64) -> bool {
    round.is_multiple_of(20) && round <= 100
}

fn request(name: &'static str, to: SocketAddr, method: &str, path: &str, headers: &str, body: Vec<u8>) -> Hostile {
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n{headers}\r\n").into_bytes();
    Hostile { name, to, head, body: Arc::new(body), patience: Duration::from_secs(20), slow: false }
}

/// A JSON body request.
fn json(name: &'static str, to: SocketAddr, path: &str, body: Vec<u8>) -> Hostile {
    let headers = format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    request(name, to, "POST", path, &headers, body)
}

fn random_hex(rng: &mut u64) -> String {
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        out.push_str(&format!("{:016x}", *rng));
    }
    out
}

/// The flood's menu: each round sends every one of these once.
fn menu(api: SocketAddr, gateway: SocketAddr, round: u64) -> Vec<Hostile> {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ round.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let unknown = random_hex(&mut rng);
    let huge = format!("Content-Type: application/json\r\nContent-Length: {}\r\n", 1u64 << 40);
    let mut list = vec![
        // Scheduler API.
        request("api: bad job id", api, "GET", "/v1/jobs/not-a-job", "", Vec::new()),
        request("api: unknown job id", api, "GET", &format!("/v1/jobs/{unknown}"), "", Vec::new()),
        request("api: events of a bad id", api, "GET", "/v1/jobs/zz/events", "", Vec::new()),
        request("api: events of an unknown job", api, "GET", &format!("/v1/jobs/{unknown}/events"), "", Vec::new()),
        request("api: output of an unknown job", api, "GET", &format!("/v1/jobs/{unknown}/output"), "", Vec::new()),
        request("api: bad list filter", api, "GET", "/v1/jobs?limit=0&status=nope", "", Vec::new()),
        request("api: unknown query field", api, "GET", "/v1/jobs?evil=1", "", Vec::new()),
        request("api: unknown route", api, "GET", "/v1/../../etc/passwd", "", Vec::new()),
        request("api: wrong method", api, "DELETE", "/v1/workers", "", Vec::new()),
        json("api: submit, not JSON", api, "/v1/jobs", b"{\"client\": ".to_vec()),
        json("api: submit, wrong fields", api, "/v1/jobs", br#"{"client":"x","escrow_lamports":"lots"}"#.to_vec()),
        json(
            "api: submit, bad bundle",
            api,
            "/v1/jobs",
            br#"{"client":"11111111111111111111111111111111","bundle":"AAAA","escrow_lamports":1000000}"#.to_vec(),
        ),
        json("api: relay, not a transaction", api, "/v1/transactions", br#"{"transaction":"AAAA"}"#.to_vec()),
        // A relay body far above the route's 4 KiB: refused after 4 KiB, never buffered whole.
        json("api: relay, 2 MiB body", api, "/v1/transactions", vec![b' '; 2 << 20]),
        // A request head beyond the servers' 16 KiB.
        request(
            "api: 32 KiB header",
            api,
            "GET",
            "/v1/network",
            &format!("X-Junk: {}\r\n", "a".repeat(32 << 10)),
            Vec::new(),
        ),
        Hostile {
            name: "api: not HTTP",
            to: api,
            head: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n".to_vec(),
            body: Arc::new(Vec::new()),
            patience: Duration::from_secs(20),
            slow: false,
        },
        // Storage gateway.
        request("gateway: bad hash", gateway, "GET", "/bundle/not-a-hash", "", Vec::new()),
        request("gateway: unknown bundle", gateway, "GET", &format!("/bundle/{unknown}"), "", Vec::new()),
        request("gateway: unknown output", gateway, "HEAD", &format!("/output/{unknown}"), "", Vec::new()),
        request("gateway: unknown route", gateway, "GET", "/admin", "", Vec::new()),
        request("gateway: wrong method", gateway, "DELETE", &format!("/bundle/{unknown}"), "", Vec::new()),
        request(
            "gateway: bytes that are not their hash",
            gateway,
            "PUT",
            &format!("/bundle/{unknown}"),
            "Content-Length: 4096\r\n",
            vec![7; 4096],
        ),
        request("gateway: 1 TiB announced", gateway, "PUT", &format!("/bundle/{unknown}"), &huge, Vec::new()),
        request(
            "gateway: a signature that is not one",
            gateway,
            "PUT",
            &format!("/bundle/{unknown}"),
            "Authorization: Edgerun nonsense\r\nX-Edgerun-Signature: zz\r\nContent-Length: 3\r\n",
            b"abc".to_vec(),
        ),
        request(
            "gateway: 32 KiB header",
            gateway,
            "GET",
            "/health",
            &format!("X-Junk: {}\r\n", "a".repeat(32 << 10)),
            Vec::new(),
        ),
    ];
    // Once in a while, a request head that never ends and a body that stops halfway: the servers'
    // header and body timeouts (10 s and 30 s) must end them. Without them they hang forever.
    if is_slow_round(round) {
        // Bodies announced beyond every limit (1 TiB) and never sent: the scheduler does not
        // refuse them by their length (the gateway does, at once) but its body timeout (30 s)
        // ends them.
        for (name, path) in
            [("api: submit, 1 TiB announced", "/v1/jobs"), ("api: relay, 1 TiB announced", "/v1/transactions")]
        {
            let mut announced = request(name, api, "POST", path, &huge, Vec::new());
            announced.patience = Duration::from_secs(45);
            announced.slow = true;
            list.push(announced);
        }
        for (name, to) in [("api: head never ends", api), ("gateway: head never ends", gateway)] {
            list.push(Hostile {
                name,
                to,
                head: b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_vec(),
                body: Arc::new(Vec::new()),
                patience: Duration::from_secs(25),
                slow: true,
            });
        }
        let stalled = "Content-Type: application/json\r\nContent-Length: 1000\r\n";
        let mut body_stall =
            request("api: body stops halfway", api, "POST", "/v1/transactions", stalled, b"{\"tr".to_vec());
        body_stall.patience = Duration::from_secs(45);
        body_stall.slow = true;
        list.push(body_stall);
        let mut gateway_stall = request(
            "gateway: body stops halfway",
            gateway,
            "PUT",
            &format!("/bundle/{unknown}"),
            "Content-Length: 100000\r\n",
            vec![1; 100],
        );
        gateway_stall.patience = Duration::from_secs(45);
        gateway_stall.slow = true;
        list.push(gateway_stall);
    }
    list
}

type Tally = Arc<Mutex<BTreeMap<(&'static str, Answer), u64>>>;

/// Sends rounds of [`menu`] from the flood's address, at most `rounds` rounds and until
/// `until`, at most `in_flight` requests at once. Tallies every answer by kind.
async fn flood(api: SocketAddr, gateway: SocketAddr, until: Instant, rounds: u64, in_flight: usize, tally: Tally) {
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..rounds {
        if Instant::now() >= until {
            break;
        }
        for hostile in menu(api, gateway, round) {
            let permit = if hostile.slow { None } else { Some(Arc::clone(&permits).acquire_owned().await.unwrap()) };
            let tally = Arc::clone(&tally);
            tasks.spawn(async move {
                let answer = exchange(FLOOD, hostile.to, &hostile.head, &hostile.body, hostile.patience).await;
                *tally.lock().unwrap().entry((hostile.name, answer)).or_default() += 1;
                drop(permit);
            });
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    while tasks.join_next().await.is_some() {}
}

// ----- Event streams -----

/// What one event stream saw: its status, `job` events, and whether the server ended it.
#[derive(Debug, Default, Clone)]
struct Viewed {
    status: Option<u16>,
    job_events: usize,
    ended: bool,
}

/// Opens `GET {path}` as an event stream from the viewers' address and reads it until the server
/// ends it or `stop` is cancelled; the viewer only listens.
async fn view(to: SocketAddr, path: String, stop: tokio_util::sync::CancellationToken) -> Viewed {
    let mut viewed = Viewed::default();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(VIEWERS, 0)).unwrap();
    let Ok(mut stream) = socket.connect(to).await else { return viewed };
    let head = format!("GET {path} HTTP/1.1\r\nHost: {to}\r\nAccept: text/event-stream\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return viewed;
    }
    let mut seen = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = stream.read(&mut buffer) => read,
            () = stop.cancelled() => break,
        };
        match read {
            Ok(0) | Err(_) => {
                viewed.ended = true;
                break;
            }
            Ok(n) => {
                seen.extend_from_slice(&buffer[..n]);
                if viewed.status.is_none() {
                    if let Answer::Status(code, _) = parse_status(&seen) {
                        viewed.status = Some(code);
                    }
                }
                // Count complete `job` events; keep the unfinished tail.
                let text = String::from_utf8_lossy(&seen).into_owned();
                if let Some(end) = text.rfind("\n\n") {
                    viewed.job_events += text[..end].matches("event: job\n").count();
                    seen.drain(..end + 2);
                }
            }
        }
    }
    viewed
}

// ----- (b) -----

/// One phase of test (b): its jobs, and what the scheduler asked of the cluster meanwhile.
struct Phase {
    jobs: Vec<[u8; 32]>,
    rpc: BTreeMap<String, u64>,
    viewed: Vec<(String, Viewed)>,
}

/// Posts `nonces.len()` demo jobs and, once the engine has them (assigned), opens
/// `viewers_per_job` event streams on each job and `network_viewers` on `/v1/events`; waits for
/// every job to finalize and for `window` to pass since the phase began; counts the scheduler's
/// RPC requests over exactly that window (from its own `/metrics`).
fn phase(
    network: &Launched,
    bundle: &Bundle,
    nonces: &[u64],
    viewers_per_job: usize,
    network_viewers: usize,
    window: Duration,
) -> Phase {
    let api_url = network.url("api_url");
    let api = address_of(&api_url);
    let http = observer();
    let started = Instant::now();
    let before = network.block(rpc_calls(&http, &api_url));
    let jobs: Vec<[u8; 32]> = nonces.iter().map(|nonce| network.post(bundle, *nonce, ESCROW)).collect();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut streams = Vec::new();
    for job_id in &jobs {
        // Once the engine has the job (a viewer of a job it knows costs no read).
        network.wait_status(job_id, &[JobStatus::Assigned, JobStatus::QuorumReached, JobStatus::Finalized]);
        for _ in 0..viewers_per_job {
            let path = format!("/v1/jobs/{}/events", hex::encode(job_id));
            streams.push((path.clone(), network.runtime.spawn(view(api, path, stop.clone()))));
        }
    }
    for _ in 0..network_viewers {
        let path = "/v1/events".to_string();
        streams.push((path.clone(), network.runtime.spawn(view(api, path, stop.clone()))));
    }
    for job_id in &jobs {
        network.wait_status(job_id, &[JobStatus::Finalized]);
    }
    let rest = (started + window)
        .checked_duration_since(Instant::now())
        .unwrap_or_else(|| panic!("the phase's jobs took longer than its window of {window:?}: lengthen it"));
    std::thread::sleep(rest);
    let after = network.block(rpc_calls(&http, &api_url));
    stop.cancel();
    let viewed = streams.into_iter().map(|(path, task)| (path, network.block(task).unwrap())).collect();
    Phase { jobs, rpc: delta(&before, &after), viewed }
}

#[test]
fn a_flood_and_two_hundred_event_streams_leave_the_network_working_and_its_cost_flat() {
    let network = Launched::start(&[]);
    let api_url = network.url("api_url");
    let api = address_of(&api_url);
    let gateway = address_of(&network.url("storage_url"));
    let stakes_before = network.workers();

    // Jobs of a few seconds each (the three of a phase queue on the same three workers), so that
    // the viewers watch them run. A first one: the workers compile the guest, the scheduler
    // measures the slot time.
    let (long, _) = long_job(2.0);
    network.store(&long);
    let warm = network.post(&long, 1, ESCROW);
    network.wait_status(&warm, &[JobStatus::Finalized]);

    // Quiet: three jobs, each watched by one viewer, and one viewer of the network's events
    // (a feed's cost is per job watched, by design; the claim is that it does not grow with
    // the viewers).
    let window = Duration::from_secs(40);
    let quiet = phase(&network, &long, &[10, 11, 12], 1, 1, window);

    // Hostile: the same three jobs, 200 viewers (50 on each job, 50 on the network's events),
    // and the flood from another address until shortly before the window ends.
    let names = ["validator", "gateway", "scheduler", "worker-0", "worker-1", "worker-2", "crank"];
    let memory_before: Vec<(u64, u64)> = names.iter().map(|name| memory(network.pid(name))).collect();
    let tally: Tally = Arc::default();
    let flooding = network.runtime.spawn(flood(
        api,
        gateway,
        Instant::now() + window - Duration::from_secs(5),
        400,
        16,
        Arc::clone(&tally),
    ));
    let hostile = phase(&network, &long, &[20, 21, 22], 50, 50, window);
    network.block(flooding).unwrap();
    let memory_after: Vec<(u64, u64)> = names.iter().map(|name| memory(network.pid(name))).collect();

    let tally = tally.lock().unwrap().clone();
    let mut report = String::new();
    for ((name, answer), count) in &tally {
        report.push_str(&format!("  {name}: {answer:?} x{count}\n"));
    }
    eprintln!("flood answers:\n{report}");

    // Every job finalized (phase waited for it); the stream viewers saw their jobs to the end.
    for (path, viewed) in &hostile.viewed {
        assert_eq!(viewed.status, Some(200), "{path}: {viewed:?}");
        if path.ends_with("/events") && path.starts_with("/v1/jobs/") {
            assert!(
                viewed.job_events >= 1 && viewed.ended,
                "{path}: the stream did not follow the job to its end: {viewed:?}"
            );
        }
    }
    assert_eq!(hostile.viewed.len(), 200);
    for job_id in quiet.jobs.iter().chain(&hostile.jobs) {
        assert_eq!(network.job(job_id).unwrap().status(), Ok(JobStatus::Finalized));
    }

    // No 5xx, and every request was answered or, for the slow ones only, cut off by the server.
    let mut failures = Vec::new();
    for ((name, answer), count) in &tally {
        let fine = match answer {
            Answer::Status(code, _) => *code < 500,
            // A server may close a connection it cannot parse, or a head it will not wait for.
            Answer::Closed => name.contains("never ends") || name.contains("not HTTP") || name.contains("header"),
            Answer::Silent => false,
        };
        if !fine {
            failures.push(format!("{name}: {answer:?} x{count}"));
        }
    }
    assert!(failures.is_empty(), "answers that are not a refusal:\n{}\nall answers:\n{report}", failures.join("\n"));
    // The limiter was reached when the flood outran it (the limit is 50 requests a second from
    // one address after a burst of 500; how fast the flood goes depends on how busy this machine
    // is, so the claim is made only when it sent more than the limit lets through, with a
    // margin), and each 429 says when to come back. The limiter itself is tested exactly in the
    // scheduler's tests (`a_client_past_its_rate_limit_is_told_when_to_come_back`).
    let sent_to_api: u64 =
        tally.iter().filter(|((name, _), _)| name.starts_with("api:")).map(|(_, count)| *count).sum();
    let let_through = 500 + 50 * (window - Duration::from_secs(5)).as_secs();
    let limited = tally
        .iter()
        .filter(|((name, answer), _)| name.starts_with("api:") && matches!(answer, Answer::Status(429, _)))
        .count();
    if sent_to_api > let_through * 3 / 2 {
        assert!(limited > 0, "{sent_to_api} requests and the scheduler never rate limited the flood:\n{report}");
    } else {
        eprintln!("the flood sent {sent_to_api} API requests, not enough to outrun the limiter ({let_through})");
    }
    for (name, answer) in tally.keys() {
        if let Answer::Status(429, retry_after) = answer {
            assert!(retry_after, "{name}: 429 without Retry-After");
        }
    }

    // Memory: the flood's bodies are refused before they are held, streams cost little.
    let mut grown = Vec::new();
    for ((name, (rss_before, peak_before)), (rss_after, peak_after)) in
        names.iter().zip(&memory_before).zip(&memory_after)
    {
        grown.push(format!(
            "{name}: rss {} -> {} MiB, peak {} -> {} MiB",
            rss_before >> 10,
            rss_after >> 10,
            peak_before >> 10,
            peak_after >> 10
        ));
    }
    eprintln!("memory:\n  {}", grown.join("\n  "));
    for ((name, (rss_before, peak_before)), (rss_after, peak_after)) in
        names.iter().zip(&memory_before).zip(&memory_after)
    {
        // KiB. The validator holds the chain (it grows with every slot and transaction, flood or
        // not); the others must not hold the flood.
        let bound = if *name == "validator" { 512 << 10 } else { 64 << 10 };
        assert!(
            peak_after.saturating_sub(*peak_before) <= bound && rss_after.saturating_sub(*rss_before) <= bound,
            "{name}'s memory grew by more than {} MiB under the flood:\n  {}",
            bound >> 10,
            grown.join("\n  ")
        );
    }

    // The scheduler's RPC requests: the hostile window within 10% of the quiet one (plus a few
    // requests of jitter: confirmations are polled, the count of polls varies by a few).
    let quiet_total: u64 = quiet.rpc.values().sum();
    let hostile_total: u64 = hostile.rpc.values().sum();
    let bound = quiet_total + quiet_total / 10 + 20;
    assert!(
        hostile_total <= bound,
        "the scheduler's RPC load grew with the viewers and the flood (issue 20 item 2): {hostile_total} RPC \
         requests in the hostile window, {quiet_total} in the quiet one (bound {bound}). Known causes: each \
         `/v1/events` viewer builds every job view itself (getMultipleAccounts, getAccountInfo, getBlockTime per \
         change per viewer), and `GET /v1/jobs/{{id}}[/events|/output]` of an unknown id reads the chain per \
         request.\n  quiet   {:?}\n  hostile {:?}",
        quiet.rpc,
        hostile.rpc
    );
    eprintln!("rpc: quiet {quiet_total} {:?}\n     hostile {hostile_total} {:?}", quiet.rpc, hostile.rpc);

    // And the workers lost nothing.
    for (before, after) in stakes_before.iter().zip(network.workers()) {
        assert_eq!(after.penalized_lamports.get(), before.penalized_lamports.get(), "{} was penalized", after.worker);
        assert_eq!(after.slashed_lamports.get(), before.slashed_lamports.get(), "{} was slashed", after.worker);
    }
}

// ----- (c) -----

/// A guest that counts `iterations` down, each time four dependent 64-bit divisions by a
/// number read from memory (slow instructions, so that a long job fits the network's cap of
/// instructions), then writes 4 bytes: a long job whose fuel is known in advance
/// ([`SPIN_FUEL`] an iteration). Hand-assembled (this crate has no `wat`):
///
/// ```wat
/// (module
///   (import "edgerun" "write_output" (func $write (param i32 i32) (result i32)))
///   (memory (export "memory") 1 1)
///   (func (export "_start") (local $n i32) (local $acc i64)
///     (i64.store (i32.const 8) (i64.const 3))
///     (local.set $n (i32.const ITERATIONS))
///     (block $done (loop $next
///       (br_if $done (i32.eqz (local.get $n)))
///       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
///       ;; four times:
///       (local.set $acc (i64.div_u (i64.add (local.get $acc) (i64.const 1000003)) (i64.load (i32.const 8))))
///       (br $next)))
///     (drop (call $write (i32.const 0) (i32.const 4)))))
/// ```
fn spin_guest(iterations: i32) -> Vec<u8> {
    fn section(id: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![id];
        out.extend(uleb(content.len() as u64));
        out.extend_from_slice(content);
        out
    }
    fn uleb(mut value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }
    fn sleb(mut value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
            if done {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(section(1, &[2, 0x60, 2, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0]));
    let mut import = vec![1, 7];
    import.extend_from_slice(b"edgerun");
    import.push(12);
    import.extend_from_slice(b"write_output");
    import.extend_from_slice(&[0, 0]);
    wasm.extend(section(2, &import));
    wasm.extend(section(3, &[1, 1]));
    wasm.extend(section(5, &[1, 1, 1, 1]));
    let mut export = vec![2, 6];
    export.extend_from_slice(b"memory");
    export.extend_from_slice(&[2, 0, 6]);
    export.extend_from_slice(b"_start");
    export.extend_from_slice(&[0, 1]);
    wasm.extend(section(7, &export));
    // Locals: one i32, one i64; then the divisor stored at 8.
    let mut body = vec![2, 1, 0x7f, 1, 0x7e, 0x41, 8, 0x42, 3, 0x37, 3, 0, 0x41];
    body.extend(sleb(i64::from(iterations)));
    body.extend_from_slice(&[0x21, 0]);
    body.extend_from_slice(&[0x02, 0x40, 0x03, 0x40, 0x20, 0, 0x45, 0x0d, 1, 0x20, 0, 0x41, 1, 0x6b, 0x21, 0]);
    for _ in 0..4 {
        body.extend_from_slice(&[0x20, 1, 0x42]);
        body.extend(sleb(1_000_003));
        body.extend_from_slice(&[0x7c, 0x41, 8, 0x29, 3, 0, 0x80, 0x21, 1]);
    }
    body.extend_from_slice(&[0x0c, 0, 0x0b, 0x0b]);
    body.extend_from_slice(&[0x41, 0, 0x41, 4, 0x10, 0, 0x1a, 0x0b]);
    let mut code = vec![1];
    code.extend(uleb(body.len() as u64));
    code.extend(body);
    wasm.extend(section(10, &code));
    wasm
}

/// Fuel of one iteration of [`spin_guest`]'s loop: 8 for the count, 7 for each division.
const SPIN_FUEL: u64 = 36;

/// Runs `wasm` here, as a worker would: its report and how long it took.
fn slot(network: &Launched) -> u64 {
    network.block(network.client.slot()).unwrap()
}

/// A bundle of [`spin_guest`] that runs about `seconds` on one core of this machine, measured
/// here (the workers run the same compiled code), its cap most of which it burns; and the speed
/// measured, instructions a second.
fn long_job(seconds: f64) -> (Bundle, u64) {
    let probe_limits = Limits { max_memory_bytes: 64 * 1024, max_instructions: 2_000_000_000 };
    let (probe, took) = run_here(&spin_guest(10_000_000), probe_limits);
    assert!(matches!(probe.outcome, edgerun_worker::Outcome::Output(_)), "the spin guest runs: {:?}", probe.outcome);
    let speed = (probe.fuel_used as f64 / took.as_secs_f64().max(1e-3)) as u64;
    let iterations = ((speed as f64 * seconds) as u64 / SPIN_FUEL).clamp(1_000_000, i32::MAX as u64) as i32;
    let fuel = iterations as u64 * SPIN_FUEL;
    // The loop and a little room for the output's host call.
    let limits = Limits { max_memory_bytes: 64 * 1024, max_instructions: fuel + fuel / 10 };
    let bundle = Bundle {
        runtime_id: edgerun_worker::runtime_id(),
        wasm: spin_guest(iterations),
        input: Vec::new(),
        limits,
        meta: None,
        args: Vec::new(),
    };
    let (report, took) = run_here(&bundle.wasm, limits);
    assert!(matches!(report.outcome, edgerun_worker::Outcome::Output(_)), "the long guest runs: {:?}", report.outcome);
    assert!(report.fuel_used * 10 >= limits.max_instructions * 8, "it burns most of its cap: {}", report.fuel_used);
    eprintln!("speed {speed} instructions/s; long job: {} instructions, {took:?} here", limits.max_instructions);
    (bundle, speed)
}

fn run_here(wasm: &[u8], limits: Limits) -> (edgerun_worker::ExecutionReport, Duration) {
    let runtime = edgerun_worker::Runtime::new(edgerun_worker::RuntimeConfig {
        concurrent_executions: 1,
        ..edgerun_worker::RuntimeConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let report = runtime.execute(wasm, b"", limits).expect("the runtime answers");
    (report, started.elapsed())
}

/// Open seats (assigned, no result yet) per worker among `jobs` now.
fn open_seats(jobs: &[(solana_address::Address, edgerun::state::Job)]) -> BTreeMap<solana_address::Address, usize> {
    let mut open = BTreeMap::new();
    for (_, job) in jobs.iter().filter(|(_, job)| job.status() == Ok(JobStatus::Assigned)) {
        for (index, member) in job.committee().iter().enumerate() {
            if !job.has_submitted(index) {
                *open.entry(*member).or_default() += 1;
            }
        }
    }
    open
}

#[test]
fn a_burst_of_long_jobs_beyond_declared_capacity_costs_no_worker_anything() {
    // A member has the challenge window to answer: 40 slots, 16 s at 400 ms; the scheduler
    // budgets four fifths of it, 12.8 s.
    let challenge_window = 40u64;
    let window_flag = format!("--validator-arg=--challenge-window-slots={challenge_window}");
    let network = Launched::start(&[window_flag.as_str()]);

    // This machine's speed, measured here (the workers run the same compiled code): a long job
    // is ~2.5 s of one core, and each worker declares a third of that speed (three workers share
    // the cores with the validator and the services), so the scheduler counts 7.5 s for one
    // job: one fits a member's window, two do not. Each daemon runs one job at a time
    // (`--concurrency 1`), which is what the workers declare.
    let (long, speed) = long_job(2.5);
    let limits = long.limits;
    let declared = (speed / 3).max(1);
    eprintln!("declared {declared} instructions a second");
    // A job no worker could finish in its window at the declared speed: it must wait, never be
    // assigned.
    let too_long =
        Bundle { limits: Limits { max_instructions: (declared * 20).min(50_000_000_000), ..limits }, ..long.clone() };

    // Each worker declares its capacity on chain: one execution at a time, `declared`
    // instructions a second.
    let stakes_before = network.workers();
    for index in 0..stakes_before.len() {
        let path = network.summary["network"]["worker_keypairs"][index].as_str().unwrap().to_string();
        let worker = solana_keypair::read_keypair_file(path).unwrap();
        network
            .block(network.client.send(&worker, &[], &[ix::set_worker_capacity(&worker.pubkey(), 1, declared)]))
            .expect("set_worker_capacity");
    }
    for stake in network.workers() {
        assert_eq!((stake.max_concurrent_jobs.get(), stake.instructions_per_second.get()), (1, declared));
    }
    // Before the burst, the scheduler knows (its index follows the stakes by subscription; its
    // worker list shows them).
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let api_url = network.url("api_url");
    let known = Instant::now() + Duration::from_secs(30);
    loop {
        let list: serde_json::Value = network
            .block(async { http.get(format!("{api_url}/v1/workers")).send().await?.json().await })
            .unwrap_or_default();
        let rows = list["workers"].as_array().cloned().unwrap_or_default();
        let seen = rows
            .iter()
            .filter(|row| row["max_concurrent_jobs"] == 1 && row["instructions_per_second"] == declared)
            .count();
        if seen == stakes_before.len() {
            break;
        }
        assert!(Instant::now() < known, "the scheduler does not show the declared capacities: {list:#}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The burst: six long jobs at once. Run one after the other by the same three members (three
    // seats, three workers) they need 6 x 2.5 s of each worker (more with the cores shared),
    // past the 16 s window of jobs assigned together: without the capacity rule the last ones
    // would miss their deadlines and their members be penalized.
    network.store(&long);
    network.store(&too_long);
    let burst: Vec<[u8; 32]> = (0..6).map(|nonce| network.post(&long, 100 + nonce, ESCROW)).collect();
    let too_slow = network.post(&too_long, 200, ESCROW);

    let mut waited_at_capacity = vec![false; burst.len()];
    let mut too_slow_reason = String::new();
    let mut most_open = 0;
    let mut worst = String::new();
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        let jobs = network.block(network.client.jobs()).expect("the jobs");
        let status = |job_id: &[u8; 32]| {
            jobs.iter().find(|(_, job)| job.job_id == *job_id).and_then(|(_, job)| job.status().ok())
        };
        // The rule itself: no worker has more open seats than the executions it declared.
        let open = open_seats(&jobs);
        if let Some((worker, seats)) = open.iter().max_by_key(|(_, seats)| **seats) {
            if *seats > most_open {
                most_open = *seats;
                let holding: Vec<String> = jobs
                    .iter()
                    .filter(|(_, job)| job.status() == Ok(JobStatus::Assigned))
                    .filter(|(_, job)| {
                        job.committee()
                            .iter()
                            .enumerate()
                            .any(|(index, member)| member == worker && !job.has_submitted(index))
                    })
                    .map(|(_, job)| {
                        format!(
                            "job {} assigned at slot {}, deadline {}",
                            &hex::encode(job.job_id)[..8],
                            job.assigned_slot.get(),
                            job.deadline_slot.get()
                        )
                    })
                    .collect();
                let log = std::fs::read_to_string(format!("{}/scheduler.log", network.url("logs"))).unwrap_or_default();
                let assignments: Vec<&str> =
                    log.lines().filter(|line| line.contains("assign") || line.contains("capacity")).collect();
                worst = format!(
                    "{worker} had {seats} open seats at slot {}: {}\nscheduler log:\n{}",
                    slot(&network),
                    holding.join("; "),
                    assignments.join("\n")
                );
            }
        }
        // What the API says of the jobs still waiting.
        for (index, job_id) in burst.iter().enumerate().chain(std::iter::once((usize::MAX, &too_slow))) {
            if status(job_id) != Some(JobStatus::Posted) {
                continue;
            }
            let url = format!("{api_url}/v1/jobs/{}", hex::encode(job_id));
            let view: serde_json::Value =
                network.block(async { http.get(&url).send().await?.json().await }).unwrap_or_default();
            let next = view["next"].as_str().unwrap_or_default().to_string();
            if index == usize::MAX {
                too_slow_reason = next;
            } else if next.contains("at capacity") {
                waited_at_capacity[index] = true;
            }
        }
        if burst.iter().all(|job_id| status(job_id) == Some(JobStatus::Finalized)) {
            break;
        }
        let statuses: Vec<_> = burst.iter().map(status).collect();
        assert!(Instant::now() < deadline, "the burst did not finish: {statuses:?}");
        std::thread::sleep(Duration::from_millis(250));
    }

    assert!(most_open <= 1, "a worker was given more than it declared it runs at once: {worst}");
    let waited = waited_at_capacity.iter().filter(|waited| **waited).count();
    assert!(
        waited >= burst.len() - 1,
        "only {waited} of the {} jobs were seen waiting `Posted` with the capacity reason: {waited_at_capacity:?}",
        burst.len()
    );
    let job = network.job(&too_slow).unwrap();
    assert_eq!(job.status(), Ok(JobStatus::Posted), "a job no worker can finish in time was assigned");
    // With the workers idle again, its reason is their speed (the scheduler retries it every
    // reconcile, 2 s).
    let url = format!("{api_url}/v1/jobs/{}", hex::encode(too_slow));
    let idle = Instant::now() + Duration::from_secs(20);
    while !too_slow_reason.contains("too slow") && Instant::now() < idle {
        std::thread::sleep(Duration::from_millis(500));
        let view: serde_json::Value =
            network.block(async { http.get(&url).send().await?.json().await }).unwrap_or_default();
        too_slow_reason = view["next"].as_str().unwrap_or_default().to_string();
    }
    assert!(
        too_slow_reason.starts_with("not assigned: ") && too_slow_reason.contains("too slow"),
        "the job no worker can finish in time: {too_slow_reason:?}"
    );

    // Nobody lost a lamport of stake or was jailed for the burst.
    let stakes_after = network.workers();
    for (before, after) in stakes_before.iter().zip(&stakes_after) {
        let who = after.worker;
        assert_eq!(after.penalized_lamports.get(), before.penalized_lamports.get(), "{who} was penalized");
        assert_eq!(after.slashed_lamports.get(), before.slashed_lamports.get(), "{who} was slashed");
        assert_eq!(after.jobs_missed.get(), before.jobs_missed.get(), "{who} was counted as missing a job");
        assert_eq!(after.jobs_slashed.get(), before.jobs_slashed.get(), "{who} was counted as slashed");
    }
    let list: serde_json::Value =
        network.block(async { http.get(format!("{api_url}/v1/workers")).send().await?.json().await }).unwrap();
    for row in list["workers"].as_array().expect("a worker list") {
        assert!(row.get("jailed_until_slot").is_none(), "a worker is jailed: {row:#}");
    }

    // The waiting job can still be withdrawn.
    let customer = network.customer.pubkey();
    network
        .block(network.client.send(&network.customer, &[], &[ix::cancel_job(&customer, &too_slow)]))
        .expect("cancel_job");
    assert_eq!(network.job(&too_slow).unwrap().status(), Ok(JobStatus::Cancelled));
}
