//! `edgerun bundle build|inspect|hash`: job bundles, offline. A bundle is what workers fetch by
//! hash: the wasm, its input, its limits and the runtime id, in the canonical encoding of
//! `edgerun_sdk::bundle`. Building one checks the module against the guest contract first, so a
//! module every worker would refuse is caught before anyone pays for it.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use edgerun_guest::validate::validate_module;
use edgerun_guest::{runtime_id, ErrorCode};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{fields, Output, Report};

#[derive(Subcommand, Debug)]
pub enum BundleCommand {
    /// Write a bundle file from a wasm module and its input; prints its hash.
    Build(BuildArgs),
    /// Decode a bundle file and check its module.
    Inspect {
        /// The bundle file.
        file: PathBuf,
    },
    /// Print a bundle file's hash (its name in storage and on chain).
    Hash {
        /// The bundle file.
        file: PathBuf,
    },
}

/// The job's program, input and limits, as flags (shared with `job submit`).
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// The guest wasm module (binary).
    #[arg(long, value_name = "FILE")]
    pub wasm: PathBuf,
    /// The input bytes given to the guest [default: none].
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Instruction budget (fuel) [default: the network's maximum; offline: 50,000,000,000].
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// Memory cap in bytes [default: the module's declared memory maximum].
    #[arg(long, value_name = "N")]
    pub max_memory_bytes: Option<u64>,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Free-form description stored in the bundle (not read by workers).
    #[arg(long, value_name = "TEXT")]
    pub meta: Option<String>,
    /// Where to write the bundle.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// A bundle ready to store: its bytes and hash.
pub struct BuiltBundle {
    pub bundle: Bundle,
    pub bytes: Vec<u8>,
    pub hash: [u8; 32],
}

pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|error| CliError::usage(format!("cannot read the {what} {}: {error}", path.display())))
}

/// Builds and checks a bundle from `source`; `default_max_instructions` fills a missing
/// `--max-instructions`.
pub fn build(
    source: &SourceArgs,
    meta: Option<Vec<u8>>,
    default_max_instructions: u64,
) -> Result<BuiltBundle, CliError> {
    let wasm = read_file(&source.wasm, "wasm module")?;
    let input = match &source.input {
        Some(path) => read_file(path, "input file")?,
        None => Vec::new(),
    };
    let module = validate_module(&wasm).map_err(|code| guest_contract_error(&source.wasm, code))?;
    let declared_memory = module.memory_max_pages.saturating_mul(edgerun_guest::limits::WASM_PAGE_BYTES);
    let limits = Limits {
        max_memory_bytes: source.max_memory_bytes.unwrap_or(declared_memory),
        max_instructions: source.max_instructions.unwrap_or(default_max_instructions),
    };
    if limits.max_instructions == 0 || limits.max_memory_bytes == 0 {
        return Err(CliError::usage("--max-instructions and --max-memory-bytes must be above zero"));
    }
    module.check_memory_cap(limits.max_memory_bytes).map_err(|code| {
        guest_contract_error(&source.wasm, code).with_hint(format!(
            "the module declares up to {declared_memory} bytes of memory: raise --max-memory-bytes to at least that"
        ))
    })?;
    let bundle = Bundle { runtime_id: runtime_id(), wasm, input, limits, meta };
    let bytes = bundle.encode().map_err(|error| {
        CliError::usage(format!("cannot build the bundle: {error}")).with_hint("shrink the wasm or the input")
    })?;
    let hash = bundle_hash(&bytes);
    Ok(BuiltBundle { bundle, bytes, hash })
}

fn guest_contract_error(path: &Path, code: ErrorCode) -> CliError {
    CliError::usage(format!("{} breaks the guest contract: every worker would end the job with {code}", path.display()))
        .with_hint(
            "see the guest ABI in the README (no floats, SIMD or threads; `_start` and a bounded `memory` exported)",
        )
}

