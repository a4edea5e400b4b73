//! The canonical runtime descriptor and `runtime_id = blake3(descriptor bytes)`.
//!
//! The descriptor names every setting that can change a result. Workers of different runtime
//! ids never judge the same job, so any change below — engine version (fuel counts differ between
//! wasmtime versions), a limit, the stack rule, the ABI, the error record — must go with a new
//! descriptor text, which gives a new id. `tests` pins the id so that such a change is never
//! accidental.

use crate::limits::{
    CALL_DEPTH_BUDGET, FRAME_BASE_COST, HOST_BYTES_PER_FUEL, HOST_CALL_BASE_FUEL, MAX_BR_TABLE_TARGETS,
    MAX_CONTROL_POINTS_SQUARED, MAX_DATA_SEGMENTS, MAX_ELEMENT_ITEMS, MAX_ELEMENT_SEGMENTS, MAX_EXPORTS,
    MAX_FRAME_COST, MAX_FUNCTIONS, MAX_FUNCTION_BODY_BYTES, MAX_FUNCTION_CONTROL_POINTS, MAX_GLOBALS, MAX_IMPORTS,
    MAX_MODULE_BYTES, MAX_MODULE_CONTROL_POINTS, MAX_MODULE_LOCALS, MAX_OUTPUT_BYTES, MAX_TABLE_ELEMENTS, MAX_TYPES,
};

/// Exact wasmtime version the runtime is built on (checked against Cargo.lock in tests).
pub const WASMTIME_VERSION: &str = "48.0.8";

/// The canonical descriptor (UTF-8, `\n`-separated `key=value` lines, no trailing spaces).
pub const RUNTIME_DESCRIPTOR: &str = concat!(
    "edgerun-runtime-descriptor-v1\n",
    "engine=wasmtime 48.0.8 (cranelift)\n",
    "abi=edgerun-abi-v1: imports edgerun.input_len()->i32, edgerun.read_input(i32,i32,i32)->i32, edgerun.write_output(i32,i32)->i32 (once); exports memory (declared maximum), _start()->()\n",
    "features=mvp,mutable-global,sign-extension,multi-value; rejected: floats,simd,threads,bulk-memory,reference-types,tail-call,memory64,multi-memory,exceptions,gc\n",
    "fuel=max_instructions; wasmtime 48.0.8 default operator costs (nop,drop,block,loop,unreachable,return,else,end=0; others=1), fuel checks at wasmtime's points; host call=8+bytes/16\n",
    "memory=hard cap floor(max_memory_bytes/65536) pages; declared maximum above cap rejected; failed memory.grow returns -1\n",
    "tables=initial<=65536 elements, fixed size\n",
    "stack=call-depth budget 131072 units; frame cost=16+params+locals+max operand height; call_indirect charges max cost of its signature; checked before each call\n",
    "start=start section run by host after instantiation, before _start, same fuel\n",
    "output=at most 16777216 bytes, written once; output_hash=blake3(output)\n",
    "error=blake3(\"edgerun-error-v1\" || code u32 LE || fuel_used u64 LE)\n",
    "caps=module<=4194304 bytes, checked first (215); per module, each section's count checked from its header: functions<=32768, types<=4096, imports<=16, exports<=1024, globals<=1024, data segments<=1024, element segments<=1024, element items<=65536, declared locals<=1048576, control points<=262144, sum over functions of control points squared<=268435456 (216); per function: body<=524288 bytes, control points<=16384, br_table targets<=16384 (217); control point=block,loop,if,br_if,br_table,call,call_indirect; first violation in byte order wins\n",
    "job=bundle runtime_id and limits must equal the job's posted ones, else error 103 with fuel 0\n",
);

/// `runtime_id = blake3(RUNTIME_DESCRIPTOR)`.
pub fn runtime_id() -> [u8; 32] {
    *blake3::hash(RUNTIME_DESCRIPTOR.as_bytes()).as_bytes()
}

