//! The WASI runtime: unmodified `wasm32-wasip1` programs (from `scripts/build-guests.sh`) and
//! hostile WASI modules written in WAT. Every case that can observe the machine (clocks, random,
//! environment, file system) must give the same bytes on every run and on a fresh runtime.

mod common;

use common::{read_guest, runtime, wasm};
use edgerun_guest::wasi::{parse_result_record, FROZEN_CLOCK_NS};
use edgerun_worker::validate::validate_module_for;
use edgerun_worker::{Bundle, ErrorCode, ExecutionReport, GuestAbi, Limits};

const LIMITS: Limits = Limits { max_memory_bytes: 64 << 20, max_instructions: 2_000_000_000 };

/// Runs `wasm` as a WASI bundle (so `random_get` is seeded by its real hash).
fn run(wasm: &[u8], input: &[u8], args: &[&str], limits: Limits) -> ExecutionReport {
    let bundle = Bundle {
        runtime_id: GuestAbi::Wasi.runtime_id(),
        wasm: wasm.to_vec(),
        input: input.to_vec(),
        limits,
        meta: None,
        args: args.iter().map(|arg| arg.to_string()).collect(),
    };
    runtime().execute_bundle(&bundle.encode().unwrap()).expect("the runtime answers")
}

/// `(exit_code, stdout)` of a successful WASI run.
fn exited(report: &ExecutionReport) -> (u32, String) {
    let record = report.output().unwrap_or_else(|| panic!("the run failed: {report:?}"));
    let (code, stdout) = parse_result_record(record).expect("a WASI result record");
    (code, String::from_utf8_lossy(stdout).into_owned())
}

const TEXT: &[u8] = b"the quick brown fox jumps over the lazy dog\nThe dog sleeps; the END.\n";

#[test]
fn an_unmodified_rust_program_runs_with_stdin_stdout_and_args() {
    let program = read_guest("wasi-wordfreq");
    let report = run(&program, TEXT, &["--top", "2"], LIMITS);
    let (code, stdout) = exited(&report);
    assert_eq!(code, 0);
    assert_eq!(stdout, "lines 2\nwords 14\nbytes 69\nmean_word_len 3.786\n     4 the\n     2 dog\n");
    // Same bundle, same bytes; other arguments, other output.
    assert_eq!(run(&program, TEXT, &["--top", "2"], LIMITS), report);
    let (_, top_one) = exited(&run(&program, TEXT, &["--top", "1"], LIMITS));
    assert!(top_one.ends_with("     4 the\n") && !top_one.contains("dog"), "{top_one}");
    // A bad argument: the program's own exit code 2 is the result, with whatever it printed.
    let (code, stdout) = exited(&run(&program, TEXT, &["--top", "many"], LIMITS));
    assert_eq!((code, stdout.as_str()), (2, ""));
}

#[test]
fn what_a_guest_can_observe_is_the_same_on_every_run() {
    let probe = read_guest("wasi-probe");
    let first = run(&probe, TEXT, &["observe"], LIMITS);
    let (code, stdout) = exited(&first);
    assert_eq!(code, 0);
    let expected_lines = [
        format!("system_time_ns Ok({FROZEN_CLOCK_NS})"),
        "monotonic_elapsed_ns 0".to_owned(),
        "env []".to_owned(),
        r#"args ["program", "observe"]"#.to_owned(),
        format!("stdin Ok({}) {}", TEXT.len(), TEXT.len()),
        // NaN canonicalization: f64::NAN * x has the canonical quiet NaN's bits.
        "nan_bits 7ff8000000000000".to_owned(),
    ];
    for line in expected_lines {
        assert!(stdout.contains(&line), "missing {line:?} in:\n{stdout}");
    }
    assert!(stdout.contains("open_file Err(") && stdout.contains("read_dir Err("), "{stdout}");
    // Fresh runtimes (fresh module cache, pool and random stream) give the same bytes.
    for _ in 0..2 {
        assert_eq!(run(&probe, TEXT, &["observe"], LIMITS).output_hash(), first.output_hash());
    }
    // The random stream is seeded by the bundle hash: another input, another HashMap seed.
    let other = exited(&run(&probe, b"other input", &["observe"], LIMITS)).1;
    let seed = |text: &str| text.lines().find(|l| l.starts_with("hashmap_seeded_hash")).unwrap().to_owned();
    assert_ne!(seed(&other), seed(&stdout));
}

