/**
 * The request id as a first-class field: the attribute name services put on their log records
 * (OTel SDK attribute or JSON field, both arrive in Loki as structured metadata) and on their server
 * span, and the dashboard variable that looks one request up in logs and traces.
 */
export const REQUEST_ID = { attribute: "request_id", variable: "request_id" } as const;
