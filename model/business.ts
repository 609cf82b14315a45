/**
 * Business counters (`services[i].businessCounters`): the units a counter may be given in, with
 * the Grafana unit its panels use, and the labels of the one recorded series every counter is written
 * to (model/recordedSeries.ts; the service's golden-signals dashboard and the overview both read it,
 * never the user's query).
 */

/** Config unit → Grafana unit id and the word shown next to a value. */
export const BUSINESS_UNITS = {
    count: { grafana: "short", label: "count" },
    perSecond: { grafana: "cps", label: "per second" },
    perMinute: { grafana: "cpm", label: "per minute" },
    perHour: { grafana: "suffix: /h", label: "per hour" },
    ratio: { grafana: "percentunit", label: "ratio (0..1)" },
    seconds: { grafana: "s", label: "seconds" },
    bytes: { grafana: "bytes", label: "bytes" },
    usd: { grafana: "currencyUSD", label: "US dollars" },
    eur: { grafana: "currencyEUR", label: "euros" },
    gbp: { grafana: "currencyGBP", label: "pounds sterling" },
} as const;
export type BusinessUnit = keyof typeof BUSINESS_UNITS;

/** Whether more is better (sessions started) or less is (abandoned carts). */
export const GOOD_DIRECTIONS = ["up", "down"] as const;
export type GoodDirection = (typeof GOOD_DIRECTIONS)[number];

export const BUSINESS_COUNTER = {
    /** Label naming the counter; `unit` and `good_direction` ride along so the overview can show them without the config. */
    labels: { name: "counter", unit: "unit", direction: "good_direction" },
    /** The dashboards compare a counter with itself one week earlier, like the traffic-anomaly alerts do. */
    baselineOffset: "1w",
} as const;
