//! Stable error codes and the canonical error record.
//!
//! A failed execution is a result like any other: committees agree on it by hash. The code
//! numbers below are part of the protocol (they are inside the hashed error record) and must
//! never be renumbered; new codes get new numbers.

use serde::Serialize;

/// Why a job produced no output. `#[repr(u32)]`: the number is what goes on the wire.
///
/// Ranges: 1xx bundle decoding, 2xx module validation, 3xx execution.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    /// The bundle bytes do not decode (truncated, trailing bytes, bad Option tag, non-canonical).
    BundleMalformed = 100,
    /// The bundle's version byte is not one this runtime reads.
    BundleUnsupportedVersion = 101,
    /// The bundle, its wasm, input or meta is above its size limit.
    BundleTooLarge = 102,
    /// The bundle's own runtime_id or limits differ from those its job was posted with (a
    /// result, not a refusal: every honest committee member sees the same mismatch, and a
    /// customer cannot get honest workers penalized for silence by posting such a job).
    BundleJobMismatch = 103,

    /// The wasm bytes do not parse as a core module.
    WasmMalformed = 200,
    /// The module parses but is not valid under the allowed feature set (e.g. bulk memory,
    /// reference types, tail calls, memory64, multiple tables, a type error).
    WasmInvalid = 201,
    /// A floating point type or instruction appears anywhere (signature, global, local, block
    /// type, instruction).
    FloatUsed = 202,
    /// A SIMD (v128) type or instruction appears anywhere.
    SimdUsed = 203,
    /// An atomic instruction or a shared memory appears.
    ThreadsUsed = 204,
    /// An import other than the three `edgerun` functions (or an import of a non-function).
    ForbiddenImport = 205,
    /// An `edgerun` import with the right name but the wrong signature.
    ImportSignatureMismatch = 206,
    /// No exported function `_start: () -> ()`.
    MissingStartExport = 207,
    /// No exported memory named `memory`.
    MissingMemoryExport = 208,
    /// The memory declares no maximum size.
    MemoryWithoutMaximum = 209,
    /// The memory's declared maximum is above the job's `max_memory_bytes`.
    MemoryAboveCap = 210,
    /// More than one memory (defined or imported).
    MultipleMemories = 211,
    /// A table's initial size is above `MAX_TABLE_ELEMENTS`.
    TableTooLarge = 212,
    /// A function's frame cost alone is above `MAX_FRAME_COST` (see `limits`).
    FunctionFrameTooLarge = 213,
    /// An export uses the name reserved for the runtime's own instrumentation.
    ReservedExportName = 214,
    /// The wasm module is larger than `MAX_MODULE_BYTES` (checked before it is parsed).
    ModuleTooLarge = 215,
    /// A module-wide count is above its cap: functions, types, imports, exports, globals, data
    /// or element segments, element items, locals, control points or their squares (`limits`).
    ModuleTooComplex = 216,
    /// One function is above a cap: body bytes, control points, or a `br_table`'s targets.
    FunctionTooLarge = 217,

    /// All fuel (`max_instructions`) was consumed.
    OutOfFuel = 300,
    /// The deterministic call-depth budget was exceeded.
    CallDepthExceeded = 301,
    /// A load or store outside linear memory (or a data segment that does not fit).
    MemoryOutOfBounds = 302,
    /// The guest executed `unreachable` (Rust panics end here).
    Unreachable = 303,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 304,
    /// Signed integer overflow in division (`i32.div_s` of MIN by -1).
    IntegerOverflow = 305,
    /// `call_indirect` outside the table (or an element segment that does not fit).
    TableOutOfBounds = 306,
    /// `call_indirect` to an empty table slot.
    IndirectCallToNull = 307,
    /// `call_indirect` to a function of another signature.
    IndirectCallSignatureMismatch = 308,
    /// `_start` returned without calling `write_output`.
    NoOutput = 309,
    /// `write_output` called a second time.
    OutputWrittenTwice = 310,
    /// `write_output` with more than `MAX_OUTPUT_BYTES`.
    OutputTooLarge = 311,
    /// `read_input` asked for bytes past the end of the input.
    InputOutOfBounds = 312,
    /// A host call was given a guest pointer range outside linear memory.
    HostCallMemoryOutOfBounds = 313,
}

