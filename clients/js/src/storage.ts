/**
 * The storage gateway's HTTP API (`storage-gateway/src/routes.rs`): content-addressed objects
 * under `/bundle/{blake3}` and `/output/{blake3}`. Writes may be signed (`sdk::storage_auth`): a
 * gateway under the `chain` or `allowlist` policy accepts only signed writes, and one under the
 * `open` policy (local networks) still checks a signature that is sent. Every read is checked
 * against the hash that names it.
 */
import { getAddressEncoder, signBytes, type KeyPairSigner } from '@solana/kit';

import { contentHash } from './bundle';
import { EdgerunClientError, refusal } from './errors';
import { equalBytes, fromHex, toHex } from './hex';

export type ObjectKind = 'bundle' | 'output';

/** The gateway's answer to a write. */
export interface PutResponse {
    kind: ObjectKind;
    /** The object's BLAKE3 hash, hex. */
    hash: string;
    size: number;
    /** False when the object was already stored. */
    created: boolean;
}

/** The fields a storage write signature covers. */
export interface StorageWrite {
    /** The writer's Ed25519 public key. */
    pubkey: Uint8Array;
    /** Unix seconds. */
    timestamp: bigint;
    method: string;
    /** The request path, e.g. `/bundle/<hash>`. */
    path: string;
    contentHash: Uint8Array;
    /** The job a write is made for (a worker's output): a different signing domain. */
    jobId?: Uint8Array;
}

/**
 * The exact text signed for a storage write (`sdk::storage_auth::canonical_message_for`): lines
 * joined by `\n`, no trailing newline; `edgerun-storage-write-v1` without a job, `-v2` with one
 * (the job id hex a seventh line).
 */
export function storageWriteMessage(write: StorageWrite): string {
    const common = [toHex(write.pubkey), write.timestamp.toString(), write.method.toUpperCase(), write.path, toHex(write.contentHash)];
    return write.jobId === undefined
        ? ['edgerun-storage-write-v1', ...common].join('\n')
        : ['edgerun-storage-write-v2', ...common, toHex(write.jobId)].join('\n');
}

export interface StorageClientOptions {
    /** Per request (default 60 s). */
    timeoutMs?: number;
    /** Largest object read (default 64 MiB). */
    maxDownloadBytes?: number;
}

export class StorageClient {
    readonly baseUrl: string;
    private readonly timeoutMs: number;
    private readonly maxDownloadBytes: number;

    constructor(baseUrl: string, options: StorageClientOptions = {}) {
        this.baseUrl = baseUrl.replace(/\/+$/, '');
        this.timeoutMs = options.timeoutMs ?? 60_000;
        this.maxDownloadBytes = options.maxDownloadBytes ?? 64 * 1024 * 1024;
    }

    /** Stores a bundle under its hash; signed by `signer` when given. */
    putBundle(bytes: Uint8Array, signer?: KeyPairSigner): Promise<PutResponse> {
        return this.put('bundle', bytes, signer);
    }

    /** Stores an output under its hash; signed by `signer` (a committee member) for `jobId`. */
    putOutput(bytes: Uint8Array, signer: KeyPairSigner, jobId: Uint8Array): Promise<PutResponse> {
        return this.put('output', bytes, signer, jobId);
    }

    /** The bundle named `hash` (hex), checked against it. */
    getBundle(hash: string): Promise<Uint8Array> {
        return this.get('bundle', hash);
    }

    /** The output named `hash` (hex), checked against it: the bytes the committee agreed on. */
    getOutput(hash: string): Promise<Uint8Array> {
        return this.get('output', hash);
    }

    private async put(kind: ObjectKind, bytes: Uint8Array, signer?: KeyPairSigner, jobId?: Uint8Array): Promise<PutResponse> {
        const hash = contentHash(bytes);
        const path = `/${kind}/${toHex(hash)}`;
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (signer !== undefined) {
            const pubkey = new Uint8Array(getAddressEncoder().encode(signer.address));
            const timestamp = BigInt(Math.floor(Date.now() / 1000));
            const write: StorageWrite = { pubkey, timestamp, method: 'PUT', path, contentHash: hash, ...(jobId ? { jobId } : {}) };
            const signature = await signBytes(signer.keyPair.privateKey, new TextEncoder().encode(storageWriteMessage(write)));
            headers['x-edgerun-pubkey'] = toHex(pubkey);
            headers['x-edgerun-timestamp'] = timestamp.toString();
            headers['x-edgerun-content-hash'] = toHex(hash);
            headers['x-edgerun-signature'] = toHex(signature);
            if (jobId !== undefined) headers['x-edgerun-job-id'] = toHex(jobId);
        }
        const response = await this.fetch(path, { method: 'PUT', headers, body: new Uint8Array(bytes) as Uint8Array<ArrayBuffer> });
        if (!response.ok) throw await refusal(response, `PUT ${path}`);
        const answer = (await response.json()) as PutResponse;
        if (answer.hash !== toHex(hash)) {
            throw new EdgerunClientError('hash_mismatch', `the gateway stored ${path} as ${answer.hash}`);
        }
        return answer;
    }

    private async get(kind: ObjectKind, hash: string): Promise<Uint8Array> {
        const expected = fromHex(hash, 32);
        const path = `/${kind}/${toHex(expected)}`;
        const response = await this.fetch(path, { method: 'GET' });
        if (!response.ok) throw await refusal(response, `GET ${path}`);
        const length = Number(response.headers.get('content-length') ?? '0');
        if (length > this.maxDownloadBytes) {
            await response.body?.cancel();
            throw new EdgerunClientError('too_large', `${path} is ${length} bytes, above the ${this.maxDownloadBytes} byte limit`);
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (!equalBytes(contentHash(bytes), expected)) {
            throw new EdgerunClientError('hash_mismatch', `the gateway's ${path} does not hash to its name`);
        }
        return bytes;
    }

    private async fetch(path: string, init: RequestInit): Promise<Response> {
        try {
            return await fetch(this.baseUrl + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
        } catch (error) {
            throw new EdgerunClientError('unreachable', `${init.method} ${this.baseUrl}${path}: ${String(error)}`, { cause: error });
        }
    }
}
