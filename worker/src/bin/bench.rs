//! Runtime benchmark: prints, in one run, guest-under-fuel vs the same code compiled natively,
//! instantiate+run of a trivial guest from a warm cache, and the WASI runtime against the
//! edgerun ABI and native on the same source.
//!
//! `cargo run --release -p edgerun-worker --bin edgerun-bench` (build the guests first with
//! `scripts/build-guests.sh`). Figures are medians of repeated runs.

extern crate alloc;

#[path = "../../../guests/compress-hash/src/lz.rs"]
mod lz;
#[path = "../../../guests/json-redact/src/redact.rs"]
mod redact;
#[path = "../../../guests/sha256/src/sha256.rs"]
mod sha256;
#[path = "../../../guests/wasi-wordfreq/src/count.rs"]
mod wordfreq;

use std::hint::black_box;
use std::time::{Duration, Instant};

use edgerun_worker::host::HostState;
use edgerun_worker::{Limits, Runtime, RuntimeConfig};

/// Plain wasmtime (no fuel, no call-depth instrumentation, default allocator) running the same
/// guest: splits the overhead between cranelift itself and the determinism machinery.
struct PlainWasmtime {
    engine: wasmtime::Engine,
    linker: wasmtime::Linker<HostState>,
}

impl PlainWasmtime {
    fn new() -> Self {
        let engine = wasmtime::Engine::default();
        let mut linker = wasmtime::Linker::new(&engine);
        // Same ABI as the runtime's host functions, without metering or checks.
        linker
            .func_wrap("edgerun", "input_len", |c: wasmtime::Caller<'_, HostState>| c.data().input.len() as i32)
            .unwrap();
        linker
            .func_wrap(
                "edgerun",
                "read_input",
                |mut c: wasmtime::Caller<'_, HostState>, dst: i32, offset: i32, len: i32| {
                    let memory = c.get_export("memory").unwrap().into_memory().unwrap();
                    let (bytes, state) = memory.data_and_store_mut(&mut c);
                    let (dst, offset, len) = (dst as usize, offset as usize, len as usize);
                    bytes[dst..dst + len].copy_from_slice(&state.input[offset..offset + len]);
                    len as i32
                },
            )
            .unwrap();
        linker
            .func_wrap("edgerun", "write_output", |mut c: wasmtime::Caller<'_, HostState>, ptr: i32, len: i32| {
                let memory = c.get_export("memory").unwrap().into_memory().unwrap();
                let output = memory.data(&c)[ptr as usize..(ptr + len) as usize].to_vec();
                c.data_mut().output = Some(output);
                0
            })
            .unwrap();
        PlainWasmtime { engine, linker }
    }

    fn run(&self, module: &wasmtime::Module, input: &[u8]) -> usize {
        let state = HostState {
            input: input.to_vec(),
            output: None,
            abort: None,
            limits: wasmtime::StoreLimits::default(),
            wasi: None,
        };
        let mut store = wasmtime::Store::new(&self.engine, state);
        let instance = self.linker.instantiate(&mut store, module).unwrap();
        instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
        store.data().output.as_ref().map_or(0, Vec::len)
    }
}

/// The native twin of a guest.
type NativeFn = fn(&[u8]) -> Vec<u8>;

const LIMITS: Limits = Limits { max_memory_bytes: 256 << 20, max_instructions: 1 << 40 };

