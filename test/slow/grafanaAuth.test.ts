/**
 * Grafana single sign-on (`grafana.auth`): what each provider's config becomes in grafana.ini,
 * written out by hand from Grafana's configuration reference (section per provider, endpoints,
 * JMESPath role mapping), the keys checked against our hand-written list of that reference, the
 * config's refusals, and, under mocks, that the client secret stays in a Secret file.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { grafanaServerSettings, renderGrafanaServerConfig } from "../../render/grafanaServer";
import { knownRunbooks, minimalRaw } from "../support/fixtures";
import { FAKE_SECRET_PREFIX, isSecretOutput, ofType, runStack } from "../support/mocks";
import { checkAgainstKeyList } from "../support/upstream/schema";
import { GRAFANA_INI_KEYS } from "../support/upstream/grafanaIniKeys";

const SECRET = "grafanaOAuthClientSecret";
const FILE = "$__file{/etc/grafana/secrets/oauth/client-secret}";

function settingsFor(grafana: Record<string, unknown>, secrets: string[] = [SECRET]) {
    const values: Record<string, unknown> = { grafana, ...Object.fromEntries(secrets.map((key) => [key, "<secret>"])) };
    return grafanaServerSettings(loadStackConfig(minimalRaw(values, secrets), { knownRunbooks }));
}

function problemsOf(grafana: Record<string, unknown>, secrets: string[] = [SECRET]): string[] {
    try {
        settingsFor(grafana, secrets);
    } catch (error) {
        if (error instanceof ConfigErrors) return [...error.problems];
        throw error;
    }
    assert.fail("expected the config to be refused");
}

/** One worked example per provider (the README shows the same), with the grafana.ini each must give. */
export const PROVIDER_CASES: ReadonlyArray<{ name: string; grafana: Record<string, unknown>; expected: Record<string, Record<string, string | boolean>> }> = [
    {
        name: "Okta: groups map to Admin and Editor, everyone else None, strict; no login form and no admin user",
        grafana: {
            auth: {
                provider: "okta",
                url: "https://acme.okta.com",
                clientId: "0oa1b2c3d4",
                roles: { admin: ["sre"], editor: ["developers", "on-call's"], otherwise: "None" },
                strictRoles: true,
                disableLoginForm: true,
                disableAdminPassword: true,
            },
        },
        expected: {
            auth: { disable_login_form: true },
            security: { disable_initial_admin_creation: true },
            "auth.okta": {
                enabled: true,
                client_id: "0oa1b2c3d4",
                client_secret: FILE,
                scopes: "openid profile email groups",
                allow_sign_up: true,
                auto_login: false,
                auth_url: "https://acme.okta.com/oauth2/v1/authorize",
                token_url: "https://acme.okta.com/oauth2/v1/token",
                api_url: "https://acme.okta.com/oauth2/v1/userinfo",
                role_attribute_path: "contains(groups[*], 'sre') && 'Admin' || (contains(groups[*], 'developers') || contains(groups[*], 'on-call\\'s')) && 'Editor' || 'None'",
                skip_org_role_sync: false,
                role_attribute_strict: true,
            },
        },
    },
    {
        name: "Entra ID: the tenant's v2.0 endpoints, the secret sent in the request body, sign-in limited to one group; roles from app roles",
        grafana: { auth: { provider: "azuread", tenantId: "acme.onmicrosoft.com", clientId: "6f1c8e2a-0000-4000-8000-000000000001", allowedGroups: ["8bab1c86-8fba-33e5-2089-1d1c80ec267d"] } },
        expected: {
            auth: { disable_login_form: false },
            "auth.azuread": {
                enabled: true,
                client_id: "6f1c8e2a-0000-4000-8000-000000000001",
                client_secret: FILE,
                scopes: "openid email profile",
                allow_sign_up: true,
                auto_login: false,
                auth_url: "https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/authorize",
                token_url: "https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/token",
                client_authentication: "client_secret_post",
                allowed_groups: "8bab1c86-8fba-33e5-2089-1d1c80ec267d",
                role_attribute_strict: false,
            },
        },
    },
    {
        name: "GitHub: one organization may sign in, its @acme/sre team administers, a platform team is Grafana server admin",
        grafana: { auth: { provider: "github", clientId: "Iv1.abc", allowedOrganizations: ["acme"], roles: { grafanaAdmin: ["@acme/platform"], admin: ["@acme/sre"] } } },
        expected: {
            auth: { disable_login_form: false },
            "auth.github": {
                enabled: true,
                client_id: "Iv1.abc",
                client_secret: FILE,
                scopes: "user:email read:org",
                allow_sign_up: true,
                auto_login: false,
                allowed_organizations: "acme",
                role_attribute_path: "contains(groups[*], '@acme/platform') && 'GrafanaAdmin' || contains(groups[*], '@acme/sre') && 'Admin' || 'Viewer'",
                skip_org_role_sync: false,
                allow_assign_grafana_admin: true,
                role_attribute_strict: false,
            },
        },
    },
    {
        name: "GitLab self-managed: its own endpoints, one group may sign in, maintainers edit",
        grafana: { auth: { provider: "gitlab", url: "https://gitlab.acme.example", clientId: "f00", allowedGroups: ["acme/observability"], roles: { editor: ["acme/observability/maintainers"] }, autoLogin: true } },
        expected: {
            auth: { disable_login_form: false },
            "auth.gitlab": {
                enabled: true,
                client_id: "f00",
                client_secret: FILE,
                scopes: "openid email profile",
                allow_sign_up: true,
                auto_login: true,
                auth_url: "https://gitlab.acme.example/oauth/authorize",
                token_url: "https://gitlab.acme.example/oauth/token",
                api_url: "https://gitlab.acme.example/api/v4",
                allowed_groups: "acme/observability",
                role_attribute_path: "contains(groups[*], 'acme/observability/maintainers') && 'Editor' || 'Viewer'",
                skip_org_role_sync: false,
                role_attribute_strict: false,
            },
        },
    },
    {
        name: "Google: one Workspace domain, a Google group edits (the Cloud Identity groups scope is added for it)",
        grafana: { auth: { provider: "google", clientId: "123.apps.googleusercontent.com", allowedDomains: ["acme.example"], roles: { editor: ["sre@acme.example"] } } },
        expected: {
            auth: { disable_login_form: false },
            "auth.google": {
                enabled: true,
                client_id: "123.apps.googleusercontent.com",
                client_secret: FILE,
                scopes: "openid email profile https://www.googleapis.com/auth/cloud-identity.groups.readonly",
                allow_sign_up: true,
                auto_login: false,
                allowed_domains: "acme.example",
                role_attribute_path: "contains(groups[*], 'sre@acme.example') && 'Editor' || 'Viewer'",
                skip_org_role_sync: false,
                role_attribute_strict: false,
            },
        },
    },
    {
        name: "generic OIDC (Keycloak): endpoints given, groups from a nested claim, a role expression of your own, PKCE on",
        grafana: {
            mode: "api",
            url: "https://grafana.acme.example",
            auth: {
                provider: "generic",
                name: "Keycloak",
                clientId: "grafana",
                authUrl: "https://sso.acme.example/realms/acme/protocol/openid-connect/auth",
                tokenUrl: "https://sso.acme.example/realms/acme/protocol/openid-connect/token",
                apiUrl: "https://sso.acme.example/realms/acme/protocol/openid-connect/userinfo",
                groupsClaim: "realm_access.roles",
                allowedGroups: ["grafana"],
                roleAttributePath: "contains(realm_access.roles[*], 'grafana-admin') && 'Admin' || 'Viewer'",
                allowSignUp: false,
            },
        },
        expected: {
            auth: { disable_login_form: false },
            "auth.generic_oauth": {
                enabled: true,
                name: "Keycloak",
                client_id: "grafana",
                client_secret: FILE,
                scopes: "openid email profile",
                allow_sign_up: false,
                auto_login: false,
                auth_url: "https://sso.acme.example/realms/acme/protocol/openid-connect/auth",
                token_url: "https://sso.acme.example/realms/acme/protocol/openid-connect/token",
                api_url: "https://sso.acme.example/realms/acme/protocol/openid-connect/userinfo",
                use_pkce: true,
                allowed_groups: "grafana",
                groups_attribute_path: "realm_access.roles",
                role_attribute_path: "contains(realm_access.roles[*], 'grafana-admin') && 'Admin' || 'Viewer'",
                skip_org_role_sync: false,
                role_attribute_strict: false,
            },
        },
    },
];

