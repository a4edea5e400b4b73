//! What a WASI guest can observe of its machine, and how it can misbehave: `wasi_probe CASE`.
//! The worker's tests run every case twice (and on fresh runtimes) and require identical bytes.
//!
//! - `observe`: clocks (system and monotonic), `random_get` through std's `HashMap` seed and
//!   directly, environment, arguments, file system and stdin metadata, printed as text;
//! - `huge-write N`: writes N MiB to stdout in 64 KiB chunks;
//! - `exit-mid-write`: writes a line, flushes, writes more without flushing, exits with 3;
//! - `panic`: panics (a trap: the run fails, stdout is dropped);
//! - `stderr-flood`: writes 1 MiB to stderr, then "done" to stdout.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn observe() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos());
    let start = Instant::now();
    let mut spin = 0u64;
    for i in 0..10_000u64 {
        spin = spin.wrapping_mul(31).wrapping_add(i);
    }
    let elapsed = start.elapsed().as_nanos();
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(spin);
    println!("system_time_ns {now:?}");
    println!("monotonic_elapsed_ns {elapsed}");
    println!("hashmap_seeded_hash {:016x}", hasher.finish());
    println!("env {:?}", std::env::vars().collect::<Vec<_>>());
    println!("args {:?}", std::env::args().collect::<Vec<_>>());
    println!("current_dir {:?}", std::env::current_dir().map_err(|e| e.kind()));
    println!("open_file {:?}", std::fs::File::open("/etc/passwd").map(|_| ()).map_err(|e| e.kind()));
    println!("read_dir {:?}", std::fs::read_dir(".").map(|_| ()).map_err(|e| e.kind()));
    let mut input = String::new();
    let read = std::io::stdin().read_to_string(&mut input).map_err(|e| e.kind());
    println!("stdin {read:?} {:?}", input.len());
    let float = (spin as f64).sqrt() / 3.0;
    println!("float {float:.6} nan_bits {:016x}", (f64::NAN * float).to_bits() | 0);
}

fn huge_write(mib: usize) {
    let chunk = vec![b'x'; 64 * 1024];
    let mut out = std::io::stdout().lock();
    for _ in 0..mib * 16 {
        if let Err(error) = out.write_all(&chunk) {
            eprintln!("write failed: {error}");
            std::process::exit(1);
        }
    }
}

fn exit_mid_write() -> ! {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "first line, flushed");
    let _ = out.flush();
    let _ = write!(out, "second line, left in the buffer");
    std::process::exit(3)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("observe") => observe(),
        Some("huge-write") => huge_write(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(32)),
        Some("exit-mid-write") => exit_mid_write(),
        Some("panic") => panic!("the guest panicked on purpose"),
        Some("stderr-flood") => {
            let line = vec![b'e'; 1024];
            for _ in 0..1024 {
                let _ = std::io::stderr().write_all(&line);
            }
            println!("done");
        }
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(64);
        }
    }
}
