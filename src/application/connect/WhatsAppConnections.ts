import { Clock, Context, Effect, Layer, Option, Redacted } from "effect"
import type { ChannelConnection, EncryptedToken } from "../../domain/ChannelConnection.ts"
import { activeRestrictions, type Restriction, toE164, transition } from "../../domain/ChannelConnection.ts"
import { type DetailsPatch, type NumberChoice, whatsAppDetails } from "../../domain/ConnectionDetails.ts"
import {
  type Forbidden,
  InvalidPin,
  MetaPermissionMissing,
  MetaTokenAppMismatch,
  MetaTokenInvalid,
  type MetaUnavailable,
  NoPhoneNumberGranted,
  NoRegistrationPending,
  NumberAlreadyConnected,
  type RegistrationPinMismatch,
  SessionMismatch,
  type TokenUnreadable
} from "../../domain/Errors.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { type Actor, requireOperator } from "../Actor.ts"
import { ConnectionHealthChecks } from "../health/ConnectionHealthChecks.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import {
  type AccessToken,
  MetaGraph,
  type MetaGraphError,
  type PhoneNumber,
  type TokenInfo
} from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { WebhookInbox } from "../webhooks/ports/WebhookInbox.ts"
import {
  type Authorized,
  type CallbackInput,
  type ConnectionSummary,
  debugTokenForConnect,
  expiryOf,
  makeOAuthFlow,
  NO_CONNECTION,
  type OAuthProvider,
  type Resolved,
  type SessionInfo,
  type StartedConnect,
  type StateError,
  summaryOf
} from "./OAuthFlow.ts"
import { TemplateSync } from "./ports/TemplateSync.ts"

const PROVIDER = "meta_whatsapp" as const
/** Display-name states under which Meta may refuse to register a number (META_SPEC 3.1). */
const NAME_BLOCKED = new Set(["PENDING_REVIEW", "DECLINED", "EXPIRED", "NONE"])
const BINDING = (tenantId: TenantId) => ({ tenantId, provider: PROVIDER })
/** `code_verification_status` values of a number whose ownership is not verified (META_SPEC 3.1): never registered. */
const NOT_VERIFIED = new Set(["NOT_VERIFIED", "EXPIRED"])
/** The pending reasons `register` resolves: a PIN to enter, or a number its owner has to verify first. */
const REGISTRATION_REASONS = new Set(["pin_required", "number_not_verified"])

/**
 * The permissions Embedded Signup asks for (Meta, "Webhooks overview" > Permissions, and "Access tokens"):
 * - `whatsapp_business_management`: manage the WABA and its numbers, and receive every webhook but messages;
 * - `whatsapp_business_messaging`: send messages and receive `messages` webhooks;
 * - `business_management`: the customer's business portfolio, which the Embedded Signup template grants.
 * With a `config_id`, Facebook Login for Business takes the permissions from the configuration, and `scope` is not
 * sent (FLB doc: "config_id has replaced scope").
 */
export const WHATSAPP_SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]

/** A number Meta granted, offered when a login granted several. */
export type { NumberChoice }

/** A number to choose, as people see it: marked when another workspace holds it (it cannot be picked here). */
export interface ChoiceView extends NumberChoice {
  readonly heldByAnotherWorkspace: boolean
}

/** What people (and the UI) see of a WhatsApp connection: never the token. */
export interface ConnectionView extends ConnectionSummary {
  readonly phoneNumberE164: string | null
  readonly displayName: string | null
  readonly wabaId: string | null
  readonly phoneNumberId: string | null
  /** The numbers to choose from when `pendingReason` is `choose_number`. */
  readonly choices: ReadonlyArray<ChoiceView>
  /** Meta's restrictions still in force, for a person (the connection may stay active): null when none. */
  readonly warning: string | null
  /** Meta's review of the display name (`PENDING_REVIEW`, `DECLINED`, `EXPIRED`, `NONE`) while it blocks; else null. */
  readonly displayNameStatus: string | null
}

