/**
 * The notification side of `alertmanager`: teams with receivers of their own, named recurring time
 * intervals (business hours for tickets) and planned maintenance windows. Shapes are checked here;
 * whether a team or service exists is checked across settings (crossChecks.ts).
 */
import { MAINTENANCE_MAX_MS, MAINTENANCE_PREFIX } from "../model/alerting";
import { Format } from "./formats";
import { ALERTMANAGER_SETTINGS, sectionKeys } from "./keys";
import { describe, ObjectReader, Problems, Raw } from "./reader";
import { MaintenanceWindow, RecurringPeriod, TeamRouting, TimeIntervalSpec } from "./types";

const SETTINGS = ALERTMANAGER_SETTINGS;
/** One period of a time interval (`alertmanager.timeIntervals.<name>[i]`). */
const PERIOD = SETTINGS.timeIntervals.keys["<name>"];

const INTERVAL_NAME: Format = {
    test: (value) => /^[a-z][a-z0-9-]{0,62}$/.test(value) && !value.startsWith(MAINTENANCE_PREFIX),
    hint: `is not a time interval name; use lowercase letters, digits and '-' (not starting with ${MAINTENANCE_PREFIX}, kept for maintenance windows), e.g. business-hours`,
};
const SLACK_CHANNEL: Format = { test: (v) => /^#[^\s#]+$/.test(v), hint: "must be a channel name starting with #, e.g. #payments-alerts" };
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

function entries(path: string, raw: Raw, problems: Problems, what: string): [string, Raw][] {
    if (raw === undefined) {
        return [];
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        problems.add(path, `expected a map of ${what}, got ${describe(raw)}`);
        return [];
    }
    return Object.entries(raw as Record<string, Raw>);
}

/** `alertmanager.teams`: `{ <team>: { slackChannel } }`. */
export function readTeams(alertmanager: ObjectReader<string>): TeamRouting[] {
    return entries(alertmanager.keyPath("teams"), alertmanager.raw("teams"), alertmanager.problems, "team → receivers, e.g. teams: { payments: { slackChannel: \"#payments-alerts\" } }").map(
        ([team, value]) => {
            const reader = new ObjectReader(`${alertmanager.keyPath("teams")}.${team}`, value, alertmanager.problems, sectionKeys(SETTINGS.teams.keys["<team>"]));
            const slackChannel = reader.optionalString("slackChannel", SLACK_CHANNEL);
            return slackChannel === undefined ? { team } : { team, slackChannel };
        },
    );
}

/** A list of names or `from:to` ranges of names (weekdays, months), as Alertmanager writes them. */
function nameRanges(reader: ObjectReader<string>, key: string, names: readonly string[], example: string): string[] | undefined {
    if (!reader.has(key)) {
        return undefined;
    }
    return reader.items(key).flatMap((item) => {
        const text = typeof item.value === "number" ? String(item.value) : item.value;
        const parts = typeof text === "string" ? text.split(":") : [];
        const index = (part: string) => (/^\d+$/.test(part) ? Number(part) - 1 : names.indexOf(part));
        const bounds = parts.map(index);
        if (parts.length < 1 || parts.length > 2 || bounds.some((b) => b < 0 || b >= names.length) || (bounds.length === 2 && bounds[0] > bounds[1])) {
            reader.problems.add(item.path, `${describe(item.value)} is not a ${key} name or an ascending range of them; use e.g. ${example}`);
            return [];
        }
        return [String(text)];
    });
}

/** Days of the month, `1`..`31` or counted from the end `-1`..`-31`, alone or as `from:to`. */
function dayRanges(reader: ObjectReader<string>, key: string): string[] | undefined {
    if (!reader.has(key)) {
        return undefined;
    }
    return reader.items(key).flatMap((item) => {
        const text = String(item.value);
        const bounds = text.split(":").map((part) => (/^-?\d+$/.test(part) ? Number(part) : NaN));
        const valid = bounds.length <= 2 && bounds.every((b) => Number.isInteger(b) && b !== 0 && b >= -31 && b <= 31) && (bounds.length === 1 || (Math.sign(bounds[0]) === Math.sign(bounds[1]) && bounds[0] <= bounds[1]));
        if (!valid) {
            reader.problems.add(item.path, `${describe(item.value)} is not a day of the month (1..31, or -1..-31 from the end) or an ascending range of them; use e.g. "1:7"`);
            return [];
        }
        return [text];
    });
}

function yearRanges(reader: ObjectReader<string>, key: string): string[] | undefined {
    if (!reader.has(key)) {
        return undefined;
    }
    return reader.items(key).flatMap((item) => {
        const text = String(item.value);
        const bounds = text.split(":").map(Number);
        if (!/^\d{4}(:\d{4})?$/.test(text) || bounds[0] > bounds[bounds.length - 1]) {
            reader.problems.add(item.path, `${describe(item.value)} is not a year or an ascending range of years; use e.g. 2026 or "2026:2027"`);
            return [];
        }
        return [text];
    });
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));

