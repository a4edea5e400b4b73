//! The HTTP rules, against a real listening gateway over a real temporary folder.

mod common;

use std::os::unix::fs::MetadataExt;

use bytes::Bytes;
use common::{data, expect_error, files_under, hash_hex, wait_until, TestGateway};
use reqwest::StatusCode;

use edgerun_storage_gateway::routes::PutResponse;

fn published_files(gateway: &TestGateway, kind: &str) -> Vec<std::path::PathBuf> {
    files_under(&gateway.root().join(kind))
}

#[tokio::test]
async fn put_get_head_round_trip_with_immutable_headers() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    let body = data(5000, 1);
    let hash = hash_hex(&body);

    let response = http.put(gateway.url(&format!("/bundle/{hash}"))).body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: PutResponse = response.json().await.unwrap();
    assert_eq!(receipt, PutResponse { kind: "bundle".into(), hash: hash.clone(), size: 5000, created: true });

    let response = http.get(gateway.url(&format!("/bundle/{hash}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-length"], "5000");
    assert_eq!(headers["etag"].to_str().unwrap(), format!("\"{hash}\""));
    assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(response.bytes().await.unwrap(), Bytes::from(body.clone()));

    let response = http.head(gateway.url(&format!("/bundle/{hash}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-length"], "5000");
    assert_eq!(response.headers()["etag"].to_str().unwrap(), format!("\"{hash}\""));
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(response.bytes().await.unwrap().is_empty());

    // Kinds are separate namespaces.
    let response = http.get(gateway.url(&format!("/output/{hash}"))).send().await.unwrap();
    expect_error(response, 404, "not_found").await;
    let response = http.head(gateway.url(&format!("/output/{hash}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = http
        .get(gateway.url(&format!("/bundle/{hash}")))
        .header("if-none-match", format!("\"{hash}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn empty_and_output_objects() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    for (kind, body) in [("output", Vec::new()), ("output", data(10, 2)), ("bundle", Vec::new())] {
        let hash = hash_hex(&body);
        let url = gateway.url(&format!("/{kind}/{hash}"));
        let response = http.put(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let fetched = http.get(&url).send().await.unwrap();
        assert_eq!(fetched.headers()["content-length"].to_str().unwrap(), body.len().to_string());
        assert_eq!(fetched.bytes().await.unwrap(), Bytes::from(body));
    }
}

#[tokio::test]
async fn re_put_of_identical_content_succeeds_without_rewriting() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    // One small (single put) and one large (multipart) object.
    for body in [data(1000, 3), data(9 * 1024 * 1024, 4)] {
        let hash = hash_hex(&body);
        let url = gateway.url(&format!("/bundle/{hash}"));
        assert_eq!(http.put(&url).body(body.clone()).send().await.unwrap().status(), StatusCode::CREATED);
        let stored = published_files(&gateway, "bundle").into_iter().find(|p| p.ends_with(&hash)).unwrap();
        let before = std::fs::metadata(&stored).unwrap();

        let response = http.put(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let receipt: PutResponse = response.json().await.unwrap();
        assert!(!receipt.created);
        assert_eq!(receipt.size, body.len() as u64);

        // Same file, not replaced: same inode and modification time.
        let after = std::fs::metadata(&stored).unwrap();
        assert_eq!(
            (after.ino(), after.mtime(), after.mtime_nsec()),
            (before.ino(), before.mtime(), before.mtime_nsec())
        );
    }
    assert!(files_under(&gateway.root().join("uploads")).is_empty());
}

#[tokio::test]
async fn body_not_matching_its_name_is_refused_and_leaves_nothing() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    let claimed = hash_hex(b"what the client promised");
    for body in [data(100, 5), data(10 * 1024 * 1024, 6)] {
        let url = gateway.url(&format!("/output/{claimed}"));
        let response = http.put(&url).body(body).send().await.unwrap();
        expect_error(response, 422, "hash_mismatch").await;
        expect_error(http.get(&url).send().await.unwrap(), 404, "not_found").await;
    }
    assert!(files_under(gateway.root()).is_empty(), "{:?}", files_under(gateway.root()));

    // A re-PUT to an existing name with different bytes is refused too, and changes nothing.
    let real = data(50, 7);
    let hash = hash_hex(&real);
    let url = gateway.url(&format!("/output/{hash}"));
    assert_eq!(http.put(&url).body(real.clone()).send().await.unwrap().status(), StatusCode::CREATED);
    expect_error(http.put(&url).body(data(50, 8)).send().await.unwrap(), 422, "hash_mismatch").await;
    assert_eq!(http.get(&url).send().await.unwrap().bytes().await.unwrap(), Bytes::from(real));
}

#[tokio::test]
async fn malformed_names_unknown_objects_and_routes() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    let good = hash_hex(b"x");
    for bad in [good.to_uppercase(), good[..63].to_string(), format!("{good}00"), "z".repeat(64)] {
        for kind in ["bundle", "output"] {
            let url = gateway.url(&format!("/{kind}/{bad}"));
            expect_error(http.get(&url).send().await.unwrap(), 400, "malformed_hash").await;
            expect_error(http.put(&url).body("x").send().await.unwrap(), 400, "malformed_hash").await;
            let head = http.head(&url).send().await.unwrap();
            assert_eq!(head.status(), StatusCode::BAD_REQUEST);
        }
    }
    expect_error(http.get(gateway.url(&format!("/bundle/{good}"))).send().await.unwrap(), 404, "not_found").await;
    expect_error(http.get(gateway.url("/nothing/here")).send().await.unwrap(), 404, "no_such_route").await;
    expect_error(http.post(gateway.url(&format!("/bundle/{good}"))).send().await.unwrap(), 405, "method_not_allowed")
        .await;
}

#[tokio::test]
async fn size_caps_per_kind_answer_413() {
    let gateway = TestGateway::start(&["--max-bundle-bytes", "1000", "--max-output-bytes", "2000"]).await;
    let http = reqwest::Client::new();

    let at_cap = data(1000, 9);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&at_cap)));
    assert_eq!(http.put(&url).body(at_cap).send().await.unwrap().status(), StatusCode::CREATED);

    let over = data(1001, 9);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&over)));
    expect_error(http.put(&url).body(over.clone()).send().await.unwrap(), 413, "too_large").await;
    // The output cap is separate.
    let url = gateway.url(&format!("/output/{}", hash_hex(&over)));
    assert_eq!(http.put(&url).body(over).send().await.unwrap().status(), StatusCode::CREATED);

    // Without Content-Length (chunked), the cap is enforced while streaming.
    let over = data(2500, 10);
    let url = gateway.url(&format!("/output/{}", hash_hex(&over)));
    let chunks: Vec<Result<Bytes, std::io::Error>> = over.chunks(500).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let response = http.put(&url).body(reqwest::Body::wrap_stream(futures::stream::iter(chunks))).send().await.unwrap();
    expect_error(response, 413, "too_large").await;
    expect_error(http.get(&url).send().await.unwrap(), 404, "not_found").await;
    assert_eq!(published_files(&gateway, "output").len(), 1);
    assert!(files_under(&gateway.root().join("uploads")).is_empty());
}

