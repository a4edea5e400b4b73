//! Signed writes under each write policy, and the typed client, against real gateways.

mod common;

use common::{data, expect_error, files_under, hash_hex, TestGateway};
use ed25519_dalek::SigningKey;
use edgerun_sdk::storage::{BlobKind, ContentHash, StorageClient, StorageError};
use edgerun_sdk::storage_auth::{now_unix_secs, WriteAuthorization};
use reqwest::StatusCode;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A PUT of `body` to `/{kind}/{hash of body}`, signed by `signer` at `timestamp` over `signed_path`.
async fn signed_put(
    gateway: &TestGateway,
    kind: &str,
    body: &[u8],
    signer: Option<(&SigningKey, u64, &str)>,
) -> reqwest::Response {
    let hash = hash_hex(body);
    let path = format!("/{kind}/{hash}");
    let mut request = reqwest::Client::new().put(gateway.url(&path)).body(body.to_vec());
    if let Some((key, timestamp, signed_path)) = signer {
        let signed_path = if signed_path.is_empty() { path.as_str() } else { signed_path };
        let auth = WriteAuthorization::sign(key, timestamp, "PUT", signed_path, blake3::hash(body).as_bytes());
        for (name, value) in auth.to_headers() {
            request = request.header(name, value);
        }
    }
    request.send().await.unwrap()
}

fn write_key_file(dir: &tempfile::TempDir, name: &str, lines: &[String]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test]
async fn open_policy_accepts_unsigned_but_checks_signatures_that_are_sent() {
    let gateway = TestGateway::start(&["--write-policy", "open"]).await;
    let now = now_unix_secs();
    assert_eq!(signed_put(&gateway, "bundle", b"unsigned", None).await.status(), StatusCode::CREATED);
    assert_eq!(signed_put(&gateway, "bundle", b"signed", Some((&key(1), now, ""))).await.status(), StatusCode::CREATED);
    let response = signed_put(&gateway, "bundle", b"bad", Some((&key(1), now, "/bundle/other"))).await;
    expect_error(response, 401, "auth_bad_signature").await;
}

#[tokio::test]
async fn allowlist_policy() {
    let keys_dir = tempfile::tempdir().unwrap();
    let allowed = key(1);
    let other_allowed = key(2);
    let file = write_key_file(
        &keys_dir,
        "allow",
        &[
            "# writers".into(),
            hex::encode(allowed.verifying_key().as_bytes()),
            bs58::encode(other_allowed.verifying_key().as_bytes()).into_string(),
        ],
    );
    let policy = format!("allowlist:{file}");
    let gateway = TestGateway::start(&["--write-policy", &policy, "--max-clock-skew", "60s"]).await;
    let now = now_unix_secs();

    for kind in ["bundle", "output"] {
        let body = format!("{kind} body");
        let body = body.as_bytes();
        expect_error(signed_put(&gateway, kind, body, None).await, 401, "signature_required").await;
        expect_error(signed_put(&gateway, kind, body, Some((&key(3), now, ""))).await, 403, "writer_not_allowed").await;
        expect_error(
            signed_put(&gateway, kind, body, Some((&allowed, now - 3600, ""))).await,
            401,
            "auth_timestamp_out_of_window",
        )
        .await;
        expect_error(
            signed_put(&gateway, kind, body, Some((&allowed, now + 3600, ""))).await,
            401,
            "auth_timestamp_out_of_window",
        )
        .await;
        // A signature for one object cannot be used for another.
        let other_path = format!("/{kind}/{}", hash_hex(b"another object"));
        expect_error(
            signed_put(&gateway, kind, body, Some((&allowed, now, &other_path))).await,
            401,
            "auth_bad_signature",
        )
        .await;
        assert!(files_under(&gateway.root().join(kind)).is_empty());
        assert!(files_under(&gateway.root().join("uploads")).is_empty());

        assert_eq!(signed_put(&gateway, kind, body, Some((&allowed, now, ""))).await.status(), StatusCode::CREATED);
        // Replaying the same signed request is harmless: nothing new is written.
        assert_eq!(signed_put(&gateway, kind, body, Some((&allowed, now, ""))).await.status(), StatusCode::OK);
        assert_eq!(
            signed_put(&gateway, kind, b"base58 listed key", Some((&other_allowed, now, ""))).await.status(),
            StatusCode::CREATED
        );
        // Reads are open.
        let read = reqwest::get(gateway.url(&format!("/{kind}/{}", hash_hex(body)))).await.unwrap();
        assert_eq!(read.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn client_round_trip_signed_writes_and_verified_reads() {
    let keys_dir = tempfile::tempdir().unwrap();
    let writer = key(7);
    let file = write_key_file(&keys_dir, "allow", &[hex::encode(writer.verifying_key().as_bytes())]);
    let policy = format!("allowlist:{file}");
    let gateway = TestGateway::start(&["--write-policy", &policy]).await;

    let anonymous = StorageClient::new(&gateway.base).unwrap();
    let signed = StorageClient::new(&format!("{}/", gateway.base)).unwrap().with_signer(writer);

    let bundle = data(4096, 1);
    let output = data(100, 2);
    match anonymous.put_bundle(bundle.clone()).await {
        Err(StorageError::Rejected { status, code, .. }) => {
            assert_eq!((status.as_u16(), code.as_str()), (401, "signature_required"))
        }
        other => panic!("unsigned write was not refused: {other:?}"),
    }

    let receipt = signed.put_bundle(bundle.clone()).await.unwrap();
    assert_eq!(receipt.hash, hash_hex(&bundle));
    assert!(receipt.created);
    assert!(!signed.put_bundle(bundle.clone()).await.unwrap().created);
    let output_receipt = signed.put_output(output.clone()).await.unwrap();

    let bundle_hash: ContentHash = receipt.hash.parse().unwrap();
    let output_hash: ContentHash = output_receipt.hash.parse().unwrap();
    assert_eq!(anonymous.get_bundle(&bundle_hash).await.unwrap(), bundle);
    assert_eq!(anonymous.get_output(&output_hash).await.unwrap(), output);
    assert!(anonymous.exists(BlobKind::Output, &output_hash).await.unwrap());
    assert!(!anonymous.exists(BlobKind::Bundle, &output_hash).await.unwrap());
    assert!(matches!(anonymous.get_bundle(&output_hash).await, Err(StorageError::NotFound)));
    assert!(matches!(
        anonymous.clone().with_max_download_bytes(4095).get_bundle(&bundle_hash).await,
        Err(StorageError::TooLarge { limit: 4095 })
    ));

    // Corrupt the stored bytes behind the gateway's back: the reader notices.
    let stored = files_under(&gateway.root().join("bundle")).pop().unwrap();
    let mut corrupted = bundle.clone();
    corrupted[0] ^= 1;
    std::fs::write(&stored, &corrupted).unwrap();
    match anonymous.get_bundle(&bundle_hash).await {
        Err(StorageError::HashMismatch { expected, actual }) => {
            assert_eq!(expected, bundle_hash);
            assert_eq!(actual, ContentHash::of(&corrupted));
        }
        other => panic!("corruption was not detected: {other:?}"),
    }

    assert!(StorageClient::new("ftp://example").is_err());
}
