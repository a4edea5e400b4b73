//! `edgerun-idl < test-output > edgerun.json`: reads the stdout of
//! `cargo test -p edgerun --lib --features idl-build __anchor_private_print_idl -- --show-output`
//! and writes the assembled IDL (`scripts/idl.sh` drives it).

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut output = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut output) {
        eprintln!("edgerun-idl: cannot read stdin: {error}");
        return ExitCode::FAILURE;
    }
    match edgerun_idl::assemble(&output).and_then(|idl| edgerun_idl::render(&idl)) {
        Ok(text) => match std::io::stdout().write_all(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("edgerun-idl: cannot write stdout: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("edgerun-idl: {error:#}");
            ExitCode::FAILURE
        }
    }
}
