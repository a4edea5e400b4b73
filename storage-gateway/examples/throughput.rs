//! Gateway throughput against plain file I/O of the same bytes on the same disk.
//!
//! Run: `cargo run --release -p edgerun-storage-gateway --example throughput`
//!
//! An example rather than a `cargo bench` target, like the other benchmarks
//! (`migrations/examples/bench_pipeline.rs`): `cargo test` builds examples, so the test
//! command's lint pass covers it without a build of its own (`scripts/test.sh`).
//!
//! Starts a real gateway (open policy, local folder store) on 127.0.0.1 and drives it with
//! reqwest over loopback. Prints one table: PUT/GET MiB/s for 1 MiB and 256 MiB blobs next to
//! a plain `write`/`read` of the same bytes in the same temporary folder, and requests per
//! second for 1 KiB objects. Every PUT stores new bytes (identical re-PUTs would be no-ops).
//! Reads of both the gateway and the baseline come from the page cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use edgerun_storage_gateway::config::Cli;
use edgerun_storage_gateway::Gateway;
use futures::StreamExt;

const MIB: usize = 1024 * 1024;

struct Case {
    label: &'static str,
    size: usize,
    count: usize,
}

const LARGE_CASES: [Case; 2] =
    [Case { label: "1 MiB", size: MIB, count: 64 }, Case { label: "256 MiB", size: 256 * MIB, count: 2 }];
const SMALL_SIZE: usize = 1024;
const SMALL_PUTS: usize = 4000;
const SMALL_GETS: usize = 10_000;
const SMALL_CONCURRENCY: usize = 32;

fn main() {
    // Takes no options.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}

/// `count` distinct blobs of `size` bytes (distinct so every PUT really stores).
fn blobs(size: usize, count: usize, seed: u8) -> Vec<Bytes> {
    let mut base = vec![0u8; size];
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(seed);
    for chunk in base.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    (0..count)
        .map(|i| {
            let mut blob = base.clone();
            blob[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Bytes::from(blob)
        })
        .collect()
}

fn mib_per_sec(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / MIB as f64 / elapsed.as_secs_f64()
}

async fn run() {
    // Under the target folder (as `cargo bench`'s CARGO_TARGET_TMPDIR was): the disk builds use,
    // not a tmpfs that would flatter both the gateway and the baseline.
    let scratch = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let store = dir.path().join("store");
    let baseline = dir.path().join("baseline");
    std::fs::create_dir_all(&baseline).unwrap();

    let cli = Cli::try_parse_from([
        "bench",
        "--listen",
        "127.0.0.1:0",
        "--store",
        store.to_str().unwrap(),
        "--max-bundle-bytes",
        &(512 * MIB).to_string(),
    ])
    .unwrap();
    let gateway = Gateway::start(&cli.gateway_config()).await.unwrap();
    let listener = tokio::net::TcpListener::bind(cli.listen).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(gateway.serve(listener, std::future::pending()));
    let http = reqwest::Client::new();

    println!("storage gateway benchmark (store and baseline in {})", dir.path().display());
    println!("{:<28} {:>10} {:>14} {:>16}", "operation", "objects", "gateway", "plain file I/O");

    for (seed, case) in LARGE_CASES.iter().enumerate() {
        let blobs = blobs(case.size, case.count, seed as u8);
        let hashes: Vec<String> = blobs.iter().map(|b| blake3::hash(b).to_hex().to_string()).collect();
        let total = case.size * case.count;

        let started = Instant::now();
        for (blob, hash) in blobs.iter().zip(&hashes) {
            let response = http.put(format!("{base}/bundle/{hash}")).body(blob.clone()).send().await.unwrap();
            assert_eq!(response.status(), 201);
        }
        let put = mib_per_sec(total, started.elapsed());

        let started = Instant::now();
        for (i, blob) in blobs.iter().enumerate() {
            std::fs::write(baseline.join(format!("{}-{i}", case.label)), blob).unwrap();
        }
        let write = mib_per_sec(total, started.elapsed());

        let started = Instant::now();
        for hash in &hashes {
            let response = http.get(format!("{base}/bundle/{hash}")).send().await.unwrap();
            let mut stream = response.bytes_stream();
            let mut received = 0;
            while let Some(chunk) = stream.next().await {
                received += chunk.unwrap().len();
            }
            assert_eq!(received, case.size);
        }
        let get = mib_per_sec(total, started.elapsed());

        let started = Instant::now();
        for i in 0..case.count {
            let read = std::fs::read(baseline.join(format!("{}-{i}", case.label))).unwrap();
            assert_eq!(read.len(), case.size);
        }
        let read = mib_per_sec(total, started.elapsed());

        println!(
            "{:<28} {:>10} {:>9.0} MiB/s {:>10.0} MiB/s",
            format!("PUT {} (vs write)", case.label),
            case.count,
            put,
            write
        );
        println!(
            "{:<28} {:>10} {:>9.0} MiB/s {:>10.0} MiB/s",
            format!("GET {} (vs read)", case.label),
            case.count,
            get,
            read
        );
    }

    let small = blobs(SMALL_SIZE, SMALL_PUTS, 99);
    let urls: Arc<Vec<String>> =
        Arc::new(small.iter().map(|b| format!("{base}/output/{}", blake3::hash(b).to_hex())).collect());
    let started = Instant::now();
    futures::stream::iter(small.iter().zip(urls.iter()))
        .for_each_concurrent(SMALL_CONCURRENCY, |(blob, url)| {
            let request = http.put(url).body(blob.clone());
            async move {
                assert_eq!(request.send().await.unwrap().status(), 201);
            }
        })
        .await;
    let put_rps = SMALL_PUTS as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    futures::stream::iter(0..SMALL_GETS)
        .for_each_concurrent(SMALL_CONCURRENCY, |i| {
            let request = http.get(&urls[i % urls.len()]);
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.bytes().await.unwrap().len(), SMALL_SIZE);
            }
        })
        .await;
    let get_rps = SMALL_GETS as f64 / started.elapsed().as_secs_f64();

    println!("{:<28} {:>10} {:>11.0} req/s", format!("PUT 1 KiB, {SMALL_CONCURRENCY} in flight"), SMALL_PUTS, put_rps);
    println!("{:<28} {:>10} {:>11.0} req/s", format!("GET 1 KiB, {SMALL_CONCURRENCY} in flight"), SMALL_GETS, get_rps);
}
