import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NANO, parsePrometheusSize, parseQuantity, readDuration, toGoDuration } from "../config/units";

describe("durations are parsed into exact milliseconds", () => {
    const CASES: [string, ReturnType<typeof readDuration>][] = [
        ["30s", { kind: "ok", ms: 30_000 }],
        ["1h30m", { kind: "ok", ms: 5_400_000 }],
        ["2w", { kind: "ok", ms: 1_209_600_000 }],
        ["1y", { kind: "ok", ms: 31_536_000_000 }],
        ["1d12h", { kind: "ok", ms: 129_600_000 }],
        ["250ms", { kind: "ok", ms: 250 }],
        ["0d", { kind: "zero" }],
        ["0s", { kind: "zero" }],
        ["2.5s", { kind: "decimal", ms: 2500 }],
        ["0.1s", { kind: "decimal", ms: 100 }],
        ["1.5d", { kind: "decimal", ms: 129_600_000 }],
        ["0.0005s", { kind: "decimal" }],
        ["30m1h", { kind: "invalid" }],
        ["1h1h", { kind: "invalid" }],
        ["30", { kind: "invalid" }],
        ["", { kind: "invalid" }],
        ["-5m", { kind: "invalid" }],
    ];
    for (const [text, expected] of CASES) {
        test(`${JSON.stringify(text)} reads as ${JSON.stringify(expected)}`, () => assert.deepEqual(readDuration(text), expected));
    }

    test("Tempo gets Go durations in hours, minutes or seconds", () => {
        assert.deepEqual(["14d", "90m", "45s"].map(toGoDuration), ["336h", "90m", "45s"]);
    });
});

describe("quantities are parsed into exact nano-units", () => {
    const CASES: [string, bigint | undefined][] = [
        ["500m", 500_000_000n],
        ["2", 2n * NANO],
        ["0.5", 500_000_000n],
        ["1.5Gi", 1_610_612_736n * NANO],
        ["512Mi", 536_870_912n * NANO],
        ["10G", 10_000_000_000n * NANO],
        ["1Ei", 1_152_921_504_606_846_976n * NANO],
        ["-1Gi", -1_073_741_824n * NANO],
        ["100n", 100n],
        ["0.5n", undefined],
        ["2 gigs", undefined],
        ["1GB", undefined],
    ];
    for (const [text, expected] of CASES) {
        test(`${JSON.stringify(text)} reads as ${expected}`, () => assert.equal(parseQuantity(text), expected));
    }
});

describe("Prometheus sizes are powers of two", () => {
    const CASES: [string, bigint | undefined][] = [
        ["1KB", 1024n],
        ["512MB", 536_870_912n],
        ["8GB", 8_589_934_592n],
        ["1.5GB", undefined],
        ["8Gi", undefined],
    ];
    for (const [text, expected] of CASES) {
        test(`${JSON.stringify(text)} reads as ${expected} bytes`, () => assert.equal(parsePrometheusSize(text), expected));
    }
});
