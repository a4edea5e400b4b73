//! The launcher (`edgerun-network`) and its processes: the whole network started as separate OS
//! processes on random loopback ports, the demo job settled the way a customer submits one, and
//! no process left behind however the launcher ends (its own stop, SIGINT, or SIGKILL).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use edgerun_migrations::localnet::free_port;

/// The launcher, and the folder of the binaries it starts (built beside it by `cargo build --bins`).
fn launcher() -> PathBuf {
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_edgerun-network"));
    let dir = launcher.parent().unwrap();
    for name in ["edgerun", "edgerun-worker", "edgerun-scheduler", "edgerun-storage-gateway", "edgerun-localnet"] {
        assert!(dir.join(name).exists(), "{name} is not built beside the launcher: run `cargo build --bins` first");
    }
    launcher
}

fn workspace(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn command(state: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(launcher());
    command
        .args(["--state-dir", state.to_str().unwrap()])
        .args(["--program", workspace("target/deploy/edgerun.so").to_str().unwrap()])
        .args(["--demo-wasm", workspace("target/guests/json_redact.wasm").to_str().unwrap()]);
    for flag in ["--rpc-port", "--storage-port", "--api-port"] {
        command.args([flag, &free_port("127.0.0.1").unwrap().to_string()]);
    }
    command.args(["--ws-port", &free_port("127.0.0.1").unwrap().to_string()]);
    command.args(extra).stdin(Stdio::null());
    command
}

/// Whether process `pid` exists (a zombie does not count: it has exited).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// The child processes named in the launcher's summary (printed on stdout).
fn pids(summary: &serde_json::Value) -> Vec<(String, u32)> {
    summary["network"]["processes"]
        .as_array()
        .expect("the summary names the processes")
        .iter()
        .map(|entry| (entry[0].as_str().unwrap().to_string(), entry[1].as_u64().unwrap() as u32))
        .collect()
}

fn wait_gone(pids: &[(String, u32)]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for (name, pid) in pids {
        while alive(*pid) {
            assert!(Instant::now() < deadline, "{name} (pid {pid}) outlived the launcher");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Kills the launcher on drop (its children follow it by PR_SET_PDEATHSIG).
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads the launcher's stdout until its summary object is complete.
fn read_summary(stdout: &mut impl std::io::BufRead) -> serde_json::Value {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the launcher ended before its summary:\n{text}");
        text.push_str(&line);
        if line.starts_with('}') {
            return serde_json::from_str(&text).expect("the summary is JSON");
        }
    }
}

#[test]
fn the_network_runs_the_demo_as_a_customer_and_leaves_no_process() {
    let state = tempfile::tempdir().unwrap();
    let output = command(state.path(), &["--exit-after-demo"]).output().expect("run the launcher");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "launcher failed:\n{stdout}\n{stderr}");
    let summary: serde_json::Value = {
        let end = stdout.find("\n}\n").expect("a summary") + 3;
        serde_json::from_str(&stdout[..end]).expect("the summary is JSON")
    };
    let processes = pids(&summary);
    let names: Vec<&str> = processes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["validator", "gateway", "scheduler", "worker-0", "worker-1", "worker-2", "crank"]);
    // The demo's report, as `edgerun job submit --wait --output json` printed it.
    let demo: serde_json::Value =
        serde_json::from_str(&stdout[stdout.find("\n}\n").unwrap() + 3..]).expect("the demo report");
    assert_eq!(demo["outcome"]["status"], "finalized", "{demo:#}");
    let output_text = demo["outcome"]["output"].as_str().unwrap();
    assert!(output_text.contains("\"password\":\"[REDACTED]\""), "{output_text}");
    // The CLI config the launcher wrote names this network.
    let config = std::fs::read_to_string(state.path().join("cli-config.yml")).unwrap();
    assert!(config.contains(summary["network"]["rpc_url"].as_str().unwrap()), "{config}");
    assert!(config.contains("keypair_path:"), "{config}");
    wait_gone(&processes);
}

#[test]
fn neither_sigint_nor_sigkill_of_the_launcher_leaves_a_process() {
    for signal in [libc::SIGINT, libc::SIGKILL] {
        let state = tempfile::tempdir().unwrap();
        let mut child = command(state.path(), &["--no-demo", "--workers", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut guard = Guard(Some(child));
        let processes = pids(&read_summary(&mut stdout));
        assert_eq!(processes.len(), 5, "{processes:?}");
        for (name, pid) in &processes {
            assert!(alive(*pid), "{name} is not running");
        }
        let launcher = guard.0.as_mut().unwrap();
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(launcher.id() as libc::pid_t, signal);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = launcher.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the launcher did not stop on signal {signal}");
            std::thread::sleep(Duration::from_millis(100));
        };
        if signal == libc::SIGINT {
            assert!(status.success(), "Ctrl-C is a clean stop: {status}");
        }
        wait_gone(&processes);
    }
}
