/**
 * The Prometheus Operator's CRDs at an OLDER release (v0.80.0), as a cluster that ran
 * kube-prometheus-stack has them: the e2e suite installs them before the stack's first `up` to
 * prove the take-over path. Read from the module zip the Go module proxy serves (the same source
 * io/operatorCrds.ts uses for v0.93.0), each file checked against a sha256 written here by hand
 * (`sha256sum` on the zip's files), cached verified under `~/.cache/lgtm-stack/operator-crds/v0.80.0`.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadYaml, V1CustomResourceDefinition } from "@kubernetes/client-node";
import { unzipEntries } from "../../io/operatorCrds";

export const OLDER_OPERATOR_VERSION = "v0.80.0";

/** The seven CRDs the stack installs, and Alertmanager's, which the stack must leave as it is. */
export const OLDER_CRD_FILES: Readonly<Record<string, string>> = {
    "monitoring.coreos.com_servicemonitors.yaml": "10d584079d2bf9d9fc938dc2771d096b80c17b3b8a71658b227eec98253b8a97",
    "monitoring.coreos.com_podmonitors.yaml": "846e13436961f252bc4714cede070ece65e513570cb4fd2533e3bb91aef85ff9",
    "monitoring.coreos.com_probes.yaml": "4c33ebda8e59f688b3071e921c868a570228c1fc9914eeef9e934cb1dc3a56e1",
    "monitoring.coreos.com_prometheusrules.yaml": "6882da7ec91e61ff7773a195e8a90f0304aeadd0b0585c857cf6a0d21b0ff714",
    "monitoring.coreos.com_scrapeconfigs.yaml": "581648e650305acca513efe53f7d16fe3ac252f001c409a3296e942c58e1cd5c",
    "monitoring.coreos.com_prometheuses.yaml": "3f84929bcec65c0c74c2065bda96d994497fcd324a78f5dceb0b91b2f6079867",
    "monitoring.coreos.com_prometheusagents.yaml": "a14ec323dffa38fbebf1e778f98ecd57ffa89b4612228491ef9a65decddbe7fc",
    "monitoring.coreos.com_alertmanagers.yaml": "9e5b8374773500cba02db25288ce81359970a03fb1dc660a082e7c188d05e68d",
};

const sha256 = (content: Buffer) => crypto.createHash("sha256").update(content).digest("hex");

/** Every file of {@link OLDER_CRD_FILES}, verified and read as client-node's model (the CRD objects as Helm would create them). */
export async function olderOperatorCrds(): Promise<V1CustomResourceDefinition[]> {
    const cacheDir = path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache", "lgtm-stack"), "operator-crds", OLDER_OPERATOR_VERSION);
    const files = Object.keys(OLDER_CRD_FILES);
    const contents = new Map<string, Buffer>(files.filter((file) => fs.existsSync(path.join(cacheDir, file))).map((file) => [file, fs.readFileSync(path.join(cacheDir, file))]));
    const missing = files.filter((file) => !contents.has(file));
    if (missing.length > 0) {
        const proxy = ((process.env.GOPROXY ?? "").split(/[,|]/).find((p) => p.startsWith("https://")) ?? "https://proxy.golang.org").replace(/\/$/, "");
        const url = `${proxy}/github.com/prometheus-operator/prometheus-operator/@v/${OLDER_OPERATOR_VERSION}.zip`;
        const response = await fetch(url);
        if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}; the test needs the Go module proxy (set GOPROXY to one you can reach)`);
        const prefix = `github.com/prometheus-operator/prometheus-operator@${OLDER_OPERATOR_VERSION}/example/prometheus-operator-crd/`;
        const entries = unzipEntries(Buffer.from(await response.arrayBuffer()), new Set(missing.map((file) => prefix + file)));
        for (const file of missing) {
            const content = entries.get(prefix + file);
            if (!content) throw new Error(`${url} has no ${prefix + file}`);
            contents.set(file, content);
        }
    }
    const manifests: V1CustomResourceDefinition[] = [];
    for (const file of files) {
        const content = contents.get(file)!;
        const actual = sha256(content);
        if (actual !== OLDER_CRD_FILES[file]) {
            throw new Error(`${file} at ${OLDER_OPERATOR_VERSION}: sha256 ${actual}, pinned ${OLDER_CRD_FILES[file]}; delete ${cacheDir} and run again`);
        }
        if (missing.includes(file)) {
            fs.mkdirSync(cacheDir, { recursive: true });
            fs.writeFileSync(path.join(cacheDir, file), content);
        }
        manifests.push(loadYaml<V1CustomResourceDefinition>(content.toString("utf8")));
    }
    return manifests;
}
