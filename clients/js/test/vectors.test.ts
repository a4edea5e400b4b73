// The hand-written layer against the Rust sdk's own answers (test/fixtures/vectors.json, written
// and checked by tests/tests/js_client_vectors.rs): bundle bytes and hashes, the job id, PDAs, the
// post_job instruction built with the generated builder, storage write signatures, runtime ids;
// and the strict bundle decoder's refusals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';

import {
    AccountRole,
    address,
    createKeyPairSignerFromPrivateKeyBytes,
    getAddressDecoder,
    signBytes,
} from '@solana/kit';

import {
    BUNDLE_VERSION_ARGS,
    EDGERUN_PROGRAM_ADDRESS,
    EDGERUN_RUNTIME_ID_HEX,
    JobStatus,
    SchedulerClient,
    MAX_ARGS,
    MAX_ARGS_BYTES,
    WASI_RUNTIME_ID_HEX,
    WorkerStatus,
    contentHash,
    decodeBundle,
    encodeBundle,
    findConfigPda,
    findJobPda,
    findJobResultPda,
    findOutputPda,
    findTreasuryPda,
    findWorkerStakePda,
    fromHex,
    getGlobalConfigSize,
    getJobDecoder,
    getJobResultSize,
    getJobSize,
    getOutputAvailabilitySize,
    getTreasurySize,
    getWorkerStakeSize,
    jobAddressOf,
    jobId,
    jobStatus,
    jobStatusLabel,
    postJobArgs,
    postJobInstruction,
    storageWriteMessage,
    signWebhookDelivery,
    toHex,
    verifyWebhookDelivery,
    webhookRegistrationMessage,
    workerStatus,
    type Bundle,
} from '../src';

interface BundleVector {
    runtime_id: string;
    wasm: string;
    input: string;
    max_memory_bytes: string;
    max_instructions: string;
    meta: string | null;
    args: string[];
    encoded: string;
    hash: string;
}

const vectors = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/vectors.json'), 'utf8')) as {
    program_id: string;
    runtime_ids: { edgerun: string; wasi: string };
    bundles: BundleVector[];
    post_job: Record<string, string> & { accounts: { address: string; signer: boolean; writable: boolean }[] };
    pdas: Record<string, string>;
    account_sizes: Record<string, number>;
    storage_write: Record<string, string>;
    webhook: Record<string, string> & { timestamp: number };
};

function bundleOf(vector: BundleVector): Bundle {
    return {
        runtimeId: fromHex(vector.runtime_id, 32),
        wasm: fromHex(vector.wasm),
        input: fromHex(vector.input),
        limits: { maxMemoryBytes: BigInt(vector.max_memory_bytes), maxInstructions: BigInt(vector.max_instructions) },
        meta: vector.meta === null ? null : fromHex(vector.meta),
        args: vector.args,
    };
}

test('the program id and runtime ids are the sdk\'s', () => {
    assert.equal(EDGERUN_PROGRAM_ADDRESS, vectors.program_id);
    assert.equal(EDGERUN_RUNTIME_ID_HEX, vectors.runtime_ids.edgerun);
    assert.equal(WASI_RUNTIME_ID_HEX, vectors.runtime_ids.wasi);
});

test('bundles encode to the sdk\'s bytes and hash, and decode back', () => {
    assert.ok(vectors.bundles.some(vector => vector.args.length > 0), 'a version-2 vector');
    for (const vector of vectors.bundles) {
        const encoded = encodeBundle(bundleOf(vector));
        assert.equal(toHex(encoded), vector.encoded);
        assert.equal(toHex(contentHash(encoded)), vector.hash);
        assert.deepEqual(decodeBundle(encoded), bundleOf(vector));
    }
});

test('the decoder refuses every non-canonical or damaged bundle', () => {
    const [v1, v2] = vectors.bundles.map(vector => fromHex(vector.encoded));
    assert.ok(v1 && v2);
    const refuses = (bytes: Uint8Array, pattern: RegExp) =>
        assert.throws(() => decodeBundle(bytes), (error: Error & { code?: string }) => error.code === 'invalid_bundle' && pattern.test(error.message));
    for (const bytes of [v1, v2]) {
        for (let cut = 0; cut < bytes.length; cut++) refuses(bytes.subarray(0, cut), /empty|truncated|not canonical|arguments/);
        refuses(Uint8Array.of(...bytes, 0), /1 trailing bytes/);
    }
    refuses(Uint8Array.of(3, ...v1.subarray(1)), /unsupported bundle version 3/);
    // Version 2 without arguments is a second spelling of a version-1 bundle.
    refuses(Uint8Array.of(BUNDLE_VERSION_ARGS, ...v1.subarray(1), 0, 0, 0, 0), /not canonical/);
    // A bad option tag: the first vector has meta; the WASI one has none, its tag byte sits before the args.
    const noMeta = encodeBundle({ ...bundleOf(vectors.bundles[0]!), meta: null });
    refuses(Uint8Array.of(...noMeta.subarray(0, -1), 2), /invalid meta option tag 2/);
    // Not UTF-8, and a NUL byte, in the last argument.
    const last = v2.length - 1;
    refuses(Uint8Array.from(v2, (byte, i) => (i === last ? 0xff : byte)), /argument 2 is not UTF-8/);
    refuses(Uint8Array.from(v2, (byte, i) => (i === last ? 0 : byte)), /argument 2 is not UTF-8/);
    // A hostile length is refused before anything is copied.
    refuses(Uint8Array.of(1, ...new Uint8Array(32), 0xff, 0xff, 0xff, 0xff), /wasm is 4294967295 bytes, above/);
});

