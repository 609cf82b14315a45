import * as path from "path";
import { loadStackConfig, RawStackConfig } from "../../config/load";
import { PROJECT_ROOT, rawConfigFromFile, runbookNames } from "../../config/sources";
import { StackConfig } from "../../config/types";

export const knownRunbooks = runbookNames();

export function stackFile(stack: string): RawStackConfig {
    return rawConfigFromFile(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), stack);
}

export function loadStack(stack: string): StackConfig {
    return loadStackConfig(stackFile(stack), { knownRunbooks });
}

/** A minimal valid dev config with one service, to which each test applies one mistake. */
export function minimalRaw(values: Record<string, unknown> = {}, secretKeys: string[] = []): RawStackConfig {
    return {
        stack: "dev",
        values: {
            runbookBaseUrl: "https://example.com/runbooks",
            services: [{ name: "checkout", slos: [{ kind: "availability", objective: 99.9 }] }],
            ...values,
        },
        secretKeys: new Set(secretKeys),
    };
}