describe("grafana.auth: each provider's grafana.ini", () => {
    for (const { name, grafana, expected } of PROVIDER_CASES) {
        test(name, () => {
            const settings = settingsFor(grafana);
            assert.deepEqual(settings, expected);
            assert.deepEqual(checkAgainstKeyList(settings, GRAFANA_INI_KEYS, "grafana.ini"), []);
        });
    }

    test("without grafana.auth the form stays and nothing else is set", () => {
        assert.deepEqual(settingsFor({}, []), { auth: { disable_login_form: false } });
    });

    test("the file quotes what Grafana's ini reader would cut at a comment character or unquote", () => {
        const config = loadStackConfig(minimalRaw({ grafana: PROVIDER_CASES[2].grafana, [SECRET]: "<secret>" }, [SECRET]), { knownRunbooks });
        assert.equal(
            renderGrafanaServerConfig(config).content,
            [
                "; Generated by lgtm-stack from the stack config — do not edit; change the config and re-render.",
                "[auth]",
                "disable_login_form = false",
                "",
                "[auth.github]",
                "enabled = true",
                "client_id = Iv1.abc",
                "client_secret = $__file{/etc/grafana/secrets/oauth/client-secret}",
                "scopes = user:email read:org",
                "allow_sign_up = true",
                "auto_login = false",
                "allowed_organizations = acme",
                `role_attribute_path = """contains(groups[*], '@acme/platform') && 'GrafanaAdmin' || contains(groups[*], '@acme/sre') && 'Admin' || 'Viewer'"""`,
                "skip_org_role_sync = false",
                "allow_assign_grafana_admin = true",
                "role_attribute_strict = false",
                "",
            ].join("\n"),
        );
    });

    test("the key check names a key Grafana's reference does not have", () => {
        assert.deepEqual(checkAgainstKeyList({ "auth.okta": { allowed_organizations: "acme" }, auth: { disable_login_form: "true" } }, GRAFANA_INI_KEYS, "grafana.ini"), [
            "grafana.ini: auth.okta.allowed_organizations is not a key of the pinned upstream reference (not on our reviewed list)",
            'grafana.ini: auth.disable_login_form must be a bool, got "true"',
        ]);
    });
});

