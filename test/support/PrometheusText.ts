/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests and smoke checks of `/metrics`:
 * it rejects what a Prometheus server would (bad names, bad escapes, unparsable values, duplicate TYPE lines,
 * samples of a family whose TYPE came later, inconsistent histograms).
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string | undefined
  readonly samples: ReadonlyArray<Sample>
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

const parseValue = (text: string, line: number): number => {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY
  if (text === "-Inf") return Number.NEGATIVE_INFINITY
  if (text === "NaN") return Number.NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value "${text}"`)
  return Number(text)
}

/** Parses `name{a="b",c="d"} value [timestamp]`. */
const parseSample = (text: string, line: number): Sample => {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)
  if (nameMatch === null) throw new Error(`line ${line}: bad metric name`)
  const name = nameMatch[0]
  let i = name.length
  const labels: Record<string, string> = {}
  if (text[i] === "{") {
    i++
    while (text[i] !== "}") {
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))
      if (labelMatch === null) throw new Error(`line ${line}: bad label name`)
      const label = labelMatch[0]
      i += label.length
      if (text[i] !== "=" || text[i + 1] !== '"') throw new Error(`line ${line}: expected ="`)
      i += 2
      let value = ""
      for (;;) {
        const c = text[i]
        if (c === undefined) throw new Error(`line ${line}: unterminated label value`)
        if (c === '"') break
        if (c === "\\") {
          const next = text[i + 1]
          if (next === "\\") value += "\\"
          else if (next === '"') value += '"'
          else if (next === "n") value += "\n"
          else throw new Error(`line ${line}: bad escape \\${next ?? ""}`)
          i += 2
        } else {
          value += c
          i++
        }
      }
      i++
      if (Object.hasOwn(labels, label)) throw new Error(`line ${line}: duplicate label ${label}`)
      labels[label] = value
      if (text[i] === ",") i++
      else if (text[i] !== "}") throw new Error(`line ${line}: expected , or }`)
    }
    i++
  }
  if (text[i] !== " ") throw new Error(`line ${line}: expected a space before the value`)
  const [value, timestamp, ...rest] = text
    .slice(i + 1)
    .trim()
    .split(/\s+/)
  if (value === undefined || rest.length > 0) throw new Error(`line ${line}: bad sample`)
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error(`line ${line}: bad timestamp`)
  return { name, labels, value: parseValue(value, line) }
}

const familyOf = (sampleName: string, families: ReadonlyMap<string, { type: string }>): string => {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length)
      const type = families.get(base)?.type
      if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base
    }
  }
  return sampleName
}

const labelKey = (labels: Readonly<Record<string, string>>, without: string) =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== without)
      .sort(([a], [b]) => a.localeCompare(b))
  )

const checkHistogram = (family: Family) => {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>()
  for (const sample of family.samples) {
    const key = labelKey(sample.labels, "le")
    const entry = series.get(key) ?? { buckets: [] }
    series.set(key, entry)
    if (sample.name.endsWith("_bucket")) {
      const le = sample.labels["le"]
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`)
      entry.buckets.push([parseValue(le, 0), sample.value])
    } else if (sample.name.endsWith("_count")) entry.count = sample.value
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0])
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${family.name}${key}: buckets are not cumulative`)
    }
    const last = sorted[sorted.length - 1]
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}${key}: no +Inf bucket`)
    if (count !== undefined && last[1] !== count) throw new Error(`${family.name}${key}: +Inf bucket is not _count`)
  }
}

/** Parses a whole exposition; throws with the line number on the first problem. */
export const parsePrometheusText = (text: string): ReadonlyMap<string, Family> => {
  const families = new Map<string, { name: string; type: string; help: string | undefined; samples: Array<Sample> }>()
  const seenSamplesOf = new Set<string>()
  const lines = text.split("\n")
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with a newline")
  lines.forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === "") return
    if (raw.startsWith("#")) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw)
      if (match === null) return // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, "HELP" | "TYPE", string, string | undefined]
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`)
      const family = families.get(name) ?? { name, type: "untyped", help: undefined, samples: [] }
      if (keyword === "TYPE") {
        if (families.get(name)?.type !== undefined && families.get(name)?.type !== "untyped")
          throw new Error(`line ${line}: second TYPE for ${name}`)
        if (seenSamplesOf.has(name)) throw new Error(`line ${line}: TYPE for ${name} after its samples`)
        const type = (rest ?? "").trim()
        if (!TYPES.has(type)) throw new Error(`line ${line}: unknown type ${type}`)
        family.type = type
      } else {
        if (family.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`)
        family.help = (rest ?? "").replace(/\\n/g, "\n").replace(/\\\\/g, "\\")
      }
      families.set(name, family)
      return
    }
    const sample = parseSample(raw, line)
    for (const label of Object.keys(sample.labels))
      if (!LABEL_NAME.test(label)) throw new Error(`line ${line}: bad label ${label}`)
    const base = familyOf(sample.name, families)
    seenSamplesOf.add(base)
    const family = families.get(base) ?? { name: base, type: "untyped", help: undefined, samples: [] }
    family.samples.push(sample)
    families.set(base, family)
  })
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family)
  return families
}

/** The one sample of `name` whose labels include `labels` (undefined when none). */
export const sampleValue = (
  families: ReadonlyMap<string, Family>,
  name: string,
  labels: Readonly<Record<string, string>> = {}
): number | undefined => {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value
    }
  }
  return undefined
}
