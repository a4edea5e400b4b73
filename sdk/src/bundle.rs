//! Bundle codec (owned by the runtime work, issue 3).
//!
//! A bundle is everything a worker needs to run a job: the runtime it was written for, the wasm
//! module, the input and the limits. Committees agree on results by hash, so the encoding must be
//! canonical: exactly one byte string per bundle, and `bundle_hash = blake3(bytes)` over those
//! exact bytes (the bytes stored under `/bundle/{bundle_hash}`).
//!
//! # Wire format, version 1 (Borsh)
//!
//! | field              | Borsh type        | notes                                         |
//! |--------------------|-------------------|-----------------------------------------------|
//! | `version`          | `u8`              | always [`BUNDLE_VERSION`] (1)                 |
//! | `runtime_id`       | `[u8; 32]`        | blake3 of the runtime descriptor              |
//! | `wasm`             | `Vec<u8>`         | u32 LE length + bytes, ≤ [`MAX_WASM_BYTES`]   |
//! | `input`            | `Vec<u8>`         | u32 LE length + bytes, ≤ [`MAX_INPUT_BYTES`]  |
//! | `limits`           | `{u64, u64}`      | `max_memory_bytes`, `max_instructions` (LE)   |
//! | `meta`             | `Option<Vec<u8>>` | tag 0 / tag 1 + bytes, ≤ [`MAX_META_BYTES`]   |
//!
//! # Version 2: program arguments
//!
//! A bundle with arguments (the WASI runtime's `argv[1..]`) is version 2: the version-1 layout
//! with version byte 2, followed by `args` as a Borsh `Vec<String>` (u32 LE count, then per
//! argument u32 LE length + UTF-8 bytes), at most [`MAX_ARGS`] arguments, each without a NUL byte,
//! at most [`MAX_ARGS_BYTES`] in all. A bundle without arguments is always version 1 (a version-2
//! encoding of no arguments is non-canonical), so every bundle written before arguments existed
//! keeps its bytes and its hash.
//!
//! Decoding is strict: an unknown version, a length beyond its limit, an Option tag other than
//! 0 or 1, a truncated field or any trailing byte is an error, and the decoded value must
//! re-encode to the input bytes (checked, so the rule holds even if Borsh ever grows a second
//! spelling of a value).

use borsh::{BorshDeserialize, BorshSerialize};

/// The bundle version of a bundle without arguments.
pub const BUNDLE_VERSION: u8 = 1;
/// The bundle version of a bundle with arguments.
pub const BUNDLE_VERSION_ARGS: u8 = 2;
/// Most arguments a bundle may carry.
pub const MAX_ARGS: usize = 256;
/// Most bytes of arguments (their UTF-8 bytes, without the length prefixes) a bundle may carry.
pub const MAX_ARGS_BYTES: usize = 64 * 1024;
/// Largest accepted wasm module (bytes). Compilation time grows with module size; 16 MiB is far
/// above any real guest (the demo guests are tens of KiB).
pub const MAX_WASM_BYTES: usize = 16 * 1024 * 1024;
/// Largest accepted input (bytes).
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// Largest accepted free-form metadata (bytes). Metadata never influences execution.
pub const MAX_META_BYTES: usize = 64 * 1024;
/// Fixed-size part of a version-1 bundle: version, runtime_id, two length prefixes, limits and
/// the meta Option tag.
const FIXED_BYTES: usize = 1 + 32 + 4 + 4 + 8 + 8 + 1;
/// Largest possible encoded bundle; anything longer is rejected before it is parsed.
pub const MAX_BUNDLE_BYTES: usize =
    FIXED_BYTES + MAX_WASM_BYTES + MAX_INPUT_BYTES + 4 + MAX_META_BYTES + 4 + MAX_ARGS * 4 + MAX_ARGS_BYTES;

/// Resource limits a job is run under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct Limits {
    /// Hard cap on linear memory, in bytes (the runtime rounds it down to whole 64 KiB pages).
    pub max_memory_bytes: u64,
    /// Fuel given to the guest: the instruction cap.
    pub max_instructions: u64,
}