const RESTRICTION_WORDS: Record<Restriction["blocks"], string> = {
  nothing: "adding phone numbers is blocked; messages still go out",
  business_initiated: "starting conversations (templates) is blocked; replies still go out",
  replies: "replying to customers is blocked",
  all: "sending is blocked"
}

/** The warning line of Meta's restrictions in force at `now` (every stored one when `now` is not given). */
export const restrictionWarning = (connection: ChannelConnection, now = new Date(0)): string | null => {
  const active = activeRestrictions(connection, now)
  if (active.length === 0) return null
  const parts = active.map(
    (r) => `${RESTRICTION_WORDS[r.blocks]} (${r.type}${r.expires_at === null ? "" : `, until ${r.expires_at}`})`
  )
  return `Meta restricted this WhatsApp Business Account: ${parts.join("; ")}.`
}

export const NOT_CONNECTED: ConnectionView = {
  ...NO_CONNECTION,
  phoneNumberE164: null,
  displayName: null,
  wabaId: null,
  phoneNumberId: null,
  choices: [],
  warning: null,
  displayNameStatus: null
}

/** `heldElsewhere`: the choices' phone number ids another workspace holds now. */
export const viewOf = (
  connection: ChannelConnection,
  now?: Date,
  heldElsewhere: ReadonlySet<string> = new Set()
): ConnectionView => {
  const choices = choicesOf(connection)
  const details = whatsAppDetails(connection)
  return {
    ...summaryOf(connection),
    phoneNumberE164: connection.phoneNumberE164,
    displayName: connection.displayName,
    wabaId: connection.wabaId,
    phoneNumberId: connection.phoneNumberId,
    choices: choices.map((choice) => ({ ...choice, heldByAnotherWorkspace: heldElsewhere.has(choice.id) })),
    warning: connection.status === "revoked" ? null : restrictionWarning(connection, now),
    displayNameStatus:
      connection.status === "pending" && details.pending_reason === "display_name_review"
        ? (details.name_status ?? null)
        : null
  }
}

/** The numbers a pending connection offers (stored when the login granted several). */
const choicesOf = (connection: ChannelConnection): ReadonlyArray<NumberChoice> => {
  return connection.status === "pending" ? (whatsAppDetails(connection).choices ?? []) : []
}

export interface ManualConnectInput {
  readonly wabaId: WabaId
  readonly phoneNumberId: PhoneNumberId
  readonly accessToken: Redacted.Redacted<string>
}

type ConnectError = MetaGraphError | NumberAlreadyConnected | NoPhoneNumberGranted

/** What finishing a pending registration can fail with. */
export type RegisterError =
  | ConnectError
  | RegistrationPinMismatch
  | InvalidPin
  | NoRegistrationPending
  | TokenUnreadable

/** What resolving a WhatsApp login can fail with, after the state check. */
export type WhatsAppCallbackError = StateError | ConnectError | MetaTokenAppMismatch | SessionMismatch

/**
 * A token must be valid and issued to this app, whichever way it came (the login's code exchange or a pasted one):
 * another app's token would work for Graph calls, but Meta sends its webhooks to that app, never to us.
 */
export const checkTokenApp = (
  info: TokenInfo,
  appId: string
): Effect.Effect<void, MetaTokenAppMismatch | MetaTokenInvalid> => {
  if (info.otherApp === true || (info.appId !== null && info.appId !== appId))
    return Effect.fail(new MetaTokenAppMismatch({ expectedAppId: appId, tokenAppId: info.appId }))
  if (!info.isValid || info.appId === null)
    return Effect.fail(new MetaTokenInvalid({ detail: info.error ?? "the token is not valid for this app" }))
  return Effect.void
}

