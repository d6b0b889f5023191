/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by function and by module area (the webhook route, the
 * Effect HTTP stack, node:http, crypto, JSON, the SQL client, the rest), for deciding what bounds intake.
 *
 *   npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [top=30]
 */
import { readFileSync } from "node:fs"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly hitCount?: number
}
const [file, topText] = process.argv.slice(2)
if (file === undefined) throw new Error("usage: cpu-profile-top.ts <file.cpuprofile> [top]")
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: ReadonlyArray<Node>
  samples: ReadonlyArray<number>
  timeDeltas: ReadonlyArray<number>
}
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<number, number>()
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})
const total = [...self.values()].reduce((a, b) => a + b, 0)
const idle = new Set(["(idle)", "(program)", "(garbage collector)"])

const area = (url: string, name: string): string => {
  if (idle.has(name)) return name
  if (url.includes("/src/adapters/http/")) return "service: http routes"
  if (url.includes("/src/")) return "service: other"
  if (url.includes("/effect/dist/") && url.includes("/http/")) return "effect: http (router, request, response)"
  if (url.includes("/@effect/platform-node")) return "effect: platform-node (node:http bridge)"
  if (url.includes("/@effect/sql-pg") || url.includes("/pg") || url.includes("/sql/")) return "sql client"
  if (url.includes("/effect/dist/")) return "effect: runtime (fibers, layers)"
  if (url.startsWith("node:internal/http") || url.startsWith("node:_http") || url.includes("llhttp")) return "node:http"
  if (url.startsWith("node:internal/crypto") || url.startsWith("node:crypto")) return "crypto"
  if (url.startsWith("node:")) return "node: other"
  if (url === "" && name !== "") return `native: ${name}`
  return "other js"
}

const byArea = new Map<string, number>()
const byFunction = new Map<string, number>()
for (const [id, micros] of self) {
  const node = byId.get(id)!
  const { functionName, url, lineNumber } = node.callFrame
  const name = functionName === "" ? "(anonymous)" : functionName
  const a = area(url, name)
  byArea.set(a, (byArea.get(a) ?? 0) + micros)
  const key = `${name} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|bench)\//, "$1/")}:${lineNumber}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
}
const busy = total - [...idle].reduce((sum, name) => sum + (byArea.get(name) ?? 0), 0)
const pct = (micros: number, of: number) => `${((100 * micros) / of).toFixed(1)}%`
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`)
console.log("\nby area (share of busy time):")
for (const [name, micros] of [...byArea].sort((a, b) => b[1] - a[1]))
  if (!idle.has(name)) console.log(`  ${pct(micros, busy).padStart(6)}  ${name}`)
console.log(`\ntop ${topText ?? 30} functions by self time (share of busy time):`)
for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topText ?? 30)))
  if (!idle.has(name.split(" ")[0]!)) console.log(`  ${pct(micros, busy).padStart(6)}  ${name}`)