/// A decoded bundle. The version is implicit: [`BUNDLE_VERSION`] without arguments,
/// [`BUNDLE_VERSION_ARGS`] with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The runtime this bundle was written for (`blake3` of its canonical descriptor).
    pub runtime_id: [u8; 32],
    /// The guest module.
    pub wasm: Vec<u8>,
    /// Bytes the guest reads through `read_input`.
    pub input: Vec<u8>,
    /// Limits the guest runs under.
    pub limits: Limits,
    /// Optional free-form metadata (e.g. a job name); hashed with the bundle, never executed.
    pub meta: Option<Vec<u8>>,
    /// Program arguments after the program name (the WASI runtime's `argv[1..]`); the edgerun
    /// ABI has no arguments and ends a bundle that carries some with `BundleMalformed`.
    pub args: Vec<String>,
}

/// Borsh image of a version-1 bundle, field order = wire order.
#[derive(BorshSerialize, BorshDeserialize)]
struct WireV1 {
    version: u8,
    runtime_id: [u8; 32],
    wasm: Vec<u8>,
    input: Vec<u8>,
    limits: Limits,
    meta: Option<Vec<u8>>,
}

/// Why bytes are not a valid bundle (or a bundle cannot be encoded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Zero bytes.
    #[error("bundle is empty")]
    Empty,
    /// The first byte names a version this codec does not know.
    #[error("unsupported bundle version {0} (this codec reads versions {BUNDLE_VERSION} and {BUNDLE_VERSION_ARGS})")]
    UnsupportedVersion(u8),
    /// The whole encoding is longer than [`MAX_BUNDLE_BYTES`].
    #[error("bundle is {len} bytes, above the {max} byte limit")]
    BundleTooLarge { len: usize, max: usize },
    /// The wasm module is longer than [`MAX_WASM_BYTES`].
    #[error("wasm module is {len} bytes, above the {max} byte limit")]
    WasmTooLarge { len: usize, max: usize },
    /// The input is longer than [`MAX_INPUT_BYTES`].
    #[error("input is {len} bytes, above the {max} byte limit")]
    InputTooLarge { len: usize, max: usize },
    /// The metadata is longer than [`MAX_META_BYTES`].
    #[error("meta is {len} bytes, above the {max} byte limit")]
    MetaTooLarge { len: usize, max: usize },
    /// The bytes end before the field does.
    #[error("bundle truncated while reading {field}")]
    Truncated { field: &'static str },
    /// The Option tag of `meta` is neither 0 nor 1.
    #[error("invalid meta option tag {0}")]
    InvalidOptionTag(u8),
    /// More than [`MAX_ARGS`] arguments, or more than [`MAX_ARGS_BYTES`] of them.
    #[error("{count} arguments of {bytes} bytes, above the limit of {MAX_ARGS} arguments and {MAX_ARGS_BYTES} bytes")]
    ArgsTooLarge { count: usize, bytes: usize },
    /// An argument is not UTF-8 or contains a NUL byte (it could not be a C string).
    #[error("argument {index} is not UTF-8 text without NUL bytes")]
    InvalidArg { index: usize },
    /// Bytes follow the last field.
    #[error("{0} trailing bytes after the bundle")]
    TrailingBytes(usize),
    /// The decoded bundle does not re-encode to the same bytes.
    #[error("bundle encoding is not canonical")]
    NonCanonical,
}

