//! Word frequencies of stdin: an ordinary command-line program with nothing Edgerun-specific in
//! it. It builds for the host (`cargo run -p wasi-wordfreq < text`) and, unchanged, for
//! `wasm32-wasip1`, where the WASI runtime runs it deterministically.
//!
//! Usage: `wasi_wordfreq [--top N] [--min-len N]` (defaults 10 and 1). Prints the line, word and
//! byte counts, the mean word length and the N most frequent words (ties in alphabetical order);
//! exits 2 with a message on stderr for a bad argument.

mod count;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use count::Options;

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { top: 10, min_len: 1 };
    while let Some(flag) = args.next() {
        let target = match flag.as_str() {
            "--top" => &mut options.top,
            "--min-len" => &mut options.min_len,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args.next().ok_or_else(|| format!("{flag} needs a number"))?;
        *target = value.parse().map_err(|_| format!("{flag}: {value:?} is not a number"))?;
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wasi_wordfreq: {message}");
            return ExitCode::from(2);
        }
    };
    let mut text = Vec::new();
    if let Err(error) = io::stdin().read_to_end(&mut text) {
        eprintln!("wasi_wordfreq: cannot read stdin: {error}");
        return ExitCode::from(1);
    }
    let report = count::report(&String::from_utf8_lossy(&text), &options);
    if let Err(error) = io::stdout().write_all(report.as_bytes()) {
        eprintln!("wasi_wordfreq: cannot write stdout: {error}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
