/**
 * The one table of config keys and the one list of secrets (config/keys.ts): a secret set in plain
 * text is refused by name, whichever it is, and the README's configuration table has a row for every
 * top-level key, secret and tabled section key (or the section's row names it) with the same default,
 * secret flag, meaning, range and choices, and names no key the tables lack; the service table's rows
 * name each key of a service's entries (`slos[j].window`, `alerts.trafficAnomaly.dropPercent`) with its
 * range, choices and fixed default; the `<backend>` rows give each backend's own default requests and
 * volume size; and the sizing table gives each distributed tier's requests and replicas.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { KeySpec, SECRET_CONFIG_KEYS, SECRETS, SECTIONS, SERVICE_SETTINGS, SETTINGS, SettingKey, tierSettings } from "../config/keys";
import { Engine, TIERS } from "../model/topology";
import { defaultText } from "../config/profiles";
import { PROJECT_ROOT } from "../io/stackSources";
import { loadStackConfig } from "../config/load";
import { knownRunbooks, minimalRaw, problemsOf } from "./support/fixtures";

describe("every secret is refused in plain text, by name", () => {
    // Written by hand from the README's list of credentials: these must be among the secrets.
    const expected: Record<string, string> = {
        pagerdutyRoutingKey: "pagerdutyRoutingKey: is a credential stored in plain text; remove it and run `pulumi config set --secret pagerdutyRoutingKey <value>`",
        heartbeatUrl: "heartbeatUrl: is a credential stored in plain text; remove it and run `pulumi config set --secret heartbeatUrl <value>`",
        mimirObjectStorageSecretAccessKey: "mimirObjectStorageSecretAccessKey: is a credential stored in plain text; remove it and run `pulumi config set --secret mimirObjectStorageSecretAccessKey <value>`",
        grafanaServiceAccountToken: "grafanaServiceAccountToken: is a credential stored in plain text; remove it and run `pulumi config set --secret grafanaServiceAccountToken <value>`",
        grafanaOAuthClientSecret: "grafanaOAuthClientSecret: is a credential stored in plain text; remove it and run `pulumi config set --secret grafanaOAuthClientSecret <value>`",
        pagerdutyTeamRoutingKeys:
            "pagerdutyTeamRoutingKeys: holds credentials in plain text; remove it and set each team's key with `pulumi config set --secret --path 'pagerdutyTeamRoutingKeys.<team>' <routing key>`",
    };
    for (const [key, message] of Object.entries(expected)) {
        test(`${key} set in plain text is refused with the command that sets it as a secret`, () => {
            const value = key === "pagerdutyTeamRoutingKeys" ? { platform: "R0UT1NGKEY" } : "s3cr3t-in-plain-text";
            const problems = problemsOf({ [key]: value });
            assert.ok(problems.includes(message), problems.join("\n"));
        });
    }

    test("each of the sixteen keys and the team map of the list is refused when planted in plain text, naming the key", () => {
        assert.equal(SECRET_CONFIG_KEYS.length, 17);
        for (const key of SECRET_CONFIG_KEYS) {
            const value = SECRETS[key as keyof typeof SECRETS]?.shape === "map" ? { platform: "R0UT1NGKEY" } : "s3cr3t-in-plain-text";
            const problems = problemsOf({ [key]: value });
            assert.ok(
                problems.some((p) => p.startsWith(`${key}: `) && p.includes("plain text") && p.includes(`pulumi config set --secret`)),
                `${key} in plain text was not refused by name:\n${problems.join("\n")}`,
            );
        }
    });

    test("a secret set with --secret is accepted", () => {
        const values = { heartbeatUrl: "https://hc-ping.com/6f1c", lokiObjectStorageAccessKeyId: "id", lokiObjectStorageSecretAccessKey: "key" };
        assert.doesNotThrow(() => loadStackConfig(minimalRaw(values, Object.keys(values)), { knownRunbooks }));
    });
});

type Row = { keys: string[]; secret: boolean; default: string; meaning: string; line: string };

/**
 * A table of the README's *Configuration reference*, by its header: the first (top-level keys and
 * sections) or the service table; each row's keys (`slos[j]` read as `slos`), secret flag, default and meaning.
 */
