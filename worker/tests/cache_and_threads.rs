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
