import { Clock, Context, Duration, Effect, Layer, Option, type Redacted } from "effect"
import {
  type Forbidden,
  InvalidWebhookEndpoint,
  WebhookEndpointNotFound,
  type WebhookTargetRefused
} from "../../domain/Errors.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { isEventPattern, OUTBOUND_EVENT_TYPES } from "../../domain/OutboundEvent.ts"
import { type Actor, requireOperator } from "../Actor.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import {
  type Delivery,
  type DeliveryFilter,
  type StoredEndpoint,
  WebhookEndpointStore
} from "./ports/WebhookEndpointStore.ts"
import { WebhookSender } from "./ports/WebhookSender.ts"

/** An endpoint as the tenant's admins see it: never its secret. */
export interface EndpointView {
  readonly id: string
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly enabled: boolean
  readonly disabledReason: string | null
  readonly consecutiveFailures: number
  /** Until when the previous secret still signs (a rotation's overlap), if it does. */
  readonly previousSecretExpiresAt: Date | null
  readonly createdAt: Date
}

/** The one answer that carries a signing secret: creation and rotation (shown once). */
export interface EndpointWithSecret {
  readonly endpoint: EndpointView
  readonly secret: Redacted.Redacted<string>
}

export type EndpointError = Forbidden | WebhookEndpointNotFound | WebhookTargetRefused | InvalidWebhookEndpoint

/** Each endpoint's secret is bound to its tenant and its id: a ciphertext moved to another row fails. */
export const secretBinding = (endpoint: { readonly tenantId: TenantId; readonly id: string }) => ({
  tenantId: endpoint.tenantId,
  provider: "webhook_endpoint" as const
})

const view = (endpoint: StoredEndpoint, now: Date): EndpointView => ({
  id: endpoint.id,
  url: endpoint.url,
  events: endpoint.events,
  enabled: endpoint.enabled,
  disabledReason: endpoint.disabledReason,
  consecutiveFailures: endpoint.consecutiveFailures,
  previousSecretExpiresAt:
    endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt > now
      ? endpoint.previousSecretExpiresAt
      : null,
  createdAt: endpoint.createdAt
})

const MAX_OVERLAP_HOURS = 24 * 7
const MAX_REPLAY_DAYS = 31

/** The tenant's outbound webhook endpoints (issue 19): admins only. */
export class WebhookEndpoints extends Context.Service<
  WebhookEndpoints,
  {
    create(
      actor: Actor,
      input: { readonly url: string; readonly events: ReadonlyArray<string> }
    ): Effect.Effect<EndpointWithSecret, EndpointError>
    list(actor: Actor): Effect.Effect<ReadonlyArray<EndpointView>, Forbidden>
    update(
      actor: Actor,
      id: string,
      input: { readonly url?: string | null | undefined; readonly events?: ReadonlyArray<string> | null | undefined }
    ): Effect.Effect<EndpointView, EndpointError>
    setEnabled(actor: Actor, id: string, enabled: boolean): Effect.Effect<EndpointView, EndpointError>
    remove(actor: Actor, id: string): Effect.Effect<void, EndpointError>
    /** A new secret; the previous one keeps signing for `overlapHours` (default 24, 0: not at all). */
    rotateSecret(
      actor: Actor,
      id: string,
      overlapHours: number | null
    ): Effect.Effect<EndpointWithSecret, EndpointError>
    sendTestEvent(actor: Actor, id: string): Effect.Effect<string, EndpointError>
    deliveries(
      actor: Actor,
      endpointId: string,
      filter: DeliveryFilter
    ): Effect.Effect<ReadonlyArray<Delivery>, EndpointError>
    retryNow(actor: Actor, deliveryId: string): Effect.Effect<void, EndpointError>
    replay(actor: Actor, endpointId: string, from: Date, to: Date | null): Effect.Effect<number, EndpointError>
  }
