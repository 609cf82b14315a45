/**
 * Grafana's own configuration file (`grafana.ini`) for the Grafana we deploy: sign-in (the login
 * form, single sign-on through `grafana.auth`) and the initial admin. Section and key names follow
 * Grafana's configuration reference (configure-grafana, and configure-authentication/<provider>);
 * the test checks every key against hand-written lists of those pages. Nothing secret is in it:
 * the OAuth client secret is `$__file{...}`, which Grafana's variable expansion reads from the
 * mounted Secret ("Variable expansion", "File provider").
 */
import { GrafanaAuth, StackConfig } from "../config/types";
import { GRAFANA_AUTH_PROVIDERS, GRAFANA_OAUTH_SECRET } from "../model/grafanaAuth";
import { checksum } from "./checksum";
import { GRAFANA_PATHS } from "./grafana";

/** Section → key → value, as Grafana's ini reads it (`[auth.generic_oauth]` → `client_id = …`). */
export type GrafanaIni = Readonly<Record<string, Readonly<Record<string, string | boolean>>>>;

/** Where the rendered grafana.ini is mounted; GF_PATHS_CONFIG points Grafana's `--config` at it. */
export const GRAFANA_SERVER_CONFIG = { configMap: "grafana-config", key: "grafana.ini", mountPath: "/etc/grafana/lgtm" } as const;

/** Grafana's data directory (its SQLite database): GF_PATHS_DATA, where the data volume is mounted. */
export const GRAFANA_DATA_DIR = "/var/lib/grafana";

/** The initial admin: the key of the admin Secret holding each part, and the environment variable Grafana reads it from. */
export const GRAFANA_ADMIN = {
    user: { key: "admin-user", env: "GF_SECURITY_ADMIN_USER" },
    password: { key: "admin-password", env: "GF_SECURITY_ADMIN_PASSWORD" },
} as const;

export interface RenderedGrafanaServerConfig {
    readonly settings: GrafanaIni;
    /** Settings as `GF_*` environment variables (nothing secret): what grafana.ini does not hold. */
    readonly env: readonly { readonly name: string; readonly value: string }[];
    readonly fileName: string;
    readonly content: string;
    /** Grafana reads grafana.ini only at start-up: a change rolls the pod. */
    readonly checksum: string;
}

