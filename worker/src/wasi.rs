//! The WASI runtime's host functions: deterministic `wasi_snapshot_preview1` (the contract is
//! `edgerun_guest::wasi`, and its descriptor line by line in `WASI_RUNTIME_DESCRIPTOR`).
//!
//! Written on wasmtime's `Linker` directly rather than with `wasmtime-wasi`: that crate's clocks,
//! random source and file system come from the host machine, so every one of them would have to
//! be replaced, and what is left (stdio and arguments) is a few dozen lines. Here nothing a guest
//! can observe depends on the machine: stdin is the job input, clocks are frozen, randomness is a
//! stream seeded by the bundle hash, and there is no file system or network to look at.
//!
//! Checks happen in a fixed order: guest pointer ranges first (out of range ends the run with
//! `HostCallMemoryOutOfBounds`), then fuel, then the output cap, then the effect.

use std::io::Read as _;

use wasmtime::{Caller, FuncType, Linker, Val, ValType};

use crate::error::ErrorCode;
use crate::host::{abort, charge_fuel, guest_range, memory, HostState};
use crate::limits::{HOST_BYTES_PER_FUEL, HOST_CALL_BASE_FUEL, MAX_OUTPUT_BYTES};
use edgerun_guest::wasi::{errno, random_stream, takes_fd, FROZEN_CLOCK_NS, PROGRAM_NAME, WASI_IMPORTS, WASI_MODULE};

/// Stderr bytes kept per execution for the worker's log; the rest is counted, not kept.
pub const STDERR_LOG_BYTES: usize = 4096;

const STDIN: i32 = 0;
const STDOUT: i32 = 1;
const STDERR: i32 = 2;
/// `__WASI_FILETYPE_UNKNOWN`: stdio is not a terminal (C's stdio then buffers fully).
const FILETYPE_UNKNOWN: u8 = 0;
const RIGHTS_FD_READ: u64 = 1 << 1;
const RIGHTS_FD_WRITE: u64 = 1 << 6;
/// Clock ids 0..=3: realtime, monotonic, process and thread CPU time.
const CLOCK_IDS: u32 = 4;

/// The WASI part of one execution's store.
pub struct WasiState {
    /// `argv` as one buffer of NUL-terminated strings, and where each starts in it.
    argv_buffer: Vec<u8>,
    argv_offsets: Vec<u32>,
    /// How much of the input `fd_read(0)` has consumed.
    stdin_offset: usize,
    /// Everything written to fd 1.
    pub stdout: Vec<u8>,
    /// The first [`STDERR_LOG_BYTES`] written to fd 2, and how many were written in all.
    pub stderr: Vec<u8>,
    pub stderr_bytes: u64,
    random: blake3::OutputReader,
    /// Set by `proc_exit`.
    pub exit_code: Option<u32>,
}

impl WasiState {
    /// The state of a run with `argv = [PROGRAM_NAME, args...]`, its random stream seeded by the
    /// bundle hash.
    pub fn new(args: &[String], bundle_hash: &[u8; 32]) -> WasiState {
        let mut argv_buffer = Vec::new();
        let mut argv_offsets = Vec::with_capacity(args.len() + 1);
        for arg in std::iter::once(PROGRAM_NAME).chain(args.iter().map(String::as_str)) {
            // Bundle arguments are at most 64 KiB in all (the codec's limit).
            argv_offsets.push(argv_buffer.len() as u32);
            argv_buffer.extend_from_slice(arg.as_bytes());
            argv_buffer.push(0);
        }
        WasiState {
            argv_buffer,
            argv_offsets,
            stdin_offset: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stderr_bytes: 0,
            random: random_stream(bundle_hash),
            exit_code: None,
        }
    }
}

/// The error `proc_exit` ends the run with (its code is in [`WasiState::exit_code`]).
#[derive(Debug, thiserror::Error)]
#[error("the guest called proc_exit({0})")]
pub struct ProcExit(pub u32);

fn wasi<'a>(caller: &'a mut Caller<'_, HostState>) -> wasmtime::Result<&'a mut WasiState> {
    // Validation lets only WASI modules import these functions, and their runs carry the state.
    caller.data_mut().wasi.as_mut().ok_or_else(|| wasmtime::Error::msg("a WASI call in a run without WASI state"))
}

/// Fuel for a call that touches `bytes` of guest memory.
fn call_fuel(bytes: u64) -> u64 {
    HOST_CALL_BASE_FUEL + bytes / HOST_BYTES_PER_FUEL
}

