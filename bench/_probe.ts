import * as fs from "fs";
import { linksFor } from "../alerts/links";
import { loadServiceSpec } from "../config/load";
import { renderServiceFiles } from "../render/services";
import { knownRunbooks, loadStack } from "../test/support/fixtures";
import { Simulator } from "./alertQuality";
(async () => {
    const dir = "/tmp/pt/aq"; fs.mkdirSync(dir, { recursive: true });
    const service = loadServiceSpec({ name: "avail-999", slos: [{ kind: "availability", objective: 99.9 }] }, { knownRunbooks });
    const files = renderServiceFiles(service, linksFor(loadStack("dev")));
    fs.writeFileSync(`${dir}/${files.ruleFileName}`, files.rules);
    const sim = new Simulator("/root/.cache/lgtm-stack/bin/promtool-v3.15.0", dir, 30);
    const days = Number(process.argv[2] ?? 6);
    const noisy = process.argv[3] === "noisy";
    const perDay = 2880;
    const t = await sim.run(service, service.slos[0], [files.ruleFileName], { name: "x", steps: days * perDay, badFrom: 3 * perDay, badUntil: Infinity, errorRatio: noisy ? 0.001 : 1, noisySeed: noisy ? 1 : undefined, checkFrom: 3 * perDay, checkTo: days * perDay });
    console.log(t.ms, [...t.firing.FastBudgetBurn].slice(0, 3), [...t.firing.SlowBudgetBurn].slice(0, 3), t.firing.FastBudgetBurn.size, t.firing.SlowBudgetBurn.size);
})();
