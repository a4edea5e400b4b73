//! Shared helpers for the runtime's integration tests.
#![allow(dead_code)]

use edgerun_worker::{ErrorCode, ExecutionReport, Limits, Runtime, RuntimeConfig};

/// Limits generous enough for every well-behaved test guest (the Rust guests declare a 64 MiB
/// memory maximum).
pub const LIMITS: Limits = Limits { max_memory_bytes: 64 * 1024 * 1024, max_instructions: 10_000_000 };

pub fn runtime() -> Runtime {
    Runtime::new(RuntimeConfig { concurrent_executions: 4, ..RuntimeConfig::default() }).expect("runtime")
}

pub fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap_or_else(|e| panic!("bad test WAT: {e}\n{wat}"))
}

pub fn run_wat(wat: &str, input: &[u8], limits: Limits) -> ExecutionReport {
    runtime().execute(&wasm(wat), input, limits).expect("runtime must answer")
}

pub fn expect_error(report: &ExecutionReport, code: ErrorCode) {
    assert_eq!(report.error_code(), Some(code), "report: {report:?}");
}

/// Wraps a body into a valid guest: the three imports, a 1-page bounded memory and `_start`.
pub fn guest(start_body: &str, extra: &str) -> String {
    format!(
        r#"(module
  (import "edgerun" "input_len" (func $input_len (result i32)))
  (import "edgerun" "read_input" (func $read_input (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 1 16)
  {extra}
  (func (export "_start") {start_body}))"#
    )
}

/// A guest that echoes its input reversed.
pub const REVERSE_WAT: &str = r#"(module
  (import "edgerun" "input_len" (func $input_len (result i32)))
  (import "edgerun" "read_input" (func $read_input (param i32 i32 i32) (result i32)))
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 2 16)
  (func (export "_start") (local $n i32) (local $i i32)
    (local.set $n (call $input_len))
    (drop (call $read_input (i32.const 0) (i32.const 0) (local.get $n)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (i32.const 65536) (local.get $i))
        (i32.load8_u (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (drop (call $write_output (i32.const 65536) (local.get $n)))))"#;

/// A Rust guest built by `scripts/build-guests.sh` (`name` as in guests/, e.g. "json-redact").
/// Missing guests fail the test with the command that builds them: never skipped.
pub fn read_guest(name: &str) -> Vec<u8> {
    let path = format!("{}/../target/guests/{}.wasm", env!("CARGO_MANIFEST_DIR"), name.replace('-', "_"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("missing guest {path} ({e}); build the guests first: scripts/build-guests.sh"))
}
