//! The dashboard in a real browser: headless Chromium, driven through chromedriver (WebDriver),
//! opens the page of a scheduler on a real local network (embedded surfpool validator with the
//! real `.so`, a real storage gateway), while jobs are posted and run by three workers playing
//! their part through the library. The page must show each job as it appears, move it to
//! finalized without a reload, show its output as text (never as HTML) or as hex, the workers'
//! earnings and the network's totals, at desktop and at phone width; what a finalized job's
//! escrow became (the fee, each winner's share). Every page, light and dark, passes axe-core's
//! WCAG 2.1 AA rules and best practices (contrast, heading order, names), and every control is
//! reached with Tab and shows a focus ring. A screenshot of each page
//! is written under `target/dashboard/` (`EDGERUN_UPDATE_SCREENSHOT=1` also copies the jobs
//! page to `docs/dashboard.png`, the README's).
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`;
//! `scripts/test.sh` installs them) and axe-core (`npm ci --prefix scheduler/tests/axe`, pinned
//! by its lock file; `scripts/test.sh` runs it). `EDGERUN_CHROMIUM` / `EDGERUN_CHROMEDRIVER`
//! name other binaries.

mod support;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use support::{bundle_writing, Network, SOL};

/// Longest wait for anything on chain or in the page.
const PATIENCE: Duration = Duration::from_secs(90);
/// What the text job writes: markup that must show as characters, never become elements.
const TEXT_OUTPUT: &str = "<b id=\"injected\">bold?</b> <img src=x> edgerun says hi & bye";
/// What the binary job writes: not UTF-8, so shown as hex.
const BINARY_OUTPUT: &[u8] = &[0xff, 0x00, 0xfe, 0x41, 0x80];

// ----- the browser -----

/// chromedriver in a process group of its own, the group killed (and chromedriver reaped) when
/// dropped: the browsers it started are in that group, so a test that fails with a session open
/// leaves no Chromium behind.
struct ProcessGroupGuard(Child);

impl Drop for ProcessGroupGuard {
    fn drop(&mut self) {
        // SAFETY: a plain syscall; the group is the one this child leads (`process_group(0)`).
        unsafe {
            libc::kill(-(self.0.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free loopback port, with a fresh browser profile.
struct Chromedriver {
    url: String,
    _process: ProcessGroupGuard,
    profile: tempfile::TempDir,
}

/// The first of `candidates` that exists (a path) or is on `PATH` (a name).
fn find_binary(variable: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for candidate in candidates {
        if candidate.starts_with('/') {
            if Path::new(candidate).is_file() {
                return PathBuf::from(candidate);
            }
            continue;
        }
        for dir in std::env::split_paths(&path) {
            let full = dir.join(candidate);
            if full.is_file() {
                return full;
            }
        }
    }
    panic!(
        "none of {candidates:?} is installed: install Debian's `chromium` and `chromium-driver` (scripts/test.sh \
         does), or set {variable}"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Chromedriver {
    async fn start(log: &Path) -> Chromedriver {
        let binary = find_binary("EDGERUN_CHROMEDRIVER", &["chromedriver", "/usr/lib/chromium/chromedriver"]);
        let port = free_port();
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new(&binary)
            .process_group(0)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", binary.display()));
        let process = ProcessGroupGuard(child);
        let url = format!("http://127.0.0.1:{port}");
        // Ready when its status says so.
        let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = http.get(format!("{url}/status")).send().await {
                if let Ok(status) = response.json::<Value>().await {
                    if status["value"]["ready"] == true {
                        break;
                    }
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Chromedriver { url, _process: process, profile: tempfile::tempdir().unwrap() }
    }

    /// A headless Chromium session: no network of its own (the machine may be offline), a
    /// fresh profile, `width`×`height`, in the system's dark mode when `dark`.
    async fn browser(&self, width: u32, height: u32, dark: bool) -> Browser {
        let chromium = find_binary("EDGERUN_CHROMIUM", &["/usr/lib/chromium/chromium", "chromium", "chromium-browser"]);
        let profile = self.profile.path().join(format!("profile-{width}x{height}-{dark}"));
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            "--disable-default-apps".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        if dark {
            args.push("--force-dark-mode".into());
        }
        let mut options = json!({ "binary": chromium, "args": args });
        if width < PHONE_WIDTH_BELOW {
            // A window is never narrower than the browser allows (500 px headless): emulate the
            // phone's viewport instead.
            options["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1 } });
        }
        let capabilities = json!({ "browserName": "chrome", "goog:chromeOptions": options });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("open a Chromium session: {error}"))
    }
}

/// Narrower windows are phones.
const PHONE_WIDTH_BELOW: u32 = 500;

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(browser: &Browser, name: &str) -> PathBuf {
    let path = screenshot_dir().join(format!("{name}.png"));
    let png = browser.screenshot().await.expect("take a screenshot");
    std::fs::write(&path, png).unwrap();
    path
}

/// Runs `script` (a JavaScript expression) in the page.
async fn eval(browser: &Browser, script: &str) -> Value {
    browser
        .execute(&format!("return ({script});"), Vec::new())
        .await
        .unwrap_or_else(|error| panic!("{script}: {error}"))
}

/// Waits (bounded) until `script` is truthy in the page; returns its value. On a timeout the
/// page is captured (`target/dashboard/failure-*.png`) and its text is in the panic.
async fn wait_for(browser: &Browser, script: &str, what: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let value = eval(browser, script).await;
        let truthy = match &value {
            Value::Null | Value::Bool(false) => false,
            Value::Number(number) => number.as_f64() != Some(0.0),
            Value::String(text) => !text.is_empty(),
            _ => true,
        };
        if truthy {
            return value;
        }
        if Instant::now() >= deadline {
            let shot = screenshot(browser, &format!("failure-{}", what.replace(' ', "-"))).await;
            let text = eval(browser, "document.body.innerText").await;
            panic!(
                "the page did not show {what} within {PATIENCE:?} (see {}):\n{}",
                shot.display(),
                text.as_str().unwrap_or("")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(browser: &Browser, css: &str) {
    // A live page replaces a job's card when the job changes: a card found just before may be
    // gone at the click. Find it again then (bounded).
    let deadline = Instant::now() + PATIENCE;
    loop {
        let clicked = match browser.find(Locator::Css(css)).await {
            Ok(element) => element.click().await,
            Err(error) => Err(error),
        };
        match clicked {
            Ok(()) => return,
            Err(error) if Instant::now() < deadline && error.is_stale_element_reference() => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("click {css}: {error}"),
        }
    }
}

fn job_card(job_id: &[u8; 32]) -> String {
    format!("document.querySelector('details.job[data-job-id=\"{}\"]')", hex::encode(job_id))
}

// ----- accessibility -----

/// axe-core's engine, as `npm ci` installs it from `scheduler/tests/axe/package-lock.json`
/// (pinned; scripts/test.sh runs it): injected into the page, nothing fetched at run time.
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}: install the accessibility engine with `npm ci --prefix scheduler/tests/axe` \
             (scripts/test.sh does)",
            path.display()
        )
    })
}

/// The WCAG 2.1 A and AA rules (colour contrast, names, roles, keyboard-reachable scrolling
/// regions...) and axe's best practices (heading order, landmarks).
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// Runs axe-core on the page as it is and fails with every violation it finds (rule, impact,
/// the elements and why). `what` names the page in the failure.
async fn assert_accessible(browser: &Browser, axe: &str, what: &str) {
    if eval(browser, "typeof window.axe").await != "object" {
        // Through the driver, not a <script>: the page's policy forbids inline scripts.
        browser.execute(axe, Vec::new()).await.expect("inject axe-core");
    }
    let script = format!(
        "const done = arguments[arguments.length - 1];
         window.axe.run(document, {{ runOnly: {{ type: 'tag', values: {tags} }}, resultTypes: ['violations'] }})
           .then(results => done(results.violations.map(v => ({{ rule: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) }}))))
           .catch(error => done('axe failed: ' + error));",
        tags = json!(AXE_TAGS)
    );
    let violations = browser.execute_async(&script, Vec::new()).await.expect("run axe-core");
    let list = violations.as_array().unwrap_or_else(|| panic!("{what}: {violations}"));
    if !list.is_empty() {
        let shot = screenshot(browser, &format!("failure-a11y-{}", what.replace(' ', "-"))).await;
        panic!(
            "{what}: {} accessibility violations (see {}):\n{}",
            list.len(),
            shot.display(),
            serde_json::to_string_pretty(&violations).unwrap()
        );
    }
    // Headings go down one level at a time from the page's one h1 (axe's heading-order only
    // looks at pairs).
    let levels = eval(
        browser,
        "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(h => h.getClientRects().length) \
           .map(h => Number(h.tagName[1]))",
    )
    .await;
    let levels: Vec<u64> = levels.as_array().unwrap().iter().map(|level| level.as_u64().unwrap()).collect();
    assert_eq!(levels.first(), Some(&1), "{what}: the first heading is not an h1: {levels:?}");
    assert_eq!(levels.iter().filter(|level| **level == 1).count(), 1, "{what}: one h1: {levels:?}");
    for pair in levels.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "{what}: a heading level is skipped: {levels:?}");
    }
}

/// A name for a focusable element that survives a re-render of its card.
const FOCUS_KEY: &str = "(e => [e.tagName, e.id, e.getAttribute('href'), e.getAttribute('aria-label'), \
                         e.closest('[data-job-id]')?.dataset.jobId].filter(Boolean).join(' '))";

/// Every control on the page is reached with Tab, in turn, and shows where the focus is: a
/// visible focus ring (`:focus-visible`, an outline of 2 px or more).
async fn assert_keyboard_reachable(browser: &Browser, what: &str) {
    let wanted = eval(
        browser,
        &format!(
            "[...document.querySelectorAll('a[href], summary, button, input, select, textarea, [tabindex]')] \
               .filter(e => e.tabIndex >= 0 && e.checkVisibility({{ visibilityProperty: true }}) \
                 && (!e.closest('details:not([open])') || e.parentElement === e.closest('details:not([open])') && e.tagName === 'SUMMARY')) \
               .map({FOCUS_KEY})"
        ),
    )
    .await;
    let wanted: Vec<String> = wanted.as_array().unwrap().iter().map(|key| key.as_str().unwrap().to_string()).collect();
    assert!(!wanted.is_empty(), "{what}: no control");
    // From the top of the page: nothing focused.
    eval(browser, "(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)").await;
    let tab = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: Key::Tab.into() })
        .then(KeyAction::Up { value: Key::Tab.into() });
    let mut reached: Vec<String> = Vec::new();
    // Bounded: each control once, and the way round past the browser's own stops.
    for _ in 0..wanted.len() * 2 + 4 {
        browser.perform_actions(tab.clone()).await.expect("press Tab");
        let focus = eval(
            browser,
            &format!(
                "(() => {{ const e = document.activeElement; if (!e || e === document.body) return null; \
                   const style = getComputedStyle(e); \
                   return {{ key: {FOCUS_KEY}(e), ring: e.matches(':focus-visible') && style.outlineStyle !== 'none' \
                     && parseFloat(style.outlineWidth) >= 2 }}; }})()"
            ),
        )
        .await;
        if focus.is_null() {
            continue;
        }
        let key = focus["key"].as_str().unwrap().to_string();
        assert_eq!(focus["ring"], true, "{what}: {key} has the focus but shows no focus ring");
        if reached.first() == Some(&key) {
            break;
        }
        reached.push(key);
    }
    let missed: Vec<&String> = wanted.iter().filter(|key| !reached.contains(key)).collect();
    assert!(missed.is_empty(), "{what}: Tab never reaches {missed:?} (reached {reached:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_follows_jobs_to_finalized_live_and_shows_workers_and_network() {
    let network = Network::start(None).await;
    let workers = vec![network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    let (address, cancel, scheduler) = network.scheduler(3).await;
    let base = format!("http://{address}");
    let customer = Keypair::new();
    network.client.request_airdrop(&customer.pubkey(), 5 * SOL).await.unwrap();

    // The page and its assets come from the binary, under a same-origin-only policy.
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    for (path, content_type) in [
        ("/", "text/html"),
        ("/dashboard/app.js", "text/javascript"),
        ("/dashboard/style.css", "text/css"),
        ("/dashboard/icon.svg", "image/svg+xml"),
    ] {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(content_type), "{path}: {headers:?}");
        assert!(headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'self'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    let openapi: Value = http.get(format!("{base}/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/v1/network", "/v1/events", "/v1/jobs/{id}/output"] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from /openapi.json");
    }
    // A finalized job's split, as the job view carries it.
    let payout = &openapi["components"]["schemas"]["PayoutView"]["properties"];
    for field in ["escrow_lamports", "protocol_fee_bps", "fee_lamports", "per_winner_lamports", "winners"] {
        assert!(payout[field].is_object(), "PayoutView.{field} missing from /openapi.json");
    }

    let axe = axe_source();
    let driver = Chromedriver::start(&screenshot_dir().join("chromedriver.log")).await;
    let browser = driver.browser(1280, 1000, false).await;
    browser.goto(&format!("{base}/")).await.expect("open the dashboard");
    wait_for(&browser, "document.getElementById('live').dataset.state === 'live'", "the live connection").await;
    wait_for(&browser, "document.querySelector('#jobs-list .empty')", "the empty job list").await;
    // Set once: a reload would lose it.
    let loaded = eval(&browser, "window.__loaded = Date.now()").await;

    // Two jobs posted straight to the chain: each appears without a reload.
    // (The text job second: the newest, it heads the list in the screenshot.)
    let binary_job = network.post_bundle(&customer, bundle_writing(BINARY_OUTPUT), 1).await;
    let text_job = network.post_bundle(&customer, bundle_writing(TEXT_OUTPUT.as_bytes()), 2).await;
    for job_id in [&text_job, &binary_job] {
        wait_for(&browser, &job_card(job_id), "a posted job").await;
    }

    // The scheduler assigns them; the workers run, the crank and a winner settle.
    for (job_id, output) in [(&text_job, TEXT_OUTPUT.as_bytes()), (&binary_job, BINARY_OUTPUT)] {
        network.wait_assigned(job_id).await;
        wait_for(&browser, &format!("{}.dataset.status === 'assigned'", job_card(job_id)), "an assigned job").await;
        let (status, answer) = get_json(&http, &format!("{base}/v1/jobs/{}/output", hex::encode(job_id))).await;
        assert_eq!((status, answer["code"].as_str().unwrap()), (404, "no_output_yet"), "{answer}");
        let output_hash = network.execute_and_submit(job_id, &workers).await;
        assert_eq!(output_hash, *blake3::hash(output).as_bytes());
        network.settle(job_id, &workers, output_hash, &customer).await;
        // The output as the page fetches it: the bytes, as an opaque attachment.
        let response = http.get(format!("{base}/v1/jobs/{}/output", hex::encode(job_id))).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/octet-stream");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert_eq!(response.bytes().await.unwrap().as_ref(), output);
    }
    let (status, answer) = get_json(&http, &format!("{base}/v1/jobs/not-a-job/output")).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_job_id"));
    let (status, answer) = get_json(&http, &format!("{base}/v1/jobs/{}/output", "cd".repeat(32))).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (404, "job_not_found"));

    // The network's report, as the network page reads it: from the scheduler's index (as its
    // subscription brings the endings) and a treasury read shared for 2 s.
    let treasury = network.client.treasury().await.unwrap();
    let report = network_report_when(&http, &base, |report| {
        finalized_count(report) == 2 && report["treasury"]["fees_collected_lamports"] == treasury.fees_collected.get()
    })
    .await;
    assert_eq!(report["jobs_total"], 2);
    assert_eq!(finalized_count(&report), 2, "{report}");
    assert_eq!(report["finalized_per_minute"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>(), 2);
    assert_eq!(report["rpc"]["ok"], true);
    assert_eq!(report["gateway"]["ok"], true);
    assert_eq!(report["workers"]["registered"], 3);
    assert_eq!(report["treasury"]["fees_collected_lamports"], treasury.fees_collected.get());
    for job_id in [&text_job, &binary_job] {
        wait_for(&browser, &format!("{}.dataset.status === 'finalized'", job_card(job_id)), "a finalized job").await;
    }

    // The text job's details: the whole timeline, every member matched, the output as text.
    click(&browser, &format!("details.job[data-job-id=\"{}\"] > summary", hex::encode(text_job))).await;
    let card = job_card(&text_job);
    let stages = wait_for(
        &browser,
        &format!("{card}.querySelector('.timeline li.done[data-stage=\"finalized\"]') && [...{card}.querySelectorAll('.timeline li.done')].map(li => li.dataset.stage + ' ' + li.querySelector('.stage-slot').textContent)"),
        "the text job's timeline",
    )
    .await;
    let stages: Vec<&str> = stages.as_array().unwrap().iter().map(|stage| stage.as_str().unwrap()).collect();
    let names: Vec<&str> = stages.iter().map(|stage| stage.split(' ').next().unwrap()).collect();
    assert_eq!(names, ["posted", "seeded", "assigned", "quorum_reached", "output_declared", "finalized"], "{stages:?}");
    for stage in &stages {
        if !stage.starts_with("seeded") {
            assert!(stage.contains(" slot "), "{stage} has no slot");
        }
    }
    // What the escrow became: posted, the treasury's fee, each winner's share (the program's split).
    let facts = eval(
        &browser,
        &format!("Object.fromEntries([...{card}.querySelectorAll('.facts > div')].map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent]))"),
    )
    .await;
    let split = edgerun::instructions::payout(support::ESCROW, 200, 3).unwrap();
    // As the page writes amounts: whole SOL, then the lamports' nine digits without trailing zeros.
    let sol = |lamports: u64| {
        let fraction = format!("{:09}", lamports % 1_000_000_000);
        let fraction = fraction.trim_end_matches('0');
        let point = if fraction.is_empty() { "" } else { "." };
        format!("{}{point}{fraction} SOL", lamports / 1_000_000_000)
    };
    let fee = split.protocol_fee + split.remainder;
    assert_eq!(facts["Escrow"], sol(support::ESCROW), "{facts}");
    assert_eq!(facts["Fee to the treasury"], format!("{} (2.00%)", sol(fee)), "{facts}");
    assert_eq!(facts["Paid to each winner"], format!("{} × 3", sol(split.per_winner)), "{facts}");
    // The card's line says the split too, not just "paid out".
    let line = eval(&browser, &format!("{card}.querySelector('.job-facts').textContent")).await;
    let said =
        format!("{} escrow: {} to each of 3 winners, {} fee", sol(support::ESCROW), sol(split.per_winner), sol(fee));
    assert!(line.as_str().unwrap().starts_with(&said), "{line}");
    // Each winner's share in the committee table: the program credited exactly that.
    let shares = eval(
        &browser,
        &format!("[...{card}.querySelectorAll('.committee tbody tr')].map(row => [row.dataset.worker, Number(row.querySelector('td.paid').dataset.lamports)])"),
    )
    .await;
    assert_eq!(shares.as_array().unwrap().len(), 3, "{shares}");
    for share in shares.as_array().unwrap() {
        assert_eq!(share[1].as_u64().unwrap(), split.per_winner, "{share}");
    }
    // The API's job view carries the same figures.
    let (status, view) = get_json(&http, &format!("{base}/v1/jobs/{}", hex::encode(text_job))).await;
    assert_eq!(status, 200, "{view}");
    let payout = &view["payout"];
    assert_eq!(payout["escrow_lamports"], support::ESCROW, "{view}");
    assert_eq!(payout["protocol_fee_bps"], 200, "{view}");
    assert_eq!(payout["fee_lamports"], fee, "{view}");
    assert_eq!(payout["per_winner_lamports"], split.per_winner, "{view}");
    let mut winners: Vec<&str> = payout["winners"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    let mut members: Vec<&str> = shares.as_array().unwrap().iter().map(|share| share[0].as_str().unwrap()).collect();
    winners.sort_unstable();
    members.sort_unstable();
    assert_eq!(winners, members, "{view}");
    let finalized_stage =
        view["timeline"].as_array().unwrap().iter().find(|stage| stage["stage"] == "finalized").unwrap();
    assert_eq!(
        finalized_stage["detail"],
        format!("{} to each of 3 winners, {} fee to the treasury", sol(split.per_winner), sol(fee)),
        "{view}"
    );
    let results = eval(
        &browser,
        &format!("[...{card}.querySelectorAll('.committee tbody .result')].map(cell => cell.textContent)"),
    )
    .await;
    let results: Vec<&str> = results.as_array().unwrap().iter().map(|cell| cell.as_str().unwrap()).collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results.iter().all(|result| result.starts_with("✓ matched")), "{results:?}");
    let output = wait_for(
        &browser,
        &format!("{card}.querySelector('.output pre[data-encoding=\"utf-8\"]') && {card}.querySelector('.output pre').textContent"),
        "the text output",
    )
    .await;
    assert_eq!(output, TEXT_OUTPUT, "the output is shown as its characters");
    assert_eq!(
        eval(&browser, "document.querySelectorAll('#injected, .output img, .output b').length").await,
        0,
        "the output became HTML"
    );

    // The binary job's output, as hex.
    click(&browser, &format!("details.job[data-job-id=\"{}\"] > summary", hex::encode(binary_job))).await;
    let card = job_card(&binary_job);
    let hex_dump = wait_for(
        &browser,
        &format!("{card}.querySelector('.output pre[data-encoding=\"hex\"]') && {card}.querySelector('.output pre').textContent"),
        "the binary output",
    )
    .await;
    assert_eq!(hex_dump, "00000000  ff 00 fe 41 80");
    // The screenshot: the text job open at the top, tall enough for its output.
    click(&browser, &format!("details.job[data-job-id=\"{}\"] > summary", hex::encode(binary_job))).await;
    eval(&browser, "window.scrollTo(0, 0)").await;
    browser.set_window_size(1280, 1300).await.unwrap();
    screenshot(&browser, "jobs").await;
    browser.set_window_size(1280, 1000).await.unwrap();
    // Accessible as it stands: a finalized job open (timeline, committee, output), the other closed.
    assert_accessible(&browser, &axe, "the jobs page").await;
    assert_keyboard_reachable(&browser, "the jobs page").await;

    // Workers: each won both jobs, and the page says what they earned.
    click(&browser, "#nav-workers").await;
    let earned = wait_for(
        &browser,
        "(() => { const cells = [...document.querySelectorAll('#workers-list td.earned')]; \
           return cells.length === 3 && cells.every(cell => Number(cell.dataset.lamports) > 0) \
             && cells.map(cell => [cell.closest('tr').dataset.worker, Number(cell.dataset.lamports), cell.textContent]); })()",
        "the workers' earnings",
    )
    .await;
    for row in earned.as_array().unwrap() {
        let worker: solana_address::Address = row[0].as_str().unwrap().parse().unwrap();
        let stake = network.client.worker_stake(&worker).await.unwrap().unwrap();
        assert_eq!(row[1].as_u64().unwrap(), stake.rewards_earned.get(), "{row}");
        assert!(
            row[2].as_str().unwrap().contains(&format!("{} lamports", thousands(stake.rewards_earned.get()))),
            "{row}"
        );
    }
    let won = eval(
        &browser,
        "[...document.querySelectorAll('#workers-list td[data-label=\"Won\"]')].map(cell => cell.textContent)",
    )
    .await;
    assert_eq!(won, json!(["2", "2", "2"]));
    screenshot(&browser, "workers").await;
    assert_accessible(&browser, &axe, "the workers page").await;
    assert_keyboard_reachable(&browser, "the workers page").await;

    // The network: stages, finalized per minute, treasury, health.
    click(&browser, "#nav-network").await;
    let finalized = wait_for(
        &browser,
        "document.querySelector('[data-card=stages] .bar-row[data-status=finalized] .num')?.textContent",
        "the jobs per stage",
    )
    .await;
    assert_eq!(finalized, "2");
    let minutes =
        eval(&browser, "[...document.querySelectorAll('[data-card=finalized] .column')].map(c => c.title)").await;
    assert_eq!(minutes.as_array().unwrap().len(), 10, "{minutes}");
    let recent =
        eval(&browser, "Number(document.querySelector('[data-finalized-last-minute]').dataset.finalizedLastMinute)")
            .await;
    assert!(recent.as_u64().unwrap() >= 1, "a job finalized seconds ago counts in the current minute: {recent}");
    let treasury = network.client.treasury().await.unwrap();
    assert!(treasury.fees_collected.get() > 0);
    let fees = eval(&browser, "Number(document.querySelectorAll('[data-card=treasury] dd')[0].dataset.lamports)").await;
    assert_eq!(fees.as_u64().unwrap(), treasury.fees_collected.get());
    let health = eval(&browser, "[...document.querySelectorAll('[data-health] .badge')].map(b => b.textContent)").await;
    assert_eq!(health, json!(["healthy", "healthy"]));
    screenshot(&browser, "network").await;
    assert_accessible(&browser, &axe, "the network page").await;
    assert_keyboard_reachable(&browser, "the network page").await;

    // No reload at any point: the marker set after the first load is still there.
    assert_eq!(eval(&browser, "window.__loaded").await, loaded, "the page was reloaded");
    let errors = eval(&browser, "document.getElementById('problem').hidden").await;
    assert_eq!(errors, true, "the page reported a problem");
    browser.close().await.unwrap();

    // At phone width: one column, nothing wider than the screen.
    let phone = driver.browser(390, 844, false).await;
    for page in ["jobs", "workers", "network"] {
        phone.goto(&format!("{base}/#/{page}")).await.unwrap();
        let ready = match page {
            "jobs" => "document.querySelectorAll('#jobs-list details.job').length === 2",
            "workers" => "document.querySelectorAll('#workers-list tr[data-worker]').length === 3",
            _ => "document.querySelector('[data-card=treasury]')",
        };
        wait_for(&phone, ready, &format!("the {page} page at phone width")).await;
        if page == "jobs" {
            click(&phone, &format!("details.job[data-job-id=\"{}\"] > summary", hex::encode(text_job))).await;
            wait_for(
                &phone,
                &format!("{}.querySelector('.output pre[data-encoding]')", job_card(&text_job)),
                "the output at phone width",
            )
            .await;
        }
        assert_eq!(eval(&phone, "window.innerWidth").await, 390);
        let overflow = eval(&phone, "document.documentElement.scrollWidth - window.innerWidth").await;
        assert!(overflow.as_i64().unwrap() <= 0, "the {page} page is {overflow} px wider than a phone");
        screenshot(&phone, &format!("{page}-phone")).await;
        assert_accessible(&phone, &axe, &format!("the {page} page at phone width")).await;
    }
    phone.close().await.unwrap();

    // In the dark: the page follows the system's colour scheme, every page as accessible.
    let dark = driver.browser(1280, 900, true).await;
    dark.goto(&format!("{base}/#/network")).await.unwrap();
    wait_for(&dark, "document.querySelector('[data-card=treasury]')", "the network page in the dark").await;
    assert_eq!(eval(&dark, "matchMedia('(prefers-color-scheme: dark)').matches").await, true);
    let background = eval(&dark, "getComputedStyle(document.body).backgroundColor").await;
    assert_eq!(background, "rgb(15, 18, 23)", "the dark palette is not applied");
    screenshot(&dark, "network-dark").await;
    assert_accessible(&dark, &axe, "the network page in the dark").await;
    dark.goto(&format!("{base}/#/workers")).await.unwrap();
    wait_for(
        &dark,
        "document.querySelectorAll('#workers-list tr[data-worker]').length === 3",
        "the workers in the dark",
    )
    .await;
    assert_accessible(&dark, &axe, "the workers page in the dark").await;
    dark.goto(&format!("{base}/#/jobs")).await.unwrap();
    wait_for(&dark, "document.querySelectorAll('#jobs-list details.job').length === 2", "the jobs in the dark").await;
    click(&dark, &format!("details.job[data-job-id=\"{}\"] > summary", hex::encode(text_job))).await;
    wait_for(
        &dark,
        &format!("{}.querySelector('.output pre[data-encoding]')", job_card(&text_job)),
        "the output in the dark",
    )
    .await;
    screenshot(&dark, "jobs-dark").await;
    assert_accessible(&dark, &axe, "the jobs page in the dark").await;
    assert_keyboard_reachable(&dark, "the jobs page in the dark").await;
    dark.close().await.unwrap();

    // The README shows the jobs page.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/dashboard.png");
    if std::env::var_os("EDGERUN_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(screenshot_dir().join("jobs.png"), docs).unwrap();
    }

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), scheduler).await.expect("graceful stop in time").unwrap();
}

/// The count of finalized jobs in a `/v1/network` report.
fn finalized_count(report: &Value) -> u64 {
    report["jobs_by_status"]
        .as_array()
        .and_then(|counts| counts.iter().find(|entry| entry["status"] == "finalized"))
        .and_then(|entry| entry["count"].as_u64())
        .unwrap_or(0)
}

/// `/v1/network` once `ready` holds for it (bounded: the last report after [`PATIENCE`]).
async fn network_report_when(http: &reqwest::Client, base: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, report) = get_json(http, &format!("{base}/v1/network")).await;
        assert_eq!(status, 200, "{report}");
        if ready(&report) || Instant::now() >= deadline {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The count a Prometheus counter of `/metrics` shows for `labels` (0 when absent).
async fn counter(http: &reqwest::Client, base: &str, name: &str, labels: &str) -> u64 {
    let text = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find(|line| line.starts_with(name) && line.contains(labels))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// Issue 16 item 3 / issue 20 item 2: the API answers reads from the engine's picture of the
/// chain. However many times job lists and the network report are asked for, the scheduler
/// lists nothing (`getProgramAccounts`), and the answers still show every job, the finalized
/// one included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn job_lists_and_the_network_report_cost_the_cluster_no_listing() {
    let network = Network::start(None).await;
    let workers = vec![network.worker(SOL).await, network.worker(SOL).await, network.worker(SOL).await];
    let (address, cancel, scheduler) = network.scheduler(3).await;
    let base = format!("http://{address}");
    let http = edgerun_sdk::http::client_builder().build().expect("an HTTP client");
    let customer = Keypair::new();
    network.client.request_airdrop(&customer.pubkey(), 5 * SOL).await.unwrap();

    // One job run to finalized, one left waiting for its committee's results.
    let finalized = network.post_bundle(&customer, bundle_writing(TEXT_OUTPUT.as_bytes()), 1).await;
    network.wait_assigned(&finalized).await;
    let output_hash = network.execute_and_submit(&finalized, &workers).await;
    network.settle(&finalized, &workers, output_hash, &customer).await;
    let assigned = network.post_bundle(&customer, bundle_writing(BINARY_OUTPUT), 2).await;
    network.wait_assigned(&assigned).await;
    // The index has both as the chain does (its subscription brought them).
    network_report_when(&http, &base, |report| finalized_count(report) == 1 && report["jobs_total"] == 2).await;

    let listings = || counter(&http, &base, "edgerun_scheduler_rpc_requests_total", "method=\"getProgramAccounts\"");
    let before = listings().await;
    let paths = [
        "/v1/jobs".to_string(),
        "/v1/jobs?status=finalized".to_string(),
        "/v1/jobs?status=assigned&limit=5".to_string(),
        format!("/v1/jobs?client={}", customer.pubkey()),
        format!("/v1/jobs?worker={}", workers[0].pubkey()),
        "/v1/network".to_string(),
    ];
    let mut answers = std::collections::HashMap::new();
    for _ in 0..50 {
        for path in &paths {
            let (status, answer) = get_json(&http, &format!("{base}{path}")).await;
            assert_eq!(status, 200, "{path}: {answer}");
            answers.insert(path.clone(), answer);
        }
    }
    let after = listings().await;
    assert_eq!(after, before, "{} requests made the scheduler list the program's accounts", 50 * paths.len());

    let listed = |path: &str| -> Vec<(String, String)> {
        answers[path]["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| (row["job_id"].as_str().unwrap().to_string(), row["status"].as_str().unwrap().to_string()))
            .collect()
    };
    let (finalized_hex, assigned_hex) = (hex::encode(finalized), hex::encode(assigned));
    let both = [(assigned_hex.clone(), "assigned".to_string()), (finalized_hex.clone(), "finalized".to_string())];
    // Newest first.
    assert_eq!(listed("/v1/jobs"), both);
    assert_eq!(answers["/v1/jobs"]["total"], 2);
    assert_eq!(listed(&paths[3]), both);
    assert_eq!(listed(&paths[4]), both, "every worker sits on both committees of 3");
    assert_eq!(listed("/v1/jobs?status=finalized"), [(finalized_hex.clone(), "finalized".to_string())]);
    assert_eq!(listed("/v1/jobs?status=assigned&limit=5"), [(assigned_hex, "assigned".to_string())]);
    let report = &answers["/v1/network"];
    assert_eq!(report["jobs_total"], 2, "{report}");
    assert_eq!(finalized_count(report), 1, "{report}");
    assert_eq!(report["finalized_per_minute"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>(), 1);
    assert_eq!(report["workers"]["registered"], 3);
    // A stranger's unknown worker is a bad filter, not a listing.
    let (status, answer) = get_json(&http, &format!("{base}/v1/jobs?worker=nope")).await;
    assert_eq!((status, answer["code"].as_str().unwrap()), (400, "invalid_worker"));

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), scheduler).await.expect("graceful stop in time").unwrap();
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `1234567` → `1,234,567`, as the page writes lamports.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
