/**
 * Grafana's single-sign-on providers as lgtm-stack offers them (`grafana.auth`), from Grafana's
 * configuration reference (docs/sources/setup-grafana/configure-access/configure-authentication/
 * {generic-oauth,google,entraid,github,gitlab,okta}): the config section, the callback path the
 * identity provider must allow, and what each provider can do with groups and roles.
 */
export const GRAFANA_AUTH_PROVIDERS = {
    generic: { section: "auth.generic_oauth", callback: "generic_oauth", roles: "attributePath", groups: true, organizations: true, scopes: ["openid", "email", "profile"] },
    google: { section: "auth.google", callback: "google", roles: "attributePath", groups: true, organizations: false, scopes: ["openid", "email", "profile"] },
    /** Entra ID (Azure AD) maps org roles from the app roles assigned in the app registration, not from an expression. */
    azuread: { section: "auth.azuread", callback: "azuread", roles: "appRoles", groups: true, organizations: false, scopes: ["openid", "email", "profile"] },
    /** GitHub has no allowed_groups: teams (team_ids) and organizations restrict sign-in; its `groups` are `@org/team`. */
    github: { section: "auth.github", callback: "github", roles: "attributePath", groups: false, organizations: true, scopes: ["user:email", "read:org"] },
    gitlab: { section: "auth.gitlab", callback: "gitlab", roles: "attributePath", groups: true, organizations: false, scopes: ["openid", "email", "profile"] },
    okta: { section: "auth.okta", callback: "okta", roles: "attributePath", groups: true, organizations: false, scopes: ["openid", "profile", "email", "groups"] },
} as const;

export type GrafanaAuthProvider = keyof typeof GRAFANA_AUTH_PROVIDERS;

/** Google returns groups only with the Cloud Identity groups scope (Grafana's Google page, "Configure allowed groups"). */
export const GOOGLE_GROUPS_SCOPE = "https://www.googleapis.com/auth/cloud-identity.groups.readonly";

/** Grafana org roles a group can be mapped to, in the order they are tried (highest first). */
export const GRAFANA_ROLES = ["GrafanaAdmin", "Admin", "Editor", "Viewer"] as const;

/** Where the OAuth client secret is mounted in the Grafana pod; grafana.ini reads it with `$__file{...}`. */
export const GRAFANA_OAUTH_SECRET = { name: "grafana-oauth", key: "client-secret", mountPath: "/etc/grafana/secrets/oauth" } as const;

/** The identity provider's endpoints Grafana calls, when the provider has no fixed ones (Grafana's pages, per provider). */
export const GRAFANA_AUTH_ENDPOINTS = {
    /** Okta: the org's authorization server. */
    okta: (orgUrl: string) => ({ authUrl: `${orgUrl}/oauth2/v1/authorize`, tokenUrl: `${orgUrl}/oauth2/v1/token`, apiUrl: `${orgUrl}/oauth2/v1/userinfo` }),
    /** Entra ID: the tenant's v2.0 endpoints. */
    azuread: (tenantId: string) => ({
        authUrl: `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/authorize`,
        tokenUrl: `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/token`,
    }),
    /** A self-managed GitLab (gitlab.com is Grafana's default). */
    gitlab: (baseUrl: string) => ({ authUrl: `${baseUrl}/oauth/authorize`, tokenUrl: `${baseUrl}/oauth/token`, apiUrl: `${baseUrl}/api/v4` }),
} as const;