#[test]
fn exit_mid_write_keeps_the_output_and_the_code() {
    let report = run(&read_guest("wasi-probe"), b"", &["exit-mid-write"], LIMITS);
    let (code, stdout) = exited(&report);
    assert_eq!(code, 3);
    assert!(stdout.starts_with("first line, flushed\n"), "{stdout}");
    assert_eq!(run(&read_guest("wasi-probe"), b"", &["exit-mid-write"], LIMITS), report);
}

#[test]
fn huge_writes_panics_and_stderr_floods() {
    let probe = read_guest("wasi-probe");
    // 32 MiB of stdout: above the 16 MiB output cap.
    let huge = run(&probe, b"", &["huge-write", "32"], LIMITS);
    assert_eq!(huge.error_code(), Some(ErrorCode::OutputTooLarge), "{huge:?}");
    assert_eq!(run(&probe, b"", &["huge-write", "32"], LIMITS), huge);
    // 8 MiB fits.
    let (code, stdout) = exited(&run(&probe, b"", &["huge-write", "8"], LIMITS));
    assert_eq!((code, stdout.len()), (0, 8 << 20));
    // A panic aborts: a trap, the stdout so far is dropped.
    assert_eq!(run(&probe, b"", &["panic"], LIMITS).error_code(), Some(ErrorCode::Unreachable));
    // 1 MiB of stderr is not part of the result.
    assert_eq!(exited(&run(&probe, b"", &["stderr-flood"], LIMITS)), (0, "done\n".to_owned()));
    // Fuel bounds a writer like any guest: the same failure, at the same fuel, every time.
    let starved = Limits { max_instructions: 1_000_000, ..LIMITS };
    let out_of_fuel = run(&probe, b"", &["huge-write", "8"], starved);
    assert_eq!(out_of_fuel.error_code(), Some(ErrorCode::OutOfFuel));
    assert_eq!(run(&probe, b"", &["huge-write", "8"], starved), out_of_fuel);
}

/// A WASI command in WAT: `memory` without a maximum, `_start` = `body`, data at 1024.
fn command(imports: &str, body: &str, data: &str) -> Vec<u8> {
    wasm(&format!(
        r#"(module
  {imports}
  (memory (export "memory") 1)
  (data (i32.const 1024) "{data}")
  (func (export "_start") {body}))"#
    ))
}

const FD_WRITE: &str =
    r#"(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#;

/// Writes the 4-byte little-endian `value` to stdout (iovec at 0, buffer at 16, nwritten at 8).
const PRINT_I32: &str = r#"
  (func $print (param $value i32)
    (i32.store (i32.const 16) (local.get $value))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"#;

fn stdout_bytes(report: &ExecutionReport) -> Vec<u8> {
    parse_result_record(report.output().unwrap_or_else(|| panic!("failed: {report:?}"))).unwrap().1.to_vec()
}

#[test]
fn errno_answers_are_fixed() {
    let imports = format!(
        r#"{FD_WRITE}
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))"#
    );
    let body = r#"
    (call $print (call $fd_write (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 8)))
    (call $print (call $fd_write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8)))
    (call $print (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))
    (call $print (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0)))
    (call $print (call $sock_accept (i32.const 9) (i32.const 0) (i32.const 0)))
    (call $print (call $prestat (i32.const 3) (i32.const 0)))
    (call $print (call $clock (i32.const 4) (i64.const 0) (i32.const 32)))
    (call $print (call $poll (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))"#;
    let module = wasm(&format!(
        r#"(module {imports} (memory (export "memory") 1) {PRINT_I32} (func (export "_start") {body}))"#
    ));
    let report = run(&module, b"", &[], LIMITS);
    let codes: Vec<u32> = stdout_bytes(&report).chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    // EBADF (no fd 7), EBADF (stdin is not writable), EBADF (no preopen 3), ENOSYS (stdout does
    // not seek), EBADF (no socket), EBADF (no preopens), EINVAL (no clock 4), ENOSYS.
    assert_eq!(codes, [8, 8, 8, 52, 8, 8, 28, 52]);
}

