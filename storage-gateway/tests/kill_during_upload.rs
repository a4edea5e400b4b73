//! A gateway process killed in the middle of an upload leaves no partial object visible, and
//! a restarted gateway on the same folder accepts the object afresh.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use common::{data, expect_error, files_under, hash_hex, wait_until};
use futures::SinkExt;
use reqwest::StatusCode;

/// A gateway process, killed when dropped so a failing test leaves no server behind.
struct GatewayProcess(Child);

impl GatewayProcess {
    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary on a free port over `store`; returns the process and its base URL.
fn spawn_gateway(store: &Path, extra: &[&str]) -> (GatewayProcess, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgerun-storage-gateway"))
        .args(["--listen", "127.0.0.1:0", "--store"])
        .arg(store)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("edgerun-storage-gateway listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (GatewayProcess(child), base)
}

#[tokio::test]
async fn kill_mid_upload_leaves_nothing_visible_and_restart_accepts_the_object() {
    let dir = tempfile::tempdir().unwrap();
    let body = data(20 * 1024 * 1024, 42);
    let path = format!("/bundle/{}", hash_hex(&body));
    let uploads = dir.path().join("uploads");

    let (mut gateway, base) = spawn_gateway(dir.path(), &[]);
    let url = format!("{base}{path}");

    // A slow upload: most of the body, then silence.
    let (mut sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let upload = tokio::spawn({
        let url = url.clone();
        async move { reqwest::Client::new().put(&url).body(reqwest::Body::wrap_stream(receiver)).send().await }
    });
    for chunk in body[..18 * 1024 * 1024].chunks(1024 * 1024) {
        sender.send(Ok(Bytes::copy_from_slice(chunk))).await.unwrap();
    }
    wait_until("the upload is staged on disk", || !files_under(&uploads).is_empty()).await;
    expect_error(reqwest::get(&url).await.unwrap(), 404, "not_found").await;

    gateway.kill();
    drop(sender);
    assert!(upload.await.unwrap().is_err(), "the killed upload cannot have succeeded");

    // The crash left staging data behind, but nothing under the final key.
    assert!(!files_under(&uploads).is_empty());
    assert!(files_under(&dir.path().join("bundle")).is_empty());

    // Restart on the same folder; a stale-upload age of 1 ms makes the start-up sweep take the leftovers.
    let (mut gateway, base) = spawn_gateway(dir.path(), &["--stale-upload-age", "1ms"]);
    let url = format!("{base}{path}");
    wait_until("the leftovers are swept", || files_under(&uploads).is_empty()).await;
    expect_error(reqwest::get(&url).await.unwrap(), 404, "not_found").await;
    let http = reqwest::Client::new();
    assert_eq!(http.head(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let response = http.put(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(http.get(&url).send().await.unwrap().bytes().await.unwrap(), Bytes::from(body));

    gateway.kill();
}