test('the encoder refuses what the sdk refuses', () => {
    const base = bundleOf(vectors.bundles[0]!);
    assert.throws(() => encodeBundle({ ...base, args: ['a\0b'] }), /argument 0 is not UTF-8 text without NUL/);
    assert.throws(() => encodeBundle({ ...base, args: new Array<string>(MAX_ARGS + 1).fill('') }), /arguments of 0 bytes, above/);
    assert.throws(() => encodeBundle({ ...base, args: ['x'.repeat(MAX_ARGS_BYTES + 1)] }), /above the limit/);
    assert.throws(() => encodeBundle({ ...base, meta: new Uint8Array(64 * 1024 + 1) }), /meta is 65537 bytes/);
    assert.throws(() => encodeBundle({ ...base, limits: { ...base.limits, maxInstructions: 1n << 64n } }), /not a u64/);
});

test('the job id, its PDAs and the post_job instruction are the sdk\'s', async () => {
    const vector = vectors.post_job;
    const customer = await createKeyPairSignerFromPrivateKeyBytes(fromHex(vector.customer_secret_seed!, 32));
    assert.equal(customer.address, vector.customer);
    const terms = {
        customer: customer.address,
        bundleHash: fromHex(vector.bundle_hash!, 32),
        runtimeId: fromHex(vector.runtime_id!, 32),
        limits: { maxMemoryBytes: BigInt(vector.max_memory_bytes!), maxInstructions: BigInt(vector.max_instructions!) },
        escrowLamports: BigInt(vector.escrow_lamports!),
        nonce: BigInt(vector.nonce!),
    };
    assert.equal(toHex(jobId(terms.customer, terms.bundleHash, terms.nonce)), vector.job_id);
    const args = postJobArgs(terms);
    const id = new Uint8Array(args.jobId);
    assert.equal(await findJobPda(id), vector.job);
    assert.equal(await jobAddressOf(vector.job_id!), vector.job);
    assert.equal(await jobAddressOf(vector.job!), vector.job);
    await assert.rejects(jobAddressOf('abc'), { code: 'invalid_job_reference' });

    const instruction = await postJobInstruction(customer, args);
    assert.equal(instruction.programAddress, EDGERUN_PROGRAM_ADDRESS);
    assert.equal(toHex(new Uint8Array(instruction.data)), vector.instruction_data);
    const roles = vector.accounts.map(({ address: key, signer, writable }) => ({
        address: key,
        role: signer ? (writable ? AccountRole.WRITABLE_SIGNER : AccountRole.READONLY_SIGNER) : writable ? AccountRole.WRITABLE : AccountRole.READONLY,
    }));
    assert.deepEqual(instruction.accounts.map(({ address: key, role }) => ({ address: key, role })), roles);

    const pdas = vectors.pdas;
    const worker = address(pdas.worker!);
    assert.equal((await findConfigPda())[0], pdas.config);
    assert.equal((await findTreasuryPda())[0], pdas.treasury);
    assert.equal((await findWorkerStakePda({ worker }))[0], pdas.worker_stake);
    assert.equal(await findJobResultPda(id, worker), pdas.job_result);
    assert.equal(await findOutputPda(id), pdas.output);
});

test('a storage write is signed over the sdk\'s canonical message, with the same signature', async () => {
    const vector = vectors.storage_write;
    const write = {
        pubkey: fromHex(vector.pubkey!, 32),
        timestamp: BigInt(vector.timestamp!),
        method: vector.method!,
        path: vector.path!,
        contentHash: fromHex(vector.content_hash!, 32),
    };
    const message = storageWriteMessage(write);
    assert.equal(message, vector.message);
    const signer = await createKeyPairSignerFromPrivateKeyBytes(fromHex(vectors.post_job.customer_secret_seed!, 32));
    assert.equal(getAddressDecoder().decode(write.pubkey), signer.address);
    // Ed25519 is deterministic: the same key and message give the sdk's very signature.
    const signature = await signBytes(signer.keyPair.privateKey, new TextEncoder().encode(message));
    assert.equal(toHex(signature), vector.signature);
    assert.match(storageWriteMessage({ ...write, jobId: new Uint8Array(32) }), /^edgerun-storage-write-v2\n[^]*\n0{64}$/);
});

