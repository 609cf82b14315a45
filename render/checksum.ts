import { createHash } from "crypto";

/** Short content hash for pod-template annotations: the pod rolls when, and only when, it changes. */
export function checksum(...contents: string[]): string {
    const hash = createHash("sha256");
    for (const content of contents) {
        hash.update(content);
        hash.update("\0");
    }
    return hash.digest("hex").slice(0, 16);
}