impl Bundle {
    /// Canonical encoding. Fails only if a field is above its size limit, so every encoded bundle
    /// also decodes.
    pub fn encode(&self) -> Result<Vec<u8>, BundleError> {
        check_len(self.wasm.len(), MAX_WASM_BYTES, |len, max| BundleError::WasmTooLarge { len, max })?;
        check_len(self.input.len(), MAX_INPUT_BYTES, |len, max| BundleError::InputTooLarge { len, max })?;
        if let Some(meta) = &self.meta {
            check_len(meta.len(), MAX_META_BYTES, |len, max| BundleError::MetaTooLarge { len, max })?;
        }
        check_args(&self.args)?;
        let wire = WireV1 {
            version: if self.args.is_empty() { BUNDLE_VERSION } else { BUNDLE_VERSION_ARGS },
            runtime_id: self.runtime_id,
            wasm: self.wasm.clone(),
            input: self.input.clone(),
            limits: self.limits,
            meta: self.meta.clone(),
        };
        // Writing into a Vec cannot fail.
        let mut bytes = borsh::to_vec(&wire).expect("borsh serialization into a Vec is infallible");
        if !self.args.is_empty() {
            bytes.extend(borsh::to_vec(&self.args).expect("borsh serialization into a Vec is infallible"));
        }
        Ok(bytes)
    }

    /// Strict decoding: see the module documentation for what is rejected. Lengths are checked
    /// against their limits before anything is copied, so hostile lengths cost nothing.
    pub fn decode(bytes: &[u8]) -> Result<Bundle, BundleError> {
        check_len(bytes.len(), MAX_BUNDLE_BYTES, |len, max| BundleError::BundleTooLarge { len, max })?;
        let mut reader = Reader { rest: bytes };
        let version = match bytes.first() {
            None => return Err(BundleError::Empty),
            Some(&v) => v,
        };
        if version != BUNDLE_VERSION && version != BUNDLE_VERSION_ARGS {
            return Err(BundleError::UnsupportedVersion(version));
        }
        reader.take(1, "version")?;
        let runtime_id: [u8; 32] = reader.take(32, "runtime_id")?.try_into().expect("32 bytes");
        let wasm = reader.bytes("wasm", MAX_WASM_BYTES, |len, max| BundleError::WasmTooLarge { len, max })?;
        let input = reader.bytes("input", MAX_INPUT_BYTES, |len, max| BundleError::InputTooLarge { len, max })?;
        let limits = Limits {
            max_memory_bytes: reader.u64("limits.max_memory_bytes")?,
            max_instructions: reader.u64("limits.max_instructions")?,
        };
        let meta = match reader.take(1, "meta tag")?[0] {
            0 => None,
            1 => Some(reader.bytes("meta", MAX_META_BYTES, |len, max| BundleError::MetaTooLarge { len, max })?),
            tag => return Err(BundleError::InvalidOptionTag(tag)),
        };
        let args = if version == BUNDLE_VERSION_ARGS { reader.args()? } else { Vec::new() };
        if !reader.rest.is_empty() {
            return Err(BundleError::TrailingBytes(reader.rest.len()));
        }
        let bundle = Bundle {
            runtime_id,
            wasm: wasm.to_vec(),
            input: input.to_vec(),
            limits,
            meta: meta.map(<[u8]>::to_vec),
            args,
        };
        // Belt and braces: the one canonical spelling is whatever `encode` writes.
        if bundle.encode()? != bytes {
            return Err(BundleError::NonCanonical);
        }
        Ok(bundle)
    }

    /// `blake3` of the canonical encoding.
    pub fn hash(&self) -> Result<[u8; 32], BundleError> {
        Ok(bundle_hash(&self.encode()?))
    }
}

/// `bundle_hash = blake3(bundle bytes)`, over the exact stored bytes.
pub fn bundle_hash(bundle_bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bundle_bytes).as_bytes()
}

/// The argument limits: count, total bytes, UTF-8 (a `String`), no NUL byte.
fn check_args(args: &[String]) -> Result<(), BundleError> {
    let bytes = args.iter().map(String::len).sum();
    if args.len() > MAX_ARGS || bytes > MAX_ARGS_BYTES {
        return Err(BundleError::ArgsTooLarge { count: args.len(), bytes });
    }
    match args.iter().position(|arg| arg.contains('\0')) {
        Some(index) => Err(BundleError::InvalidArg { index }),
        None => Ok(()),
    }
}