test('the statuses the accounts store as one byte have names', () => {
    const job = getJobDecoder().decode(new Uint8Array(getJobSize()));
    assert.equal(jobStatus(job), JobStatus.Posted);
    assert.equal(jobStatus({ status: 5 }), JobStatus.Finalized);
    assert.equal(jobStatusLabel(JobStatus.AwaitingDa), 'awaiting_da');
    assert.equal(jobStatusLabel(JobStatus.QuorumReached), 'quorum_reached');
    assert.throws(() => jobStatus({ status: 8 }), { code: 'invalid_job_status' });
    assert.equal(workerStatus({ status: 0 }), WorkerStatus.Active);
    assert.equal(workerStatus({ status: 1 }), WorkerStatus.Jailed);
    assert.throws(() => workerStatus({ status: 2 }), { code: 'invalid_worker_status' });
});

test('the generated decoders read accounts of the program\'s sizes', () => {
    assert.deepEqual(
        {
            global_config: getGlobalConfigSize(),
            job: getJobSize(),
            job_result: getJobResultSize(),
            output_availability: getOutputAvailabilitySize(),
            treasury: getTreasurySize(),
            worker_stake: getWorkerStakeSize(),
        },
        vectors.account_sizes,
    );
});

test('a webhook registration is signed like the sdk signs it, and sent as the API asks', async () => {
    const vector = vectors.webhook;
    assert.equal(vector.job_id, vectors.post_job.job_id);
    const message = webhookRegistrationMessage(vector.job_id!, vector.url!);
    assert.equal(new TextDecoder().decode(message), vector.registration_message);
    const customer = await createKeyPairSignerFromPrivateKeyBytes(fromHex(vectors.post_job.customer_secret_seed!, 32));
    // A stand-in scheduler that records the request and answers a registration.
    let received: { method?: string; url?: string; body?: unknown } = {};
    const server = createServer((request, response) => {
        let body = '';
        request.on('data', chunk => (body += chunk));
        request.on('end', () => {
            received = { method: request.method, url: request.url, body: JSON.parse(body) };
            response.writeHead(201, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ id: `wh_${'1'.repeat(32)}`, job_id: vector.job_id, url: vector.url, secret: vector.secret, stage: 'posted' }));
        });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
        const { port } = server.address() as AddressInfo;
        const created = await new SchedulerClient(`http://127.0.0.1:${port}`).registerWebhook(vector.job_id!, vector.url!, customer);
        assert.equal(created.secret, vector.secret);
        assert.equal(received.method, 'POST');
        assert.equal(received.url, `/v1/jobs/${vector.job_id}/webhooks`);
        // Ed25519 is deterministic: the sdk's very signature, base58 as the API takes it.
        assert.deepEqual(received.body, { url: vector.url, signature: vector.registration_signature });
    } finally {
        server.close();
    }
});

test('a webhook delivery is signed like the scheduler signs it; a receiver refuses anything else', () => {
    const vector = vectors.webhook;
    const body = new TextEncoder().encode(vector.body);
    const timestamp = vector.timestamp;
    assert.equal(signWebhookDelivery(vector.secret!, timestamp, body), vector.signature_header);
    const check = (overrides: { secret?: string; stamp?: string; header?: string; body?: Uint8Array; now?: number }) =>
        verifyWebhookDelivery(
            overrides.secret ?? vector.secret!,
            overrides.stamp ?? String(timestamp),
            overrides.header ?? vector.signature_header!,
            overrides.body ?? body,
            overrides.now ?? timestamp + 10,
        );
    assert.equal(check({}), null);
    assert.equal(check({ body: new TextEncoder().encode(vector.body!.replace('finalized', 'cancelled')) }), 'mismatch');
    assert.equal(check({ secret: '00'.repeat(32) }), 'mismatch');
    assert.equal(check({ stamp: String(timestamp + 1) }), 'mismatch');
    assert.equal(check({ now: timestamp + 301 }), 'stale', 'a replay five minutes later');
    assert.equal(check({ stamp: 'soon' }), 'bad_timestamp');
    assert.equal(check({ header: 'sha=abc' }), 'bad_signature_header');
    // Several signatures (a secret being rotated): one that matches is enough.
    assert.equal(check({ header: `v1=${'0'.repeat(64)},${vector.signature_header}` }), null);
});
