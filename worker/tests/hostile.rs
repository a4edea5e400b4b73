//! The hostile corpus: every guest ends in bounded time and memory with its own error code.

mod common;

use common::*;
use edgerun_worker::limits::{MAX_OUTPUT_BYTES, MAX_TABLE_ELEMENTS};
use edgerun_worker::{error_record, ErrorCode, Limits};

#[test]
fn well_behaved_guest_returns_its_output() {
    let report = run_wat(REVERSE_WAT, b"edgerun", LIMITS);
    assert_eq!(report.output(), Some(&b"nuregde"[..]));
    assert_eq!(report.output_hash(), *blake3::hash(b"nuregde").as_bytes());
    assert!(report.fuel_used > 0);
}

#[test]
fn infinite_loop_runs_out_of_fuel_exactly() {
    let limits = Limits { max_instructions: 1_000_000, ..LIMITS };
    let report = run_wat(&guest("(loop $l (br $l))", ""), b"", limits);
    expect_error(&report, ErrorCode::OutOfFuel);
    assert_eq!(report.fuel_used, limits.max_instructions);
    assert_eq!(report.output_hash(), *blake3::hash(&error_record(ErrorCode::OutOfFuel, 1_000_000)).as_bytes());
}

#[test]
fn start_section_that_loops_runs_out_of_fuel() {
    let wat = r#"(module
      (memory (export "memory") 1 1)
      (func $spin (loop $l (br $l)))
      (start $spin)
      (func (export "_start")))"#;
    let report = run_wat(wat, b"", Limits { max_instructions: 50_000, ..LIMITS });
    expect_error(&report, ErrorCode::OutOfFuel);
    assert_eq!(report.fuel_used, 50_000);
}

#[test]
fn memory_grow_bomb_stops_at_the_declared_maximum() {
    // Grows one page at a time until memory.grow fails, then reports the page count it reached.
    let body = r#"(local $pages i32)
      (block $full (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
      (i32.store (i32.const 0) (memory.size))
      (drop (call $write_output (i32.const 0) (i32.const 4)))"#;
    let report = run_wat(&guest(body, ""), b"", LIMITS);
    assert_eq!(report.output(), Some(&16u32.to_le_bytes()[..]), "{report:?}");

    // A maximum beyond the job's cap is rejected before running.
    let huge = guest(body, "").replace("(memory (export \"memory\") 1 16)", "(memory (export \"memory\") 1 65536)");
    expect_error(&run_wat(&huge, b"", LIMITS), ErrorCode::MemoryAboveCap);
    // The same module runs when the job allows all of it... up to the worker's limit.
    let tight = Limits { max_memory_bytes: 16 * 65_536, ..LIMITS };
    assert!(run_wat(&guest(body, ""), b"", tight).output().is_some());
    let below = Limits { max_memory_bytes: 16 * 65_536 - 1, ..LIMITS };
    expect_error(&run_wat(&guest(body, ""), b"", below), ErrorCode::MemoryAboveCap);
}

#[test]
fn deep_recursion_hits_the_call_depth_budget() {
    let extra = "(func $down (param i32) (call $down (i32.add (local.get 0) (i32.const 1))))";
    let report = run_wat(&guest("(call $down (i32.const 0))", extra), b"", LIMITS);
    expect_error(&report, ErrorCode::CallDepthExceeded);
    // Mutual recursion through call_indirect is charged too.
    let extra = r#"(type $t (func))
      (table 1 1 funcref) (elem (i32.const 0) $f)
      (func $f (call_indirect (type $t) (i32.const 0)))"#;
    expect_error(&run_wat(&guest("(call $f)", extra), b"", LIMITS), ErrorCode::CallDepthExceeded);
}

#[test]
fn guest_unreachable_is_not_mistaken_for_the_depth_trap() {
    let extra = "(func $inner unreachable)";
    let report = run_wat(&guest("(call $inner)", extra), b"", LIMITS);
    expect_error(&report, ErrorCode::Unreachable);
    expect_error(&run_wat(&guest("unreachable", ""), b"", LIMITS), ErrorCode::Unreachable);
}

#[test]
fn floats_are_rejected_wherever_they_appear() {
    let cases = [
        ("signature", guest("", "(func (param f32))")),
        ("result", guest("", "(func (result f64) (f64.const 1))")),
        ("local", guest("(local f32)", "")),
        ("global", guest("", "(global f64 (f64.const 0))")),
        ("instruction", guest("(drop (f32.const 1.5))", "")),
        ("conversion", guest("(drop (i32.reinterpret_f32 (f32.const 1)))", "")),
        ("load", guest("(drop (f64.load (i32.const 0)))", "")),
        ("saturating truncation", guest("(drop (i32.trunc_sat_f32_s (f32.const 1)))", "")),
        ("block type", guest("(drop (block (result f32) (f32.const 0)))", "")),
    ];
    for (what, wat) in cases {
        assert_eq!(run_wat(&wat, b"", LIMITS).error_code(), Some(ErrorCode::FloatUsed), "float in {what}");
    }
}

#[test]
fn simd_and_threads_are_rejected() {
    let simd = guest("(drop (i32x4.extract_lane 0 (i32x4.splat (i32.const 1))))", "");
    expect_error(&run_wat(&simd, b"", LIMITS), ErrorCode::SimdUsed);
    let v128_local = guest("(local v128)", "");
    expect_error(&run_wat(&v128_local, b"", LIMITS), ErrorCode::SimdUsed);
    let shared = r#"(module (memory (export "memory") 1 1 shared) (func (export "_start")))"#;
    expect_error(&run_wat(shared, b"", LIMITS), ErrorCode::ThreadsUsed);
    let atomic = guest("(drop (i32.atomic.load (i32.const 0)))", "");
    expect_error(&run_wat(&atomic, b"", LIMITS), ErrorCode::ThreadsUsed);
}

#[test]
fn only_the_three_edgerun_imports_are_allowed() {
    let wasi = r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1 1) (func (export "_start")))"#;
    expect_error(&run_wat(wasi, b"", LIMITS), ErrorCode::ForbiddenImport);
    let unknown = r#"(module (import "edgerun" "get_time" (func (result i64)))
      (memory (export "memory") 1 1) (func (export "_start")))"#;
    expect_error(&run_wat(unknown, b"", LIMITS), ErrorCode::ForbiddenImport);
    let memory_import =
        r#"(module (import "edgerun" "memory" (memory 1 1)) (export "memory" (memory 0)) (func (export "_start")))"#;
    expect_error(&run_wat(memory_import, b"", LIMITS), ErrorCode::ForbiddenImport);
    let wrong_signature = r#"(module (import "edgerun" "input_len" (func (result i64)))
      (memory (export "memory") 1 1) (func (export "_start")))"#;
    expect_error(&run_wat(wrong_signature, b"", LIMITS), ErrorCode::ImportSignatureMismatch);
}

