// The client against a real local network: `edgerun-network --no-demo` (validator with the
// program, storage gateway, scheduler, three staked workers, crank) on free loopback ports, state
// in a temporary folder, every process stopped at the end. A customer builds and stores a bundle,
// posts a job through the scheduler's API (checking the answered transaction) and follows it by
// server-sent events, posts another straight on chain and follows it by polling, downloads and
// verifies both outputs, reads both jobs' and their workers' accounts with the generated decoders
// and checks them against the API's views; refusals come back with their codes.
//
// The binaries come from `cargo build` (the workspace's target/debug, or EDGERUN_BIN_DIR), the
// program from target/deploy/edgerun.so and the guest from target/guests (scripts/test.sh builds
// all three before this runs).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { createKeyPairSignerFromBytes, createSolanaRpc, createSolanaRpcSubscriptions, type Address, type KeyPairSigner } from '@solana/kit';

import {
    EDGERUN_RUNTIME_ID,
    EdgerunClientError,
    JobStatus,
    SchedulerClient,
    StorageClient,
    WorkerStatus,
    contentHash,
    encodeBundle,
    fetchJobAccount,
    fetchWorkerRecord,
    jobStatus,
    postJobOnChain,
    toHex,
    workerStatus,
    type JobView,
} from '../src';

const repo = resolve(__dirname, '../../../..');
const binDir = process.env.EDGERUN_BIN_DIR ?? join(repo, 'target/debug');
const START_TIMEOUT_MS = 240_000;
const JOB_TIMEOUT_MS = 180_000;
const ESCROW = 50_000_000n;
const INPUT = JSON.stringify({
    document: { user: 'ada', email: 'ada@example.com', password: 'hunter2', orders: [{ id: 2 }, { id: 1 }] },
    redact: ['email', 'password'],
});

interface Summary {
    rpc_url: string;
    ws_url: string;
    storage_url: string;
    api_url: string;
    customer_keypair: string;
    logs: string;
    processes: [string, number][];
}

async function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => resolvePort(port));
        });
    });
}

function alive(pid: number): boolean {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\s*Z/.test(stat.slice(stat.lastIndexOf(')') + 1));
    } catch {
        return false;
    }
}

const sleep = (ms: number) => new Promise(done => setTimeout(done, ms));