#[tokio::test]
async fn range_requests() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    let body = data(1000, 11);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&body)));
    http.put(&url).body(body.clone()).send().await.unwrap();

    for (range, expected, content_range) in [
        ("bytes=0-9", &body[0..10], "bytes 0-9/1000"),
        ("bytes=990-", &body[990..], "bytes 990-999/1000"),
        ("bytes=-5", &body[995..], "bytes 995-999/1000"),
        ("bytes=500-5000", &body[500..], "bytes 500-999/1000"),
    ] {
        let response = http.get(&url).header("range", range).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(response.headers()["content-range"], content_range);
        assert_eq!(response.headers()["content-length"].to_str().unwrap(), expected.len().to_string());
        assert_eq!(response.bytes().await.unwrap(), Bytes::copy_from_slice(expected));
    }

    let response = http.get(&url).header("range", "bytes=1000-").send().await.unwrap();
    assert_eq!(response.headers()["content-range"], "bytes */1000");
    expect_error(response, 416, "range_not_satisfiable").await;

    // Multiple ranges are answered with the whole object.
    let response = http.get(&url).header("range", "bytes=0-1,5-6").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), Bytes::from(body));

    let missing = gateway.url(&format!("/bundle/{}", hash_hex(b"missing")));
    expect_error(http.get(&missing).header("range", "bytes=0-1").send().await.unwrap(), 404, "not_found").await;
}