/** Connecting, inspecting and disconnecting a tenant's WhatsApp number (Embedded Signup). */
export class WhatsAppConnections extends Context.Service<
  WhatsAppConnections,
  {
    /** `StartConnect`: the dialog URL and its state, bound to the tenant, the user and this browser. */
    start(actor: Actor): Effect.Effect<StartedConnect>
    /** `CompleteConnect`: the OAuth callback. Nothing is persisted unless every check passes. */
    complete(input: CallbackInput): Effect.Effect<ChannelConnection, WhatsAppCallbackError>
    /** `GetConnectionStatus`. */
    status(actor: Actor): Effect.Effect<ConnectionView>
    /** Picks one of several granted numbers (a pending connection's choices). */
    chooseNumber(
      actor: Actor,
      phoneNumberId: PhoneNumberId
    ): Effect.Effect<ConnectionView, ConnectError | TokenUnreadable>
    /** `Disconnect`: unsubscribe and revoke at Meta where possible, then `revoked` with the token erased. */
    disconnect(actor: Actor): Effect.Effect<ConnectionView>
    /** `ConnectManually` (operators only): a WABA id, a number id and a token pasted by an admin. */
    connectManually(
      actor: Actor,
      input: ManualConnectInput
    ): Effect.Effect<ConnectionView, ConnectError | MetaTokenAppMismatch | Forbidden>
    /**
     * `RegisterNumber`: finishes a connection `pending` with `pin_required` (the admin's two-step verification PIN,
     * used once for Meta's register call, kept only encrypted) or `number_not_verified` (checks again, `pin` null).
     * A wrong PIN fails with `RegistrationPinMismatch` and leaves the connection as it was.
     */
    register(actor: Actor, pin: Redacted.Redacted<string> | null): Effect.Effect<ConnectionView, RegisterError>
  }
