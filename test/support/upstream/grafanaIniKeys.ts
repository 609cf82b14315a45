/**
 * The grafana.ini sections and keys we render, written by hand from grafana/grafana's
 * configuration reference for the 13.x line: docs/sources/setup-grafana/configure-grafana/_index.md
 * (`[auth] disable_login_form`, `[security] disable_initial_admin_creation`, variable expansion)
 * and the "Configuration options" tables of
 * docs/sources/setup-grafana/configure-access/configure-authentication/{generic-oauth,google,entraid,
 * github,gitlab,okta}/index.md, checked against conf/defaults.ini's provider sections. Sections
 * are top-level keys with dots in their names (`auth.generic_oauth`), as Grafana writes them.
 */
import { block, bool, enumOf, KeyList, str } from "./schema";

/** Keys every OAuth provider section shares (each provider page lists them). */
const COMMON_OAUTH: Readonly<Record<string, string>> = {
    enabled: "turns the provider on",
    name: "label of the sign-in button",
    client_id: "the app's client ID",
    client_secret: "the app's client secret; we give $__file{...}",
    scopes: "comma- or space-separated scopes",
    allow_sign_up: "create Grafana users at first sign-in",
    auto_login: "skip the login page and go to the provider",
    role_attribute_strict: "refuse sign-in when no role maps",
    skip_org_role_sync: "stop syncing org roles at sign-in",
    allow_assign_grafana_admin: "let the role expression grant GrafanaAdmin",
    allowed_domains: "comma- or space-separated e-mail domains that may sign in",
};

function section(name: string, extra: Readonly<Record<string, string>>, enums: Readonly<Record<string, readonly string[]>> = {}): KeyList {
    const keys: Record<string, { type: ReturnType<typeof enumOf> | typeof str; note: string }> = {};
    for (const [key, note] of Object.entries({ ...COMMON_OAUTH, ...extra })) {
        keys[`${name}.${key}`] = { type: key in enums ? enumOf(...enums[key]) : ["enabled", "allow_sign_up", "auto_login", "role_attribute_strict", "skip_org_role_sync", "allow_assign_grafana_admin", "use_pkce"].includes(key) ? bool : str, note };
    }
    return { [name]: { type: block, note: `the [${name}] section` }, ...keys };
}

const ENDPOINTS = { auth_url: "authorization endpoint", token_url: "token endpoint", api_url: "user info endpoint" };
const ROLE_PATH = { role_attribute_path: "JMESPath giving the org role (None, Viewer, Editor, Admin, GrafanaAdmin)" };

export const GRAFANA_INI_KEYS: KeyList = {
    auth: { type: block, note: "the [auth] section" },
    "auth.disable_login_form": { type: bool, note: "hide the user/password form" },
    security: { type: block, note: "the [security] section" },
    "security.disable_initial_admin_creation": { type: bool, note: "create no admin user at first start" },
    ...section("auth.generic_oauth", {
        ...ENDPOINTS,
        ...ROLE_PATH,
        groups_attribute_path: "JMESPath giving the user's groups (needed by allowed_groups)",
        allowed_groups: "groups that may sign in",
        allowed_organizations: "organizations that may sign in",
        use_pkce: "use PKCE (off by default for generic OAuth)",
    }),
    ...section("auth.google", { ...ENDPOINTS, ...ROLE_PATH, allowed_groups: "Google groups (e-mail addresses) that may sign in", use_pkce: "use PKCE" }),
    ...section(
        "auth.azuread",
        {
            auth_url: "the tenant's authorization endpoint",
            token_url: "the tenant's token endpoint",
            client_authentication: "how the client authenticates at the token endpoint",
            allowed_groups: "group object IDs that may sign in",
            use_pkce: "use PKCE",
        },
        { client_authentication: ["none", "client_secret_post", "managed_identity", "workload_identity"] },
    ),
    ...section("auth.github", { ...ENDPOINTS, ...ROLE_PATH, allowed_organizations: "GitHub organizations that may sign in", team_ids: "GitHub team IDs that may sign in" }),
    ...section("auth.gitlab", { ...ENDPOINTS, ...ROLE_PATH, allowed_groups: "GitLab groups that may sign in" }),
    ...section("auth.okta", { ...ENDPOINTS, ...ROLE_PATH, allowed_groups: "Okta groups that may sign in" }),
};
