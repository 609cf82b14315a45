/** Input series for `promtool test rules`, written in promtool's expanding notation; used by the benchmarks. */
/** promtool's expanding notation (`a+bxn`), one segment per run of equal increments. */
export function compressSeries(values: readonly (number | undefined)[]): string {
    const parts: string[] = [];
    let i = 0;
    while (i < values.length) {
        const start = values[i];
        if (start === undefined) {
            let j = i;
            while (j < values.length && values[j] === undefined) {
                j++;
            }
            parts.push(j - i === 1 ? "_" : `_x${j - i}`);
            i = j;
            continue;
        }
        let j = i + 1;
        const delta = j < values.length && values[j] !== undefined ? (values[j] as number) - start : 0;
        while (j < values.length && values[j] !== undefined && Math.abs((values[j] as number) - (values[j - 1] as number) - delta) < 1e-9) {
            j++;
        }
        const count = j - i - 1;
        const fmt = (n: number) => Number(n.toPrecision(12)).toString();
        parts.push(count === 0 ? fmt(start) : `${fmt(start)}${delta >= 0 ? "+" : "-"}${fmt(Math.abs(delta))}x${count}`);
        i = j;
    }
    return parts.join(" ");
}