/** A JMESPath raw string literal: `'…'` with `'` and `\` escaped. */
function literal(text: string): string {
    return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The role expression from group lists: the first list a user's groups meet decides, highest role
 * first (Grafana's role-mapping examples: `contains(groups[*], 'admin') && 'Admin' || … || 'Viewer'`).
 */
export function roleAttributePath(auth: GrafanaAuth): string | undefined {
    if (auth.roleAttributePath !== undefined) {
        return auth.roleAttributePath;
    }
    const roles = auth.roles;
    if (!roles) {
        return undefined;
    }
    const claim = auth.provider === "github" ? "groups" : roles.groupsClaim;
    const member = (group: string) => `contains(${claim}[*], ${literal(group)})`;
    const levels = [
        ["GrafanaAdmin", roles.grafanaAdmin],
        ["Admin", roles.admin],
        ["Editor", roles.editor],
        ["Viewer", roles.viewer],
    ] as const;
    const branches = levels
        .filter(([, groups]) => groups.length > 0)
        .map(([role, groups]) => `${groups.length === 1 ? member(groups[0]) : `(${groups.map(member).join(" || ")})`} && ${literal(role)}`);
    return [...branches, literal(roles.otherwise)].join(" || ");
}

/** `[auth.<provider>]`, keys only where we set something (Grafana's defaults stand for the rest). */
function providerSection(auth: GrafanaAuth): Record<string, string | boolean> {
    const facts = GRAFANA_AUTH_PROVIDERS[auth.provider];
    const section: Record<string, string | boolean> = {
        enabled: true,
        client_id: auth.clientId,
        client_secret: `$__file{${GRAFANA_OAUTH_SECRET.mountPath}/${GRAFANA_OAUTH_SECRET.key}}`,
        scopes: auth.scopes.join(" "),
        allow_sign_up: auth.allowSignUp,
        auto_login: auth.autoLogin,
    };
    if (auth.displayName !== undefined) section.name = auth.displayName;
    if (auth.endpoints) {
        section.auth_url = auth.endpoints.authUrl;
        section.token_url = auth.endpoints.tokenUrl;
        if (auth.endpoints.apiUrl !== undefined) section.api_url = auth.endpoints.apiUrl;
    }
    if (auth.provider === "azuread") {
        // Entra ID's reference marks client_authentication required; a client secret is sent in the token request body.
        section.client_authentication = "client_secret_post";
    }
    if (auth.provider === "generic") {
        // Off by default for generic OAuth only; every provider we name supports PKCE (RFC 7636).
        section.use_pkce = true;
    }
    if (auth.allowedDomains.length > 0) section.allowed_domains = auth.allowedDomains.join(" ");
    if (auth.allowedGroups.length > 0) section.allowed_groups = auth.allowedGroups.join(" ");
    if (auth.allowedOrganizations.length > 0) section.allowed_organizations = auth.allowedOrganizations.join(" ");
    const groupsClaim = auth.groupsClaim ?? (auth.provider === "generic" ? auth.roles?.groupsClaim : undefined);
    if (groupsClaim !== undefined) section.groups_attribute_path = groupsClaim;
    const rolePath = facts.roles === "attributePath" ? roleAttributePath(auth) : undefined;
    if (rolePath !== undefined) {
        section.role_attribute_path = rolePath;
        // Google skipped role sync before Grafana 10.3; say it outright so roles follow the groups at every sign-in.
        section.skip_org_role_sync = false;
    }
    if (auth.roles && auth.roles.grafanaAdmin.length > 0) section.allow_assign_grafana_admin = true;
    section.role_attribute_strict = auth.strictRoles;
    return section;
}

export function grafanaServerSettings(config: StackConfig): GrafanaIni {
    const { grafana } = config;
    const settings: Record<string, Record<string, string | boolean>> = {
        auth: { disable_login_form: grafana.disableLoginForm },
    };
    if (grafana.disableAdminPassword) {
        // No admin user is created at all: nobody holds a password that SSO would not govern.
        settings.security = { disable_initial_admin_creation: true };
    }
    if (grafana.auth) {
        settings[GRAFANA_AUTH_PROVIDERS[grafana.auth.provider].section] = providerSection(grafana.auth);
    }
    return settings;
}

/** An ini value; one holding a comment character, a quote or outer spaces goes in Grafana's triple quotes. */
function iniValue(value: string | boolean): string {
    const text = String(value);
    if (text.includes('"""')) {
        throw new Error(`a grafana.ini value cannot contain """: ${text}`);
    }
    return /[#;"'`]/.test(text) || text !== text.trim() ? `"""${text}"""` : text;
}

/**
 * Grafana's settings as environment variables ("Override configuration with environment
 * variables", `GF_<SECTION>_<KEY>`). grafana.ini (sign-in, SSO) comes from our ConfigMap;
 * environment variables would override it, so they hold only what the file does not.
 */
function grafanaEnv(config: StackConfig): { name: string; value: string }[] {
    const settings: Record<string, string> = {
        GF_PATHS_CONFIG: `${GRAFANA_SERVER_CONFIG.mountPath}/${GRAFANA_SERVER_CONFIG.key}`,
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
        GF_PLUGINS_PREINSTALL_DISABLED: "true",
        GF_PATHS_DATA: GRAFANA_DATA_DIR,
        GF_SERVER_ROOT_URL: config.grafana.url,
        // `grafana.mode: files`: the datasources and dashboard providers are files in this folder.
        ...(config.grafana.mode === "files" ? { GF_PATHS_PROVISIONING: GRAFANA_PATHS.provisioning } : {}),
    };
    return Object.entries(settings).map(([name, value]) => ({ name, value }));
}

export function renderGrafanaServerConfig(config: StackConfig): RenderedGrafanaServerConfig {
    const settings = grafanaServerSettings(config);
    const content =
        "; Generated by lgtm-stack from the stack config — do not edit; change the config and re-render.\n" +
        Object.entries(settings)
            .map(([section, keys]) => `[${section}]\n${Object.entries(keys).map(([key, value]) => `${key} = ${iniValue(value)}`).join("\n")}\n`)
            .join("\n");
    return { settings, env: grafanaEnv(config), fileName: GRAFANA_SERVER_CONFIG.key, content, checksum: checksum(content) };
}
