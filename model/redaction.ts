/**
 * What the Collector gateway masks before any signal leaves it: attributes whose key names a
 * credential, and values that look like a credential, an e-mail address or a payment card number,
 * wherever they appear (span, log and data-point attributes of any type, resource attributes, span
 * names, log bodies). Patterns are RE2 (the Collector's Go regexp); `(?i)` makes them case-insensitive.
 */
export const REDACTION_MASK = "****";

/** Attribute keys whose whole value is masked: `http.request.header.authorization`, `db.password`, `api_key`, `session_token`… */
export const SENSITIVE_KEY_PATTERNS = ["(?i).*(authorization|passw(or)?d|secret|token|api[._-]?key|cookie|credential).*"] as const;

/**
 * Keys the key patterns would catch that hold no secret: OpenTelemetry's GenAI token counts
 * (`gen_ai.usage.input_tokens` is a number of tokens, not a token). Their values are left alone.
 */
export const NON_SECRET_KEYS = ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"] as const;

/** Values masked wherever they appear, whatever the key. */
export const SENSITIVE_VALUE_PATTERNS = [
    // Bearer and Basic credentials as sent in an Authorization header.
    "(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+",
    // JSON Web Tokens: three base64url parts, the first an encoded `{"`.
    "eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*",
    // E-mail addresses.
    "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
    // Card numbers by issuer prefix and length (Visa, Mastercard, Discover: 16 digits; Amex: 15), with optional spaces or dashes.
    "\\b(4[0-9]{3}|5[1-5][0-9]{2}|2[2-7][0-9]{2}|6011|65[0-9]{2})([ -]?[0-9]{4}){3}\\b",
    "\\b3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5}\\b",
    // Credentials recognisable by their own shape, whatever key or text carries them:
    // AWS access key ids (long-term AKIA, temporary ASIA), 20 characters.
    "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b",
    // PEM private keys, the whole block (base64 has no `-`; a block cut off before its END line is masked too).
    "-----BEGIN[A-Z ]* PRIVATE KEY-----[^-]*(-----END[A-Z ]* PRIVATE KEY-----)?",
    // GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_ and fine-grained github_pat_) and Slack tokens (xoxb-, xoxp-…).
    "\\b(gh[opusr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\\b",
    "\\bxox[abprs]-[A-Za-z0-9-]{10,}",
] as const;

/**
 * IPv4 and IPv6 addresses, masked only where an environment asks (`collector.redaction.maskIpAddresses`):
 * a client's address is personal data under the GDPR, but pod and node addresses are what an
 * operator debugs with, so the default keeps them. IPv6 in full form or with `::`; a bare `::1` stays.
 */
export const IP_ADDRESS_PATTERNS = [
    "\\b((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\b",
    "(?i)\\b([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\\b",
    "(?i)\\b([0-9a-f]{1,4}:){1,6}:([0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,5}\\b)?",
] as const;

/**
 * Log bodies are text, not attributes: a JSON field naming a credential keeps its key and loses its
 * value (`"password":"****"`); this captures the key so the replacement can keep it.
 */
export const SENSITIVE_JSON_FIELD = '(?i)"([A-Za-z0-9_.-]*(authorization|passw(or)?d|secret|token|api[._-]?key|cookie|credential)[A-Za-z0-9_.-]*)"\\s*:\\s*"[^"]*"';

/**
 * Credentials written as text rather than as attributes: in a URL's query (`url.full`, `url.query`,
 * a span named after its URL) and in plain-text log lines. Each pattern captures what is kept
 * (group 1: the parameter or header name and its separator) and matches the secret after it, which
 * becomes `****`: `?access_token=abc&page=2` → `?access_token=****&page=2`.
 */
export const SENSITIVE_TEXT_ASSIGNMENTS = [
    // Query parameters: at the start of `url.query` or after `?`, `&` or `;`. Short names that are
    // credentials only in a URL (`key`, `sig` of a signed URL, `code` of an OAuth redirect, `sid`) count here.
    "(?i)((^|[?&;])([A-Za-z0-9_.-]*(passw(or)?d|pwd|secret|token|api[._-]?key|credential|signature)[A-Za-z0-9_.-]*|key|sig|sid|code|auth)=)[^&#\\s\"']+",
    // `name=value` or `name: value` in text: `password=hunter2`, `client_secret: abc`, `refresh_token=…`.
    "(?i)(\\b[A-Za-z0-9_.-]*(passw(or)?d|secret|token|api[._-]?key|credential)[A-Za-z0-9_.-]*\\s*[=:]\\s*)[^\\s&,;\"']+",
    // Header lines as logged: everything after `Authorization:` or `Cookie:` to the end of the line (`Token abc`, `sid=…; theme=dark`).
    "(?i)(\\b(proxy-authorization|authorization|set-cookie|cookie)\\s*[:=]\\s*)[^\\r\\n\"]+",
] as const;
