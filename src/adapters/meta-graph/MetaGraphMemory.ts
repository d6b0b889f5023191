import { Clock, Context, Effect, Layer, Redacted } from "effect"
import { REQUIRED_WEBHOOK_FIELDS } from "../../application/health/AppWebhookCheck.ts"
import type * as Port from "../../application/ports/MetaGraph.ts"
import { MetaGraph, OTHER_APP_TOKEN } from "../../application/ports/MetaGraph.ts"
import {
  MetaAppCredentialsInvalid,
  MetaPermissionMissing,
  MetaTokenInvalid,
  MetaUnavailable,
  NumberNotVerified,
  RegistrationPinMismatch
} from "../../domain/Errors.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import { placeholdersOf, type TemplateStatus } from "../../domain/MessageTemplate.ts"
import { classified } from "./MetaErrors.ts"

export type MetaGraphMethod = keyof MetaGraph["Service"]

export interface MemoryGranularScope {
  readonly scope: string
  readonly targetIds: ReadonlyArray<string>
}

/** What the Meta dialog granted: the code it redirected with and the token the code exchanges for. */
export interface MemoryGrant {
  readonly code: string
  /** The dialog's redirect URI; `null` for a JS SDK popup code (exchanged without one). */
  readonly redirectUri: string | null
  readonly token: string
  readonly wabaIds: ReadonlyArray<string>
  /**
   * Granular scopes; default: `whatsapp_business_management` and `whatsapp_business_messaging` on `wabaIds`,
   * `business_management` on `businessIds`.
   */
  readonly scopes?: ReadonlyArray<MemoryGranularScope>
  readonly businessIds?: ReadonlyArray<string>
  /** Default `MetaGraphMemory.appId`. */
  readonly appId?: string
  /** False makes debug_token report the token invalid (and Graph calls answer 190). */
  readonly isValid?: boolean
  /** Epoch seconds; 0 (default) = never expires. */
  readonly expiresAt?: number
  /** debug_token's `type`; default `SYSTEM_USER` when `wabaIds` is not empty (Embedded Signup), else `USER`. */
  readonly tokenType?: "USER" | "SYSTEM_USER"
  /**
   * A full-access system user (Meta's `/docs/whatsapp/permissions`): debug_token lists the scopes without
   * `target_ids`, and the token reads `wabaIds` all the same.
   */
  readonly fullAccess?: boolean
  /** The Meta user the token speaks for (debug_token's `user_id`, `/me`); default a new id per grant. */
  readonly userId?: string
  /** `/me/adaccounts`: the person's own (and assigned) ad accounts. */
  readonly personalAdAccounts?: ReadonlyArray<Port.AdAccount>
}

export interface MemoryPhoneNumber {
  readonly id: string
  readonly displayPhoneNumber: string
  readonly verifiedName?: string | null
  /** Default `APPROVED`; `EXPIRED`, `NONE` and `DECLINED` cannot register. */
  readonly nameStatus?: string
  /** Default `VERIFIED`; a `NOT_VERIFIED` (or `EXPIRED`) number cannot register. */
  readonly codeVerificationStatus?: string
  readonly qualityRating?: string
  /** Default `TIER_2K` (`whatsapp_business_manager_messaging_limit`). */
  readonly messagingLimit?: string
  readonly registered?: boolean
  /** A two-step verification PIN set before (another provider, WhatsApp Manager): register needs this PIN. */
  readonly pin?: string
}

export interface MemoryWaba {
  readonly id: string
  readonly phoneNumbers: ReadonlyArray<MemoryPhoneNumber>
}

export interface MemoryBusiness {
  readonly id: string
  readonly name: string
  readonly ownedAdAccounts?: ReadonlyArray<Port.AdAccount>
  readonly clientAdAccounts?: ReadonlyArray<Port.AdAccount>
  /** Reading this business's ad accounts fails with this (one business of several failing). */
  readonly adAccountsError?: Port.MetaGraphError
}

/** One call the fake received; tokens, PINs and verify tokens are left out. */
export interface MemoryCall {
  readonly method: MetaGraphMethod
  readonly args: Readonly<Record<string, string>>
}

export interface MemorySentMessage {
  readonly providerMessageId: string
  readonly phoneNumberId: string
  readonly to: string
  readonly text: string
}

export interface MemoryRevokedGrant {
  readonly code: string
  readonly wabaIds: ReadonlyArray<string>
  /** `revokePermissions` (the product called Meta) or `control` (the customer removed the app). */
  readonly by: "revokePermissions" | "control"
}

