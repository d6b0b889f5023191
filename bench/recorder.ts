/**
 * What a load run records: each request's latency, the statuses, the window's figures (`LoadResult`). One per run of
 * `load.ts`; apart from it so that a test can drive it with its own clock.
 */
import { performance } from "node:perf_hooks"
import { type ChildMessage, type LoadResult, type LoadSpec, summarize } from "./protocol.ts"

export class Recorder {
  readonly latencies: Float64Array
  measured = 0
  sent = 0
  answeredInWindow = 0
  errors = 0
  next = 0
  lastEnd = 0
  firstError: string | null = null
  readonly statuses: Record<string, number> = {}
  readonly begin: number
  readonly t0: number
  readonly t1: number
  readonly startedAt = Date.now()

  constructor(
    readonly spec: LoadSpec,
    readonly prepareMs: number,
    /** The clock (tests pass their own); `performance.now` in the load generator. */
    private readonly now: () => number = () => performance.now(),
    // The orchestrator times its CPU accounting from the start message.
    onStart: () => void = () => process.send?.({ type: "started" } satisfies ChildMessage)
  ) {
    this.latencies = new Float64Array(spec.maxRequests)
    this.begin = now()
    this.t0 = this.begin + spec.warmupMs
    this.t1 = this.t0 + spec.measureMs
    onStart()
  }

  /** The next request's index, or null when the window is over or the requests are spent. */
  take(): number | null {
    if (this.next >= this.spec.maxRequests || this.now() >= this.t1) return null
    return this.next++
  }

  /** Open loop: the requests sent and not yet answered, each with its start. */
  readonly open = new Map<number, number>()
  abandoned = 0
  abandonedMeasured = 0
  private closed = false

  abandonAll() {
    const now = this.now()
    for (const start of this.open.values()) {
      this.abandoned++
      if (start >= this.t0) {
        this.latencies[this.measured++] = now - start
        this.abandonedMeasured++
      }
    }
    this.open.clear()
    this.closed = true
  }

  record(start: number, end: number, status: string, error?: unknown) {
    if (this.closed) return
    this.sent++
    this.statuses[status] = (this.statuses[status] ?? 0) + 1
    if (status !== "200") {
      this.errors++
      if (this.firstError === null) this.firstError = error === undefined ? `HTTP ${status}` : String(error)
    }
    if (end >= this.t0 && end < this.t1) this.answeredInWindow++
    if (start >= this.t0) {
      this.latencies[this.measured++] = end - start
      if (end > this.lastEnd) this.lastEnd = end
    }
  }

  result(): LoadResult {
    const samples = this.latencies.subarray(0, this.measured)
    const windowMs = this.measured === 0 ? 0 : this.lastEnd - this.t0
    return {
      name: this.spec.name,
      measured: this.measured,
      sent: this.sent,
      answeredInWindow: this.answeredInWindow,
      errors: this.errors,
      statuses: this.statuses,
      firstError: this.firstError,
      windowMs,
      rps: windowMs > 0 ? ((this.measured - this.abandonedMeasured) * 1000) / windowMs : 0,
      ...summarize(samples),
      startedAt: this.startedAt,
      endedAt: Date.now(),
      exhausted: this.next >= this.spec.maxRequests,
      abandoned: this.abandoned,
      prepareMs: this.prepareMs
    }
  }
}
