//! The result of one execution and the hash committees vote on.

use serde::Serialize;

use crate::error::{error_record, ErrorCode};

/// What a run produced: the output bytes, or a failure code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `_start` returned after one `write_output`.
    Output(Vec<u8>),
    /// The run ended with this error.
    Failed(ErrorCode),
}

/// One execution's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionReport {
    /// Output or error.
    pub outcome: Outcome,
    /// Fuel consumed (`max_instructions - remaining`), including host-call charges.
    pub fuel_used: u64,
}

impl ExecutionReport {
    /// A successful run.
    pub fn success(output: Vec<u8>, fuel_used: u64) -> Self {
        ExecutionReport { outcome: Outcome::Output(output), fuel_used }
    }

    /// A failed run.
    pub fn failure(code: ErrorCode, fuel_used: u64) -> Self {
        ExecutionReport { outcome: Outcome::Failed(code), fuel_used }
    }

    /// The bytes whose blake3 is the result hash: the output itself, or the canonical error
    /// record (see [`error_record`]). These are what a worker uploads as `/output/{hash}`.
    pub fn result_bytes(&self) -> Vec<u8> {
        match &self.outcome {
            Outcome::Output(output) => output.clone(),
            Outcome::Failed(code) => error_record(*code, self.fuel_used).to_vec(),
        }
    }

    /// `output_hash`: `blake3(output)` on success, `blake3(error record)` on failure. Fuel is
    /// part of the hash only for failures (an output is judged by its bytes alone).
    pub fn output_hash(&self) -> [u8; 32] {
        match &self.outcome {
            Outcome::Output(output) => *blake3::hash(output).as_bytes(),
            Outcome::Failed(code) => *blake3::hash(&error_record(*code, self.fuel_used)).as_bytes(),
        }
    }

    /// The error code, if the run failed.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self.outcome {
            Outcome::Output(_) => None,
            Outcome::Failed(code) => Some(code),
        }
    }

    /// The output, if the run succeeded.
    pub fn output(&self) -> Option<&[u8]> {
        match &self.outcome {
            Outcome::Output(output) => Some(output),
            Outcome::Failed(_) => None,
        }
    }

    /// The JSON summary printed by `edgerun-worker exec`.
    pub fn summary(&self) -> ReportSummary {
        ReportSummary {
            output_hash: hex::encode(self.output_hash()),
            error_code: self.error_code().map(ErrorCode::code),
            error_name: self.error_code().map(|code| format!("{code:?}")),
            fuel_used: self.fuel_used,
            output_len: self.output().map_or(0, <[u8]>::len),
            exit_code: self.output().and_then(edgerun_guest::wasi::parse_result_record).map(|(code, _)| code),
        }
    }
}

/// `{output_hash, error_code, error_name, fuel_used, output_len, exit_code}`; `error_code` is
/// null on success, `output_len` is 0 on failure; `exit_code` is there when the output is a
/// WASI result record (a WASI run's exit code).
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ReportSummary {
    pub output_hash: String,
    pub error_code: Option<u32>,
    pub error_name: Option<String>,
    pub fuel_used: u64,
    pub output_len: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u32>,
}
