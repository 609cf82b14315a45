/**
 * A PATH of BusyBox applets only (BusyBox 1.35 from Debian's busybox-static, cached like every tool),
 * so a script meant for an Alpine-based image runs here with the same shell and tools.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { toolPath } from "../../scripts/dev/tools";

/** The applets the scripts we ship into images use. */
const APPLETS = ["sh", "sed", "awk", "cmp", "readlink", "rm", "mv", "sleep", "cat", "find"] as const;

/** A folder under `dir` of links to BusyBox named after its applets; use it as the whole PATH. */
export function busyboxPath(dir: string): string {
    const bin = path.join(dir, "busybox-bin");
    if (!fs.existsSync(bin)) {
        const busybox = toolPath("busybox");
        fs.mkdirSync(bin, { recursive: true });
        for (const applet of APPLETS) {
            fs.symlinkSync(busybox, path.join(bin, applet));
        }
    }
    return bin;
}
