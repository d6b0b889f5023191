import { Effect } from "effect"
import { createGraphQLError } from "graphql-yoga"
import type { Actor } from "../../../application/Actor.ts"
import { type LimitedOperation, limited, type OperationLimits } from "../../../application/OperationLimits.ts"
import type { DomainError, DomainErrorTag } from "../../../domain/Errors.ts"
import {
  ConversationNotFound,
  ConversationOnOtherNumber,
  Forbidden,
  InvalidMessage,
  InvalidPin,
  MessageRejected,
  MetaAdsNotConnected,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaTokenAppMismatch,
  MetaTokenInvalid,
  MetaUnavailable,
  NoPhoneNumberGranted,
  NoRegistrationPending,
  NotConnected,
  NumberAlreadyConnected,
  OutsideCustomerServiceWindow,
  RateLimited,
  RegistrationPinMismatch,
  SendingRestricted,
  TemplateNotApproved,
  TemplateParametersInvalid,
  TokenUnreadable
} from "../../../domain/Errors.ts"
import { builder, ErrorInterface } from "../builder.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly operationLimits: OperationLimits
  }
}

/**
 * Every domain error at the GraphQL edge, in one table: `code` is its `extensions.code` where a field answers it
 * as a GraphQL error (a type DESIGN fixes, no result union); `type` is the name a client sees for it: the object
 * type that result unions list, and `extensions.type` beside the code; null for an error GraphQL never answers.
 * A new domain error does not compile until it has a row here.
 */
export const GRAPHQL_ERRORS: {
  readonly [K in DomainErrorTag]: { readonly code: string; readonly type: string | null }
} = {
  NumberAlreadyConnected: { code: "NUMBER_IN_USE", type: "NumberAlreadyConnectedError" },
  OAuthStateNotFound: { code: "STATE_INVALID", type: null },
  OAuthStateExpired: { code: "STATE_EXPIRED", type: null },
  OAuthStateAlreadyUsed: { code: "STATE_USED", type: null },
  OAuthStateMismatch: { code: "STATE_INVALID", type: null },
  OAuthCancelled: { code: "CANCELLED", type: null },
  SessionMismatch: { code: "SESSION_MISMATCH", type: null },
  NoPhoneNumberGranted: { code: "NO_PHONE_NUMBER", type: "NoPhoneNumberGrantedError" },
  NoAdAccountGranted: { code: "NO_AD_ACCOUNT", type: null },
  AdAccountNotGranted: { code: "AD_ACCOUNT_NOT_GRANTED", type: "AdAccountNotGrantedError" },
  MetaPermissionMissing: { code: "PERMISSION_MISSING", type: "MetaPermissionMissingError" },
  MetaTokenInvalid: { code: "TOKEN_INVALID", type: "MetaTokenInvalidError" },
  MetaTokenAppMismatch: { code: "TOKEN_APP_MISMATCH", type: "MetaTokenAppMismatchError" },
  MetaRateLimited: { code: "META_RATE_LIMITED", type: "MetaRateLimitedError" },
  MetaUnavailable: { code: "META_UNAVAILABLE", type: "MetaUnavailableError" },
  MetaAppCredentialsInvalid: { code: "META_UNAVAILABLE", type: null },
  ConnectionNotFound: { code: "NOT_FOUND", type: null },
  ConversationNotFound: { code: "NOT_FOUND", type: "ConversationNotFoundError" },
  NotConnected: { code: "NOT_CONNECTED", type: "NotConnectedError" },
  MetaAdsNotConnected: { code: "NOT_CONNECTED", type: "MetaAdsNotConnectedError" },
  SendingRestricted: { code: "SENDING_RESTRICTED", type: "SendingRestrictedError" },
  OutsideCustomerServiceWindow: { code: "OUTSIDE_CUSTOMER_SERVICE_WINDOW", type: "OutsideCustomerServiceWindow" },
  ConversationOnOtherNumber: { code: "CONVERSATION_ON_OTHER_NUMBER", type: "ConversationOnOtherNumberError" },
  TemplateNotApproved: { code: "TEMPLATE_NOT_APPROVED", type: "TemplateNotApproved" },
  TemplateParametersInvalid: { code: "TEMPLATE_PARAMETERS_INVALID", type: "TemplateParametersInvalid" },
  InvalidMessage: { code: "INVALID_MESSAGE", type: "InvalidMessageError" },
  MessageRejected: { code: "MESSAGE_REJECTED", type: "MessageRejectedError" },
  InvalidWebhookSignature: { code: "INVALID_SIGNATURE", type: null },
  InvalidWebhookPayload: { code: "INVALID_PAYLOAD", type: null },
  Forbidden: { code: "FORBIDDEN", type: "ForbiddenError" },
  // Answered as the role refusal was before the two were told apart (no union lists it).
  FeatureDisabled: { code: "FORBIDDEN", type: "ForbiddenError" },
  RateLimited: { code: "RATE_LIMITED", type: "RateLimited" },
  TokenDecryptionFailed: { code: "TOKEN_UNREADABLE", type: null },
  TokenUnreadable: { code: "TOKEN_UNREADABLE", type: "TokenUnreadableError" },
  RegistrationPinMismatch: { code: "PIN_MISMATCH", type: "RegistrationPinMismatchError" },
  NumberNotVerified: { code: "NUMBER_NOT_VERIFIED", type: null },
  InvalidPin: { code: "INVALID_PIN", type: "InvalidPinError" },
  NoRegistrationPending: { code: "NO_REGISTRATION_PENDING", type: "NoRegistrationPendingError" },
  WebhookEndpointNotFound: { code: "NOT_FOUND", type: null },
  WebhookTargetRefused: { code: "WEBHOOK_TARGET_REFUSED", type: null },
  InvalidWebhookEndpoint: { code: "INVALID_WEBHOOK_ENDPOINT", type: null }
}