#[test]
fn hostile_imports_and_pointers() {
    let reject = |wat: &str| run(&wasm(wat), b"", &[], LIMITS).error_code();
    // A function preview 1 does not have.
    let unknown = r#"(module (import "wasi_snapshot_preview1" "fd_open_everything" (func (param i32) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))"#;
    assert_eq!(reject(unknown), Some(ErrorCode::ForbiddenImport));
    // Another module name (preview 2 / unstable), and the edgerun ABI: not in a WASI module.
    let unstable = r#"(module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))"#;
    assert_eq!(reject(unstable), Some(ErrorCode::ForbiddenImport));
    let edgerun = r#"(module (import "edgerun" "input_len" (func (result i32)))
        (memory (export "memory") 1) (func (export "_start")))"#;
    assert_eq!(reject(edgerun), Some(ErrorCode::ForbiddenImport));
    // The right name with the wrong signature.
    let wrong = r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))"#;
    assert_eq!(reject(wrong), Some(ErrorCode::ImportSignatureMismatch));
    // SIMD stays refused under WASI; so do the parts of bulk memory and reference types LLVM does
    // not emit for plain code (passive segments, memory.init, data.drop, table operators, refs).
    let simd = r#"(module (memory (export "memory") 1) (func (export "_start") (drop (v128.const i64x2 0 0))))"#;
    assert_eq!(reject(simd), Some(ErrorCode::SimdUsed));
    let refused_proposals = [
        r#"(module (memory (export "memory") 1) (data $d "abc")
            (func (export "_start") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))))"#,
        r#"(module (memory (export "memory") 1) (data $d "abc") (func (export "_start") (data.drop $d)))"#,
        r#"(module (memory (export "memory") 1) (table 4 funcref)
            (func (export "_start") (table.copy (i32.const 0) (i32.const 1) (i32.const 2))))"#,
        r#"(module (memory (export "memory") 1) (table 4 funcref)
            (func (export "_start") (drop (table.grow (ref.null func) (i32.const 1)))))"#,
        r#"(module (memory (export "memory") 1) (func (export "_start") (drop (ref.is_null (ref.null func)))))"#,
        r#"(module (memory (export "memory") 1) (table 1 funcref) (table 1 funcref) (func (export "_start")))"#,
    ];
    for wat in refused_proposals {
        assert_eq!(reject(wat), Some(ErrorCode::WasmInvalid), "{wat}");
    }
    // A WASI program under the edgerun ABI is refused: first violation in byte order, here the
    // floats in std's signatures (the type section comes before the WASI imports).
    let program = read_guest("wasi-wordfreq");
    assert_eq!(validate_module_for(GuestAbi::Edgerun, &program).err(), Some(ErrorCode::FloatUsed));
    assert!(validate_module_for(GuestAbi::Wasi, &program).is_ok());

    // An iovec pointing past memory, and an iovec array past memory: the run ends, not EFAULT.
    let past_buffer = command(
        FD_WRITE,
        r#"(i32.store (i32.const 0) (i32.const 65530)) (i32.store (i32.const 4) (i32.const 100))
           (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))"#,
        "",
    );
    let report = run(&past_buffer, b"", &[], LIMITS);
    assert_eq!(report.error_code(), Some(ErrorCode::HostCallMemoryOutOfBounds));
    let past_array = command(
        FD_WRITE,
        r#"(drop (call $fd_write (i32.const 1) (i32.const 65535) (i32.const 536870912) (i32.const 8)))"#,
        "",
    );
    assert_eq!(run(&past_array, b"", &[], LIMITS).error_code(), Some(ErrorCode::HostCallMemoryOutOfBounds));
}

