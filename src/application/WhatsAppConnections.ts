import { Clock, Context, Effect, Layer, Option, Redacted, Ref } from "effect"
import type { ChannelConnection, ConnectionStatus, EncryptedToken } from "../domain/ChannelConnection.ts"
import { toE164 } from "../domain/ChannelConnection.ts"
import {
  type Forbidden,
  MetaPermissionMissing,
  MetaTokenInvalid,
  NoPhoneNumberGranted,
  NumberAlreadyConnected,
  OAuthCancelled,
  OAuthStateMismatch,
  OAuthStateNotFound
} from "../domain/Errors.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../domain/Ids.ts"
import { type Actor, requireOperator } from "./Actor.ts"
import {
  beginOAuth,
  browserBinding,
  type CallbackError,
  callbackReason,
  type StartedConnect,
  sameBinding
} from "./OAuthFlow.ts"
import { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { ConnectSettings } from "./ports/ConnectSettings.ts"
import {
  type AccessToken,
  MetaGraph,
  type MetaGraphError,
  type PhoneNumber,
  type TokenInfo
} from "./ports/MetaGraph.ts"
import { OAuthStateRepository } from "./ports/OAuthStateRepository.ts"
import { TokenCipher } from "./ports/TokenCipher.ts"
import { WebhookInbox } from "./ports/WebhookInbox.ts"

const PROVIDER = "meta_whatsapp" as const
/** Display-name states under which Meta may refuse to register a number (META_SPEC 3.1). */
const NAME_BLOCKED = new Set(["PENDING_REVIEW", "DECLINED", "EXPIRED", "NONE"])
const BINDING = (tenantId: TenantId) => ({ tenantId, provider: PROVIDER })

/**
 * The permissions Embedded Signup asks for (Meta, "Webhooks overview" > Permissions, and "Access tokens"):
 * - `whatsapp_business_management`: manage the WABA and its numbers, and receive every webhook but messages;
 * - `whatsapp_business_messaging`: send messages and receive `messages` webhooks;
 * - `business_management`: the customer's business portfolio, which the Embedded Signup template grants.
 * With a `config_id`, Facebook Login for Business takes the permissions from the configuration; `scope` is sent
 * too so the dialog asks for the same set in either case.
 */
export const WHATSAPP_SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]

export interface CallbackInput {
  readonly state: string | null
  readonly code: Redacted.Redacted<string> | null
  /** Meta's `error` / `error_reason` when the person cancelled or declined. */
  readonly error: string | null
  readonly errorReason: string | null
  /** The browser-binding cookie sent with the callback. */
  readonly cookieBinding: string | null
  readonly ip: string | null
  readonly userAgent: string | null
}

/** A number Meta granted, offered when a login granted several. */
export interface NumberChoice {
  readonly id: string
  readonly displayPhoneNumber: string
  readonly verifiedName: string | null
}

/** What people (and the UI) see of a connection: never the token. */
export interface ConnectionView {
  readonly id: string | null
  readonly status: ConnectionStatus | "not_connected"
  readonly connected: boolean
  readonly phoneNumberE164: string | null
  readonly displayName: string | null
  readonly wabaId: string | null
  readonly phoneNumberId: string | null
  readonly tokenExpiresAt: Date | null
  /** What went wrong, in words a person can act on; null when nothing did. */
  readonly error: string | null
  /** Why a connection is pending (`choose_number`, `display_name_review`). */
  readonly pendingReason: string | null
  readonly choices: ReadonlyArray<NumberChoice>
  readonly updatedAt: Date | null
}

export const NOT_CONNECTED: ConnectionView = {
  id: null,
  status: "not_connected",
  connected: false,
  phoneNumberE164: null,
  displayName: null,
  wabaId: null,
  phoneNumberId: null,
  tokenExpiresAt: null,
  error: null,
  pendingReason: null,
  choices: [],
  updatedAt: null
}

export const viewOf = (connection: ChannelConnection): ConnectionView => {
  const error = connection.metadata["error"] as { readonly message?: unknown } | undefined
  const choices = connection.metadata["choices"]
  return {
    id: connection.id,
    status: connection.status,
    connected: connection.status === "active",
    phoneNumberE164: connection.phoneNumberE164,
    displayName: connection.displayName,
    wabaId: connection.wabaId,
    phoneNumberId: connection.phoneNumberId,
    tokenExpiresAt: connection.tokenExpiresAt,
    error: connection.status === "error" && typeof error?.message === "string" ? error.message : null,
    pendingReason:
      connection.status === "pending" && typeof connection.metadata["pending_reason"] === "string"
        ? connection.metadata["pending_reason"]
        : null,
    choices: connection.status === "pending" && Array.isArray(choices) ? (choices as Array<NumberChoice>) : [],
    updatedAt: connection.updatedAt
  }
}