describe("grafana.auth: what is refused", () => {
    test("the client secret is required as a Pulumi secret, and refused where unused", () => {
        assert.deepEqual(problemsOf({ auth: { provider: "google", clientId: "x" } }, []), [
            "grafana.auth: needs the OAuth client secret; run `pulumi config set --secret grafanaOAuthClientSecret <client-secret>` (Grafana reads it from a mounted file, never from a ConfigMap)",
        ]);
        assert.deepEqual(problemsOf({}), ["grafanaOAuthClientSecret: is only used with grafana.auth; remove it with `pulumi config rm grafanaOAuthClientSecret` or configure grafana.auth"]);
        const plain = loadStackConfig.bind(undefined, minimalRaw({ grafana: { auth: { provider: "google", clientId: "x" } }, [SECRET]: "s3cr3t" }), { knownRunbooks });
        assert.throws(plain, (error: ConfigErrors) => error.problems.includes(`${SECRET}: is a credential stored in plain text; remove it and run \`pulumi config set --secret ${SECRET} <value>\``));
    });

    test("provider-specific keys, missing endpoints and tenants, and role settings Entra ID does not take", () => {
        assert.deepEqual(problemsOf({ auth: { clientId: "x", authUrl: "https://idp.example/auth" } }), [
            "grafana.auth.provider: is required; one of generic, google, azuread, github, gitlab, okta",
            "grafana.auth.tokenUrl: is required; generic OAuth needs the identity provider's token endpoint, e.g. https://idp.example.com/oauth2/token",
            "grafana.auth.apiUrl: is required; generic OAuth needs the identity provider's user info endpoint, e.g. https://idp.example.com/oauth2/userinfo",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "github", clientId: "x", allowedGroups: ["sre"] } }), [
            "grafana.auth.allowedGroups: only applies with provider: generic or google or azuread or gitlab or okta (here provider is github); remove it or change provider",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "azuread", clientId: "x", tenantId: "not a tenant", roles: { admin: ["sre"] } } }), [
            'grafana.auth.tenantId: "not a tenant" is not an Entra ID tenant; give the directory (tenant) ID, a GUID, or a verified domain such as acme.onmicrosoft.com',
            "grafana.auth.roles: does not apply to Entra ID, which gives Grafana the app roles assigned in the app registration (values Admin, Editor, Viewer, GrafanaAdmin); assign those instead",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "okta", clientId: "x", url: "https://acme.okta.com", roles: { otherwise: "Admin" }, roleAttributePath: "'Viewer'" } }), [
            'grafana.auth.roles.otherwise: "Admin" is not one of Viewer, None',
            "grafana.auth.roleAttributePath: cannot be combined with roles; give either the group lists (roles) or a JMESPath expression of your own",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "okta", clientId: "x", url: "https://acme.okta.com", roles: { otherwise: "None" } } }), [
            "grafana.auth.roles: maps no group to a role; list groups under admin, editor, viewer or grafanaAdmin, e.g. roles: { admin: [sre], editor: [developers] }",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "generic", clientId: "x", authUrl: "https://i/a", tokenUrl: "https://i/t", apiUrl: "https://i/u", allowedGroups: ["a"] } }), [
            "grafana.auth.groupsClaim: is required with allowedGroups: Grafana needs the claim holding the user's groups, e.g. groups",
        ]);
    });

    test("no admin password only where nobody needs it: not with mode api, not beside an admin password of your own", () => {
        assert.deepEqual(problemsOf({ mode: "api", auth: { provider: "google", clientId: "x", disableAdminPassword: true } }), [
            "grafana.auth.disableAdminPassword: cannot be used with grafana.mode: api, where Pulumi provisions Grafana through its API as the admin user; use mode: files, or keep the admin password",
        ]);
        assert.deepEqual(problemsOf({ auth: { provider: "google", clientId: "x", disableAdminPassword: true } }, [SECRET, "grafanaAdminPassword"]), [
            "grafanaAdminPassword: is set while grafana.auth.disableAdminPassword is true; remove it with `pulumi config rm grafanaAdminPassword`",
        ]);
    });

    test("an external Grafana's sign-in is not ours to configure", () => {
        const external = { mode: "external", url: "https://grafana.acme.example", datasourceUrls: { prometheus: "https://p.example", loki: "https://l.example", tempo: "https://t.example", alertmanager: "https://a.example" } };
        assert.deepEqual(problemsOf({ ...external, auth: { provider: "google", clientId: "x" } }, [SECRET, "grafanaExternalUrl", "grafanaServiceAccountToken"]), [
            "grafana.auth: only applies with mode: files or api (here mode is external); remove it or change mode",
            "grafanaOAuthClientSecret: is not used with grafana.mode: external (sign-in to your own Grafana is configured there); remove it with `pulumi config rm grafanaOAuthClientSecret`",
        ]);
    });
});