/// The WASI runtime's descriptor: the same engine, limits, stack rule and caps as
/// [`RUNTIME_DESCRIPTOR`] (the lines that differ are `abi`, `features`, `memory`, `imports`,
/// `io`, `output` and `args`), so the same module compiles and is metered alike under both.
pub const WASI_RUNTIME_DESCRIPTOR: &str = concat!(
    "edgerun-runtime-descriptor-v1\n",
    "engine=wasmtime 48.0.8 (cranelift), cranelift_nan_canonicalization=true\n",
    "abi=wasi-preview1-deterministic-v1: command module; imports any wasi_snapshot_preview1 function with its preview 1 signature; exports memory, _start()->()\n",
    "features=mvp,floats (NaN results canonicalized),saturating-float-to-int,mutable-global,sign-extension,multi-value,bulk-memory-opt (memory.copy,memory.fill),call-indirect-overlong; rejected: simd,threads,rest of bulk-memory (passive segments,memory.init,data.drop,table.copy,table.init,elem.drop),rest of reference-types,tail-call,memory64,multi-memory,exceptions,gc,extended-const\n",
    "fuel=max_instructions; wasmtime 48.0.8 default operator costs (nop,drop,block,loop,unreachable,return,else,end=0; others=1), fuel checks at wasmtime's points; host call=8+bytes/16, bytes = guest memory read or written incl. iovec arrays; memory.copy/memory.fill=1+len (wasmtime 48.0.8 default variable operator costs: 1 per byte, added and checked before the operation)\n",
    "memory=hard cap floor(max_memory_bytes/65536) pages; declared maximum optional; initial or declared maximum above cap rejected; failed memory.grow returns -1\n",
    "tables=initial<=65536 elements, fixed size\n",
    "stack=call-depth budget 131072 units; frame cost=16+params+locals+max operand height; call_indirect charges max cost of its signature; checked before each call\n",
    "start=start section run by host after instantiation, before _start, same fuel\n",
    "io=stdin=bundle input (fd 0); stdout (fd 1)=output; stderr (fd 2) not part of the result; fd_fdstat_get(0..2)=filetype unknown, flags 0, rights fd_read (0) / fd_write (1,2); fd_prestat_get=EBADF; other fd/path/sock calls: EBADF for fd>2, else ENOSYS; poll_oneoff, proc_raise=ENOSYS; sched_yield=0; out-of-bounds guest pointer=error 313\n",
    "args=argv[0]=\"program\" then the bundle args; environment empty\n",
    "clocks=all four clocks frozen at 1704067200000000000 ns, resolution 1 ns, other clock ids EINVAL\n",
    "random=random_get: blake3 XOF keyed by blake3 derive_key(\"edgerun wasi random_get v1\", bundle_hash), consumed in call order\n",
    "output=stdout at most 16777216 bytes in all (else error 311); result=\"edgerun-wasi-v1\\0\" || exit code u32 LE (0 when _start returns, n for proc_exit(n)) || stdout; output_hash=blake3(result)\n",
    "error=blake3(\"edgerun-error-v1\" || code u32 LE || fuel_used u64 LE)\n",
    "caps=module<=4194304 bytes, checked first (215); per module, each section's count checked from its header: functions<=32768, types<=4096, imports<=64, exports<=1024, globals<=1024, data segments<=1024, element segments<=1024, element items<=65536, declared locals<=1048576, control points<=262144, sum over functions of control points squared<=268435456 (216); per function: body<=524288 bytes, control points<=16384, br_table targets<=16384 (217); control point=block,loop,if,br_if,br_table,call,call_indirect; first violation in byte order wins\n",
    "job=bundle runtime_id and limits must equal the job's posted ones, else error 103 with fuel 0\n",
);

/// `blake3(WASI_RUNTIME_DESCRIPTOR)`: the WASI runtime's id.
pub fn wasi_runtime_id() -> [u8; 32] {
    *blake3::hash(WASI_RUNTIME_DESCRIPTOR.as_bytes()).as_bytes()
}

/// The guest ABIs a worker runs, one runtime id each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestAbi {
    /// Edgerun's own ABI: `edgerun.{input_len, read_input, write_output}`, no floats.
    Edgerun,
    /// Deterministic WASI preview 1 (`crate::wasi`).
    Wasi,
}

impl GuestAbi {
    /// Every ABI, in a fixed order.
    pub const ALL: [GuestAbi; 2] = [GuestAbi::Edgerun, GuestAbi::Wasi];

    /// This ABI's runtime id.
    pub fn runtime_id(self) -> [u8; 32] {
        match self {
            GuestAbi::Edgerun => runtime_id(),
            GuestAbi::Wasi => wasi_runtime_id(),
        }
    }

    /// Every ABI's runtime id, in [`GuestAbi::ALL`]'s order: the runtimes a worker of this
    /// build runs, and so the ones a job may name.
    pub fn runtime_ids() -> [[u8; 32]; GuestAbi::ALL.len()] {
        Self::ALL.map(GuestAbi::runtime_id)
    }