#[tokio::test]
async fn concurrent_puts_of_one_hash_store_one_object() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    for body in [data(3000, 12), data(9 * 1024 * 1024, 13)] {
        let url = gateway.url(&format!("/output/{}", hash_hex(&body)));
        let puts = (0..8).map(|_| {
            let request = http.put(&url).body(body.clone());
            async move {
                let response = request.send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                response.json::<PutResponse>().await.unwrap()
            }
        });
        let receipts = futures::future::join_all(puts).await;
        assert_eq!(receipts.iter().filter(|r| r.created).count(), 1);
        assert_eq!(http.get(&url).send().await.unwrap().bytes().await.unwrap(), Bytes::from(body));
    }
    assert_eq!(published_files(&gateway, "output").len(), 2);
    assert!(files_under(&gateway.root().join("uploads")).is_empty());
}

#[tokio::test]
async fn abandoned_upload_is_cleaned_up_and_never_visible() {
    let gateway = TestGateway::start(&[]).await;
    let body = data(12 * 1024 * 1024, 14);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&body)));

    // Send more than the in-memory threshold, then stall without finishing.
    let (mut sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let upload = tokio::spawn({
        let url = url.clone();
        async move { reqwest::Client::new().put(&url).body(reqwest::Body::wrap_stream(receiver)).send().await }
    });
    use futures::SinkExt;
    for chunk in body[..10 * 1024 * 1024].chunks(1024 * 1024) {
        sender.send(Ok(Bytes::copy_from_slice(chunk))).await.unwrap();
    }
    let uploads = gateway.root().join("uploads");
    wait_until("the upload is staged", || !files_under(&uploads).is_empty()).await;
    expect_error(reqwest::get(&url).await.unwrap(), 404, "not_found").await;

    // The client goes away mid-body: the server aborts and removes the staged upload.
    upload.abort();
    drop(sender);
    wait_until("the staged upload is removed", || files_under(&uploads).is_empty()).await;
    expect_error(reqwest::get(&url).await.unwrap(), 404, "not_found").await;
    assert!(published_files(&gateway, "bundle").is_empty());
}

#[tokio::test]
async fn health_and_metrics() {
    let gateway = TestGateway::start(&[]).await;
    let http = reqwest::Client::new();
    let health: serde_json::Value = http.get(gateway.url("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["write_policy"], "open");

    let body = data(777, 15);
    let url = gateway.url(&format!("/bundle/{}", hash_hex(&body)));
    http.put(&url).body(body.clone()).send().await.unwrap();
    http.get(&url).send().await.unwrap().bytes().await.unwrap();
    http.put(gateway.url(&format!("/bundle/{}", hash_hex(b"other")))).body("nope").send().await.unwrap();

    let response = http.get(gateway.url("/metrics")).send().await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for line in [
        r#"edgerun_storage_requests_total{method="PUT",route="/bundle/{hash}",status="201"} 1"#,
        r#"edgerun_storage_requests_total{method="GET",route="/bundle/{hash}",status="200"} 1"#,
        r#"edgerun_storage_requests_total{method="PUT",route="/bundle/{hash}",status="422"} 1"#,
        r#"edgerun_storage_requests_total{method="GET",route="/health",status="200"} 1"#,
        r#"edgerun_storage_rejects_total{reason="hash_mismatch"} 1"#,
        r#"edgerun_storage_bytes_received_total{kind="bundle"} 781"#,
        r#"edgerun_storage_bytes_sent_total{kind="bundle"} 777"#,
        r#"edgerun_storage_objects_created_total{kind="bundle"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
}
