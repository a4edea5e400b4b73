//! The WASI runtime's contract: which WASI preview 1 functions a command module may import, what
//! each one does, and the bytes of its result.
//!
//! The second runtime (`abi=wasi-preview1-deterministic-v1`, see [`crate::descriptor`]) runs
//! unmodified `wasm32-wasip1` command modules. Every function of `wasi_snapshot_preview1` may be
//! imported (so that any program links), but only a deterministic subset does anything:
//!
//! | function | behaviour |
//! |---|---|
//! | `fd_read(0, ..)` | reads the job input (stdin), sequentially |
//! | `fd_write(1, ..)` | appends to the output (stdout), at most [`crate::limits::MAX_OUTPUT_BYTES`] in all, beyond: `OutputTooLarge` |
//! | `fd_write(2, ..)` | stderr: to the worker's log only, never part of the result |
//! | `fd_fdstat_get(0..=2, ..)` | filetype unknown (not a tty), no flags, rights `fd_read` (0) or `fd_write` (1, 2) |
//! | `args_sizes_get` / `args_get` | `[PROGRAM_NAME, bundle args...]` |
//! | `environ_sizes_get` / `environ_get` | empty environment |
//! | `clock_time_get` / `clock_res_get` | every clock frozen at [`FROZEN_CLOCK_NS`], resolution 1 ns; unknown clock: `EINVAL` |
//! | `random_get` | the next bytes of [`random_stream`] (seeded by the bundle hash) |
//! | `sched_yield` | success, nothing happens |
//! | `proc_exit(n)` | ends the run; the result keeps the output so far and `n` ([`result_record`]) |
//! | any other call taking an fd (`fd_*`, `path_*`, `sock_*`) | `EBADF` if the fd is not 0, 1 or 2 (there is no file system and no preopen), else `ENOSYS`; `fd_read` of 1/2 and `fd_write` of 0 are `EBADF` |
//! | `poll_oneoff`, `proc_raise` | `ENOSYS` |
//!
//! Each call costs fuel like an edgerun host call: `HOST_CALL_BASE_FUEL + bytes / HOST_BYTES_PER_FUEL`,
//! where bytes counts what the host reads or writes in guest memory (iovec arrays included). A
//! guest pointer range outside memory ends the run with `HostCallMemoryOutOfBounds`, as in the
//! edgerun ABI (no `EFAULT`: a trap cannot be ignored by a sloppy guest and hash differently).

use wasmparser::ValType;

use crate::validate::HostImport;

/// Module name of every WASI preview 1 import.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// `argv[0]` of every WASI job: fixed, so a result never depends on how the program was named.
pub const PROGRAM_NAME: &str = "program";

/// The value of every clock (ns since the Unix epoch for the realtime clock): 2024-01-01T00:00:00Z.
/// Any fixed value is deterministic; a plausible date keeps programs that format dates sane.
pub const FROZEN_CLOCK_NS: u64 = 1_704_067_200_000_000_000;

/// Most imports a WASI module may declare (`ModuleTooComplex`): there are 46 preview 1 functions.
pub const MAX_WASI_IMPORTS: u32 = 64;

/// Context string of the `random_get` key derivation (blake3 `derive_key`).
pub const RANDOM_CONTEXT: &str = "edgerun wasi random_get v1";

/// Domain tag at the head of every WASI result record.
pub const RESULT_TAG: &[u8; 16] = b"edgerun-wasi-v1\0";
/// Bytes before stdout in a result record: tag (16) + exit code (u32 LE).
pub const RESULT_HEADER_LEN: usize = 16 + 4;

/// WASI errno values used by the runtime (`wasi/api.h`).
pub mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const INVAL: i32 = 28;
    pub const NOSYS: i32 = 52;
}

/// The deterministic byte stream `random_get` hands out, in order, for the bundle whose hash is
/// `bundle_hash`: blake3's extendable output keyed by `derive_key(RANDOM_CONTEXT, bundle_hash)`.
/// The same bundle sees the same bytes on every run and every machine; two bundles differ.
pub fn random_stream(bundle_hash: &[u8; 32]) -> blake3::OutputReader {
    let key = blake3::derive_key(RANDOM_CONTEXT, bundle_hash);
    blake3::Hasher::new_keyed(&key).finalize_xof()
}

/// A WASI run's result bytes (what `output_hash` hashes, what the gateway stores):
/// `b"edgerun-wasi-v1\0" || exit_code u32 LE || stdout`. A run that returns from `_start` has
/// exit code 0; `proc_exit(n)` gives `n`. Failures (traps, fuel, limits) are error records as
/// in the edgerun ABI, and their stdout is dropped.
pub fn result_record(exit_code: u32, stdout: &[u8]) -> Vec<u8> {
    let mut record = Vec::with_capacity(RESULT_HEADER_LEN + stdout.len());
    record.extend_from_slice(RESULT_TAG);
    record.extend_from_slice(&exit_code.to_le_bytes());
    record.extend_from_slice(stdout);
    record
}

/// `(exit_code, stdout)` of a WASI result record, `None` for any other bytes.
pub fn parse_result_record(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let rest = bytes.strip_prefix(RESULT_TAG.as_slice())?;
    let (code, stdout) = rest.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*code), stdout))
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const ERRNO: &[ValType] = &[I32];