/** A domain error as a GraphQL error: its message, and `extensions.code` (plus `extra`) from `GRAPHQL_ERRORS`. */
export const domainGraphQLError = (error: DomainError, extra: Record<string, unknown> = {}) =>
  createGraphQLError(error.message, { extensions: { code: GRAPHQL_ERRORS[error._tag].code, ...extra } })

/** The name of a registered error object type (an error with a null `type` has none). */
const typeName = (tag: DomainErrorTag): string => {
  const name = GRAPHQL_ERRORS[tag].type
  if (name === null) throw new Error(`${tag} has no GraphQL error type`)
  return name
}

/*
 * Domain errors as GraphQL error types. The errors plugin matches what `ctx.run` rejects with (the TaggedError
 * itself) by class, so a field lists the classes it may answer with in `errors: { types }`.
 */

builder.objectType(NumberAlreadyConnected, {
  name: typeName("NumberAlreadyConnected"),
  description: "Another workspace holds this number.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ phoneNumberId: t.exposeString("phoneNumberId") })
})

builder.objectType(Forbidden, {
  name: typeName("Forbidden"),
  description: "The signed-in user may not do this (e.g. an operator tool used by a non-admin).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ action: t.exposeString("action") })
})

builder.objectType(MetaTokenInvalid, {
  name: typeName("MetaTokenInvalid"),
  description: "Meta does not accept the access token (invalid, expired or revoked).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(MetaTokenAppMismatch, {
  name: typeName("MetaTokenAppMismatch"),
  description: "The token was issued to another Meta app, whose webhooks would never reach this service.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedAppId: t.exposeString("expectedAppId"),
    tokenAppId: t.exposeString("tokenAppId", { nullable: true })
  })
})

builder.objectType(MetaPermissionMissing, {
  name: typeName("MetaPermissionMissing"),
  description: "A permission the connection needs was not granted at Meta.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ permissions: t.exposeStringList("permissions") })
})

builder.objectType(MetaUnavailable, {
  name: typeName("MetaUnavailable"),
  description: "Meta failed, answered with an unexpected error, or did not answer in time.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(MetaRateLimited, {
  name: typeName("MetaRateLimited"),
  description: "Meta is throttling requests; try again later.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.exposeInt("code"),
    retryAfterSeconds: t.exposeInt("retryAfterSeconds", { nullable: true })
  })
})

/** The errors that carry nothing but their message, with their descriptions. */
const MESSAGE_ONLY_ERRORS = [
  ["NoPhoneNumberGranted", NoPhoneNumberGranted, "No usable WhatsApp number was shared with the app."],
  [
    "RegistrationPinMismatch",
    RegistrationPinMismatch,
    "The PIN is not this number's two-step verification PIN; the connection stays pending (pin_required)."
  ],
  [
    "InvalidPin",
    InvalidPin,
    "The two-step verification PIN must be 6 digits (and is required when pendingReason is pin_required)."
  ],
  ["InvalidMessage", InvalidMessage, "The message cannot be sent as asked (recipient or text)."],
  ["ConversationNotFound", ConversationNotFound, undefined],
  [
    "TokenUnreadable",
    TokenUnreadable,
    "The service cannot read the connection's stored credentials (its own configuration fault): nothing was sent, the connection is unchanged."
  ]
] as const