    /// This ABI for people: `edgerun ABI`, `WASI preview 1`.
    pub fn label(self) -> &'static str {
        match self {
            GuestAbi::Edgerun => "edgerun ABI",
            GuestAbi::Wasi => "WASI preview 1",
        }
    }

    /// Every runtime id for people, for a message that names what a worker runs:
    /// `<hex> (edgerun ABI) or <hex> (WASI preview 1)`.
    pub fn describe_runtimes() -> String {
        Self::ALL.map(|abi| format!("{} ({})", hex::encode(abi.runtime_id()), abi.label())).join(" or ")
    }

    /// This ABI's canonical descriptor.
    pub fn descriptor(self) -> &'static str {
        match self {
            GuestAbi::Edgerun => RUNTIME_DESCRIPTOR,
            GuestAbi::Wasi => WASI_RUNTIME_DESCRIPTOR,
        }
    }

    /// The ABI whose runtime id is `id`, if a worker runs it.
    pub fn from_runtime_id(id: &[u8; 32]) -> Option<GuestAbi> {
        Self::ALL.into_iter().find(|abi| &abi.runtime_id() == id)
    }
}

// The descriptor is a literal (so it reads as the canonical text); these checks keep it in step
// with the constants the code actually uses.
const _: () = {
    assert!(CALL_DEPTH_BUDGET == 131_072);
    assert!(FRAME_BASE_COST == 16);
    assert!(MAX_FRAME_COST == 16_384);
    assert!(MAX_OUTPUT_BYTES == 16_777_216);
    assert!(MAX_TABLE_ELEMENTS == 65_536);
    assert!(HOST_CALL_BASE_FUEL == 8);
    assert!(HOST_BYTES_PER_FUEL == 16);
    assert!(MAX_MODULE_BYTES == 4_194_304);
    assert!(MAX_FUNCTIONS == 32_768);
    assert!(MAX_TYPES == 4_096);
    assert!(MAX_IMPORTS == 16);
    assert!(MAX_EXPORTS == 1_024);
    assert!(MAX_GLOBALS == 1_024);
    assert!(MAX_DATA_SEGMENTS == 1_024);
    assert!(MAX_ELEMENT_SEGMENTS == 1_024);
    assert!(MAX_ELEMENT_ITEMS == 65_536);
    assert!(MAX_MODULE_LOCALS == 1_048_576);
    assert!(MAX_MODULE_CONTROL_POINTS == 262_144);
    assert!(MAX_CONTROL_POINTS_SQUARED == 268_435_456);
    assert!(MAX_FUNCTION_BODY_BYTES == 524_288);
    assert!(MAX_FUNCTION_CONTROL_POINTS == 16_384);
    assert!(MAX_BR_TABLE_TARGETS == 16_384);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_version_matches_the_lock_file() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
            .expect("workspace Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("\nname = \"wasmtime\"\n"))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'));
        assert_eq!(locked, Some(WASMTIME_VERSION), "update WASMTIME_VERSION and the descriptor (a new runtime_id)");
        assert!(RUNTIME_DESCRIPTOR.contains(&format!("wasmtime {WASMTIME_VERSION}")));
    }

    #[test]
    fn runtime_id_is_pinned() {
        // Any change to the descriptor changes the id, and with it which workers judge which jobs.
        // Update this value only together with a deliberate runtime version bump.
        assert_eq!(hex::encode(runtime_id()), "0c7482152ca1814e38704de3f479da7a5e683e2c25d636322d5c5b9382205560");
        assert_eq!(hex::encode(wasi_runtime_id()), "df454670c61a2e1ac61b631e008e9a2333a987be6a6b4d40783fb20b50b30e7c");
    }

    #[test]
    fn each_abi_has_its_own_id() {
        assert_ne!(runtime_id(), wasi_runtime_id());
        for abi in GuestAbi::ALL {
            assert_eq!(GuestAbi::from_runtime_id(&abi.runtime_id()), Some(abi));
            assert_eq!(abi.runtime_id(), *blake3::hash(abi.descriptor().as_bytes()).as_bytes());
        }
        assert_eq!(GuestAbi::runtime_ids(), [runtime_id(), wasi_runtime_id()]);
        assert_eq!(
            GuestAbi::describe_runtimes(),
            format!(
                "{} (edgerun ABI) or {} (WASI preview 1)",
                hex::encode(runtime_id()),
                hex::encode(wasi_runtime_id())
            )
        );
        assert_eq!(GuestAbi::from_runtime_id(&[0; 32]), None);
        assert!(WASI_RUNTIME_DESCRIPTOR.contains(&format!("wasmtime {WASMTIME_VERSION}")));
    }

    #[test]
    fn descriptor_is_canonical_text() {
        for descriptor in [RUNTIME_DESCRIPTOR, WASI_RUNTIME_DESCRIPTOR] {
            assert!(descriptor.ends_with('\n'));
            assert!(descriptor.lines().all(|l| l == l.trim_end() && !l.is_empty()));
            assert!(descriptor.is_ascii());
        }
    }
}