/// `ptr..ptr+len` of guest memory, or the run ends with `HostCallMemoryOutOfBounds`.
fn checked_range(caller: &mut Caller<'_, HostState>, ptr: i32, len: u64) -> wasmtime::Result<std::ops::Range<usize>> {
    let size = memory(caller).data_size(&*caller);
    match u32::try_from(len).ok().and_then(|len| guest_range(ptr as u32, len, size)) {
        Some(range) => Ok(range),
        None => Err(abort(caller, ErrorCode::HostCallMemoryOutOfBounds)),
    }
}

/// Writes `bytes` at `ptr` (range checked).
fn write_guest(caller: &mut Caller<'_, HostState>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
    let range = checked_range(caller, ptr, bytes.len() as u64)?;
    memory(caller).data_mut(&mut *caller)[range].copy_from_slice(bytes);
    Ok(())
}

/// The buffers of an iovec array (`iovs_len` entries of `{buf: u32, len: u32}` at `iovs`), each
/// range checked, after charging for reading the array.
fn iovecs(
    caller: &mut Caller<'_, HostState>,
    iovs: i32,
    iovs_len: i32,
) -> wasmtime::Result<Vec<std::ops::Range<usize>>> {
    let array_bytes = u64::from(iovs_len as u32) * 8;
    let array = checked_range(caller, iovs, array_bytes)?;
    charge_fuel(caller, call_fuel(array_bytes))?;
    let memory = memory(caller);
    let size = memory.data_size(&*caller);
    let ranges: Option<Vec<_>> = memory.data(&*caller)[array]
        .chunks_exact(8)
        .map(|entry| {
            let buf = u32::from_le_bytes(entry[..4].try_into().expect("4 bytes"));
            let len = u32::from_le_bytes(entry[4..].try_into().expect("4 bytes"));
            guest_range(buf, len, size)
        })
        .collect();
    ranges.ok_or_else(|| abort(caller, ErrorCode::HostCallMemoryOutOfBounds))
}

fn fd_write(
    caller: &mut Caller<'_, HostState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> wasmtime::Result<i32> {
    if fd != STDOUT && fd != STDERR {
        charge_fuel(caller, HOST_CALL_BASE_FUEL)?;
        return Ok(errno::BADF);
    }
    let buffers = iovecs(caller, iovs, iovs_len)?;
    checked_range(caller, nwritten, 4)?;
    let total: u64 = buffers.iter().map(|range| range.len() as u64).sum();
    charge_fuel(caller, total / HOST_BYTES_PER_FUEL)?;
    if fd == STDOUT && wasi(caller)?.stdout.len() as u64 + total > MAX_OUTPUT_BYTES as u64 {
        return Err(abort(caller, ErrorCode::OutputTooLarge));
    }
    let memory = memory(caller);
    let (data, state) = memory.data_and_store_mut(&mut *caller);
    let state = state.wasi.as_mut().ok_or_else(|| wasmtime::Error::msg("a WASI call in a run without WASI state"))?;
    for range in buffers {
        let bytes = &data[range];
        if fd == STDOUT {
            state.stdout.extend_from_slice(bytes);
        } else {
            let room = STDERR_LOG_BYTES - state.stderr.len();
            state.stderr.extend_from_slice(&bytes[..bytes.len().min(room)]);
            state.stderr_bytes += bytes.len() as u64;
        }
    }
    // `total` fits u32: the checks above bound it by the output cap (stdout) or memory (stderr).
    write_guest(caller, nwritten, &(total.min(u64::from(u32::MAX)) as u32).to_le_bytes())?;
    Ok(errno::SUCCESS)
}

fn fd_read(caller: &mut Caller<'_, HostState>, fd: i32, iovs: i32, iovs_len: i32, nread: i32) -> wasmtime::Result<i32> {
    if fd != STDIN {
        charge_fuel(caller, HOST_CALL_BASE_FUEL)?;
        return Ok(errno::BADF);
    }
    let buffers = iovecs(caller, iovs, iovs_len)?;
    checked_range(caller, nread, 4)?;
    let offset = wasi(caller)?.stdin_offset;
    let capacity: u64 = buffers.iter().map(|range| range.len() as u64).sum();
    let available = (caller.data().input.len() - offset) as u64;
    let copied = capacity.min(available);
    charge_fuel(caller, copied / HOST_BYTES_PER_FUEL)?;
    let memory = memory(caller);
    let (data, state) = memory.data_and_store_mut(&mut *caller);
    let mut source = &state.input[offset..offset + copied as usize];
    for range in buffers {
        let n = range.len().min(source.len());
        data[range.start..range.start + n].copy_from_slice(&source[..n]);
        source = &source[n..];
    }
    if let Some(wasi) = state.wasi.as_mut() {
        wasi.stdin_offset += copied as usize;
    }
    write_guest(caller, nread, &(copied as u32).to_le_bytes())?;
    Ok(errno::SUCCESS)
}

