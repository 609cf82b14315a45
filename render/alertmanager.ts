/**
 * Renders alertmanager.yml. `critical` alerts page (PagerDuty), `warning` alerts open a ticket
 * (Slack, or the webhook), `info` alerts notify nobody; a team with receivers of its own gets its
 * alerts there. Alerts are grouped per service and team, so one outage is one notification group
 * (one PagerDuty incident) whatever rules it trips; a stronger alert of the same service mutes its
 * symptoms (see SYMPTOM_INHIBITIONS), and a warning is inhibited while a critical alert fires for
 * the same service and SLO, or the same saturation signal. Tickets can be held to business hours
 * and maintenance windows mute a service's notifications. The always-firing Watchdog goes only to
 * the heartbeat receiver, once a minute (nowhere without one). Credentials are read from files
 * mounted from a Kubernetes Secret (`*_file` fields), so this file never holds one.
 */
import { MaintenanceWindow, RecurringPeriod, StackConfig } from "../config/types";
import { MAINTENANCE_PREFIX, NOTIFICATION_POLICY, SYMPTOM_INHIBITIONS, WATCHDOG } from "../model/alerting";
import { ALERTMANAGER_SECRET_FILES, teamRoutingKeyFile } from "../config/keys";
import { PATHS } from "../model/components";

const secretFile = (name: string) => `${PATHS.alertmanagerSecretsDir}/${name}`;

/** The names of a group's alerts, e.g. `FastBudgetBurn, HighErrorRate`: a group is one service now, not one alert. */
const ALERT_NAMES = "{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ end }}";
const ALERT_TEXT =
    '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\nDashboard: {{ .Annotations.dashboard_url }}\n{{ end }}';

function pagerdutyReceiver(name: string, keyFile: string): Record<string, unknown> {
    return {
        name,
        pagerduty_configs: [
            {
                routing_key_file: secretFile(keyFile),
                send_resolved: true,
                // PagerDuty's own severities include ours (critical, warning, info); the paging route holds critical alerts only.
                severity: '{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}critical{{ end }}',
                description: `{{ .CommonLabels.service }}: ${ALERT_NAMES}`,
                // The first alert's links; every alert's are in the details.
                links: [
                    { href: "{{ (index .Alerts 0).Annotations.runbook_url }}", text: "Runbook" },
                    { href: "{{ (index .Alerts 0).Annotations.dashboard_url }}", text: "Dashboard" },
                ],
                details: { service: "{{ .CommonLabels.service }}", team: "{{ .CommonLabels.team }}", alerts: ALERT_NAMES, text: ALERT_TEXT },
            },
        ],
    };
}

function slackReceiver(name: string, channel: string): Record<string, unknown> {
    return {
        name,
        slack_configs: [
            {
                api_url_file: secretFile(ALERTMANAGER_SECRET_FILES.slackWebhookUrl),
                channel,
                send_resolved: true,
                title: `[{{ .Status | toUpper }}] {{ .CommonLabels.service }}: ${ALERT_NAMES}`,
                text: ALERT_TEXT,
            },
        ],
    };
}

interface Receivers {
    readonly page: string;
    readonly ticket: string;
}

/** Alertmanager's spelling of one recurring period. */
function renderPeriod(period: RecurringPeriod): Record<string, unknown> {
    return {
        ...(period.times ? { times: period.times.map((range) => ({ start_time: range.start, end_time: range.end })) } : {}),
        ...(period.weekdays ? { weekdays: period.weekdays } : {}),
        ...(period.daysOfMonth ? { days_of_month: period.daysOfMonth } : {}),
        ...(period.months ? { months: period.months } : {}),
        ...(period.years ? { years: period.years } : {}),
        ...(period.location ? { location: period.location } : {}),
    };
}

const DAY_MS = 86_400_000;
const clock = (msIntoDay: number) => `${String(Math.floor(msIntoDay / 3_600_000)).padStart(2, "0")}:${String((msIntoDay / 60_000) % 60).padStart(2, "0")}`;

/**
 * A maintenance window as Alertmanager time-interval periods: Alertmanager has no absolute ranges,
 * so each UTC day the window touches becomes one period pinned to that year, month and day.
 */
export function maintenancePeriods(window: Pick<MaintenanceWindow, "startMs" | "endMs">): RecurringPeriod[] {
    const periods: RecurringPeriod[] = [];
    for (let day = Math.floor(window.startMs / DAY_MS) * DAY_MS; day < window.endMs; day += DAY_MS) {
        const date = new Date(day);
        periods.push({
            times: [{ start: clock(Math.max(window.startMs, day) - day), end: clock(Math.min(window.endMs, day + DAY_MS) - day) }],
            daysOfMonth: [String(date.getUTCDate())],
            months: [String(date.getUTCMonth() + 1)],
            years: [String(date.getUTCFullYear())],
        });
    }
    return periods;
}

