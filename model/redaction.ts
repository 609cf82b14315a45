/**
 * What the Collector gateway masks before any signal leaves it: attributes whose key names a
 * credential, and values that look like a credential, an e-mail address or a payment card number,
 * wherever they appear (span, log and data-point attributes, resource attributes, log bodies).
 * Patterns are RE2 (the Collector's Go regexp); `(?i)` makes them case-insensitive.
 */
export const REDACTION_MASK = "****";

/** Attribute keys whose whole value is masked: `http.request.header.authorization`, `db.password`, `api_key`, `session_token`… */
export const SENSITIVE_KEY_PATTERNS = ["(?i).*(authorization|passw(or)?d|secret|token|api[._-]?key|cookie|credential).*"] as const;

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
] as const;

/**
 * Log bodies are text, not attributes: a JSON field naming a credential keeps its key and loses its
 * value (`"password":"****"`); this captures the key so the replacement can keep it.
 */
export const SENSITIVE_JSON_FIELD = '(?i)"([A-Za-z0-9_.-]*(authorization|passw(or)?d|secret|token|api[._-]?key|cookie|credential)[A-Za-z0-9_.-]*)"\\s*:\\s*"[^"]*"';
