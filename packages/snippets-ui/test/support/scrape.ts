// Reading /metrics in tests: families by name, one sample by its labels, histograms by their labels.
import parse, { type MetricFamily } from 'parse-prometheus-text-format'
import { get } from './app.ts'

export async function scrapeText (base: string): Promise<string> {
  const res = await get(`${base}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics: ${res.status}`)
  return res.body
}

export function families (text: string): Map<string, MetricFamily> {
  return new Map(parse(text).map(f => [f.name, f]))
}

export async function scrape (base: string): Promise<Map<string, MetricFamily>> {
  return families(await scrapeText(base))
}

/** The value of the sample whose labels are exactly `labels`. */
export function sample (family: MetricFamily | undefined, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
  const s = family?.metrics.find(m => {
    const have = Object.entries(m.labels ?? {})
    return have.length === want.length && want.every(([k, v]) => m.labels?.[k] === v)
  })
  return s?.value === undefined ? undefined : Number(s.value)
}

export interface Histogram { buckets: Array<[le: string, count: number]>, sum: number, count: number }

/**
 * The histograms of a family by their labels without le, in the order of the text
 * (`kind="api",method="GET",route="/ok"`): parse-prometheus-text-format folds labelled histograms together.
 */
export function histograms (text: string, name: string): Map<string, Histogram> {
  const out = new Map<string, Histogram>()
  const of = (labels: string): Histogram => {
    let h = out.get(labels)
    if (h === undefined) out.set(labels, h = { buckets: [], sum: Number.NaN, count: Number.NaN })
    return h
  }
  for (const [, suffix, rawLabels, value] of text.matchAll(new RegExp(`^${name}_(bucket|sum|count)(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    let labels = rawLabels ?? ''
    if (suffix === 'bucket') {
      const le = /le="([^"]+)"/.exec(labels)![1]!
      labels = labels.replace(/,?le="[^"]+"/, '').replace(/^,/, '')
      of(labels).buckets.push([le, Number(value)])
    } else {
      of(labels)[suffix as 'sum' | 'count'] = Number(value)
    }
  }
  return out
}
