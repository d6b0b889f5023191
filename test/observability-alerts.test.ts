import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { METRIC_NAMES } from "../src/adapters/observability/Metrics.ts"

const root = resolve(import.meta.dirname, "..")
const ALERTS = resolve(root, "ops/alerts.yml")

// ---------------------------------------------------------------------------------------------------------------
// A reader for the YAML subset ops/alerts.yml keeps to: block mappings and sequences, one-line scalars (plain,
// "double-quoted" with JSON escapes, 'single-quoted'), full-line comments. Anything else is an error.

type Yaml = string | ReadonlyArray<Yaml> | { readonly [key: string]: Yaml }
interface Line {
  readonly indent: number
  readonly text: string
  readonly number: number
}

const parseYamlSubset = (source: string): Yaml => {
  const lines: Array<Line> = []
  source.split("\n").forEach((raw, index) => {
    if (raw.includes("\t")) throw new Error(`line ${index + 1}: tabs are not allowed`)
    const text = raw.trimEnd()
    const trimmed = text.trimStart()
    if (trimmed === "" || trimmed.startsWith("#")) return
    lines.push({ indent: text.length - trimmed.length, text: trimmed, number: index + 1 })
  })
  let at = 0

  const scalar = (text: string, line: number): string => {
    if (text.startsWith('"')) {
      if (!text.endsWith('"') || text.length < 2) throw new Error(`line ${line}: unterminated string`)
      return JSON.parse(text) as string
    }
    if (text.startsWith("'")) {
      if (!text.endsWith("'") || text.length < 2) throw new Error(`line ${line}: unterminated string`)
      return text.slice(1, -1).replaceAll("''", "'")
    }
    if (/^[[{&*!|>%@`]/.test(text) || / #/.test(text)) throw new Error(`line ${line}: unsupported YAML: ${text}`)
    return text
  }

  const block = (indent: number): Yaml => {
    const first = lines[at]
    if (first === undefined || first.indent !== indent) throw new Error(`line ${first?.number}: bad indentation`)
    return first.text.startsWith("- ") || first.text === "-" ? sequence(indent) : mapping(indent)
  }

  const valueAfterKey = (rest: string, indent: number, line: number): Yaml => {
    if (rest !== "") return scalar(rest, line)
    const next = lines[at]
    if (next !== undefined && next.indent > indent) return block(next.indent)
    if (next !== undefined && next.indent === indent && next.text.startsWith("- ")) return sequence(indent)
    throw new Error(`line ${line}: empty value`)
  }

  const mapping = (indent: number): Yaml => {
    const out: Record<string, Yaml> = {}
    while (at < lines.length && lines[at]!.indent === indent && !lines[at]!.text.startsWith("- ")) {
      const line = lines[at]!
      const match = /^([A-Za-z_][A-Za-z0-9_.-]*):(?:\s+(.*))?$/.exec(line.text)
      if (match === null) throw new Error(`line ${line.number}: expected "key: value"`)
      const key = match[1]!
      if (Object.hasOwn(out, key)) throw new Error(`line ${line.number}: duplicate key ${key}`)
      at++
      out[key] = valueAfterKey(match[2] ?? "", indent, line.number)
    }
    if (at < lines.length && lines[at]!.indent > indent) throw new Error(`line ${lines[at]!.number}: bad indentation`)
    return out
  }

  const sequence = (indent: number): Yaml => {
    const out: Array<Yaml> = []
    while (at < lines.length && lines[at]!.indent === indent && lines[at]!.text.startsWith("- ")) {
      const line = lines[at]!
      const rest = line.text.slice(2).trimStart()
      if (/^[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)/.test(rest)) {
        // "- key: value": a mapping whose keys sit two columns right of the dash.
        lines[at] = { indent: indent + 2, text: rest, number: line.number }
        out.push(mapping(indent + 2))
      } else {
        at++
        out.push(scalar(rest, line.number))
      }
    }
    return out
  }

  const result = block(0)
  if (at !== lines.length) throw new Error(`line ${lines[at]!.number}: unexpected content`)
  return result
}

// ---------------------------------------------------------------------------------------------------------------

interface Rule {
  readonly alert: string
  readonly expr: string
  readonly for: string
  readonly labels: { readonly severity: string }
  readonly annotations: { readonly summary: string; readonly description: string }
}

const rules = (): ReadonlyArray<Rule> => {
  const doc = parseYamlSubset(readFileSync(ALERTS, "utf8")) as unknown as {
    groups: ReadonlyArray<{ name: string; rules: ReadonlyArray<Rule> }>
  }
  return doc.groups.flatMap((group) => group.rules)
}

const PROMQL_WORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "le",
  "endpoint",
  "reason",
  "result",
  "status"
])

/** The metric names an expression reads (strings, label matchers, ranges, groupings and functions removed). */
const metricsOf = (expr: string): ReadonlyArray<string> => {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ")
  const names = new Set<string>()
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
    if (match[1] !== undefined) continue // a function call
    const name = match[0]
    if (PROMQL_WORDS.has(name) || /^(Inf|NaN)$/i.test(name)) continue
    names.add(name)
  }
  return [...names]
}

const HISTOGRAMS = new Set(["meta_api_response_time_seconds"])
const defined = (name: string): boolean => {
  if ((METRIC_NAMES as ReadonlyArray<string>).includes(name)) return true
  const base = name.replace(/_(bucket|sum|count)$/, "")
  return base !== name && HISTOGRAMS.has(base)
}

describe("ops/alerts.yml", () => {
  it("parses, and every rule is complete", () => {
    const all = rules()
    expect(all.length).toBeGreaterThanOrEqual(4)
    const names = new Set<string>()
    for (const rule of all) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^[A-Z][A-Za-z0-9]+$/)
      expect(names.has(rule.alert), `duplicate alert ${rule.alert}`).toBe(false)
      names.add(rule.alert)
      expect(rule.expr.length, rule.alert).toBeGreaterThan(0)
      expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/)
      expect(["info", "warning", "critical"], rule.alert).toContain(rule.labels.severity)
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10)
      expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(10)
      // Balanced brackets: a cheap guard against a broken expression when promtool is not there.
      for (const [open, close] of [
        ["(", ")"],
        ["[", "]"],
        ["{", "}"]
      ] as const)
        expect(rule.expr.split(open).length, `${rule.alert} ${open}${close}`).toBe(rule.expr.split(close).length)
    }
  })

  it("reads only metrics the service exposes", () => {
    for (const rule of rules()) {
      const used = metricsOf(rule.expr)
      expect(used.length, rule.alert).toBeGreaterThan(0)
      for (const name of used) expect(defined(name), `${rule.alert} reads unknown metric ${name}`).toBe(true)
    }
  })

  it("covers token expiry, the OAuth error rate, the webhook backlog and webhook failures", () => {
    const exprs = rules().map((rule) => rule.expr)
    expect(exprs).toContain("meta_token_expires_in_hours < 24")
    expect(exprs.some((e) => e.includes("meta_oauth_errors_total") && e.includes("meta_oauth_requests_total"))).toBe(
      true
    )
    expect(exprs.some((e) => e.includes("deriv(webhook_events_pending[10m]) > 0"))).toBe(true)
    expect(exprs.some((e) => e.includes("webhook_processing_lag_seconds >"))).toBe(true)
    expect(exprs.some((e) => e.includes('webhook_events_received_total{result!="accepted"}'))).toBe(true)
    expect(exprs.some((e) => e.includes("webhook_events_failed"))).toBe(true)
    expect(exprs).toContain('sum(connection_health_checks{status="failing"}) > 0')
  })

  it("the reader rejects what it does not support", () => {
    expect(() => parseYamlSubset("a: [1, 2]")).toThrow(/unsupported/)
    expect(() => parseYamlSubset("a: b\n a: c")).toThrow()
    expect(parseYamlSubset("a:\n  - b: \"x\\\"y\"\n    c: 'it''s'\n  - plain")).toEqual({
      a: [{ b: 'x"y', c: "it's" }, "plain"]
    })
  })
  // promtool check rules and promtool test rules run in .ci/run, which installs Debian's prometheus package.
})
