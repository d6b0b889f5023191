/**
 * Fails (exit 1) when a file breaks the hexagonal layering. `ALLOWED` below states, for every area, which areas
 * its files may import (relative imports; an area always may import itself):
 *
 * - `src/domain` imports nothing but `effect` (no I/O, no other package).
 * - `src/application` imports the domain only: ports, never adapters.
 * - each `src/adapters/<name>` imports the application, the domain, and the adapters its row lists (http may use
 *   meta-graph's decoders of Meta's browser payloads) (an adapter
 *   missing from the table is itself a violation, so a new one states its neighbours).
 * - the composition root (`src/main.ts`, `src/AppConfig.ts`, `src/Infrastructure.ts`) imports anything in `src/`
 *   and the sandbox (sandbox mode runs it in-process).
 * - `sandbox/` (a separate fake system) imports only itself, in its tests too.
 * - `web/` (the browser app) imports only itself, by feature: the page (`web/src/*.tsx`) composes the features;
 *   `web/src/shared` (and the generated `web/src/gql`) serve every feature; `web/src/connect` (the one connect flow
 *   both cards use) imports shared and gql; a feature folder (`whatsapp`, `meta-ads`, `conversations`) imports only
 *   itself, shared, gql and connect, never another feature. One exception, named in the table: shared/session.ts
 *   reads the Meta SDK's config type from connect/metaSdk.ts. A new web folder is missing from the table until it
 *   states its neighbours. Web tests may import any of `web/` (they render the page) and the GraphQL schema.
 * - tests (`*.test.ts`, and everything in `test/`) are composition roots of their own: they import any of `src/`,
 *   `sandbox/`, `test/`, and the scripts they exercise (`scripts/`).
 * - no file outside the tests imports `test/`, and no file imports a `*.test.ts` file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"

export interface Violation {
  readonly file: string
  readonly specifier: string
  readonly rule: string
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

const ROOT_FILES = ["src/main.ts", "src/AppConfig.ts", "src/Infrastructure.ts"]
const CORE = ["src/domain", "src/application"]
/** What every web feature may use: the shared parts and the generated GraphQL types. */
const WEB_SHARED = ["web/src/shared", "web/src/gql"]

/** Which areas each area's (non-test) files may import, besides itself. */
export const ALLOWED: Readonly<Record<string, ReadonlyArray<string>>> = {
  "src/domain": [],
  "src/application": ["src/domain"],
  "src/adapters/crypto": CORE,
  "src/adapters/persistence": CORE,
  "src/adapters/observability": CORE,
  // Media bytes: the media store adapters (memory, filesystem, S3) and the content sniffer.
  "src/adapters/media": CORE,
  // Outbound webhooks to tenants' endpoints: signing (standardwebhooks) and the vetted HTTP client.
  "src/adapters/webhook-out": CORE,
  "src/adapters/meta-graph": [...CORE, "src/adapters/observability"],
  // The HTTP edge receives Meta's browser payloads (the popup's session info): it decodes them with meta-graph's
  // decoders, so Meta's wire format keeps one home.
  "src/adapters/http": [...CORE, "src/adapters/observability", "src/adapters/meta-graph"],
  // The GraphQL edge shows a stored message's text: meta-graph reads it from Meta's message object.
  "src/adapters/graphql": [...CORE, "src/adapters/http", "src/adapters/meta-graph"],
  "src/root": ["src", "sandbox"],
  sandbox: [],
  web: [],
  "web/src": ["web/src"],
  "web/src/gql": [],
  "web/src/shared": ["web/src/gql", "web/src/connect/metaSdk.ts"],
  "web/src/connect": WEB_SHARED,
  "web/src/whatsapp": [...WEB_SHARED, "web/src/connect"],
  "web/src/meta-ads": [...WEB_SHARED, "web/src/connect"],
  "web/src/conversations": [...WEB_SHARED, "web/src/connect"],
  "web/src/webhooks": WEB_SHARED,
  test: ["src", "sandbox", "test", "scripts"]
}
/** What test files may import, by the area they sit in. */
const ALLOWED_IN_TESTS: Readonly<Record<string, ReadonlyArray<string>>> = {
  sandbox: [],
  web: ["src/adapters/graphql", "web", "codegen.ts"]
}

const walk = (directory: string): ReadonlyArray<string> =>
  readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" ? [] : walk(path)
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
  })

const importsOf = (source: string): ReadonlyArray<string> =>
  [...source.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? "").filter((s) => s !== "")

/**
 * The area a project-relative path belongs to (`src/adapters/http`, `src/domain`, `src/root`, `sandbox`,
 * `web/src/whatsapp`, `web/src` for the page's own files…).
 */
export const areaOf = (path: string): string => {
  const parts = path.split("/")
  if (parts[0] === "src") {
    if (parts[1] === "adapters") return `src/adapters/${parts[2] ?? ""}`
    return parts.length === 2 ? "src/root" : `src/${parts[1]}`
  }
  if (parts[0] === "web" && parts[1] === "src") return parts.length === 3 ? "web/src" : `web/src/${parts[2]}`
  return parts[0] ?? ""
}

const within = (target: string, area: string) =>
  target === area || target.startsWith(`${area}/`) || (area === "src/root" && ROOT_FILES.includes(target))

export const checkArchitecture = (root: string): ReadonlyArray<Violation> => {
  const violations: Array<Violation> = []
  // Reported in this order: domain, application, the rest of src/, sandbox/, test/, web/.
  const files = ["src/domain", "src/application", "src", "sandbox", "test", "web"].flatMap((top, index, tops) => {
    try {
      return walk(join(root, top)).filter(
        (file) => !tops.slice(0, index).some((seen) => file.startsWith(join(root, seen, "/")))
      )
    } catch {
      return []
    }
  })
  for (const file of files) {
    const rel = relative(root, file)
    const area = areaOf(rel)
    const isTest = /\.test\.tsx?$/.test(rel) || area === "test"
    const allowed = isTest ? (ALLOWED_IN_TESTS[area.split("/")[0]!] ?? ALLOWED.test) : ALLOWED[area]
    for (const specifier of importsOf(readFileSync(file, "utf8"))) {
      const push = (rule: string) => violations.push({ file: rel, specifier, rule })
      if (!specifier.startsWith(".")) {
        if (!isTest && area === "src/domain" && specifier !== "effect" && !specifier.startsWith("effect/"))
          push("the domain imports only effect and the domain")
        continue
      }
      const target = relative(root, resolve(file, "..", specifier))
      if (/\.test\.tsx?$/.test(target)) {
        push("no file imports a test file")
        continue
      }
      if (allowed === undefined) {
        push(`${area} is missing from the architecture table (scripts/check-architecture.ts)`)
        continue
      }
      if (within(target, area) || allowed.some((other) => within(target, other))) continue
      if (!isTest && within(target, "test")) push("only tests import test/")
      else if (area === "src/domain") push("the domain imports only effect and the domain")
      else if (area === "src/application") push("the application imports ports, never adapters")
      else if (area === "sandbox") push("the sandbox imports nothing from src/")
      else push(`${area}${isTest ? " (tests)" : ""} may import only ${[area, ...allowed].join(", ")}`)
    }
  }
  return violations
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = checkArchitecture(resolve(import.meta.dirname, ".."))
  for (const v of violations) console.error(`${v.file}: imports "${v.specifier}" (${v.rule})`)
  if (violations.length > 0) process.exit(1)
  console.log("architecture: src/, sandbox/, web/ and test/ imports follow the table in scripts/check-architecture.ts")
}
