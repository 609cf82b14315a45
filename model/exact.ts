/**
 * Exact decimal arithmetic for numbers that end up in rendered text (objectives, budgets, burn
 * factors, thresholds). A double such as 99.9 / 100 is 0.9990000000000001 and 1 - 0.999 is
 * 0.0010000000000000009; read as the decimal the user wrote and kept as a fraction of big integers,
 * they stay 0.999 and 0.001.
 */

/** A reduced fraction `n / d` with `d > 0`. */
export interface Fraction {
    readonly n: bigint;
    readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
    let x = a < 0n ? -a : a;
    let y = b < 0n ? -b : b;
    while (y !== 0n) {
        [x, y] = [y, x % y];
    }
    return x;
}

function reduce(n: bigint, d: bigint): Fraction {
    if (d === 0n) {
        throw new RangeError("division by zero");
    }
    const sign = d < 0n ? -1n : 1n;
    const g = gcd(n, d) || 1n;
    return { n: (sign * n) / g, d: (sign * d) / g };
}

/**
 * The decimal a number was written as: JavaScript prints the shortest text that reads back as the
 * same double, which for a value from YAML or a literal (up to 15 significant digits) is what was written.
 */
export function exact(value: number | string | bigint): Fraction {
    if (typeof value === "bigint") {
        return { n: value, d: 1n };
    }
    const text = typeof value === "number" ? String(value) : value.trim();
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
    if (!match) {
        throw new RangeError(`${text} is not a finite decimal`);
    }
    const [, sign, whole, fraction = "", exponentText = "0"] = match;
    const exponent = Number(exponentText) - fraction.length;
    const digits = BigInt(`${sign}${whole}${fraction}`);
    return exponent >= 0 ? reduce(digits * 10n ** BigInt(exponent), 1n) : reduce(digits, 10n ** BigInt(-exponent));
}

export const add = (a: Fraction, b: Fraction): Fraction => reduce(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Fraction, b: Fraction): Fraction => reduce(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Fraction, b: Fraction): Fraction => reduce(a.n * b.n, a.d * b.d);
export const div = (a: Fraction, b: Fraction): Fraction => reduce(a.n * b.d, a.d * b.n);
/** Negative, zero or positive as a is below, equal to or above b. */
export const compare = (a: Fraction, b: Fraction): number => Number(a.n * b.d - b.n * a.d);

/** The smallest whole number at or above the fraction. */
export function ceil(a: Fraction): bigint {
    const q = a.n / a.d;
    return a.n % a.d === 0n || a.n < 0n ? q : q + 1n;
}

/** The exact decimal, or undefined when it does not terminate (1/3). */
export function terminatingDecimal(a: Fraction): string | undefined {
    let d = a.d;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
        d /= 2n;
        twos++;
    }
    while (d % 5n === 0n) {
        d /= 5n;
        fives++;
    }
    if (d !== 1n) {
        return undefined;
    }
    const places = Math.max(twos, fives);
    const scaled = (a.n * 10n ** BigInt(places)) / a.d;
    const negative = scaled < 0n;
    const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, "0");
    const whole = digits.slice(0, digits.length - places);
    const fraction = digits.slice(digits.length - places);
    return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * For PromQL: the exact decimal when it terminates, else the fraction itself (`14 / 15`), which
 * PromQL evaluates as a scalar, so no rounding decision hides in the rendered rule.
 */
export function promqlNumber(a: Fraction): string {
    return terminatingDecimal(a) ?? `(${a.n} / ${a.d})`;
}

/** For people: the exact decimal when it terminates, else rounded to 3 significant digits with "≈". */
export function readableNumber(a: Fraction): string {
    return terminatingDecimal(a) ?? `≈${Number((Number(a.n) / Number(a.d)).toPrecision(3))}`;
}

/** A ratio as a percentage, exactly: 0.99999 → "99.999%" (never rounded up to "100%"), 0.005 → "0.5%". */
export function percent(ratio: number | Fraction): string {
    const value = typeof ratio === "number" ? exact(ratio) : ratio;
    return `${readableNumber(mul(value, exact(100)))}%`;
}

/** A percentage the user wrote (99.9) as the ratio double closest to its exact decimal (0.999, not 0.9990000000000001). */
export function percentToRatio(percentage: number): number {
    return toNumber(div(exact(percentage), exact(100)));
}

/** The double nearest to the fraction's exact value (via its decimal, so 999/1000 → 0.999). */
export function toNumber(a: Fraction): number {
    const decimal = terminatingDecimal(a);
    return decimal === undefined ? Number(a.n) / Number(a.d) : Number(decimal);
}