>()("app/application/outbound/WebhookEndpoints") {
  static readonly layer = Layer.effect(
    WebhookEndpoints,
    Effect.gen(function* () {
      const store = yield* WebhookEndpointStore
      const sender = yield* WebhookSender
      const cipher = yield* TokenCipher
      const audit = yield* AuditLog
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      const admin = (actor: Actor, action: string) => {
        const forbidden = requireOperator(actor, action)
        return forbidden === null ? Effect.void : Effect.fail(forbidden)
      }
      const checkEvents = (events: ReadonlyArray<string>) => {
        if (events.length === 0)
          return Effect.fail(new InvalidWebhookEndpoint({ detail: "Choose at least one event type." }))
        const unknown = events.filter((event) => !isEventPattern(event))
        return unknown.length === 0
          ? Effect.void
          : Effect.fail(
              new InvalidWebhookEndpoint({
                detail: `Unknown event type ${unknown.join(", ")}; known: ${OUTBOUND_EVENT_TYPES.join(", ")}, or a family such as ads.connection.*.`
              })
            )
      }
      const found = (actor: Actor, id: string) =>
        store
          .find(actor.tenantId, id)
          .pipe(
            Effect.flatMap(
              Option.match({ onNone: () => Effect.fail(new WebhookEndpointNotFound({})), onSome: Effect.succeed })
            )
          )
      const record = (actor: Actor, action: string, id: string, details: Record<string, unknown> = {}) =>
        audit.record({
          tenantId: actor.tenantId,
          userId: actor.userId,
          action: `webhook_endpoint.${action}`,
          resourceType: "webhook_endpoint",
          resourceId: id,
          details,
          ip: actor.ip
        })
      const updated = (endpoint: Option.Option<StoredEndpoint>) =>
        Option.isNone(endpoint)
          ? Effect.fail(new WebhookEndpointNotFound({}))
          : Effect.map(now, (at) => view(endpoint.value, at))

      return WebhookEndpoints.of({
        create: Effect.fn("WebhookEndpoints.create")(function* (actor, input) {
          yield* admin(actor, "manage webhook endpoints")
          const url = input.url.trim()
          yield* checkEvents(input.events)
          yield* sender.checkTarget(url)
          const id = crypto.randomUUID()
          const secret = yield* sender.newSecret
          const secretEnc = yield* cipher.encrypt(secret, secretBinding({ tenantId: actor.tenantId, id }))
          const endpoint = yield* store.create({
            id,
            tenantId: actor.tenantId,
            url,
            events: [...new Set(input.events)],
            secretEnc
          })
          yield* record(actor, "created", id, { url, events: endpoint.events })
          return { endpoint: view(endpoint, yield* now), secret }
        }),
        list: (actor) =>
          admin(actor, "manage webhook endpoints").pipe(
            Effect.andThen(store.list(actor.tenantId)),
            Effect.flatMap((endpoints) => Effect.map(now, (at) => endpoints.map((e) => view(e, at))))
          ),
        update: Effect.fn("WebhookEndpoints.update")(function* (actor, id, input) {
          yield* admin(actor, "manage webhook endpoints")
          yield* found(actor, id)
          const url = input.url == null ? undefined : input.url.trim()
          if (url !== undefined) yield* sender.checkTarget(url)
          if (input.events != null) yield* checkEvents(input.events)
          const result = yield* store.update(actor.tenantId, id, {
            ...(url === undefined ? {} : { url }),
            ...(input.events == null ? {} : { events: [...new Set(input.events)] })
          })
          yield* record(actor, "updated", id, { url: url ?? null, events: input.events ?? null })
          return yield* updated(result)
        }),
        setEnabled: Effect.fn("WebhookEndpoints.setEnabled")(function* (actor, id, enabled) {
          yield* admin(actor, "manage webhook endpoints")
          const endpoint = yield* found(actor, id)
          // Enabling again checks the address again (it may resolve elsewhere now).
          if (enabled) yield* sender.checkTarget(endpoint.url)
          const result = yield* store.update(actor.tenantId, id, {
            enabled,
            disabledReason: enabled ? null : "manual"
          })
          yield* record(actor, enabled ? "enabled" : "disabled", id)
          return yield* updated(result)
        }),
        remove: Effect.fn("WebhookEndpoints.remove")(function* (actor, id) {
          yield* admin(actor, "manage webhook endpoints")
          if (!(yield* store.remove(actor.tenantId, id))) return yield* new WebhookEndpointNotFound({})
          yield* record(actor, "deleted", id)
        }),
        rotateSecret: Effect.fn("WebhookEndpoints.rotateSecret")(function* (actor, id, overlapHours) {
          yield* admin(actor, "manage webhook endpoints")
          const endpoint = yield* found(actor, id)
          const hours = overlapHours ?? 24
          if (!Number.isFinite(hours) || hours < 0 || hours > MAX_OVERLAP_HOURS)
            return yield* new InvalidWebhookEndpoint({
              detail: `The overlap is from 0 to ${MAX_OVERLAP_HOURS} hours.`
            })
          const secret = yield* sender.newSecret
          const secretEnc = yield* cipher.encrypt(secret, secretBinding(endpoint))
          const at = yield* now
          const result = yield* store.update(actor.tenantId, id, {
            rotation: {
              secretEnc,
              previousSecretEnc: endpoint.secretEnc,
              previousSecretExpiresAt: new Date(at.getTime() + Duration.toMillis(Duration.hours(hours)))
            }
          })
          yield* record(actor, "secret_rotated", id, { overlap_hours: hours })
          return { endpoint: yield* updated(result), secret }
        }),
        sendTestEvent: Effect.fn("WebhookEndpoints.sendTestEvent")(function* (actor, id) {
          yield* admin(actor, "manage webhook endpoints")
          yield* found(actor, id)
          return yield* store.announceTo(actor.tenantId, id, {
            tenantId: actor.tenantId,
            type: "webhook.test",
            orderingKey: null,
            data: { endpointId: id, message: "A test event sent from the webhook endpoints page." }
          })
        }),
        deliveries: Effect.fn("WebhookEndpoints.deliveries")(function* (actor, endpointId, filter) {
          yield* admin(actor, "manage webhook endpoints")
          yield* found(actor, endpointId)
          return yield* store.deliveries(actor.tenantId, endpointId, {
            ...filter,
            first: Math.min(Math.max(filter.first, 1), 200)
          })
        }),
        retryNow: Effect.fn("WebhookEndpoints.retryNow")(function* (actor, deliveryId) {
          yield* admin(actor, "manage webhook endpoints")
          if (!(yield* store.retryNow(actor.tenantId, deliveryId))) return yield* new WebhookEndpointNotFound({})
        }),
        replay: Effect.fn("WebhookEndpoints.replay")(function* (actor, endpointId, from, to) {
          yield* admin(actor, "manage webhook endpoints")
          yield* found(actor, endpointId)
          const until = to ?? (yield* now)
          if (!(from < until))
            return yield* new InvalidWebhookEndpoint({ detail: "The replay's start must be before its end." })
          if (until.getTime() - from.getTime() > MAX_REPLAY_DAYS * 86_400_000)
            return yield* new InvalidWebhookEndpoint({ detail: `Replay at most ${MAX_REPLAY_DAYS} days at once.` })
          const count = yield* store.replay(actor.tenantId, endpointId, from, until)
          yield* record(actor, "replayed", endpointId, { from: from.toISOString(), to: until.toISOString(), count })
          return count
        })
      })
    })
  )
}