function readmeConfigurationRows(header = "| Key | Default (dev / prod) | Meaning and limits |"): Row[] {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration reference"));
    assert.ok(section.includes(header), `the README's configuration reference has no table headed ${header}`);
    const table = section.slice(section.indexOf(header)).split("\n\n")[0].split("\n").slice(2);
    return table.map((line) => {
        // Cells are split at `|` not escaped as `\|`; an unescaped one inside a cell would break the table on GitHub too.
        const cells = line.slice(2, -2).split(/ (?<!\\)\| /);
        assert.equal(cells.length, 3, `a README table row has ${cells.length} cells, not 3 (escape a | inside a cell as \\|):\n${line}`);
        const [keyCell, defaultCell, meaning] = cells;
        const keys = [...keyCell.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\[j\]$/, ""));
        // `collector.redaction.enabled`, `.maskIpAddresses`: a key starting with a dot continues the first one's section.
        const section = keys[0].slice(0, keys[0].lastIndexOf("."));
        return { keys: keys.map((key) => (key.startsWith(".") ? section + key : key)), secret: keyCell.endsWith(" (secret)"), default: defaultCell, meaning, line };
    });
}

/** The `<backend>` rows stand for the sections with an image, resources and persistence; written by hand from the README. */
const PLACEHOLDERS: Record<string, readonly string[]> = { "<backend>": ["prometheus", "alertmanager", "loki", "tempo", "grafana"] };

/**
 * The row of a setting: the defaults of its keys (one where they agree), the meaning of the one key
 * that has a description, its limits' range named in the meaning, and a documented section's keys named in it.
 */
