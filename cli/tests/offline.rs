//! The `edgerun` binary without a network: the command tree, bundles, and the failures that
//! must be caught before anything is sent (each with its message, hint and exit code).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn edgerun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgerun"))
        .args(args)
        // Never the developer's own Solana CLI config or keypair.
        .env("HOME", std::env::temp_dir().join("edgerun-cli-offline-home"))
        .env_remove("EDGERUN_STORAGE_URL")
        .output()
        .expect("run edgerun")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn guest(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/guests").join(name);
    assert!(path.exists(), "{} is missing: build it with `bash scripts/build-guests.sh`", path.display());
    path
}

/// Subcommand names listed in `--help`.
fn commands(help: &str) -> Vec<String> {
    help.split("Commands:")
        .nth(1)
        .unwrap_or("")
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn help_lists_every_command() {
    let top = edgerun(&["--help"]);
    assert!(top.status.success());
    assert_eq!(commands(&stdout(&top)), ["job", "worker", "crank", "admin", "bundle"]);
    let job = edgerun(&["job", "--help"]);
    assert_eq!(commands(&stdout(&job)), ["submit", "status", "list", "output", "cancel"]);
    let crank = edgerun(&["crank", "--help"]);
    assert_eq!(
        commands(&stdout(&crank)),
        [
            "reach-quorum",
            "settle-input-unavailable",
            "finalize",
            "penalize",
            "cancel-no-da",
            "cancel-expired",
            "close",
            "once",
            "run"
        ]
    );
    let worker = edgerun(&["worker", "--help"]);
    assert_eq!(commands(&stdout(&worker)), ["register", "stake", "unstake", "capacity", "status"]);
    let admin = edgerun(&["admin", "--help"]);
    assert_eq!(
        commands(&stdout(&admin)),
        ["init", "show", "update", "withdraw-treasury", "propose-admin", "accept-admin"]
    );
    let bundle = edgerun(&["bundle", "--help"]);
    assert_eq!(commands(&stdout(&bundle)), ["build", "inspect", "hash"]);
}

#[test]
fn bundle_build_inspect_and_hash_agree() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    std::fs::write(&input, br#"{"document":{"a":1},"redact":[]}"#).unwrap();
    let out = dir.path().join("job.bundle");
    let wasm = guest("json_redact.wasm");
    let built = edgerun(&[
        "bundle",
        "build",
        "--wasm",
        wasm.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--max-instructions",
        "1000000",
        "--meta",
        "test job",
        "--out",
        out.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(built.status.success(), "{}", stderr(&built));
    let built: serde_json::Value = serde_json::from_str(&stdout(&built)).unwrap();
    assert_eq!(built["max_instructions"], 1_000_000);
    // The module's declared maximum (scripts/build-guests.sh: 64 MiB) is the default memory cap.
    assert_eq!(built["max_memory_bytes"], 64 * 1024 * 1024);
    assert_eq!(built["module_error"], serde_json::Value::Null);
    assert_eq!(built["runtime_matches"], true);
    assert_eq!(built["meta"], "test job");

    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(built["bundle_hash"], hex::encode(blake3::hash(&bytes).as_bytes()));
    let hash = edgerun(&["bundle", "hash", out.to_str().unwrap()]);
    assert!(hash.status.success());
    assert_eq!(stdout(&hash).trim(), built["bundle_hash"].as_str().unwrap());
    let inspected = edgerun(&["bundle", "inspect", out.to_str().unwrap(), "-o", "json"]);
    let inspected: serde_json::Value = serde_json::from_str(&stdout(&inspected)).unwrap();
    assert_eq!(inspected["bundle_hash"], built["bundle_hash"]);
    assert_eq!(inspected["input_bytes"], 32);
    let text = stdout(&edgerun(&["bundle", "inspect", out.to_str().unwrap()]));
    assert!(text.contains("passes the guest contract"), "{text}");
}

#[test]
fn bad_modules_and_bundles_are_refused_with_the_code_workers_would_give() {
    let dir = tempfile::tempdir().unwrap();
    let float = dir.path().join("float.wasm");
    let module =
        wat::parse_str(r#"(module (memory (export "memory") 1 1) (func (export "_start") (drop (f32.const 1.0))))"#)
            .unwrap();
    std::fs::write(&float, module).unwrap();
    let out = dir.path().join("x.bundle");
    let refused = edgerun(&["bundle", "build", "--wasm", float.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("FloatUsed (202)"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("hint:"), "{}", stderr(&refused));
    assert!(!out.exists(), "nothing is written for a refused module");

    let small = edgerun(&[
        "bundle",
        "build",
        "--wasm",
        guest("json_redact.wasm").to_str().unwrap(),
        "--max-memory-bytes",
        "65536",
        "--out",
        out.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(small.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_str(&stdout(&small)).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("MemoryAboveCap (210)"), "{error}");
    assert!(error["error"]["hint"].as_str().unwrap().contains("--max-memory-bytes"), "{error}");

    let garbage = dir.path().join("garbage.bundle");
    std::fs::write(&garbage, b"not a bundle").unwrap();
    let inspected = edgerun(&["bundle", "inspect", garbage.to_str().unwrap()]);
    assert_eq!(inspected.status.code(), Some(2));
    assert!(stderr(&inspected).contains("is not a bundle"), "{}", stderr(&inspected));
    let missing = edgerun(&["bundle", "hash", "/nonexistent/file.bundle"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read the bundle /nonexistent/file.bundle"), "{}", stderr(&missing));
}

#[test]
fn bad_settings_fail_before_any_request() {
    // Port 9 (discard) on loopback: nothing may be sent there; every failure below comes first.
    let url = "http://127.0.0.1:9";
    let no_keypair = edgerun(&["job", "list", "--mine", "--url", url, "--keypair", "/nonexistent/id.json"]);
    assert_eq!(no_keypair.status.code(), Some(2));
    let text = stderr(&no_keypair);
    assert!(text.contains("cannot read the keypair file /nonexistent/id.json"), "{text}");
    assert!(text.contains("solana-keygen new -o /nonexistent/id.json"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[1, 2, 3]").unwrap();
    // Readable by every user of the machine (0644, the umask's default): refused before it is read.
    let shared = edgerun(&["worker", "status", "--url", url, "--keypair", broken.to_str().unwrap()]);
    assert_eq!(shared.status.code(), Some(2));
    assert!(stderr(&shared).contains("readable or writable by every user"), "{}", stderr(&shared));
    assert!(stderr(&shared).contains(&format!("chmod 600 {}", broken.display())), "{}", stderr(&shared));
    private(&broken);
    let short = edgerun(&["worker", "status", "--url", url, "--keypair", broken.to_str().unwrap()]);
    assert_eq!(short.status.code(), Some(2));
    assert!(stderr(&short).contains("holds 3 bytes, a keypair has 64"), "{}", stderr(&short));

    let moniker = edgerun(&["job", "list", "--url", "mainnet"]);
    assert_eq!(moniker.status.code(), Some(2));
    assert!(stderr(&moniker).contains("neither a cluster name nor an http(s) URL"), "{}", stderr(&moniker));

    let escrow = edgerun(&["job", "submit", "--wasm", "x.wasm", "--escrow", "0.0000000001", "--url", url]);
    assert_eq!(escrow.status.code(), Some(2));
    assert!(stderr(&escrow).contains("more than 9 decimals"), "{}", stderr(&escrow));

    let down = edgerun(&["job", "list", "--url", url, "-o", "json"]);
    assert_eq!(down.status.code(), Some(3));
    let error: serde_json::Value = serde_json::from_str(&stdout(&down)).unwrap();
    assert_eq!(error["error"]["code"], "rpc_unreachable");
    assert_eq!(error["error"]["kind"], "unreachable");
}

#[test]
fn the_local_networks_config_is_read_from_the_working_directory() {
    // What scripts/localnet.sh writes: the cluster, the customer's key and the gateway.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("target/localnet");
    std::fs::create_dir_all(&local).unwrap();
    let keypair = local.join("customer.json");
    std::fs::write(&keypair, format!("{:?}", [7u8; 64].to_vec())).unwrap();
    private(&keypair);
    std::fs::write(
        local.join("cli-config.yml"),
        format!(
            "json_rpc_url: http://127.0.0.1:9\nwebsocket_url: ws://127.0.0.1:10\nkeypair_path: {}\nedgerun_storage_url: http://127.0.0.1:11\n",
            keypair.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], cwd: &Path| {
        Command::new(env!("CARGO_BIN_EXE_edgerun"))
            .args(args)
            .current_dir(cwd)
            .env("HOME", dir.path().join("home"))
            .env_remove("EDGERUN_STORAGE_URL")
            .output()
            .expect("run edgerun")
    };
    // From the folder that holds target/localnet, with no flag: that network (port 9: closed).
    let down = run(&["job", "list", "-o", "json"], dir.path());
    assert_eq!(down.status.code(), Some(3), "{}", stdout(&down));
    let error: serde_json::Value = serde_json::from_str(&stdout(&down)).unwrap();
    assert_eq!(error["error"]["code"], "rpc_unreachable");
    assert!(error["error"]["message"].as_str().unwrap().contains("127.0.0.1:9"), "{error}");
    // Anywhere else: the user's own Solana CLI config, not that file.
    let solana = dir.path().join("home/.config/solana/cli");
    std::fs::create_dir_all(&solana).unwrap();
    std::fs::write(
        solana.join("config.yml"),
        format!("json_rpc_url: http://127.0.0.1:12\nkeypair_path: {}\n", keypair.display()),
    )
    .unwrap();
    let elsewhere = run(&["job", "list", "-o", "json"], &dir.path().join("target"));
    let error: serde_json::Value = serde_json::from_str(&stdout(&elsewhere)).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("127.0.0.1:12"), "{error}");
}

/// Makes a keypair file readable by its owner only, as `solana-keygen` writes them.
fn private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
