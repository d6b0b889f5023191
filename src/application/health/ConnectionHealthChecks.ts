import { Clock, Context, type Duration, Effect, Layer, Option } from "effect"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import {
  type ConnectionHealth,
  type HealthCheck,
  type HealthCheckName,
  type HealthStatus,
  messagingHealthy,
  overallHealth
} from "../../domain/ConnectionHealth.ts"
import type { MetaAppCredentialsInvalid, MetaTokenInvalid, TokenUnreadable } from "../../domain/Errors.ts"
import type { ConnectionId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import {
  type AccessToken,
  MetaGraph,
  type MetaGraphError,
  type PhoneNumber,
  type SubscribedApp,
  type TokenInfo
} from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { spreadOver } from "../SpreadOver.ts"
import { storedToken } from "../StoredToken.ts"
import { AppWebhookCheck, type AppWebhookStatus } from "./AppWebhookCheck.ts"

/** The two permissions a WhatsApp connection's token must carry (management for the WABA, messaging to send). */
export const WHATSAPP_SCOPES: ReadonlyArray<string> = ["whatsapp_business_management", "whatsapp_business_messaging"]

/** A connection's health as the API shows it. */
export interface HealthView {
  readonly connectionId: ConnectionId | null
  readonly checks: ReadonlyArray<HealthCheck>
  readonly overall: HealthStatus
  /** The latest check's time; null before the first check. */
  readonly checkedAt: Date | null
  /** No check that gates messaging is failing: only then is the connection shown as Connected. */
  readonly messagingHealthy: boolean
  readonly lastWebhookAt: Date | null
}

export const NO_HEALTH: HealthView = {
  connectionId: null,
  checks: [],
  overall: "unknown",
  checkedAt: null,
  messagingHealthy: true,
  lastWebhookAt: null
}

export const healthView = (
  connectionId: ConnectionId,
  checks: ReadonlyArray<HealthCheck>,
  lastWebhookAt: Date | null
): HealthView => ({
  connectionId,
  checks,
  overall: overallHealth(checks),
  checkedAt: checks.reduce<Date | null>(
    (latest, check) => (latest === null || check.checkedAt > latest ? check.checkedAt : latest),
    null
  ),
  messagingHealthy: messagingHealthy(checks),
  lastWebhookAt
})

const PROVIDER = "meta_whatsapp" as const
const LIVE = new Set(["active", "pending", "error"])

/** A check as a run finds it, before the run stamps its time. */
export type Found = Omit<HealthCheck, "checkedAt">
export const found = (name: HealthCheckName, status: HealthStatus, message: string): Found => ({
  name,
  status,
  message
})

const RECONNECT = "Disconnect and connect WhatsApp again."

/** `debug_token` read against our app and the WhatsApp permissions. */
export const tokenCheck = (info: TokenInfo, appId: string): Found => {
  if (info.otherApp === true || (info.appId !== null && info.appId !== appId))
    return found("token", "failing", `The token was issued to another Meta app, not this one. ${RECONNECT}`)
  if (!info.isValid)
    return found(
      "token",
      "failing",
      `Meta no longer accepts the token${info.error === null ? "" : ` (${info.error})`}. ${RECONNECT}`
    )
  const missing = WHATSAPP_SCOPES.filter((scope) => !info.scopes.includes(scope))
  if (missing.length > 0)
    return found(
      "token",
      "failing",
      `The token lacks the permission${missing.length === 1 ? "" : "s"} ${missing.join(", ")}. ${RECONNECT} Grant every permission the dialog asks for.`
    )
  return found("token", "ok", "The token is valid, issued to this app, with both WhatsApp permissions.")
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "")

/**
 * Where Meta posts the connection's webhooks: the app-level callback (as the last `AppWebhookCheck` found it) unless
 * the WABA has an override callback for our app (`override_callback_uri` of `GET /{waba}/subscribed_apps`), which
 * receives `messages` (and a few other fields) instead; account-level fields (name, quality, review, capability)
 * always go to the app's callback. `override`: undefined when the WABA's subscription could not be read.
 */
export const appWebhookCheck = (status: AppWebhookStatus, override: string | null | undefined = null): Found => {
  const expected = status.expectedCallbackUrl
  if (override !== null && override !== undefined) {
    if (!sameUrl(override, expected))
      return found(
        "app_webhook",
        "failing",
        `The WhatsApp Business Account has an override callback: Meta posts its messages to ${override}, not to this service (${expected}). Whoever set it removes it (POST /{waba-id}/subscribed_apps without override_callback_uri), or reconnect.`
      )
    if (status.state === "missing" || status.state === "inactive")
      return found(
        "app_webhook",
        "failing",
        `${status.message} Meta sends no webhook for the WhatsApp Business Account, override or not: an operator sets the callback to ${expected} in the App Dashboard.`
      )
    if (status.state === "foreign")
      return found(
        "app_webhook",
        "warning",
        `Messages reach this service through the WhatsApp Business Account's override callback, but account events (display name, quality, review, limits) go to the app's callback ${status.callbackUrl}: an operator sets it to ${expected} in the App Dashboard.`
      )
  }
  switch (status.state) {
    case "ok":
      return found(
        "app_webhook",
        "ok",
        override === null || override === undefined
          ? "Meta posts this app's WhatsApp webhooks to this service."
          : "Meta posts this app's WhatsApp webhooks to this service (the WhatsApp Business Account's override callback is this service too)."
      )
    case "unknown":
      return found("app_webhook", "unknown", status.message)
    case "fields_missing":
      return found(
        "app_webhook",
        status.missingFields.includes("messages") ? "failing" : "warning",
        `${status.message} An operator adds them in the App Dashboard (WhatsApp > Configuration > Webhook fields).`
      )
    default:
      return found(
        "app_webhook",
        "failing",
        `${status.message} No messages reach this service: an operator sets the callback to ${status.expectedCallbackUrl} in the App Dashboard.`
      )
  }
}

export const subscriptionCheck = (apps: ReadonlyArray<SubscribedApp>, appId: string, wabaId: string): Found =>
  apps.some((app) => app.appId === appId)
    ? found("waba_subscription", "ok", "This app is subscribed to the WhatsApp Business Account's webhooks.")
    : found(
        "waba_subscription",
        "failing",
        `This app is not subscribed to the WhatsApp Business Account ${wabaId}: Meta sends its messages and statuses to nobody here. Disconnect and connect WhatsApp again: connecting subscribes the app again.`
      )

const LIMIT_WORDS: Record<string, string> = {
  TIER_50: "50",
  TIER_250: "250",
  TIER_1K: "1,000",
  TIER_2K: "2,000",
  TIER_10K: "10,000",
  TIER_100K: "100,000",
  TIER_UNLIMITED: "unlimited"
}

/** The number as Meta reads it: registration, display name, quality, messaging limit and throughput. */
export const numberChecks = (number: PhoneNumber): ReadonlyArray<Found> => {
  const checks: Array<Found> = []
  const registered = number.platformType === "CLOUD_API"
  const verification = number.codeVerificationStatus
  if (registered) checks.push(found("number", "ok", "The number is registered for the Cloud API."))
  else if (verification !== null && verification !== "VERIFIED")
    checks.push(
      found(
        "number",
        "failing",
        `The number's ownership is not verified (${verification}): verify it in WhatsApp Manager, then finish the connection.`
      )
    )
  else
    checks.push(
      found(
        "number",
        "failing",
        "The number is not registered for the Cloud API: finish the connection (enter the two-step verification PIN), or reconnect."
      )
    )
  const name = number.nameStatus
  if (name === null) checks.push(found("display_name", "unknown", "Meta did not say how the display name stands."))
  else if (name === "APPROVED" || name === "AVAILABLE_WITHOUT_REVIEW")
    checks.push(found("display_name", "ok", "The display name is approved."))
  else if (name === "PENDING_REVIEW")
    checks.push(
      found(
        "display_name",
        "warning",
        "Meta is reviewing the display name; it usually decides within a few days. Nothing to do meanwhile."
      )
    )
  else
    checks.push(
      found(
        "display_name",
        "warning",
        `The display name is not approved (${name}): edit it in WhatsApp Manager or appeal the decision.`
      )
    )
  const quality = number.qualityRating
  if (quality === "YELLOW")
    checks.push(
      found(
        "quality",
        "warning",
        "The number's quality is medium (YELLOW): customers blocked or reported recent messages. Send only messages customers expect."
      )
    )
  else if (quality === "RED")
    checks.push(
      found(
        "quality",
        "warning",
        "The number's quality is low (RED): Meta may lower the messaging limit. Stop campaigns and send only messages customers expect."
      )
    )
  else if (quality === "GREEN") checks.push(found("quality", "ok", "The number's quality is high (GREEN)."))
  else checks.push(found("quality", "ok", "Meta has not rated the number's quality yet."))
  const limit = number.messagingLimit ?? null
  const throughput = number.throughputLevel ?? null
  if (limit === null && throughput === null)
    checks.push(found("messaging_limit", "unknown", "Meta did not say the messaging limit."))
  else
    checks.push(
      found(
        "messaging_limit",
        "ok",
        [
          limit === null
            ? null
            : `The business portfolio may start conversations with ${LIMIT_WORDS[limit] ?? limit} customers a day (${limit}).`,
          throughput === null ? null : `Throughput: ${throughput}.`
        ]
          .filter((part) => part !== null)
          .join(" ")
      )
    )
  return checks
}

export const webhooksCheck = (lastWebhookAt: Date | null, connectedAt: Date): Found =>
  lastWebhookAt !== null && lastWebhookAt.getTime() >= connectedAt.getTime()
    ? found("webhooks", "ok", `The last webhook for the number arrived at ${lastWebhookAt.toISOString()}.`)
    : found(
        "webhooks",
        "warning",
        `No webhook has arrived for the number since it was connected (${connectedAt.toISOString()}). Send a WhatsApp message to the number from a phone; if it does not show up, check the subscription and callback above.`
      )

const unknownOf = (names: ReadonlyArray<HealthCheckName>, message: string): ReadonlyArray<Found> =>
  names.map((name) => found(name, "unknown", message))

/** A provider's health checks (WhatsApp and Meta Ads alike). */
export interface ProviderHealthChecks {
  /** Runs every check of the connection now and stores the results. */
  run(connection: ChannelConnection): Effect.Effect<HealthView>
  /** Runs the checks of the actor's current connection of the provider; `NO_HEALTH` when there is none. */
  checkNow(actor: Actor): Effect.Effect<HealthView>
  /** The stored health of the actor's current connection of the provider. */
  read(actor: Actor): Effect.Effect<HealthView>
  /** The connections the health job checks: the provider's ones holding a token, not revoked. */
  readonly due: Effect.Effect<ReadonlyArray<ChannelConnection>>
}

/** The `unknown` message of a token check Meta did not answer. */
export const tokenUnasked = (failure: MetaGraphError | MetaAppCredentialsInvalid): string =>
  failure._tag === "MetaAppCredentialsInvalid"
    ? "Meta refused this service's app credentials: an operator checks META_APP_SECRET."
    : `Meta could not be asked about the token (${failure.message}); the check runs again later.`

/** The `unknown` message of the checks of a connection whose token cannot be read. */
export const TOKEN_UNREADABLE =
  "The stored token does not decrypt with this service's keys: an operator checks TOKEN_ENCRYPTION_KEY_BASE64."

/**
 * The checks that need the token, each `unknown` when `storedToken` gives none (WhatsApp and Meta Ads alike): none
 * is stored (`reconnect` says what to do), or it does not decrypt with the configured keys (an operator's fault).
 */
export const tokenlessChecks = (
  names: ReadonlyArray<HealthCheckName>,
  failure: MetaTokenInvalid | TokenUnreadable,
  reconnect: string
): ReadonlyArray<Found> =>
  unknownOf(
    names,
    failure._tag === "TokenUnreadable" ? TOKEN_UNREADABLE : `The connection holds no token. ${reconnect}`
  )

/** Checks from before the latest (re)connect speak of the old connection: a reconnect starts afresh. */
export const freshView = (connection: ChannelConnection, stored: ConnectionHealth): HealthView => {
  const since = (connection.connectedAt ?? connection.createdAt).getTime()
  const fresh = stored.checks.filter((check) => check.checkedAt.getTime() >= since)
  return healthView(connection.id, fresh, stored.lastWebhookAt)
}

/** Stores a run's checks, all stamped with one instant, and answers (and logs) the connection's fresh view. */
export const recordChecks = (
  health: ConnectionHealthRepository["Service"],
  label: string,
  connection: ChannelConnection,
  checks: ReadonlyArray<Found>
) =>
  Effect.gen(function* () {
    const checkedAt = new Date(yield* Clock.currentTimeMillis)
    yield* health.save(
      connection.tenantId,
      connection.id,
      checks.map((check) => ({ ...check, checkedAt }))
    )
    const view = freshView(connection, yield* health.get(connection.tenantId, connection.id))
    yield* Effect.logInfo(`${label}: ${view.overall}`).pipe(
      Effect.annotateLogs({
        tenant_id: connection.tenantId,
        connection_id: connection.id,
        failing: view.checks.filter((c) => c.status === "failing").map((c) => c.name)
      })
    )
    return view
  })

/**
 * Runs a WhatsApp connection's health checks against Meta and stores them: on demand ("Check now"), from the
 * health job, spreading connections over the interval, and from webhook events (`WebhookProcessor` stores what
 * they say at once). Never changes a connection's status: the checks are read, the card decides what to show.
 */
export class ConnectionHealthChecks extends Context.Service<ConnectionHealthChecks, ProviderHealthChecks>()(
  "app/application/ConnectionHealthChecks"
) {
  static readonly layer = Layer.effect(
    ConnectionHealthChecks,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const health = yield* ConnectionHealthRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const settings = yield* ConnectSettings
      const appWebhook = yield* AppWebhookCheck

      /** The checks Meta answers with the connection's token, and the WABA's override callback for our app. */
      const metaChecks = (connection: ChannelConnection, token: AccessToken) =>
        Effect.gen(function* () {
          const checks: Array<Found> = []
          let override: string | null | undefined
          const info = yield* graph.debugToken(token).pipe(Effect.result)
          if (info._tag === "Success") checks.push(tokenCheck(info.success, settings.appId))
          else checks.push(found("token", "unknown", tokenUnasked(info.failure)))
          if (connection.wabaId !== null) {
            const apps = yield* graph.wabaSubscribedApps(token, connection.wabaId).pipe(Effect.result)
            override =
              apps._tag === "Success"
                ? (apps.success.find((app) => app.appId === settings.appId)?.overrideCallbackUrl ?? null)
                : undefined
            checks.push(
              apps._tag === "Success"
                ? subscriptionCheck(apps.success, settings.appId, connection.wabaId)
                : found(
                    "waba_subscription",
                    "unknown",
                    `Meta could not be asked about the app's subscription (${apps.failure.message}).`
                  )
            )
          }
          if (connection.phoneNumberId !== null) {
            const number = yield* graph.getPhoneNumber(token, connection.phoneNumberId).pipe(Effect.result)
            checks.push(
              ...(number._tag === "Success"
                ? numberChecks(number.success)
                : unknownOf(
                    ["number", "display_name", "quality", "messaging_limit"],
                    `Meta could not be asked about the number (${number.failure.message}).`
                  ))
            )
          }
          return { checks, override }
        })

      const run = Effect.fn("ConnectionHealthChecks.run")(function* (connection: ChannelConnection) {
        const checks: Array<Found> = []
        const token = yield* storedToken(cipher, connection, "Connection health").pipe(Effect.result)
        let override: string | null | undefined
        if (token._tag === "Success") {
          const answered = yield* metaChecks(connection, token.success)
          checks.push(...answered.checks)
          override = answered.override
        } else checks.push(...tokenlessChecks(["token", "waba_subscription", "number"], token.failure, RECONNECT))
        checks.push(appWebhookCheck(yield* appWebhook.check, override))
        const stored = yield* health.get(connection.tenantId, connection.id)
        checks.push(webhooksCheck(stored.lastWebhookAt, connection.connectedAt ?? connection.createdAt))
        return yield* recordChecks(health, "Connection health", connection, checks)
      })

      return ConnectionHealthChecks.of({
        run,
        ...healthAccess("ConnectionHealthChecks", PROVIDER, connections, health, run)
      })
    })
  )

  /**
   * The health job: every `interval`, each due connection once, spread evenly over the interval (one every
   * interval / n), so that tenants do not all ask Meta at the same moment.
   */
  static readonly worker = (interval: Duration.Input) =>
    healthWorker(ConnectionHealthChecks, "connection_health", interval)
}