>()("app/application/WhatsAppConnections") {
  static readonly layer = Layer.effect(
    WhatsAppConnections,
    Effect.gen(function* () {
      const settings = yield* ConnectSettings
      const connections = yield* ConnectionRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const inbox = yield* WebhookInbox
      // The health checks run right after a connect, in the background: the card shows them on its next poll,
      // and the connect answers as fast as without them. Optional, so the use case's tests can leave them out.
      const health = yield* Effect.serviceOption(ConnectionHealthChecks)
      const scope = yield* Effect.scope
      // The WABA's templates are synced right after a connect too, in the same background way.
      const templates = yield* Effect.serviceOption(TemplateSync)
      const inBackground = (work: Effect.Effect<unknown, unknown>, what: string) =>
        work.pipe(
          Effect.catchCause((cause) => Effect.logError(what, cause)),
          Effect.forkIn(scope),
          Effect.asVoid
        )
      const checkSoon = (connection: ChannelConnection) =>
        Effect.all([
          Option.isNone(health)
            ? Effect.void
            : inBackground(
                health.value.run(connection),
                `Connection health check after connecting ${connection.id} failed`
              ),
          Option.isNone(templates)
            ? Effect.void
            : inBackground(
                templates.value.syncConnection(connection),
                `Template sync after connecting ${connection.id} failed`
              )
        ]).pipe(Effect.asVoid)
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

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
        readonly tokenType: string | null
        readonly via: "embedded_signup" | "manual"
        /** Coexistence (a WhatsApp Business app number): Meta keeps it on the app, so it is never registered. */
        readonly coexistence?: boolean
        /** The number's two-step verification PIN an admin entered (already used to register): stored encrypted. */
        readonly pin?: Redacted.Redacted<string>
      }) {
        const startedAt = yield* now // webhooks older than this connect never act on it (issue 14 item 3)
        const held = yield* connections.findByPhoneNumberId(args.number.id)
        const own = Option.filter(held, (row) => row.tenantId === args.tenantId)
        if (Option.isSome(held) && Option.isNone(own) && held.value.status !== "revoked") {
          return yield* new NumberAlreadyConnected({ phoneNumberId: args.number.id })
        }
        // The app-level callback is never written here (it is the app's, shared by every environment using it);
        // AppWebhookCheck reads and reports it.
        yield* graph.subscribeApp(args.token, args.wabaId)

        let pinEnc =
          args.pin === undefined
            ? Option.flatMap(own, (row) => Option.fromNullishOr(whatsAppDetails(row).registration_pin_enc)).pipe(
                Option.getOrNull
              )
            : yield* cipher.encrypt(args.pin, BINDING(args.tenantId))
        // Registered already (Cloud API): nothing to do. Otherwise register, reusing this tenant's PIN for the number
        // (Meta refuses a different PIN for a registered number). When Meta refuses because of the display name
        // (in review, declined or expired), the connection stays pending with that reason rather than in error; a
        // number whose two-step verification PIN was set before us waits for an admin to enter it (`pin_required`);
        // an unverified number is not registered at all until its owner verifies it (`number_not_verified`).
        let pendingReason: "display_name_review" | "pin_required" | "number_not_verified" | null = null
        if (args.number.platformType !== "CLOUD_API" && args.coexistence !== true) {
          if (NOT_VERIFIED.has(args.number.codeVerificationStatus ?? "")) {
            pendingReason = "number_not_verified"
          } else {
            const stored =
              pinEnc === null
                ? null
                : yield* cipher
                    .decrypt(pinEnc, BINDING(args.tenantId))
                    .pipe(Effect.option, Effect.map(Option.getOrNull))
            const pin = stored ?? Redacted.make(randomPin())
            pendingReason = yield* graph.registerNumber(args.token, args.number.id, pin).pipe(
              Effect.as(null),
              // Meta refuses such a registration as an invalid request; a 5xx or a timeout is not that.
              Effect.catchTag("MetaUnavailable", (error) =>
                error.reason === "invalid_request" && NAME_BLOCKED.has(args.number.nameStatus ?? "")
                  ? Effect.succeed("display_name_review" as const)
                  : Effect.fail(error)
              ),
              Effect.catchTag("RegistrationPinMismatch", () => Effect.succeed("pin_required" as const)),
              Effect.catchTag("NumberNotVerified", () => Effect.succeed("number_not_verified" as const))
            )
            if (pendingReason === null) pinEnc = yield* cipher.encrypt(pin, BINDING(args.tenantId))
            // A stored PIN Meta refused is not this number's PIN any more: forgotten, an admin enters the right one.
            else if (pendingReason === "pin_required") pinEnc = null
          }
        }
        const inNameReview = pendingReason === "display_name_review"
        const at = yield* now
        const kept = Option.match(own, { onNone: () => ({}), onSome: (row) => row.metadata })
        const connection = yield* connections.claimNumber(args.number.id, {
          tenantId: args.tenantId,
          provider: PROVIDER,
          ...transition(
            Option.match(own, { onNone: () => null, onSome: (row) => row.status }),
            pendingReason === null ? { _tag: "Connected" } : { _tag: "AwaitStep", reason: pendingReason }
          ),
          wabaId: args.wabaId,
          phoneNumberE164: toE164(args.number.displayPhoneNumber),
          displayName: args.number.verifiedName,
          accessTokenEnc: args.tokenEnc,
          tokenExpiresAt: args.tokenExpiresAt,
          scopes: args.scopes,
          connectedAt: startedAt,
          metadata: {
            ...Object.fromEntries(
              Object.entries(kept).filter(
                ([key]) =>
                  ![
                    "error",
                    "choices",
                    "pending_reason",
                    "disconnected_because",
                    "token_type",
                    "registration_pin_enc"
                  ].includes(key)
              )
            ),
            ...(pinEnc === null ? {} : { registration_pin_enc: pinEnc }),
            ...(inNameReview ? { pending_reason: "display_name_review", name_status: args.number.nameStatus } : {}),
            ...(pendingReason !== null && !inNameReview ? { pending_reason: pendingReason } : {}),
            quality_rating: args.number.qualityRating,
            ...(args.tokenType === null ? {} : { token_type: args.tokenType }),
            connected_at: at.toISOString(),
            connected_by: args.userId,
            connected_via: args.via,
            ...(args.coexistence === true ? { coexistence: true } : {})
          }
        })
        yield* connections.deleteUnnumbered(args.tenantId, PROVIDER)
        // One WhatsApp number per tenant: the numbers connected before are retired (unsubscribed where no one else
        // needs their WABA, token erased, `revoked`, history kept), so they stop receiving and stay takeable.
        const previous = (yield* connections.listByTenant(args.tenantId, PROVIDER)).filter(
          (row) => row.id !== connection.id && row.status !== "revoked" && row.phoneNumberId !== null
        )
        for (const row of previous) {
          const { atMeta } = yield* flow.retire(row, { userId: args.userId }, "replaced")
          yield* flow.audit(args.tenantId, args.userId, "number_replaced", row.id, {
            phone_number_id: row.phoneNumberId,
            replaced_by: connection.id,
            at_meta: atMeta
          })
        }
        // Webhooks that arrived for this number before it was connected are routed now.
        yield* inbox.requeueUnrouted({ phoneNumberId: args.number.id, wabaId: args.wabaId, since: startedAt })
        yield* checkSoon(connection)
        return connection
      })

      /**
       * Verifies a token before anything is stored: valid, ours, and granting both WhatsApp scopes on a WABA. With the
       * popup's session info, the WABA it names must be in the granted target ids when Meta lists any; without target
       * ids (a full-access system user) both scopes must be granted and the caller proves the WABA by reading it.
       */
      const grantedWaba = Effect.fnUntraced(function* (info: TokenInfo, hint: string | null) {
        yield* checkTokenApp(info, settings.appId)
        const targets = (scope: string) => info.granularScopes.find((g) => g.scope === scope)?.targetIds ?? []
        const management = targets("whatsapp_business_management")
        if (hint !== null) {
          const listed = management.length > 0 || targets("whatsapp_business_messaging").length > 0
          if (listed && !management.includes(hint)) {
            return yield* new SessionMismatch({ detail: "the WABA is not among the token's target ids" })
          }
          const missing = listed
            ? targets("whatsapp_business_messaging").includes(hint)
              ? []
              : ["whatsapp_business_messaging"]
            : ["whatsapp_business_management", "whatsapp_business_messaging"].filter((s) => !info.scopes.includes(s))
          if (missing.length > 0) return yield* new MetaPermissionMissing({ permissions: missing })
          return hint as WabaId
        }
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
            .update(tenantId, current.value.id, {
              ...transition(current.value.status, { _tag: "Fail", reason: "missing_permissions" }),
              metadata: { error: details }
            })
            .pipe(Effect.ignore)
          return
        }
        yield* connections.upsertUnnumbered({
          tenantId,
          provider: PROVIDER,
          ...transition(Option.match(current, { onNone: () => null, onSome: (row) => row.status }), {
            _tag: "Fail",
            reason: "missing_permissions"
          }),
          wabaId: null,
          phoneNumberE164: null,
          displayName: null,
          accessTokenEnc: null,
          tokenExpiresAt: null,
          scopes: [],
          metadata: { error: details }
        })
      })

      /**
       * The WhatsApp step of the callback and of the popup's completion (one path; they differ only in how the code
       * is exchanged and whether session info names the assets): exchange the code, verify the grant and the session
       * info against what the token can read, find the numbers, then connect the one picked in Meta's dialog (or the
       * only one, or the one this tenant had), or wait for a choice among several, or for a number to be added.
       */
      const resolve = Effect.fnUntraced(function* (authorized: Authorized) {
        const { tenantId, userId } = authorized
        const session: SessionInfo | null = authorized.popup?.sessionInfo ?? null
        const hint = session?.wabaId ?? null
        const exchanged = yield* graph.exchangeCode(
          authorized.code,
          authorized.popup === null ? settings.whatsappRedirectUri : null
        )
        const info = yield* debugTokenForConnect(graph, exchanged.accessToken)
        const current = yield* connections.findCurrent(tenantId, PROVIDER)
        // A full-access system user's token lists no target ids. After a redirect (no session info to name the WABA)
        // the WABA this workspace already has is read instead (a reconnect), as /complete reads the one session info
        // names; reading it is what proves the token may see it.
        const listsTargets = info.granularScopes.some(
          (g) => g.scope.startsWith("whatsapp_business_") && g.targetIds.length > 0
        )
        const storedWaba =
          hint === null && !listsTargets
            ? Option.getOrNull(Option.flatMap(current, (row) => Option.fromNullishOr(row.wabaId)))
            : null
        const wabaId = yield* grantedWaba(info, hint ?? storedWaba).pipe(
          Effect.tapError((error) =>
            error._tag === "MetaPermissionMissing" ? recordPermissionError(tenantId, error) : Effect.void
          )
        )
        const numbers = yield* graph.listPhoneNumbers(exchanged.accessToken, wabaId).pipe(
          // Reading the WABA the session info named is what proves the token may see it: Meta refuses the request
          // when not.
          Effect.catchTag(
            "MetaUnavailable",
            (error): Effect.Effect<never, MetaUnavailable | SessionMismatch | MetaPermissionMissing> =>
              hint !== null && error.reason === "invalid_request"
                ? Effect.fail(new SessionMismatch({ detail: "the token cannot read the WABA" }))
                : storedWaba !== null && error.reason === "invalid_request"
                  ? Effect.fail(new MetaPermissionMissing({ permissions: ["whatsapp_business_management"] }))
                  : Effect.fail(error)
          )
        )
        const picked = session?.phoneNumberId ?? null
        if (picked !== null && !numbers.some((n) => n.id === picked)) {
          return yield* new SessionMismatch({ detail: "the number is not one of the WABA's numbers" })
        }
        const coexistence = session?.kind === "coexistence"
        const tokenEnc = yield* cipher.encrypt(exchanged.accessToken, BINDING(tenantId))
        const tokenExpiresAt = expiryOf(info, exchanged.expiresIn, yield* now)
        /** The tenant's connection waiting for a number: the WABA and the token are kept, no number yet. */
        const pendingRow = (reason: "add_phone_number" | "choose_number", metadata: DetailsPatch) =>
          connections.upsertUnnumbered({
            tenantId,
            provider: PROVIDER,
            ...transition(null, { _tag: "AwaitStep", reason }),
            wabaId,
            phoneNumberE164: null,
            displayName: null,
            accessTokenEnc: tokenEnc,
            tokenExpiresAt,
            scopes: info.scopes,
            metadata: {
              ...(info.tokenType == null ? {} : { token_type: info.tokenType }),
              pending_reason: reason,
              ...metadata
            }
          })
        // FINISH_ONLY_WABA, or a finish without a number (ES v3+): the WABA is shared, a number is still to add.
        if (session !== null && session.kind !== "coexistence" && picked === null) {
          const pending = yield* pendingRow("add_phone_number", { choices: [] })
          return {
            connection: pending,
            outcome: "connect_pending",
            details: { reason: "add_phone_number", waba_id: wabaId }
          } satisfies Resolved
        }
        if (numbers.length === 0) return yield* new NoPhoneNumberGranted({})
        // Reconnecting: the number this tenant already has, when Meta granted it again.
        const known = numbers.find((n) => Option.isSome(current) && current.value.phoneNumberId === n.id)
        // The number picked in Meta's dialog (verified above) comes first: no second picker on our page.
        const chosen = numbers.find((n) => n.id === picked) ?? (numbers.length === 1 ? numbers[0] : known)
        if (chosen === undefined) {
          const pending = yield* pendingRow("choose_number", {
            ...(coexistence ? { coexistence: true } : {}),
            choices: numbers.map((n) => ({
              id: n.id,
              displayPhoneNumber: n.displayPhoneNumber,
              verifiedName: n.verifiedName
            }))
          })
          return {
            connection: pending,
            outcome: "connect_pending",
            details: { reason: "choose_number", numbers: numbers.length }
          } satisfies Resolved
        }
        const connection = yield* connectNumber({
          tenantId,
          userId,
          wabaId,
          number: chosen,
          token: exchanged.accessToken,
          tokenEnc,
          tokenExpiresAt,
          scopes: info.scopes,
          tokenType: info.tokenType ?? null,
          via: "embedded_signup",
          coexistence
        })
        return {
          connection,
          outcome: "connected",
          details: {
            waba_id: wabaId,
            phone_number_id: chosen.id,
            status: connection.status,
            ...(authorized.popup === null ? {} : { via: "popup" }),
            ...(coexistence ? { coexistence: true } : {})
          }
        } satisfies Resolved
      })

      const whatsappFlow: OAuthProvider<WhatsAppCallbackError> = {
        provider: PROVIDER,
        service: "WhatsAppConnections",
        redirectUri: settings.whatsappRedirectUri,
        // Facebook Login for Business: business integration system user tokens need the Authorization Code grant.
        dialogParameters: [
          // With a config_id no `scope` is sent: "config_id has replaced scope (which should not be used)" (FLB doc).
          ["config_id", settings.configId],
          ["override_default_response_type", "true"]
        ],
        resolve,
        atMetaOnDisconnect: (connection, token, why) =>
          Effect.gen(function* () {
            const calls: Array<readonly [string, Effect.Effect<void, MetaGraphError>]> = []
            // `DELETE /{waba}/subscribed_apps` cuts the whole WABA off: only when no other live number of ours
            // (any tenant) is on it (META_SPEC Corrections, "Unsubscribing").
            const sharing =
              connection.wabaId === null
                ? []
                : (yield* connections.findByWabaId(connection.wabaId)).filter(
                    (other) => other.id !== connection.id && other.status !== "revoked" && other.phoneNumberId !== null
                  )
            if (connection.wabaId !== null) {
              calls.push(
                sharing.length === 0
                  ? ["unsubscribed", graph.unsubscribeApp(token, connection.wabaId)]
                  : ["waba_kept_for_other_numbers", Effect.void]
              )
            }
            // `DELETE /me/permissions` is a user-token call: never with a business system user's token (what
            // Embedded Signup yields), not when a new number replaces this one (it may share the grant), and not
            // while another live number of ours is on the WABA (the same person may have granted it).
            if (why === "disconnect" && sharing.length === 0) {
              const stored = whatsAppDetails(connection).token_type
              const tokenType =
                stored !== undefined
                  ? stored
                  : yield* graph.debugToken(token).pipe(
                      Effect.map((info) => info.tokenType ?? null),
                      Effect.orElseSucceed(() => null)
                    )
              if (tokenType === "USER") calls.push(["permissions_revoked", graph.revokePermissions(token)])
            }
            return calls
          }),
        transientMetadata: ["error", "choices", "pending_reason"]
      }
      const flow = yield* makeOAuthFlow(whatsappFlow)

      /** The choices another workspace holds now (a live row of another tenant), so the picker marks them. */
      const heldElsewhere = Effect.fnUntraced(function* (row: ChannelConnection) {
        const held = new Set<string>()
        for (const choice of choicesOf(row)) {
          const holder = yield* connections.findByPhoneNumberId(choice.id as PhoneNumberId)
          if (Option.isSome(holder) && holder.value.tenantId !== row.tenantId && holder.value.status !== "revoked") {
            held.add(choice.id)
          }
        }
        return held
      })

      const status = Effect.fnUntraced(function* (actor: Actor) {
        const at = yield* now
        // A view: the row may come from the repository's short cache (another instance's write shows within ~2 s).
        const current = yield* connections.findCurrentRecent(actor.tenantId, PROVIDER)
        if (Option.isNone(current)) return NOT_CONNECTED
        return viewOf(current.value, at, yield* heldElsewhere(current.value))
      })

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
        const token = yield* flow.tokenOf(pending)
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
          tokenType: whatsAppDetails(pending).token_type ?? null,
          via: "embedded_signup",
          coexistence: whatsAppDetails(pending).coexistence === true
        })
        yield* flow.auditBy(actor, "connected", connection.id, {
          waba_id: pending.wabaId,
          phone_number_id: number.id,
          status: connection.status
        })
        return viewOf(connection)
      })

      const disconnect = (actor: Actor) =>
        flow.disconnect(actor).pipe(Effect.map(Option.match({ onNone: () => NOT_CONNECTED, onSome: viewOf })))

      const connectManually = Effect.fn("WhatsAppConnections.connectManually")(function* (
        actor: Actor,
        input: ManualConnectInput
      ) {
        const forbidden = requireOperator(actor, "connect WhatsApp manually")
        if (forbidden !== null) return yield* forbidden
        const info = yield* debugTokenForConnect(graph, input.accessToken)
        // Before any other Graph call: another app's token would carry a proof of the wrong secret anyway.
        yield* checkTokenApp(info, settings.appId)
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
          tokenType: info.tokenType ?? null,
          via: "manual"
        })
        yield* flow.auditBy(actor, "manual_connect", connection.id, {
          waba_id: input.wabaId,
          phone_number_id: input.phoneNumberId
        })
        return viewOf(connection)
      })

      const register = Effect.fn("WhatsAppConnections.register")(function* (
        actor: Actor,
        pin: Redacted.Redacted<string> | null
      ) {
        // The PIN is checked, used and encrypted; it never reaches a log, an audit entry or an answer.
        if (pin !== null && !/^\d{6}$/.test(Redacted.value(pin))) return yield* new InvalidPin({})
        const current = yield* connections.findCurrent(actor.tenantId, PROVIDER)
        const row = Option.getOrUndefined(current)
        const reason = row === undefined ? undefined : whatsAppDetails(row).pending_reason
        if (
          row === undefined ||
          row.status !== "pending" ||
          typeof reason !== "string" ||
          !REGISTRATION_REASONS.has(reason) ||
          row.accessTokenEnc === null ||
          row.wabaId === null ||
          row.phoneNumberId === null
        ) {
          return yield* new NoRegistrationPending({ status: row?.status ?? "not_connected" })
        }
        if (reason === "pin_required" && pin === null) return yield* new InvalidPin({})
        const token = yield* flow.tokenOf(row)
        // Meta's word on the number now (its owner may have verified it, or registered it, meanwhile).
        let number = yield* graph.getPhoneNumber(token, row.phoneNumberId)
        let registeredWithPin = false
        if (
          pin !== null &&
          number.platformType !== "CLOUD_API" &&
          !NOT_VERIFIED.has(number.codeVerificationStatus ?? "")
        ) {
          // Registered with the admin's PIN once; a wrong PIN fails here and leaves the connection as it was.
          const refused = yield* graph.registerNumber(token, number.id, pin).pipe(
            Effect.as(false),
            Effect.catchTag("NumberNotVerified", () => Effect.succeed(true)),
            Effect.tapError((error) =>
              error._tag === "RegistrationPinMismatch"
                ? flow.auditBy(actor, "number_registration_refused", row.id, {
                    phone_number_id: number.id,
                    reason: "pin_mismatch"
                  })
                : Effect.void
            )
          )
          number = refused
            ? { ...number, codeVerificationStatus: "NOT_VERIFIED" }
            : { ...number, platformType: "CLOUD_API" }
          registeredWithPin = !refused
        }
        const connection = yield* connectNumber({
          tenantId: actor.tenantId,
          userId: actor.userId,
          wabaId: row.wabaId,
          number,
          token,
          tokenEnc: row.accessTokenEnc,
          tokenExpiresAt: row.tokenExpiresAt,
          scopes: row.scopes,
          tokenType: whatsAppDetails(row).token_type ?? null,
          via: whatsAppDetails(row).connected_via === "manual" ? "manual" : "embedded_signup",
          // Kept (encrypted) only when Meta took it: the number's PIN from now on.
          ...(registeredWithPin && pin !== null ? { pin } : {})
        })
        yield* flow.auditBy(actor, "number_registration", connection.id, {
          phone_number_id: number.id,
          pending_reason: reason,
          pin_entered: pin !== null,
          status: connection.status,
          ...(connection.status === "pending" ? { now_pending: whatsAppDetails(connection).pending_reason } : {})
        })
        return viewOf(connection)
      })

      return WhatsAppConnections.of({
        register,
        start: flow.start,
        complete: flow.complete,
        status,
        chooseNumber,
        disconnect,
        connectManually
      })
    })
  )
}
