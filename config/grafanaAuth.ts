/**
 * `grafana.auth`: single sign-on for the Grafana we deploy, with the common providers (Google,
 * Entra ID, GitHub, GitLab, Okta) and generic OAuth/OIDC. The client secret is never config: it is
 * the Pulumi secret `grafanaOAuthClientSecret`, which Grafana reads from a mounted file.
 */
import { GOOGLE_GROUPS_SCOPE, GRAFANA_AUTH_ENDPOINTS, GRAFANA_AUTH_PROVIDERS, GrafanaAuthProvider } from "../model/grafanaAuth";
import { BASE_URL, HTTP_URL } from "./formats";
import { GRAFANA_AUTH_SETTINGS, sectionKeys, variantsOf } from "./keys";
import { ObjectReader, Problems, variantReader } from "./reader";
import { ConfiguredSecrets, GrafanaAuth, GrafanaMode, GrafanaRoleMapping } from "./types";

const SETTINGS = GRAFANA_AUTH_SETTINGS;
const KEYS = variantsOf(SETTINGS, "provider", Object.keys(GRAFANA_AUTH_PROVIDERS) as GrafanaAuthProvider[]);

/** A JMESPath field path such as `groups` or `realm_access.roles`. */
const CLAIM_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** An Entra ID tenant: its directory (GUID) or a verified domain. */
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)$/;

export interface GrafanaAuthSettings {
    readonly auth?: GrafanaAuth;
    readonly disableLoginForm: boolean;
    readonly disableAdminPassword: boolean;
}

function strings(reader: ObjectReader<string>, key: string, example: string): string[] {
    return reader
        .items(key)
        .filter((entry) => {
            if (typeof entry.value !== "string" || entry.value.trim() === "") {
                reader.problems.add(entry.path, `expected a non-empty text, e.g. ${example}`);
                return false;
            }
            return true;
        })
        .map((entry) => entry.value as string);
}

function readRoles(auth: ObjectReader<string>, provider: GrafanaAuthProvider): GrafanaRoleMapping | undefined {
    if (!auth.has("roles")) {
        return undefined;
    }
    const table = SETTINGS.roles.keys;
    const roles = auth.object("roles", sectionKeys(SETTINGS.roles));
    const groupsClaim = roles.string("groupsClaim", table.groupsClaim.default.value, { test: (v) => CLAIM_PATH.test(v), hint: "is not a claim path; use e.g. groups or realm_access.roles" });
    const mapping = {
        groupsClaim,
        grafanaAdmin: strings(roles, "grafanaAdmin", "platform-owners"),
        admin: strings(roles, "admin", "sre"),
        editor: strings(roles, "editor", "developers"),
        viewer: strings(roles, "viewer", "support"),
        otherwise: roles.oneOf("otherwise", ["Viewer", "None"], table.otherwise.default.value),
    };
    if ([mapping.grafanaAdmin, mapping.admin, mapping.editor, mapping.viewer].every((list) => list.length === 0) && !auth.problems.about(auth.keyPath("roles"))) {
        auth.problems.add(auth.keyPath("roles"), `maps no group to a role; list groups under admin, editor, viewer or grafanaAdmin, e.g. roles: { admin: [sre], editor: [developers] }`);
    }
    if (provider === "github" && roles.has("groupsClaim")) {
        roles.problems.add(roles.keyPath("groupsClaim"), "does not apply to GitHub, whose groups are its teams as @organization/team; remove it");
    }
    return mapping;
}

