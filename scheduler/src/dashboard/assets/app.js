// Edgerun dashboard: jobs, workers and the network, live from the scheduler's API.
// Every piece of data goes into the page as text (textContent; nothing is parsed as HTML): job outputs,
// addresses and reasons come from the chain and from strangers.
"use strict";

(() => {
  const LAMPORTS_PER_SOL = 1_000_000_000;
  /** The stages a job moves through, in order (as `timeline[].stage` names them). */
  const STAGES = ["posted", "seeded", "assigned", "quorum_reached", "output_declared", "finalized"];
  const STAGE_NAMES = {
    posted: "Posted",
    seeded: "Seeded",
    assigned: "Assigned",
    quorum_reached: "Quorum",
    output_declared: "Output declared",
    output_not_declared: "Output not declared",
    finalized: "Finalized",
    cancelled: "Cancelled",
  };
  const ENDED = new Set(["finalized", "cancelled", "slashed"]);
  /** Statuses the program reserves and never writes. */
  const RESERVED_STATUSES = new Set(["quorum_reached", "slashed"]);
  /** Views fetched at load for the newest jobs (their stage, what they wait for). */
  const VIEWS_AT_LOAD = 25;
  /** Bytes of an output shown in the page. */
  const OUTPUT_PREVIEW_BYTES = 64 * 1024;

  const state = {
    page: "jobs",
    rows: new Map(), // job id → row of /v1/jobs (status and facts)
    views: new Map(), // job id → JobView (from /v1/jobs/{id} or an event)
    order: [], // job ids, newest first
    outputs: new Map(), // output hash → {text} | {hex, size} | {error}
    slot: null,
    refreshTimer: null,
  };

  // ----- DOM helpers: text only -----

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function sol(lamports) {
    const whole = Math.floor(lamports / LAMPORTS_PER_SOL);
    const fraction = String(lamports % LAMPORTS_PER_SOL).padStart(9, "0").replace(/0+$/, "");
    return `${whole.toLocaleString("en-US")}${fraction ? "." + fraction : ""} SOL`;
  }

  function lamportsCell(lamports, extraClass) {
    return el(
      "td",
      { class: `num ${extraClass || ""}`.trim(), "data-lamports": lamports, title: `${lamports} lamports` },
      el("span", {}, sol(lamports), el("span", { class: "sub", text: `${lamports.toLocaleString("en-US")} lamports` })),
    );
  }

  /** What a job's escrow is: once it ended, what was posted and where it went (the split, once
   * the job's view says it: the treasury's fee and each winner's share). */
  function escrowText(status, lamports, posted, payout) {
    if (payout) {
      const winners = payout.winners.length;
      return `${sol(payout.escrow_lamports)} escrow: ${sol(payout.per_winner_lamports)} to each of ${winners} winner${winners === 1 ? "" : "s"}, ${sol(payout.fee_lamports)} fee`;
    }
    if (lamports === 0 && status === "finalized") return `${sol(posted)} escrow, paid out`;
    if (lamports === 0 && status === "cancelled") return `${sol(posted)} escrow, refunded`;
    return sol(lamports);
  }

  /** A region that may scroll: the keyboard can reach it (and so scroll it) and a reader names it. */
  function scrollable(node, label) {
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "region");
    node.setAttribute("aria-label", label);
    return node;
  }

  /** The newest slot any answer carried: the header shows it. */
  function seeSlot(slot) {
    if (typeof slot === "number" && slot > (state.slot || 0)) {
      state.slot = slot;
      const live = $("live");
      if (live.dataset.state === "live") live.textContent = `live · slot ${slot}`;
    }
  }

  function short(text, keep = 6) {
    return text && text.length > keep * 2 + 1 ? `${text.slice(0, keep)}…${text.slice(-keep)}` : text || "";
  }

  function showProblem(message) {
    const problem = $("problem");
    problem.textContent = message || "";
    problem.hidden = !message;
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((body && body.error) || `${path} answered ${response.status}`);
    }
    return body;
  }

  // ----- pages -----

  function route() {
    const wanted = (location.hash.replace(/^#\/?/, "") || "jobs").split("/")[0];
    state.page = ["jobs", "workers", "network"].includes(wanted) ? wanted : "jobs";
    for (const page of ["jobs", "workers", "network"]) {
      $(`page-${page}`).hidden = page !== state.page;
      const link = $(`nav-${page}`);
      if (page === state.page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `Edgerun · ${state.page[0].toUpperCase()}${state.page.slice(1)}`;
    refreshPage();
  }

  /** Re-reads what the visible page shows (the jobs page lives on events alone). */
  function refreshPage() {
    if (state.page === "workers") loadWorkers();
    else if (state.page === "network") loadNetwork();
  }

  /** Many changes in a burst: one refresh after it. */
  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(refreshPage, 250);
  }

  // ----- jobs -----

  async function loadJobs() {
    try {
      const list = await getJson("/v1/jobs?limit=200");
      state.rows = new Map(list.jobs.map((row) => [row.job_id, row]));
      state.order = list.jobs.map((row) => row.job_id);
      for (const id of [...state.views.keys()]) if (!state.rows.has(id)) state.views.delete(id);
      $("jobs-summary").textContent =
        list.total > list.jobs.length ? `newest ${list.jobs.length} of ${list.total} on chain` : `${list.total} on chain`;
      renderJobs();
      showProblem(null);
      // The newest jobs' views, a few at a time: each costs the scheduler a few reads.
      const wanted = state.order.slice(0, VIEWS_AT_LOAD).filter((id) => !state.views.has(id));
      for (let start = 0; start < wanted.length; start += 4) {
        await Promise.all(wanted.slice(start, start + 4).map(loadView));
      }
    } catch (error) {
      showProblem(`Cannot list the jobs: ${error.message}`);
    }
  }

  async function loadView(id) {
    try {
      const view = await getJson(`/v1/jobs/${id}`);
      acceptView(view);
    } catch (error) {
      // Closed meanwhile, or the scheduler is busy: the row stays as listed.
    }
  }

  function acceptView(view) {
    seeSlot(view.slot);
    state.views.set(view.job_id, view);
    if (!state.rows.has(view.job_id)) {
      state.order.unshift(view.job_id);
      state.rows.set(view.job_id, {
        job_id: view.job_id,
        status: view.status,
        escrow_lamports: view.escrow_lamports,
        created_slot: view.timeline.length ? view.timeline[0].slot : null,
        committee_size: view.committee_size,
        quorum: view.quorum,
      });
    }
    const row = state.rows.get(view.job_id);
    row.status = view.status;
    renderJob(view.job_id);
  }

  function renderJobs() {
    const list = $("jobs-list");
    if (!state.order.length) {
      list.replaceChildren(el("p", { class: "empty", text: "No job on chain yet. Jobs appear here as they are posted." }));
      return;
    }
    const open = new Set([...list.querySelectorAll("details.job[open]")].map((node) => node.dataset.jobId));
    list.replaceChildren(...state.order.map((id) => jobCard(id, open.has(id))));
  }

  function renderJob(id) {
    const list = $("jobs-list");
    const existing = list.querySelector(`details.job[data-job-id="${CSS.escape(id)}"]`);
    if (!existing) {
      renderJobs();
      return;
    }
    existing.replaceWith(jobCard(id, existing.open));
  }

  function jobCard(id, open) {
    const row = state.rows.get(id);
    const view = state.views.get(id);
    const status = (view && view.status) || row.status;
    const escrow = view ? view.escrow_lamports : row.escrow_lamports;
    const posted = view ? view.posted_escrow_lamports : row.posted_escrow_lamports;
    const createdSlot = row.created_slot;
    const next = view && !ENDED.has(status) ? view.next : null;
    // What the chain or the scheduler says blocks the job, as `next` words it.
    const stuck = next && /^not assigned|expired|no winner declared|no quorum|nobody recorded|refuses|malformed|unknown status/i.test(next);
    const summary = el(
      "summary",
      {},
      el("span", {}, el("span", { class: "status", "data-status": status, text: status.replace(/_/g, " ") })),
      el("span", { class: "job-id", title: id, text: id }),
      el(
        "span",
        { class: "job-facts" },
        `${escrowText(status, escrow, posted, view && view.payout)} · committee ${row.committee_size}/${row.quorum}`,
        createdSlot !== null && createdSlot !== undefined ? ` · slot ${createdSlot}` : "",
      ),
      next ? el("span", { class: `job-next${stuck ? " stuck" : ""}`, text: next }) : null,
    );
    const card = el("details", { class: "job", "data-job-id": id, "data-status": status }, summary);
    card.open = open;
    card.addEventListener("toggle", () => {
      if (card.open && !state.views.has(id)) loadView(id);
    });
    card.append(view ? jobBody(view) : el("div", { class: "job-body muted", text: "Loading…" }));
    return card;
  }

  function jobBody(view) {
    const body = el("div", { class: "job-body" });
    // Second-level headings: the page's title is the only h1.
    body.append(el("h2", { class: "section", text: "Timeline" }), timeline(view));
    body.append(
      el("h2", { class: "section", text: "Job" }),
      el(
        "dl",
        { class: "facts" },
        fact("Escrow", view.payout ? sol(view.payout.escrow_lamports) : escrowText(view.status, view.escrow_lamports, view.posted_escrow_lamports)),
        view.payout
          ? fact("Fee to the treasury", `${sol(view.payout.fee_lamports)} (${(view.payout.protocol_fee_bps / 100).toFixed(2)}%)`)
          : null,
        view.payout
          ? fact("Paid to each winner", `${sol(view.payout.per_winner_lamports)} × ${view.payout.winners.length}`)
          : null,
        view.input_unavailable ? fact("Outcome", "the committee could not obtain the input; refunded") : null,
        fact("Client", view.client, true),
        fact("Account", view.job, true),
        fact("Bundle", view.bundle_hash, true),
        fact("Limits", `${view.max_instructions.toLocaleString("en-US")} instructions, ${view.max_memory_bytes.toLocaleString("en-US")} bytes`),
        fact("Committee", `${view.committee_size} members, quorum ${view.quorum}`),
        view.winning_output_hash ? fact("Winning output", view.winning_output_hash, true) : null,
        fact("Next", view.next),
      ),
    );
    if (view.committee.length) body.append(el("h2", { class: "section", text: "Committee" }), committee(view));
    if (view.replaced_workers.length) {
      body.append(el("h2", { class: "section", text: "Replaced (silent)" }), el("p", { class: "mono", text: view.replaced_workers.join(", ") }));
    }
    if (view.output || view.winning_output_hash) body.append(el("h2", { class: "section", text: "Output" }), outputBlock(view));
    return body;
  }

  function fact(name, value, mono) {
    return el("div", {}, el("dt", { text: name }), el("dd", { class: mono ? "mono" : null, text: value }));
  }

  function timeline(view) {
    const seen = new Map(view.timeline.map((stage) => [stage.stage, stage]));
    const ended = view.status === "cancelled" ? "cancelled" : null;
    const names = STAGES.filter((stage) => !(ended && stage === "finalized") || seen.has(stage));
    // Stages the chain recorded that are not on the usual path (cancelled, a failed DA) go where they happened.
    for (const stage of view.timeline) if (!names.includes(stage.stage)) names.push(stage.stage);
    const order = (stage) => {
      const index = view.timeline.findIndex((known) => known.stage === stage);
      return index >= 0 ? index : 100 + STAGES.indexOf(stage);
    };
    names.sort((a, b) => order(a) - order(b));
    return el(
      "ol",
      { class: "timeline" },
      names.map((name) => {
        const stage = seen.get(name);
        const bad = name === "cancelled" || name === "output_not_declared";
        return el(
          "li",
          { class: stage ? (bad ? "ended-bad" : "done") : "pending", "data-stage": name },
          el("div", { class: "stage-name", text: STAGE_NAMES[name] || name }),
          el("div", {
            class: "stage-slot",
            text: stage ? (stage.slot !== null && stage.slot !== undefined ? `slot ${stage.slot}` : "—") : "not yet",
          }),
          stage ? el("div", { class: "stage-detail", text: stage.detail }) : null,
        );
      }),
    );
  }

  function committee(view) {
    const quorum = Boolean(view.winning_output_hash);
    // Each winner's share of the escrow, once it was paid (a member the payout names).
    const paid = new Set(view.payout ? view.payout.winners : []);
    const rows = view.committee.map((member) => {
      let result;
      if (!member.output_hash) {
        result = view.slot > member.deadline_slot
          ? el("span", { class: "mismatched", text: "silent past its deadline" })
          : el("span", { class: "waiting", text: `awaiting (due by slot ${member.deadline_slot})` });
      } else if (!quorum) {
        result = el("span", { class: "waiting", text: "submitted; no quorum yet" });
      } else if (member.winner) {
        result = el("span", { class: "matched", text: "✓ matched" });
      } else {
        result = el("span", { class: "mismatched", text: "✗ did not match" });
      }
      const notes = [
        member.penalized ? "penalized" : null,
        member.da_failed ? "did not declare the output" : null,
        member.settled ? "settled" : null,
      ].filter(Boolean);
      return el(
        "tr",
        { "data-worker": member.worker },
        el("td", { class: "mono", title: member.worker, text: short(member.worker) }),
        el("td", { class: "mono", title: member.output_hash || "", text: member.output_hash ? short(member.output_hash, 8) : "—" }),
        el("td", { class: "num", text: member.submitted_slot !== null && member.submitted_slot !== undefined ? member.submitted_slot : "—" }),
        el("td", { class: "result" }, result, notes.length ? el("span", { class: "sub", text: notes.join(", ") }) : null),
        paid.has(member.worker)
          ? lamportsCell(view.payout.per_winner_lamports, "paid")
          : el("td", { class: "num paid", "data-lamports": 0, text: "—" }),
      );
    });
    return scrollable(el(
      "div",
      { class: "table-wrap committee-wrap" },
      el(
        "table",
        { class: "committee" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col", text: "Worker" }),
            el("th", { scope: "col", text: "Result hash" }),
            el("th", { scope: "col", class: "num", text: "Slot" }),
            el("th", { scope: "col", text: "Result" }),
            el("th", { scope: "col", class: "num", text: "Paid" }),
          ),
        ),
        el("tbody", {}, rows),
      ),
    ), `Committee of job ${short(view.job_id)}`);
  }

  function outputBlock(view) {
    const hash = view.output ? view.output.output_hash : view.winning_output_hash;
    const block = el("div", { class: "output", "data-output-hash": hash });
    const link = el("a", { href: `/v1/jobs/${view.job_id}/output`, download: `${hash}.out`, text: "Download the output" });
    const facts = [link];
    if (view.output) {
      facts.push(` · declared by ${short(view.output.publisher)} at slot ${view.output.published_slot} · stored at `);
      facts.push(el("span", { class: "mono", text: view.output.pointer }));
    } else {
      facts.push(" · not declared yet");
    }
    block.append(el("p", { class: "muted" }, facts));
    const known = state.outputs.get(hash);
    const pre = scrollable(el("pre", { class: "output-bytes" }), `Output of job ${short(view.job_id)}`);
    if (known) fillOutput(pre, known);
    else {
      pre.textContent = "Loading the output…";
      loadOutput(view.job_id, hash);
    }
    block.append(pre);
    return block;
  }

  /** Text when the bytes are UTF-8, hex otherwise; always as text. */
  function fillOutput(pre, output) {
    pre.dataset.encoding = output.error ? "error" : output.text !== undefined ? "utf-8" : "hex";
    if (output.error) pre.textContent = output.error;
    else if (output.text !== undefined) pre.textContent = output.text === "" ? "(empty output)" : output.text;
    else pre.textContent = output.hex;
    if (output.truncated) pre.append(document.createTextNode(`\n… ${output.size - OUTPUT_PREVIEW_BYTES} more bytes: download the output`));
  }

  async function loadOutput(jobId, hash) {
    if (state.outputs.has(hash)) return;
    state.outputs.set(hash, { error: "Loading the output…", pending: true });
    let output;
    try {
      const response = await fetch(`/v1/jobs/${jobId}/output`);
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Error((body && body.error) || `the scheduler answered ${response.status}`);
      }
      const all = new Uint8Array(await response.arrayBuffer());
      const bytes = all.subarray(0, OUTPUT_PREVIEW_BYTES);
      const truncated = all.length > bytes.length;
      try {
        // A cut may split a character: streaming leaves an incomplete last one out, not an error.
        const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: truncated });
        output = { text, size: all.length, truncated };
      } catch (notText) {
        output = { hex: hexDump(bytes), size: all.length, truncated };
      }
    } catch (error) {
      output = { error: `Cannot show the output: ${error.message}`, retry: true };
    }
    state.outputs.set(hash, output);
    for (const pre of document.querySelectorAll(`.output[data-output-hash="${CSS.escape(hash)}"] pre`)) fillOutput(pre, output);
    // A failure (not uploaded yet) is tried again at the next render.
    if (output.retry) state.outputs.delete(hash);
  }

  function hexDump(bytes) {
    const lines = [];
    for (let offset = 0; offset < bytes.length; offset += 16) {
      const chunk = [...bytes.subarray(offset, offset + 16)].map((byte) => byte.toString(16).padStart(2, "0"));
      lines.push(`${offset.toString(16).padStart(8, "0")}  ${chunk.join(" ")}`);
    }
    return lines.join("\n");
  }

  // ----- workers -----

  async function loadWorkers() {
    try {
      const list = await getJson("/v1/workers");
      seeSlot(list.slot);
      $("workers-summary").textContent =
        `${list.workers.length} registered, ${list.eligible} eligible for a lock of ${sol(list.lock_lamports)} · slot ${list.slot}`;
      const body = $("workers-list");
      if (!list.workers.length) {
        body.replaceChildren(el("tr", {}, el("td", { colspan: 10, class: "empty", text: "No worker registered yet." })));
        return;
      }
      body.replaceChildren(...list.workers.map(workerRow));
      showProblem(null);
    } catch (error) {
      showProblem(`Cannot list the workers: ${error.message}`);
    }
  }

  function workerRow(worker) {
    const status = worker.eligible
      ? el("span", { class: "badge ok", text: "eligible" })
      : el("span", { class: `badge ${worker.reason_code === "jailed" ? "bad" : "warn"}`, text: (worker.reason_code || "ineligible").replace(/_/g, " ") });
    // At phone width a row is a card of "label: value" lines: the label comes from the cell,
    // the value is the cell's one child.
    const label = (cell, name) => {
      cell.dataset.label = name;
      if (cell.childNodes.length > 1) cell.replaceChildren(el("span", {}, ...cell.childNodes));
      return cell;
    };
    return el(
      "tr",
      { "data-worker": worker.worker, "data-eligible": worker.eligible },
      label(el("td", { class: "mono", title: worker.worker, text: short(worker.worker, 8) }), "Worker"),
      label(
        el(
          "td",
          { class: "worker-status" },
          status,
          worker.reason ? el("span", { class: "sub reason", text: worker.reason }) : null,
          worker.recent_failures ? el("span", { class: "sub", text: `${worker.recent_failures} recent failures` }) : null,
        ),
        "Status",
      ),
      label(lamportsCell(worker.total_stake_lamports), "Stake"),
      label(lamportsCell(worker.locked_stake_lamports), "Locked"),
      label(lamportsCell(worker.rewards_earned_lamports, "earned"), "Earned"),
      label(lamportsCell(worker.slashed_lamports, "slashed"), "Slashed"),
      label(lamportsCell(worker.penalized_lamports, "penalized"), "Penalized"),
      label(el("td", { class: "num", text: worker.jobs_assigned }), "Assigned"),
      label(el("td", { class: "num", text: worker.jobs_won }), "Won"),
      label(el("td", { class: "num", text: worker.jobs_missed + (worker.jobs_slashed ? ` (+${worker.jobs_slashed} slashed)` : "") }), "Missed"),
    );
  }

  // ----- network -----

  async function loadNetwork() {
    try {
      const network = await getJson("/v1/network");
      renderNetwork(network);
      showProblem(null);
    } catch (error) {
      $("network-summary").textContent = "";
      showProblem(`Cannot read the network: ${error.message}`);
    }
  }

  function renderNetwork(network) {
    const minutes = network.finalized_per_minute;
    const lastMinute = minutes[minutes.length - 1] || 0;
    seeSlot(network.slot);
    $("network-summary").textContent = `slot ${network.slot} · ${network.jobs_total} jobs on chain`;
    const health = (name, service, extra) =>
      el(
        "div",
        { class: "card", "data-health": name },
        el("h2", {}, `${name} `, el("span", { class: `badge ${service.ok ? "ok" : "bad"}`, text: service.ok ? "healthy" : "down" })),
        el(
          "dl",
          { class: "kv" },
          el("dt", { text: "Answered in" }),
          el("dd", { text: `${service.latency_ms} ms` }),
          extra,
          service.url ? [el("dt", { text: "URL" }), el("dd", { class: "mono", text: service.url })] : null,
          service.error ? [el("dt", { text: "Error" }), el("dd", { text: service.error })] : null,
        ),
      );
    const most = Math.max(1, ...network.jobs_by_status.map((entry) => entry.count));
    const stages = el(
      "div",
      { class: "card", "data-card": "stages" },
      el("h2", { text: "Jobs per stage" }),
      el(
        "div",
        { class: "bars" },
        // The statuses the program reserves but never writes only show if a job has one.
        network.jobs_by_status.filter((entry) => entry.count > 0 || !RESERVED_STATUSES.has(entry.status)).map((entry) => {
          const fill = el("div", { class: "bar-fill" });
          fill.style.width = `${(100 * entry.count) / most}%`;
          return el(
            "div",
            { class: "bar-row", "data-status": entry.status },
            el("span", { text: entry.status.replace(/_/g, " ") }),
            el("div", { class: "bar-track" }, fill),
            el("span", { class: "num", text: entry.count }),
          );
        }),
      ),
    );
    const peak = Math.max(1, ...minutes);
    const finalized = el(
      "div",
      { class: "card", "data-card": "finalized" },
      el("h2", { text: "Jobs finalized per minute" }),
      el("div", { class: "big", "data-finalized-last-minute": lastMinute, text: lastMinute }),
      el("p", { class: "muted", text: `this minute; ${minutes.reduce((sum, count) => sum + count, 0)} in the last ${minutes.length}` }),
      el(
        "div",
        { class: "columns", role: "img", "aria-label": `finalized per minute, oldest first: ${minutes.join(", ")}` },
        minutes.map((count) => {
          const fill = el("div", { class: "column-fill" });
          fill.style.height = `${(100 * count) / peak}%`;
          return el("div", { class: "column", title: `${count} finalized` }, count ? String(count) : "", fill);
        }),
      ),
      el("div", { class: "axis" }, el("span", { text: `${minutes.length} min ago` }), el("span", { text: "now" })),
      el("p", {
        class: "muted",
        text: `${network.ms_per_slot.toFixed(0)} ms per slot (${network.ms_per_slot_measured ? "measured" : "nominal"})`,
      }),
    );
    const treasury = network.treasury;
    const money = (name, lamports) => [el("dt", { text: name }), el("dd", { title: `${lamports} lamports`, "data-lamports": lamports, text: sol(lamports) })];
    const treasuryCard = el(
      "div",
      { class: "card", "data-card": "treasury" },
      el("h2", { text: "Treasury" }),
      el(
        "dl",
        { class: "kv" },
        money("Fees", treasury.fees_collected_lamports),
        money("Slashes", treasury.slashes_collected_lamports),
        money("Penalties", treasury.penalties_collected_lamports),
        money("Withdrawn", treasury.withdrawn_lamports),
        money("Balance", treasury.balance_lamports),
      ),
      el("p", { class: "muted mono", title: treasury.address, text: short(treasury.address, 10) }),
    );
    const workers = network.workers;
    const workersCard = el(
      "div",
      { class: "card", "data-card": "workers" },
      el("h2", { text: "Workers" }),
      el(
        "dl",
        { class: "kv" },
        el("dt", { text: "Registered" }),
        el("dd", { text: workers.registered }),
        el("dt", { text: "Eligible" }),
        el("dd", { text: workers.eligible }),
        money("Stake", workers.total_stake_lamports),
        money("Locked", workers.locked_stake_lamports),
        money("Earned", workers.rewards_earned_lamports),
        money("Slashed", workers.slashed_lamports),
        money("Penalized", workers.penalized_lamports),
      ),
    );
    $("network-grid").replaceChildren(
      health("RPC", network.rpc, [el("dt", { text: "Slot" }), el("dd", { text: network.slot })]),
      health("Gateway", network.gateway, null),
      stages,
      finalized,
      treasuryCard,
      workersCard,
    );
  }

  // ----- live -----

  function setLive(kind, text) {
    const live = $("live");
    live.dataset.state = kind;
    live.textContent = text;
  }

  function connect() {
    const events = new EventSource("/v1/events");
    let opened = false;
    events.addEventListener("open", () => {
      setLive("live", state.slot ? `live · slot ${state.slot}` : "live");
      if (opened) {
        // Back after a disconnection: anything that changed meanwhile.
        loadJobs();
        refreshPage();
      }
      opened = true;
    });
    events.addEventListener("error", () => setLive("down", "reconnecting…"));
    events.addEventListener("job", (event) => {
      const view = JSON.parse(event.data);
      acceptView(view);
      $("jobs-summary").textContent = `${state.order.length} on chain`;
      scheduleRefresh();
    });
    events.addEventListener("closed", (event) => {
      const id = event.data;
      state.rows.delete(id);
      state.views.delete(id);
      state.order = state.order.filter((known) => known !== id);
      renderJobs();
      scheduleRefresh();
    });
    events.addEventListener("resync", () => {
      loadJobs();
      refreshPage();
    });
    events.addEventListener("slot", (event) => {
      state.slot = Math.max(state.slot || 0, Number(event.data));
      setLive("live", `live · slot ${state.slot}`);
      refreshPage();
    });
  }

  window.addEventListener("hashchange", route);
  document.addEventListener("DOMContentLoaded", () => {
    route();
    loadJobs();
    connect();
  });
})();
