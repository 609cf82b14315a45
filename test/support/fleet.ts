/**
 * The generated fleet of the benchmarks (and the tests that check it renders): N services of two
 * SLOs each, and the same services written into a `servicesFrom` folder as the fleet preview reads them.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** Services per file: one file per team, as a fleet would organise them. */
const SERVICES_PER_FILE = 50;
export const SERVICES_FOLDER = "services.d";

/** The same N services as the mocks benchmark: two SLOs each. */
export function generatedServices(count: number) {
    return Array.from({ length: count }, (_, i) => ({
        name: `svc-${String(i + 1).padStart(3, "0")}`,
        namespace: "bench",
        team: "bench",
        histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4],
        slos: [{ kind: "availability", objective: 99.9 }, { kind: "latency", percentile: 95, threshold: "2s" }],
    }));
}

/** Writes `count` generated services into `<project>/services.d/team-NNN.yaml`, replacing what was there. */
export function writeServiceFiles(projectDir: string, count: number): number {
    const dir = path.join(projectDir, SERVICES_FOLDER);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const services = generatedServices(count);
    let files = 0;
    for (let start = 0; start < services.length; start += SERVICES_PER_FILE) {
        files++;
        fs.writeFileSync(path.join(dir, `team-${String(files).padStart(3, "0")}.yaml`), YAML.stringify({ services: services.slice(start, start + SERVICES_PER_FILE) }));
    }
    return files;
}