export interface ManualConnectInput {
  readonly wabaId: WabaId
  readonly phoneNumberId: PhoneNumberId
  readonly accessToken: Redacted.Redacted<string>
}

type ConnectError = MetaGraphError | NumberAlreadyConnected | NoPhoneNumberGranted

/** Connecting, inspecting and disconnecting a tenant's WhatsApp number (Embedded Signup). */
export class WhatsAppConnections extends Context.Service<
  WhatsAppConnections,
  {
    /** `StartConnect`: the dialog URL and its state, bound to the tenant, the user and this browser. */
    start(actor: Actor): Effect.Effect<StartedConnect>
    /** `CompleteConnect`: the OAuth callback. Nothing is persisted unless every check passes. */
    complete(input: CallbackInput): Effect.Effect<ChannelConnection, CallbackError>
    /** `GetConnectionStatus`. */
    status(actor: Actor): Effect.Effect<ConnectionView>
    /** Picks one of several granted numbers (a pending connection's choices). */
    chooseNumber(actor: Actor, phoneNumberId: PhoneNumberId): Effect.Effect<ConnectionView, ConnectError>
    /** `Disconnect`: unsubscribe and revoke at Meta where possible, then `revoked` with the token erased. */
    disconnect(actor: Actor): Effect.Effect<ConnectionView>
    /** `ConnectManually` (operators only): a WABA id, a number id and a token pasted by an admin. */
    connectManually(actor: Actor, input: ManualConnectInput): Effect.Effect<ConnectionView, ConnectError | Forbidden>
  }
