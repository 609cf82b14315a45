/**
 * The dev tooling's bounded waits (scripts/dev/polling.ts) that the data-flow suite uses instead of
 * fixed sleeps: `untilQuiet` ("nothing more is arriving") and `at` (a point on a schedule).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { at, untilQuiet } from "../scripts/dev/polling";

describe("untilQuiet", () => {
    test("resolves to the value once it has not changed for the quiet period, not before", async () => {
        const started = Date.now();
        // 0, 1, 2 in the first 150 ms, then 3 for good.
        const value = () => Math.min(3, Math.floor((Date.now() - started) / 50));
        const settled = await untilQuiet("a counter", 200, 5_000, value, 10);
        const elapsed = Date.now() - started;
        assert.equal(settled, 3);
        assert.ok(elapsed >= 350, `resolved after ${elapsed} ms: the last change came at 150 ms, the quiet period is 200 ms`);
    });

    test("an undefined value or a failing probe restarts the quiet period", async () => {
        const started = Date.now();
        // Defined from the start, but undefined from 100 to 200 ms and failing from 200 to 300 ms.
        const probe = () => {
            const t = Date.now() - started;
            if (t >= 200 && t < 300) {
                throw new Error("not reachable");
            }
            return t >= 100 && t < 200 ? undefined : "steady";
        };
        await untilQuiet("a flaky probe", 150, 5_000, probe, 10);
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 450, `resolved after ${elapsed} ms; the probe last failed at 300 ms, the quiet period is 150 ms`);
    });

    test("times out, naming what it waited for, while the value keeps changing", async () => {
        let n = 0;
        await assert.rejects(untilQuiet("a growing file", 100, 300, () => n++, 10), /timed out after 0.3s waiting for a growing file \(unchanged for 0.1s\)/);
    });

    test("a timeout names the probe's last error", async () => {
        await assert.rejects(
            untilQuiet("a process that is down", 100, 200, () => {
                throw new Error("connection refused");
            }, 10),
            /waiting for a process that is down \(unchanged for 0.1s\): Error: connection refused/,
        );
    });
});

describe("at", () => {
    test("resolves at the offset from the schedule's start, and at once when that has passed", async () => {
        const started = Date.now();
        await at(started, 120);
        assert.ok(Date.now() - started >= 120, "not before the offset");
        const late = Date.now();
        await at(started, 50);
        assert.ok(Date.now() - late < 30, "a point already passed does not wait");
    });
});
