/**
 * Zone-aware replication (`topology.zones`): what each engine needs so that its rings put one copy
 * in each zone. Every tier reads the engine's one config file, so the file switches zone awareness
 * on for the rings (writers and readers alike); the zone of an instance differs per StatefulSet, so
 * it arrives as that StatefulSet's command-line flag, which every engine applies over the file.
 */
import { Engine, TierName, ZONE_REPLICATED_TIERS, zoneTierName } from "../../model/topology";

export interface ZoneAwareness<E extends Engine> {
    /** Dotted paths of the ring blocks that get `zone_awareness_enabled: true`. */
    readonly rings: readonly string[];
    /** Per zone-replicated tier, the flag naming the instance's zone in its ring. */
    readonly instanceZoneFlags: Readonly<Partial<Record<TierName<E>, string>>>;
}

/** One zone's StatefulSet of a zone-replicated tier. */
export interface RenderedZone {
    readonly zone: string;
    /** Kubernetes name of the StatefulSet, e.g. `mimir-ingester-zone-a`. */
    readonly name: string;
    /** ceil(tier replicas / zones): every zone holds a full copy, so each runs as many as the largest share. */
    readonly replicas: number;
    readonly args: readonly string[];
}

/** The engine's config with zone awareness on in each ring of `awareness.rings`; unchanged without zones. */
export function withZoneAwareness<E extends Engine>(content: Record<string, unknown>, awareness: ZoneAwareness<E>, zones: readonly string[] | undefined): Record<string, unknown> {
    if (!zones) {
        return content;
    }
    return awareness.rings.reduce((result, ring) => withKey(result, [...ring.split("."), "zone_awareness_enabled"], true), content);
}

function withKey(content: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
    const [head, ...rest] = path;
    if (rest.length === 0) {
        return { ...content, [head]: value };
    }
    const inner = content[head];
    return { ...content, [head]: withKey(inner !== null && typeof inner === "object" ? (inner as Record<string, unknown>) : {}, rest, value) };
}

/** A tier's StatefulSets, one per zone, or undefined for a tier that is not zone-replicated (or without zones). */
export function zonesOf<E extends Engine>(engine: E, tier: string, replicas: number, args: readonly string[], awareness: ZoneAwareness<E>, zones: readonly string[] | undefined): readonly RenderedZone[] | undefined {
    if (!zones || !(ZONE_REPLICATED_TIERS[engine] as readonly string[]).includes(tier)) {
        return undefined;
    }
    const flag = (awareness.instanceZoneFlags as Readonly<Record<string, string | undefined>>)[tier];
    if (!flag) {
        throw new Error(`${engine} ${tier} is zone-replicated but has no flag naming its zone`);
    }
    return zones.map((zone) => ({ zone, name: zoneTierName(engine, tier, zone), replicas: Math.ceil(replicas / zones.length), args: [...args, `${flag}=${zone}`] }));
}