function checkRowIn(rows: Row[], specOf: (key: string) => KeySpec | undefined, key: string, setting: KeySpec, levels = 1): void {
    const row = rows.find((r) => r.keys.includes(key));
    assert.ok(row, `the README's configuration table has no row for ${key}; add | \`${key}\` | ${defaultText(setting)} | ${setting.description} |`);
    assert.equal(row.secret, false, `${key} is marked (secret) in the README but is not a secret`);
    const specs = row.keys.map((k) => {
        const spec = specOf(k);
        assert.ok(spec, `the README's row of ${key} names ${k}, which config/keys.ts does not have:\n${row.line}`);
        return spec;
    });
    const defaults = specs.map((spec) => defaultText(spec));
    const expected = defaults.every((d) => d === defaults[0]) ? defaults[0] : defaults.join(", ");
    assert.equal(row.default, expected, `the README's default of ${row.keys.join(", ")}`);
    const described = specs.filter((spec) => spec.description !== undefined);
    assert.equal(described.length, 1, `exactly one key of the README's row of ${row.keys.join(", ")} must carry its meaning in config/keys.ts`);
    assert.equal(row.meaning, described[0].description, `the README's meaning of ${row.keys.join(", ")}`);
    if (setting.limits?.min !== undefined && setting.limits.max !== undefined) {
        assert.ok(row.meaning.includes(`${setting.limits.min}..${setting.limits.max}`), `the README's meaning of ${key} does not name its range ${setting.limits.min}..${setting.limits.max}`);
    }
    for (const choice of setting.choices ?? []) {
        assert.ok(row.meaning.includes(`\`${choice}\``), `the README's meaning of ${key} does not name its choice ${choice}`);
    }
    if (setting.description !== undefined) {
        checkNamedKeys(`${row.default} ${row.meaning}`, key, setting.keys ?? {}, levels, (sub) => rows.some((r) => r.keys.includes(sub)));
    }
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `word` standing alone in a text: `for`, not `format`. */
const naming = (word: string) => new RegExp(`(^|[^\\w])${escaped(word)}($|[^\\w])`);

/**
 * A section documented by its row's prose: the row names each of its keys, the range of each that has
 * one, their choices, and each fixed default, as `key: value` or, in a phrase naming the key,
 * `default value` or `value (default)`; `levels` deep. The configuration table's rows document their
 * keys one level down (a section below, such as a topology's tiers, has its own rows or tables); the
 * service table's rows document a list entry's keys at every depth.
 */
function checkNamedKeys(text: string, owner: string, keys: Readonly<Record<string, KeySpec>>, levels: number, hasRow: (key: string) => boolean): void {
    for (const [sub, spec] of Object.entries(keys)) {
        if (sub.startsWith("<") || hasRow(`${owner}.${sub}`)) {
            // Its own row documents it (a placeholder such as `<destination>` stands for the names that row lists); checkKey reaches it.
            continue;
        }
        assert.match(text, naming(sub), `the README's row of ${owner} does not name its key ${sub}`);
        if (spec.limits?.min !== undefined && spec.limits.max !== undefined) {
            assert.ok(text.includes(`${spec.limits.min}..${spec.limits.max}`), `the README's row of ${owner} does not name the range ${spec.limits.min}..${spec.limits.max} of ${sub}`);
        }
        for (const choice of spec.choices ?? []) {
            assert.match(text, naming(choice), `the README's row of ${owner} does not name ${choice}, a choice of ${sub}`);
        }
        if (spec.default !== undefined && "value" in spec.default) {
            const value = escaped(String(spec.default.value));
            // A phrase ends at `;` or at a comma before the next backticked key.
            const phrases = text.split(/; |, (?=`)/).filter((phrase) => naming(sub).test(phrase));
            // A text default may be quoted, as YAML writes it: `labelValue: "1"`.
            const said =
                [`${sub}: ${spec.default.value}`, `${sub}: "${spec.default.value}"`].some((form) => text.includes(form)) ||
                phrases.some((phrase) => new RegExp(`default \`?"?${value}"?\`?(?![\\w.])|\`"?${value}"?\` \\(default\\)`).test(phrase));
            assert.ok(said, `the README's row of ${owner} does not say that ${sub} defaults to ${spec.default.value} (as "\`${sub}\` … (default ${spec.default.value})")`);
        }
        if (levels > 1) {
            checkNamedKeys(text, `${owner}.${sub}`, spec.keys ?? {}, levels - 1, hasRow);
        }
    }
}

describe("the README's configuration table follows config/keys.ts", () => {
    let rows: Row[] = [];
    before(() => {
        rows = readmeConfigurationRows();
    });
    const rowOf = (key: string) => rows.find((row) => row.keys.includes(key));
    /** The spec of a dotted key path in the tables, or undefined. */
    const specOf = (key: string): KeySpec | undefined => {
        const [top, ...rest] = key.split(".");
        let spec: KeySpec | undefined = top in SECTIONS ? { type: "section", keys: SECTIONS[top as keyof typeof SECTIONS] } : (SETTINGS as Record<string, KeySpec>)[top];
        for (const part of rest) {
            spec = spec?.keys?.[part];
        }
        return spec;
    };

    test("the table was found and has its top-level rows", () => {
        assert.ok(rows.length > 40, `only ${rows.length} rows read`);
        assert.ok(rowOf("namespace"));
    });

    const checkRow = (key: string, setting: KeySpec) => checkRowIn(rows, specOf, key, setting);

    /**
     * A tabled key: documented by another row, by its own row, or, for a section, by its keys' rows. A key
     * of a section whose row describes it may go without a row of its own (the section's meaning names it).
     */
    const checkKey = (key: string, setting: KeySpec, named = false) => {
        if (setting.documentedAs !== undefined) {
            const [placeholder] = setting.documentedAs.split(".");
            const documenting = rowOf(setting.documentedAs);
            assert.ok(documenting, `the README's configuration table has no row ${setting.documentedAs}, which documents ${key}`);
            if (placeholder in PLACEHOLDERS) {
                const section = key.split(".")[0];
                assert.ok(PLACEHOLDERS[placeholder].includes(section), `${key} is documented as ${setting.documentedAs}, which does not stand for ${section}`);
                // A default of the backend's own (its requests, its volume's size) is named with the backend: `Loki 200m, 512Mi / 800m, 2048Mi`.
                const name = section[0].toUpperCase() + section.slice(1);
                for (const [what, spec] of [[key, setting], ...Object.entries(setting.keys ?? {}).map(([sub, s]) => [`${key}.${sub}`, s] as const)] as const) {
                    if (spec.default !== undefined && ("value" in spec.default || "requests" in spec.default)) {
                        const said = `${name} ${defaultText(spec)}`;
                        assert.ok(`${documenting.default} ${documenting.meaning}`.includes(said), `the README's row of ${setting.documentedAs} does not give the default of ${what} as "${said}"`);
                    }
                }
            } else {
                assert.ok(documenting.meaning.includes(`\`${key}\``), `${key} is documented by the README's row of ${setting.documentedAs}, whose meaning does not name it`);
            }
            return;
        }
        const row = rowOf(key);
        if (row !== undefined) {
            checkRow(key, setting);
        } else if (setting.keys === undefined) {
            assert.ok(named, `the README's configuration table has no row for ${key}; add | \`${key}\` | ${defaultText(setting)} | ${setting.description} |`);
        }
        for (const [sub, spec] of Object.entries(setting.keys ?? {})) {
            checkKey(`${key}.${sub}`, spec, named || row !== undefined);
        }
    };

    test("every top-level setting has its row with the same default and meaning, or, for a section, rows for its keys", () => {
        for (const key of Object.keys(SETTINGS) as SettingKey[]) {
            const entry: KeySpec = SETTINGS[key];
            if (entry.description === undefined) {
                assert.ok(
                    rows.some((row) => row.keys.some((k) => k.startsWith(`${key}.`))),
                    `the README's configuration table has no row for a key of the section ${key} (e.g. \`${key}.<setting>\`)`,
                );
                continue;
            }
            checkKey(key, entry);
        }
    });

    test("every key of a tabled section has its row with the same default, meaning and range, and the README names no other key of it", () => {
        for (const [section, table] of Object.entries(SECTIONS)) {
            for (const [key, setting] of Object.entries(table) as [string, KeySpec][]) {
                checkKey(`${section}.${key}`, setting);
            }
        }
        for (const row of rows) {
            for (const key of row.keys.filter((k) => k.includes(".") && (k.split(".")[0] in SECTIONS || specOf(k.split(".")[0])?.keys !== undefined))) {
                assert.ok(specOf(key), `the README's configuration table names ${key}, which config/keys.ts does not have:\n${row.line}`);
            }
        }
    });

    test("every secret has its row, marked (secret), with the same default and meaning", () => {
        for (const [name, spec] of Object.entries(SECRETS)) {
            const row = rowOf(name);
            const meaning = `${spec.description}; used for ${spec.neededBy}`;
            const whenAbsent = "whenAbsent" in spec ? spec.whenAbsent : "none";
            assert.ok(row, `the README's configuration table has no row for the secret ${name}; add | \`${name}\` (secret) | ${whenAbsent} | ${meaning} |`);
            assert.equal(row.secret, true, `${name} is a secret: mark it (secret) in the README`);
            assert.equal(row.default, whenAbsent, `the README's default of ${name}`);
            assert.equal(row.meaning, meaning, `the README's meaning of ${name}`);
        }
    });

    test("the table names no top-level key the program does not know", () => {
        for (const row of rows) {
            for (const key of row.keys) {
                const top = key.split(".")[0];
                const known = top in SETTINGS || top in SECRETS || (PLACEHOLDERS[top] ?? []).length > 0;
                assert.ok(known, `the README's configuration table names ${key}, but ${top} is no top-level key of config/keys.ts:\n${row.line}`);
                for (const section of PLACEHOLDERS[top] ?? []) {
                    assert.ok(section in SETTINGS, `${top} stands for ${section}, which is no section of config/keys.ts`);
                }
                if (row.secret) {
                    assert.ok(key in SECRETS, `the README marks ${key} (secret), but it is not in config/keys.ts SECRETS`);
                }
            }
        }
    });

    test("the README's `pulumi config set --secret` commands name secrets only, and every secret of one value", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const named = new Set([...readme.matchAll(/pulumi config set --secret (?:--stack \w+ )?(?:--path ')?([A-Za-z]+)/g)].map((m) => m[1]));
        for (const key of named) {
            assert.ok((SECRET_CONFIG_KEYS as readonly string[]).includes(key), `the README sets ${key} with --secret, but it is no secret of config/keys.ts`);
        }
        for (const [name, spec] of Object.entries(SECRETS)) {
            if (spec.shape === "value") {
                assert.ok(named.has(name), `the README never shows the command setting the secret ${name}`);
            }
        }
    });
});

describe("the README's service table follows config/keys.ts SERVICE_SETTINGS", () => {
    let rows: Row[] = [];
    before(() => {
        rows = readmeConfigurationRows("| Key | Default | Limits |");
    });
    const specOf = (key: string): KeySpec | undefined => (SERVICE_SETTINGS as Record<string, KeySpec>)[key];

    test("every key of a service has its row with the same default and limits, naming its own keys and their ranges", () => {
        assert.ok(rows.length >= 10, `only ${rows.length} rows read`);
        for (const [key, setting] of Object.entries(SERVICE_SETTINGS) as [string, KeySpec][]) {
            checkRowIn(rows, specOf, key, setting, Infinity);
        }
    });

    test("the service table names no key config/keys.ts does not have", () => {
        for (const row of rows) {
            for (const key of row.keys) {
                assert.ok(specOf(key), `the README's service table names ${key}, which config/keys.ts SERVICE_SETTINGS does not have:\n${row.line}`);
            }
        }
    });
});

describe("the README's sizing table gives each distributed tier's defaults as config/keys.ts has them", () => {
    /** `0.25 CPU, 512 MiB`, `1 CPU, 2.5 GiB`: the README's way of writing requests in millicores and MiB. */
    const requests = (cpu: number, memory: number) => `${cpu / 1000} CPU, ${memory >= 1024 ? `${memory / 1024} GiB` : `${memory} MiB`}`;

    test("every tier of every engine has its row, with its requests and replicas (and the HPA's ceiling)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const header = "| Engine | Tier | Upstream guidance | Default here (requests, replicas) |";
        assert.ok(readme.includes(header), `the README has no sizing table headed ${header}`);
        const lines = readme.slice(readme.indexOf(header)).split("\n\n")[0].split("\n").slice(2);
        const documented = new Map<string, string>();
        for (const line of lines) {
            const [engine, tier, , defaults] = line.slice(2, -2).split(" | ");
            const key = `${engine.toLowerCase()}.${tier}`;
            assert.ok(tier in (TIERS[engine.toLowerCase() as Engine] ?? {}), `the README's sizing table names ${key}, which is no tier of model/topology.ts TIERS:\n${line}`);
            documented.set(key, line);
            const { replicas, maxReplicas, resources } = tierSettings(engine.toLowerCase() as Engine, tier).keys;
            const scaling = maxReplicas ? `${replicas.default.value}..${maxReplicas.default.value} (HPA)` : `${replicas.default.value}`;
            assert.equal(defaults, `${requests(resources.default.requests.cpu, resources.default.requests.memory)}; ${scaling}`, `the README's sizing row of ${engine} ${tier}`);
        }
        for (const engine of Object.keys(TIERS) as Engine[]) {
            for (const tier of Object.keys(TIERS[engine])) {
                assert.ok(documented.has(`${engine}.${tier}`), `the README's sizing table has no row for ${engine}'s ${tier}`);
            }
        }
    });
});
