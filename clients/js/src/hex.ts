import { EdgerunClientError } from './errors';

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
    let text = '';
    for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
    return text;
}

/** The bytes `text` spells in hex; `length` bytes when given. Refuses anything else. */
export function fromHex(text: string, length?: number): Uint8Array {
    if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text) || (length !== undefined && text.length !== 2 * length)) {
        const expected = length === undefined ? 'hex' : `${2 * length} hex digits`;
        throw new EdgerunClientError('invalid_hex', `${JSON.stringify(text.slice(0, 80))} is not ${expected}`);
    }
    const bytes = new Uint8Array(text.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return bytes;
}

/** Whether `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
