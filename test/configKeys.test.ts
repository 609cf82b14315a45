/**
 * The one table of top-level keys and the one list of secrets (config/keys.ts): a secret set in plain
 * text is refused by name, whichever it is, and the README's configuration table has a row for every
 * top-level key and secret with the same default, secret flag and meaning, and names no other key.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { KeySpec, SECRET_CONFIG_KEYS, SECRETS, SECTIONS, SETTINGS, SettingKey } from "../config/keys";
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

/** The first table of the README's *Configuration reference*: each row's keys, secret flag, default and meaning. */
function readmeConfigurationRows(): { keys: string[]; secret: boolean; default: string; meaning: string; line: string }[] {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration reference"));
    const table = section.slice(section.indexOf("| Key |")).split("\n\n")[0].split("\n").slice(2);
    return table.map((line) => {
        // Cells are split at `|` not escaped as `\|`.
        const [keyCell, defaultCell, meaning] = line.slice(2, -2).split(/ (?<!\\)\| /);
        const keys = [...keyCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        // `collector.redaction.enabled`, `.maskIpAddresses`: a key starting with a dot continues the first one's section.
        const section = keys[0].slice(0, keys[0].lastIndexOf("."));
        return { keys: keys.map((key) => (key.startsWith(".") ? section + key : key)), secret: keyCell.endsWith(" (secret)"), default: defaultCell, meaning, line };
    });
}

/** The `<backend>` rows stand for the sections with an image, resources and persistence; written by hand from the README. */
const PLACEHOLDERS: Record<string, readonly string[]> = { "<backend>": ["prometheus", "alertmanager", "loki", "tempo", "grafana"] };

describe("the README's configuration table follows config/keys.ts", () => {
    const rows = readmeConfigurationRows();
    const rowOf = (key: string) => rows.find((row) => row.keys.length === 1 && row.keys[0] === key);

    test("the table was found and has its top-level rows", () => {
        assert.ok(rows.length > 40, `only ${rows.length} rows read`);
        assert.ok(rowOf("namespace"));
    });

    /** The row of a setting: its default and meaning as the table says, and its limits' range named in the meaning. */
    const checkRow = (key: string, setting: KeySpec) => {
        const row = rowOf(key);
        assert.ok(row, `the README's configuration table has no row for ${key}; add | \`${key}\` | ${defaultText(setting)} | ${setting.description} |`);
        assert.equal(row.secret, false, `${key} is marked (secret) in the README but is not a secret`);
        assert.equal(row.default, defaultText(setting), `the README's default of ${key}`);
        assert.equal(row.meaning, setting.description, `the README's meaning of ${key}`);
        if (setting.limits?.min !== undefined && setting.limits.max !== undefined) {
            assert.ok(row.meaning.includes(`${setting.limits.min}..${setting.limits.max}`), `the README's meaning of ${key} does not name its range ${setting.limits.min}..${setting.limits.max}`);
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
            checkRow(key, entry);
        }
    });

    test("every key of a tabled section has its row with the same default, meaning and range, and the README names no other key of it", () => {
        for (const [section, table] of Object.entries(SECTIONS)) {
            for (const [key, setting] of Object.entries(table) as [string, KeySpec][]) {
                if (setting.documentedAs !== undefined) {
                    const placeholder = setting.documentedAs.split(".")[0];
                    assert.ok(PLACEHOLDERS[placeholder]?.includes(section), `${section}.${key} is documented as ${setting.documentedAs}, which does not stand for ${section}`);
                    assert.ok(rows.some((row) => row.keys.includes(setting.documentedAs!)), `the README's configuration table has no row ${setting.documentedAs}`);
                    continue;
                }
                checkRow(`${section}.${key}`, setting);
            }
            for (const row of rows) {
                for (const key of row.keys.filter((k) => k.startsWith(`${section}.`))) {
                    assert.ok(key.split(".")[1] in table, `the README's configuration table names ${key}, which config/keys.ts does not have:\n${row.line}`);
                }
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
