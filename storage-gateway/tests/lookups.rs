//! What a stranger's reads of absent objects cost: answers cached, misses rate limited per client,
//! and no request adds a metric series.

mod common;

use std::time::Duration;

use common::{data, expect_error, hash_hex, TestGateway};
use reqwest::StatusCode;

/// Writes `body` straight into the store folder, behind the gateway's back (as another gateway
/// replica over the same store would).
fn store_behind_the_back(gateway: &TestGateway, kind: &str, body: &[u8]) {
    let hash = hash_hex(body);
    let folder = gateway.root().join(kind).join(&hash[..2]);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&hash), body).unwrap();
}

#[tokio::test]
async fn absent_objects_are_answered_from_memory_until_the_cache_expires_or_a_put() {
    let gateway = TestGateway::start(&["--negative-cache", "1500ms"]).await;
    let http = reqwest::Client::new();
    let body = data(300, 1);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&body)));

    expect_error(http.get(&url).send().await.unwrap(), 404, "not_found").await;
    // Now stored, but the gateway answers from its memory of the miss (no store lookup).
    store_behind_the_back(&gateway, "bundle", &body);
    expect_error(http.get(&url).send().await.unwrap(), 404, "not_found").await;
    assert_eq!(http.head(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(http.get(&url).send().await.unwrap().bytes().await.unwrap(), body);

    // A PUT through the gateway forgets the miss at once.
    let other = data(300, 2);
    let other_url = gateway.url(&format!("/output/{}", hash_hex(&other)));
    assert_eq!(http.head(&other_url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(http.put(&other_url).body(other.clone()).send().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(http.get(&other_url).send().await.unwrap().bytes().await.unwrap(), other);
}

#[tokio::test]
async fn a_client_that_keeps_missing_is_rate_limited() {
    let flags = ["--negative-lookups-per-sec", "1", "--negative-lookup-burst", "3"];
    let gateway = TestGateway::start(&flags).await;
    let http = reqwest::Client::new();
    let stored = data(100, 9);
    let stored_url = gateway.url(&format!("/bundle/{}", hash_hex(&stored)));
    http.put(&stored_url).body(stored.clone()).send().await.unwrap();
    // Lookups that find something are free.
    for _ in 0..10 {
        assert_eq!(http.head(&stored_url).send().await.unwrap().status(), StatusCode::OK);
    }

    let absent = |n: u8| gateway.url(&format!("/bundle/{}", hash_hex(&[n; 8])));
    for n in 0..3 {
        expect_error(http.get(absent(n)).send().await.unwrap(), 404, "not_found").await;
    }
    let refused = http.get(absent(3)).send().await.unwrap();
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 1);
    expect_error(refused, 429, "lookup_rate_limited").await;
    assert_eq!(http.head(absent(4)).send().await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    // Misses already known cost nothing and are still answered.
    expect_error(http.get(absent(0)).send().await.unwrap(), 404, "not_found").await;
    // The budget refills at the rate.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    expect_error(http.get(absent(5)).send().await.unwrap(), 404, "not_found").await;
}

/// The number of metric series after `requests` invented requests equals the number after a
/// few: labels are route templates, known methods, status codes and error codes.
#[tokio::test]
async fn metric_labels_stay_bounded_whatever_is_requested() {
    let gateway = TestGateway::start(&["--negative-lookups-per-sec", "0", "--negative-lookup-burst", "0"]).await;
    let http = reqwest::Client::new();
    let series = || async {
        let text = http.get(gateway.url("/metrics")).send().await.unwrap().text().await.unwrap();
        text.lines().filter(|line| !line.starts_with('#')).count()
    };
    let flood = |from: u32, to: u32| {
        let http = http.clone();
        let base = gateway.base.clone();
        async move {
            for n in from..to {
                let method = reqwest::Method::from_bytes(format!("X{n}").as_bytes()).unwrap();
                http.request(method, format!("{base}/bundle/{}", hash_hex(&n.to_le_bytes()))).send().await.unwrap();
                http.get(format!("{base}/random/{n}/path")).send().await.unwrap();
                http.get(format!("{base}/bundle/{}", hash_hex(&n.to_le_bytes()))).send().await.unwrap();
                http.get(format!("{base}/bundle/not-a-hash-{n}")).send().await.unwrap();
            }
        }
    };
    flood(0, 5).await;
    // The first scrape adds the series of /metrics itself.
    series().await;
    let after_a_few = series().await;
    flood(5, 200).await;
    assert_eq!(series().await, after_a_few);
}
