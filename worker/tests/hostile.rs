//! The hostile corpus: every guest ends in bounded time and memory with its own error code.

mod common;

use common::*;
use std::time::{Duration, Instant};

use edgerun_worker::limits::{
    MAX_BR_TABLE_TARGETS, MAX_DATA_SEGMENTS, MAX_ELEMENT_ITEMS, MAX_ELEMENT_SEGMENTS, MAX_EXPORTS, MAX_FUNCTIONS,
    MAX_FUNCTION_BODY_BYTES, MAX_FUNCTION_CONTROL_POINTS, MAX_GLOBALS, MAX_IMPORTS, MAX_MODULE_BYTES,
    MAX_MODULE_CONTROL_POINTS, MAX_MODULE_LOCALS, MAX_OUTPUT_BYTES, MAX_TABLE_ELEMENTS, MAX_TYPES,
};
use edgerun_worker::validate::validate_module;
use edgerun_worker::{error_record, runtime_id, Bundle, ErrorCode, Limits};

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
    let twice = guest(
        "(drop (call $write_output (i32.const 0) (i32.const 1))) (drop (call $write_output (i32.const 0) (i32.const 1)))",
        "",
    );
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

// ---- Cost caps: what one module may make validation and compilation cost (limits.rs). Each
// case is refused with its code, the same on every worker, before anything expensive runs.

/// Refusals by a cap must not cost more than reading the module: far below the seconds the
/// same modules take to compile (measured in limits.rs). Generous for a loaded CI machine.
const QUICK: Duration = Duration::from_secs(3);

/// Runs `module` on a fresh runtime and checks the code and that the refusal was quick.
fn expect_quick_refusal(module: &[u8], code: ErrorCode) {
    let runtime = runtime();
    let started = Instant::now();
    let report = runtime.execute(module, b"", LIMITS).expect("a refusal is a result");
    expect_error(&report, code);
    assert_eq!(report.fuel_used, 0);
    assert!(started.elapsed() < QUICK, "{code:?} took {:?}", started.elapsed());
}

/// A body of `calls` direct calls of function 1 (a defined function, so each call is
/// instrumented with the depth check), no locals.
fn calls_body(calls: usize) -> Vec<u8> {
    let mut body = vec![0u8];
    for _ in 0..calls {
        body.extend_from_slice(&[0x10, 0x01]);
    }
    body
}

/// `custom` section of `len` payload bytes (name "pad"), to reach a module size exactly.
fn custom_section(len: usize) -> Vec<u8> {
    let mut payload = b"\x03pad".to_vec();
    payload.resize(len, 0);
    let mut out = Vec::new();
    section(&mut out, 0, None, &payload);
    out
}

#[test]
fn a_module_above_the_size_cap_is_refused_before_parsing() {
    let output = guest("(drop (call $write_output (i32.const 0) (i32.const 0)))", "");
    let small = wasm(&output);
    // Padded with a custom section to exactly the cap: runs.
    let pad = |total: usize| {
        let mut module = small.clone();
        // The payload length that, with the section id and its LEB128 length, fills `total`.
        let mut len = total - small.len() - 1;
        loop {
            let mut probe = Vec::new();
            leb(&mut probe, len as u32);
            if small.len() + 1 + probe.len() + len == total {
                break;
            }
            len -= 1;
        }
        module.extend_from_slice(&custom_section(len));
        assert_eq!(module.len(), total);
        module
    };
    let at_cap = pad(MAX_MODULE_BYTES);
    assert_eq!(runtime().execute(&at_cap, b"", LIMITS).unwrap().output(), Some(&b""[..]));
    // One byte more: refused with its own code, even when the rest is garbage that would not
    // parse (the size decides first), and through a bundle like a worker runs it.
    let above = pad(MAX_MODULE_BYTES + 1);
    expect_quick_refusal(&above, ErrorCode::ModuleTooLarge);
    let mut garbage = vec![0xFFu8; MAX_MODULE_BYTES + 1];
    garbage[..8].copy_from_slice(b"\0asm\x01\0\0\0");
    expect_quick_refusal(&garbage, ErrorCode::ModuleTooLarge);
    let bundle =
        Bundle { runtime_id: runtime_id(), wasm: above, input: vec![], limits: LIMITS, meta: None, args: Vec::new() };
    let report = runtime().execute_bundle(&bundle.encode().unwrap()).unwrap();
    expect_error(&report, ErrorCode::ModuleTooLarge);
    assert_eq!(report.output_hash(), *blake3::hash(&error_record(ErrorCode::ModuleTooLarge, 0)).as_bytes());
}

