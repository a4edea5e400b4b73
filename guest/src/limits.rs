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

// Static caps on what a module may ask of validation and compilation. They decide a result
// (the same module is refused with the same code on every machine), so they are named in the
// runtime descriptor like every other limit. Wall time never decides one: see docs/protocol.md
// ("Compile cost"). Compile times quoted are cranelift's, measured on a 2-core x86_64 machine.

/// Largest wasm module (bytes), checked before anything is parsed (`ModuleTooLarge`). The Rust
/// guests in `guests/` are 4 to 18 KiB; a release build of a Rust program with serde and a few
/// crates is well under 2 MiB. Within all the caps below, the costliest module found compiles
/// in about 8 s, once per wasm hash (the module cache).
pub const MAX_MODULE_BYTES: usize = 4 * 1024 * 1024;
/// Largest function body (bytes, locals declarations included; `FunctionTooLarge`). Cranelift's
/// memory while compiling one function grows with its size, and functions compile in parallel,
/// so this bounds compile memory per compiling thread. The largest body of the demo guests is
/// 4 KiB.
pub const MAX_FUNCTION_BODY_BYTES: usize = 512 * 1024;
/// Most control points in one function (`FunctionTooLarge`). A control point is a `block`,
/// `loop`, `if`, `br_if`, `br_table`, `call` or `call_indirect`: each starts basic blocks (a
/// call gets the depth check's `if` from the instrumentation), and cranelift's compile time of a
/// function grows with the square of its basic blocks: 8,192 instrumented calls in one function
/// take 0.9 s, 16,384 take 3.6 s, 32,768 take 11 s. The demo guests' largest function has 238.
pub const MAX_FUNCTION_CONTROL_POINTS: u64 = 16_384;
/// Most control points in the whole module (`ModuleTooComplex`). Each instrumented call adds
/// about 37 bytes of wasm and 25 µs of compile whatever its function's size (a module of 1M
/// calls takes 35 s), so their total needs a cap of its own. Honest code has about one control
/// point per 18 bytes (the JSON guest: 980 in 17.8 KiB), so a module at `MAX_MODULE_BYTES`
/// stays below this.
pub const MAX_MODULE_CONTROL_POINTS: u64 = 262_144;
/// Cap on the sum over functions of (control points)² (`ModuleTooComplex`): the quadratic part
/// of compile time, whichever way a module spreads it over its functions, is at most that of
/// one function at `MAX_FUNCTION_CONTROL_POINTS` (about 4 s). The demo guests are at 124,520
/// or below; a JSON guest scaled up to `MAX_MODULE_BYTES` would be near 30M.
pub const MAX_CONTROL_POINTS_SQUARED: u64 = MAX_FUNCTION_CONTROL_POINTS * MAX_FUNCTION_CONTROL_POINTS;
/// Most targets of one `br_table` (`FunctionTooLarge`). wasmtime refuses more than 65,520 as an
/// implementation limit, which would be an engine failure (no result) rather than a code; Rust
/// `match` tables stay far below.
pub const MAX_BR_TABLE_TARGETS: u32 = 16_384;
/// Most locals declared over all functions of a module (`ModuleTooComplex`). Every local is a
/// compiler variable zeroed at entry, and a declaration of 16,000 of them takes 3 bytes: 16M
/// locals in a 7 KiB module take 0.75 s to compile. (A single function is bounded by
/// `MAX_FRAME_COST`.) The demo guests declare at most 133.
pub const MAX_MODULE_LOCALS: u64 = 1_048_576;
/// Most defined functions (`ModuleTooComplex`): each costs compile and metadata even when
/// empty (100,000 empty functions take 4 s). Large Rust programs have around 10,000.
pub const MAX_FUNCTIONS: u32 = 32_768;
/// Most entries in the type section (`ModuleTooComplex`).
pub const MAX_TYPES: u32 = 4_096;
/// Most imports (`ModuleTooComplex`): only the three `edgerun` functions may be imported, so
/// more entries can only be repeats.
pub const MAX_IMPORTS: u32 = 16;
/// Most exports (`ModuleTooComplex`).
pub const MAX_EXPORTS: u32 = 1_024;
/// Most globals (`ModuleTooComplex`); Rust guests have three.
pub const MAX_GLOBALS: u32 = 1_024;
/// Most data segments (`ModuleTooComplex`); Rust guests have two or three.
pub const MAX_DATA_SEGMENTS: u32 = 1_024;
/// Most element segments (`ModuleTooComplex`); Rust guests have one.
pub const MAX_ELEMENT_SEGMENTS: u32 = 1_024;
/// Most element items over all element segments (`ModuleTooComplex`): as many as the largest
/// table can hold.
pub const MAX_ELEMENT_ITEMS: u64 = MAX_TABLE_ELEMENTS;