#[test]
fn memory_rules_match_the_edgerun_abi() {
    // No declared maximum: allowed, capped at the job's limit at run time (grow fails with -1).
    let grow = command(
        FD_WRITE,
        r#"(i32.store (i32.const 16) (memory.grow (i32.const 100)))
           (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 4))
           (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))"#,
        "",
    );
    let small = Limits { max_memory_bytes: 4 << 16, ..LIMITS };
    assert_eq!(stdout_bytes(&run(&grow, b"", &[], small)), (-1i32).to_le_bytes());
    assert_eq!(stdout_bytes(&run(&grow, b"", &[], LIMITS)), 1i32.to_le_bytes());
    // An initial memory above the job's cap is refused before anything runs.
    let big = wasm(r#"(module (memory (export "memory") 8) (func (export "_start")))"#);
    assert_eq!(run(&big, b"", &[], small).error_code(), Some(ErrorCode::MemoryAboveCap));
    // Returning without output is exit code 0 with empty stdout (not NoOutput).
    let quiet = wasm(r#"(module (memory (export "memory") 1) (func (export "_start")))"#);
    assert_eq!(exited(&run(&quiet, b"", &[], LIMITS)), (0, String::new()));
}

#[test]
fn floats_are_canonical_under_wasi_and_refused_under_the_edgerun_abi() {
    // 0/0 and a NaN with a payload pushed through arithmetic: the canonical NaN comes out.
    let body = r#"
      (call $print (i32.reinterpret_f32 (f32.div (f32.const 0) (f32.const 0))))
      (call $print (i32.reinterpret_f32 (f32.add (f32.const nan:0x200001) (f32.const 1))))
      (call $print (i32.reinterpret_f32 (f32.sqrt (f32.const -1))))
      (call $print (i32.trunc_sat_f32_s (f32.const 1e10)))"#;
    let module = wasm(&format!(
        r#"(module {FD_WRITE} (memory (export "memory") 1) {PRINT_I32} (func (export "_start") {body}))"#
    ));
    let words: Vec<u32> = stdout_bytes(&run(&module, b"", &[], LIMITS))
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, [0x7FC0_0000, 0x7FC0_0000, 0x7FC0_0000, i32::MAX as u32]);
    assert_eq!(validate_module_for(GuestAbi::Edgerun, &module).err(), Some(ErrorCode::ForbiddenImport));
    let edgerun_float =
        wasm(r#"(module (memory (export "memory") 1 1) (func (export "_start") (drop (f32.const 1))))"#);
    assert_eq!(validate_module_for(GuestAbi::Edgerun, &edgerun_float).err(), Some(ErrorCode::FloatUsed));
}

#[test]
fn bundles_pick_their_runtime_and_edgerun_bundles_take_no_arguments() {
    let quiet = wasm(r#"(module (memory (export "memory") 1) (func (export "_start")))"#);
    let bundle = |runtime_id: [u8; 32], args: Vec<String>| {
        Bundle { runtime_id, wasm: quiet.clone(), input: vec![], limits: LIMITS, meta: None, args }.encode().unwrap()
    };
    let runtime = runtime();
    let wasi = runtime.execute_bundle(&bundle(GuestAbi::Wasi.runtime_id(), vec!["a".into()])).unwrap();
    assert_eq!(exited(&wasi).0, 0);
    // The same module under the edgerun ABI: no `write_output`, and memory without a maximum.
    let edgerun = runtime.execute_bundle(&bundle(GuestAbi::Edgerun.runtime_id(), vec![])).unwrap();
    assert_eq!(edgerun.error_code(), Some(ErrorCode::MemoryWithoutMaximum));
    let with_args = runtime.execute_bundle(&bundle(GuestAbi::Edgerun.runtime_id(), vec!["a".into()])).unwrap();
    assert_eq!((with_args.error_code(), with_args.fuel_used), (Some(ErrorCode::BundleMalformed), 0));
    assert!(runtime.execute_bundle(&bundle([1; 32], vec![])).is_err(), "an unknown runtime gives no result");
}

/// A command whose `_start` runs `operator` (`memory.fill` or `memory.copy`; or anything else,
/// with the same three operands) `times` times over `len` bytes of a 16-page memory at 0 (fill
/// value / copy source 7), then writes the first 16 bytes of memory to stdout. Memory is 32 pages.
fn bulk_memory_command(operator: &str, len: u32, times: u32) -> Vec<u8> {
    let operation = format!("({operator} (i32.const 0) (i32.const 7) (i32.const {len}))");
    wasm(&format!(
        r#"(module {FD_WRITE}
  (memory (export "memory") 32)
  (data (i32.const 0) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17")
  (func (export "_start") (local $i i32)
    (block $done (loop $again
      (br_if $done (i32.ge_u (local.get $i) (i32.const {times})))
      {operation}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $again)))
    (i32.store (i32.const 65536) (i32.const 0)) (i32.store (i32.const 65540) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 65544)))))"#
    ))
}

