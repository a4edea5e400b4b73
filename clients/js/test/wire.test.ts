// The API's wire details the network test cannot reach on purpose: u64 integers above 2^53 both
// ways, and server-sent events split anywhere across chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseWithIntegers, serverSentEvents, stringifyWithIntegers } from '../src';

test('u64 integers travel exactly, above 2^53 too', () => {
    const nonce = 1_733_000_000_123_456_789n;
    const text = stringifyWithIntegers({ client: 'x', escrow_lamports: 50_000_000n, nonce, note: 'bigint:1' });
    assert.equal(text, '{"client":"x","escrow_lamports":50000000,"nonce":1733000000123456789,"note":"bigint:1"}');
    const parsed = parseWithIntegers(`{"job_id":"ab","nonce": ${nonce},"escrow_lamports":5,"slot":12,"created":true}`, [
        'nonce',
        'escrow_lamports',
    ]);
    assert.deepEqual(parsed, { job_id: 'ab', nonce, escrow_lamports: 5n, slot: 12, created: true });
    // A string that looks like a field is left alone.
    assert.deepEqual(parseWithIntegers('{"next":"\\"nonce\\":1","nonce":2}', ['nonce']), { next: '"nonce":1', nonce: 2n });
});

test('server-sent events are read whatever the chunking', async () => {
    const stream = 'event: job\ndata: {"a":1}\n\n: keep-alive\n\nevent: job\r\ndata: {"b":\ndata: 2}\r\n\r\nevent: closed\ndata: ff\n\n';
    for (const size of [1, 3, 7, stream.length]) {
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < stream.length; at += size) chunks.push(new TextEncoder().encode(stream.slice(at, at + size)));
        const body = new ReadableStream<Uint8Array>({
            start(controller) {
                for (const chunk of chunks) controller.enqueue(chunk);
                controller.close();
            },
        });
        const events = [];
        for await (const event of serverSentEvents(body)) events.push(event);
        assert.deepEqual(events, [
            { event: 'job', data: '{"a":1}' },
            { event: 'job', data: '{"b":\n2}' },
            { event: 'closed', data: 'ff' },
        ], `chunks of ${size}`);
    }
});
