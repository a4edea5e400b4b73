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

/// Unsigned LEB128, for modules built byte by byte (sizes and counts WAT text would make slow).
pub use edgerun_worker::instrument::write_u32 as leb;

/// One section: id, byte length, then `count` (when given) and the entries.
pub fn section(out: &mut Vec<u8>, id: u8, count: Option<u32>, entries: &[u8]) {
    let mut data = Vec::with_capacity(entries.len() + 5);
    if let Some(count) = count {
        leb(&mut data, count);
    }
    data.extend_from_slice(entries);
    out.push(id);
    leb(out, data.len() as u32);
    out.extend_from_slice(&data);
}

/// A function body (locals declarations + instructions, without the final `end`), as a code
/// section entry: its size, then the bytes, then `end`.
pub fn code_entry(out: &mut Vec<u8>, locals_and_code: &[u8]) {
    leb(out, locals_and_code.len() as u32 + 1);
    out.extend_from_slice(locals_and_code);
    out.push(0x0B);
}

/// A guest in binary form with one type `() -> ()`, no imports, a `1 16` memory exported as
/// `memory`, and `bodies` as its defined functions (function 0 is `_start`). `before_code` and
/// `after_code` are extra sections (already encoded) placed around the code section, in the
/// order the binary format requires.
pub fn binary_guest(bodies: &[Vec<u8>], before_code: &[u8], after_code: &[u8]) -> Vec<u8> {
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    section(&mut module, 1, Some(1), &[0x60, 0, 0]);
    let functions = vec![0u8; bodies.len()];
    section(&mut module, 3, Some(bodies.len() as u32), &functions);
    section(&mut module, 5, Some(1), &[0x01, 1, 16]);
    let mut exports = Vec::new();
    exports.extend_from_slice(b"\x06memory\x02\x00");
    exports.extend_from_slice(b"\x06_start\x00\x00");
    section(&mut module, 7, Some(2), &exports);
    module.extend_from_slice(before_code);
    let mut code = Vec::new();
    for body in bodies {
        code_entry(&mut code, body);
    }
    section(&mut module, 10, Some(bodies.len() as u32), &code);
    module.extend_from_slice(after_code);
    module
}