function readTimes(reader: ObjectReader<string>): { start: string; end: string }[] | undefined {
    if (!reader.has("times")) {
        return undefined;
    }
    return reader.items("times").flatMap((item) => {
        const range = new ObjectReader(item.path, item.value, reader.problems, sectionKeys(PERIOD.keys.times));
        const clock: Format = { test: (v) => CLOCK.test(v), hint: "is not a time of day HH:MM (00:00..24:00); use e.g. 09:00" };
        const start = range.requiredString("start", clock, "e.g. start: \"09:00\"");
        const end = range.requiredString("end", clock, "e.g. end: \"17:00\"");
        if (start === undefined || end === undefined || reader.problems.about(range.keyPath("start"), range.keyPath("end"))) {
            return [];
        }
        if (minutesOf(start) >= minutesOf(end)) {
            // Alertmanager's ranges never wrap past midnight: a night shift is two ranges.
            reader.problems.add(range.keyPath("end"), `${end} is not after start (${start}); a range that crosses midnight is two entries, e.g. { start: "22:00", end: "24:00" } and { start: "00:00", end: "06:00" }`);
            return [];
        }
        return [{ start, end }];
    });
}

function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

const PERIOD_KEYS = sectionKeys(PERIOD);

function readPeriod(path: string, raw: Raw, problems: Problems): RecurringPeriod {
    const reader = new ObjectReader(path, raw, problems, PERIOD_KEYS);
    if (PERIOD_KEYS.every((key) => !reader.has(key)) && !problems.about(path)) {
        problems.add(path, "matches every moment; give at least one of times, weekdays, daysOfMonth, months, years, e.g. { weekdays: [\"monday:friday\"], times: [{ start: \"09:00\", end: \"17:00\" }] }");
    }
    const location = reader.optionalString("location", { test: isTimeZone, hint: "is not an IANA time zone; use e.g. Europe/Berlin or UTC" });
    const period: Record<string, unknown> = {
        times: readTimes(reader),
        weekdays: nameRanges(reader, "weekdays", WEEKDAYS, '"monday:friday"'),
        daysOfMonth: dayRanges(reader, "daysOfMonth"),
        months: nameRanges(reader, "months", MONTHS, '"june:august"'),
        years: yearRanges(reader, "years"),
        location,
    };
    return Object.fromEntries(Object.entries(period).filter(([, value]) => value !== undefined)) as RecurringPeriod;
}

/** `alertmanager.timeIntervals`: `{ <name>: [ <period>, ... ] }`; an interval matches when any of its periods does. */
export function readTimeIntervals(alertmanager: ObjectReader<string>): TimeIntervalSpec[] {
    const path = alertmanager.keyPath("timeIntervals");
    return entries(path, alertmanager.raw("timeIntervals"), alertmanager.problems, "name → periods, e.g. timeIntervals: { business-hours: [{ weekdays: [\"monday:friday\"] }] }").flatMap(([name, value]) => {
        const namePath = `${path}.${name}`;
        if (!INTERVAL_NAME.test(name)) {
            alertmanager.problems.add(namePath, `${JSON.stringify(name)} ${INTERVAL_NAME.hint}`);
            return [];
        }
        if (!Array.isArray(value) || value.length === 0) {
            alertmanager.problems.add(namePath, `expected a non-empty list of periods, got ${describe(value)}; e.g. [{ weekdays: ["monday:friday"], times: [{ start: "09:00", end: "17:00" }] }]`);
            return [];
        }
        return [{ name, periods: value.map((period, index) => readPeriod(`${namePath}[${index}]`, period, alertmanager.problems)) }];
    });
}

