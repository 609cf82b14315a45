/**
 * The real Prometheus Operator v0.93.0 (built by scripts/tools.sh) as the oracle: it accepts the
 * arguments the stack starts it with, and the CRDs it embeds (the ones it was released and tested
 * with, printed by its own `crds` command) are exactly the ones the stack installs.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { loadOperatorCrds } from "../../io/operatorCrds";
import { renderStack } from "../../render";
import { loadStack } from "../support/fixtures";
import { run, toolPath } from "../../scripts/dev";

describe("the real operator agrees with what the stack deploys", () => {
    const args = renderStack(loadStack("prod"), []).operator?.args ?? assert.fail("prod runs the operator");

    test("it parses every argument the stack gives it, and refuses one it does not know", () => {
        // `crds` runs after flag parsing and needs no cluster: an unknown flag exits 2 before it.
        const accepted = run(toolPath("prometheus-operator"), [...args, "crds"]);
        assert.equal(accepted.code, 0, accepted.stderr);
        const refused = run(toolPath("prometheus-operator"), ["--controller-idd=lgtm-stack", "crds"]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /flag provided but not defined: -controller-idd/);
    });

    test("the CRDs it embeds are, field for field, the ones the stack installs from the module", async () => {
        const printed = run(toolPath("prometheus-operator"), ["crds"]);
        assert.equal(printed.code, 0, printed.stderr);
        const embedded = new Map(
            parseAllDocuments(printed.stdout)
                .map((document) => document.toJS())
                .filter((crd) => crd)
                .map((crd) => [crd.metadata.name, crd]),
        );
        for (const crd of await loadOperatorCrds()) {
            assert.deepEqual(crd, embedded.get(crd.metadata.name), `${crd.metadata.name} as the operator embeds it`);
        }
    });
});