/// Registers every `wasi_snapshot_preview1` function.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(WASI_MODULE, "fd_write", |mut caller: Caller<'_, HostState>, fd, iovs, len, out| {
        fd_write(&mut caller, fd, iovs, len, out)
    })?;
    linker.func_wrap(WASI_MODULE, "fd_read", |mut caller: Caller<'_, HostState>, fd, iovs, len, out| {
        fd_read(&mut caller, fd, iovs, len, out)
    })?;

    linker.func_wrap(
        WASI_MODULE,
        "args_sizes_get",
        |mut caller: Caller<'_, HostState>, argc_ptr: i32, size_ptr: i32| -> wasmtime::Result<i32> {
            checked_range(&mut caller, argc_ptr, 4)?;
            checked_range(&mut caller, size_ptr, 4)?;
            charge_fuel(&mut caller, call_fuel(8))?;
            let state = wasi(&mut caller)?;
            let (argc, size) = (state.argv_offsets.len() as u32, state.argv_buffer.len() as u32);
            write_guest(&mut caller, argc_ptr, &argc.to_le_bytes())?;
            write_guest(&mut caller, size_ptr, &size.to_le_bytes())?;
            Ok(errno::SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "args_get",
        |mut caller: Caller<'_, HostState>, argv_ptr: i32, buf_ptr: i32| -> wasmtime::Result<i32> {
            let state = wasi(&mut caller)?;
            let (offsets, buffer) = (state.argv_offsets.clone(), state.argv_buffer.clone());
            checked_range(&mut caller, argv_ptr, offsets.len() as u64 * 4)?;
            checked_range(&mut caller, buf_ptr, buffer.len() as u64)?;
            charge_fuel(&mut caller, call_fuel(offsets.len() as u64 * 4 + buffer.len() as u64))?;
            let pointers: Vec<u8> =
                offsets.iter().flat_map(|offset| (buf_ptr as u32).wrapping_add(*offset).to_le_bytes()).collect();
            write_guest(&mut caller, argv_ptr, &pointers)?;
            write_guest(&mut caller, buf_ptr, &buffer)?;
            Ok(errno::SUCCESS)
        },
    )?;

    // The environment is empty: zero variables, zero bytes.
    linker.func_wrap(
        WASI_MODULE,
        "environ_sizes_get",
        |mut caller: Caller<'_, HostState>, count_ptr: i32, size_ptr: i32| -> wasmtime::Result<i32> {
            checked_range(&mut caller, count_ptr, 4)?;
            checked_range(&mut caller, size_ptr, 4)?;
            charge_fuel(&mut caller, call_fuel(8))?;
            write_guest(&mut caller, count_ptr, &0u32.to_le_bytes())?;
            write_guest(&mut caller, size_ptr, &0u32.to_le_bytes())?;
            Ok(errno::SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "environ_get",
        |mut caller: Caller<'_, HostState>, _environ: i32, _buf: i32| -> wasmtime::Result<i32> {
            charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
            Ok(errno::SUCCESS)
        },
    )?;

    linker.func_wrap(
        WASI_MODULE,
        "clock_time_get",
        |mut caller: Caller<'_, HostState>, id: i32, _precision: i64, time_ptr: i32| -> wasmtime::Result<i32> {
            clock_answer(&mut caller, id, time_ptr, FROZEN_CLOCK_NS)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "clock_res_get",
        |mut caller: Caller<'_, HostState>, id: i32, res_ptr: i32| -> wasmtime::Result<i32> {
            clock_answer(&mut caller, id, res_ptr, 1)
        },
    )?;

    linker.func_wrap(
        WASI_MODULE,
        "random_get",
        |mut caller: Caller<'_, HostState>, buf: i32, len: i32| -> wasmtime::Result<i32> {
            let range = checked_range(&mut caller, buf, u64::from(len as u32))?;
            charge_fuel(&mut caller, call_fuel(range.len() as u64))?;
            let memory = memory(&mut caller);
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let state =
                state.wasi.as_mut().ok_or_else(|| wasmtime::Error::msg("a WASI call in a run without WASI state"))?;
            state.random.read_exact(&mut data[range]).map_err(wasmtime::Error::new)?;
            Ok(errno::SUCCESS)
        },
    )?;

    linker.func_wrap(
        WASI_MODULE,
        "fd_fdstat_get",
        |mut caller: Caller<'_, HostState>, fd: i32, stat_ptr: i32| -> wasmtime::Result<i32> {
            if !(STDIN..=STDERR).contains(&fd) {
                charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
                return Ok(errno::BADF);
            }
            checked_range(&mut caller, stat_ptr, 24)?;
            charge_fuel(&mut caller, call_fuel(24))?;
            // fdstat: filetype u8, pad, flags u16 at 2, pad, rights_base u64 at 8, inheriting at 16.
            let mut stat = [0u8; 24];
            stat[0] = FILETYPE_UNKNOWN;
            let rights = if fd == STDIN { RIGHTS_FD_READ } else { RIGHTS_FD_WRITE };
            stat[8..16].copy_from_slice(&rights.to_le_bytes());
            write_guest(&mut caller, stat_ptr, &stat)?;
            Ok(errno::SUCCESS)
        },
    )?;
    // No preopened directories: every fd answers EBADF (how wasi-libc and Rust's std learn it).
    linker.func_wrap(
        WASI_MODULE,
        "fd_prestat_get",
        |mut caller: Caller<'_, HostState>, _fd: i32, _prestat: i32| -> wasmtime::Result<i32> {
            charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
            Ok(errno::BADF)
        },
    )?;

    linker.func_wrap(
        WASI_MODULE,
        "proc_exit",
        |mut caller: Caller<'_, HostState>, code: i32| -> wasmtime::Result<()> {
            charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
            let code = code as u32;
            wasi(&mut caller)?.exit_code = Some(code);
            Err(wasmtime::Error::new(ProcExit(code)))
        },
    )?;
    linker.func_wrap(WASI_MODULE, "sched_yield", |mut caller: Caller<'_, HostState>| -> wasmtime::Result<i32> {
        charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
        Ok(errno::SUCCESS)
    })?;

    // Everything else: nothing to do in a sealed, single-threaded, file-less run. Calls on an fd
    // other than stdio are EBADF (no such descriptor exists), the rest ENOSYS.
    let implemented = [
        "fd_write",
        "fd_read",
        "args_sizes_get",
        "args_get",
        "environ_sizes_get",
        "environ_get",
        "clock_time_get",
        "clock_res_get",
        "random_get",
        "fd_fdstat_get",
        "fd_prestat_get",
        "proc_exit",
        "sched_yield",
    ];
    for (name, params, results) in WASI_IMPORTS.iter().filter(|(name, _, _)| !implemented.contains(name)) {
        let ty = FuncType::new(linker.engine(), params.iter().map(engine_type), results.iter().map(engine_type));
        let fd_call = takes_fd(name);
        linker.func_new(WASI_MODULE, name, ty, move |mut caller, args, results| {
            charge_fuel(&mut caller, HOST_CALL_BASE_FUEL)?;
            let stdio = matches!(args.first(), Some(Val::I32(STDIN..=STDERR)));
            results[0] = Val::I32(if fd_call && !stdio { errno::BADF } else { errno::NOSYS });
            Ok(())
        })?;
    }
    Ok(())
}

/// `clock_time_get` / `clock_res_get`: `value` for the four clocks, EINVAL for any other id.
fn clock_answer(caller: &mut Caller<'_, HostState>, id: i32, ptr: i32, value: u64) -> wasmtime::Result<i32> {
    if id as u32 >= CLOCK_IDS {
        charge_fuel(caller, HOST_CALL_BASE_FUEL)?;
        return Ok(errno::INVAL);
    }
    checked_range(caller, ptr, 8)?;
    charge_fuel(caller, call_fuel(8))?;
    write_guest(caller, ptr, &value.to_le_bytes())?;
    Ok(errno::SUCCESS)
}

fn engine_type(ty: &wasmparser::ValType) -> ValType {
    match ty {
        wasmparser::ValType::I64 => ValType::I64,
        // Preview 1 signatures are i32 and i64 only.
        _ => ValType::I32,
    }
}