#[test]
fn bulk_memory_costs_fuel_in_proportion_to_its_length() {
    for operator in ["memory.fill", "memory.copy"] {
        let fuel = |len: u32| {
            let report = run(&bulk_memory_command(operator, len, 1), b"", &[], LIMITS);
            assert!(report.output().is_some(), "{operator} {len}: {report:?}");
            report.fuel_used
        };
        // One unit for the operator (beside its operands), plus one per byte.
        let empty = fuel(0);
        assert_eq!(empty - fuel_of_no_operation(), 1, "{operator}");
        for len in [1, 127, 128, 129, 1000, 65_536, 1 << 20] {
            assert_eq!(fuel(len) - empty, u64::from(len), "{operator} of {len} bytes");
        }
    }
    // The operators still do what they do.
    let filled = stdout_bytes(&run(&bulk_memory_command("memory.fill", 10, 1), b"", &[], LIMITS));
    assert_eq!(filled, [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 10, 11, 12, 13, 14, 15]);
    let copied = stdout_bytes(&run(&bulk_memory_command("memory.copy", 10, 1), b"", &[], LIMITS));
    assert_eq!(copied, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 10, 11, 12, 13, 14, 15]);
    // A small operation succeeds with the same fuel on every run, also on a fresh runtime.
    let small = bulk_memory_command("memory.copy", 4096, 100);
    let first = run(&small, b"", &[], LIMITS);
    assert!(first.output().is_some(), "{first:?}");
    assert_eq!(run(&small, b"", &[], LIMITS), first);
    assert_eq!(runtime().execute_wasi(&small, b"", LIMITS, &[], &[0; 32]).unwrap().fuel_used, first.fuel_used);

    // Hostile: 1,000 fills of the whole 1 MiB memory would cost a unit each if the length were
    // free; they need a billion, so 10 M runs out, at the same point on every run.
    let starved = Limits { max_instructions: 10_000_000, ..LIMITS };
    for operator in ["memory.fill", "memory.copy"] {
        let flood = bulk_memory_command(operator, 1 << 20, 1000);
        let out_of_fuel = run(&flood, b"", &[], starved);
        assert_eq!(out_of_fuel.error_code(), Some(ErrorCode::OutOfFuel), "{out_of_fuel:?}");
        assert_eq!(run(&flood, b"", &[], starved), out_of_fuel);
    }
    // The length is paid for before the operator runs: far past memory, fuel runs out first
    // (nothing is written); just past it, the operator traps out of bounds.
    let past = bulk_memory_command("memory.fill", u32::MAX, 1);
    assert_eq!(run(&past, b"", &[], starved).error_code(), Some(ErrorCode::OutOfFuel));
    let just_past = bulk_memory_command("memory.fill", (32 << 16) + 1, 1);
    let trapped = run(&just_past, b"", &[], LIMITS);
    assert_eq!(trapped.error_code(), Some(ErrorCode::MemoryOutOfBounds), "{trapped:?}");
    // The edgerun ABI still refuses bulk memory.
    let edgerun_fill = wasm(
        r#"(module (memory (export "memory") 1 1)
            (func (export "_start") (memory.fill (i32.const 0) (i32.const 0) (i32.const 10))))"#,
    );
    assert_eq!(validate_module_for(GuestAbi::Edgerun, &edgerun_fill).err(), Some(ErrorCode::WasmInvalid));
}

