/**
 * The SDK publishes its modules as package subpaths (`exports`), which the project's
 * `moduleResolution: node` cannot see; these declarations point the types at the files that Node
 * loads for the same subpaths at run time.
 */
declare module "@grafana/grafana-foundation-sdk/cog" {
    export * from "@grafana/grafana-foundation-sdk/dist/cog";
}
declare module "@grafana/grafana-foundation-sdk/common" {
    export * from "@grafana/grafana-foundation-sdk/dist/common";
}
declare module "@grafana/grafana-foundation-sdk/dashboard" {
    export * from "@grafana/grafana-foundation-sdk/dist/dashboard";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
    export * from "@grafana/grafana-foundation-sdk/dist/timeseries";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
    export * from "@grafana/grafana-foundation-sdk/dist/stat";
}
declare module "@grafana/grafana-foundation-sdk/gauge" {
    export * from "@grafana/grafana-foundation-sdk/dist/gauge";
}
declare module "@grafana/grafana-foundation-sdk/table" {
    export * from "@grafana/grafana-foundation-sdk/dist/table";
}
declare module "@grafana/grafana-foundation-sdk/logs" {
    export * from "@grafana/grafana-foundation-sdk/dist/logs";
}
declare module "@grafana/grafana-foundation-sdk/text" {
    export * from "@grafana/grafana-foundation-sdk/dist/text";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
    export * from "@grafana/grafana-foundation-sdk/dist/prometheus";
}
declare module "@grafana/grafana-foundation-sdk/loki" {
    export * from "@grafana/grafana-foundation-sdk/dist/loki";
}
declare module "@grafana/grafana-foundation-sdk/tempo" {
    export * from "@grafana/grafana-foundation-sdk/dist/tempo";
}
