//! Webhooks on a real local network (embedded surfpool validator, the real `.so`, a storage
//! gateway, the scheduler's service in this process): a job's customer registers two URLs, each
//! delivery is checked with the receiver's rule (`edgerun_sdk::webhook::verify`), strangers and
//! bad input are refused by name, and neither a receiver that is down (then up) nor a scheduler
//! restart loses the job's last stage.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use edgerun_sdk::webhook::{self, WebhookEvent};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use support::{bundle_writing, Network, SOL};
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(90);

/// One delivery as a receiver saw it.
struct Delivery {
    headers: HeaderMap,
    body: Bytes,
}

/// A receiver on `listener`: every POST to `/hook` is handed over and answered 200.
fn receive(listener: tokio::net::TcpListener) -> mpsc::UnboundedReceiver<Delivery> {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(Delivery { headers, body });
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    deliveries
}

/// Checks a delivery as a receiver should, and reads its event.
fn verified(delivery: &Delivery, secret: &str) -> WebhookEvent {
    let header = |name: &str| delivery.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let secret = hex::decode(secret).unwrap();
    webhook::verify(
        &secret,
        header(webhook::TIMESTAMP_HEADER),
        header(webhook::SIGNATURE_HEADER),
        &delivery.body,
        now,
        webhook::DEFAULT_TOLERANCE_SECS,
    )
    .expect("the delivery is signed with the registration's secret");
    // Another secret does not verify it.
    assert!(webhook::verify(
        &[0u8; 32],
        header(webhook::TIMESTAMP_HEADER),
        header(webhook::SIGNATURE_HEADER),
        &delivery.body,
        now,
        webhook::DEFAULT_TOLERANCE_SECS,
    )
    .is_err());
    let event: WebhookEvent = serde_json::from_slice(&delivery.body).expect("the body is a webhook event");
    assert_eq!(header(webhook::DELIVERY_ID_HEADER), event.delivery_id);
    assert_eq!(header(webhook::WEBHOOK_ID_HEADER), event.webhook_id);
    event
}

async fn next(deliveries: &mut mpsc::UnboundedReceiver<Delivery>, what: &str) -> Delivery {
    tokio::time::timeout(PATIENCE, deliveries.recv())
        .await
        .unwrap_or_else(|_| panic!("no delivery {what} within {PATIENCE:?}"))
        .expect("the receiver runs")
}

