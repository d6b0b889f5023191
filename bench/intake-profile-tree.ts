/**
 * Inclusive shares of a V8 CPU profile (`node --cpu-prof`), for comparing where the service and the `node:http` peer
 * spend their time (issue 18.3): each function's share of the busy samples that have it anywhere on their stack
 * (counted once per sample, so recursion does not count twice), with its self share beside it.
 *
 * `--from` / `--to`: only the samples in that window, in µs of the profile's clock (`process.hrtime` / 1000 of the
 * profiled process's machine: `intake-profile.ts` prints its load window that way). `--under <name>`: only the
 * samples with a function of that name on their stack, and shares of those (what the function's time is made of).
 *
 *   npx tsx bench/intake-profile-tree.ts <file.cpuprofile> [--top 60] [--from µs --to µs] [--under flush]
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

interface Node {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
    readonly columnNumber?: number
  }
  readonly children?: ReadonlyArray<number>
}
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "60" },
    from: { type: "string" },
    to: { type: "string" },
    under: { type: "string" }
  }
})
const file = positionals[0]
if (file === undefined) throw new Error("usage: intake-profile-tree.ts <file.cpuprofile> [--top n] [--from µs --to µs]")
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
  readonly startTime: number
}
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

const idle = new Set(["(idle)", "(program)", "(root)"])
const keyOf = (node: Node) => {
  const { functionName, url, lineNumber } = node.callFrame
  const name = functionName === "" ? "(anonymous)" : functionName
  const where = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|bench|dist)\//, "$1/")
  return `${name} ${where}${url === "" ? "" : `:${lineNumber + 1}`}`
}

const from = values.from === undefined ? Number.NEGATIVE_INFINITY : Number(values.from)
const to = values.to === undefined ? Number.POSITIVE_INFINITY : Number(values.to)
const inclusive = new Map<string, number>()
const self = new Map<string, number>()
let busy = 0
let sampled = 0
let at = profile.startTime
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0
  at += delta
  if (at < from || at > to) continue
  sampled += delta
  const leaf = byId.get(profile.samples[i]!)!
  if (idle.has(leaf.callFrame.functionName)) continue
  const stack: Array<string> = []
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const node = byId.get(id)!
    if (node.callFrame.functionName !== "(root)") stack.push(keyOf(node))
  }
  if (values.under !== undefined && !stack.some((key) => key.startsWith(`${values.under} `))) continue
  busy += delta
  const leafKey = keyOf(leaf)
  self.set(leafKey, (self.get(leafKey) ?? 0) + delta)
  for (const key of new Set(stack)) inclusive.set(key, (inclusive.get(key) ?? 0) + delta)
}
const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1)}%`.padStart(6)
console.log(
  `window: ${(sampled / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy` +
    (values.under === undefined ? "" : ` under ${values.under}`) +
    `; shares of that busy time: inclusive, self`
)
for (const [key, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${pct(micros)} ${pct(self.get(key) ?? 0)}  ${key}`)
