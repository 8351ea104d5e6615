/**
 * Distribution functions the drift tests need, written for this project (no numeric library):
 *
 * - the regularized upper incomplete gamma function, hence the chi-square survival function and the
 *   normal two-sided tail (`erfc(z/√2) = Q(½, z²/2)`);
 * - the two-sample Kolmogorov–Smirnov p-value as scipy's `ks_2samp(method='auto')` computes it: the
 *   exact lattice-path probability when both samples have at most {@link KS_MAX_EXACT_N} values, else the
 *   one-sample Kolmogorov distribution `kstwo.sf(D, round(n·m/(n+m)))` (Simard & L'Ecuyer's choice of
 *   algorithm per region: Ruben–Gambino ends, Durbin's matrix, Miller's 2·Smirnov, Pelz–Good).
 *
 * Everything is float64 and allocation-light; the p-values agree with scipy 1.17 to a relative 1e-9
 * (see the tests for the vectors and the stated tolerances).
 */

/** Sample size up to which the KS p-value is exact, as scipy's `ks_2samp` `MAX_AUTO_N`. */
export const KS_MAX_EXACT_N = 10_000;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error below 1e-14). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a), for a > 0, x ≥ 0: a power
 * series for P below x = a + 1, Lentz's continued fraction for Q above (no cancellation in small tails).
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(logPrefix) * h);
}

/** P(χ²_df ≥ statistic): the chi-square survival function (scipy `chi2.sf`). */
export function chiSquareSf(statistic: number, df: number): number {
  if (Number.isNaN(statistic) || !(df > 0)) return Number.NaN;
  if (statistic <= 0) return 1;
  return gammaQ(df / 2, statistic / 2);
}

/** P(|Z| ≥ |z|) for a standard normal Z: the two-sided tail, `2·(1 − Φ(|z|))`, computed without cancellation. */
export function normalTwoSidedSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return gammaQ(0.5, (z * z) / 2);
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  const tail = normalTwoSidedSf(z) / 2;
  return z < 0 ? tail : 1 - tail;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * P(D ≥ h/lcm(n, m)) for the two-sided two-sample KS statistic under H0, exactly: the share of lattice
 * paths from (0,0) to (n,m) that leave the band |i/n − j/m| < h/lcm. The recursion carries the share of
 * paths that have *already left* (Viehmann 2021, arXiv:2102.08037), so small p-values keep their precision.
 */
export function ksExactTwoSidedSf(n: number, m: number, h: number): number {
  if (h <= 0) return 1;
  // i runs over the larger sample so the column (indexed by j) is the shorter one.
  const [big, small] = n >= m ? [n, m] : [m, n];
  const g = gcd(big, small);
  const bigG = big / g;
  const smallG = small / g;
  // Point (i, j) is inside iff |i·smallG − j·bigG| < h (both sides multiplied by lcm).
  const column = new Float64Array(small + 1).fill(1);
  let lo = 0;
  let hi = Math.min(small, Math.ceil(h / bigG) - 1);
  column[0] = 0;
  for (let j = 1; j <= hi; j++) column[j] = 0;
  for (let i = 1; i <= big; i++) {
    const nextLo = Math.max(0, Math.floor((i * smallG - h) / bigG) + 1);
    const nextHi = Math.min(small, Math.ceil((i * smallG + h) / bigG) - 1);
    if (nextLo > nextHi) return 1;
    for (let j = lo; j < nextLo; j++) column[j] = 1;
    let left = nextLo === 0 ? 0 : 1;
    for (let j = nextLo; j <= nextHi; j++) {
      // Paths into (i, j) come from (i−1, j) with weight i and from (i, j−1) with weight j.
      const value = (i * column[j]! + j * left) / (i + j);
      column[j] = value;
      left = value;
    }
    lo = nextLo;
    hi = nextHi;
  }
  return Math.min(1, Math.max(0, column[small]!));
}

/** log(n!/nⁿ) = Σ log(i/n). */
function logFactorialOverPower(n: number): number {
  let s = 0;
  for (let i = 1; i <= n; i++) s += Math.log(i / n);
  return s;
}

