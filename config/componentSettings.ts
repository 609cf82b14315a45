/**
 * The settings every component shares: its image (pinned in tools/versions.json) and its
 * resources. Read here once for backends.ts and the sections that live beside it.
 */
import versions from "../tools/versions.json";
import { Format, IMAGE_REPOSITORY, RELEASE_TAG } from "./formats";
import { ResourcesSpec } from "./keys";
import { ProfileDefaults, scaledResources } from "./profiles";
import { ObjectReader } from "./reader";
import { ImageRef, Resources } from "./types";

export type Component = keyof typeof versions.images;
/** Any section reader that has the given key. */
export type With<K extends string> = ObjectReader<K | string>;

export function readImage(section: With<"image">, component: Component, key = "image"): ImageRef {
    const pinned = versions.images[component];
    const image = section.object(key, ["repository", "tag"] as const);
    const tagFormat: Format = { test: RELEASE_TAG.test, hint: `${RELEASE_TAG.hint} such as ${pinned.tag}` };
    return { repository: image.string("repository", pinned.repository, IMAGE_REPOSITORY), tag: image.string("tag", pinned.tag, tagFormat) };
}

/** `resources`, defaulting to the requests its table gives (config/keys.ts `resources`), scaled by the profile's `scale` where the table says so. */
export function readResources(section: With<"resources">, spec: ResourcesSpec, defaults: Pick<ProfileDefaults, "scale">): Resources {
    const { cpu, memory } = spec.default.requests;
    const fallback = scaledResources(cpu, memory, spec.default.scaled ? defaults.scale : 1);
    const resources = section.object("resources", ["requests", "limits"] as const);
    const requests = resources.object("requests", ["cpu", "memory"] as const);
    const limits = resources.object("limits", ["cpu", "memory"] as const);
    return {
        requests: { cpu: requests.quantity("cpu", fallback.requests.cpu), memory: requests.quantity("memory", fallback.requests.memory) },
        limits: { cpu: limits.quantity("cpu", fallback.limits.cpu), memory: limits.quantity("memory", fallback.limits.memory) },
    };
}
