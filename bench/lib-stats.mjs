// The statistics the comparisons share: run.mjs (whole processes) and paired.mjs (in process).

/** The order of a three-slot group's servers in a round: all six orders every six rounds. */
export const PERMUTATIONS = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1], [1, 0, 2]]

/** The median of the finite values, NaN when there are none. */
export function median (values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Quartiles and extremes of `values`, and a 95% bootstrap interval of their median (resampled rounds, fixed seed). */
export function spread (values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  const at = (q) => v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.floor(q * v.length))]
  let seed = 20
  const random = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const medians = []
  for (let i = 0; i < 2000 && v.length > 0; i++) medians.push(median(v.map(() => v[Math.floor(random() * v.length)])))
  medians.sort((a, b) => a - b)
  return { median: median(v), min: v[0], q1: at(0.25), q3: at(0.75), max: v[v.length - 1], low: medians[50], high: medians[1949] }
}
