//! The deterministic stack rule: deep recursion ends with the same code and the same fuel
//! whatever the native stack, and the native stack reserved for wasm is provably enough for the
//! budget (measured here against cranelift's real frames).

mod common;

use common::*;
use edgerun_worker::limits::{CALL_DEPTH_BUDGET, DEFAULT_MAX_WASM_STACK, MAX_FRAME_COST, NATIVE_BYTES_PER_COST_UNIT};
use edgerun_worker::validate::validate_module;
use edgerun_worker::{ErrorCode, ExecutionReport, Limits, Runtime, RuntimeConfig, RuntimeError};

/// Runs `f` on a thread with a 64 MiB native stack, so that any `max_wasm_stack` used here fits.
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap()
}

/// Recursive functions of different frame shapes: `locals` i64 locals and `operands` values
/// held on the operand stack, all live across the recursive call. They are loaded from memory
/// (which the call may change), so cranelift cannot recompute them after the call and must keep
/// them in the native frame. Each call bumps the exported `depth` global.
fn recursion_wat(locals: usize, operands: usize) -> String {
    let set_locals: String =
        (0..locals).map(|i| format!("(local.set {} (i64.load (i32.const {})))", i + 1, i * 8)).collect();
    let push_operands: String = (0..operands).map(|i| format!("(i32.load (i32.const {}))", i * 4)).collect();
    let sum_operands = "i32.add ".repeat(operands);
    let sum_locals: String = (0..locals).map(|i| format!("(i32.wrap_i64 (local.get {})) i32.add ", i + 1)).collect();
    format!(
        r#"(module
  (import "edgerun" "write_output" (func $write_output (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $down (param i32) (result i32) {locals_decl}
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    {set_locals}
    {push_operands}
    (call $down (i32.add (local.get 0) (i32.const 1)))
    {sum_operands}
    {sum_locals})
  (func (export "_start") (drop (call $down (i32.const 0)))))"#,
        locals_decl = "(local i64)".repeat(locals),
    )
}

const SHAPES: [(usize, usize); 5] = [(0, 0), (8, 4), (64, 0), (0, 64), (400, 200)];

fn run_with_stack(wat: String, max_wasm_stack: usize) -> Result<ExecutionReport, RuntimeError> {
    on_big_stack(move || {
        let runtime =
            Runtime::new(RuntimeConfig { max_wasm_stack, concurrent_executions: 1, ..RuntimeConfig::default() })
                .unwrap();
        runtime.execute(&wasm(&wat), b"", Limits { max_instructions: 1 << 40, ..LIMITS })
    })
}

#[test]
fn deep_recursion_fails_identically_under_different_native_stacks() {
    for (locals, operands) in SHAPES {
        let wat = recursion_wat(locals, operands);
        let default = run_with_stack(wat.clone(), DEFAULT_MAX_WASM_STACK).expect("answer with the default stack");
        let large = run_with_stack(wat, 8 * DEFAULT_MAX_WASM_STACK).expect("answer with a large stack");
        expect_error(&default, ErrorCode::CallDepthExceeded);
        assert_eq!(default, large, "shape ({locals} locals, {operands} operands)");
        assert_eq!(default.output_hash(), large.output_hash());
    }
}

#[test]
fn rust_guest_recursion_fails_identically_under_different_native_stacks() {
    let guest = read_guest("hostile");
    let run = |stack| {
        let guest = guest.clone();
        on_big_stack(move || {
            Runtime::new(RuntimeConfig { max_wasm_stack: stack, concurrent_executions: 1, ..RuntimeConfig::default() })
                .unwrap()
                .execute(&guest, &[0], Limits { max_instructions: 1 << 40, ..LIMITS })
                .unwrap()
        })
    };
    let default = run(DEFAULT_MAX_WASM_STACK);
    expect_error(&default, ErrorCode::CallDepthExceeded);
    assert_eq!(default, run(4 * DEFAULT_MAX_WASM_STACK));
}

#[test]
fn too_small_a_native_stack_is_refused_not_reported() {
    // With far less native stack than the budget needs, the engine's own overflow check fires
    // first; that must never become a (machine-dependent) result.
    let outcome = run_with_stack(recursion_wat(64, 0), 64 * 1024);
    assert!(matches!(outcome, Err(RuntimeError::NativeStackExhausted)), "{outcome:?}");
}

/// Measures real native bytes per frame for each shape (uninstrumented module, plain wasmtime,
/// no depth rule) and checks it against the cost model: the default `max_wasm_stack` must cover
/// the whole budget for the worst shape.
#[test]
fn cost_model_bounds_the_native_stack() {
    const _: () = assert!(
        (CALL_DEPTH_BUDGET as usize + MAX_FRAME_COST as usize) * NATIVE_BYTES_PER_COST_UNIT <= DEFAULT_MAX_WASM_STACK
    );
    for (locals, operands) in SHAPES {
        let wat = recursion_wat(locals, operands);
        let module = wasm(&wat);
        let info = validate_module(&module).expect("valid");
        let cost = info.frame_costs[0] as usize; // $down is the first defined function
        let max_wasm_stack = 4 << 20;
        let depth = on_big_stack(move || native_overflow_depth(&module, max_wasm_stack));
        let bytes_per_frame = max_wasm_stack / depth;
        println!("shape ({locals} locals, {operands} operands): cost {cost}, depth {depth}, {bytes_per_frame} native bytes/frame, {:.1} bytes/unit", bytes_per_frame as f64 / cost as f64);
        assert!(bytes_per_frame <= cost * NATIVE_BYTES_PER_COST_UNIT, "shape ({locals}, {operands}): {bytes_per_frame} bytes per frame > {cost} units * {NATIVE_BYTES_PER_COST_UNIT}");
    }
}

/// Depth reached before wasmtime's native stack limit, for an uninstrumented module.
fn native_overflow_depth(module: &[u8], max_wasm_stack: usize) -> usize {
    use wasmtime::{Config, Engine, Instance, Module, Store, Trap};
    let mut config = Config::new();
    // Same code generation as the runtime (fuel instrumentation on), minus the depth rule.
    config.consume_fuel(true).max_wasm_stack(max_wasm_stack).async_stack_size(max_wasm_stack + (256 << 10));
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, module).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX).unwrap();
    let write_output = wasmtime::Func::wrap(&mut store, |_: i32, _: i32| 0i32);
    let instance = Instance::new(&mut store, &module, &[write_output.into()]).unwrap();
    let error = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap_err();
    assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
    instance.get_global(&mut store, "depth").unwrap().get(&mut store).unwrap_i32() as usize
}