/**
 * The one-sided Smirnov survival function P(D⁺ₙ ≥ x), exactly (Birnbaum–Tingey sum, all terms positive,
 * evaluated in logarithms).
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const last = Math.floor(n * (1 - x));
  let logBinomial = 0;
  let sum = 0;
  const logX = Math.log(x);
  for (let j = 0; j <= last; j++) {
    if (j > 0) logBinomial += Math.log((n - j + 1) / j);
    const rest = 1 - x - j / n;
    if (rest > 0 || n - j === 0) {
      const term = logBinomial + logX + (j - 1) * Math.log(x + j / n) + (n - j) * (n - j === 0 ? 0 : Math.log(rest));
      sum += Math.exp(term);
    }
  }
  return Math.min(1, sum);
}

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;

function multiply(a: Float64Array, b: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      const aik = a[i * size + k]!;
      if (aik === 0) continue;
      const row = k * size;
      const outRow = i * size;
      for (let j = 0; j < size; j++) out[outRow + j]! += aik * b[row + j]!;
    }
  }
  return out;
}

/** P(Dₙ ≤ d), exactly, by Durbin's matrix method as Marsaglia, Tsang and Wang (2003) compute it. */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const size = 2 * k - 1;
  // v[j] = (1 − h^(j+1)) / (j+1)!, w[j] = 1/j!; the corner gets (1 + max(2h−1, 0)^size − 2h^size)/size!.
  const v = new Float64Array(size);
  const w = new Float64Array(size);
  let factorial = 1;
  for (let j = 1; j <= size; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  v[size - 1] = (1 + Math.max(2 * h - 1, 0) ** size - 2 * h ** size) * factorial;
  let matrix = new Float64Array(size * size);
  for (let col = 1; col < size; col++) for (let row = col - 1; row < size; row++) matrix[row * size + col] = w[row - col + 1]!;
  for (let row = 0; row < size; row++) matrix[row * size] = v[row]!;
  for (let col = 0; col < size; col++) matrix[(size - 1) * size + col] = v[size - 1 - col]!;

  let power = new Float64Array(size * size);
  for (let i = 0; i < size; i++) power[i * size + i] = 1;
  let exponent = 0;
  let matrixExponent = 0;
  const centre = (k - 1) * size + (k - 1);
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      power = multiply(power, matrix, size);
      exponent += matrixExponent;
    }
    if (e > 1) {
      matrix = multiply(matrix, matrix, size);
      matrixExponent *= 2;
      if (Math.abs(matrix[centre]!) > SCALE_UP) {
        for (let i = 0; i < matrix.length; i++) matrix[i]! *= SCALE_DOWN;
        matrixExponent += SCALE_EXPONENT;
      }
    }
  }
  let p = power[centre]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXPONENT;
    }
  }
  return Math.min(1, Math.max(0, p * 2 ** exponent));
}

/** Pelz–Good's asymptotic series for P(Dₙ ≤ x) (used, as in scipy, for large n in the centre). */
export function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const qLog = -pi2 / 8 / z2;
  if (qLog < -708) return 0;
  let q = Math.exp(qLog);
  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxK = Math.ceil((16 * z) / Math.PI);
  // Horner in q^(8k) over the odd integers m = 2k − 1.
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const qPower = q ** (8 * k);
    s0 = s0 * qPower + 1;
    s1 = s1 * qPower + (k1a + k1b * m2);
    s2 = s2 * qPower + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m4 * m2);
  }
  s0 *= (q * SQRT_2PI) / z;
  s1 *= (q * SQRT_2PI) / (6 * z4);
  s2 *= (q * SQRT_2PI) / (72 * z6 * z);
  s3 *= (q * SQRT_2PI) / (6480 * z6 * z4);
  q = Math.exp(-pi2 / 2 / z2);
  let extra2 = 0;
  let extra3 = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    const kPi = Math.PI * k;
    extra2 += k2 * qk;
    extra3 += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qk;
  }
  s2 += (extra2 * pi2 * SQRT_2PI) / (-36 * z2 * z);
  s3 += (extra3 * pi2 * SQRT_2PI) / (216 * z6);
  return s0 + s1 / Math.sqrt(n) + s2 / n + s3 / (n * Math.sqrt(n));
}

const clip = (p: number): number => Math.min(1, Math.max(0, p));

/**
 * P(Dₙ ≥ x) for the two-sided one-sample Kolmogorov statistic (scipy `kstwo.sf(x, n)`), choosing the
 * algorithm per region as Simard & L'Ecuyer (2011) and scipy do. Where scipy uses Pomeranz's recursion
 * (n ≤ 140, 0.754693 < n·x² ≤ 4) this uses Durbin's matrix instead; both are exact.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n >= 1) || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    return clip(1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) return nx2 <= 4 ? clip(1 - kolmogorovCdfDurbin(n, x)) : clip(2 * smirnovSf(n, x));
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clip(1 - cdf);
}

/**
 * The two-sided two-sample KS p-value for statistic `d` between samples of sizes n and m, as scipy's
 * `ks_2samp(method='auto')`: exact when max(n, m) ≤ {@link KS_MAX_EXACT_N}, else `kstwo.sf(d, round(nm/(n+m)))`.
 */
export function ksTwoSamplePValue(n: number, m: number, d: number): number {
  if (!(n > 0 && m > 0) || Number.isNaN(d)) return Number.NaN;
  if (Math.max(n, m) <= KS_MAX_EXACT_N) {
    const g = gcd(n, m);
    const lcm = (n / g) * m;
    // As scipy: the statistic is snapped to the lattice of attainable values before counting paths.
    return ksExactTwoSidedSf(n, m, Math.round(d * lcm));
  }
  const en = (n * m) / (n + m);
  return kolmogorovSf(Math.round(en), d);
}