/// Every `wasi_snapshot_preview1` function with its exact core signature `(params, results)`.
pub const WASI_IMPORTS: [HostImport; 46] = [
    ("args_get", &[I32, I32], ERRNO),
    ("args_sizes_get", &[I32, I32], ERRNO),
    ("environ_get", &[I32, I32], ERRNO),
    ("environ_sizes_get", &[I32, I32], ERRNO),
    ("clock_res_get", &[I32, I32], ERRNO),
    ("clock_time_get", &[I32, I64, I32], ERRNO),
    ("fd_advise", &[I32, I64, I64, I32], ERRNO),
    ("fd_allocate", &[I32, I64, I64], ERRNO),
    ("fd_close", &[I32], ERRNO),
    ("fd_datasync", &[I32], ERRNO),
    ("fd_fdstat_get", &[I32, I32], ERRNO),
    ("fd_fdstat_set_flags", &[I32, I32], ERRNO),
    ("fd_fdstat_set_rights", &[I32, I64, I64], ERRNO),
    ("fd_filestat_get", &[I32, I32], ERRNO),
    ("fd_filestat_set_size", &[I32, I64], ERRNO),
    ("fd_filestat_set_times", &[I32, I64, I64, I32], ERRNO),
    ("fd_pread", &[I32, I32, I32, I64, I32], ERRNO),
    ("fd_prestat_get", &[I32, I32], ERRNO),
    ("fd_prestat_dir_name", &[I32, I32, I32], ERRNO),
    ("fd_pwrite", &[I32, I32, I32, I64, I32], ERRNO),
    ("fd_read", &[I32, I32, I32, I32], ERRNO),
    ("fd_readdir", &[I32, I32, I32, I64, I32], ERRNO),
    ("fd_renumber", &[I32, I32], ERRNO),
    ("fd_seek", &[I32, I64, I32, I32], ERRNO),
    ("fd_sync", &[I32], ERRNO),
    ("fd_tell", &[I32, I32], ERRNO),
    ("fd_write", &[I32, I32, I32, I32], ERRNO),
    ("path_create_directory", &[I32, I32, I32], ERRNO),
    ("path_filestat_get", &[I32, I32, I32, I32, I32], ERRNO),
    ("path_filestat_set_times", &[I32, I32, I32, I32, I64, I64, I32], ERRNO),
    ("path_link", &[I32, I32, I32, I32, I32, I32, I32], ERRNO),
    ("path_open", &[I32, I32, I32, I32, I32, I64, I64, I32, I32], ERRNO),
    ("path_readlink", &[I32, I32, I32, I32, I32, I32], ERRNO),
    ("path_remove_directory", &[I32, I32, I32], ERRNO),
    ("path_rename", &[I32, I32, I32, I32, I32, I32], ERRNO),
    ("path_symlink", &[I32, I32, I32, I32, I32], ERRNO),
    ("path_unlink_file", &[I32, I32, I32], ERRNO),
    ("poll_oneoff", &[I32, I32, I32, I32], ERRNO),
    ("proc_exit", &[I32], &[]),
    ("proc_raise", &[I32], ERRNO),
    ("sched_yield", &[], ERRNO),
    ("random_get", &[I32, I32], ERRNO),
    ("sock_accept", &[I32, I32, I32], ERRNO),
    ("sock_recv", &[I32, I32, I32, I32, I32, I32], ERRNO),
    ("sock_send", &[I32, I32, I32, I32, I32], ERRNO),
    ("sock_shutdown", &[I32, I32], ERRNO),
];

/// Whether the WASI function `name` takes a file descriptor as its first argument (and so
/// answers `EBADF` for any fd but 0, 1 and 2).
pub fn takes_fd(name: &str) -> bool {
    name.starts_with("fd_") || name.starts_with("path_") || name.starts_with("sock_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_record_layout() {
        let record = result_record(3, b"out");
        assert_eq!(&record[..16], b"edgerun-wasi-v1\0");
        assert_eq!(record[16..20], [3, 0, 0, 0]);
        assert_eq!(&record[20..], b"out");
        assert_eq!(parse_result_record(&record), Some((3, &b"out"[..])));
        assert_eq!(parse_result_record(&result_record(0, b"")), Some((0, &b""[..])));
        assert_eq!(parse_result_record(&record[..19]), None);
        assert_eq!(parse_result_record(b"edgerun-error-v1\0\0\0\0"), None);
    }

    #[test]
    fn random_stream_is_seeded_by_the_bundle_hash() {
        let read = |hash: [u8; 32]| {
            let mut bytes = [0u8; 64];
            random_stream(&hash).fill(&mut bytes);
            bytes
        };
        assert_eq!(read([1; 32]), read([1; 32]));
        assert_ne!(read([1; 32]), read([2; 32]));
        // Pinned: the stream is part of the WASI runtime's descriptor.
        assert_eq!(hex::encode(&read([0; 32])[..8]), "8a78ff5b29d7b7d1");
    }

    #[test]
    fn import_names_are_unique() {
        let mut names: Vec<_> = WASI_IMPORTS.iter().map(|(name, _, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), WASI_IMPORTS.len());
        assert!(WASI_IMPORTS.len() as u32 <= MAX_WASI_IMPORTS);
    }
}