fn guest(name: &str) -> Vec<u8> {
    let path = format!("{}/../target/guests/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("missing {path} ({e}); run scripts/build-guests.sh first"))
}

/// Median wall time of `runs` calls.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Deterministic pseudo-random bytes (xorshift), so every run measures the same input.
fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Native twin of the compress-hash guest's `main`.
fn compress_pipeline(input: &[u8]) -> Vec<u8> {
    let compressed = lz::compress(input);
    let mut out = Vec::with_capacity(72 + compressed.len());
    out.extend_from_slice(b"EDGZ");
    out.extend_from_slice(&(input.len() as u32).to_le_bytes());
    out.extend_from_slice(blake3::hash(input).as_bytes());
    out.extend_from_slice(blake3::hash(&compressed).as_bytes());
    out.extend_from_slice(&compressed);
    out
}

fn json_document(records: usize) -> Vec<u8> {
    let mut doc = String::from(r#"{"redact":["email","token"],"document":{"records":["#);
    for i in 0..records {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(r#"{{"zid":{i},"name":"user {i} \u00e9","email":"u{i}@example.com","token":"t{i:016x}","tags":["a","b",{i}],"balance":-{i}.25e3,"active":true}}"#));
    }
    doc.push_str("]}}");
    doc.into_bytes()
}

fn main() {
    let runtime = Runtime::new(RuntimeConfig::default()).expect("runtime");
    let micros = |d: Duration| d.as_secs_f64() * 1e6;

    let plain = PlainWasmtime::new();
    println!("| workload | input | edgerun runtime (fuel + depth rule) | plain wasmtime (no fuel) | native | runtime / native | plain / native | fuel used |");
    println!("|---|---|---|---|---|---|---|---|");
    let text = {
        let words = ["edgerun", "worker", "bundle", "fuel", "wasm", "hash", "committee", "quorum"];
        let mut s = Vec::new();
        let mut i = 0usize;
        while s.len() < 1 << 20 {
            s.extend_from_slice(words[(i * 7 + i / 3) % words.len()].as_bytes());
            s.push(b' ');
            i += 1;
        }
        s
    };
    let cases: Vec<(&str, Vec<u8>, Vec<u8>, NativeFn)> = vec![
        ("SHA-256", guest("sha256"), noise(1 << 20), |d| sha256::sha256(d).to_vec()),
        ("JSON normalize+redact", guest("json_redact"), json_document(4000), redact::normalize_and_redact),
        ("LZ77 + 2x BLAKE3 pipeline (native BLAKE3 uses SIMD)", guest("compress_hash"), text, compress_pipeline),
    ];
    for (name, wasm, input, native) in &cases {
        let report = runtime.execute(wasm, input, LIMITS).expect("runs");
        assert!(report.output().is_some(), "{name}: {report:?}");
        let wasm_time = median(31, || {
            black_box(runtime.execute(wasm, input, LIMITS).unwrap());
        });
        let module = wasmtime::Module::new(&plain.engine, wasm).unwrap();
        let plain_time = median(31, || {
            black_box(plain.run(&module, input));
        });
        let native_time = median(31, || {
            black_box(native(black_box(input)));
        });
        println!(
            "| {name} | {} KiB | {:.0} µs | {:.0} µs | {:.0} µs | {:.2}× | {:.2}× | {} |",
            input.len() / 1024,
            micros(wasm_time),
            micros(plain_time),
            micros(native_time),
            wasm_time.as_secs_f64() / native_time.as_secs_f64(),
            plain_time.as_secs_f64() / native_time.as_secs_f64(),
            report.fuel_used
        );
    }

    let trivial = wat::parse_str(
        r#"(module (import "edgerun" "write_output" (func $w (param i32 i32) (result i32)))
             (memory (export "memory") 1 1)
             (func (export "_start") (drop (call $w (i32.const 0) (i32.const 0)))))"#,
    )
    .unwrap();
    let limits = Limits { max_memory_bytes: 1 << 20, max_instructions: 1_000_000 };
    let cold = {
        let start = Instant::now();
        runtime.execute(&trivial, b"", limits).unwrap();
        start.elapsed()
    };
    let warm = median(10_001, || {
        black_box(runtime.execute(&trivial, b"", limits).unwrap());
    });
    let json = guest("json_redact");
    let fresh = Runtime::new(RuntimeConfig::default()).unwrap();
    let compile = {
        let start = Instant::now();
        fresh.execute(&json, br#"{"document":{}}"#, LIMITS).unwrap();
        start.elapsed()
    };
    println!();
    println!("| trivial guest | time |");
    println!("|---|---|");
    println!("| first run (validate + instrument + compile + run) | {:.0} µs |", micros(cold));
    println!("| warm cache: instantiate + run (median of 10001) | {:.1} µs |", micros(warm));
    println!(
        "| cold compile + run of the JSON guest ({} KiB) | {:.1} ms |",
        json.len() / 1024,
        compile.as_secs_f64() * 1e3
    );

    wasi_rows(&runtime);
}

/// The WASI runtime on plain std programs: the same SHA-256 source as the edgerun-ABI guest
/// (`guests/wasi-sha256`), the word-frequency program against its own code compiled natively, and
/// the fixed cost of a std program's start (args, environment, stdin probing) on an empty input.
fn wasi_rows(runtime: &Runtime) {
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let hash = [0u8; 32];
    let wasi = |wasm: &[u8], input: &[u8]| runtime.execute_wasi(wasm, input, LIMITS, &[], &hash).unwrap();
    println!();
    println!("| workload | input | edgerun ABI | WASI runtime | native | WASI / edgerun ABI | WASI / native | fuel (ABI / WASI) |");
    println!("|---|---|---|---|---|---|---|---|");

    let (abi_guest, wasi_guest) = (guest("sha256"), guest("wasi_sha256"));
    let input = noise(1 << 20);
    let abi_report = runtime.execute(&abi_guest, &input, LIMITS).unwrap();
    let wasi_report = wasi(&wasi_guest, &input);
    let digest = sha256::sha256(&input);
    assert_eq!(abi_report.output(), Some(&digest[..]));
    assert_eq!(edgerun_guest::wasi::parse_result_record(wasi_report.output().unwrap()), Some((0, &digest[..])));
    let abi_time = median(31, || {
        black_box(runtime.execute(&abi_guest, &input, LIMITS).unwrap());
    });
    let wasi_time = median(31, || {
        black_box(wasi(&wasi_guest, &input));
    });
    let native_time = median(31, || {
        black_box(sha256::sha256(black_box(&input)));
    });
    println!(
        "| SHA-256 (same source) | 1024 KiB | {:.0} µs | {:.0} µs | {:.0} µs | {:.2}× | {:.2}× | {} / {} |",
        micros(abi_time),
        micros(wasi_time),
        micros(native_time),
        wasi_time.as_secs_f64() / abi_time.as_secs_f64(),
        wasi_time.as_secs_f64() / native_time.as_secs_f64(),
        abi_report.fuel_used,
        wasi_report.fuel_used
    );

    let program = guest("wasi_wordfreq");
    let text: Vec<u8> = {
        let words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "édition", "naïve"];
        let mut s = String::new();
        let mut i = 0usize;
        while s.len() < 1 << 20 {
            s.push_str(words[(i * 7 + i / 3) % words.len()]);
            s.push(if i % 11 == 10 { '\n' } else { ' ' });
            i += 1;
        }
        s.into_bytes()
    };
    let options = wordfreq::Options { top: 10, min_len: 1 };
    let report = wasi(&program, &text);
    let expected = wordfreq::report(std::str::from_utf8(&text).unwrap(), &options);
    assert_eq!(edgerun_guest::wasi::parse_result_record(report.output().unwrap()), Some((0, expected.as_bytes())));
    let wasi_time = median(11, || {
        black_box(wasi(&program, &text));
    });
    let native_time = median(11, || {
        black_box(wordfreq::report(black_box(std::str::from_utf8(&text).unwrap()), &options));
    });
    println!(
        "| word frequencies (std, HashMap, floats) | 1024 KiB | n/a | {:.0} µs | {:.0} µs | | {:.2}× | {} |",
        micros(wasi_time),
        micros(native_time),
        wasi_time.as_secs_f64() / native_time.as_secs_f64(),
        report.fuel_used
    );
    let start = median(1001, || {
        black_box(wasi(&wasi_guest, b""));
    });
    let float_loop = nan_canonicalization_cost();
    println!(
        "| std program start + exit (wasi_sha256, empty input), warm cache | 0 | | {:.1} µs | | | | {} |",
        micros(start),
        wasi(&wasi_guest, b"").fuel_used
    );
    let (plain, canonical) = float_loop;
    println!();
    println!("| float loop (10M × f64 mul + add + sqrt), plain wasmtime without fuel | time |");
    println!("|---|---|");
    println!("| default engine | {:.1} ms |", plain.as_secs_f64() * 1e3);
    println!(
        "| cranelift_nan_canonicalization (what both runtimes use) | {:.1} ms ({:.2}×) |",
        canonical.as_secs_f64() * 1e3,
        canonical.as_secs_f64() / plain.as_secs_f64()
    );
}

/// What NaN canonicalization costs float code: the same float-bound loop on two plain engines
/// (no fuel, no instrumentation) that differ only in `cranelift_nan_canonicalization`.
fn nan_canonicalization_cost() -> (Duration, Duration) {
    let wat = r#"(module (func (export "run") (result f64) (local $i i32) (local $x f64)
        (local.set $x (f64.const 1.5))
        (loop $again
          (local.set $x (f64.sqrt (f64.add (f64.mul (local.get $x) (f64.const 1.000001)) (f64.const 0.5))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 10000000))))
        (local.get $x)))"#;
    let time = |canonicalize: bool| {
        let mut config = wasmtime::Config::new();
        config.cranelift_nan_canonicalization(canonicalize);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let module = wasmtime::Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        median(11, || {
            let mut store = wasmtime::Store::new(&engine, ());
            let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
            let run = instance.get_typed_func::<(), f64>(&mut store, "run").unwrap();
            black_box(run.call(&mut store, ()).unwrap());
        })
    };
    (time(false), time(true))
}
