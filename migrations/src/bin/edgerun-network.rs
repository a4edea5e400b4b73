//! `edgerun-network`: the whole local network as separate processes (validator, gateway,
//! scheduler, workers, crank) under this launcher, a demo job submitted the way a customer
//! submits one, then running until Ctrl-C. See [`edgerun_migrations::network`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use edgerun_migrations::demo::DEMO_INPUT;
use edgerun_migrations::network::{Network, NetworkConfig};

/// The whole Edgerun network on this machine, each part its own process.
#[derive(Parser, Debug)]
#[command(name = "edgerun-network", version)]
struct Cli {
    /// Worker daemons to start (each registered and staked first).
    #[arg(long, default_value_t = 3)]
    workers: usize,
    /// Stake of each worker, in SOL.
    #[arg(long, default_value_t = 10)]
    worker_stake_sol: u64,
    /// Stop everything after the demo job instead of running until Ctrl-C.
    #[arg(long)]
    exit_after_demo: bool,
    /// Run no demo job.
    #[arg(long)]
    no_demo: bool,
    /// The demo guest.
    #[arg(long, default_value = "target/guests/json_redact.wasm")]
    demo_wasm: PathBuf,
    /// The program to deploy.
    #[arg(long, default_value = "target/deploy/edgerun.so")]
    program: PathBuf,
    /// Folder of keys, storage, logs and the CLI config.
    #[arg(long, default_value = "target/localnet")]
    state_dir: PathBuf,
    /// Folder of the Edgerun binaries [default: this launcher's own folder].
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 8899)]
    rpc_port: u16,
    #[arg(long, default_value_t = 8900)]
    ws_port: u16,
    #[arg(long, default_value_t = 8090)]
    storage_port: u16,
    /// The scheduler's API and dashboard.
    #[arg(long, default_value_t = 8080)]
    api_port: u16,
    /// Milliseconds per slot.
    #[arg(long, default_value_t = 400)]
    slot_time_ms: u64,
    /// A flag for edgerun-localnet, e.g. `--validator-arg=--challenge-window-slots=20` (the
    /// config flags of `edgerun admin init`); repeatable.
    #[arg(long = "validator-arg", value_name = "FLAG", allow_hyphen_values = true)]
    validator_args: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let bin_dir = match cli.bin_dir.clone() {
        Some(dir) => dir,
        None => std::env::current_exe()?.parent().context("the launcher has no folder")?.to_path_buf(),
    };
    let demo = if cli.no_demo {
        None
    } else {
        std::fs::metadata(&cli.demo_wasm).with_context(|| {
            format!("no demo guest at {}: build it with `bash scripts/build-guests.sh`", cli.demo_wasm.display())
        })?;
        Some((cli.demo_wasm.clone(), DEMO_INPUT.as_bytes().to_vec()))
    };
    let config = NetworkConfig {
        bin_dir: bin_dir.clone(),
        state_dir: cli.state_dir.clone(),
        program: cli.program.clone(),
        rpc_port: cli.rpc_port,
        ws_port: cli.ws_port,
        storage_port: cli.storage_port,
        api_port: cli.api_port,
        workers: cli.workers,
        worker_stake_sol: cli.worker_stake_sol,
        slot_time_ms: cli.slot_time_ms,
        demo: demo.clone(),
        validator_args: cli.validator_args.clone(),
    };

    let mut signals = Signals::new()?;
    let started = tokio::select! {
        started = Network::start(&config) => started,
        () = signals.recv() => {
            eprintln!("interrupted during start-up; stopped");
            return Ok(ExitCode::SUCCESS);
        }
    };
    let mut network = started?;
    let summary = &network.summary;
    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "network": summary }))?);
    eprintln!(
        "\nEdgerun local network running:\n  validator  {}\n  gateway    {}\n  scheduler  {} (dashboard {})\n  keys       {}\n  logs       {}\n\
         Submit a job from this folder (edgerun reads {}):\n  edgerun job submit --wasm {} --input FILE --escrow 0.05 --wait\n",
        summary.rpc_url,
        summary.storage_url,
        summary.api_url,
        summary.dashboard_url,
        config.state_dir.join("keys").display(),
        summary.logs,
        summary.cli_config,
        cli.demo_wasm.display(),
    );

    if let Some((wasm, input)) = &demo {
        let input_file = config.state_dir.join("demo-input.json");
        std::fs::write(&input_file, input)?;
        let mut submit = tokio::process::Command::new(bin_dir.join("edgerun"));
        submit
            .args(["job", "submit", "--wasm"])
            .arg(wasm)
            .arg("--input")
            .arg(&input_file)
            .args(["--escrow", "0.05", "--wait", "--timeout", "300", "--output", "json", "-C", &summary.cli_config])
            .kill_on_drop(true);
        eprintln!(
            "demo: edgerun job submit --wasm {} --input {} --escrow 0.05 --wait",
            wasm.display(),
            input_file.display()
        );
        let finished = tokio::select! {
            output = submit.output() => Some(output),
            () = signals.recv() => None,
        };
        let Some(output) = finished else {
            eprintln!("interrupted during the demo; stopping");
            network.stop().await;
            return Ok(ExitCode::SUCCESS);
        };
        let output = output.context("cannot run edgerun job submit")?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!("the demo job failed; stopping (logs in {})", summary.logs);
            network.stop().await;
            return Ok(ExitCode::FAILURE);
        }
    }
    if cli.exit_after_demo {
        network.stop().await;
        eprintln!("stopped");
        return Ok(ExitCode::SUCCESS);
    }

    eprintln!("running; Ctrl-C stops every process");
    let mut check = tokio::time::interval(Duration::from_secs(1));
    let code = loop {
        tokio::select! {
            () = signals.recv() => break ExitCode::SUCCESS,
            _ = check.tick() => {
                let mut validator_died = false;
                for (name, status) in network.newly_dead() {
                    eprintln!("{name} exited ({status}); see {}/{name}.log", network.summary.logs);
                    validator_died |= name == "validator";
                }
                if validator_died {
                    eprintln!("the validator is gone: stopping the network");
                    break ExitCode::FAILURE;
                }
            }
        }
    };
    network.stop().await;
    eprintln!("stopped");
    Ok(code)
}

/// SIGINT or SIGTERM.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
