//! An unmodified `wasm32-wasip1` program (`guests/wasi-wordfreq`, plain Rust with std) run as a
//! job through the network of processes, the way a customer submits one: `edgerun job submit
//! --wasi --arg ...`, twice, settled by the committee with the same output hash both times.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{launcher, workspace, Launched};

/// A binary built beside the launcher (`launcher()` checks that they are).
fn binary(name: &str) -> PathBuf {
    launcher().parent().unwrap().join(name)
}

/// `edgerun job submit --wasi` of the word-count program on `input`, waited for; its JSON report.
fn submit(network: &Launched, input: &std::path::Path) -> serde_json::Value {
    let config = network.state.path().join("cli-config.yml");
    let output = Command::new(binary("edgerun"))
        .args(["job", "submit", "--wasi", "--wasm"])
        .arg(workspace("target/guests/wasi_wordfreq.wasm"))
        .arg("--input")
        .arg(input)
        .args(["--arg", "--top", "--arg", "3", "--max-instructions", "500000000"])
        .args(["--escrow", "0.05", "--wait", "--timeout", "300", "--output", "json", "-C"])
        .arg(&config)
        .output()
        .expect("run edgerun job submit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "submit failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not JSON ({error}):\n{stdout}"))
}

#[test]
fn an_unmodified_wasi_program_runs_as_a_job_twice_with_the_same_output_hash() {
    let network = Launched::start(&[]);
    let input = network.state.path().join("book.txt");
    std::fs::write(&input, "It was the best of times, it was the worst of times;\nit was the age of wisdom.\n")
        .unwrap();

    let first = submit(&network, &input);
    let second = submit(&network, &input);
    for report in [&first, &second] {
        assert_eq!(report["outcome"]["status"], "finalized", "{report:#}");
        assert_eq!(report["outcome"]["exit_code"], 0, "{report:#}");
        assert!(report["outcome"]["error"].is_null(), "{report:#}");
    }
    assert_ne!(first["job_id"], second["job_id"], "two jobs");
    assert_eq!(first["outcome"]["output_hash"], second["outcome"]["output_hash"]);
    let stdout = first["outcome"]["output"].as_str().expect("stdout shown as text");
    assert_eq!(stdout, "lines 2\nwords 18\nbytes 79\nmean_word_len 3.222\n     3 it\n     3 of\n     3 the\n");

    // The committee's hash is the local dry run's: `edgerun-worker exec --wasi` on the same files.
    let local = Command::new(binary("edgerun-worker"))
        .args(["exec", "--wasi", "--wasm"])
        .arg(workspace("target/guests/wasi_wordfreq.wasm"))
        .arg("--input")
        .arg(&input)
        .args(["--arg", "--top", "--arg", "3", "--max-instructions", "500000000", "--max-memory-bytes", "67108864"])
        .output()
        .expect("run edgerun-worker exec");
    assert!(local.status.success(), "{}", String::from_utf8_lossy(&local.stderr));
    let local: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(local["output_hash"], first["outcome"]["output_hash"]);
}