/** Reads `grafana.auth`; `mode` and the secrets decide what may be combined with it. */
export function readGrafanaAuth(grafana: ObjectReader<string>, mode: GrafanaMode, secrets: ConfiguredSecrets, problems: Problems): GrafanaAuthSettings {
    const path = grafana.keyPath("auth");
    if (!grafana.has("auth")) {
        if (secrets.grafanaOAuthClientSecret) {
            problems.add("grafanaOAuthClientSecret", "is only used with grafana.auth; remove it with `pulumi config rm grafanaOAuthClientSecret` or configure grafana.auth");
        }
        return { disableLoginForm: false, disableAdminPassword: false };
    }
    if (!(grafana.raw("auth") as Record<string, unknown> | undefined)?.provider) {
        problems.add(`${path}.provider`, `is required; one of ${Object.keys(GRAFANA_AUTH_PROVIDERS).join(", ")}`);
    }
    const { kind: provider, reader } = variantReader(path, grafana.raw("auth"), problems, "provider", KEYS, "generic");
    const auth = reader as ObjectReader<string>;
    const clientId = auth.requiredString("clientId", undefined, "the client (application) ID of the app registered with your identity provider") ?? "";
    if (!secrets.grafanaOAuthClientSecret) {
        problems.add(path, "needs the OAuth client secret; run `pulumi config set --secret grafanaOAuthClientSecret <client-secret>` (Grafana reads it from a mounted file, never from a ConfigMap)");
    }
    const facts = GRAFANA_AUTH_PROVIDERS[provider];
    let endpoints: GrafanaAuth["endpoints"];
    if (provider === "generic") {
        const url = (key: "authUrl" | "tokenUrl" | "apiUrl", what: string) => auth.requiredString(key, HTTP_URL, `generic OAuth needs the identity provider's ${what} endpoint, e.g. https://idp.example.com/oauth2/${key === "authUrl" ? "authorize" : key === "tokenUrl" ? "token" : "userinfo"}`) ?? "";
        endpoints = { authUrl: url("authUrl", "authorization"), tokenUrl: url("tokenUrl", "token"), apiUrl: url("apiUrl", "user info") };
    } else if (provider === "okta") {
        const orgUrl = auth.requiredString("url", BASE_URL, "Okta needs your org's URL, e.g. https://acme.okta.com");
        endpoints = orgUrl === undefined ? undefined : GRAFANA_AUTH_ENDPOINTS.okta(orgUrl);
    } else if (provider === "gitlab") {
        const baseUrl = auth.optionalString("url", BASE_URL);
        endpoints = baseUrl === undefined ? undefined : GRAFANA_AUTH_ENDPOINTS.gitlab(baseUrl);
    } else if (provider === "azuread") {
        const tenant = auth.requiredString("tenantId", { test: (v) => TENANT.test(v), hint: "is not an Entra ID tenant; give the directory (tenant) ID, a GUID, or a verified domain such as acme.onmicrosoft.com" }, "Entra ID needs the directory (tenant) ID of the app registration");
        endpoints = tenant === undefined ? undefined : GRAFANA_AUTH_ENDPOINTS.azuread(tenant);
    }
    const roles = readRoles(auth, provider);
    const roleAttributePath = auth.optionalString("roleAttributePath");
    if (facts.roles === "appRoles") {
        for (const key of ["roles", "roleAttributePath"] as const) {
            if (auth.has(key)) {
                problems.add(auth.keyPath(key), "does not apply to Entra ID, which gives Grafana the app roles assigned in the app registration (values Admin, Editor, Viewer, GrafanaAdmin); assign those instead");
            }
        }
    }
    if (roles && roleAttributePath !== undefined) {
        problems.add(auth.keyPath("roleAttributePath"), "cannot be combined with roles; give either the group lists (roles) or a JMESPath expression of your own");
    }
    const allowedGroups = facts.groups ? strings(auth, "allowedGroups", "observability-users") : [];
    const groupsClaim = provider === "generic" ? auth.optionalString("groupsClaim", { test: (v) => CLAIM_PATH.test(v), hint: "is not a claim path; use e.g. groups" }) : undefined;
    if (provider === "generic" && allowedGroups.length > 0 && groupsClaim === undefined && !auth.problems.about(auth.keyPath("groupsClaim"))) {
        problems.add(auth.keyPath("groupsClaim"), "is required with allowedGroups: Grafana needs the claim holding the user's groups, e.g. groups");
    }
    const disableAdminPassword = auth.boolean("disableAdminPassword", SETTINGS.disableAdminPassword.default.value);
    if (disableAdminPassword && mode === "api") {
        problems.add(auth.keyPath("disableAdminPassword"), "cannot be used with grafana.mode: api, where Pulumi provisions Grafana through its API as the admin user; use mode: files, or keep the admin password");
    }
    if (disableAdminPassword && secrets.grafanaAdminPassword) {
        problems.add("grafanaAdminPassword", "is set while grafana.auth.disableAdminPassword is true; remove it with `pulumi config rm grafanaAdminPassword`");
    }
    const extraScopes = provider === "google" && (allowedGroups.length > 0 || roles) ? [GOOGLE_GROUPS_SCOPE] : [];
    const scopes = auth.has("scopes") ? strings(auth, "scopes", "openid") : [...facts.scopes, ...extraScopes];
    return {
        auth: {
            provider,
            clientId,
            ...(auth.has("name") ? { displayName: auth.string("name", provider) } : {}),
            ...(endpoints ? { endpoints } : {}),
            scopes,
            allowedDomains: strings(auth, "allowedDomains", "acme.example"),
            allowedGroups,
            allowedOrganizations: facts.organizations ? strings(auth, "allowedOrganizations", "acme") : [],
            ...(groupsClaim ? { groupsClaim } : {}),
            ...(roles ? { roles } : {}),
            ...(roleAttributePath !== undefined ? { roleAttributePath } : {}),
            strictRoles: auth.boolean("strictRoles", SETTINGS.strictRoles.default.value),
            allowSignUp: auth.boolean("allowSignUp", SETTINGS.allowSignUp.default.value),
            autoLogin: auth.boolean("autoLogin", SETTINGS.autoLogin.default.value),
        },
        disableLoginForm: auth.boolean("disableLoginForm", SETTINGS.disableLoginForm.default.value),
        disableAdminPassword,
    };
}
