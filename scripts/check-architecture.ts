/**
 * Fails (exit 1) when a file breaks the hexagonal layering: `src/domain` imports nothing but `effect` and other
 * domain files (no I/O), `src/application` imports no adapter, and `sandbox/` (a separate fake system) imports
 * nothing from `src/`. Test files are exempt: like `main.ts`, they choose the adapters.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"

export interface Violation {
  readonly file: string
  readonly specifier: string
  readonly rule: string
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

const walk = (directory: string): ReadonlyArray<string> =>
  readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : walk(path)
    // Tests are composition roots of their own: they may provide adapters to the code they test.
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : []
  })

const importsOf = (source: string): ReadonlyArray<string> =>
  [...source.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? "").filter((s) => s !== "")

export const checkArchitecture = (root: string): ReadonlyArray<Violation> => {
  const violations: Array<Violation> = []
  const layer = (path: string) => relative(root, path).split("/").slice(0, 2).join("/")
  for (const area of ["src/domain", "src/application", "sandbox"]) {
    let files: ReadonlyArray<string> = []
    try {
      files = walk(join(root, area))
    } catch {
      continue
    }
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        const target = specifier.startsWith(".") ? layer(resolve(file, "..", specifier)) : specifier
        const rel = relative(root, file)
        if (area === "src/domain") {
          const allowed = target === "src/domain" || specifier === "effect" || specifier.startsWith("effect/")
          if (!allowed) violations.push({ file: rel, specifier, rule: "the domain imports only effect and the domain" })
        } else if (area === "src/application") {
          if (target === "src/adapters" || target.startsWith("src/adapters") || target === "src/main.ts")
            violations.push({ file: rel, specifier, rule: "the application imports ports, never adapters" })
        } else if (target.startsWith("src/") || target === "src") {
          violations.push({ file: rel, specifier, rule: "the sandbox imports nothing from src/" })
        }
      }
    }
  }
  return violations
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = checkArchitecture(resolve(import.meta.dirname, ".."))
  for (const v of violations) console.error(`${v.file}: imports "${v.specifier}" (${v.rule})`)
  if (violations.length > 0) process.exit(1)
  console.log("architecture: domain, application and sandbox imports follow the layers")
}