/** `alertmanager.ticketHours`: the name of a time interval outside which tickets wait. */
export function readTicketHours(alertmanager: ObjectReader<string>, intervals: readonly TimeIntervalSpec[]): string | undefined {
    const name = alertmanager.optionalString("ticketHours");
    if (name !== undefined && !intervals.some((interval) => interval.name === name) && !alertmanager.problems.about(alertmanager.keyPath("timeIntervals"))) {
        const known = intervals.map((interval) => interval.name);
        alertmanager.problems.add(alertmanager.keyPath("ticketHours"), `${JSON.stringify(name)} is not a time interval of alertmanager.timeIntervals (${known.length > 0 ? known.join(", ") : "none declared"}); declare it there, e.g. timeIntervals: { ${name}: [{ weekdays: ["monday:friday"], times: [{ start: "09:00", end: "17:00" }] }] }`);
        return undefined;
    }
    return name;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:00)?Z$/;

function readInstant(reader: ObjectReader<"name" | "services" | "start" | "end">, key: "start" | "end"): number | undefined {
    const raw = reader.raw(key);
    const text = raw instanceof Date ? raw.toISOString().replace(".000Z", "Z") : raw;
    if (text === undefined) {
        reader.problems.add(reader.keyPath(key), `is required; give a UTC time on a whole minute, e.g. ${key}: "2026-12-10T22:00Z"`);
        return undefined;
    }
    const match = typeof text === "string" ? INSTANT.exec(text) : null;
    const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5])) : NaN;
    // Date.UTC rolls 2026-02-30 over into March: the parts must survive the round trip.
    if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 16) !== `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}`) {
        reader.problems.add(reader.keyPath(key), `${describe(raw)} is not a UTC time on a whole minute; write it as YYYY-MM-DDTHH:MMZ, e.g. "2026-12-10T22:00Z"`);
        return undefined;
    }
    return ms;
}

/** `alertmanager.maintenance`: `[{ name, services, start, end }]`, each muting its services' notifications. */
export function readMaintenance(alertmanager: ObjectReader<string>): MaintenanceWindow[] {
    const names = new Map<string, string>();
    return alertmanager.items("maintenance").flatMap((item) => {
        const reader = new ObjectReader(item.path, item.value, alertmanager.problems, sectionKeys(SETTINGS.maintenance));
        const name = reader.requiredString("name", { test: (v) => /^[a-z][a-z0-9-]{0,40}$/.test(v), hint: "is not a window name; use lowercase letters, digits and '-', e.g. db-upgrade" }, "e.g. name: db-upgrade");
        if (name !== undefined && names.has(name)) {
            reader.problems.add(reader.keyPath("name"), `"${name}" is already used by ${names.get(name)}; give each maintenance window its own name`);
        } else if (name !== undefined) {
            names.set(name, item.path);
        }
        const services = reader.items("services").flatMap((entry) => {
            if (typeof entry.value !== "string") {
                reader.problems.add(entry.path, `expected a service name, got ${describe(entry.value)}`);
                return [];
            }
            return [entry.value];
        });
        if (services.length === 0 && !reader.problems.about(reader.keyPath("services"))) {
            reader.problems.add(reader.keyPath("services"), "is required and not empty; list the services whose alerts the window mutes, e.g. services: [api]");
        }
        const startMs = readInstant(reader, "start");
        const endMs = readInstant(reader, "end");
        if (name === undefined || startMs === undefined || endMs === undefined) {
            return [];
        }
        if (endMs <= startMs) {
            reader.problems.add(reader.keyPath("end"), "is not after start; a maintenance window ends after it starts");
            return [];
        }
        if (endMs - startMs > MAINTENANCE_MAX_MS) {
            // A forgotten, open-ended window would hide a real outage: longer work is several windows.
            reader.problems.add(reader.keyPath("end"), `makes the window longer than ${MAINTENANCE_MAX_MS / 86_400_000} days; a maintenance window mutes pages, so keep it to the planned work (split longer work into several windows)`);
            return [];
        }
        return [{ name, services, startMs, endMs }];
    });
}
