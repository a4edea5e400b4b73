//! `edgerun-worker exec` / `bundle` / `runtime-id`, run as a customer would.

mod common;

use std::process::Command;

use common::*;
use edgerun_worker::{error_record, runtime_id, ErrorCode, ReportSummary};

fn worker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edgerun-worker"))
}

fn parse_summary(output: std::process::Output) -> ReportSummary {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a summary ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn exec_wasm_and_input_prints_the_result_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (wasm_path, input_path, result_path) =
        (dir.path().join("g.wasm"), dir.path().join("in"), dir.path().join("out"));
    std::fs::write(&wasm_path, wasm(REVERSE_WAT)).unwrap();
    std::fs::write(&input_path, b"abc").unwrap();
    let out = worker()
        .args(["exec", "--max-instructions", "100000", "--max-memory-bytes", "1048576", "--wasm"])
        .arg(&wasm_path)
        .arg("--input")
        .arg(&input_path)
        .arg("--output")
        .arg(&result_path)
        .output()
        .unwrap();
    let summary = parse_summary(out);
    assert_eq!(summary.output_hash, hex::encode(blake3::hash(b"cba").as_bytes()));
    assert_eq!((summary.error_code, summary.output_len), (None, 3));
    assert!(summary.fuel_used > 0);
    assert_eq!(std::fs::read(&result_path).unwrap(), b"cba");
    // Same numbers as the library gives a worker.
    let report = runtime()
        .execute(
            &wasm(REVERSE_WAT),
            b"abc",
            edgerun_worker::Limits { max_instructions: 100_000, max_memory_bytes: 1_048_576 },
        )
        .unwrap();
    assert_eq!(summary, report.summary());
}

#[test]
fn exec_bundle_reports_failures_with_their_code_and_fuel() {
    let dir = tempfile::tempdir().unwrap();
    let (wasm_path, bundle_path) = (dir.path().join("loop.wasm"), dir.path().join("job.bundle"));
    std::fs::write(&wasm_path, wasm(&guest("(loop $l (br $l))", ""))).unwrap();
    let made = worker()
        .args(["bundle", "--max-instructions", "5000", "--max-memory-bytes", "1048576", "--wasm"])
        .arg(&wasm_path)
        .arg("--out")
        .arg(&bundle_path)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let bytes = std::fs::read(&bundle_path).unwrap();
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(made["bundle_hash"], hex::encode(blake3::hash(&bytes).as_bytes()));

    let summary = parse_summary(worker().arg("exec").arg("--bundle").arg(&bundle_path).output().unwrap());
    assert_eq!(summary.error_code, Some(ErrorCode::OutOfFuel as u32));
    assert_eq!(summary.error_name.as_deref(), Some("OutOfFuel"));
    assert_eq!(summary.fuel_used, 5000);
    assert_eq!(summary.output_hash, hex::encode(blake3::hash(&error_record(ErrorCode::OutOfFuel, 5000)).as_bytes()));

    // A corrupted bundle is a result too (every worker decodes the same bytes the same way).
    let mut corrupt = bytes.clone();
    corrupt.push(0);
    std::fs::write(&bundle_path, &corrupt).unwrap();
    let summary = parse_summary(worker().arg("exec").arg("--bundle").arg(&bundle_path).output().unwrap());
    assert_eq!(summary.error_code, Some(ErrorCode::BundleMalformed as u32));
}

#[test]
fn exec_refuses_bundles_for_another_runtime_and_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("other.bundle");
    let bundle = edgerun_worker::Bundle {
        runtime_id: [0; 32],
        wasm: wasm(REVERSE_WAT),
        input: vec![],
        limits: LIMITS,
        meta: None,
        args: Vec::new(),
    };
    std::fs::write(&bundle_path, bundle.encode().unwrap()).unwrap();
    let out = worker().arg("exec").arg("--bundle").arg(&bundle_path).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("runtime_id"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = worker().args(["exec", "--max-instructions", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--wasm"));
}

#[test]
fn runtime_id_subcommand_prints_the_id_and_descriptor() {
    let out = worker().arg("runtime-id").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (id, descriptor) = text.split_once('\n').unwrap();
    assert_eq!(id, hex::encode(runtime_id()));
    assert_eq!(descriptor, edgerun_worker::RUNTIME_DESCRIPTOR);
}