/** Drives and inspects `MetaGraphMemory` from tests. */
export class MetaGraphMemoryControl extends Context.Service<
  MetaGraphMemoryControl,
  {
    /** A code the dialog issued (single use, valid 30 s on the Effect clock) and the token it exchanges for. */
    grant(grant: MemoryGrant): Effect.Effect<void>
    /** Adds or replaces a WABA with its numbers. */
    addWaba(waba: MemoryWaba): Effect.Effect<void>
    addBusiness(business: MemoryBusiness): Effect.Effect<void>
    /** The next call (`"once"`, default) or every call (`"always"`) of `method` fails with `error`. */
    failWith(method: MetaGraphMethod, error: Port.MetaGraphError, mode?: "once" | "always"): Effect.Effect<void>
    clearFailures: Effect.Effect<void>
    /** Meta's review moved a template (the fake sends no webhook: tests deliver one). */
    reviewTemplate(
      wabaId: string,
      name: string,
      language: string,
      status: TemplateStatus,
      reason?: string | null
    ): Effect.Effect<void>
    /** The person removed one permission from the app: the grant (every token of it) loses `scope`. */
    revokeScope(token: string, scope: string): Effect.Effect<void>
    /** As if the customer removed the app: the token's grant answers 190/460 from now on. */
    revokeToken(token: string): Effect.Effect<void>
    /** As if the app secret were rotated at Meta (false) or fixed (true): debug_token's app token is refused. */
    setAppCredentialsValid(valid: boolean): Effect.Effect<void>
    readonly calls: Effect.Effect<ReadonlyArray<MemoryCall>>
    readonly subscribedWabas: Effect.Effect<ReadonlyArray<string>>
    readonly registeredNumbers: Effect.Effect<ReadonlyArray<{ readonly phoneNumberId: string; readonly pin: string }>>
    readonly revokedGrants: Effect.Effect<ReadonlyArray<MemoryRevokedGrant>>
    readonly sentMessages: Effect.Effect<ReadonlyArray<MemorySentMessage>>
    /**
     * The `messages` webhook Meta would post when `from` (a number as a person types it) writes to the number:
     * `from` and `contacts[0].wa_id` carry WhatsApp's `wa_id` for it, as the send response does.
     */
    inboundMessage(input: {
      readonly phoneNumberId: string
      readonly from: string
      readonly text: string
      readonly name?: string
    }): Effect.Effect<{ readonly payload: unknown; readonly wamid: string }>
    /** Sets (or with null removes) the app's callback, as another environment or a person in the App Dashboard. */
    setAppSubscription(
      subscription: {
        readonly callbackUrl: string
        readonly fields: ReadonlyArray<string>
      } | null
    ): Effect.Effect<void>
    readonly appSubscription: Effect.Effect<{
      readonly callbackUrl: string
      readonly fields: ReadonlyArray<string>
    } | null>
  }
>()("app/adapters/meta-graph/MetaGraphMemoryControl") {}

const DEFAULT_APP_ID = "1234567890123456"
/** The app-level callback the fake's app starts subscribed to (the connect test kit's). */
export const DEFAULT_CALLBACK_URL = "https://app.example.com/webhooks/meta/whatsapp"
const CODE_TTL_MS = 30_000
const WABA_SCOPE = "whatsapp_business_management"
const MESSAGING_SCOPE = "whatsapp_business_messaging"
const LONG_LIVED_SECONDS = 60 * 24 * 3600
const DATA_ACCESS_SECONDS = 90 * 24 * 3600

interface GrantState {
  readonly spec: MemoryGrant
  scopes: ReadonlyArray<MemoryGranularScope>
  readonly createdAtMs: number
  readonly subjectId: string
  used: boolean
  revoked: { readonly subcode: number; readonly message: string } | null
}

interface TokenState {
  readonly grant: GrantState
  /** Epoch ms; 0 = never. */
  readonly expiresAtMs: number
}

interface NumberState {
  readonly wabaId: string
  readonly spec: MemoryPhoneNumber
  registered: boolean
  pin: string | null
}

interface Failure {
  readonly method: MetaGraphMethod
  readonly error: Port.MetaGraphError
  readonly always: boolean
}

/**
 * WhatsApp's `wa_id` for a number, as Meta returns it in `contacts[0].wa_id` and inbound `from`: digits only,
 * Brazil's mobile ninth digit dropped (`55` DD `9` + 8 digits) and Mexico's `521` + 10 digits as `52` + 10 digits.
 */
export const metaWaId = (typed: string): string => {
  const digits = typed.replace(/\D/g, "")
  const brazil = /^55(\d{2})9(\d{8})$/.exec(digits)
  if (brazil !== null) return `55${brazil[1]}${brazil[2]}`
  const mexico = /^521(\d{10})$/.exec(digits)
  if (mexico !== null) return `52${mexico[1]}`
  return digits
}

