//! Prints the compute units of every Edgerun instruction at committee sizes 3 and 9 and writes
//! `docs/compute-units.md`. Needs `target/deploy/edgerun.so` (`bash scripts/build-program.sh`).

use edgerun_tests::compute_units::{measure_all, render_markdown};
use std::path::PathBuf;

fn main() {
    let sizes = [3, 9];
    let table = render_markdown(&measure_all(&sizes), &sizes);
    print!("{table}");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/compute-units.md");
    std::fs::write(&path, table).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    eprintln!("wrote {}", path.display());
}
