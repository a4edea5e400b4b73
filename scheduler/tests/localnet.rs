//! The scheduler on a real local network: the embedded surfpool validator (real JSON-RPC and
//! websocket) with the real `.so`, a real storage gateway, the scheduler's HTTP API served on a
//! random loopback port, and — for the restart test — `edgerun-scheduler` as its own OS process,
//! killed with SIGKILL mid-batch.

mod support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use edgerun::state::JobStatus;
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::client::ChainBackend;
use edgerun_sdk::scheduler_api::SchedulerApi;
use edgerun_sdk::{instructions as ix, pda, submission};
use solana_keypair::Keypair;
use solana_signer::Signer;
use support::{Network, ESCROW, PATIENCE, SOL};

/// A guest that writes nothing and exits: the smallest valid job.
const GUEST: &str = r#"(module
  (import "edgerun" "input_len" (func $input_len (result i32)))
  (import "edgerun" "read_input" (func $read_input (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "_start") (drop (call $write_output (i32.const 0) (i32.const 0)))))"#;

/// Posts the small job straight to the chain (the customer's own transaction).
async fn post_job(network: &Network, customer: &Keypair, nonce: u64) -> [u8; 32] {
    network.post_bundle(customer, bundle().0, nonce).await
}

fn bundle() -> (Vec<u8>, Bundle) {
    let bundle = Bundle {
        runtime_id: edgerun_worker::runtime_id(),
        wasm: wat::parse_str(GUEST).unwrap(),
        input: Vec::new(),
        limits: Limits { max_memory_bytes: 65_536, max_instructions: 1_000_000 },
        meta: None,
        args: Vec::new(),
    };
    (bundle.encode().unwrap(), bundle)
}

