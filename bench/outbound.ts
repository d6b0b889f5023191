/**
 * The outbound scenario (issue 19): Meta's inbound webhooks at a fixed rate into a service instance with its
 * workers running, and the tenant's backend — a `node:http` receiver on 127.0.0.1 that verifies every delivery
 * with the `standardwebhooks` package — hearing each `message.received`. Both ends run in this process, so the
 * latency from Meta's POST to the receiver is one clock. Counted by the message's id: delivered, duplicated,
 * missing after a drain, and the backlog (inbox + outbox) when the sending stops.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http"
import { performance } from "node:perf_hooks"
import { Webhook } from "standardwebhooks"
import { sign, summarize, webhookBody } from "./protocol.ts"

export interface OutboundOptions {
  /** The service instance that takes Meta's webhooks (and the GraphQL that registers the endpoint). */
  readonly serviceUrl: string
  /** An admin's bearer token of the tenant the number belongs to. */
  readonly token: string
  /** Meta's app secret (signs the inbound webhooks). */
  readonly appSecret: string
  readonly phoneNumberId: string
  /** Message ids are `wamid.<idPrefix>.<n>`. */
  readonly idPrefix: string
  /** How long the rate is measured before (closed loop, no endpoint yet). */
  readonly probeMs: number
  /** How long the inbound messages are sent at the rate. */
  readonly sendMs: number
  /** The rate as a fraction of the measured one. */
  readonly fraction: number
  /** A fixed rate (req/s) instead of the probe's fraction (no probe): two builds compared at one rate. */
  readonly fixedRate?: number | undefined
  /** How long after the sending the deliveries still outstanding are waited for. */
  readonly drainMs: number
  /** False once the instance under test exited: the drain stops waiting. */
  readonly alive: () => boolean
  /** Inbox events not yet processed plus outbox deliveries not yet delivered (the backlog). */
  readonly backlog: () => Promise<{ readonly inbox: number; readonly outbox: number }>
  /** Called when the sending starts and when it ends (the caller reads the CPU between them). */
  readonly window?: { readonly opened: () => unknown; readonly closed: () => unknown }
}

export interface OutboundResult {
  readonly probedRps: number
  readonly rate: number
  readonly sent: number
  /** Inbound webhooks the service answered 200. */
  readonly accepted: number
  readonly errors: number
  readonly firstError: string | null
  /** Accepted messages whose delivery reached the receiver while the sending ran. */
  readonly deliveredInWindow: number
  /** Deliveries per second over the sending window. */
  readonly deliveredRps: number
  /**
   * Deliveries received over the second half of the sending window (until the last answer) per message accepted
   * over it (answered 200 in it): the two rates in the steady state. About 1 when delivery keeps pace whatever the pipeline's
   * latency (a delay shifts the deliveries, not their rate); below 1 when it falls behind; above 1 while it catches
   * up with an earlier backlog. `deliveredInWindow / accepted` also counts the messages still in flight at the end.
   */
  readonly secondHalfRatio: number
  readonly acceptedRps: number
  /** The same message received more than once (0 expected: no failure was injected, so no retry is due). */
  readonly duplicates: number
  /** Accepted messages never delivered, after the drain. */
  readonly missing: number
  /** Set when the drain timed out with work left: `missing` may still arrive (not proven lost). */
  readonly unfinished: { readonly inbox: number; readonly outbox: number } | null
  /** TCP connections the receiver accepted (the sender's keep-alive: far fewer than deliveries). */
  readonly receiverConnections: number
  /** Deliveries whose signature `standardwebhooks` refused. */
  readonly badSignatures: number
  readonly backlogAtEnd: { readonly inbox: number; readonly outbox: number }
  /**
   * How fast the backlog (inbox + outbox) grew over the second half of the sending, in events/s (least squares over
   * a sample a second): about 0 when delivery keeps pace, whatever the pipeline's latency; the delivered/accepted
   * ratio of the window also counts the messages still in flight when it closes.
   */
  readonly backlogGrowthPerS: number
  /** From the end of the sending until the last accepted message was delivered (ms), or NaN if some never were. */
  readonly drainMs: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** From the outbox event's `timestamp` (written with the message) to the receiver: the delivery side alone. */
  readonly outboxP50: number
  readonly outboxP99: number
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/** Least-squares slope of `backlog` over `at` (ms), per second; NaN with fewer than 3 samples. */
export const slopePerSecond = (samples: ReadonlyArray<{ readonly at: number; readonly backlog: number }>) => {
  if (samples.length < 3) return Number.NaN
  const meanAt = samples.reduce((sum, s) => sum + s.at, 0) / samples.length
  const meanBacklog = samples.reduce((sum, s) => sum + s.backlog, 0) / samples.length
  let covariance = 0
  let variance = 0
  for (const s of samples) {
    covariance += (s.at - meanAt) * (s.backlog - meanBacklog)
    variance += (s.at - meanAt) ** 2
  }
  return (covariance / variance) * 1000
}

const readBody = (incoming: IncomingMessage) =>
  new Promise<string>((done, fail) => {
    const chunks: Array<Buffer> = []
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
    incoming.on("end", () => done(Buffer.concat(chunks).toString("utf8")))
    incoming.on("error", fail)
  })

/** POSTs `body` and answers the HTTP status (0 for a connection error). */
const post = (agent: Agent, url: URL, headers: Record<string, string>, body: string) =>
  new Promise<number>((done) => {
    const outgoing = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers },
      (response) => {
        response.resume()
        response.on("end", () => done(response.statusCode ?? 0))
      }
    )
    outgoing.on("error", () => done(0))
    outgoing.end(body)
  })