impl ErrorCode {
    /// Every code, in numeric order (documentation, tests, CLI listings).
    pub const ALL: [ErrorCode; 36] = [
        ErrorCode::BundleMalformed,
        ErrorCode::BundleUnsupportedVersion,
        ErrorCode::BundleTooLarge,
        ErrorCode::BundleJobMismatch,
        ErrorCode::WasmMalformed,
        ErrorCode::WasmInvalid,
        ErrorCode::FloatUsed,
        ErrorCode::SimdUsed,
        ErrorCode::ThreadsUsed,
        ErrorCode::ForbiddenImport,
        ErrorCode::ImportSignatureMismatch,
        ErrorCode::MissingStartExport,
        ErrorCode::MissingMemoryExport,
        ErrorCode::MemoryWithoutMaximum,
        ErrorCode::MemoryAboveCap,
        ErrorCode::MultipleMemories,
        ErrorCode::TableTooLarge,
        ErrorCode::FunctionFrameTooLarge,
        ErrorCode::ReservedExportName,
        ErrorCode::ModuleTooLarge,
        ErrorCode::ModuleTooComplex,
        ErrorCode::FunctionTooLarge,
        ErrorCode::OutOfFuel,
        ErrorCode::CallDepthExceeded,
        ErrorCode::MemoryOutOfBounds,
        ErrorCode::Unreachable,
        ErrorCode::IntegerDivideByZero,
        ErrorCode::IntegerOverflow,
        ErrorCode::TableOutOfBounds,
        ErrorCode::IndirectCallToNull,
        ErrorCode::IndirectCallSignatureMismatch,
        ErrorCode::NoOutput,
        ErrorCode::OutputWrittenTwice,
        ErrorCode::OutputTooLarge,
        ErrorCode::InputOutOfBounds,
        ErrorCode::HostCallMemoryOutOfBounds,
    ];

    /// The stable wire number.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The code for a wire number, if it is one.
    pub fn from_code(code: u32) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({})", self, self.code())
    }
}

/// Domain separator at the head of every error record; the `v1` is bumped if the layout changes.
pub const ERROR_RECORD_TAG: &[u8; 16] = b"edgerun-error-v1";
/// Length of an error record: tag (16) + code (u32 LE) + fuel_used (u64 LE).
pub const ERROR_RECORD_LEN: usize = 16 + 4 + 8;

/// The canonical bytes of a failed execution:
/// `b"edgerun-error-v1" || code as u32 LE || fuel_used as u64 LE` (28 bytes).
/// Its blake3 is the failure's `output_hash`, so committees can agree on failures too.
pub fn error_record(code: ErrorCode, fuel_used: u64) -> [u8; ERROR_RECORD_LEN] {
    let mut record = [0u8; ERROR_RECORD_LEN];
    record[..16].copy_from_slice(ERROR_RECORD_TAG);
    record[16..20].copy_from_slice(&code.code().to_le_bytes());
    record[20..].copy_from_slice(&fuel_used.to_le_bytes());
    record
}

/// The code and fuel of `bytes` if they are an error record (what a committee agreed on when the
/// guest failed), `None` for any other output. A guest cannot fake one without also getting the
/// same hash as the real failure, so reading it back is as trustworthy as the hash.
pub fn parse_error_record(bytes: &[u8]) -> Option<(ErrorCode, u64)> {
    let record: &[u8; ERROR_RECORD_LEN] = bytes.try_into().ok()?;
    if &record[..16] != ERROR_RECORD_TAG {
        return None;
    }
    let code = ErrorCode::from_code(u32::from_le_bytes(record[16..20].try_into().ok()?))?;
    Some((code, u64::from_le_bytes(record[20..].try_into().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_round_trip() {
        for pair in ErrorCode::ALL.windows(2) {
            assert!(pair[0].code() < pair[1].code(), "{:?} / {:?}", pair[0], pair[1]);
        }
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
        }
        assert_eq!(ErrorCode::from_code(0), None);
    }

    #[test]
    fn error_record_layout() {
        let record = error_record(ErrorCode::OutOfFuel, 0x0102_0304_0506_0708);
        assert_eq!(&record[..16], b"edgerun-error-v1");
        assert_eq!(record[16..20], [0x2C, 0x01, 0, 0]); // 300
        assert_eq!(record[20..], [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(parse_error_record(&record), Some((ErrorCode::OutOfFuel, 0x0102_0304_0506_0708)));
        assert_eq!(parse_error_record(&record[..27]), None);
        assert_eq!(parse_error_record(b"edgerun-error-v2\x2c\x01\0\0\0\0\0\0\0\0\0\0"), None);
        let mut unknown = record;
        unknown[16..20].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(parse_error_record(&unknown), None);
    }
}