export function renderAlertmanagerConfig(config: StackConfig) {
    const { pagerdutyRoutingKey, slackWebhookUrl, pagerdutyTeams } = config.secrets;
    const { teams, ticketHours, maintenance, timeIntervals } = config.alertmanager;
    // The webhook URL is a credential (it often embeds a token): a secret file, like Slack's.
    const webhookUrl = config.secrets.webhookUrl;
    const receivers: Record<string, unknown>[] = [];
    if (pagerdutyRoutingKey) {
        receivers.push(pagerdutyReceiver("pagerduty", ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey));
    }
    for (const team of pagerdutyTeams) {
        receivers.push(pagerdutyReceiver(`pagerduty-${team}`, teamRoutingKeyFile(team)));
    }
    if (slackWebhookUrl) {
        receivers.push(slackReceiver("slack", config.alertmanager.slackChannel));
        for (const { team, slackChannel } of teams) {
            if (slackChannel) {
                receivers.push(slackReceiver(`slack-${team}`, slackChannel));
            }
        }
    }
    if (webhookUrl) {
        receivers.push({ name: "webhook", webhook_configs: [{ url_file: secretFile(ALERTMANAGER_SECRET_FILES.webhookUrl), send_resolved: true }] });
    }
    const { heartbeatUrl } = config.secrets;
    if (heartbeatUrl) {
        // A heartbeat service only needs to hear from us; a resolved Watchdog would mean the evaluator stopped, and then nothing is sent.
        receivers.push({ name: "heartbeat", webhook_configs: [{ url_file: secretFile(ALERTMANAGER_SECRET_FILES.heartbeatUrl), send_resolved: false }] });
    }
    // With no receiver configured at all, alerts are still visible in Alertmanager and Grafana.
    receivers.push({ name: "blackhole" });

    const stackReceivers: Receivers = {
        page: pagerdutyRoutingKey ? "pagerduty" : webhookUrl ? "webhook" : slackWebhookUrl ? "slack" : "blackhole",
        ticket: slackWebhookUrl ? "slack" : webhookUrl ? "webhook" : "blackhole",
    };
    const receiversOf = (team: string): Receivers => ({
        page: pagerdutyTeams.includes(team) ? `pagerduty-${team}` : stackReceivers.page,
        ticket: slackWebhookUrl && teams.some((t) => t.team === team && t.slackChannel) ? `slack-${team}` : stackReceivers.ticket,
    });
    const copyToWebhook = webhookUrl && (stackReceivers.page !== "webhook" || stackReceivers.ticket !== "webhook");
    const { page, ticket } = NOTIFICATION_POLICY;
    // Time intervals apply only on the route an alert lands on (Alertmanager does not inherit them), so every leaf carries its own.
    const severityRoutes = (to: Receivers, muted: readonly string[]): Record<string, unknown>[] => {
        const mute = muted.length > 0 ? { mute_time_intervals: muted } : {};
        return [
            { receiver: to.page, matchers: ['severity="critical"'], group_interval: page.groupInterval, repeat_interval: page.repeatInterval, ...mute },
            { receiver: to.ticket, matchers: ['severity="warning"'], ...(ticketHours ? { active_time_intervals: [ticketHours] } : {}), ...mute },
            // Info alerts are context for whoever looks (Alertmanager, Grafana), not a notification.
            { receiver: "blackhole", matchers: ['severity="info"'] },
        ];
    };
    // First and final: the Watchdog reaches no team and not the generic webhook, only the heartbeat.
    const routes: Record<string, unknown>[] = [
        heartbeatUrl
            ? { receiver: "heartbeat", matchers: [`alertname="${WATCHDOG.alert}"`], group_wait: "0s", group_interval: WATCHDOG.groupInterval, repeat_interval: WATCHDOG.repeatInterval }
            : { receiver: "blackhole", matchers: [`alertname="${WATCHDOG.alert}"`] },
    ];
    if (copyToWebhook) {
        // The generic webhook sees every alert (automation, audit), then routing continues.
        routes.push({ receiver: "webhook", matchers: ['severity=~"critical|warning|info"'], continue: true });
    }
    // A service in a maintenance window: its own alerts (its service and team) are muted during the window.
    for (const service of config.services) {
        const windows = maintenance.filter((window) => window.services.includes(service.name)).map((window) => `${MAINTENANCE_PREFIX}${window.name}`);
        if (windows.length > 0) {
            routes.push({ matchers: [`service="${service.name}"`, `team="${service.team}"`], routes: severityRoutes(receiversOf(service.team), windows) });
        }
    }
    const ownReceivers = [...new Set([...teams.filter((t) => t.slackChannel && slackWebhookUrl).map((t) => t.team), ...pagerdutyTeams])].sort();
    for (const team of ownReceivers) {
        routes.push({ matchers: [`team="${team}"`], routes: severityRoutes(receiversOf(team), []) });
    }
    routes.push(...severityRoutes(stackReceivers, []));
    const intervals = [
        ...timeIntervals.map((interval) => ({ name: interval.name, time_intervals: interval.periods.map(renderPeriod) })),
        ...maintenance.map((window) => ({ name: `${MAINTENANCE_PREFIX}${window.name}`, time_intervals: maintenancePeriods(window).map(renderPeriod) })),
    ];
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: stackReceivers.ticket,
            group_by: [...NOTIFICATION_POLICY.groupBy],
            group_wait: NOTIFICATION_POLICY.groupWait,
            group_interval: ticket.groupInterval,
            repeat_interval: ticket.repeatInterval,
            routes,
        },
        inhibit_rules: [
            {
                // `equal` treats a label missing on both sides as equal (both empty), so without
                // `slo=~".+"` HighErrorRate (no slo) would silence HighP99Latency (no slo) of the same service.
                source_matchers: ['severity="critical"', 'slo=~".+"'],
                target_matchers: ['severity="warning"', 'slo=~".+"'],
                equal: ["service", "slo"],
            },
            {
                // A two-level saturation signal: the page mutes its own warning, not another signal's.
                source_matchers: ['severity="critical"', 'signal=~".+"'],
                target_matchers: ['severity="warning"', 'signal=~".+"'],
                equal: ["alertname", "service", "signal"],
            },
            ...SYMPTOM_INHIBITIONS.map((rule) => ({
                source_matchers: [`alertname="${rule.source}"`],
                target_matchers: [`alertname=~"${rule.targets.join("|")}"`],
                equal: [...rule.equal],
            })),
        ],
        receivers,
        ...(intervals.length > 0 ? { time_intervals: intervals } : {}),
    };
}
