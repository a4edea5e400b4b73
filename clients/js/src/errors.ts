/**
 * Every failure of the hand-written layer is an `EdgerunClientError` with a stable `code`: the
 * API's or the gateway's JSON `code` when a service refused (with its HTTP `status`), else the
 * layer's own (`invalid_bundle`, `hash_mismatch`, `unexpected_transaction`, `timeout`, …).
 */
export class EdgerunClientError extends Error {
    readonly code: string;
    /** The HTTP status of a service's refusal. */
    readonly status?: number;
    /** The program error a relayed transaction was refused with, by name (scheduler API). */
    readonly programError?: string;

    constructor(code: string, message: string, extra: { status?: number; programError?: string; cause?: unknown } = {}) {
        super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
        this.name = 'EdgerunClientError';
        this.code = code;
        if (extra.status !== undefined) this.status = extra.status;
        if (extra.programError !== undefined) this.programError = extra.programError;
    }
}

/** The `{code, error, program_error?}` body of a refusal (scheduler API and storage gateway). */
export async function refusal(response: Response, what: string): Promise<EdgerunClientError> {
    const text = await response.text().catch(() => '');
    let body: { code?: unknown; error?: unknown; program_error?: unknown } = {};
    try {
        body = JSON.parse(text) as typeof body;
    } catch {
        // Not JSON (a proxy's page): the status and the text say what happened.
    }
    const code = typeof body.code === 'string' ? body.code : `http_${response.status}`;
    const message = typeof body.error === 'string' ? body.error : text.slice(0, 200) || response.statusText;
    const programError = typeof body.program_error === 'string' ? body.program_error : undefined;
    return new EdgerunClientError(code, `${what}: ${message} (${response.status} ${code})`, {
        status: response.status,
        ...(programError === undefined ? {} : { programError }),
    });
}
