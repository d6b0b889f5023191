/**
 * Inclusive shares of on-CPU samples from `perf record -g` (issue 18.3, w10B): unlike V8's profiler, which samples
 * by the wall clock and so charges the time a thread waits for a core to whatever it was doing (mostly the socket
 * writes that wake the load generator or PostgreSQL), perf counts only CPU actually used, by every thread (V8's
 * compiler and GC helpers, libuv) and in the kernel. Reads `perf script` output of a process run with
 * `--perf-basic-prof` (see `intake-profile.ts --perf`); prints the split by thread, then each frame's share of all
 * samples that have it on their stack (once per sample), with its self share.
 *
 *   perf script -i file.data -F tid,ip,sym | npx tsx bench/intake-perf-tree.ts [--top 80] [--main <tid>]
 *     [--under <regex>]
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    top: { type: "string", default: "80" },
    under: { type: "string" },
    buckets: { type: "boolean", default: false }
  }
})

/**
 * `--buckets`: every sample in one part, the first rule (in this order) with a frame on its stack (any thread but
 * the main one: "helper threads"), so that the service and the peer are split the same way. Frames of the built
 * service are matched by function name (the bundle's line numbers move with every build).
 */
const BUCKETS: ReadonlyArray<readonly [string, RegExp]> = [
  ["GC on the main thread", /Heap::CollectGarbage|Scavenger|MarkCompact|IncrementalMarking|Heap::/],
  [
    "kernel: socket writes (answers, statements)",
    /^(__GI___writev|__GI___libc_write|write|__write|do_writev|ksys_write)$/
  ],
  ["kernel: reads, epoll", /^(read|__GI___libc_read|ksys_read|epoll_pwait|do_epoll_wait|__x64_sys_epoll_pwait)$/],
  ["kernel: other", /^entry_SYSCALL_64_after_hwframe$|^asm_|irqentry|^schedule$/],
  ["HMAC and SHA-256", /Hmac|createHash|node:internal\/crypto|sha256_block|verifySignature|timingSafeEqual|EVP_|HMAC_/],
  ["JSON.parse and the depth scan (400)", /JsonParse|JsonParser|nestedDeeperThan|JS:parse2 /],
  [
    "request line: record, redaction, JSON, stdout",
    /JS:(writeAll|redactFlat|redact|requestLineRecorder|requestLineRecord|safeStringify|remembered|isSecretKey|requestLine|format_|emit2) |JS: dist\/server\/main\.js:45(2|5)\d:|JsonStringify/
  ],
  [
    "batch start: statement built and sent",
    /JS:(scheduledFlush|acceptBatch|encodeQuery|attempt) |JS:flush dist\/server\/main\.js:157|JS:_pulseQueue |JS:query .*pg\/lib\/client|JS:submit .*pg\/lib\/query/
  ],
  [
    "PostgreSQL driver: reading answers",
    /JS:(onData|pushEach|dispatch|onMessage) dist\/PgConnection|pg-protocol\/dist\/(index|parser)|pg\/lib\/connection\.js:1[0-9]{2}|handleReadyForQuery|_handleReadyForQuery|handleCommandComplete|handleRowDescription|handleDataRow/
  ],
  [
    "answers written (node:http user space)",
    /JS:(writePrepared|writeAnswer|end|writeHead|_storeHeader|onFinish|resOnFinish) /
  ],
  [
    "fast path's batch: Effect run, metrics, spans",
    /JS:(flush|logged|finish) dist\/server\/main\.js:12|JS:runLoop |JS:evaluate |Metric|makeSpan/
  ],
  [
    "body read, request intake",
    /JS:(onEnd|readNodeBody|handle|receive|check|servingNodeRequest|servingRequest|ServingRequest|server\.emit) |JS:onData dist\/server|endReadableNT|readableAddChunk/
  ],
  ["node:http parser and request objects", /llhttp|http_parser|parserOn|_http_incoming|_http_server|_http_common/],
  ["event loop, timers, microtasks", /uv_run|processTicksAndRejections|processImmediate|RunMicrotasks/]
]
const under = values.under === undefined ? undefined : new RegExp(values.under)
const text = readFileSync(0, "utf8")
const inclusive = new Map<string, number>()
const self = new Map<string, number>()
const threads = new Map<string, number>()
const buckets = new Map<string, number>()
let total = 0
/** The main thread: the process's own id, the first sample's in a `perf record -p` of a process started idle. */
let mainTid: string | undefined
const clean = (frame: string) =>
  frame
    .trim()
    .replace(/^[0-9a-f]+\s+/, "")
    .replace(/\s+\(.*\)$/, "")
    .replace(/file:\/\/\/\S*\/dist\//, "dist/")
    .replace(/file:\/\/\/\S*\/node_modules\//, "")
    .replace(/^JS:[*^~+]?/, "JS:")
for (const block of text.split(/\n\s*\n/)) {
  const lines = block.split("\n").filter((line) => line.trim() !== "")
  if (lines.length < 2) continue
  const tid = lines[0]!.trim().split(/\s+/)[0]!
  const frames = lines.slice(1).map(clean)
  if (under !== undefined && !frames.some((frame) => under.test(frame))) continue
  total++
  threads.set(tid, (threads.get(tid) ?? 0) + 1)
  self.set(frames[0]!, (self.get(frames[0]!) ?? 0) + 1)
  for (const frame of new Set(frames)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + 1)
  if (mainTid === undefined) mainTid = tid
  const bucket =
    tid !== mainTid
      ? "helper threads (V8's compiler, concurrent GC)"
      : (BUCKETS.find(([, pattern]) => frames.some((frame) => pattern.test(frame)))?.[0] ?? "other")
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1)
}
const pct = (n: number) => `${((100 * n) / total).toFixed(1)}%`.padStart(6)
console.log(`${total} samples${under === undefined ? "" : ` with ${values.under} on the stack`}; by thread:`)
for (const [tid, n] of [...threads].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${pct(n)}  tid ${tid}`)
if (values.buckets) {
  console.log("parts (each sample in the first that matches, in this order):")
  for (const [name] of [...BUCKETS, ["helper threads (V8's compiler, concurrent GC)"], ["other"]] as const)
    console.log(`${pct(buckets.get(name) ?? 0)}  ${name}`)
}
console.log("inclusive, self:")
for (const [frame, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${pct(n)} ${pct(self.get(frame) ?? 0)}  ${frame}`)
