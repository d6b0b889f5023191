import { Effect } from "effect"
import { createGraphQLError } from "graphql-yoga"
import {
  ConversationNotFound,
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
  RateLimited,
  RegistrationPinMismatch,
  SendingRestricted,
  TokenUnreadable
} from "../../../domain/Errors.ts"
import { builder, ErrorInterface } from "../builder.ts"

/*
 * Domain errors as GraphQL error types. The errors plugin matches what `ctx.run` rejects with (the TaggedError
 * itself) by class, so a field lists the classes it may answer with in `errors: { types }`.
 */

builder.objectType(NumberAlreadyConnected, {
  name: "NumberAlreadyConnectedError",
  description: "Another workspace holds this number.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ phoneNumberId: t.exposeString("phoneNumberId") })
})

builder.objectType(Forbidden, {
  name: "ForbiddenError",
  description: "The signed-in user may not do this (e.g. an operator tool used by a non-admin).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ action: t.exposeString("action") })
})

builder.objectType(MetaTokenInvalid, {
  name: "MetaTokenInvalidError",
  description: "Meta does not accept the access token (invalid, expired or revoked).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(MetaTokenAppMismatch, {
  name: "MetaTokenAppMismatchError",
  description: "The token was issued to another Meta app, whose webhooks would never reach this service.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedAppId: t.exposeString("expectedAppId"),
    tokenAppId: t.exposeString("tokenAppId", { nullable: true })
  })
})

builder.objectType(MetaPermissionMissing, {
  name: "MetaPermissionMissingError",
  description: "A permission the connection needs was not granted at Meta.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ permissions: t.exposeStringList("permissions") })
})

builder.objectType(NoPhoneNumberGranted, {
  name: "NoPhoneNumberGrantedError",
  description: "No usable WhatsApp number was shared with the app.",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(MetaUnavailable, {
  name: "MetaUnavailableError",
  description: "Meta failed, answered with an unexpected error, or did not answer in time.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(MetaRateLimited, {
  name: "MetaRateLimitedError",
  description: "Meta is throttling requests; try again later.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.exposeInt("code"),
    retryAfterSeconds: t.exposeInt("retryAfterSeconds", { nullable: true })
  })
})

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

builder.objectType(RegistrationPinMismatch, {
  name: "RegistrationPinMismatchError",
  description: "The PIN is not this number's two-step verification PIN; the connection stays pending (pin_required).",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(InvalidPin, {
  name: "InvalidPinError",
  description: "The two-step verification PIN must be 6 digits (and is required when pendingReason is pin_required).",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(NoRegistrationPending, {
  name: "NoRegistrationPendingError",
  description: "The connection is not waiting for a PIN or for the number's verification.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(NotConnected, {
  name: "NotConnectedError",
  description: "WhatsApp is not connected (or not active): nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(InvalidMessage, {
  name: "InvalidMessageError",
  description: "The message cannot be sent as asked (recipient or text).",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(MessageRejected, {
  name: "MessageRejectedError",
  description: "Meta refused the message (e.g. outside the 24-hour customer service window).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.exposeInt("code", { nullable: true }) })
})

builder.objectType(ConversationNotFound, {
  name: "ConversationNotFoundError",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(TokenUnreadable, {
  name: "TokenUnreadableError",
  description:
    "The service cannot read the connection's stored credentials (its own configuration fault): nothing was sent, the connection is unchanged.",
  interfaces: [ErrorInterface],
  fields: () => ({})
})

builder.objectType(SendingRestricted, {
  name: "SendingRestrictedError",
  description: "Meta restricted this WhatsApp Business Account from sending; nothing was sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    restrictionType: t.exposeString("restrictionType"),
    until: t.exposeString("until", { nullable: true })
  })
})

/** What sending a text can fail with. */
export const SEND_ERRORS = [
  NotConnected,
  SendingRestricted,
  InvalidMessage,
  MessageRejected,
  MetaTokenInvalid,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  TokenUnreadable
]

builder.objectType(MetaAdsNotConnected, {
  name: "MetaAdsNotConnectedError",
  description: "Meta Ads is not connected (or was disconnected): connect it first.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString("status") })
})

builder.objectType(RateLimited, {
  name: "RateLimited",
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
        createGraphQLError(error.message, {
          extensions: {
            code: "RATE_LIMITED",
            retryAfterSeconds: error.retryAfterSeconds,
            http: { status: 429, headers: { "retry-after": String(error.retryAfterSeconds) } }
          }
        })
      )
  )
