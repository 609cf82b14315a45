/** Bounded waiting: every loop of the dev tooling has a deadline and says what it waited for. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; a probe that throws
 * counts as "not yet" (the last error is named in the timeout) unless `fatal` says waiting is pointless.
 */
export async function eventually<T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined> | T | undefined,
    intervalMs = 1000,
    fatal: (error: unknown) => boolean = () => false,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) {
                return value;
            }
        } catch (error) {
            if (fatal(error)) {
                throw error;
            }
            lastError = error;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
        }
        await sleep(intervalMs);
    }
}

/** {@link eventually} for a yes/no condition, with the deadline in seconds. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, seconds: number, intervalMs = 500, fatal?: (error: unknown) => boolean): Promise<void> {
    await eventually(what, seconds * 1000, async () => ((await condition()) ? true : undefined), intervalMs, fatal);
}

/**
 * Polls `probe` until its value (compared as JSON) has stayed the same for `quietMs`, at most
 * `timeoutMs`: for "nothing more is arriving" where no count says when everything is there. A probe
 * that returns undefined or throws means "not settled yet" and restarts the quiet period.
 */
export async function untilQuiet<T>(what: string, quietMs: number, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, intervalMs = 500): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: string | undefined;
    let since = Date.now();
    let lastError: unknown;
    for (;;) {
        let value: T | undefined;
        try {
            value = await probe();
            lastError = undefined;
        } catch (error) {
            lastError = error;
        }
        const seen = value === undefined ? undefined : JSON.stringify(value);
        if (seen === undefined || seen !== last) {
            last = seen;
            since = Date.now();
        } else if (Date.now() - since >= quietMs) {
            return value as T;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (unchanged for ${quietMs / 1000}s)${lastError ? `: ${String(lastError)}` : ""}`);
        }
        await sleep(intervalMs);
    }
}

/**
 * A point on a deliberate schedule: resolves `offsetMs` after `startedAt` (at once if that has
 * passed). For load pacing and fault injection at set times (a wave every second, a SIGKILL at
 * t = 22 s), never for "until something has happened": that is {@link eventually}, {@link waitUntil}
 * or {@link untilQuiet}.
 */
export async function at(startedAt: number, offsetMs: number): Promise<void> {
    await sleep(Math.max(0, startedAt + offsetMs - Date.now()));
}

/** A JSON GET (or `init`), failing on a non-2xx answer with its start; bounded to 15 s. */
export async function getJson<T = any>(url: string, init?: RequestInit): Promise<T> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
}
