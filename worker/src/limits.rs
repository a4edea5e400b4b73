//! Fixed limits of runtime v1. Every value here can change a result, so each one is named in the
//! runtime descriptor (`descriptor.rs`) and changing any of them changes `runtime_id`.

/// Largest output a guest may write (bytes). Outputs are stored and served by the storage
/// gateway; 16 MiB keeps a result upload cheap.
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// Largest initial table size. Without the reference-types proposal a table cannot grow, so its
/// initial size is its size for life. Rust guests use a few hundred entries.
pub const MAX_TABLE_ELEMENTS: u64 = 65_536;

/// Wasm page size (64 KiB); memory limits are counted in whole pages.
pub const WASM_PAGE_BYTES: u64 = 65_536;
/// A wasm32 memory never exceeds 4 GiB; a larger `max_memory_bytes` means "no cap below 4 GiB".
pub const WASM32_MAX_MEMORY_BYTES: u64 = 65_536 * WASM_PAGE_BYTES;

/// Deterministic stack rule. Every defined function has a frame cost
/// `FRAME_BASE_COST + params + declared locals + maximum operand stack height`, a static upper
/// bound of what its frame can occupy in units of one wasm value. Each call adds the callee's
/// cost to a depth counter (for `call_indirect`, the largest cost among defined functions of the
/// called signature) and subtracts it on return; a call that would take the counter above
/// `CALL_DEPTH_BUDGET` traps with `CallDepthExceeded`. The counter counts wasm values, not native
/// bytes, so the limit is the same on every machine and every native stack size.
pub const CALL_DEPTH_BUDGET: u32 = 131_072;
/// Per-frame constant part of the cost: return address, frame pointer, spilled context and
/// callee-saved registers of a compiled frame, in 8-byte units, with margin.
pub const FRAME_BASE_COST: u32 = 16;
/// A single function whose frame cost is above this is rejected at validation
/// (`FunctionFrameTooLarge`): the entry frame (`_start`, called by the host) is not counted in
/// the budget, so one frame must stay small against the native stack.
pub const MAX_FRAME_COST: u32 = 16_384;

/// Native stack wasm code may use, in bytes (`wasmtime::Config::max_wasm_stack`). Chosen so
/// that `(CALL_DEPTH_BUDGET + MAX_FRAME_COST) * NATIVE_BYTES_PER_COST_UNIT` fits with room to
/// spare: native stack exhaustion then cannot happen before the deterministic budget trips.
/// Callers must run executions on a thread with at least this much stack plus ~256 KiB (Rust
/// spawns 2 MiB threads by default; the main thread has 8 MiB).
pub const DEFAULT_MAX_WASM_STACK: usize = 1536 * 1024;
/// Upper bound of native stack bytes per frame cost unit. Measured on x86_64 cranelift output
/// with fuel on (`tests/stack_rule.rs` checks it for several frame shapes): 2.5 to 7.8 bytes per
/// unit, approaching 8 (one spilled 64-bit value) for large frames; 10 leaves a 25% margin.
pub const NATIVE_BYTES_PER_COST_UNIT: usize = 10;

/// Fuel charged for every host call, plus one unit per `HOST_BYTES_PER_FUEL` bytes copied, so
/// the host's work is metered like the guest's.
pub const HOST_CALL_BASE_FUEL: u64 = 8;
/// Bytes copied by a host call per unit of fuel.
pub const HOST_BYTES_PER_FUEL: u64 = 16;

/// Name of the mutable global the instrumentation adds and exports, so the host can tell a
/// depth-budget trap from a guest `unreachable`. Guests may not export names with this prefix.
pub const CALL_DEPTH_GLOBAL_EXPORT: &str = "__edgerun_call_depth";
/// Name under which the instrumentation exports the module's start function (if it has one)
/// after removing the start section, so the host runs it inside the same fuel/trap accounting.
pub const START_FUNCTION_EXPORT: &str = "__edgerun_start";
/// Prefix reserved for the runtime's own exports.
pub const RESERVED_EXPORT_PREFIX: &str = "__edgerun";
/// Value the depth counter is set to just before the depth trap (never a reachable depth).
pub const DEPTH_EXCEEDED_SENTINEL: i32 = -1;
