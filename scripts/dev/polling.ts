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

/** A JSON GET (or `init`), failing on a non-2xx answer with its start; bounded to 15 s. */
export async function getJson<T = any>(url: string, init?: RequestInit): Promise<T> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
}