const graphql = async (options: OutboundOptions, query: string, variables: Record<string, unknown>) => {
  const response = await fetch(`${options.serviceUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ query, variables })
  })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
  if (response.status !== 200 || body.errors !== undefined)
    throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`)
  return body.data!
}

export const runOutbound = async (options: OutboundOptions): Promise<OutboundResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const webhookUrl = new URL(`${options.serviceUrl}/webhooks/meta/whatsapp`)
  const bodies = (prefix: string) => ({
    secret: options.appSecret,
    phoneNumberId: options.phoneNumberId,
    idPrefix: prefix
  })
  const send = (prefix: string, n: number) => {
    const body = webhookBody(bodies(prefix), n)
    return post(
      agent,
      webhookUrl,
      { "content-type": "application/json", "x-hub-signature-256": sign(body, options.appSecret) },
      body
    )
  }

  // 1. The rate intake sustains here: a closed loop of 32 clients, before any endpoint exists.
  let probed = 0
  const probeEnd = performance.now() + (options.fixedRate === undefined ? options.probeMs : 0)
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < probeEnd) {
        if ((await send(`${options.idPrefix}-probe`, probed++)) !== 200) throw new Error("the rate probe was refused")
      }
    })
  )
  const probedRps = options.fixedRate === undefined ? probed / (options.probeMs / 1000) : Number.NaN
  const rate = options.fixedRate ?? Math.max(5, Math.round(probedRps * options.fraction))
  // The probe's messages are still being processed: wait until the inbox is empty so they add no backlog.
  for (let waited = 0; (await options.backlog()).inbox > 0 && waited < 60_000; waited += 250) await sleep(250)

  // 2. The tenant's backend.
  const postedAt = new Map<number, number>()
  /** When the service answered 200 (accepted it). */
  const answeredAt = new Map<number, number>()
  const receivedAt = new Map<number, number>()
  /** Per message: wall-clock ms from the event's `timestamp` (the database's clock, this machine) to receipt. */
  const outboxLag = new Map<number, number>()
  let duplicates = 0
  let badSignatures = 0
  let webhook: Webhook | null = null
  const receiver = createServer((incoming, response) => {
    const at = performance.now()
    const wall = Date.now()
    void readBody(incoming).then((text) => {
      try {
        webhook?.verify(text, incoming.headers as Record<string, string>)
      } catch {
        badSignatures++
        response.writeHead(400).end()
        return
      }
      const event = JSON.parse(text) as { type: string; timestamp: string; data: { providerMessageId?: string } }
      const match = /\.(\d+)$/.exec(event.data.providerMessageId ?? "")
      if (
        event.type === "message.received" &&
        match !== null &&
        event.data.providerMessageId!.includes(`.${options.idPrefix}.`)
      ) {
        const n = Number(match[1])
        if (receivedAt.has(n)) duplicates++
        else {
          receivedAt.set(n, at)
          outboxLag.set(n, wall - Date.parse(event.timestamp))
        }
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("ok")
    })
  })
  let connections = 0
  receiver.on("connection", () => connections++)
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
  const port = (receiver.address() as { port: number }).port
  let endpointId: string | null = null
  /** The backlog still there when the drain ran out of time (the missing then are not proven lost). */
  let drainedOut: { readonly inbox: number; readonly outbox: number } | null = null
  try {
    const created = await graphql(
      options,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id } } }`,
      { input: { url: `http://127.0.0.1:${port}/hooks`, events: ["message.received"] } }
    )
    const answer = created["createWebhookEndpoint"] as { secret: string; endpoint: { id: string } }
    webhook = new Webhook(answer.secret)
    endpointId = answer.endpoint.id

    // 3. Open loop: message i is sent at i / rate seconds, whatever is in flight.
    let sent = 0
    let accepted = 0
    let errors = 0
    let firstError: string | null = null
    const inFlight: Array<Promise<void>> = []
    await options.window?.opened()
    const started = performance.now()
    const total = Math.floor((rate * options.sendMs) / 1000)
    const samples: Array<{ readonly at: number; readonly backlog: number }> = []
    let sending = true
    const sampler = (async () => {
      for (let next = 1000; sending; next += 1000) {
        await sleep(Math.max(0, started + next - performance.now()))
        if (!sending) break
        const at = performance.now() - started
        const { inbox, outbox } = await options.backlog()
        samples.push({ at, backlog: inbox + outbox })
      }
    })()
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1)
      while (sent < due) {
        const n = sent++
        postedAt.set(n, performance.now())
        inFlight.push(
          send(options.idPrefix, n).then((status) => {
            if (status === 200) {
              accepted++
              answeredAt.set(n, performance.now())
            } else {
              errors++
              firstError ??= `HTTP ${status}`
              postedAt.delete(n)
            }
          })
        )
      }
      await sleep(2)
    }
    await Promise.all(inFlight)
    const ended = performance.now()
    sending = false
    await sampler
    await options.window?.closed()
    const deliveredInWindow = [...receivedAt.values()].filter((at) => at <= ended).length
    // The same span for both, by the time each message was accepted (answered 200: intake may answer late when it
    // falls behind the schedule) and delivered.
    const middle = started + (ended - started) / 2
    const deliveredSecondHalf = [...receivedAt.values()].filter((at) => at > middle && at <= ended).length
    const acceptedSecondHalf = [...answeredAt.values()].filter((at) => at > middle).length
    const backlogAtEnd = await options.backlog()

    // 4. Drain: every accepted message is in the inbox, so it must arrive once the inbox and the outbox are empty;
    // only then is one that did not arrive lost (not merely late).
    const drainUntil = performance.now() + options.drainMs
    const outstanding = () => [...postedAt.keys()].some((n) => !receivedAt.has(n))
    while (performance.now() < drainUntil && outstanding() && options.alive()) await sleep(250)
    if (outstanding()) {
      const left = await options.backlog()
      if (left.inbox > 0 || left.outbox > 0) drainedOut = left
    }
    const missing = [...postedAt.keys()].filter((n) => !receivedAt.has(n)).length
    const latencies = Float64Array.from(
      [...receivedAt].filter(([n]) => postedAt.has(n)).map(([n, at]) => at - postedAt.get(n)!)
    )
    const lastDelivery = Math.max(...receivedAt.values())
    const summary = summarize(latencies)
    const outbox = summarize(Float64Array.from([...outboxLag].filter(([n]) => postedAt.has(n)).map(([, lag]) => lag)))
    const seconds = ended - started
    return {
      probedRps,
      rate,
      sent,
      accepted,
      errors,
      firstError,
      deliveredInWindow,
      deliveredRps: (deliveredInWindow * 1000) / seconds,
      secondHalfRatio: acceptedSecondHalf > 0 ? deliveredSecondHalf / acceptedSecondHalf : Number.NaN,
      acceptedRps: (accepted * 1000) / options.sendMs,
      duplicates,
      missing,
      unfinished: drainedOut,
      badSignatures,
      receiverConnections: connections,
      backlogAtEnd,
      backlogGrowthPerS: slopePerSecond(samples.filter((sample) => sample.at >= options.sendMs / 2)),
      drainMs: missing > 0 ? Number.NaN : Math.max(0, lastDelivery - ended),
      p50: summary.p50,
      p99: summary.p99,
      max: summary.max,
      outboxP50: outbox.p50,
      outboxP99: outbox.p99
    }
  } finally {
    // The next round registers its own endpoint: this one would keep retrying a closed receiver.
    if (endpointId !== null)
      await graphql(options, "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", { id: endpointId }).catch(
        () => undefined
      )
    agent.destroy()
    receiver.closeAllConnections()
    await new Promise<void>((done) => receiver.close(() => done()))
  }
}