describe('the client on a local network', { timeout: 900_000 }, () => {
    const state = mkdtempSync(join(tmpdir(), 'edgerun-js-'));
    let launcher: ChildProcess | undefined;
    let summary: Summary;
    let customer: KeyPairSigner;
    let storage: StorageClient;
    let api: SchedulerClient;
    let rpc: ReturnType<typeof createSolanaRpc>;
    let bundle: Uint8Array;
    const finished: JobView[] = [];

    before(async () => {
        for (const file of [join(binDir, 'edgerun-network'), join(repo, 'target/deploy/edgerun.so'), join(repo, 'target/guests/json_redact.wasm')]) {
            assert.ok(existsSync(file), `${file} is missing: build the workspace, the program and the guests first (scripts/test.sh)`);
        }
        const ports = [];
        for (let i = 0; i < 4; i++) ports.push(String(await freePort()));
        const [rpcPort, wsPort, storagePort, apiPort] = ports as [string, string, string, string];
        launcher = spawn(
            join(binDir, 'edgerun-network'),
            [
                '--no-demo',
                '--state-dir', state,
                '--program', join(repo, 'target/deploy/edgerun.so'),
                '--demo-wasm', join(repo, 'target/guests/json_redact.wasm'),
                '--rpc-port', rpcPort,
                '--ws-port', wsPort,
                '--storage-port', storagePort,
                '--api-port', apiPort,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        launcher.stderr!.pipe(createWriteStream(join(state, 'launcher.log')));
        const lines = createInterface({ input: launcher.stdout! });
        summary = await new Promise<Summary>((resolveSummary, reject) => {
            let text = '';
            const timer = setTimeout(() => reject(new Error(`the network did not start in ${START_TIMEOUT_MS} ms; see ${state}`)), START_TIMEOUT_MS);
            launcher!.once('exit', code => reject(new Error(`edgerun-network exited (${code}) before its summary; see ${state}/launcher.log`)));
            lines.on('line', line => {
                text += `${line}\n`;
                if (line.startsWith('}')) {
                    clearTimeout(timer);
                    resolveSummary((JSON.parse(text) as { network: Summary }).network);
                }
            });
        });
        // Keep draining stdout so the launcher never blocks on a full pipe.
        lines.on('line', () => {});
        customer = await createKeyPairSignerFromBytes(Uint8Array.from(JSON.parse(readFileSync(summary.customer_keypair, 'utf8')) as number[]));
        storage = new StorageClient(summary.storage_url);
        api = new SchedulerClient(summary.api_url);
        rpc = createSolanaRpc(summary.rpc_url);
        bundle = encodeBundle({
            runtimeId: EDGERUN_RUNTIME_ID,
            wasm: readFileSync(join(repo, 'target/guests/json_redact.wasm')),
            input: new TextEncoder().encode(INPUT),
            limits: { maxMemoryBytes: 64n << 20n, maxInstructions: 200_000_000n },
            meta: new TextEncoder().encode('@edgerun/client test'),
            args: [],
        });
        // The scheduler answers once it has read the chain and sees the workers.
        const deadline = Date.now() + 60_000;
        while ((await api.listWorkers().catch(() => undefined))?.eligible !== 3) {
            assert.ok(Date.now() < deadline, 'the scheduler never listed three eligible workers');
            await sleep(500);
        }
    });

    after(async () => {
        if (launcher?.pid !== undefined && launcher.exitCode === null) {
            const exited = new Promise(done => launcher!.once('exit', done));
            launcher.kill('SIGTERM');
            await Promise.race([exited, sleep(30_000)]);
            if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
        }
        // Its children stop with it; none may outlive it.
        const pids = summary?.processes ?? [];
        const deadline = Date.now() + 30_000;
        for (const [name, pid] of pids) {
            while (alive(pid) && Date.now() < deadline) await sleep(100);
            if (alive(pid)) {
                process.kill(pid, 'SIGKILL');
                assert.fail(`${name} (pid ${pid}) outlived the launcher`);
            }
        }
        rmSync(state, { recursive: true, force: true });
    });

    async function verifiedOutput(view: JobView): Promise<string> {
        assert.equal(view.status, 'finalized', `job ${view.job_id}: ${view.next}`);
        assert.ok(view.winning_output_hash !== null);
        const bytes = await storage.getOutput(view.winning_output_hash);
        assert.equal(toHex(contentHash(bytes)), view.winning_output_hash);
        const text = new TextDecoder().decode(bytes);
        assert.ok(!text.includes('ada@example.com') && !text.includes('hunter2'), `not redacted: ${text}`);
        assert.ok(text.includes('ada'), text);
        // The chain's account says the same as the view.
        const job = await fetchJobAccount(rpc, view.job_id);
        assert.equal(jobStatus(job), JobStatus.Finalized);
        assert.equal(toHex(new Uint8Array(job.winningOutputHash)), view.winning_output_hash);
        assert.equal(job.client, customer.address);
        assert.equal(job.postedEscrowLamports, ESCROW);
        assert.equal(toHex(new Uint8Array(job.bundleHash)), toHex(contentHash(bundle)));
        finished.push(view);
        return text;
    }

    test('stores a signed bundle, posts through the API, follows it by events and verifies the output', async () => {
        const put = await storage.putBundle(bundle, customer);
        assert.equal(put.hash, toHex(contentHash(bundle)));
        assert.deepEqual(await storage.getBundle(put.hash), new Uint8Array(bundle));

        const posted = await api.postJob(customer, { bundle, escrowLamports: ESCROW, stored: true });
        assert.equal(posted.bundleHash, put.hash);
        const seen: string[] = [];
        const view = await api.followJob(posted.jobId, { onView: next => seen.push(next.status), timeoutMs: JOB_TIMEOUT_MS });
        assert.equal(seen.at(-1), 'finalized');
        assert.ok(view.payout !== null && view.payout.winners.length >= view.quorum, JSON.stringify(view.payout));
        const output = await verifiedOutput(view);
        const relayed = new TextDecoder().decode(await api.getJobOutput(posted.jobId, view.winning_output_hash!));
        assert.equal(relayed, output);
    });

    test('posts straight on chain, follows it by polling, and gets the same output', async () => {
        const posted = await postJobOnChain(rpc, createSolanaRpcSubscriptions(summary.ws_url), customer, { bundle, escrowLamports: ESCROW });
        const view = await api.waitForJob(posted.jobId, { intervalMs: 500, timeoutMs: JOB_TIMEOUT_MS });
        assert.equal(view.job, posted.job);
        await verifiedOutput(view);
        // The same bundle is deterministic: one output for both jobs.
        assert.equal(view.winning_output_hash, finished[0]?.winning_output_hash);
    });

    test('reads the workers\' records from the chain as the API reports them, and lists the jobs', async () => {
        assert.equal(finished.length, 2, 'both jobs finished');
        const members = new Set(finished.flatMap(view => view.payout!.winners));
        for (const worker of members) {
            const stake = await fetchWorkerRecord(rpc, worker as Address);
            assert.equal(workerStatus(stake), WorkerStatus.Active);
            assert.equal(stake.worker, worker);
            assert.ok(stake.jobsWon >= 1n && stake.rewardsEarned > 0n);
            // The scheduler's index follows the chain: it agrees within a few seconds.
            const deadline = Date.now() + 15_000;
            for (;;) {
                const [row, current] = await Promise.all([api.getWorker(worker as Address), fetchWorkerRecord(rpc, worker as Address)]);
                if (BigInt(row.total_stake_lamports) === current.totalStake && BigInt(row.jobs_won) === current.jobsWon) break;
                assert.ok(Date.now() < deadline, `the API's record of ${worker} never matched the chain's`);
                await sleep(250);
            }
        }
        await assert.rejects(fetchWorkerRecord(rpc, customer.address), { code: 'worker_not_found' });
        // The customer's jobs, newest first, as the API lists them.
        const listed = await api.listJobs({ client: customer.address, status: 'finalized' });
        assert.deepEqual(listed.jobs.map(row => row.job_id), finished.map(view => view.job_id).reverse());
        assert.ok(listed.jobs.every(row => row.client === customer.address && BigInt(row.posted_escrow_lamports) === ESCROW));
    });

    test('refusals come back with their codes, and a tampered transaction is never signed', async () => {
        await assert.rejects(api.postJob(customer, { bundle, escrowLamports: 1n }), (error: EdgerunClientError) => {
            assert.equal(error.code, 'escrow_below_minimum');
            assert.equal(error.status, 422);
            return true;
        });
        await assert.rejects(postJobOnChain(rpc, createSolanaRpcSubscriptions(summary.ws_url), customer, { bundle, escrowLamports: 1n }), {
            code: 'escrow_below_minimum',
        });
        await assert.rejects(api.getJob('not-a-job'), { code: 'invalid_job_id', status: 400 });
        await assert.rejects(storage.getOutput('00'.repeat(32)), { status: 404 });
        await assert.rejects(fetchJobAccount(rpc, '00'.repeat(32)), { code: 'job_not_found' });

        // A scheduler that answers another job's transaction (one more lamport of escrow) than the
        // one asked for, or a runtime proof its transaction does not carry: the client refuses to
        // sign it.
        const lyingScheduler = async (escrowAdded: number, runtimeProof: string[] | undefined) => {
            const proxy = createHttpServer(async (request, response) => {
                const chunks: Buffer[] = [];
                for await (const chunk of request) chunks.push(chunk as Buffer);
                const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { escrow_lamports: number };
                body.escrow_lamports += escrowAdded;
                const answer = await fetch(`${summary.api_url}${request.url}`, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify(body),
                });
                // Edited as text: the nonce is above 2^53, which a JSON round trip would change.
                let text = await answer.text();
                if (runtimeProof !== undefined) {
                    const edited = text.replace('"runtime_proof":[]', `"runtime_proof":${JSON.stringify(runtimeProof)}`);
                    assert.notEqual(edited, text, 'the answer names its (empty) runtime proof');
                    text = edited;
                }
                response.writeHead(answer.status, { 'content-type': 'application/json' });
                response.end(text);
            });
            await new Promise<void>(listening => proxy.listen(0, '127.0.0.1', listening));
            try {
                const lying = new SchedulerClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
                await assert.rejects(lying.postJob(customer, { bundle, escrowLamports: ESCROW, stored: true }), {
                    code: 'unexpected_transaction',
                });
            } finally {
                await new Promise(closed => proxy.close(closed));
            }
        };
        await lyingScheduler(1, undefined);
        await lyingScheduler(0, ['00'.repeat(32)]);
        await lyingScheduler(0, ['not hex']);
    });
});
