/** The dev tooling's one module for tools, processes, polling and ports (tests, benchmarks, the demo). */
export * from "./polling";
export * from "./ports";
export * from "./processes";
export * from "./tools";
