//! The three host functions of ABI v1 (module `edgerun`) and the per-execution host state.
//!
//! Every check happens in a fixed order and ends the run with its own error code; the code is
//! stored in [`HostState::abort`] before trapping, so the classification never depends on how
//! the engine wraps the error. Host work is metered: each call costs
//! `HOST_CALL_BASE_FUEL + bytes / HOST_BYTES_PER_FUEL` fuel, charged after the checks.

use wasmtime::{Caller, Extern, Linker, StoreLimits};

use crate::error::ErrorCode;
use crate::limits::{HOST_BYTES_PER_FUEL, HOST_CALL_BASE_FUEL, MAX_OUTPUT_BYTES};
use crate::validate::HOST_MODULE;
use crate::wasi::WasiState;

/// Everything one execution's store holds.
pub struct HostState {
    /// The job input.
    pub input: Vec<u8>,
    /// What `write_output` stored (at most once).
    pub output: Option<Vec<u8>>,
    /// Set by a host function just before it traps.
    pub abort: Option<ErrorCode>,
    /// Memory/table/instance limits enforced by wasmtime's `ResourceLimiter`.
    pub limits: StoreLimits,
    /// The WASI runtime's state (`None` for edgerun-ABI runs).
    pub wasi: Option<WasiState>,
}

/// The error a host function returns after recording its code in [`HostState::abort`].
#[derive(Debug, thiserror::Error)]
#[error("guest aborted by the host: {0}")]
pub struct HostAbort(pub ErrorCode);

pub(crate) fn abort(caller: &mut Caller<'_, HostState>, code: ErrorCode) -> wasmtime::Error {
    caller.data_mut().abort = Some(code);
    wasmtime::Error::new(HostAbort(code))
}

fn charge(caller: &mut Caller<'_, HostState>, bytes: u32) -> wasmtime::Result<()> {
    charge_fuel(caller, HOST_CALL_BASE_FUEL + u64::from(bytes) / HOST_BYTES_PER_FUEL)
}

/// Takes `cost` fuel, or ends the run with `OutOfFuel` (and no fuel left) if there is less.
pub(crate) fn charge_fuel(caller: &mut Caller<'_, HostState>, cost: u64) -> wasmtime::Result<()> {
    let fuel = caller.get_fuel()?;
    if fuel < cost {
        caller.set_fuel(0)?;
        return Err(abort(caller, ErrorCode::OutOfFuel));
    }
    caller.set_fuel(fuel - cost)?;
    Ok(())
}

/// The guest's `memory` export (present: validation requires it).
pub(crate) fn memory(caller: &mut Caller<'_, HostState>) -> wasmtime::Memory {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => memory,
        _ => unreachable!("validation guarantees a `memory` export"),
    }
}

/// `ptr..ptr+len` inside a memory of `size` bytes, with the guest's i32s read as unsigned.
pub(crate) fn guest_range(ptr: u32, len: u32, size: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize)?;
    (end <= size).then_some(start..end)
}

/// Registers `edgerun.input_len`, `edgerun.read_input` and `edgerun.write_output`.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    // input_len() -> i32: the input length (inputs are capped far below 2^31).
    linker.func_wrap(HOST_MODULE, "input_len", |mut caller: Caller<'_, HostState>| -> wasmtime::Result<i32> {
        charge(&mut caller, 0)?;
        Ok(caller.data().input.len() as i32)
    })?;

    // read_input(dst, offset, len) -> i32: copies input[offset..offset+len] to memory[dst..];
    // returns len. A range past the end of the input is `InputOutOfBounds` (no short reads: a
    // short read would be one more way for guests to disagree with themselves).
    linker.func_wrap(
        HOST_MODULE,
        "read_input",
        |mut caller: Caller<'_, HostState>, dst: i32, offset: i32, len: i32| -> wasmtime::Result<i32> {
            let (dst, offset, len) = (dst as u32, offset as u32, len as u32);
            let Some(source) = guest_range(offset, len, caller.data().input.len()) else {
                return Err(abort(&mut caller, ErrorCode::InputOutOfBounds));
            };
            let memory = memory(&mut caller);
            let Some(target) = guest_range(dst, len, memory.data_size(&caller)) else {
                return Err(abort(&mut caller, ErrorCode::HostCallMemoryOutOfBounds));
            };
            charge(&mut caller, len)?;
            let (memory_bytes, state) = memory.data_and_store_mut(&mut caller);
            memory_bytes[target].copy_from_slice(&state.input[source]);
            Ok(len as i32)
        },
    )?;

    // write_output(ptr, len) -> i32: records memory[ptr..ptr+len] as the job output; returns 0.
    // Allowed once; the output is final when `_start` returns.
    linker.func_wrap(
        HOST_MODULE,
        "write_output",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let (ptr, len) = (ptr as u32, len as u32);
            if caller.data().output.is_some() {
                return Err(abort(&mut caller, ErrorCode::OutputWrittenTwice));
            }
            if len as usize > MAX_OUTPUT_BYTES {
                return Err(abort(&mut caller, ErrorCode::OutputTooLarge));
            }
            let memory = memory(&mut caller);
            let Some(source) = guest_range(ptr, len, memory.data_size(&caller)) else {
                return Err(abort(&mut caller, ErrorCode::HostCallMemoryOutOfBounds));
            };
            charge(&mut caller, len)?;
            let output = memory.data(&caller)[source].to_vec();
            caller.data_mut().output = Some(output);
            Ok(0)
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::guest_range;

    #[test]
    fn guest_ranges_never_wrap() {
        assert_eq!(guest_range(0, 0, 0), Some(0..0));
        assert_eq!(guest_range(10, 6, 16), Some(10..16));
        assert_eq!(guest_range(10, 7, 16), None);
        assert_eq!(guest_range(u32::MAX, 1, 65_536), None);
    }
}
