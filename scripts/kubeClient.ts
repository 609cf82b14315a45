/**
 * Raw Kubernetes API calls for the dev clusters (KWOK and the real node), made with
 * @kubernetes/client-node: it reads the kubeconfig and applies its TLS client certificate and CA.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from "@kubernetes/client-node";

export interface ApiResponse {
    status: number;
    body: any;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class KubeApi {
    private readonly config = new KubeConfig();
    private readonly http = new IsomorphicFetchHttpLibrary();
    readonly server: string;

    constructor(kubeconfig: string) {
        this.config.loadFromFile(kubeconfig);
        const cluster = this.config.getCurrentCluster();
        if (!cluster) {
            throw new Error(`${kubeconfig} names no current cluster`);
        }
        this.server = cluster.server;
    }

    /** One request to `apiPath` (with its query); JSON answers are parsed, others (e.g. /healthz) stay text. */
    async request(method: string, apiPath: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> {
        const context = new RequestContext(`${this.server}${apiPath}`, method as HttpMethod);
        context.setHeaderParam("Content-Type", contentType);
        context.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        if (body !== undefined) {
            context.setBody(JSON.stringify(body));
        }
        await this.config.applySecurityAuthentication(context);
        const response = await this.http.send(context).toPromise();
        const text = await response.body.text();
        let parsed: unknown = text;
        try {
            parsed = JSON.parse(text);
        } catch {
            // plain-text answers stay text
        }
        return { status: response.httpStatusCode, body: parsed };
    }
}