#[test]
fn programs_built_with_the_default_target_features_use_what_the_runtime_meters() {
    // scripts/build-guests.sh builds the WASI guests with rustc's and clang's default features
    // and the runtime accepts them; the Rust ones use memory.copy/memory.fill (rustc's LLVM 22
    // enables bulk memory by default, clang 19's LLVM does not), so the runs above went through
    // the metered operators.
    let c_program = read_guest("wasi-csv-groupsum");
    assert!(validate_module_for(GuestAbi::Wasi, &c_program).is_ok());
    for guest in ["wasi-wordfreq", "wasi-probe", "wasi-sha256"] {
        let program = read_guest(guest);
        assert!(validate_module_for(GuestAbi::Wasi, &program).is_ok(), "{guest}");
        let mut bulk_operators = 0;
        for payload in wasmparser::Parser::new(0).parse_all(&program) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    let op = ops.read().unwrap();
                    bulk_operators +=
                        matches!(op, wasmparser::Operator::MemoryCopy { .. } | wasmparser::Operator::MemoryFill { .. })
                            as u32;
                }
            }
        }
        assert!(bulk_operators > 0, "{guest} was not built with bulk memory");
    }
}

/// The fuel of [`bulk_memory_command`] with its operator replaced by dropping its three operands
/// (`drop` is free).
fn fuel_of_no_operation() -> u64 {
    let module = wasm(&format!(
        r#"(module {FD_WRITE}
  (memory (export "memory") 32)
  (func (export "_start") (local $i i32)
    (block $done (loop $again
      (br_if $done (i32.ge_u (local.get $i) (i32.const 1)))
      (drop (i32.const 0)) (drop (i32.const 7)) (drop (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $again)))
    (i32.store (i32.const 65536) (i32.const 0)) (i32.store (i32.const 65540) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 65544)))))"#
    ));
    let report = run(&module, b"", &[], LIMITS);
    assert!(report.output().is_some(), "{report:?}");
    report.fuel_used
}

/// `n` rows of `city,item,qty` from a fixed linear congruential sequence.
fn sales_csv(n: u32) -> String {
    const CITIES: [&str; 7] = ["Paris", "Berlin", "Amsterdam", "Zürich", "Lisbon", "Oslo", "amsterdam"];
    let mut state = 0x2545_f491u32;
    let mut csv = String::from("city,item,qty\n");
    for row in 0..n {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let city = CITIES[(state >> 16) as usize % CITIES.len()];
        let qty = i64::from(state >> 20) - 2048;
        csv.push_str(&format!("{city},item{row},{qty}\n"));
    }
    csv
}

#[test]
fn an_unmodified_c_program_runs_with_wasi_libc() {
    let program = read_guest("wasi-csv-groupsum");
    let csv = sales_csv(5000);
    // The expected answer, computed here: rows and sum per city, in byte order of the key.
    let mut groups = std::collections::BTreeMap::<&[u8], (u64, i64)>::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let group = groups.entry(fields[0].as_bytes()).or_default();
        group.0 += 1;
        group.1 += fields[2].parse::<i64>().unwrap();
    }
    let expected: String = groups
        .iter()
        .map(|(city, (rows, sum))| format!("{},{rows},{sum}\n", std::str::from_utf8(city).unwrap()))
        .collect();
    assert_eq!(expected.lines().count(), 7);

    let report = run(&program, csv.as_bytes(), &["city", "qty"], LIMITS);
    assert_eq!(exited(&report), (0, expected));
    assert_eq!(run(&program, csv.as_bytes(), &["city", "qty"], LIMITS), report);
    // Its own refusals are results too: an unknown column (2), a value that is not a number (3).
    assert_eq!(exited(&run(&program, csv.as_bytes(), &["city", "price"], LIMITS)), (2, String::new()));
    let bad = b"city,qty\nParis,12\nOslo,1x\n";
    assert_eq!(exited(&run(&program, bad, &["city", "qty"], LIMITS)), (3, String::new()));
}