#[test]
fn output_must_be_written_exactly_once_and_within_the_cap() {
    expect_error(&run_wat(&guest("", ""), b"", LIMITS), ErrorCode::NoOutput);
    let twice = guest("(drop (call $write_output (i32.const 0) (i32.const 1))) (drop (call $write_output (i32.const 0) (i32.const 1)))", "");
    expect_error(&run_wat(&twice, b"", LIMITS), ErrorCode::OutputWrittenTwice);
    let too_large =
        guest(&format!("(drop (call $write_output (i32.const 0) (i32.const {})))", MAX_OUTPUT_BYTES + 1), "");
    expect_error(&run_wat(&too_large, b"", LIMITS), ErrorCode::OutputTooLarge);
    let outside_memory = guest("(drop (call $write_output (i32.const 65000) (i32.const 1000)))", "");
    expect_error(&run_wat(&outside_memory, b"", LIMITS), ErrorCode::HostCallMemoryOutOfBounds);
    let empty = guest("(drop (call $write_output (i32.const 0) (i32.const 0)))", "");
    assert_eq!(run_wat(&empty, b"", LIMITS).output(), Some(&b""[..]));
}

#[test]
fn input_reads_are_bounds_checked() {
    let past_end =
        guest("(drop (call $read_input (i32.const 0) (i32.const 0) (i32.add (call $input_len) (i32.const 1))))", "");
    expect_error(&run_wat(&past_end, b"abc", LIMITS), ErrorCode::InputOutOfBounds);
    let wrapping = guest("(drop (call $read_input (i32.const 0) (i32.const -1) (i32.const 2)))", "");
    expect_error(&run_wat(&wrapping, b"abc", LIMITS), ErrorCode::InputOutOfBounds);
    let outside_memory = guest("(drop (call $read_input (i32.const 65535) (i32.const 0) (i32.const 2)))", "");
    expect_error(&run_wat(&outside_memory, b"abc", LIMITS), ErrorCode::HostCallMemoryOutOfBounds);
}

