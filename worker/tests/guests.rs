//! The Rust demo workloads and Rust hostile guests, run through the runtime with known outputs.
//! Guests come from `scripts/build-guests.sh`; a missing one fails loudly (see `read_guest`).

mod common;

use common::*;
use edgerun_worker::{ErrorCode, Limits};

/// Inverse of `guests/compress-hash/src/lz.rs`, to check the guest's output round-trips.
fn lz_decompress(mut stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = stream.split_first() {
        if tag < 0x80 {
            let n = usize::from(tag) + 1;
            out.extend_from_slice(&rest[..n]);
            stream = &rest[n..];
        } else {
            let length = usize::from(tag & 0x7F) + 4;
            let distance = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
            for _ in 0..length {
                out.push(out[out.len() - distance]);
            }
            stream = &rest[2..];
        }
    }
    out
}

#[test]
fn json_redaction_gives_canonical_sorted_redacted_json() {
    let guest = read_guest("json-redact");
    let input = br#"{
      "redact": ["email", "Token", "api_key"],
      "document": {
        "name": "Ada \u00e9\ud83d\ude00",
        "email": "ada@example.com",
        "zeta": [1, -0.5, 2e10, 1.0E-3, true, null, {"TOKEN": "abc", "b": "x\ty", "a": {}}],
        "api_key": {"nested": "secret"},
        "amount": 12345678901234567890123
      }
    }"#;
    let report = runtime().execute(&guest, input, LIMITS).unwrap();
    let expected = "{\"amount\":12345678901234567890123,\"api_key\":\"[REDACTED]\",\"email\":\"[REDACTED]\",\"name\":\"Ada é😀\",\"zeta\":[1,-0.5,2e10,1.0E-3,true,null,{\"TOKEN\":\"[REDACTED]\",\"a\":{},\"b\":\"x\\ty\"}]}";
    assert_eq!(std::str::from_utf8(report.output().expect("output")).unwrap(), expected, "{report:?}");

    // Default redaction list, and errors as JSON.
    let report = runtime().execute(&guest, br#"{"document":{"password":"p","b":1,"a":2}}"#, LIMITS).unwrap();
    assert_eq!(report.output(), Some(&br#"{"a":2,"b":1,"password":"[REDACTED]"}"#[..]));
    let report = runtime().execute(&guest, br#"{"document":{"a":1,"a":2}}"#, LIMITS).unwrap();
    assert_eq!(report.output(), Some(&br#"{"error":"duplicate key","offset":19}"#[..]));
    let report = runtime().execute(&guest, br#"{"document":01}"#, LIMITS).unwrap();
    assert_eq!(report.output(), Some(&br#"{"error":"leading zero in number","offset":13}"#[..]));
}

#[test]
fn compression_pipeline_round_trips_and_hashes() {
    let guest = read_guest("compress-hash");
    let input: Vec<u8> = b"edgerun deterministic compute; "
        .iter()
        .cycle()
        .take(10_000)
        .copied()
        .chain((0..2000u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    let report = runtime().execute(&guest, &input, LIMITS).unwrap();
    let output = report.output().expect("output");
    assert_eq!(&output[..4], b"EDGZ");
    assert_eq!(u32::from_le_bytes(output[4..8].try_into().unwrap()) as usize, input.len());
    assert_eq!(&output[8..40], blake3::hash(&input).as_bytes());
    let compressed = &output[72..];
    assert_eq!(&output[40..72], blake3::hash(compressed).as_bytes());
    assert!(compressed.len() < input.len() / 2, "compressed {} of {}", compressed.len(), input.len());
    assert_eq!(lz_decompress(compressed), input);
}

#[test]
fn sha256_guest_matches_known_vectors() {
    let guest = read_guest("sha256");
    let abc = runtime().execute(&guest, b"abc", LIMITS).unwrap();
    assert_eq!(hex::encode(abc.output().unwrap()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    let empty = runtime().execute(&guest, b"", LIMITS).unwrap();
    assert_eq!(
        hex::encode(empty.output().unwrap()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let two_blocks =
        runtime().execute(&guest, b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", LIMITS).unwrap();
    assert_eq!(
        hex::encode(two_blocks.output().unwrap()),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn rust_hostile_guests_end_with_their_codes() {
    let guest = read_guest("hostile");
    let runtime = runtime();
    let limits = Limits { max_instructions: 5_000_000, ..LIMITS };
    let cases = [
        (1u8, ErrorCode::OutOfFuel),
        (2, ErrorCode::Unreachable),
        (3, ErrorCode::OutputWrittenTwice),
        (4, ErrorCode::Unreachable),
    ];
    for (mode, code) in cases {
        let report = runtime.execute(&guest, &[mode], limits).unwrap();
        assert_eq!(report.error_code(), Some(code), "mode {mode}: {report:?}");
    }
    // Deep recursion is covered in stack_rule.rs (it needs a large native stack).
}

#[test]
fn same_bundle_run_a_hundred_times_gives_one_hash() {
    let guest = read_guest("json-redact");
    let input = br#"{"document":{"b":[1,2,3],"a":"x","token":"t"}}"#;
    let runtime = runtime();
    let first = runtime.execute(&guest, input, LIMITS).unwrap();
    assert!(first.output().is_some());
    for _ in 0..99 {
        assert_eq!(runtime.execute(&guest, input, LIMITS).unwrap(), first);
    }
    // A fresh runtime (cold cache, new engine) agrees too.
    assert_eq!(common::runtime().execute(&guest, input, LIMITS).unwrap(), first);
    // And failures are stable, fuel included.
    let hostile = read_guest("hostile");
    let limits = Limits { max_instructions: 1_000_000, ..LIMITS };
    let failure = runtime.execute(&hostile, &[2], limits).unwrap();
    for _ in 0..99 {
        assert_eq!(runtime.execute(&hostile, &[2], limits).unwrap().output_hash(), failure.output_hash());
    }
}