>()("app/application/WhatsAppConnections") {
  static readonly layer = Layer.effect(
    WhatsAppConnections,
    Effect.gen(function* () {
      const settings = yield* ConnectSettings
      const connections = yield* ConnectionRepository
      const states = yield* OAuthStateRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const audit = yield* AuditLog
      const inbox = yield* WebhookInbox
      const appSubscribed = yield* Ref.make(false)
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      const dialogUrl = (state: string) => {
        const url = new URL(`${settings.dialogBaseUrl}/${settings.graphVersion}/dialog/oauth`)
        url.searchParams.set("client_id", settings.appId)
        url.searchParams.set("redirect_uri", settings.whatsappRedirectUri)
        url.searchParams.set("state", state)
        // Authorization Code grant: business integration system user tokens need it (Facebook Login for Business).
        url.searchParams.set("response_type", "code")
        url.searchParams.set("config_id", settings.configId)
        url.searchParams.set("override_default_response_type", "true")
        url.searchParams.set("scope", WHATSAPP_SCOPES.join(","))
        return url.toString()
      }

      const record = (
        tenantId: TenantId,
        userId: string | null,
        action: string,
        resourceId: string | null,
        details: Record<string, unknown>,
        ip: string | null = null
      ) => audit.record({ tenantId, userId, action, resourceType: "channel_connection", resourceId, details, ip })

      /** The app-level webhook subscription (`messages`, `account_update`), ensured once per process. */
      const ensureAppSubscription = Effect.gen(function* () {
        if (yield* Ref.get(appSubscribed)) return
        yield* graph.ensureAppSubscription(settings.webhookCallbackUrl, settings.webhookVerifyToken)
        yield* Ref.set(appSubscribed, true)
      })

      const expiryOf = (info: TokenInfo, expiresIn: number | null, at: Date): Date | null =>
        info.expiresAt > 0
          ? new Date(info.expiresAt * 1000)
          : expiresIn !== null && expiresIn > 0
            ? new Date(at.getTime() + expiresIn * 1000)
            : null

      const randomPin = () => String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0")

      /**
       * Connects one number: checks ownership before touching Meta, subscribes the app to the WABA, registers the
       * number when Meta says it is not registered (keeping the PIN encrypted), then claims it atomically. Every
       * Graph call happens before the write, so a failure midway leaves nothing half-written.
       */
      const connectNumber = Effect.fnUntraced(function* (args: {
        readonly tenantId: TenantId
        readonly userId: string
        readonly wabaId: WabaId
        readonly number: PhoneNumber
        readonly token: AccessToken
        readonly tokenEnc: EncryptedToken
        readonly tokenExpiresAt: Date | null
        readonly scopes: ReadonlyArray<string>
        readonly via: "embedded_signup" | "manual"
      }) {
        const held = yield* connections.findByPhoneNumberId(args.number.id)
        const own = Option.filter(held, (row) => row.tenantId === args.tenantId)
        if (Option.isSome(held) && Option.isNone(own) && held.value.status !== "revoked") {
          return yield* new NumberAlreadyConnected({ phoneNumberId: args.number.id })
        }
        yield* ensureAppSubscription
        yield* graph.subscribeApp(args.token, args.wabaId)

        let pinEnc = Option.flatMap(own, (row) =>
          Option.fromNullishOr(row.metadata["registration_pin_enc"] as EncryptedToken | undefined)
        ).pipe(Option.getOrNull)
        // Registered already (Cloud API): nothing to do. Otherwise register, reusing this tenant's PIN for the number
        // (Meta refuses a different PIN for a registered number). When Meta refuses because of the display name
        // (in review, declined or expired), the connection stays pending with that reason rather than in error.
        let inNameReview = false
        if (args.number.platformType !== "CLOUD_API") {
          const stored =
            pinEnc === null
              ? null
              : yield* cipher.decrypt(pinEnc, BINDING(args.tenantId)).pipe(Effect.option, Effect.map(Option.getOrNull))
          const pin = stored ?? Redacted.make(randomPin())
          const registered = yield* graph.registerNumber(args.token, args.number.id, pin).pipe(
            Effect.as(true),
            // Meta refuses such a registration as a bad request (code 100); a 5xx or a timeout is not that.
            Effect.catchTag("MetaUnavailable", (error) =>
              error.code === 100 && NAME_BLOCKED.has(args.number.nameStatus ?? "")
                ? Effect.succeed(false)
                : Effect.fail(error)
            )
          )
          if (registered) pinEnc = yield* cipher.encrypt(pin, BINDING(args.tenantId))
          else inNameReview = true
        }
        const at = yield* now
        const previous = Option.match(own, { onNone: () => ({}), onSome: (row) => row.metadata })
        const connection = yield* connections.claimNumber(args.number.id, {
          tenantId: args.tenantId,
          provider: PROVIDER,
          status: inNameReview ? "pending" : "active",
          wabaId: args.wabaId,
          phoneNumberE164: toE164(args.number.displayPhoneNumber),
          displayName: args.number.verifiedName,
          accessTokenEnc: args.tokenEnc,
          tokenExpiresAt: args.tokenExpiresAt,
          scopes: args.scopes,
          metadata: {
            ...Object.fromEntries(
              Object.entries(previous).filter(([key]) => !["error", "choices", "pending_reason"].includes(key))
            ),
            ...(pinEnc === null ? {} : { registration_pin_enc: pinEnc }),
            ...(inNameReview ? { pending_reason: "display_name_review", name_status: args.number.nameStatus } : {}),
            quality_rating: args.number.qualityRating,
            connected_at: at.toISOString(),
            connected_by: args.userId,
            connected_via: args.via
          }
        })
        yield* connections.deleteUnnumbered(args.tenantId, PROVIDER)
        // Webhooks that arrived for this number before it was connected are routed now.
        yield* inbox.requeueUnrouted()
        return connection
      })

      /** Verifies a token before anything is stored: valid, ours, and granting both WhatsApp scopes on a WABA. */
      const grantedWaba = Effect.fnUntraced(function* (info: TokenInfo) {
        if (!info.isValid || info.appId !== settings.appId) {
          return yield* new MetaTokenInvalid({ detail: info.error ?? "the token is not valid for this app" })
        }
        const targets = (scope: string) => info.granularScopes.find((g) => g.scope === scope)?.targetIds ?? []
        const management = targets("whatsapp_business_management")
        // Meta lists the most recently onboarded WABA first.
        const wabaId = management[0]
        const missing = [
          ...(wabaId === undefined ? ["whatsapp_business_management"] : []),
          ...(wabaId === undefined || !targets("whatsapp_business_messaging").includes(wabaId)
            ? ["whatsapp_business_messaging"]
            : [])
        ]
        if (missing.length > 0) return yield* new MetaPermissionMissing({ permissions: missing })
        return wabaId as WabaId
      })

      /** A missing permission leaves the tenant's connection in `error` saying which, unless one is working. */
      const recordPermissionError = Effect.fnUntraced(function* (tenantId: TenantId, error: MetaPermissionMissing) {
        const current = yield* connections.findCurrent(tenantId, PROVIDER)
        const details = { reason: "missing_permissions", permissions: error.permissions, message: error.message }
        if (Option.isSome(current) && current.value.status === "active") return
        if (Option.isSome(current) && current.value.phoneNumberId !== null) {
          yield* connections
            .update(tenantId, current.value.id, { status: "error", metadata: { error: details } })
            .pipe(Effect.ignore)
          return
        }
        yield* connections.upsertUnnumbered({
          tenantId,
          provider: PROVIDER,
          status: "error",
          wabaId: null,
          phoneNumberE164: null,
          displayName: null,
          accessTokenEnc: null,
          tokenExpiresAt: null,
          scopes: [],
          metadata: { error: details }
        })
      })

      const complete = Effect.fn("WhatsAppConnections.complete")(function* (input: CallbackInput) {
        if (input.state === null || input.state === "") return yield* new OAuthStateNotFound({})
        // A callback opened in another browser is refused before the state is spent.
        const expected = yield* browserBinding(input.state)
        if (input.cookieBinding === null || !sameBinding(expected, input.cookieBinding)) {
          return yield* new OAuthStateMismatch({})
        }
        const state = yield* states.consume(PROVIDER, input.state, yield* now)
        const tenantId = state.tenantId
        return yield* Effect.gen(function* () {
          if (input.error !== null || input.code === null) {
            return yield* new OAuthCancelled({ reason: input.errorReason ?? input.error ?? "no_code" })
          }
          const exchanged = yield* graph.exchangeCode(input.code, settings.whatsappRedirectUri)
          const info = yield* graph.debugToken(exchanged.accessToken)
          const wabaId = yield* grantedWaba(info).pipe(
            Effect.tapError((error) =>
              error._tag === "MetaPermissionMissing" ? recordPermissionError(tenantId, error) : Effect.void
            )
          )
          const numbers = yield* graph.listPhoneNumbers(exchanged.accessToken, wabaId)
          if (numbers.length === 0) return yield* new NoPhoneNumberGranted({})
          const tokenEnc = yield* cipher.encrypt(exchanged.accessToken, BINDING(tenantId))
          const tokenExpiresAt = expiryOf(info, exchanged.expiresIn, yield* now)
          const current = yield* connections.findCurrent(tenantId, PROVIDER)
          // Reconnecting: the number this tenant already has, when Meta granted it again.
          const known = numbers.find((n) => Option.isSome(current) && current.value.phoneNumberId === n.id)
          const chosen = numbers.length === 1 ? numbers[0] : known
          if (chosen === undefined) {
            const pending = yield* connections.upsertUnnumbered({
              tenantId,
              provider: PROVIDER,
              status: "pending",
              wabaId,
              phoneNumberE164: null,
              displayName: null,
              accessTokenEnc: tokenEnc,
              tokenExpiresAt,
              scopes: info.scopes,
              metadata: {
                pending_reason: "choose_number",
                choices: numbers.map((n) => ({
                  id: n.id,
                  displayPhoneNumber: n.displayPhoneNumber,
                  verifiedName: n.verifiedName
                }))
              }
            })
            yield* record(tenantId, state.userId, "whatsapp.connect_pending", pending.id, {
              reason: "choose_number",
              numbers: numbers.length
            })
            return pending
          }
          const connection = yield* connectNumber({
            tenantId,
            userId: state.userId,
            wabaId,
            number: chosen,
            token: exchanged.accessToken,
            tokenEnc,
            tokenExpiresAt,
            scopes: info.scopes,
            via: "embedded_signup"
          })
          yield* record(
            tenantId,
            state.userId,
            "whatsapp.connected",
            connection.id,
            { waba_id: wabaId, phone_number_id: chosen.id, status: connection.status },
            input.ip
          )
          return connection
        }).pipe(
          Effect.tapError((error: CallbackError) =>
            record(
              tenantId,
              state.userId,
              "whatsapp.connect_failed",
              null,
              { reason: callbackReason(error), error: error._tag },
              input.ip
            )
          )
        )
      })

      const status = (actor: Actor) =>
        connections
          .findCurrent(actor.tenantId, PROVIDER)
          .pipe(Effect.map(Option.match({ onNone: () => NOT_CONNECTED, onSome: viewOf })))

      const chooseNumber = Effect.fn("WhatsAppConnections.chooseNumber")(function* (
        actor: Actor,
        phoneNumberId: PhoneNumberId
      ) {
        const current = yield* connections.findCurrent(actor.tenantId, PROVIDER)
        if (
          Option.isNone(current) ||
          current.value.status !== "pending" ||
          current.value.accessTokenEnc === null ||
          current.value.wabaId === null
        ) {
          return yield* new NoPhoneNumberGranted({})
        }
        const pending = current.value
        const token = yield* cipher
          .decrypt(pending.accessTokenEnc!, BINDING(actor.tenantId))
          .pipe(Effect.mapError(() => new MetaTokenInvalid({ detail: "the stored token could not be read" })))
        // The choice must be one Meta granted: asked again, never taken from the request or "the first number".
        const numbers = yield* graph.listPhoneNumbers(token, pending.wabaId!)
        const number = numbers.find((n) => n.id === phoneNumberId)
        if (number === undefined) return yield* new NoPhoneNumberGranted({})
        const connection = yield* connectNumber({
          tenantId: actor.tenantId,
          userId: actor.userId,
          wabaId: pending.wabaId!,
          number,
          token,
          tokenEnc: pending.accessTokenEnc!,
          tokenExpiresAt: pending.tokenExpiresAt,
          scopes: pending.scopes,
          via: "embedded_signup"
        })
        yield* record(
          actor.tenantId,
          actor.userId,
          "whatsapp.connected",
          connection.id,
          { waba_id: pending.wabaId, phone_number_id: number.id, status: connection.status },
          actor.ip
        )
        return viewOf(connection)
      })

      const disconnect = Effect.fn("WhatsAppConnections.disconnect")(function* (actor: Actor) {
        const current = yield* connections.findCurrent(actor.tenantId, PROVIDER)
        if (Option.isNone(current)) return NOT_CONNECTED
        const connection = current.value
        const atMeta: Array<string> = []
        if (connection.accessTokenEnc !== null) {
          const token = yield* cipher.decrypt(connection.accessTokenEnc, BINDING(actor.tenantId)).pipe(Effect.option)
          if (Option.isSome(token)) {
            const attempt = (name: string, call: Effect.Effect<void, MetaGraphError>) =>
              call.pipe(
                Effect.tap(() => Effect.sync(() => atMeta.push(name))),
                Effect.catch((error: MetaGraphError) =>
                  Effect.logWarning(`Disconnect: ${name} at Meta failed; disconnecting locally anyway`, error.message)
                )
              )
            if (connection.wabaId !== null)
              yield* attempt("unsubscribed", graph.unsubscribeApp(token.value, connection.wabaId))
            yield* attempt("permissions_revoked", graph.revokePermissions(token.value))
          }
        }
        const at = yield* now
        const updated = yield* connections
          .update(actor.tenantId, connection.id, {
            status: "revoked",
            accessTokenEnc: null,
            tokenExpiresAt: null,
            metadata: {
              error: null,
              choices: null,
              pending_reason: null,
              disconnected_at: at.toISOString(),
              disconnected_by: actor.userId
            }
          })
          .pipe(Effect.orDie)
        yield* record(
          actor.tenantId,
          actor.userId,
          "whatsapp.disconnected",
          connection.id,
          { at_meta: atMeta },
          actor.ip
        )
        return viewOf(updated)
      })

      const connectManually = Effect.fn("WhatsAppConnections.connectManually")(function* (
        actor: Actor,
        input: ManualConnectInput
      ) {
        const forbidden = requireOperator(actor, "connect WhatsApp manually")
        if (forbidden !== null) return yield* forbidden
        const info = yield* graph.debugToken(input.accessToken)
        if (!info.isValid) return yield* new MetaTokenInvalid({ detail: info.error ?? "the token is not valid" })
        const numbers = yield* graph.listPhoneNumbers(input.accessToken, input.wabaId)
        const number = numbers.find((n) => n.id === input.phoneNumberId)
        if (number === undefined) return yield* new NoPhoneNumberGranted({})
        const connection = yield* connectNumber({
          tenantId: actor.tenantId,
          userId: actor.userId,
          wabaId: input.wabaId,
          number,
          token: input.accessToken,
          tokenEnc: yield* cipher.encrypt(input.accessToken, BINDING(actor.tenantId)),
          tokenExpiresAt: expiryOf(info, null, yield* now),
          scopes: info.scopes,
          via: "manual"
        })
        yield* record(
          actor.tenantId,
          actor.userId,
          "whatsapp.manual_connect",
          connection.id,
          { waba_id: input.wabaId, phone_number_id: input.phoneNumberId },
          actor.ip
        )
        return viewOf(connection)
      })

      return WhatsAppConnections.of({
        start: (actor) =>
          beginOAuth(actor, PROVIDER, dialogUrl).pipe(Effect.provideService(OAuthStateRepository, states)),
        complete,
        status,
        chooseNumber,
        disconnect,
        connectManually
      })
    })
  )
}
