/**
 * Fails (exit 1) when a connection status is decided outside the domain: a `status` assigned (`status: …`,
 * `status = …`) an expression holding one of the literals `"pending"`, `"active"`, `"error"`, `"revoked"`, in a
 * (non-test) file of `src/` outside `src/domain`. A status changes only through `transition` (domain
 * `ChannelConnection.ts`); comparisons (`status === "active"`) and type positions (`readonly status: …`) are reads,
 * not flagged.
 */
import { readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { sourceFiles } from "./SourceFiles.ts"

export interface StatusViolation {
  readonly file: string
  readonly line: number
  readonly text: string
}

/** A TypeScript string (biome writes them in double quotes); SQL's `'revoked'` in a query is a comparison. */
const LITERAL = /"(?:pending|active|error|revoked)"/
/** `status:` or `status =` (not `===`), not a type member (`readonly status:`) nor a `previous_status` key. */
const WRITE = /(?<!readonly\s+)(?<![\w$])status\s*(?::|=(?!=))/g
const COMPARISON = /(?:===|!==|==|!=)\s*"[^"]*"|"[^"]*"\s*(?:===|!==|==|!=)/g

/** The assigned expression: up to the first `,` `;` or closing bracket at its own depth (or the line's end). */
const expressionAfter = (text: string): string => {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "(" || c === "[" || c === "{") depth++
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return text.slice(0, i)
      depth--
    } else if ((c === "," || c === ";") && depth === 0) return text.slice(0, i)
  }
  return text
}

export const checkStatusWrites = (root: string): ReadonlyArray<StatusViolation> => {
  const violations: Array<StatusViolation> = []
  for (const file of sourceFiles(join(root, "src"))) {
    const rel = relative(root, file)
    if (rel.startsWith("src/domain/")) continue
    const lines = readFileSync(file, "utf8").split("\n")
    lines.forEach((text, index) => {
      for (const match of text.matchAll(WRITE)) {
        let rest = text.slice(match.index + match[0].length)
        // `status:` at the end of a line: the value is on the next one.
        if (rest.trim() === "" && index + 1 < lines.length) rest = lines[index + 1]!
        if (LITERAL.test(expressionAfter(rest).replace(COMPARISON, ""))) {
          violations.push({ file: rel, line: index + 1, text: text.trim() })
          break
        }
      }
    })
  }
  return violations
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = checkStatusWrites(resolve(import.meta.dirname, ".."))
  for (const v of violations)
    console.error(`${v.file}:${v.line}: assigns a status literal (only src/domain decides a status): ${v.text}`)
  if (violations.length > 0) process.exit(1)
  console.log("status writes: every status is decided in src/domain")
}
