import * as pulumi from "@pulumi/pulumi";
import { PATHS, PORTS } from "../model/components";
import { BackendShape, SingleBinaryArgs, SingleBinaryBackend } from "./singleBinary";

const TEMPO: BackendShape = {
    component: "tempo",
    type: "lgtm:backends:Tempo",
    uid: 10001,
    dataDir: PATHS.tempoData,
    ports: [
        { name: "http", port: PORTS.tempoHttp },
        { name: "grpc", port: PORTS.tempoGrpc },
        { name: "otlp-grpc", port: PORTS.otlpGrpc },
        { name: "otlp-http", port: PORTS.otlpHttp },
    ],
};

/** Tempo in monolithic mode: OTLP in, metrics-generator remote-writing to Prometheus. */
export class Tempo extends SingleBinaryBackend {
    constructor(name: string, args: SingleBinaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TEMPO, name, args, opts);
    }
}