for (const [tag, error, description] of MESSAGE_ONLY_ERRORS) {
  builder.objectType(error, {
    name: typeName(tag),
    ...(description === undefined ? {} : { description }),
    interfaces: [ErrorInterface],
    fields: () => ({})
  })
}

/** What connecting a number can fail with (`chooseWhatsAppNumber`, `connectWhatsAppManually`). */
export const CONNECT_ERRORS = [
  NumberAlreadyConnected,
  NoPhoneNumberGranted,
  MetaTokenInvalid,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  TokenUnreadable
]

builder.objectType(NoRegistrationPending, {
  name: typeName("NoRegistrationPending"),
  description: "The connection is not waiting for a PIN or for the number's verification.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(NotConnected, {
  name: typeName("NotConnected"),
  description: "WhatsApp is not connected (or not active): nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(MessageRejected, {
  name: typeName("MessageRejected"),
  description: "Meta refused the message (e.g. outside the 24-hour customer service window).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(SendingRestricted, {
  name: typeName("SendingRestricted"),
  description: "Meta restricted this WhatsApp Business Account from sending; nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    restrictionType: t.exposeString("restrictionType"),
    until: t.exposeString("until", { nullable: true })
  })
})

builder.objectType(OutsideCustomerServiceWindow, {
  name: typeName("OutsideCustomerServiceWindow"),
  description:
    "Free-form text outside the 24-hour customer service window; nothing was sent. Only an approved template can reach the contact now.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    closedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the window closed; null when the contact never wrote to this number.",
      resolve: (error) => (error.closedAt === null ? null : new Date(error.closedAt))
    })
  })
})

builder.objectType(ConversationOnOtherNumber, {
  name: typeName("ConversationOnOtherNumber"),
  description:
    "A reply in a conversation of a number that is no longer connected (the tenant reconnected with another number); nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    phoneNumberId: t.exposeString("phoneNumberId", { description: "The number id the conversation belongs to." }),
    displayPhoneNumber: t.exposeString("displayPhoneNumber", { nullable: true }),
    connectedPhoneNumberId: t.exposeString("connectedPhoneNumberId", { nullable: true })
  })
})

builder.objectType(TemplateNotApproved, {
  name: typeName("TemplateNotApproved"),
  description: "The template is not approved in that language here (or does not exist); nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    name: t.exposeString("name"),
    language: t.exposeString("language"),
    status: t.exposeString("status", { nullable: true, description: "The template's status; null when unknown." })
  })
})

builder.objectType(TemplateParametersInvalid, {
  name: typeName("TemplateParametersInvalid"),
  description: "The values do not fit the template's placeholders; nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.exposeString("reason") })
})

/** What sending a text can fail with. */
export const SEND_ERRORS = [
  NotConnected,
  SendingRestricted,
  OutsideCustomerServiceWindow,
  InvalidMessage,
  MessageRejected,
  MetaTokenInvalid,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  TokenUnreadable
]

/** What a text can fail with: a send's errors, and a reply in a conversation of a number no longer connected. */
export const SEND_TEXT_ERRORS = [...SEND_ERRORS, ConversationOnOtherNumber]

builder.objectType(MetaAdsNotConnected, {
  name: typeName("MetaAdsNotConnected"),
  description: "Meta Ads is not connected (or was disconnected): connect it first.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(RateLimited, {
  name: typeName("RateLimited"),
  description: "This workspace ran the operation more often than its limit allows; retry after the delay.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt("retryAfterSeconds") })
})

/**
 * For a field whose type DESIGN fixes (no result union): our rate limit as a GraphQL error with its message,
 * `extensions.code = "RATE_LIMITED"` and `retryAfterSeconds`, answered with HTTP 429 and `Retry-After` (as REST).
 * A field with a result union lists `RateLimited` in its error types instead.
 */
export const rateLimitedAsGraphQLError = <A, E, R>(effect: Effect.Effect<A, E | RateLimited, R>) =>
  Effect.catchIf(
    effect,
    (error): error is RateLimited => error instanceof RateLimited,
    (error) =>
      Effect.fail(
        domainGraphQLError(error, {
          retryAfterSeconds: error.retryAfterSeconds,
          http: { status: 429, headers: { "retry-after": String(error.retryAfterSeconds) } }
        })
      )
  )

/** `limited` for a field whose type DESIGN fixes: over the tenant's limit, the RATE_LIMITED GraphQL error above. */
export const limitedAsGraphQLError =
  (operation: LimitedOperation, actor: Actor) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    rateLimitedAsGraphQLError(limited(operation, actor)(effect))
