/**
 * Renders alertmanager.yml. `critical` alerts page (PagerDuty), `warning` alerts open a ticket
 * (Slack, or the webhook), `info` alerts notify nobody; a warning is inhibited while a critical
 * alert fires for the same service and the same SLO. The always-firing Watchdog goes only to the
 * heartbeat receiver, once a minute (nowhere without one). Credentials are read from files
 * mounted from a Kubernetes Secret (`*_file` fields), so this file never holds one.
 */
import { StackConfig } from "../config/types";
import { WATCHDOG } from "../model/alerting";
import { ALERTMANAGER_SECRET_FILES, PATHS } from "../model/components";

const secretFile = (name: string) => `${PATHS.alertmanagerSecretsDir}/${name}`;

const ALERT_TEXT =
    '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\nDashboard: {{ .Annotations.dashboard_url }}\n{{ end }}';

export function renderAlertmanagerConfig(config: StackConfig) {
    const { pagerdutyRoutingKey, slackWebhookUrl } = config.secrets;
    // The webhook URL is a credential (it often embeds a token): a secret file, like Slack's.
    const webhookUrl = config.secrets.webhookUrl;
    const receivers: Record<string, unknown>[] = [];
    if (pagerdutyRoutingKey) {
        receivers.push({
            name: "pagerduty",
            pagerduty_configs: [
                {
                    routing_key_file: secretFile(ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey),
                    send_resolved: true,
                    // PagerDuty's own severities include ours (critical, warning, info); a group is one alert name, so one severity.
                    severity: '{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}critical{{ end }}',
                    description: '{{ .CommonLabels.alertname }} on {{ .CommonLabels.service }}: {{ .CommonAnnotations.summary }}',
                    links: [
                        { href: "{{ .CommonAnnotations.runbook_url }}", text: "Runbook" },
                        { href: "{{ .CommonAnnotations.dashboard_url }}", text: "Dashboard" },
                    ],
                    details: { service: "{{ .CommonLabels.service }}", team: "{{ .CommonLabels.team }}", slo: "{{ .CommonLabels.slo }}" },
                },
            ],
        });
    }
    if (slackWebhookUrl) {
        receivers.push({
            name: "slack",
            slack_configs: [
                {
                    api_url_file: secretFile(ALERTMANAGER_SECRET_FILES.slackWebhookUrl),
                    channel: config.alertmanager.slackChannel,
                    send_resolved: true,
                    title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} — {{ .CommonLabels.service }}',
                    text: ALERT_TEXT,
                },
            ],
        });
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

    const pageReceiver = pagerdutyRoutingKey ? "pagerduty" : webhookUrl ? "webhook" : slackWebhookUrl ? "slack" : "blackhole";
    const ticketReceiver = slackWebhookUrl ? "slack" : webhookUrl ? "webhook" : "blackhole";
    const copyToWebhook = webhookUrl && (pageReceiver !== "webhook" || ticketReceiver !== "webhook");
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
    routes.push(
        { receiver: pageReceiver, matchers: ['severity="critical"'] },
        { receiver: ticketReceiver, matchers: ['severity="warning"'] },
        // Info alerts are context for whoever looks (Alertmanager, Grafana), not a notification.
        { receiver: "blackhole", matchers: ['severity="info"'] },
    );
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: ticketReceiver,
            group_by: ["alertname", "service"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes,
        },
        inhibit_rules: [
            {
                // `equal` treats a label missing on both sides as equal (both empty), so without
                // `slo=~".+"` HighErrorRate (no slo) would silence HighLatency (no slo) of the same service.
                source_matchers: ['severity="critical"', 'slo=~".+"'],
                target_matchers: ['severity="warning"', 'slo=~".+"'],
                equal: ["service", "slo"],
            },
        ],
        receivers,
    };
}