#[test]
fn too_many_functions_are_refused_from_the_section_header() {
    // 100k empty functions compile in about 4 s; refused before one body is read.
    let bodies = vec![vec![0u8]; 100_000];
    expect_quick_refusal(&binary_guest(&bodies, &[], &[]), ErrorCode::ModuleTooComplex);
    let at_cap = binary_guest(&vec![vec![0u8]; MAX_FUNCTIONS as usize], &[], &[]);
    assert!(validate_module(&at_cap).is_ok());
    let above = binary_guest(&vec![vec![0u8]; MAX_FUNCTIONS as usize + 1], &[], &[]);
    assert_eq!(validate_module(&above).err(), Some(ErrorCode::ModuleTooComplex));
}

#[test]
fn a_giant_function_body_is_refused_before_it_is_read() {
    // `nop`s: cheap to compile per byte, but cranelift's memory grows with the function.
    let mut body = vec![0u8];
    body.resize(MAX_FUNCTION_BODY_BYTES, 0x01);
    // The entry is the body plus its `end`: one byte above the cap.
    expect_quick_refusal(&binary_guest(&[body.clone()], &[], &[]), ErrorCode::FunctionTooLarge);
    body.pop();
    assert!(validate_module(&binary_guest(&[body], &[], &[])).is_ok());
}

#[test]
fn control_points_are_capped_per_function_and_per_module() {
    // 16,385 instrumented calls in one function: over 4 s of compile (quadratic in the
    // function's blocks); refused at the call that breaks the cap.
    let one_over = binary_guest(&[calls_body(MAX_FUNCTION_CONTROL_POINTS as usize + 1), vec![0]], &[], &[]);
    expect_quick_refusal(&one_over, ErrorCode::FunctionTooLarge);
    let at_cap = binary_guest(&[calls_body(MAX_FUNCTION_CONTROL_POINTS as usize), vec![0]], &[], &[]);
    assert!(validate_module(&at_cap).is_ok());
    // Two such functions: the sum of squares is over its cap (twice the quadratic work).
    let doubled = binary_guest(
        &[calls_body(MAX_FUNCTION_CONTROL_POINTS as usize), calls_body(MAX_FUNCTION_CONTROL_POINTS as usize)],
        &[],
        &[],
    );
    expect_quick_refusal(&doubled, ErrorCode::ModuleTooComplex);
    // Spread thin, the squares stay small but the total breaks its own cap (513 × 512 calls
    // take about a minute to compile).
    let per_function = 512usize;
    let functions = MAX_MODULE_CONTROL_POINTS as usize / per_function + 1;
    let mut bodies = vec![calls_body(per_function); functions];
    bodies.insert(1, vec![0]);
    expect_quick_refusal(&binary_guest(&bodies, &[], &[]), ErrorCode::ModuleTooComplex);
    bodies.truncate(functions); // one function fewer: exactly at the cap
    assert!(validate_module(&binary_guest(&bodies, &[], &[])).is_ok());
    // Nested blocks count like calls (196k nested blocks take 90 s).
    let depth = MAX_FUNCTION_CONTROL_POINTS as usize + 1;
    let mut nested = vec![0u8];
    for _ in 0..depth {
        nested.extend_from_slice(&[0x02, 0x40]);
    }
    nested.resize(nested.len() + depth, 0x0B);
    expect_quick_refusal(&binary_guest(&[nested], &[], &[]), ErrorCode::FunctionTooLarge);
}

#[test]
fn a_br_table_above_the_cap_is_a_result_not_an_engine_failure() {
    // wasmtime refuses more than 65,520 targets as an implementation limit: without the cap a
    // worker would have no result for this module at all.
    let table = |targets: u32| {
        let mut body = vec![0u8, 0x02, 0x40, 0x41, 0x00, 0x0E];
        leb(&mut body, targets);
        body.resize(body.len() + targets as usize + 1, 0x00);
        body.push(0x0B);
        binary_guest(&[body], &[], &[])
    };
    expect_quick_refusal(&table(70_000), ErrorCode::FunctionTooLarge);
    expect_quick_refusal(&table(MAX_BR_TABLE_TARGETS + 1), ErrorCode::FunctionTooLarge);
    assert!(validate_module(&table(MAX_BR_TABLE_TARGETS)).is_ok());
}

#[test]
fn locals_are_capped_over_the_whole_module() {
    // 16,000 locals cost 3 bytes to declare and one compiler variable each.
    let mut body = vec![1u8];
    leb(&mut body, 16_000);
    body.push(0x7F);
    let functions = (MAX_MODULE_LOCALS / 16_000 + 1) as usize;
    expect_quick_refusal(&binary_guest(&vec![body.clone(); functions], &[], &[]), ErrorCode::ModuleTooComplex);
    assert!(validate_module(&binary_guest(&vec![body; functions - 1], &[], &[])).is_ok());
}

