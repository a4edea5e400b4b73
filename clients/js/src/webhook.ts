/**
 * Webhooks (`sdk/src/webhook.rs`, `docs/webhooks.md`): a job's customer registers a URL, signing
 * `"edgerun-webhook-v1\n" + job id (hex) + "\n" + url` with its key; the scheduler then POSTs
 * each stage change there, signed `Edgerun-Signature: v1=<hex HMAC-SHA256(secret,
 * "{timestamp}.{body}")>` with the secret it answered once, at registration. A receiver checks
 * the signature and refuses old timestamps (replays) with `verifyWebhookDelivery`.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { fromHex, toHex } from './hex';

/** What a registration signs first: keeps the customer's signature from meaning anything else. */
export const WEBHOOK_REGISTRATION_DOMAIN = 'edgerun-webhook-v1';
/** How old a delivery's timestamp a receiver accepts by default (5 minutes). */
export const WEBHOOK_DEFAULT_TOLERANCE_SECS = 300;
/** The headers of a delivery (lower case, as `Headers` gives them). */
export const WEBHOOK_HEADERS = {
    signature: 'edgerun-signature',
    timestamp: 'edgerun-timestamp',
    webhookId: 'edgerun-webhook-id',
    deliveryId: 'edgerun-delivery-id',
} as const;

/** `POST /v1/jobs/{id}/webhooks` answer: keep `secret`, it is shown once. */
export interface WebhookCreated {
    /** `wh_` + 32 hex digits; every delivery carries it in `Edgerun-Webhook-Id`. */
    id: string;
    job_id: string;
    url: string;
    /** The HMAC-SHA256 key of this registration's deliveries (64 hex digits). */
    secret: string;
    /** The job's stage now; it is the first delivery. */
    stage: string;
}

/** The body of a delivery: one stage change of one job. */
export interface WebhookEvent {
    /** Always `job.stage`. */
    type: string;
    delivery_id: string;
    webhook_id: string;
    job_id: string;
    job: string;
    /** `posted`, `seeded`, `assigned`, `awaiting_da`, `finalized`, `cancelled`, or `closed`. */
    stage: string;
    previous_stage: string | null;
    slot: number;
}

/** The bytes a customer signs to register `url` for the job `jobIdHex` (64 hex digits). */
export function webhookRegistrationMessage(jobIdHex: string, url: string): Uint8Array {
    return new TextEncoder().encode(`${WEBHOOK_REGISTRATION_DOMAIN}\n${toHex(fromHex(jobIdHex))}\n${url}`);
}

/** The `Edgerun-Signature` header of `body` sent at `timestamp` (Unix seconds) under `secretHex`. */
export function signWebhookDelivery(secretHex: string, timestamp: number, body: Uint8Array): string {
    return `v1=${toHex(deliveryMac(fromHex(secretHex), timestamp, body))}`;
}

/** Why a delivery was refused. */
export type WebhookRefusal = 'bad_timestamp' | 'stale' | 'bad_signature_header' | 'mismatch';

/**
 * Checks a delivery as a receiver should: the timestamp within `toleranceSecs` of `nowSecs`, and
 * one of the header's `v1=` signatures the MAC of exactly `body` (the raw bytes received, before
 * any JSON parsing), compared in constant time. `null` when it is genuine.
 */
export function verifyWebhookDelivery(
    secretHex: string,
    timestampHeader: string,
    signatureHeader: string,
    body: Uint8Array,
    nowSecs: number = Math.floor(Date.now() / 1000),
    toleranceSecs: number = WEBHOOK_DEFAULT_TOLERANCE_SECS,
): WebhookRefusal | null {
    const trimmed = timestampHeader.trim();
    if (!/^-?\d{1,18}$/.test(trimmed)) return 'bad_timestamp';
    const timestamp = Number(trimmed);
    if (Math.abs(nowSecs - timestamp) > toleranceSecs) return 'stale';
    const expected = deliveryMac(fromHex(secretHex), timestamp, body);
    let found = false;
    for (const part of signatureHeader.split(',')) {
        const candidate = part.trim();
        if (!candidate.startsWith('v1=') || !/^[0-9a-fA-F]{64}$/.test(candidate.slice(3))) continue;
        found = true;
        if (constantTimeEqual(fromHex(candidate.slice(3).toLowerCase()), expected)) return null;
    }
    return found ? 'mismatch' : 'bad_signature_header';
}

function deliveryMac(secret: Uint8Array, timestamp: number, body: Uint8Array): Uint8Array {
    const prefix = new TextEncoder().encode(`${timestamp}.`);
    const message = new Uint8Array(prefix.length + body.length);
    message.set(prefix);
    message.set(body, prefix.length);
    return hmac(sha256, secret, message);
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let difference = 0;
    a.forEach((byte, i) => {
        difference |= byte ^ (b[i] ?? 0);
    });
    return difference === 0;
}
