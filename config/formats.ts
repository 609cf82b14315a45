/**
 * The value formats the target systems expect, each as a pattern plus the hint a user sees when a
 * value does not match. Patterns follow the system that reads the value (Kubernetes apimachinery
 * validation, Prometheus, minio-go, S3 bucket naming), not what merely looks plausible.
 */

export interface Format {
    readonly test: (value: string) => boolean;
    /** Completes "<value> ..." in the message: what is wrong and how to write it. */
    readonly hint: string;
}

const pattern = (regex: RegExp, hint: string): Format => ({ test: (value) => regex.test(value), hint });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isDnsSubdomain = (value: string) => value.length <= 253 && value.split(".").every((label) => label.length <= 63 && DNS_LABEL.test(label));

/** Our resource names: a DNS label, short enough that `<name>-<suffix>` objects stay under 63 characters. */
export const SHORT_NAME = pattern(
    /^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/,
    "is not a short DNS label (at most 30 characters); use lowercase letters, digits and '-', e.g. checkout-api",
);

/** A Kubernetes namespace name (RFC 1123 label, at most 63 characters). */
export const NAMESPACE = pattern(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "is not a namespace name; use lowercase letters, digits and '-', at most 63 characters");

/** Names Kubernetes itself uses or every tenant shares: a stack there would own (and on destroy delete) them. */
export const RESERVED_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** A DNS subdomain as Kubernetes validates it (storage classes, ingress classes, hosts). */
export const DNS_SUBDOMAIN: Format = {
    test: isDnsSubdomain,
    hint: "is not a DNS name; use lowercase letters, digits, '-' and '.', e.g. standard",
};

/** An Ingress host: a DNS name without scheme, port or path (networking.k8s.io/v1 IngressRule.host). */
export const INGRESS_HOST: Format = {
    test: (value) => isDnsSubdomain(value) && value.includes("."),
    hint: "is not a DNS name; give the host alone, without scheme, port or path, e.g. grafana.example.com",
};

/** An http(s) URL with a host (Alertmanager refuses other schemes; Grafana's provider needs a host). */
export const HTTP_URL: Format = {
    test: (value) => {
        if (!/^https?:\/\/[^\s/?#]+/.test(value) || /\s/.test(value)) {
            return false;
        }
        try {
            return new URL(value).hostname !== "";
        } catch {
            return false;
        }
    },
    hint: "is not an http(s) URL; write it in full, e.g. https://hooks.example.com/alerts",
};

/** A base URL the runbook file names are appended to. */
export const BASE_URL: Format = {
    test: (value) => HTTP_URL.test(value) && !value.endsWith("/"),
    hint: "must be an http(s) URL without a trailing slash, e.g. https://github.com/acme/lgtm-stack/blob/main/runbooks",
};

/**
 * An object-storage endpoint as host[:port]. Tempo's S3 client (minio-go) refuses a scheme or a
 * path; Loki's (the AWS SDK) takes the bare host too and adds the scheme from `insecure`, so the one
 * value both backends accept is the bare host.
 */
export const S3_ENDPOINT: Format = {
    test: (value) => {
        const [host, port, ...rest] = value.split(":");
        const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
        return rest.length === 0 && portOk && isDnsSubdomain(host);
    },
    hint: "is not a host[:port]; Tempo's S3 client refuses a scheme or path, so write e.g. s3.eu-west-1.amazonaws.com or minio.storage:9000 (set insecure: true for plain HTTP)",
};

/** S3 bucket naming rules: 3-63 characters, lowercase letters, digits, '.' and '-', no IP address form. */
export const S3_BUCKET = pattern(
    /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    "is not an S3 bucket name; use 3-63 lowercase letters, digits, '.' and '-', e.g. acme-loki",
);

export const S3_REGION = pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, "is not a region name; use e.g. eu-west-1");

/** An image repository reference without tag or digest (`quay.io/prometheus/prometheus`). */
export const IMAGE_REPOSITORY = pattern(
    /^([a-zA-Z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    "is not an image repository; give it without tag, e.g. quay.io/prometheus/prometheus",
);

/**
 * An upstream release tag: a full version (`v3.15.0`, `12.4.14`, `0.160.0-alpine`). Branch names and
 * `latest` move under a running stack, so each pod restart could run a different build; a commit
 * build (`main-87c2dc3`) is no release: upstream supports and documents only released versions.
 */
export const RELEASE_TAG = pattern(
    /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z][0-9A-Za-z.-]*)?$/,
    "is not an upstream release tag; pin a full released version",
);

/** A Kubernetes label name: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export const LABEL_KEY: Format = {
    test: (value) => {
        const slash = value.lastIndexOf("/");
        const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
        const name = value.slice(slash + 1);
        return (prefix === undefined || isDnsSubdomain(prefix)) && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
    },
    hint: "is not a Kubernetes label name, so no pod can carry it; use e.g. app.kubernetes.io/name",
};

export const LABEL_VALUE = pattern(
    /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
    "is not a Kubernetes label value, so no pod can carry it; use at most 63 letters, digits, '-', '_' and '.'",
);

/** A container port name (IANA_SVC_NAME): the scrape job keeps targets by this name. */
export const PORT_NAME = pattern(
    /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/,
    "is not a container port name (at most 15 lowercase letters, digits and '-', with a letter); give the name of the port in the pod spec, e.g. metrics",
);

export const HTTP_PATH = pattern(/^\/[^\s?#]*$/, "must be a path starting with /, without spaces or query, e.g. /metrics");

/** Our config namespace; Pulumi hands the program every key as `<namespace>:<key>`. */
export const PROJECT = "lgtm-stack";

/** Edit distance, for "did you mean" on namespaces and keys. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** `lgtm_stack`, `LGTM-Stack`, `lgtmstack`, `lgtm-stak`: a namespace meant to be ours. */
export function isAlmostProjectNamespace(namespace: string): boolean {
    if (namespace === PROJECT) {
        return false;
    }
    const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return editDistance(squash(namespace), squash(PROJECT)) <= 2;
}