#[test]
fn section_counts_are_capped() {
    let repeat = |item: &str, n: u32| item.repeat(n as usize);
    let imports = |n| {
        format!(
            r#"(module {} (memory (export "memory") 1 1) (func (export "_start")))"#,
            repeat(r#"(import "edgerun" "input_len" (func (result i32)))"#, n)
        )
    };
    let types = |n| guest("", &repeat("(type (func (param i32)))", n));
    let exports =
        |n| guest("", &(0..n).map(|i| format!("(global (export \"g{i}\") i32 (i32.const 0))")).collect::<String>());
    let globals = |n| guest("", &repeat("(global i32 (i32.const 0))", n));
    let data = |n| guest("", &repeat(r#"(data (i32.const 0) "x")"#, n));
    let elements = |n| guest("", &format!("(table 1 funcref) (func $f) {}", repeat("(elem (i32.const 0) $f)", n)));
    let items = |n: u64| {
        let half = "$f ".repeat(n as usize / 2);
        let rest = "$f ".repeat(n as usize - n as usize / 2);
        guest(
            "",
            &format!(
                "(table {MAX_TABLE_ELEMENTS} funcref) (func $f) (elem (i32.const 0) {half}) (elem (i32.const 0) {rest})"
            ),
        )
    };
    // The guest wrapper brings 3 imports, 4 types, 2 exports and 1 function of its own.
    let cases: Vec<(&str, String, String)> = vec![
        ("imports", imports(MAX_IMPORTS), imports(MAX_IMPORTS + 1)),
        ("types", types(MAX_TYPES - 4), types(MAX_TYPES - 3)),
        ("exports", exports(MAX_EXPORTS - 2), exports(MAX_EXPORTS - 1)),
        ("globals", globals(MAX_GLOBALS), globals(MAX_GLOBALS + 1)),
        ("data segments", data(MAX_DATA_SEGMENTS), data(MAX_DATA_SEGMENTS + 1)),
        ("element segments", elements(MAX_ELEMENT_SEGMENTS), elements(MAX_ELEMENT_SEGMENTS + 1)),
        ("element items", items(MAX_ELEMENT_ITEMS), items(MAX_ELEMENT_ITEMS + 1)),
    ];
    for (what, at_cap, above) in cases {
        let at_cap = validate_module(&wasm(&at_cap));
        assert!(at_cap.is_ok(), "{what} at the cap: {:?}", at_cap.err());
        assert_eq!(validate_module(&wasm(&above)).err(), Some(ErrorCode::ModuleTooComplex), "{what} above the cap");
        expect_quick_refusal(&wasm(&above), ErrorCode::ModuleTooComplex);
    }
}

#[test]
fn the_first_broken_rule_in_byte_order_decides_the_code() {
    let too_many = binary_guest(&vec![vec![0u8]; MAX_FUNCTIONS as usize + 1], &[], &[]);
    // `binary_guest` starts with its type section: id 1, size 4, count 1, `() -> ()`.
    assert_eq!(too_many[8..14], [1, 4, 1, 0x60, 0, 0]);
    // A float in a type, before the function section: FloatUsed wins over the count.
    let mut float_first = too_many[..8].to_vec();
    section(&mut float_first, 1, Some(2), &[0x60, 0, 0, 0x60, 1, 0x7D, 0]);
    float_first.extend_from_slice(&too_many[14..]);
    expect_quick_refusal(&float_first, ErrorCode::FloatUsed);
    // A float in the bodies, after the function section's count: the count wins.
    let float_body = vec![0u8, 0x43, 0, 0, 0, 0, 0x1A]; // f32.const 0; drop
    let float_bodies = binary_guest(&vec![float_body.clone(); MAX_FUNCTIONS as usize + 1], &[], &[]);
    expect_quick_refusal(&float_bodies, ErrorCode::ModuleTooComplex);
    expect_quick_refusal(&binary_guest(&[float_body], &[], &[]), ErrorCode::FloatUsed);
}

#[test]
fn the_costliest_module_within_the_caps_is_accepted_and_compiles_in_bounded_time() {
    // 512 functions of 512 instrumented calls: every module-wide control point used, a quarter
    // of the squares. The costliest shape found (about 8 s on a 2-core machine); the bound is
    // generous, but a compile that turned pathological again would break it.
    let mut bodies = vec![calls_body(512); MAX_MODULE_CONTROL_POINTS as usize / 512];
    bodies.insert(1, vec![0]);
    let module = binary_guest(&bodies, &[], &[]);
    let started = Instant::now();
    let report = runtime().execute(&module, b"", Limits { max_instructions: 10, ..LIMITS }).unwrap();
    expect_error(&report, ErrorCode::OutOfFuel);
    assert!(started.elapsed() < Duration::from_secs(120), "compiled in {:?}", started.elapsed());
}
