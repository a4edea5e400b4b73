//! The module cache and parallel executions.

mod common;

use std::sync::Arc;

use common::*;
use edgerun_worker::{ErrorCode, Runtime, RuntimeConfig};

#[test]
fn modules_are_compiled_once_per_wasm_hash_and_evicted_oldest_first() {
    let runtime =
        Runtime::new(RuntimeConfig { module_cache_entries: 2, concurrent_executions: 2, ..RuntimeConfig::default() })
            .unwrap();
    let reverse = wasm(REVERSE_WAT);
    let loops = wasm(&guest("(loop $l (br $l))", ""));
    let float = wasm(&guest("(drop (f32.const 1))", ""));
    for _ in 0..3 {
        assert_eq!(runtime.execute(&reverse, b"ab", LIMITS).unwrap().output(), Some(&b"ba"[..]));
    }
    assert_eq!(runtime.cached_modules(), 1);
    // Rejections are cached as well, and give the same code from the cache.
    for _ in 0..2 {
        expect_error(&runtime.execute(&float, b"", LIMITS).unwrap(), ErrorCode::FloatUsed);
    }
    assert_eq!(runtime.cached_modules(), 2);
    expect_error(
        &runtime.execute(&loops, b"", edgerun_worker::Limits { max_instructions: 100, ..LIMITS }).unwrap(),
        ErrorCode::OutOfFuel,
    );
    assert_eq!(runtime.cached_modules(), 2, "capacity is 2");
    // The evicted module is rebuilt on demand with the same result.
    assert_eq!(runtime.execute(&reverse, b"ab", LIMITS).unwrap().output(), Some(&b"ba"[..]));
}

#[test]
fn parallel_executions_agree() {
    let runtime =
        Arc::new(Runtime::new(RuntimeConfig { concurrent_executions: 4, ..RuntimeConfig::default() }).unwrap());
    let module = Arc::new(wasm(REVERSE_WAT));
    let expected = runtime.execute(&module, b"parallel", LIMITS).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (runtime, module) = (runtime.clone(), module.clone());
            std::thread::spawn(move || {
                (0..25).map(|_| runtime.execute(&module, b"parallel", LIMITS).unwrap()).collect::<Vec<_>>()
            })
        })
        .collect();
    for handle in handles {
        for report in handle.join().unwrap() {
            assert_eq!(report, expected);
        }
    }
}

/// A distinct small guest per `n` (the constant changes the wasm hash, not the size).
fn numbered(n: u32) -> Vec<u8> {
    wasm(&guest(
        &format!("(i32.store (i32.const 0) (i32.const {n})) (drop (call $write_output (i32.const 0) (i32.const 4)))"),
        "",
    ))
}

fn run_numbered(runtime: &Runtime, n: u32) {
    assert_eq!(runtime.execute(&numbered(n), b"", LIMITS).unwrap().output(), Some(&n.to_le_bytes()[..]));
}

#[test]
fn the_module_cache_is_bounded_in_bytes_and_evicts_the_least_recently_used() {
    // The size each module is charged, measured on a roomy cache.
    let roomy = Runtime::new(RuntimeConfig { concurrent_executions: 1, ..RuntimeConfig::default() }).unwrap();
    let mut sizes = Vec::new();
    for n in 0..3 {
        let before = roomy.module_cache_stats().bytes;
        run_numbered(&roomy, 1000 + n);
        sizes.push(roomy.module_cache_stats().bytes - before);
    }
    assert!(sizes.iter().all(|&size| size > 1024), "a compiled module is charged its image: {sizes:?}");

    // Room for any two of the three, not all three.
    let cap = sizes.iter().sum::<usize>() - 1;
    let runtime =
        Runtime::new(RuntimeConfig { concurrent_executions: 1, module_cache_bytes: cap, ..RuntimeConfig::default() })
            .unwrap();
    run_numbered(&runtime, 1000);
    run_numbered(&runtime, 1001);
    run_numbered(&runtime, 1000); // 1000 is now the most recently used
    assert_eq!(runtime.module_cache_stats().compilations, 2);
    run_numbered(&runtime, 1002); // evicts 1001, the least recently used
    let stats = runtime.module_cache_stats();
    assert_eq!((stats.entries, stats.evictions, stats.compilations), (2, 1, 3), "{stats:?}");
    assert!(stats.bytes <= cap, "{stats:?}");
    run_numbered(&runtime, 1000);
    run_numbered(&runtime, 1002);
    assert_eq!(runtime.module_cache_stats().compilations, 3, "1000 and 1002 stayed cached");
    run_numbered(&runtime, 1001);
    assert_eq!(runtime.module_cache_stats().compilations, 4, "1001 was evicted and is compiled again");

    // A cap smaller than any module: nothing is kept, every result is still right.
    let tiny =
        Runtime::new(RuntimeConfig { concurrent_executions: 1, module_cache_bytes: 1024, ..RuntimeConfig::default() })
            .unwrap();
    for _ in 0..2 {
        run_numbered(&tiny, 7);
    }
    let stats = tiny.module_cache_stats();
    assert_eq!((stats.entries, stats.bytes, stats.compilations), (0, 0, 2), "{stats:?}");
    // A rejection is charged the entry overhead alone and does fit.
    expect_error(&tiny.execute(&wasm(&guest("(drop (f32.const 1))", "")), b"", LIMITS).unwrap(), ErrorCode::FloatUsed);
    assert_eq!(tiny.module_cache_stats().entries, 1);
}

#[test]
fn concurrent_jobs_with_the_same_wasm_share_one_compile() {
    let runtime =
        Arc::new(Runtime::new(RuntimeConfig { concurrent_executions: 8, ..RuntimeConfig::default() }).unwrap());
    let module = Arc::new(numbered(42));
    let start = Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (runtime, module, start) = (runtime.clone(), module.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                runtime.execute(&module, b"", LIMITS).unwrap()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap().output(), Some(&42u32.to_le_bytes()[..]));
    }
    assert_eq!(runtime.module_cache_stats().compilations, 1);
}

#[test]
fn the_module_cache_is_reported_as_metrics() {
    let runtime = Runtime::new(RuntimeConfig { concurrent_executions: 1, ..RuntimeConfig::default() }).unwrap();
    let registry = prometheus::Registry::new();
    runtime.register_metrics(&registry).unwrap();
    run_numbered(&runtime, 5);
    run_numbered(&runtime, 5);
    let value = |name: &str| {
        let family = registry.gather().into_iter().find(|family| family.name() == name).expect(name);
        let metric = &family.get_metric()[0];
        if name.ends_with("_total") {
            metric.get_counter().get_value()
        } else {
            metric.get_gauge().get_value()
        }
    };
    let stats = runtime.module_cache_stats();
    assert_eq!(value("module_cache_bytes"), stats.bytes as f64);
    assert_eq!(value("module_cache_entries"), 1.0);
    assert_eq!(value("module_compilations_total"), 1.0);
    assert_eq!(value("module_cache_evictions_total"), 0.0);
}