async fn register(
    http: &reqwest::Client,
    api: SocketAddr,
    job_id: &[u8; 32],
    url: &str,
    signer: &Keypair,
) -> (u16, Value) {
    let signature = signer.sign_message(&webhook::registration_message(job_id, url));
    let response = http
        .post(format!("http://{api}/v1/jobs/{}/webhooks", hex::encode(job_id)))
        .json(&json!({ "url": url, "signature": signature.to_string() }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn metric(http: &reqwest::Client, api: SocketAddr, line_prefix: &str) -> u64 {
    let text = http.get(format!("http://{api}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(line_prefix).map(|value| value.trim().parse::<f64>().unwrap() as u64))
        .unwrap_or_else(|| panic!("no metric {line_prefix} in\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stage_changes_reach_the_customers_urls_signed_across_a_down_receiver_and_a_restart() {
    let network = Network::start(None).await;
    let workers = vec![network.worker(10 * SOL).await, network.worker(10 * SOL).await, network.worker(10 * SOL).await];
    let customer = network.customer().await;
    let store = network.dir.path().join("webhooks");
    let args = || {
        let mut args = network.args("127.0.0.1:0", 0);
        args.webhook_store = Some(store.clone());
        args.webhook_retry_for = edgerun_service::flags::HumanDuration(Duration::from_secs(120));
        args
    };
    let (api, cancel, scheduler) = network.start_scheduler(args()).await;
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");

    let job_id = network.post_bundle(&customer, bundle_writing(b"hooked"), 1).await;
    network.wait_assigned(&job_id).await;

    // Receiver A is up; receiver B's port is free (nothing listens: it is down).
    let listener_a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url_a = format!("http://{}/hook", listener_a.local_addr().unwrap());
    let mut deliveries_a = receive(listener_a);
    let port_b = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let url_b = format!("http://{port_b}/hook");

    // Refused by name, nothing kept: a stranger's signature, a bad signature, a bad URL, an
    // unknown job, a body that is not JSON.
    let stranger = Keypair::new();
    let (status, body) = register(&http, api, &job_id, &url_a, &stranger).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("not_the_customer")), "{body}");
    // Signed for another URL than the one sent.
    let other = customer.sign_message(&webhook::registration_message(&job_id, "http://127.0.0.1:1/other"));
    let answer = http
        .post(format!("http://{api}/v1/jobs/{}/webhooks", hex::encode(job_id)))
        .json(&json!({ "url": url_a, "signature": other.to_string() }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);
    let answer = http
        .post(format!("http://{api}/v1/jobs/{}/webhooks", hex::encode(job_id)))
        .json(&json!({ "url": url_a, "signature": "not-base58!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    assert_eq!(answer.json::<Value>().await.unwrap()["code"], "invalid_signature");
    let (status, body) = register(&http, api, &job_id, "ftp://127.0.0.1/hook", &customer).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_url")), "{body}");
    let (status, body) = register(&http, api, &[9u8; 32], &url_a, &customer).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("job_not_found")), "{body}");
    let answer = http
        .post(format!("http://{api}/v1/jobs/{}/webhooks", hex::encode(job_id)))
        .header("content-type", "text/plain")
        .body("url=x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 415);
    assert_eq!(metric(&http, api, "edgerun_scheduler_webhooks ").await, 0);

    // The customer registers both; each answer's secret is the one its deliveries are signed with.
    let (status, created_a) = register(&http, api, &job_id, &url_a, &customer).await;
    assert_eq!(status, 201, "{created_a}");
    assert_eq!(created_a["stage"], "assigned");
    let (status, created_b) = register(&http, api, &job_id, &url_b, &customer).await;
    assert_eq!(status, 201, "{created_b}");
    assert_ne!(created_a["secret"], created_b["secret"]);
    let secret_a = created_a["secret"].as_str().unwrap().to_string();
    let secret_b = created_b["secret"].as_str().unwrap().to_string();

    // A hears the stage the job is at now.
    let first = verified(&next(&mut deliveries_a, "of the current stage").await, &secret_a);
    assert_eq!((first.stage.as_str(), first.previous_stage.as_deref()), ("assigned", None));
    assert_eq!(first.job_id, hex::encode(job_id));
    assert_eq!(first.webhook_id, created_a["id"].as_str().unwrap());
    assert_eq!(first.job, edgerun_sdk::pda::job_address(&job_id).to_string());
    // B's attempts fail and are retried.
    let deadline = Instant::now() + PATIENCE;
    while metric(&http, api, "edgerun_scheduler_webhook_attempts_total{outcome=\"retried\"}").await == 0 {
        assert!(Instant::now() < deadline, "B's failed delivery was not retried");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(metric(&http, api, "edgerun_scheduler_webhooks ").await, 2);

    // The scheduler stops; the job is run and paid out while it is down.
    cancel.cancel();
    scheduler.await.unwrap();
    let mut stored: Vec<_> = std::fs::read_dir(&store).unwrap().map(|entry| entry.unwrap().path()).collect();
    stored.sort();
    assert_eq!(stored.len(), 2, "one file per registration: {stored:?}");
    #[cfg(unix)]
    for path in &stored {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600, "{path:?} holds a secret");
    }
    let output_hash = network.execute_and_submit(&job_id, &workers).await;
    network.settle(&job_id, &workers, output_hash, &customer).await;

    // Restarted on the same store, it tells each registration the stage it missed: A from
    // `assigned` to `finalized`; B (still down) keeps trying, and hears `finalized` once it is up.
    let (api, cancel, scheduler) = network.start_scheduler(args()).await;
    let last = verified(&next(&mut deliveries_a, "after the restart").await, &secret_a);
    assert_eq!((last.stage.as_str(), last.previous_stage.as_deref()), ("finalized", Some("assigned")));
    assert_ne!(last.delivery_id, first.delivery_id);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut deliveries_b = receive(tokio::net::TcpListener::bind(port_b).await.unwrap());
    let only = verified(&next(&mut deliveries_b, "to B once it is up").await, &secret_b);
    assert_eq!((only.stage.as_str(), only.previous_stage.as_deref()), ("finalized", None));

    // After the last stage each registration is forgotten, file and all; nothing more arrives.
    let deadline = Instant::now() + PATIENCE;
    while metric(&http, api, "edgerun_scheduler_webhooks ").await != 0
        || std::fs::read_dir(&store).unwrap().count() != 0
    {
        assert!(Instant::now() < deadline, "the ended job's registrations were not forgotten");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(deliveries_a.try_recv().is_err(), "nothing after the last stage");
    assert!(metric(&http, api, "edgerun_scheduler_webhook_attempts_total{outcome=\"delivered\"}").await >= 1);
    cancel.cancel();
    scheduler.await.unwrap();
}
