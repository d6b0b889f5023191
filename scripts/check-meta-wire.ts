/**
 * Fails (exit 1) when Meta's wire format leaks out of its adapter: a Meta error code, or parsing of a webhook's
 * `entry[]` / `changes[]`, in a (non-test) file of `src/` outside `src/adapters/meta-graph`, or in `web/`. The
 * sandbox (`sandbox/`) is Meta's fake and may speak Meta; tests build Meta payloads to drive the real decoder.
 *
 * What counts as a Meta error code: a comparison of a `code`/`subcode` with a number (`error.code === 100`), a
 * number after the word "code" (`code 190`, in prose too), and any of Cloud API's six-digit codes (130000–136999:
 * `131047`, `133010`…) wherever it stands. Other numbers (ports, limits, HTTP statuses) are not flagged.
 */
import { readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { sourceFiles } from "./SourceFiles.ts"

export interface WireViolation {
  readonly file: string
  readonly line: number
  readonly text: string
  readonly rule: string
}

const PATTERNS: ReadonlyArray<{ readonly pattern: RegExp; readonly rule: string }> = [
  { pattern: /\b(?:sub)?code\s*(?:===|!==|==|!=)\s*\d+/i, rule: "compares a Meta error code" },
  { pattern: /\b\d+\s*(?:===|!==|==|!=)\s*[\w.?]*\b(?:sub)?code\b/i, rule: "compares a Meta error code" },
  { pattern: /\b(?:error |sub)?codes?\s+\d+\b/i, rule: "names a Meta error code" },
  { pattern: /\b13[0-6]\d{3}\b/, rule: "names a Cloud API error code" },
  { pattern: /[\w\])?]\.(?:entry|changes)\b/, rule: "reads a webhook's entry[] or changes[]" },
  { pattern: /\[\s*["'](?:entry|changes)["']\s*\]/, rule: "reads a webhook's entry[] or changes[]" },
  { pattern: /\b(?:entry|changes)\s*:\s*Schema\b/, rule: "decodes a webhook's entry[] or changes[]" }
]

export const checkMetaWire = (root: string): ReadonlyArray<WireViolation> => {
  const violations: Array<WireViolation> = []
  for (const file of [...sourceFiles(join(root, "src")), ...sourceFiles(join(root, "web"))]) {
    const rel = relative(root, file)
    if (rel.startsWith("src/adapters/meta-graph/")) continue
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, index) => {
        const trimmed = text.trim()
        const hit = PATTERNS.find(({ pattern }) => pattern.test(text))
        if (hit !== undefined) violations.push({ file: rel, line: index + 1, text: trimmed, rule: hit.rule })
      })
  }
  return violations
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = checkMetaWire(resolve(import.meta.dirname, ".."))
  for (const v of violations)
    console.error(`${v.file}:${v.line}: ${v.rule} (only src/adapters/meta-graph may): ${v.text}`)
  if (violations.length > 0) process.exit(1)
  console.log("meta wire format: no Meta error code or entry/changes parsing outside src/adapters/meta-graph")
}
