//! `edgerun bundle build|inspect|hash`: job bundles, offline. A bundle is what workers fetch by
//! hash: the wasm, its input, its limits and the runtime id, in the canonical encoding of
//! `edgerun_sdk::bundle`. Building one checks the module against the guest contract first, so a
//! module every worker would refuse is caught before anyone pays for it. `--wasi` builds a bundle
//! for the WASI runtime: an unmodified `wasm32-wasip1` command, the input as its stdin, `--arg`s
//! after the fixed program name.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use edgerun_guest::validate::validate_module_for;
use edgerun_guest::{ErrorCode, GuestAbi};
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
    /// Memory cap in bytes [default: the module's declared memory maximum; a WASI module
    /// without one: 64 MiB, or its initial memory if larger].
    #[arg(long, value_name = "N")]
    pub max_memory_bytes: Option<u64>,
    /// The module is a WASI preview 1 command (`cargo build --target wasm32-wasip1`, C with
    /// wasi-libc): run it under the deterministic WASI runtime, the input as its stdin.
    #[arg(long)]
    pub wasi: bool,
    /// A program argument after the fixed program name (argv[0] = "program"); repeat for more.
    /// Needs --wasi.
    #[arg(long = "arg", value_name = "ARG", requires = "wasi", allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// The memory cap a WASI module without a declared maximum gets unless told otherwise.
pub const WASI_DEFAULT_MAX_MEMORY_BYTES: u64 = 64 << 20;

impl SourceArgs {
    /// The runtime the flags ask for.
    pub fn abi(&self) -> GuestAbi {
        if self.wasi {
            GuestAbi::Wasi
        } else {
            GuestAbi::Edgerun
        }
    }
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
    let abi = source.abi();
    let module = validate_module_for(abi, &wasm).map_err(|code| guest_contract_error(&source.wasm, abi, code))?;
    let page = edgerun_guest::limits::WASM_PAGE_BYTES;
    let declared_memory = match module.memory_max_pages {
        Some(pages) => pages.saturating_mul(page),
        None => WASI_DEFAULT_MAX_MEMORY_BYTES.max(module.memory_min_pages.saturating_mul(page)),
    };
    let limits = Limits {
        max_memory_bytes: source.max_memory_bytes.unwrap_or(declared_memory),
        max_instructions: source.max_instructions.unwrap_or(default_max_instructions),
    };
    if limits.max_instructions == 0 || limits.max_memory_bytes == 0 {
        return Err(CliError::usage("--max-instructions and --max-memory-bytes must be above zero"));
    }
    module.check_memory_cap(limits.max_memory_bytes).map_err(|code| {
        let needed = module.memory_max_pages.unwrap_or(module.memory_min_pages).saturating_mul(page);
        guest_contract_error(&source.wasm, abi, code).with_hint(format!(
            "the module declares up to {needed} bytes of memory: raise --max-memory-bytes to at least that"
        ))
    })?;
    let bundle = Bundle { runtime_id: abi.runtime_id(), wasm, input, limits, meta, args: source.args.clone() };
    let bytes = bundle.encode().map_err(|error| {
        CliError::usage(format!("cannot build the bundle: {error}"))
            .with_hint("shrink the wasm, the input or the arguments (at most 256, 64 KiB, no NUL bytes)")
    })?;
    let hash = bundle_hash(&bytes);
    Ok(BuiltBundle { bundle, bytes, hash })
}

fn guest_contract_error(path: &Path, abi: GuestAbi, code: ErrorCode) -> CliError {
    let error = CliError::usage(format!(
        "{} breaks the guest contract: every worker would end the job with {code}",
        path.display()
    ));
    match abi {
        GuestAbi::Edgerun if code == ErrorCode::ForbiddenImport => error.with_hint(
            "the module imports something other than the edgerun ABI: if it is a WASI program (wasm32-wasip1), pass --wasi",
        ),
        GuestAbi::Edgerun => error.with_hint(
            "see the guest ABI in the README (no floats, SIMD or threads; `_start` and a bounded `memory` exported)",
        ),
        GuestAbi::Wasi => error.with_hint(
            "see the WASI section of docs/guide-customer.md (a wasm32-wasip1 command; no SIMD, bulk memory or threads: build with the flags shown there)",
        ),
    }
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
    /// `edgerun` or `wasi`; `None` when the runtime id is neither.
    pub runtime: Option<GuestAbi>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `None` when the module passes the guest contract; else the code every worker would give.
    pub module_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_to: Option<String>,
}

impl BundleReport {
    fn of(bundle: &Bundle, bytes: &[u8], written_to: Option<&Path>) -> BundleReport {
        let runtime = GuestAbi::from_runtime_id(&bundle.runtime_id);
        let module_error = match validate_module_for(runtime.unwrap_or(GuestAbi::Edgerun), &bundle.wasm) {
            Ok(module) => module.check_memory_cap(bundle.limits.max_memory_bytes).err(),
            Err(code) => Some(code),
        };
        BundleReport {
            bundle_hash: hex::encode(bundle_hash(bytes)),
            runtime_id: hex::encode(bundle.runtime_id),
            runtime_matches: runtime.is_some(),
            runtime,
            args: bundle.args.clone(),
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
                    match self.runtime {
                        Some(abi) => format!(" ({})", abi.label()),
                        None => " (NOT a runtime of this CLI: workers may refuse it)".to_string(),
                    }
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
        if !self.args.is_empty() {
            lines.push(("args", format!("{:?}", self.args)));
        }
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