#[derive(Serialize)]
pub struct BundleReport {
    pub bundle_hash: String,
    pub runtime_id: String,
    pub runtime_matches: bool,
    pub bundle_bytes: usize,
    pub wasm_bytes: usize,
    pub input_bytes: usize,
    pub max_instructions: u64,
    pub max_memory_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<String>,
    /// `None` when the module passes the guest contract; else the code every worker would give.
    pub module_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_to: Option<String>,
}

impl BundleReport {
    fn of(bundle: &Bundle, bytes: &[u8], written_to: Option<&Path>) -> BundleReport {
        let module_error = match validate_module(&bundle.wasm) {
            Ok(module) => module.check_memory_cap(bundle.limits.max_memory_bytes).err(),
            Err(code) => Some(code),
        };
        BundleReport {
            bundle_hash: hex::encode(bundle_hash(bytes)),
            runtime_id: hex::encode(bundle.runtime_id),
            runtime_matches: bundle.runtime_id == runtime_id(),
            bundle_bytes: bytes.len(),
            wasm_bytes: bundle.wasm.len(),
            input_bytes: bundle.input.len(),
            max_instructions: bundle.limits.max_instructions,
            max_memory_bytes: bundle.limits.max_memory_bytes,
            meta: bundle.meta.as_ref().map(|meta| String::from_utf8_lossy(meta).into_owned()),
            module_error: module_error.map(|code| code.to_string()),
            written_to: written_to.map(|path| path.display().to_string()),
        }
    }
}

impl Report for BundleReport {
    fn text(&self) -> String {
        let mut lines = vec![
            ("bundle hash", self.bundle_hash.clone()),
            (
                "runtime id",
                format!(
                    "{}{}",
                    self.runtime_id,
                    if self.runtime_matches { "" } else { " (NOT this CLI's runtime: workers may refuse it)" }
                ),
            ),
            ("size", format!("{} bytes (wasm {}, input {})", self.bundle_bytes, self.wasm_bytes, self.input_bytes)),
            ("limits", format!("{} instructions, {} bytes of memory", self.max_instructions, self.max_memory_bytes)),
            (
                "module",
                self.module_error.as_ref().map_or("passes the guest contract".to_string(), |code| {
                    format!("every worker would fail it: {code}")
                }),
            ),
        ];
        if let Some(meta) = &self.meta {
            lines.push(("meta", meta.clone()));
        }
        if let Some(path) = &self.written_to {
            lines.push(("written to", path.clone()));
        }
        fields(&lines)
    }
}

#[derive(Serialize)]
struct HashReport {
    bundle_hash: String,
}

impl Report for HashReport {
    fn text(&self) -> String {
        self.bundle_hash.clone()
    }
}

pub fn run(command: BundleCommand) -> Result<Output, CliError> {
    match command {
        BundleCommand::Build(args) => {
            let built =
                build(&args.source, args.meta.map(String::into_bytes), edgerun::constants::defaults::MAX_INSTRUCTIONS)?;
            std::fs::write(&args.out, &built.bytes)
                .map_err(|error| CliError::usage(format!("cannot write {}: {error}", args.out.display())))?;
            Output::of(&BundleReport::of(&built.bundle, &built.bytes, Some(&args.out)))
        }
        BundleCommand::Inspect { file } => {
            let bytes = read_file(&file, "bundle")?;
            let bundle = decode(&file, &bytes)?;
            Output::of(&BundleReport::of(&bundle, &bytes, None))
        }
        BundleCommand::Hash { file } => {
            let bytes = read_file(&file, "bundle")?;
            decode(&file, &bytes)?;
            Output::of(&HashReport { bundle_hash: hex::encode(bundle_hash(&bytes)) })
        }
    }
}

/// Decodes a bundle file, refusing anything not in the canonical encoding.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<Bundle, CliError> {
    Bundle::decode(bytes).map_err(|error| {
        CliError::usage(format!("{} is not a bundle: {error}", path.display()))
            .with_hint("build one with `edgerun bundle build --wasm FILE --out FILE`")
    })
}