const unsupported = (method: string, id: string) =>
  new MetaUnavailable({
    code: 100,
    detail: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`
  })

const cannotParse = () =>
  new MetaTokenInvalid({ code: 190, detail: "Invalid OAuth access token - Cannot parse access token" })

const make = Effect.sync(() => {
  const grantsByCode = new Map<string, GrantState>()
  const tokens = new Map<string, TokenState>()
  const wabas = new Map<string, ReadonlyArray<string>>()
  const numbers = new Map<string, NumberState>()
  const businesses = new Map<string, MemoryBusiness>()
  const failures: Array<Failure> = []
  const calls: Array<MemoryCall> = []
  const subscribed = new Set<string>()
  /** The WABAs' override callbacks for our app (`override_callback_uri`), set by the control. */
  const overrides = new Map<string, string>()
  const revokedGrants: Array<MemoryRevokedGrant> = []
  const sent: Array<MemorySentMessage> = []
  // A configured app, as in production: subscribed to the test settings' callback.
  let appSubscription: { callbackUrl: string; fields: ReadonlyArray<string> } | null = {
    callbackUrl: DEFAULT_CALLBACK_URL,
    fields: [...REQUIRED_WEBHOOK_FIELDS]
  }
  let appCredentialsValid = true
  let counter = 0

  /** Records the call, then fails with an injected error if there is one. */
  const enter = (method: MetaGraphMethod, args: Record<string, string>) =>
    Effect.suspend(() => {
      calls.push({ method, args })
      const index = failures.findIndex((f) => f.method === method)
      const failure = failures[index]
      if (failure === undefined) return Effect.void
      if (!failure.always) failures.splice(index, 1)
      return Effect.fail(failure.error)
    })

  const scopesOf = (grant: GrantState) => [...new Set(grant.scopes.map((s) => s.scope))]
  const targetsOf = (grant: GrantState, scope: string) => grant.scopes.find((s) => s.scope === scope)?.targetIds ?? []

  const tokenProblem = (state: TokenState, nowMs: number): MetaTokenInvalid | undefined => {
    if (state.grant.revoked !== null) return new MetaTokenInvalid({ code: 190, detail: state.grant.revoked.message })
    if (state.grant.spec.isValid === false)
      return new MetaTokenInvalid({ code: 190, detail: "Error validating access token: The session is invalid." })
    if (state.expiresAtMs !== 0 && nowMs >= state.expiresAtMs)
      return new MetaTokenInvalid({ code: 190, detail: "Error validating access token: Session has expired." })
    return undefined
  }

  const authenticate = (token: Redacted.Redacted<string>): Effect.Effect<TokenState, Port.MetaGraphError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const state = tokens.get(Redacted.value(token))
      if (state === undefined) return Effect.fail(cannotParse())
      const problem = tokenProblem(state, now)
      return problem === undefined ? Effect.succeed(state) : Effect.fail(problem)
    })

  /** Like Meta: 100 when the WABA is unknown or not granted at all, then 200/10 when the needed scope is missing. */
  const wabaAccess = (
    state: TokenState,
    wabaId: string,
    scope: string,
    method: string,
    objectId: string
  ): Effect.Effect<void, Port.MetaGraphError> => {
    const grant = state.grant
    if (!wabas.has(wabaId)) return Effect.fail(unsupported(method, objectId))
    const full = grant.spec.fullAccess === true && grant.spec.wabaIds.includes(wabaId)
    const visible = full || [WABA_SCOPE, MESSAGING_SCOPE].some((s) => targetsOf(grant, s).includes(wabaId))
    if (!visible) return Effect.fail(unsupported(method, objectId))
    if (!full && !targetsOf(grant, scope).includes(wabaId))
      return Effect.fail(new MetaPermissionMissing({ permissions: [scope] }))
    return Effect.void
  }

  const numberAccess = (
    state: TokenState,
    phoneNumberId: string,
    scope: string,
    method: string
  ): Effect.Effect<NumberState, Port.MetaGraphError> => {
    const number = numbers.get(phoneNumberId)
    if (number === undefined) return Effect.fail(unsupported(method, phoneNumberId))
    return Effect.as(wabaAccess(state, number.wabaId, scope, method, phoneNumberId), number)
  }

  const phoneNumberOf = (number: NumberState): Port.PhoneNumber => ({
    id: number.spec.id as PhoneNumberId,
    displayPhoneNumber: number.spec.displayPhoneNumber,
    verifiedName: number.spec.verifiedName ?? null,
    qualityRating: number.spec.qualityRating ?? "GREEN",
    codeVerificationStatus: number.spec.codeVerificationStatus ?? "VERIFIED",
    nameStatus: number.spec.nameStatus ?? "APPROVED",
    platformType: number.registered ? "CLOUD_API" : "NOT_APPLICABLE",
    messagingLimit: number.spec.messagingLimit ?? "TIER_2K",
    throughputLevel: number.registered ? "STANDARD" : "NOT_APPLICABLE"
  })

  const issue = (grant: GrantState, token: string, expiresAtMs: number): void => {
    tokens.set(token, { grant, expiresAtMs })
  }

  const exchangeCode = (code: Redacted.Redacted<string>, redirectUri: string | null) =>
    enter("exchangeCode", { code: Redacted.value(code), redirectUri: redirectUri ?? "(none)" }).pipe(
      Effect.andThen(Clock.currentTimeMillis),
      Effect.flatMap((now): Effect.Effect<Port.ExchangedToken, Port.MetaGraphError> => {
        const grant = grantsByCode.get(Redacted.value(code))
        if (grant === undefined)
          return Effect.fail(new MetaUnavailable({ code: 100, detail: "Invalid verification code format." }))
        if (grant.used)
          return Effect.fail(new MetaUnavailable({ code: 100, detail: "This authorization code has been used." }))
        if (now - grant.createdAtMs > CODE_TTL_MS)
          return Effect.fail(new MetaUnavailable({ code: 100, detail: "This authorization code has expired." }))
        // A popup code takes no redirect_uri (or an empty one); a redirect code the byte-identical one.
        if (grant.spec.redirectUri === null ? (redirectUri ?? "") !== "" : redirectUri !== grant.spec.redirectUri)
          return Effect.fail(
            new MetaUnavailable({
              code: 100,
              detail:
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
            })
          )
        grant.used = true
        const expiresAt = grant.spec.expiresAt ?? 0
        issue(grant, grant.spec.token, expiresAt * 1000)
        return Effect.succeed({
          accessToken: Redacted.make(grant.spec.token),
          expiresIn: expiresAt === 0 ? null : Math.max(0, expiresAt - Math.floor(now / 1000))
        })
      })
    )

  const exchangeLongLived = (token: Redacted.Redacted<string>, options?: { readonly businessToken60Days?: boolean }) =>
    enter("exchangeLongLived", options?.businessToken60Days === true ? { businessToken60Days: "true" } : {}).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) =>
        Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Port.ExchangedToken, Port.MetaGraphError> => {
          // A business (system user) token is renewed only with `set_token_expires_in_60_days=true`, as the sandbox.
          if (tokenTypeOf(state.grant) === "SYSTEM_USER" && options?.businessToken60Days !== true)
            return Effect.fail(
              new MetaUnavailable({ code: 100, detail: "(#100) fb_exchange_token must be a user access token" })
            )
          // As the sandbox: a user token is not renewed once its data access (90 days from the login) has ended.
          if (tokenTypeOf(state.grant) === "USER" && now >= state.grant.createdAtMs + DATA_ACCESS_SECONDS * 1000)
            return Effect.fail(
              new MetaTokenInvalid({ code: 190, detail: "Error validating access token: data access has expired." })
            )
          const value = `${Redacted.value(token)}-long-${++counter}`
          issue(state.grant, value, now + LONG_LIVED_SECONDS * 1000)
          return Effect.succeed({ accessToken: Redacted.make(value), expiresIn: LONG_LIVED_SECONDS })
        })
      )
    )

  const tokenTypeOf = (grant: GrantState) =>
    grant.spec.tokenType ?? (grant.spec.wabaIds.length > 0 ? "SYSTEM_USER" : "USER")

  const debugToken = (token: Redacted.Redacted<string>) =>
    enter("debugToken", {}).pipe(
      Effect.andThen(
        appCredentialsValid
          ? Effect.void
          : Effect.fail(new MetaAppCredentialsInvalid({ detail: "Invalid OAuth access token signature." }))
      ),
      Effect.andThen(Clock.currentTimeMillis),
      Effect.map((now): Port.TokenInfo => {
        const state = tokens.get(Redacted.value(token))
        if (state === undefined) {
          return {
            isValid: false,
            appId: null,
            expiresAt: 0,
            scopes: [],
            granularScopes: [],
            error: "Invalid OAuth access token - Cannot parse access token"
          }
        }
        if ((state.grant.spec.appId ?? DEFAULT_APP_ID) !== DEFAULT_APP_ID) {
          // Meta refuses to inspect another app's token (code 100); the HTTP adapter reports it like this.
          return OTHER_APP_TOKEN
        }
        const problem = tokenProblem(state, now)
        return {
          isValid: problem === undefined,
          appId: state.grant.spec.appId ?? DEFAULT_APP_ID,
          expiresAt: Math.floor(state.expiresAtMs / 1000),
          scopes: scopesOf(state.grant),
          granularScopes: state.grant.scopes.map((s) => ({
            scope: s.scope,
            targetIds: state.grant.spec.fullAccess === true ? [] : [...s.targetIds]
          })),
          tokenType: tokenTypeOf(state.grant),
          userId: state.grant.subjectId,
          // As Meta: a user token's data access lasts 90 days from the login (the grant).
          dataAccessExpiresAt:
            tokenTypeOf(state.grant) === "USER" ? Math.floor(state.grant.createdAtMs / 1000) + DATA_ACCESS_SECONDS : 0,
          error: problem === undefined ? null : problem.detail
        }
      })
    )

  const listPhoneNumbers = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
    enter("listPhoneNumbers", { wabaId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => wabaAccess(state, wabaId, WABA_SCOPE, "get", wabaId)),
      Effect.map(() => (wabas.get(wabaId) ?? []).flatMap((id) => numbers.get(id) ?? []).map(phoneNumberOf))
    )

  const getPhoneNumber = (token: Redacted.Redacted<string>, phoneNumberId: PhoneNumberId) =>
    enter("getPhoneNumber", { phoneNumberId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => numberAccess(state, phoneNumberId, WABA_SCOPE, "get")),
      Effect.map(phoneNumberOf)
    )

  const readAppSubscription = () =>
    enter("appSubscription", {}).pipe(
      Effect.as(
        appSubscription === null
          ? null
          : { callbackUrl: appSubscription.callbackUrl, active: true, fields: [...appSubscription.fields] }
      )
    )

  /** Our app is the only one the fake knows: it is listed while subscribed. */
  const wabaSubscribedApps = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
    enter("wabaSubscribedApps", { wabaId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => wabaAccess(state, wabaId, WABA_SCOPE, "get", wabaId)),
      Effect.map(() =>
        subscribed.has(wabaId) ? [{ appId: DEFAULT_APP_ID, overrideCallbackUrl: overrides.get(wabaId) ?? null }] : []
      )
    )

  const subscription = (method: "subscribeApp" | "unsubscribeApp", token: Redacted.Redacted<string>, wabaId: WabaId) =>
    enter(method, { wabaId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) =>
        wabaAccess(state, wabaId, WABA_SCOPE, method === "subscribeApp" ? "post" : "delete", wabaId)
      ),
      Effect.flatMap(() => {
        if (method === "unsubscribeApp") {
          subscribed.delete(wabaId)
          return Effect.void
        }
        if (appSubscription === null)
          return Effect.fail(
            new MetaUnavailable({
              code: 100,
              detail: "(#100) Your app must be subscribed to the whatsapp_business_account object"
            })
          )
        subscribed.add(wabaId)
        return Effect.void
      })
    )

  const registerNumber = (
    token: Redacted.Redacted<string>,
    phoneNumberId: PhoneNumberId,
    pin: Redacted.Redacted<string>
  ) =>
    enter("registerNumber", { phoneNumberId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => numberAccess(state, phoneNumberId, WABA_SCOPE, "post")),
      Effect.flatMap(
        (number): Effect.Effect<void, Port.MetaGraphError | RegistrationPinMismatch | NumberNotVerified> => {
          const value = Redacted.value(pin)
          if (!/^\d{6}$/.test(value))
            return Effect.fail(
              new MetaUnavailable({ code: 100, detail: "(#100) Param pin must be 6 characters long." })
            )
          if (["NOT_VERIFIED", "EXPIRED"].includes(number.spec.codeVerificationStatus ?? "VERIFIED"))
            return Effect.fail(new NumberNotVerified({}))
          if (["EXPIRED", "NONE", "DECLINED"].includes(number.spec.nameStatus ?? "APPROVED"))
            return Effect.fail(
              new MetaUnavailable({
                code: 100,
                detail:
                  "(#100) The phone number does not have a valid display name certificate and cannot be registered"
              })
            )
          // The two-step verification PIN holds whether or not the number is registered now (set here or before).
          if (number.pin !== null && number.pin !== value) return Effect.fail(new RegistrationPinMismatch({}))
          number.registered = true
          number.pin = value
          return Effect.void
        }
      )
    )

  const revokeGrant = (grant: GrantState, by: MemoryRevokedGrant["by"], subcode: number, message: string) => {
    if (grant.revoked !== null) return
    grant.revoked = { subcode, message }
    revokedGrants.push({ code: grant.spec.code, wabaIds: grant.spec.wabaIds, by })
  }

  const revokePermissions = (token: Redacted.Redacted<string>) =>
    enter("revokePermissions", {}).pipe(
      Effect.andThen(authenticate(token)),
      // As the sandbox: `/{user-id}/permissions` takes a user or an app token, not a system user's.
      Effect.filterOrFail(
        (state) => tokenTypeOf(state.grant) !== "SYSTEM_USER",
        () => unsupported("delete", "permissions")
      ),
      Effect.map((state) =>
        revokeGrant(
          state.grant,
          "revokePermissions",
          458,
          `Error validating access token: The user has not authorized application ${state.grant.spec.appId ?? DEFAULT_APP_ID}.`
        )
      )
    )

  /** What Meta answers a send to `to` from `number` before reading the message: a bad recipient, an unregistered number. */
  const sendRefusal = (number: { readonly registered: boolean }, to: string): MetaUnavailable | undefined => {
    const digits = to.replace(/\D/g, "")
    if (digits.length < 7 || digits.length > 15)
      return new MetaUnavailable({ code: 131009, detail: "(#131009) Parameter value is not valid" })
    if (!number.registered) return new MetaUnavailable({ code: 133010, detail: "(#133010) Account not registered" })
    return undefined
  }

  /** A send Meta accepted: a new message id, the recipient's wa_id, and the message kept for the test to read. */
  const accepted = (phoneNumberId: PhoneNumberId, to: string, text: string): Port.SentMessage => {
    const waId = metaWaId(to)
    const providerMessageId = `wamid.memory.${++counter}`
    sent.push({ providerMessageId, phoneNumberId, to: waId, text })
    return { providerMessageId, waId }
  }

  const sendText = (token: Redacted.Redacted<string>, phoneNumberId: PhoneNumberId, to: string, text: string) =>
    enter("sendText", { phoneNumberId, to, text }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => numberAccess(state, phoneNumberId, MESSAGING_SCOPE, "post")),
      Effect.flatMap((number): Effect.Effect<Port.SentMessage, Port.MetaGraphError> => {
        const refused = sendRefusal(number, to)
        if (refused !== undefined) return Effect.fail(refused)
        return Effect.succeed(accepted(phoneNumberId, to, text))
      })
    )

  /** Templates per WABA; every WABA starts with Meta's approved `hello_world` sample, as the sandbox's. */
  const templates = new Map<string, Array<Port.RemoteTemplate>>()
  const templatesOf = (wabaId: string): Array<Port.RemoteTemplate> => {
    let list = templates.get(wabaId)
    if (list === undefined) {
      list = [
        {
          templateId: `${900000000000000 + ++counter}`,
          name: "hello_world",
          language: "en_US",
          category: "UTILITY",
          status: "APPROVED",
          rejectedReason: null,
          quality: null,
          parameterFormat: "POSITIONAL",
          headerKind: "text",
          headerText: "Hello World",
          bodyText:
            "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.",
          footerText: "WhatsApp Business Platform sample message",
          headerPlaceholders: [],
          bodyPlaceholders: []
        }
      ]
      templates.set(wabaId, list)
    }
    return list
  }
  const templateError = (code: number, detail: string) => new MetaUnavailable({ code, detail: `(#${code}) ${detail}` })

  const sendTemplate = (
    token: Redacted.Redacted<string>,
    phoneNumberId: PhoneNumberId,
    to: string,
    template: Port.TemplateSend
  ) =>
    enter("sendTemplate", { phoneNumberId, to, name: template.name, language: template.language }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => numberAccess(state, phoneNumberId, MESSAGING_SCOPE, "post")),
      Effect.flatMap((number): Effect.Effect<Port.SentMessage, Port.MetaGraphError> => {
        const refused = sendRefusal(number, to)
        if (refused !== undefined) return Effect.fail(refused)
        const found = templatesOf(number.wabaId).find(
          (t) => t.name === template.name && t.language === template.language
        )
        if (found === undefined || found.status === "PENDING" || found.status === "REJECTED")
          return Effect.fail(templateError(132001, "Template name does not exist in the translation"))
        if (found.status === "PAUSED") return Effect.fail(templateError(132015, "Template is Paused"))
        if (found.status === "DISABLED") return Effect.fail(templateError(132016, "Template is Disabled"))
        if (
          template.parameters.body.length !== found.bodyPlaceholders.length ||
          (template.parameters.header ?? []).length !== found.headerPlaceholders.length
        )
          return Effect.fail(templateError(132000, "Number of parameters does not match the expected number of params"))
        return Effect.succeed(accepted(phoneNumberId, to, `template:${template.name}`))
      })
    )

  const listTemplates = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
    enter("listTemplates", { wabaId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => wabaAccess(state, wabaId, WABA_SCOPE, "get", wabaId)),
      Effect.map(() => [...templatesOf(wabaId)])
    )

  const createTemplate = (token: Redacted.Redacted<string>, wabaId: WabaId, template: Port.NewTemplate) =>
    enter("createTemplate", { wabaId, name: template.name, language: template.language }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => wabaAccess(state, wabaId, WABA_SCOPE, "post", wabaId)),
      Effect.flatMap(() => {
        const list = templatesOf(wabaId)
        if (!/^[a-z0-9_]{1,512}$/.test(template.name))
          return Effect.fail(new MetaUnavailable({ code: 100, detail: "(#100) Invalid parameter: template name" }))
        if (list.some((t) => t.name === template.name && t.language === template.language))
          return Effect.fail(
            new MetaUnavailable({
              code: 100,
              detail: "(#100) Invalid parameter: content in this language already exists"
            })
          )
        const templateId = `${900000000000000 + ++counter}`
        list.push({
          templateId,
          name: template.name,
          language: template.language,
          category: template.category,
          status: "PENDING",
          rejectedReason: null,
          quality: null,
          parameterFormat: template.parameterFormat,
          headerKind: template.headerText === null ? "none" : "text",
          headerText: template.headerText,
          bodyText: template.bodyText,
          footerText: template.footerText,
          headerPlaceholders: placeholdersOf(template.headerText),
          bodyPlaceholders: placeholdersOf(template.bodyText)
        })
        return Effect.succeed({ templateId, status: "PENDING", category: template.category })
      })
    )

  const deleteTemplate = (token: Redacted.Redacted<string>, wabaId: WabaId, name: string) =>
    enter("deleteTemplate", { wabaId, name }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state) => wabaAccess(state, wabaId, WABA_SCOPE, "delete", wabaId)),
      Effect.flatMap(() => {
        const list = templatesOf(wabaId)
        if (!list.some((t) => t.name === name))
          return Effect.fail(
            new MetaUnavailable({ code: 100, detail: `(#100) message template "${name}" does not exist` })
          )
        templates.set(
          wabaId,
          list.filter((t) => t.name !== name)
        )
        return Effect.void
      })
    )

  const me = (token: Redacted.Redacted<string>) =>
    enter("me", {}).pipe(
      Effect.andThen(authenticate(token)),
      Effect.map((state) => ({ id: state.grant.subjectId, name: null }))
    )

  const listBusinesses = (token: Redacted.Redacted<string>) =>
    enter("listBusinesses", {}).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state): Effect.Effect<ReadonlyArray<Port.Business>, Port.MetaGraphError> => {
        if (!scopesOf(state.grant).includes("business_management"))
          return Effect.fail(new MetaPermissionMissing({ permissions: ["business_management"] }))
        return Effect.succeed(
          targetsOf(state.grant, "business_management").flatMap((id) => {
            const business = businesses.get(id)
            return business === undefined ? [] : [{ id: business.id, name: business.name }]
          })
        )
      })
    )

  const listAdAccounts = (token: Redacted.Redacted<string>, businessId: string) =>
    enter("listAdAccounts", { businessId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state): Effect.Effect<ReadonlyArray<Port.AdAccount>, Port.MetaGraphError> => {
        const business = businesses.get(businessId)
        if (business === undefined || !targetsOf(state.grant, "business_management").includes(businessId))
          return Effect.fail(unsupported("get", businessId))
        if (!canReadAds(state)) return Effect.fail(new MetaPermissionMissing({ permissions: ["ads_read"] }))
        if (business.adAccountsError !== undefined) return Effect.fail(business.adAccountsError)
        const byId = new Map<string, Port.AdAccount>()
        for (const account of [...(business.ownedAdAccounts ?? []), ...(business.clientAdAccounts ?? [])]) {
          if (!byId.has(account.id)) byId.set(account.id, account)
        }
        return Effect.succeed([...byId.values()])
      })
    )

  const canReadAds = (state: TokenState) => {
    const scopes = scopesOf(state.grant)
    return scopes.includes("ads_read") || scopes.includes("ads_management")
  }

  /** The ad accounts a token may read: the person's own and those of the businesses it reaches. */
  const visibleAdAccounts = (state: TokenState): ReadonlyArray<Port.AdAccount> => [
    ...(state.grant.spec.personalAdAccounts ?? []),
    ...targetsOf(state.grant, "business_management").flatMap((id) => {
      const business = businesses.get(id)
      return business === undefined ? [] : [...(business.ownedAdAccounts ?? []), ...(business.clientAdAccounts ?? [])]
    })
  ]

  const listPersonalAdAccounts = (token: Redacted.Redacted<string>) =>
    enter("listPersonalAdAccounts", {}).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state): Effect.Effect<ReadonlyArray<Port.AdAccount>, Port.MetaGraphError> => {
        if (!canReadAds(state)) return Effect.fail(new MetaPermissionMissing({ permissions: ["ads_read"] }))
        return Effect.succeed([...(state.grant.spec.personalAdAccounts ?? [])])
      })
    )

  const getAdAccount = (token: Redacted.Redacted<string>, adAccountId: string) =>
    enter("getAdAccount", { adAccountId }).pipe(
      Effect.andThen(authenticate(token)),
      Effect.flatMap((state): Effect.Effect<Port.AdAccount, Port.MetaGraphError> => {
        const account = visibleAdAccounts(state).find((a) => a.id === adAccountId)
        if (account === undefined) return Effect.fail(unsupported("get", adAccountId))
        if (!canReadAds(state)) return Effect.fail(new MetaPermissionMissing({ permissions: ["ads_read"] }))
        return Effect.succeed(account)
      })
    )

  const graph = MetaGraph.of(
    classified({
      exchangeCode,
      exchangeLongLived,
      debugToken,
      listPhoneNumbers,
      getPhoneNumber,
      appSubscription: readAppSubscription,
      wabaSubscribedApps,
      subscribeApp: (token, wabaId) => subscription("subscribeApp", token, wabaId),
      unsubscribeApp: (token, wabaId) => subscription("unsubscribeApp", token, wabaId),
      registerNumber,
      revokePermissions,
      sendText,
      sendTemplate,
      listTemplates,
      createTemplate,
      deleteTemplate,
      me,
      listBusinesses,
      listAdAccounts,
      listPersonalAdAccounts,
      getAdAccount
    })
  )

  const control = MetaGraphMemoryControl.of({
    grant: (spec) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const scopes = spec.scopes ?? [
          { scope: WABA_SCOPE, targetIds: spec.wabaIds },
          { scope: MESSAGING_SCOPE, targetIds: spec.wabaIds },
          { scope: "business_management", targetIds: spec.businessIds ?? [] }
        ]
        grantsByCode.set(spec.code, {
          spec,
          scopes,
          createdAtMs: now,
          subjectId: spec.userId ?? `${100000000000000 + ++counter}`,
          used: false,
          revoked: null
        })
      }),
    addWaba: (waba) =>
      Effect.sync(() => {
        wabas.set(
          waba.id,
          waba.phoneNumbers.map((n) => n.id)
        )
        for (const spec of waba.phoneNumbers) {
          numbers.set(spec.id, {
            wabaId: waba.id,
            spec,
            registered: spec.registered ?? false,
            pin: spec.pin ?? null
          })
        }
      }),
    addBusiness: (business) =>
      Effect.sync(() => {
        businesses.set(business.id, business)
      }),
    failWith: (method, error, mode = "once") =>
      Effect.sync(() => {
        failures.push({ method, error, always: mode === "always" })
      }),
    clearFailures: Effect.sync(() => {
      failures.length = 0
    }),
    reviewTemplate: (wabaId, name, language, status, reason) =>
      Effect.sync(() => {
        templates.set(
          wabaId,
          templatesOf(wabaId).map((t) =>
            t.name === name && t.language === language
              ? { ...t, status, rejectedReason: status === "REJECTED" ? (reason ?? "INVALID_FORMAT") : null }
              : t
          )
        )
      }),
    revokeScope: (token, scope) =>
      Effect.sync(() => {
        const state = tokens.get(token)
        if (state !== undefined) state.grant.scopes = state.grant.scopes.filter((s) => s.scope !== scope)
      }),
    revokeToken: (token) =>
      Effect.sync(() => {
        const state = tokens.get(token)
        if (state !== undefined)
          revokeGrant(
            state.grant,
            "control",
            460,
            "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."
          )
      }),
    setAppCredentialsValid: (valid) =>
      Effect.sync(() => {
        appCredentialsValid = valid
      }),
    calls: Effect.sync(() => [...calls]),
    subscribedWabas: Effect.sync(() => [...subscribed]),
    registeredNumbers: Effect.sync(() =>
      [...numbers.entries()].flatMap(([phoneNumberId, n]) =>
        n.registered && n.pin !== null ? [{ phoneNumberId, pin: n.pin }] : []
      )
    ),
    revokedGrants: Effect.sync(() => [...revokedGrants]),
    sentMessages: Effect.sync(() => [...sent]),
    inboundMessage: (input) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const number = numbers.get(input.phoneNumberId)
        const waId = metaWaId(input.from)
        const wamid = `wamid.memory.in.${++counter}`
        const value = {
          messaging_product: "whatsapp",
          metadata: {
            display_phone_number: (number?.spec.displayPhoneNumber ?? "").replace(/\D/g, ""),
            phone_number_id: input.phoneNumberId
          },
          contacts: [{ profile: { name: input.name ?? "Customer" }, wa_id: waId }],
          messages: [
            {
              from: waId,
              id: wamid,
              timestamp: String(Math.floor(now / 1000)),
              type: "text",
              text: { body: input.text }
            }
          ]
        }
        const payload = {
          object: "whatsapp_business_account",
          entry: [{ id: number?.wabaId ?? "", changes: [{ value, field: "messages" }] }]
        }
        return { payload, wamid }
      }),
    setAppSubscription: (subscription) =>
      Effect.sync(() => {
        appSubscription = subscription === null ? null : { ...subscription, fields: [...subscription.fields] }
      }),
    appSubscription: Effect.sync(() => appSubscription)
  })

  return Context.make(MetaGraph, graph).pipe(Context.add(MetaGraphMemoryControl, control))
})

/**
 * An in-memory Meta for use-case tests: the same answers (and the same domain errors) as `MetaGraphHttp` over the
 * sandbox for the same inputs. Code 100 ("does not exist or missing permissions") is MetaUnavailable, as there.
 */
export const MetaGraphMemory: Layer.Layer<MetaGraph | MetaGraphMemoryControl> = Layer.effectContext(make)