async fn get(http: &reqwest::Client, address: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let response = http.get(format!("http://{address}{path}")).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn post(
    http: &reqwest::Client,
    address: SocketAddr,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = http.post(format!("http://{address}{path}")).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn metrics(http: &reqwest::Client, address: SocketAddr) -> String {
    http.get(format!("http://{address}/metrics")).send().await.unwrap().text().await.unwrap()
}

/// The metrics once `ready` holds for them (bounded).
async fn metrics_when(http: &reqwest::Client, address: SocketAddr, ready: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let text = metrics(http, address).await;
        if ready(&text) || Instant::now() >= until {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The count a Prometheus counter line of `metrics` shows for `labels` (0 when absent).
fn counter(metrics: &str, name: &str, labels: &str) -> u64 {
    metrics
        .lines()
        .find(|line| line.starts_with(name) && line.contains(labels))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// On a network that lists its runtimes, the API answers the `post_job` with the runtime's proof
/// in the allow-list; the customer's client takes it into the transaction it expects, signs and
/// relays, and the program accepts the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_posts_with_the_runtimes_proof_on_a_network_that_lists_its_runtimes() {
    let runtimes = edgerun_guest::GuestAbi::runtime_ids();
    let network = Network::start_with(Some(1_000), &runtimes).await;
    let (address, cancel, task) = network.scheduler(3).await;
    let customer = network.customer().await;
    let (bytes, bundle) = bundle();
    let api = SchedulerApi::new(&format!("http://{address}")).unwrap();
    let submitted = api.submit(&customer, &bytes, bundle.runtime_id, bundle.limits, ESCROW).await.expect("submit");
    let expected = submission::runtime_allow_list_proof(&runtimes, &bundle.runtime_id).expect("listed");
    assert_eq!(submitted.job.runtime_proof, expected.iter().map(hex::encode).collect::<Vec<_>>());
    assert!(!expected.is_empty(), "two runtimes listed: a proof of one node");
    let job_id: [u8; 32] = hex::decode(&submitted.job.job_id).unwrap().try_into().unwrap();
    assert_eq!(network.job(&job_id).await.runtime_id, bundle.runtime_id);
    cancel.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_submitted_through_the_api_is_seeded_and_assigned_in_one_transaction() {
    let network = Network::start(Some(1_000)).await;
    let workers = [network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    let (address, cancel, task) = network.scheduler(3).await;
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");

    // Healthy, documented.
    let (status, health) = get(&http, address, "/health").await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    let (_, openapi) = get(&http, address, "/openapi.json").await;
    for path in ["/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/events", "/v1/transactions", "/v1/workers", "/health"] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from /openapi.json");
    }

    // The customer submits through the API: the client checks, signs and relays.
    let customer = network.customer().await;
    let (bytes, bundle) = bundle();
    let api = SchedulerApi::new(&format!("http://{address}")).unwrap();
    let submitted = api.submit(&customer, &bytes, bundle.runtime_id, bundle.limits, ESCROW).await.expect("submit");
    assert!(submitted.job.bundle_newly_stored);
    let job_id: [u8; 32] = hex::decode(&submitted.job.job_id).unwrap().try_into().unwrap();
    assert_eq!(
        network.storage_client().get_bundle(&edgerun_sdk::storage::ContentHash(bundle_hash(&bytes))).await.unwrap(),
        bytes
    );

    let job = network.wait_assigned(&job_id).await;
    assert_eq!(job.status(), Ok(JobStatus::Assigned));
    assert!(job.seed_set.get());
    let committee: Vec<_> = job.committee().to_vec();
    assert_eq!(committee.len(), 3);
    for worker in &workers {
        assert!(committee.contains(&worker.pubkey()));
    }
    // One transaction carried both: the only seed or assignment the scheduler sent. (The job
    // can be seen assigned before the scheduler's own confirmation poll returns.)
    let sent = "instruction=\"set_job_seed+assign_workers\",outcome=\"sent\"";
    let text =
        metrics_when(&http, address, |text| counter(text, "edgerun_scheduler_transactions_total", sent) > 0).await;
    assert_eq!(
        counter(
            &text,
            "edgerun_scheduler_transactions_total",
            "instruction=\"set_job_seed+assign_workers\",outcome=\"sent\""
        ),
        1,
        "{text}"
    );
    assert_eq!(counter(&text, "edgerun_scheduler_transactions_total", "instruction=\"set_job_seed\""), 0, "{text}");
    assert_eq!(counter(&text, "edgerun_scheduler_transactions_total", "instruction=\"assign_workers\""), 0, "{text}");
    assert!(text.contains("edgerun_scheduler_assignment_slots_count 1"), "{text}");

    // The job's view: stages with slots, committee, what it waits for.
    let (status, view) = get(&http, address, &format!("/v1/jobs/{}", submitted.job.job_id)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "assigned");
    assert_eq!(view["committee"].as_array().unwrap().len(), 3);
    let stages: Vec<&str> =
        view["timeline"].as_array().unwrap().iter().map(|stage| stage["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["posted", "seeded", "assigned"]);
    // Each stage with a slot has the time of its block.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for stage in view["timeline"].as_array().unwrap() {
        if stage["slot"].is_u64() {
            let time = stage["unix_time"].as_i64().unwrap_or_else(|| panic!("no time: {stage}"));
            assert!((now - 600..=now + 5).contains(&time), "{stage}");
        }
    }
    assert!(view["next"].as_str().unwrap().contains("waiting for results"), "{view}");
    // By account address too.
    let (status, same) = get(&http, address, &format!("/v1/jobs/{}", pda::job_address(&job_id))).await;
    assert_eq!(status, 200);
    assert_eq!(same["job_id"], view["job_id"]);

    // Live events: the first is the job as it is now.
    let mut events =
        http.get(format!("http://{address}/v1/jobs/{}/events", submitted.job.job_id)).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let mut received = String::new();
    while !received.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(30), events.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("open stream");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.starts_with("event: job\ndata: {"), "{received}");
    assert!(received.contains("\"status\":\"assigned\""), "{received}");
    drop(events);

    // Listings.
    let (status, list) = get(&http, address, &format!("/v1/jobs?client={}", customer.pubkey())).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["jobs"][0]["job_id"], submitted.job.job_id);
    let (_, assigned) = get(&http, address, "/v1/jobs?status=assigned").await;
    assert_eq!(assigned["total"], 1);
    let (_, posted) = get(&http, address, "/v1/jobs?status=posted").await;
    assert_eq!(posted["total"], 0);
    let (status, listed) = get(&http, address, "/v1/workers").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["workers"].as_array().unwrap().len(), 3);
    for worker in listed["workers"].as_array().unwrap() {
        assert_eq!(worker["jobs_assigned"], 1, "{worker}");
        assert_eq!(worker["eligible"], true, "{worker}");
    }

    api_errors(&network, &http, address, &customer, &job_id).await;

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}

/// Every error path of the API: a specific status and JSON code, and nothing stored or sent.
async fn api_errors(
    network: &Network,
    http: &reqwest::Client,
    address: SocketAddr,
    customer: &Keypair,
    assigned_job: &[u8; 32],
) {
    let (bytes, _) = bundle();
    let good = BASE64.encode(&bytes);
    let client = customer.pubkey().to_string();
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (serde_json::json!({"escrow_lamports": ESCROW, "bundle": good}), 422, "invalid_body"),
        (serde_json::json!({"client": "nope", "escrow_lamports": ESCROW, "bundle": good}), 400, "invalid_client"),
        (serde_json::json!({"client": client, "escrow_lamports": ESCROW}), 400, "missing_bundle"),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": good, "bundle_hash": "00"}),
            400,
            "bundle_twice",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": "***"}),
            400,
            "invalid_bundle_encoding",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": BASE64.encode(b"not a bundle")}),
            400,
            "invalid_bundle",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle_hash": "xyz"}),
            400,
            "invalid_bundle_hash",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle_hash": "ab".repeat(32)}),
            404,
            "bundle_not_found",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": good, "max_instructions": 7}),
            400,
            "limits_mismatch",
        ),
        (serde_json::json!({"client": client, "escrow_lamports": 1, "bundle": good}), 422, "escrow_below_minimum"),
        (
            serde_json::json!({"client": Keypair::new().pubkey().to_string(), "escrow_lamports": ESCROW, "bundle": good}),
            422,
            "insufficient_balance",
        ),
        (
            serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": good, "surprise": 1}),
            422,
            "invalid_body",
        ),
    ];
    let foreign = Bundle { runtime_id: [7; 32], ..bundle().1 };
    let broken = Bundle { wasm: wat::parse_str("(module)").unwrap(), ..bundle().1 };
    let mut cases = cases;
    cases.push((serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": BASE64.encode(foreign.encode().unwrap())}), 422, "runtime_mismatch"));
    cases.push((serde_json::json!({"client": client, "escrow_lamports": ESCROW, "bundle": BASE64.encode(broken.encode().unwrap())}), 422, "guest_contract"));
    for (body, status, code) in &cases {
        let (got, answer) = post(http, address, "/v1/jobs", body).await;
        assert_eq!((got, answer["code"].as_str().unwrap_or("")), (*status, *code), "{body} → {answer}");
        assert!(!answer["error"].as_str().unwrap_or("").is_empty(), "{answer}");
    }
    // Nothing half-stored: the refused bundles are not in the gateway.
    for refused in [&foreign, &broken] {
        let hash = edgerun_sdk::storage::ContentHash(bundle_hash(&refused.encode().unwrap()));
        assert!(!network.storage_client().exists(edgerun_sdk::storage::BlobKind::Bundle, &hash).await.unwrap());
    }

    // Relaying.
    let relay = |transaction: String| serde_json::json!({ "transaction": transaction });
    let (status, answer) = post(http, address, "/v1/transactions", &relay("***".into())).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_transaction"));
    let (status, answer) = post(http, address, "/v1/transactions", &relay(BASE64.encode(b"short"))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_transaction"));
    // The relay takes transactions, not bundles: its body limit is a transaction's size.
    let (status, answer) = post(http, address, "/v1/transactions", &relay("A".repeat(64 * 1024))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (413, "body_too_large"));
    let blockhash = network.client.backend().latest_blockhash().await.unwrap();
    let transfer = solana_system_interface::instruction::transfer(&customer.pubkey(), &Keypair::new().pubkey(), 1);
    let foreign_tx = solana_transaction::Transaction::new_signed_with_payer(
        &[transfer],
        Some(&customer.pubkey()),
        &[customer],
        blockhash,
    );
    let (status, answer) =
        post(http, address, "/v1/transactions", &relay(BASE64.encode(bincode::serialize(&foreign_tx).unwrap()))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "not_an_edgerun_transaction"));
    let cancel = ix::cancel_job(&customer.pubkey(), assigned_job);
    let unsigned = solana_transaction::Transaction::new_unsigned(solana_message::Message::new_with_blockhash(
        std::slice::from_ref(&cancel),
        Some(&customer.pubkey()),
        &blockhash,
    ));
    let (status, answer) =
        post(http, address, "/v1/transactions", &relay(BASE64.encode(bincode::serialize(&unsigned).unwrap()))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "unsigned_transaction"));
    // The program refuses to cancel an assigned job: named, nothing sent.
    let balance = network.client.balance(&customer.pubkey()).await.unwrap();
    let signed = solana_transaction::Transaction::new_signed_with_payer(
        &[cancel],
        Some(&customer.pubkey()),
        &[customer],
        blockhash,
    );
    let (status, answer) =
        post(http, address, "/v1/transactions", &relay(BASE64.encode(bincode::serialize(&signed).unwrap()))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (422, "transaction_refused"), "{answer}");
    assert!(answer["program_error"].as_str().unwrap().starts_with("EdgerunError::"), "{answer}");
    assert_eq!(network.client.balance(&customer.pubkey()).await.unwrap(), balance, "a refused relay costs no fee");

    // Reading.
    let (status, answer) = get(http, address, "/v1/jobs/not-a-job").await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_job_id"));
    let (status, answer) = get(http, address, &format!("/v1/jobs/{}", "cd".repeat(32))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (404, "job_not_found"));
    let (status, answer) = get(http, address, &format!("/v1/jobs/{}/events", "cd".repeat(32))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (404, "job_not_found"));
    let (status, answer) = get(http, address, "/v1/jobs?status=running").await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_status"));
    let (status, answer) = get(http, address, "/v1/jobs?limit=0").await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_limit"));
    let (status, answer) = get(http, address, "/v1/jobs?client=nope").await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_client"));
    let (status, answer) = get(http, address, "/v1/nothing").await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (404, "no_such_route"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_jailed_worker_is_not_selected_and_the_api_says_why() {
    // Short windows: the first committee's silence is on record within seconds.
    let network = Network::start(Some(8)).await;
    let first = [network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    let (address, cancel, task) = network.scheduler(1).await;
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let customer = network.customer().await;

    // One member of the first committee answers, the other two stay silent; once the deadline
    // passed, anyone penalizes them. Their silence is their own (a member answered), so they are
    // jailed; the one that answered is not. (A job nobody answered jails nobody:
    // `eligibility::tests::a_job_nobody_answered_jails_nobody`.)
    let silent_job = post_job(&network, &customer, 1).await;
    let job = network.wait_assigned(&silent_job).await;
    let deadline = job.deadline_slot.get();
    let answered = first.iter().find(|worker| job.committee()[0] == worker.pubkey()).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(answered.secret_bytes());
    let answer = edgerun_worker::job::submission(&key, &job, [7; 32]);
    network.client.send(answered, &[], &answer).await.expect("one member answers");
    let silent: Vec<&Keypair> = first.iter().filter(|worker| worker.pubkey() != answered.pubkey()).collect();
    let until = Instant::now() + PATIENCE;
    while network.client.slot().await.unwrap() <= deadline {
        assert!(Instant::now() < until, "deadline did not pass");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let penalize = edgerun_crank::CrankAction::Penalize.instruction(&network.job(&silent_job).await);
    network.client.send(&customer, &[], &[penalize]).await.expect("penalize the silent committee");

    // Three fresh workers; the next job must go to them only.
    let fresh = [network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    // The jail is read at each reconcile: wait until the API reports it.
    let until = Instant::now() + PATIENCE;
    let listed = loop {
        let (status, listed) = get(&http, address, "/v1/workers").await;
        assert_eq!(status, 200, "{listed}");
        let jailed =
            listed["workers"].as_array().unwrap().iter().filter(|worker| worker["reason_code"] == "jailed").count();
        if jailed == 2 {
            break listed;
        }
        assert!(Instant::now() < until, "the silent workers were not jailed: {listed}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let row = |worker: &Keypair| {
        listed["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["worker"] == worker.pubkey().to_string())
            .unwrap()
            .clone()
    };
    for worker in &silent {
        let row = row(worker);
        assert_eq!(row["eligible"], false, "{row}");
        assert!(row["reason"].as_str().unwrap().starts_with("jailed after 1 recent failures"), "{row}");
        assert!(row["jailed_until_slot"].as_u64().unwrap() > deadline, "{row}");
    }
    assert_ne!(row(answered)["reason_code"], "jailed", "the member that answered is not jailed");
    let next_job = post_job(&network, &customer, 2).await;
    let job = network.wait_assigned(&next_job).await;
    let eligible: Vec<_> = fresh.iter().chain([answered]).map(|worker| worker.pubkey()).collect();
    for member in job.committee() {
        assert!(eligible.contains(member), "a jailed worker was selected");
    }

    // With every worker jailed or busy, a job waits, and the API says why.
    let (status, _) = get(&http, address, "/health").await;
    assert_eq!(status, 200);
    let waiting_job = {
        // An escrow whose lock no unjailed worker can cover.
        let (bytes, bundle) = bundle();
        let hash = bundle_hash(&bytes);
        network.storage_client().put_bundle(bytes).await.unwrap();
        let rich = network.customer().await;
        network.client.request_airdrop(&rich.pubkey(), 10 * SOL).await.unwrap();
        let escrow = 9 * SOL; // committee of 7, lock 9 × 1.5 / 7 ≈ 1.93 SOL: above any worker's 1 SOL stake
        let args = submission::post_job_args(&rich.pubkey(), hash, bundle.runtime_id, bundle.limits, escrow, 3);
        let job_id = args.job_id;
        network.client.send(&rich, &[], &[ix::post_job(&rich.pubkey(), args)]).await.expect("post the large job");
        job_id
    };
    let until = Instant::now() + PATIENCE;
    loop {
        let (_, view) = get(&http, address, &format!("/v1/jobs/{}", hex::encode(waiting_job))).await;
        let next = view["next"].as_str().unwrap_or("").to_string();
        if next.starts_with("not assigned: no eligible worker") {
            assert!(next.contains("2 jailed"), "{next}");
            assert!(next.contains("with too little unlocked stake"), "{next}");
            assert_eq!(view["status"], "posted", "not seeded without a committee");
            break;
        }
        assert!(Instant::now() < until, "no reason given: {view}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_member_is_replaced_after_its_own_deadline() {
    let network = Network::start(Some(8)).await;
    let workers = [network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    // Jailing off: the replacement must come from the seed's ranking alone.
    let (address, cancel, task) = network.start_scheduler(network.args_with("127.0.0.1:0", 0, false)).await;
    let customer = network.customer().await;
    let job_id = post_job(&network, &customer, 1).await;
    let job = network.wait_assigned(&job_id).await;
    let first: Vec<_> = job.committee().to_vec();
    // The spare worker arrives after the assignment; nobody submits.
    let spare = network.worker(SOL).await;
    assert!(!first.contains(&spare.pubkey()));
    for worker in &workers {
        assert!(first.contains(&worker.pubkey()));
    }
    let until = Instant::now() + PATIENCE;
    let replaced = loop {
        let job = network.job(&job_id).await;
        if job.replaced_count > 0 {
            break job;
        }
        assert!(Instant::now() < until, "no member was replaced");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Never before the member's own deadline, and by the one worker that was free.
    let replaced_worker = replaced.replaced()[0];
    let index = first.iter().position(|worker| *worker == replaced_worker).unwrap();
    assert!(replaced.committee().contains(&spare.pubkey()), "the spare joined the committee");
    assert_eq!(replaced.committee()[index], spare.pubkey());
    assert!(replaced.member_deadline(index) > job.member_deadline(index), "the replacement got a new deadline");
    assert_eq!(replaced.replaced_count, 1, "one spare, one replacement");
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let sent = "instruction=\"reassign_missing\",outcome=\"sent\"";
    let text =
        metrics_when(&http, address, |text| counter(text, "edgerun_scheduler_transactions_total", sent) > 0).await;
    assert_eq!(counter(&text, "edgerun_scheduler_transactions_total", sent), 1, "{text}");
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}

/// Jobs waiting together are seeded and assigned several to a transaction, and a job the
/// program refuses (posted, yet its seed already set: `set_job_seed` fails with `SeedAlreadySet`)
/// is taken out of its transaction by the instruction that failed, marked stuck by the error's
/// name, while the jobs beside it are assigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiting_jobs_share_assignment_transactions_and_a_refused_one_does_not_hold_the_others() {
    let network = Network::start(Some(1_000)).await;
    for _ in 0..3 {
        network.worker(30 * SOL).await;
    }
    const JOBS: u64 = 7;
    let customer = network.customer().await;
    let mut jobs = Vec::new();
    for nonce in 0..JOBS {
        jobs.push(post_job(&network, &customer, nonce).await);
    }
    // In the middle of the line, so that it shares a transaction with others.
    let refused = jobs[3];
    let job_account = pda::job_address(&refused);
    let account = network.client.backend().get_account(&job_account).await.unwrap().expect("the job account");
    let mut tampered = network.job(&refused).await;
    tampered.seed_set = true.into();
    let mut data = account.data.clone();
    let header = data.len() - std::mem::size_of::<edgerun::state::Job>();
    data[header..].copy_from_slice(bytemuck::bytes_of(&tampered));
    let update = serde_json::json!([job_account.to_string(), { "data": hex::encode(&data) }]);
    network.client.backend().call::<serde_json::Value>("surfnet_setAccount", update).await.expect("surfnet_setAccount");
    let now = network.job(&refused).await;
    assert!(now.seed_set.get() && now.status() == Ok(JobStatus::Posted), "the tampered job as the chain has it");

    // Every job is waiting when the scheduler starts: its first pass queues them all at once.
    let (address, cancel, task) = network.scheduler(3).await;
    for job_id in jobs.iter().filter(|job_id| **job_id != refused) {
        assert_eq!(network.wait_assigned(job_id).await.status(), Ok(JobStatus::Assigned));
    }
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let until = Instant::now() + PATIENCE;
    loop {
        let (_, view) = get(&http, address, &format!("/v1/jobs/{}", hex::encode(refused))).await;
        if view["next"].as_str().is_some_and(|next| next.contains("SeedAlreadySet")) {
            break;
        }
        assert!(Instant::now() < until, "the refused job's reason is not given: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(network.job(&refused).await.assigned_count, 0);

    let assigned = (JOBS - 1) as f64;
    let text =
        metrics_when(&http, address, |text| sample(text, "edgerun_scheduler_assignment_batch_jobs_sum") >= assigned)
            .await;
    // Every assigned job once, in fewer transactions than jobs.
    assert_eq!(sample(&text, "edgerun_scheduler_assignment_batch_jobs_sum"), assigned, "{text}");
    let transactions = sample(&text, "edgerun_scheduler_assignment_batch_jobs_count");
    assert!((1.0..assigned).contains(&transactions), "{transactions} transactions for {assigned} jobs\n{text}");
    assert_eq!(
        counter(
            &text,
            "edgerun_scheduler_transactions_total",
            "instruction=\"set_job_seed+assign_workers\",outcome=\"sent\""
        ),
        transactions as u64,
        "{text}"
    );
    assert!(
        counter(
            &text,
            "edgerun_scheduler_transactions_total",
            "instruction=\"set_job_seed+assign_workers\",outcome=\"refused\""
        ) >= 1,
        "{text}"
    );
    assert!(text.contains(&format!("edgerun_scheduler_assignment_slots_count {assigned}")), "{text}");
    // Each member locked once per job it sits on.
    let seats: u64 = network.client.workers().await.unwrap().iter().map(|(_, stake)| stake.jobs_assigned.get()).sum();
    assert_eq!(seats, 3 * (JOBS - 1));
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}

/// A child process killed (and reaped) when dropped.
struct ChildGuard(Option<Child>);

impl ChildGuard {
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_scheduler(network: &Network, log: &std::path::Path) -> ChildGuard {
    let args = network.args("127.0.0.1:0", 3);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_edgerun-scheduler"))
        .args(["--url", &args.url, "--ws-url", args.ws_url.as_deref().unwrap()])
        .args(["--keypair", args.keypair.as_ref().unwrap().to_str().unwrap()])
        .args(["--storage", &args.storage, "--listen", "127.0.0.1:0", "--reconcile-interval", "500ms"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn edgerun-scheduler");
    ChildGuard(Some(child))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduler_killed_mid_batch_and_restarted_assigns_every_job_once() {
    let network = Network::start(Some(1_000)).await;
    // Enough stake for every job of the batch at once.
    for _ in 0..4 {
        network.worker(30 * SOL).await;
    }
    let log = network.dir.path().join("scheduler.log");
    let mut scheduler = spawn_scheduler(&network, &log);

    const JOBS: u64 = 12;
    let customer = network.customer().await;
    let mut jobs = Vec::new();
    for nonce in 0..JOBS {
        jobs.push(post_job(&network, &customer, nonce).await);
        if nonce == JOBS / 2 {
            // Mid-batch: as soon as one job is assigned, SIGKILL.
            network.wait_assigned(&jobs[0]).await;
            scheduler.kill();
        }
    }
    let assigned_while_down: usize = {
        let mut count = 0;
        for job_id in &jobs {
            count += usize::from(network.job(job_id).await.assigned_count > 0);
        }
        count
    };
    assert!(assigned_while_down < jobs.len(), "the batch finished before the kill; nothing was tested");
    let _restarted = spawn_scheduler(&network, &log);
    for job_id in &jobs {
        let job = network.wait_assigned(job_id).await;
        assert_eq!(job.status(), Ok(JobStatus::Assigned));
    }
    // Once each: every assignment locks each member once and counts it on its stake account.
    let workers = network.client.workers().await.unwrap();
    let seats: u64 = workers.iter().map(|(_, stake)| stake.jobs_assigned.get()).sum();
    assert_eq!(seats, 3 * JOBS, "{} seats for {JOBS} jobs of 3", seats);
    let locked: u64 = workers.iter().map(|(_, stake)| stake.locked_stake.get()).sum();
    let lock = network.job(&jobs[0]).await.required_lock.get();
    assert_eq!(locked, 3 * JOBS * lock);
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(!log_text.contains("panicked"), "{log_text}");
}

/// The sample `name{labels}` on a Prometheus page, 0 when absent.
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_viewers_of_a_job_cost_the_cluster_what_one_does() {
    let network = Network::start(None).await;
    let (address, cancel, task) = network.scheduler(1).await;
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let customer = network.customer().await;
    // No worker: the job stays posted, and its view is read only when something changes.
    let job_id = post_job(&network, &customer, 1).await;
    let metrics =
        || async { http.get(format!("http://{address}/metrics")).send().await.unwrap().text().await.unwrap() };
    // The reads a job view takes: the committee's results in one request.
    let views = |page: &str| sample(page, "edgerun_scheduler_rpc_requests_total{method=\"getMultipleAccounts\"}");
    let before = views(&metrics().await);

    let mut streams = Vec::new();
    for _ in 0..200 {
        let mut stream =
            http.get(format!("http://{address}/v1/jobs/{}/events", hex::encode(job_id))).send().await.unwrap();
        assert_eq!(stream.status(), 200);
        // Each viewer gets the job's view at once, from the shared feed.
        let first = tokio::time::timeout(Duration::from_secs(30), stream.chunk()).await.expect("an event").unwrap();
        assert!(String::from_utf8_lossy(&first.unwrap()).starts_with("event: job"));
        streams.push(stream);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let page = metrics().await;
    let reads = views(&page) - before;
    assert!(reads <= 2.0, "200 viewers made the scheduler read the job's view {reads} times");
    // The job did not change: a viewer is sent nothing more than keep-alive comments (a stream
    // that resent the view it already sent would flood every viewer).
    for stream in streams.iter_mut().take(3) {
        let mut resent = 0;
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_millis(500), stream.chunk()).await {
            resent += String::from_utf8_lossy(&chunk).matches("event: job").count();
            assert!(resent < 5, "an unchanged job's view was sent again and again");
        }
        assert_eq!(resent, 0, "an unchanged job's view was sent again");
    }

    // 50 viewers of every job's changes share one feed: a new job is viewed once for all.
    let mut watchers = Vec::new();
    for _ in 0..50 {
        let stream = http.get(format!("http://{address}/v1/events")).send().await.unwrap();
        assert_eq!(stream.status(), 200);
        watchers.push(stream);
    }
    let before = views(&metrics().await);
    let second = post_job(&network, &customer, 2).await;
    for watcher in watchers.iter_mut() {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let mut seen = String::new();
        while !seen.contains(&hex::encode(second)) {
            let chunk = tokio::time::timeout_at(deadline, watcher.chunk()).await.expect("the new job's event");
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().expect("an open stream")));
        }
    }
    let reads = views(&metrics().await) - before;
    assert!(reads <= 3.0, "50 viewers of /v1/events made the scheduler read the new job's view {reads} times");
    drop(watchers);
    cancel.cancel();
    drop(streams);
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_past_its_rate_limit_is_told_when_to_come_back() {
    let network = Network::start(None).await;
    let mut args = network.args("127.0.0.1:0", 3);
    args.rate_limit = 1;
    args.rate_limit_burst = 5;
    let (address, cancel, task) = network.start_scheduler(args).await;
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = http.get(format!("http://{address}/openapi.json")).send().await.unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["code"], "rate_limited", "{body}");
        }
    }
    assert_eq!(&statuses[..5], [200; 5], "the burst is served: {statuses:?}");
    assert!(statuses[5..].iter().all(|status| *status == 429), "past the burst: {statuses:?}");
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task).await.expect("graceful stop in time").unwrap();
}
