//! `edgerun`: see the library's documentation (`edgerun_cli`) for what each command does.

use std::process::ExitCode;

use clap::Parser;
use edgerun_cli::crank::CrankCommand;
use edgerun_cli::output::render_error;
use edgerun_cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.global.output;
    // A service logs what it does, like every Edgerun service; a one-shot command only its
    // errors (the report says the rest).
    if let Command::Crank(CrankCommand::Run(run)) = &cli.command {
        edgerun_service::logging::init(run.log_format);
    } else {
        let filter = if cli.global.verbose { "info,edgerun_sdk=debug" } else { "error" };
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()))
            .with_writer(std::io::stderr)
            .init();
    }
    match edgerun_cli::run(cli).await {
        Ok(output) => {
            print_stdout(&output.render(format));
            ExitCode::SUCCESS
        }
        Err(error) => {
            match format {
                edgerun_cli::OutputFormat::Text => eprintln!("{}", render_error(&error, format)),
                edgerun_cli::OutputFormat::Json => print_stdout(&render_error(&error, format)),
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// Prints the report; a reader that went away (`edgerun ... | head`) is not an error of ours,
/// and must not turn into a panic after the command did its work.
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}
