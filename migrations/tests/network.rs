//! The launcher (`edgerun-network`) and its processes: the whole network started as separate OS
//! processes on random loopback ports, the demo job settled the way a customer submits one, and
//! no process left behind however the launcher ends (its own stop, SIGINT, or SIGKILL).

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{alive, command, pids, read_summary, wait_gone, Guard};

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
        let summary = read_summary(&mut stdout);
        let processes = pids(&summary);
        assert_eq!(processes.len(), 5, "{processes:?}");
        for (name, pid) in &processes {
            assert!(alive(*pid), "{name} is not running");
        }
        if signal == libc::SIGINT {
            // Every service serves Prometheus /metrics; each that talks to the cluster counts its
            // requests by JSON-RPC method.
            let services = summary["network"]["metrics"].as_array().expect("the services' metrics addresses");
            let names: Vec<&str> = services.iter().map(|service| service[0].as_str().unwrap()).collect();
            assert_eq!(names, ["gateway", "scheduler", "worker-0", "crank"]);
            for service in services {
                let (name, url) = (service[0].as_str().unwrap(), service[1].as_str().unwrap());
                let metrics = eventually_get(url, "/metrics", |body| {
                    name == "gateway" || body.contains("rpc_requests_total{method=\"getSlot\"}")
                });
                assert!(metrics.contains("# TYPE"), "{name}: {metrics}");
            }
            // Once started, no service lists the program's accounts: the chain indexes follow
            // the subscription (a listing would come with every reconcile, every 2 to 30 s).
            for service in services.iter().filter(|service| service[0] != "gateway") {
                let (name, url) = (service[0].as_str().unwrap(), service[1].as_str().unwrap());
                let listings = || {
                    let body = eventually_get(url, "/metrics", |_| true);
                    counter(&body, "rpc_requests_total{method=\"getProgramAccounts\"}")
                };
                let deadline = Instant::now() + Duration::from_secs(30);
                let mut before = listings();
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    let after = listings();
                    if after == before {
                        break;
                    }
                    assert!(Instant::now() < deadline, "{name} keeps listing the program's accounts: {after}");
                    before = after;
                }
            }
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

/// The value of the counter whose name ends with `suffix` (labels included), 0 when absent.
fn counter(metrics: &str, suffix: &str) -> u64 {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .find(|(name, _)| name.ends_with(suffix))
        .and_then(|(_, value)| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

/// `GET path` on `base` (plain HTTP on loopback) until `ready` accepts the body; at most 30 s.
fn eventually_get(base: &str, path: &str, ready: impl Fn(&str) -> bool) -> String {
    use std::io::{Read, Write};
    let address = base.strip_prefix("http://").expect("an http URL");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut body = String::new();
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n");
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_string(&mut body);
            }
        }
        if body.starts_with("HTTP/1.") && body.contains(" 200 ") && ready(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{base}{path} never answered as expected: {body}");
        std::thread::sleep(Duration::from_millis(300));
    }
}
