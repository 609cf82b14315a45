import * as pulumi from "@pulumi/pulumi";
import { PATHS, PORTS } from "../model/components";
import { BackendShape, SingleBinaryArgs, SingleBinaryBackend } from "./singleBinary";

const LOKI: BackendShape = {
    component: "loki",
    type: "lgtm:backends:Loki",
    uid: 10001,
    dataDir: PATHS.lokiData,
    ports: [
        { name: "http", port: PORTS.lokiHttp },
        { name: "grpc", port: PORTS.lokiGrpc },
    ],
};

/** Loki in monolithic mode: OTLP log ingestion, retention enforced by the compactor. */
export class Loki extends SingleBinaryBackend {
    constructor(name: string, args: SingleBinaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(LOKI, name, args, opts);
    }
}
