import { randomBytes } from "node:crypto"
import { lookup as dnsLookup } from "node:dns"
import { request as httpRequest, type IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"
import { BlockList, isIP, type LookupFunction } from "node:net"
import { Effect, Layer, Redacted } from "effect"
import { Webhook } from "standardwebhooks"
import { type SendResult, WebhookSender } from "../../application/outbound/ports/WebhookSender.ts"
import { WebhookTargetRefused } from "../../domain/Errors.ts"

/** How long one delivery may take, connection to last byte, unless `timeoutMillis` says otherwise. */
export const DELIVERY_TIMEOUT_MS = 10_000
/** The most of an answer's body read; the rest is dropped. */
export const MAX_RESPONSE_BYTES = 64 * 1024
/** The first bytes of the answer stored with the attempt (never logged). */
export const EXCERPT_BYTES = 1024

/**
 * Addresses a webhook may never reach (unless `WEBHOOK_ALLOW_PRIVATE_TARGETS`): this host, private networks,
 * link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254 included), CGNAT, multicast, reserved and
 * documentation ranges, IPv6 ULA and link-local, and IPv4-mapped/-compatible and NAT64 IPv6 (which may carry any
 * IPv4 address).
 */
const BLOCKED_V4 = (() => {
  const list = new BlockList()
  for (const [net, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.0.2.0", 24],
    ["192.88.99.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4]
  ] as const)
    list.addSubnet(net, prefix, "ipv4")
  return list
})()
// A list of its own: one BlockList also matches IPv4 addresses against IPv4-mapped IPv6 rules.
const BLOCKED_V6 = (() => {
  const list = new BlockList()
  for (const [net, prefix] of [
    ["::", 96],
    ["::1", 128],
    ["::ffff:0:0", 96],
    ["64:ff9b::", 96],
    ["64:ff9b:1::", 48],
    ["100::", 64],
    ["2001:db8::", 32],
    ["2002::", 16],
    ["fc00::", 7],
    ["fe80::", 10],
    ["fec0::", 10],
    ["ff00::", 8]
  ] as const)
    list.addSubnet(net, prefix, "ipv6")
  return list
})()

/** Whether an IP address is a public unicast one. */
export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 0) return false
  return family === 4 ? !BLOCKED_V4.check(address, "ipv4") : !BLOCKED_V6.check(address, "ipv6")
}

export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}
export type Resolver = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error === null ? resolve(addresses) : reject(error)
    )
  )

export interface SenderOptions {
  /** `WEBHOOK_ALLOW_PRIVATE_TARGETS`: plain http and private addresses allowed (development and tests). */
  readonly allowPrivateTargets: boolean
  /** DNS resolution (the system's by default; a test gives its own to play a rebinding DNS server). */
  readonly resolver?: Resolver
  readonly userAgent?: string
  /** How long one delivery may take (`WEBHOOK_DELIVERY_TIMEOUT_SECONDS`; {@link DELIVERY_TIMEOUT_MS} by default). */
  readonly timeoutMillis?: number
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1")

/**
 * The addresses a URL may be delivered to, checked: HTTPS (or http when private targets are allowed), and every
 * address its host resolves to public. Answers the refusal's reason, or the first allowed address.
 */
const vet = async (
  text: string,
  options: SenderOptions,
  resolver: Resolver
): Promise<{ readonly refused: string } | { readonly url: URL; readonly address: ResolvedAddress }> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { refused: "it is not a URL." }
  }
  if (url.protocol !== "https:" && !(options.allowPrivateTargets && url.protocol === "http:"))
    return { refused: "it must start with https://." }
  if (url.username !== "" || url.password !== "") return { refused: "it must not carry a user name or password." }
  const host = hostOf(url)
  let addresses: ReadonlyArray<ResolvedAddress>
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }]
  else {
    try {
      addresses = await resolver(host)
    } catch {
      return { refused: `${host} does not resolve.` }
    }
  }
  if (addresses.length === 0) return { refused: `${host} does not resolve.` }
  if (!options.allowPrivateTargets) {
    const blocked = addresses.find((a) => !isPublicAddress(a.address))
    if (blocked !== undefined)
      return {
        refused: `${host} resolves to ${blocked.address}, a private, loopback, link-local or reserved address.`
      }
  }
  return { url, address: addresses[0]! }
}

/** Reads up to `MAX_RESPONSE_BYTES` of the body; answers its first `EXCERPT_BYTES` as text. */
const readExcerpt = (response: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const done = () => {
      response.destroy()
      resolve(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8"))
    }
    response.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size >= MAX_RESPONSE_BYTES) done()
    })
    response.once("end", done)
    response.once("error", done)
    response.once("close", done)
  })

/** Standard Webhooks over node:http(s), connecting only to the address that was checked (no DNS rebinding). */
export const WebhookSenderHttp = (options: SenderOptions) =>
  Layer.succeed(
    WebhookSender,
    WebhookSender.of({
      checkTarget: (url) =>
        Effect.promise(() => vet(url, options, options.resolver ?? systemResolver)).pipe(
          Effect.flatMap((result) =>
            "refused" in result ? Effect.fail(new WebhookTargetRefused({ reason: result.refused })) : Effect.void
          )
        ),
      newSecret: Effect.sync(() => Redacted.make(`whsec_${randomBytes(24).toString("base64")}`)),
      send: (request) =>
        Effect.promise(async (): Promise<SendResult> => {
          const started = performance.now()
          const elapsed = () => Math.round(performance.now() - started)
          const failure = (error: string): SendResult => ({
            statusCode: null,
            durationMs: elapsed(),
            responseExcerpt: null,
            error
          })
          const vetted = await vet(request.url, options, options.resolver ?? systemResolver)
          if ("refused" in vetted) return failure(`refused: ${vetted.refused}`)
          const { url, address } = vetted
          const signature = request.secrets
            .map((secret) => new Webhook(Redacted.value(secret)).sign(request.id, request.timestamp, request.body))
            .join(" ")
          // The socket connects to the vetted address, whatever the name resolves to by now; TLS still checks the
          // certificate against the host name (servername).
          const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
            if ((lookupOptions as { all?: boolean }).all === true)
              (callback as unknown as (e: null, a: ReadonlyArray<ResolvedAddress>) => void)(null, [address])
            else callback(null, address.address, address.family)
          }
          const send = url.protocol === "https:" ? httpsRequest : httpRequest
          return await new Promise<SendResult>((resolve) => {
            const req = send(
              url,
              {
                method: "POST",
                lookup,
                ...(isIP(hostOf(url)) === 0 ? { servername: hostOf(url) } : {}),
                signal: AbortSignal.timeout(options.timeoutMillis ?? DELIVERY_TIMEOUT_MS),
                headers: {
                  "content-type": "application/json",
                  "content-length": Buffer.byteLength(request.body),
                  "user-agent": options.userAgent ?? "meta-channel-connections-webhooks/1",
                  "webhook-id": request.id,
                  "webhook-timestamp": String(Math.floor(request.timestamp.getTime() / 1000)),
                  "webhook-signature": signature
                }
              },
              (response) => {
                void readExcerpt(response).then((excerpt) =>
                  resolve({
                    statusCode: response.statusCode ?? null,
                    durationMs: elapsed(),
                    responseExcerpt: excerpt,
                    error:
                      response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300
                        ? null
                        : `HTTP ${response.statusCode}`
                  })
                )
              }
            )
            req.once("error", (error) =>
              resolve(
                failure(
                  error.name === "AbortError" || error.name === "TimeoutError"
                    ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
                    : `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`.slice(0, 500)
                )
              )
            )
            req.end(request.body)
          })
        })
    })
  )