describe("grafana.auth under mocks", () => {
    const okta = PROVIDER_CASES[0].grafana;

    test("files mode: the client secret is only in a Secret mounted as the file grafana.ini names; no admin user, password or output", async () => {
        const { resources, outputs } = await runStack("dev", { grafana: okta }, [SECRET]);
        for (const map of ofType(resources, "kubernetes:core/v1:ConfigMap")) {
            assert.doesNotMatch(JSON.stringify(map.inputs.data ?? {}), new RegExp(FAKE_SECRET_PREFIX), `ConfigMap ${map.inputs.metadata.name}`);
        }
        const [oauth] = ofType(resources, "kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.name === "grafana-oauth");
        assert.equal(oauth.inputs.stringData.value["client-secret"], `${FAKE_SECRET_PREFIX}${SECRET}`);
        const [config] = ofType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name === "grafana-config");
        assert.match(config.inputs.data["grafana.ini"], /^client_secret = \$__file\{\/etc\/grafana\/secrets\/oauth\/client-secret\}$/m);
        const [deployment] = ofType(resources, "kubernetes:apps/v1:Deployment").filter((r) => r.inputs.metadata.name === "grafana");
        const pod = deployment.inputs.spec.template.spec;
        const container = pod.containers[0];
        assert.deepEqual(
            container.volumeMounts.filter((m: { name: string }) => ["config", "oauth"].includes(m.name)),
            [
                { name: "config", mountPath: "/etc/grafana/lgtm", readOnly: true },
                { name: "oauth", mountPath: "/etc/grafana/secrets/oauth", readOnly: true },
            ],
        );
        assert.equal(pod.volumes.find((v: { name: string }) => v.name === "oauth").secret.secretName, "grafana-oauth");
        const env = Object.fromEntries(container.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
        assert.equal(env.GF_PATHS_CONFIG, "/etc/grafana/lgtm/grafana.ini");
        assert.ok(!("GF_SECURITY_ADMIN_PASSWORD" in env) && !("GF_SECURITY_ADMIN_USER" in env), "no admin user");
        assert.ok(!("GF_AUTH_DISABLE_LOGIN_FORM" in env), "the login form is grafana.ini's to decide (env would override it)");
        assert.equal(ofType(resources, "kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.name === "grafana-admin").length, 0);
        assert.equal(ofType(resources, "random:index/randomPassword:RandomPassword").length, 0, "no default password generated");
        assert.equal(outputs.grafanaAdminPassword, undefined);
    });

    test("api mode: SSO beside the admin the provider signs in as; the admin password stays a secret", async () => {
        const { resources, outputs } = await runStack("dev", { grafana: { mode: "api", url: "http://localhost:3000", auth: { provider: "google", clientId: "123.apps.googleusercontent.com" } } }, [SECRET]);
        assert.equal(ofType(resources, "kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.name === "grafana-oauth").length, 1);
        assert.equal(await isSecretOutput(outputs.grafanaAdminPassword!), true);
        const [config] = ofType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name === "grafana-config");
        assert.match(config.inputs.data["grafana.ini"], /^\[auth\.google\]$/m);
    });
});