#[test]
fn traps_have_their_own_codes() {
    expect_error(
        &run_wat(&guest("(drop (i32.load (i32.const 65535)))", ""), b"", LIMITS),
        ErrorCode::MemoryOutOfBounds,
    );
    expect_error(
        &run_wat(&guest("(drop (i32.div_u (i32.const 1) (i32.const 0)))", ""), b"", LIMITS),
        ErrorCode::IntegerDivideByZero,
    );
    expect_error(
        &run_wat(&guest("(drop (i32.div_s (i32.const 0x80000000) (i32.const -1)))", ""), b"", LIMITS),
        ErrorCode::IntegerOverflow,
    );
    let table = "(type $t (func)) (table 2 2 funcref) (elem (i32.const 0) $other) (func $other (param i32))";
    expect_error(
        &run_wat(&guest("(call_indirect (type $t) (i32.const 1))", table), b"", LIMITS),
        ErrorCode::IndirectCallToNull,
    );
    expect_error(
        &run_wat(&guest("(call_indirect (type $t) (i32.const 5))", table), b"", LIMITS),
        ErrorCode::TableOutOfBounds,
    );
    expect_error(
        &run_wat(&guest("(call_indirect (type $t) (i32.const 0))", table), b"", LIMITS),
        ErrorCode::IndirectCallSignatureMismatch,
    );
    let bad_segment = guest("", r#"(data (i32.const 65534) "abcd")"#);
    expect_error(&run_wat(&bad_segment, b"", LIMITS), ErrorCode::MemoryOutOfBounds);
}

#[test]
fn tables_are_capped() {
    let huge = guest("", &format!("(table {} funcref)", MAX_TABLE_ELEMENTS + 1));
    expect_error(&run_wat(&huge, b"", LIMITS), ErrorCode::TableTooLarge);
    let ok = guest(
        "(drop (call $write_output (i32.const 0) (i32.const 0)))",
        &format!("(table {} funcref)", MAX_TABLE_ELEMENTS),
    );
    assert!(run_wat(&ok, b"", LIMITS).output().is_some());
}

#[test]
fn module_shape_is_checked() {
    let no_start = r#"(module (memory (export "memory") 1 1) (func (export "main")))"#;
    expect_error(&run_wat(no_start, b"", LIMITS), ErrorCode::MissingStartExport);
    let bad_start = r#"(module (memory (export "memory") 1 1) (func (export "_start") (param i32)))"#;
    expect_error(&run_wat(bad_start, b"", LIMITS), ErrorCode::MissingStartExport);
    let no_memory_export = r#"(module (memory 1 1) (func (export "_start")))"#;
    expect_error(&run_wat(no_memory_export, b"", LIMITS), ErrorCode::MissingMemoryExport);
    let unbounded = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;
    expect_error(&run_wat(unbounded, b"", LIMITS), ErrorCode::MemoryWithoutMaximum);
    let two = r#"(module (memory (export "memory") 1 1) (memory 1 1) (func (export "_start")))"#;
    expect_error(&run_wat(two, b"", LIMITS), ErrorCode::MultipleMemories);
    let reserved = r#"(module (memory (export "memory") 1 1) (func (export "_start")) (global (export "__edgerun_call_depth") i32 (i32.const 0)))"#;
    expect_error(&run_wat(reserved, b"", LIMITS), ErrorCode::ReservedExportName);
    let bulk = guest("(memory.fill (i32.const 0) (i32.const 0) (i32.const 10))", "");
    expect_error(&run_wat(&bulk, b"", LIMITS), ErrorCode::WasmInvalid);
    let tail_call = guest("(return_call $f)", "(func $f)");
    expect_error(&run_wat(&tail_call, b"", LIMITS), ErrorCode::WasmInvalid);
    let type_error = guest("(drop (i32.add (i32.const 1) (i64.const 1)))", "");
    expect_error(&run_wat(&type_error, b"", LIMITS), ErrorCode::WasmInvalid);
}

#[test]
fn huge_frames_are_rejected() {
    let extra = "(func $big (local i64 i64) (local i32) (local i32) (local i32))"
        .replace("(local i32) (local i32) (local i32)", &"(local i32) ".repeat(17_000));
    expect_error(&run_wat(&guest("", &extra), b"", LIMITS), ErrorCode::FunctionFrameTooLarge);
}

#[test]
fn truncated_and_garbage_bytes_are_malformed() {
    let runtime = runtime();
    let good = wasm(REVERSE_WAT);
    for cut in [0, 4, 7, 9, 10, good.len() / 2, good.len() - 1] {
        let report = runtime.execute(&good[..cut], b"", LIMITS).unwrap();
        assert!(matches!(report.error_code(), Some(ErrorCode::WasmMalformed)), "cut at {cut}: {report:?}");
    }
    // The 8-byte header alone is a valid, empty module: rejected for what it lacks.
    expect_error(&runtime.execute(&good[..8], b"", LIMITS).unwrap(), ErrorCode::MissingMemoryExport);
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    expect_error(&runtime.execute(&garbage, b"", LIMITS).unwrap(), ErrorCode::WasmMalformed);
    let mut header_then_garbage = good[..8].to_vec();
    header_then_garbage.extend_from_slice(&garbage);
    expect_error(&runtime.execute(&header_then_garbage, b"", LIMITS).unwrap(), ErrorCode::WasmMalformed);
    let component = wat::parse_str("(component)").unwrap();
    expect_error(&runtime.execute(&component, b"", LIMITS).unwrap(), ErrorCode::WasmInvalid);
}