/**
 * What a provider's health checks answer the tenant (WhatsApp and Meta Ads alike): `checkNow` runs them on the
 * current live connection, `read` shows the stored ones, `due` lists the live connections for the health job.
 */
export const healthAccess = (
  name: string,
  provider: ChannelConnection["provider"],
  connections: ConnectionRepository["Service"],
  health: ConnectionHealthRepository["Service"],
  run: (connection: ChannelConnection) => Effect.Effect<HealthView>
) => {
  const current = (actor: Actor) =>
    connections
      .findCurrent(actor.tenantId, provider)
      .pipe(Effect.map(Option.filter((connection) => LIVE.has(connection.status))))

  const checkNow = Effect.fn(`${name}.checkNow`)(function* (actor: Actor) {
    const connection = yield* current(actor)
    return Option.isNone(connection) ? NO_HEALTH : yield* run(connection.value)
  })

  const read = Effect.fn(`${name}.read`)(function* (actor: Actor) {
    const connection = yield* current(actor)
    if (Option.isNone(connection)) return NO_HEALTH
    return freshView(connection.value, yield* health.get(actor.tenantId, connection.value.id))
  })

  const due = connections
    .listHoldingTokens()
    .pipe(Effect.map((all) => all.filter((c) => c.provider === provider && LIVE.has(c.status))))

  return { checkNow, read, due }
}

/** A provider's health job: each due connection once per `interval`, spread over it (`spreadOver`). */
export const healthWorker = <I>(service: Context.Key<I, ProviderHealthChecks>, job: string, interval: Duration.Input) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const checks = yield* service
      yield* spreadOver(job, interval, checks.due, checks.run)
    })
  )
