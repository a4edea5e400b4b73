//! Following a job until it ends (`job submit --wait`): a spinner with the job's stage on a
//! terminal, one line per change otherwise, and nothing on stderr for JSON output. The job is
//! read once per slot or so; each read is retried by the client on transport failures.

use std::time::Duration;

use edgerun::state::{Job, JobStatus};
use indicatif::{ProgressBar, ProgressStyle};

use crate::context::Context;
use crate::error::CliError;
use crate::job::status_name;
use crate::output::OutputFormat;

/// Pause between two reads of the job (about one slot).
const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// Waits until the job ends (finalized or cancelled) and returns it; fails after `timeout`.
pub async fn until_ended(context: &Context, job_id: &[u8; 32], timeout: Duration) -> Result<Job, CliError> {
    let job_hex = hex::encode(job_id);
    let progress = context.interactive().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let started = tokio::time::Instant::now();
    let mut last = String::new();
    // In a block of its own so that every early return still clears the spinner below.
    let result: Result<Job, CliError> = async {
    loop {
        let chain = |error| context.chain(error);
        let Some(job) = context.client.job(job_id).await.map_err(chain)? else {
            return Err(CliError::not_found("job_not_found", format!("job {job_hex} no longer exists (closed)")));
        };
        if matches!(job.status(), Ok(JobStatus::Finalized | JobStatus::Cancelled)) {
            return Ok(job);
        }
        let results = context.client.committee_results(&job).await.map_err(chain)?;
        let output = context.client.output_availability(job_id).await.map_err(chain)?;
        let slot = context.client.slot().await.map_err(chain)?;
        let line = format!("{}: {}", status_name(&job), edgerun_crank::explain(&job, &results, output.as_ref(), slot));
        if line != last {
            match &progress {
                Some(bar) => bar.set_message(line.clone()),
                None if context.format == OutputFormat::Text => eprintln!("slot {slot}: {line}"),
                None => {}
            }
            last = line;
        }
        if started.elapsed() >= timeout {
            return Err(CliError::failed(
                "wait_timeout",
                format!("job {job_hex} has not ended after {}s; it is {}", timeout.as_secs(), status_name(&job)),
            )
            .with_hint(format!(
                "the job goes on: follow it with `edgerun job status {job_hex}`, read the output with `edgerun job output {job_hex}`"
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    }
    .await;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result
}