fn check_len(len: usize, max: usize, err: impl Fn(usize, usize) -> BundleError) -> Result<(), BundleError> {
    if len > max {
        Err(err(len, max))
    } else {
        Ok(())
    }
}

/// Cursor over the encoded bytes; every read is bounds checked.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], BundleError> {
        if self.rest.len() < n {
            return Err(BundleError::Truncated { field });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, BundleError> {
        Ok(u64::from_le_bytes(self.take(8, field)?.try_into().expect("8 bytes")))
    }

    /// A Borsh `Vec<u8>`: u32 LE length, then that many bytes. The limit is checked before the
    /// length is trusted.
    fn bytes(
        &mut self,
        field: &'static str,
        max: usize,
        too_large: impl Fn(usize, usize) -> BundleError,
    ) -> Result<&'a [u8], BundleError> {
        let len = u32::from_le_bytes(self.take(4, field)?.try_into().expect("4 bytes")) as usize;
        check_len(len, max, too_large)?;
        self.take(len, field)
    }

    /// A Borsh `Vec<String>` within the argument limits, each limit checked before the bytes it
    /// covers are copied.
    fn args(&mut self) -> Result<Vec<String>, BundleError> {
        let count = u32::from_le_bytes(self.take(4, "args")?.try_into().expect("4 bytes")) as usize;
        if count > MAX_ARGS {
            return Err(BundleError::ArgsTooLarge { count, bytes: 0 });
        }
        let mut args = Vec::with_capacity(count);
        let mut total = 0usize;
        for index in 0..count {
            let arg = self.bytes("args", MAX_ARGS_BYTES - total, |len, _| BundleError::ArgsTooLarge {
                count,
                bytes: total + len,
            })?;
            total += arg.len();
            let arg = std::str::from_utf8(arg).map_err(|_| BundleError::InvalidArg { index })?;
            args.push(arg.to_owned());
        }
        check_args(&args)?;
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        Bundle {
            runtime_id: [7; 32],
            wasm: b"\0asm\x01\0\0\0".to_vec(),
            input: b"hello".to_vec(),
            limits: Limits { max_memory_bytes: 1 << 20, max_instructions: 1_000_000 },
            meta: Some(b"{\"name\":\"demo\"}".to_vec()),
            args: Vec::new(),
        }
    }

    #[test]
    fn roundtrip_is_canonical_and_matches_plain_borsh() {
        for bundle in [sample(), Bundle { meta: None, ..sample() }] {
            let bytes = bundle.encode().unwrap();
            assert_eq!(Bundle::decode(&bytes).unwrap(), bundle);
            // The hand-written reader and Borsh agree on the layout.
            let wire: WireV1 = borsh::from_slice(&bytes).unwrap();
            assert_eq!(wire.version, BUNDLE_VERSION);
            assert_eq!(wire.wasm, bundle.wasm);
            assert_eq!(wire.meta, bundle.meta);
            assert_eq!(bundle.hash().unwrap(), *blake3::hash(&bytes).as_bytes());
        }
    }

    #[test]
    fn known_layout() {
        let bundle = Bundle {
            runtime_id: [0xAB; 32],
            wasm: vec![1, 2],
            input: vec![3],
            limits: Limits { max_memory_bytes: 5, max_instructions: 6 },
            meta: None,
            args: Vec::new(),
        };
        let mut expected = vec![1u8];
        expected.extend([0xAB; 32]);
        expected.extend([2, 0, 0, 0, 1, 2]);
        expected.extend([1, 0, 0, 0, 3]);
        expected.extend(5u64.to_le_bytes());
        expected.extend(6u64.to_le_bytes());
        expected.push(0);
        assert_eq!(bundle.encode().unwrap(), expected);
    }

    #[test]
    fn arguments_make_a_version_2_bundle_and_none_keep_version_1() {
        let with_args = Bundle { args: vec!["--sum".into(), "2".into()], ..sample() };
        let bytes = with_args.encode().unwrap();
        assert_eq!(bytes[0], BUNDLE_VERSION_ARGS);
        assert_eq!(Bundle::decode(&bytes).unwrap(), with_args);
        let v1 = sample().encode().unwrap();
        // Version 2 = version 1's fields + the Borsh args.
        assert_eq!(bytes[1..v1.len()], v1[1..]);
        assert_eq!(bytes[v1.len()..], borsh::to_vec(&with_args.args).unwrap());

        // No arguments spelled as version 2 is a second spelling of a version-1 bundle.
        let mut empty_v2 = v1.clone();
        empty_v2[0] = BUNDLE_VERSION_ARGS;
        empty_v2.extend(0u32.to_le_bytes());
        assert_eq!(Bundle::decode(&empty_v2), Err(BundleError::NonCanonical));
        for cut in v1.len()..bytes.len() {
            assert!(Bundle::decode(&bytes[..cut]).is_err(), "prefix of {cut} bytes decoded");
        }
    }

    #[test]
    fn argument_limits_hold_both_ways() {
        let nul = Bundle { args: vec!["ok".into(), "a\0b".into()], ..sample() };
        assert_eq!(nul.encode(), Err(BundleError::InvalidArg { index: 1 }));
        let many = Bundle { args: vec![String::new(); MAX_ARGS + 1], ..sample() };
        assert!(matches!(many.encode(), Err(BundleError::ArgsTooLarge { .. })));
        let long = Bundle { args: vec!["x".repeat(MAX_ARGS_BYTES + 1)], ..sample() };
        assert!(matches!(long.encode(), Err(BundleError::ArgsTooLarge { .. })));

        let mut bytes = Bundle { args: vec!["ab".into()], ..sample() }.encode().unwrap();
        let last = bytes.len() - 1;
        bytes[last] = 0xFF; // not UTF-8
        assert_eq!(Bundle::decode(&bytes), Err(BundleError::InvalidArg { index: 0 }));
        bytes[last] = 0; // a NUL byte
        assert_eq!(Bundle::decode(&bytes), Err(BundleError::InvalidArg { index: 0 }));
        let mut hostile = sample().encode().unwrap();
        hostile[0] = BUNDLE_VERSION_ARGS;
        hostile.extend(u32::MAX.to_le_bytes());
        assert!(matches!(Bundle::decode(&hostile), Err(BundleError::ArgsTooLarge { .. })));
    }

    #[test]
    fn rejects_trailing_bytes_unknown_version_and_bad_tags() {
        let bytes = sample().encode().unwrap();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(Bundle::decode(&trailing), Err(BundleError::TrailingBytes(1)));

        let mut version = bytes.clone();
        version[0] = 3;
        assert_eq!(Bundle::decode(&version), Err(BundleError::UnsupportedVersion(3)));

        let none = Bundle { meta: None, ..sample() }.encode().unwrap();
        let mut tag = none.clone();
        *tag.last_mut().unwrap() = 2;
        assert_eq!(Bundle::decode(&tag), Err(BundleError::InvalidOptionTag(2)));

        assert_eq!(Bundle::decode(&[]), Err(BundleError::Empty));
    }

    #[test]
    fn every_truncation_is_rejected() {
        let bytes = sample().encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(Bundle::decode(&bytes[..cut]).is_err(), "prefix of {cut} bytes decoded");
        }
    }

    #[test]
    fn hostile_lengths_are_rejected_before_copying() {
        let mut bytes = vec![BUNDLE_VERSION];
        bytes.extend([0; 32]);
        bytes.extend(u32::MAX.to_le_bytes());
        assert_eq!(
            Bundle::decode(&bytes),
            Err(BundleError::WasmTooLarge { len: u32::MAX as usize, max: MAX_WASM_BYTES })
        );

        let big = Bundle { meta: Some(vec![0; MAX_META_BYTES + 1]), ..sample() };
        assert_eq!(big.encode(), Err(BundleError::MetaTooLarge { len: MAX_META_BYTES + 1, max: MAX_META_BYTES }));
    }
}
