import { createHmac } from "node:crypto"

/**
 * Serialises like Meta: JSON with every non-ASCII UTF-16 unit escaped as `\uXXXX` (lowercase hex) and `/` escaped
 * as `\/`. The signature covers exactly these bytes, so a receiver that re-serialises the parsed JSON fails to verify.
 */
export const metaJson = (payload: unknown): string =>
  JSON.stringify(payload)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\//g, "\\/")

export const sign = (body: string, secret: string): string =>
  `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`

export interface DeliveryAttempt {
  readonly atMs: number
  /** HTTP status the receiver answered, or "failed" (connection refused, timeout...). */
  readonly outcome: number | "failed"
  readonly error?: string
}

export interface Delivery {
  readonly id: number
  readonly url: string
  readonly field: string
  readonly body: string
  readonly payload: unknown
  readonly attempts: Array<DeliveryAttempt>
  status: "pending" | "delivered" | "retrying" | "failed"
}

export interface WebhookDispatcherOptions {
  readonly secret: () => string
  readonly retryDelaysMs: ReadonlyArray<number>
  readonly timeoutMs: number
  readonly now: () => number
  readonly log: (line: string) => void
}

/** Posts signed webhooks, retrying with backoff (Meta retries until it gets a 200), and keeps a log for tests. */
export class WebhookDispatcher {
  readonly deliveries: Array<Delivery> = []
  private seq = 0
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly aborter = new AbortController()
  private closed = false

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Sends once now and schedules retries; resolves with the first attempt's outcome. */
  async deliver(url: string, field: string, payload: unknown): Promise<number | "failed"> {
    const body = metaJson(payload)
    const delivery: Delivery = {
      id: ++this.seq,
      url,
      field,
      body,
      payload,
      attempts: [],
      status: "pending"
    }
    this.deliveries.push(delivery)
    return this.attempt(delivery, 0)
  }

  private async attempt(delivery: Delivery, retryIndex: number): Promise<number | "failed"> {
    if (this.closed) return "failed"
    let outcome: number | "failed"
    let error: string | undefined
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": sign(delivery.body, this.options.secret()),
          "user-agent": "facebookexternalua"
        },
        body: delivery.body,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.timeoutMs)])
      })
      outcome = response.status
      await response.arrayBuffer().catch(() => undefined)
    } catch (cause) {
      outcome = "failed"
      error = cause instanceof Error ? cause.message : String(cause)
    }
    delivery.attempts.push(
      error === undefined ? { atMs: this.options.now(), outcome } : { atMs: this.options.now(), outcome, error }
    )
    if (outcome === 200) {
      delivery.status = "delivered"
    } else if (this.closed || retryIndex >= this.options.retryDelaysMs.length) {
      delivery.status = "failed"
      this.options.log(`webhook #${delivery.id} (${delivery.field}) to ${delivery.url} gave up: ${outcome}`)
    } else {
      delivery.status = "retrying"
      const delay = this.options.retryDelaysMs[retryIndex]!
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        void this.attempt(delivery, retryIndex + 1)
      }, delay)
      this.timers.add(timer)
    }
    return outcome
  }

  /** Resolves when no delivery is pending or retrying (for tests). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const started = Date.now()
    while (this.deliveries.some((d) => d.status === "pending" || d.status === "retrying")) {
      if (Date.now() - started > timeoutMs) throw new Error("webhook deliveries still pending")
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.deliveries.length = 0
  }

  close(): void {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.aborter.abort()
  }
}
