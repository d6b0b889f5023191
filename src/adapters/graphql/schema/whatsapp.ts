import { Effect, Option, Redacted, Schema } from "effect"
import { createGraphQLError } from "graphql-yoga"
import type { StartedConnect } from "../../../application/connect/OAuthFlow.ts"
import {
  type ChoiceView,
  type ConnectionView,
  WhatsAppConnections
} from "../../../application/connect/WhatsAppConnections.ts"
import { type LimitedOperation, limited, type OperationLimits } from "../../../application/OperationLimits.ts"
import {
  Forbidden,
  InvalidPin,
  MetaTokenAppMismatch,
  NoRegistrationPending,
  RateLimited,
  RegistrationPinMismatch
} from "../../../domain/Errors.ts"
import { PhoneNumberId, WabaId } from "../../../domain/Ids.ts"
import { type BindingScope, bindingSetCookieHeaders, WHATSAPP_BINDINGS } from "../../http/BrowserBinding.ts"
import { builder, type GraphqlContext } from "../builder.ts"
import { CONNECT_ERRORS, limitedAsGraphQLError } from "./errors.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly whatsAppConnections: WhatsAppConnections
    readonly operationLimits: OperationLimits
  }
}

/** Meta ids arrive as strings; a malformed one is the caller's mistake, answered as a GraphQL error. */
const metaId = <A>(decode: (input: unknown) => Option.Option<A>, value: string, argument: string): A =>
  Option.getOrThrowWith(decode(value), () =>
    createGraphQLError(`${argument} must be a numeric Meta id.`, { extensions: { code: "BAD_USER_INPUT" } })
  )
const decodeWabaId = Schema.decodeUnknownOption(WabaId)
const decodePhoneNumberId = Schema.decodeUnknownOption(PhoneNumberId)

export const ConnectionStatus = builder.enumType("ConnectionStatus", {
  values: {
    NOT_CONNECTED: { value: "not_connected", description: "There is no connection." },
    PENDING: { value: "pending", description: "Waiting for a step (choose a number, display name review)." },
    ACTIVE: { value: "active", description: "Connected: messages can be sent and received." },
    ERROR: { value: "error", description: "Broken (e.g. the token expired or was revoked): reconnect." },
    REVOKED: { value: "revoked", description: "Disconnected; history is kept." }
  } as const
})

export const WhatsAppNumberChoice = builder.objectRef<ChoiceView>("WhatsAppNumberChoice").implement({
  description: "A number granted at Meta, offered when the login granted several.",
  fields: (t) => ({
    id: t.exposeString("id", { description: "The phone number id, for chooseWhatsAppNumber." }),
    displayPhoneNumber: t.exposeString("displayPhoneNumber"),
    verifiedName: t.exposeString("verifiedName", { nullable: true }),
    heldByAnotherWorkspace: t.exposeBoolean("heldByAnotherWorkspace", {
      description: "Another workspace has this number connected: choosing it is refused (number_in_use)."
    })
  })
})

/** The tenant's WhatsApp connection. Never carries the token. */
export const WhatsAppConnection = builder.objectRef<ConnectionView>("WhatsAppConnection").implement({
  fields: (t) => ({
    id: t.exposeID("id", { nullable: true }),
    status: t.expose("status", { type: ConnectionStatus }),
    connected: t.exposeBoolean("connected"),
    phoneNumberE164: t.exposeString("phoneNumberE164", { nullable: true }),
    displayName: t.exposeString("displayName", { nullable: true }),
    wabaId: t.exposeString("wabaId", { nullable: true }),
    phoneNumberId: t.exposeString("phoneNumberId", { nullable: true }),
    tokenExpiresAt: t.expose("tokenExpiresAt", { type: "DateTime", nullable: true }),
    error: t.exposeString("error", { nullable: true, description: "What went wrong, for a person." }),
    pendingReason: t.exposeString("pendingReason", {
      nullable: true,
      description:
        "Why the connection is PENDING: choose_number, add_phone_number, display_name_review, pin_required (enter the number's two-step verification PIN with registerWhatsAppNumber) or number_not_verified (verify the number in WhatsApp Manager, then registerWhatsAppNumber without a PIN to check again)."
    }),
    displayNameStatus: t.exposeString("displayNameStatus", {
      nullable: true,
      description:
        "Meta's review of the display name while it blocks the connection (pendingReason display_name_review): PENDING_REVIEW, DECLINED, EXPIRED or NONE."
    }),
    choices: t.field({
      type: [WhatsAppNumberChoice],
      description: "The numbers to choose from when pendingReason is choose_number.",
      resolve: (view) => view.choices
    }),
    warning: t.exposeString("warning", {
      nullable: true,
      description:
        "Meta's restrictions in force on the WhatsApp Business Account, for a person (e.g. sending blocked until a date)."
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", nullable: true })
  })
})

/**
 * Starts a provider's login as a field: the tenant's limit for `operation`, then `start`, then the flow's binding
 * cookies (every scope of `bindings`) on the response.
 */
export const startConnect = <E, R>(
  ctx: GraphqlContext,
  operation: LimitedOperation,
  bindings: ReadonlyArray<BindingScope>,
  start: Effect.Effect<StartedConnect, E, R>
) =>
  start.pipe(
    limitedAsGraphQLError(operation, ctx.actor),
    Effect.tap((started) =>
      Effect.sync(() => {
        for (const cookie of bindingSetCookieHeaders(bindings, started, ctx.secure)) ctx.setCookie(cookie)
      })
    )
  )

export const StartConnectPayload = builder
  .objectRef<{ readonly authUrl: string; readonly state: string }>("StartConnectPayload")
  .implement({
    fields: (t) => ({
      authUrl: t.exposeString("authUrl", { description: "Open this Meta dialog URL in the browser." }),
      state: t.exposeString("state")
    })
  })

export const ManualConnectInput = builder.inputType("ManualConnectInput", {
  fields: (t) => ({
    wabaId: t.string({ required: true }),
    phoneNumberId: t.string({ required: true }),
    accessToken: t.string({ required: true, description: "Stored encrypted; never returned." })
  })
})

export const RegisterNumberInput = builder.inputType("RegisterWhatsAppNumberInput", {
  fields: (t) => ({
    pin: t.string({
      required: false,
      description:
        "The number's two-step verification PIN (6 digits), used once to register and kept only encrypted; never returned. Omit it to check an unverified number again."
    })
  })
})

builder.queryField("whatsappConnection", (t) =>
  t.field({
    type: WhatsAppConnection,
    description: "The WhatsApp connection of the viewer's workspace (status NOT_CONNECTED when there is none).",
    resolve: (_root, _args, ctx) => ctx.run(WhatsAppConnections.use((connections) => connections.status(ctx.actor)))
  })
)

builder.mutationFields((t) => ({
  startWhatsAppConnect: t.field({
    type: StartConnectPayload,
    description: "Starts Embedded Signup: open authUrl; the response also binds the state to this browser (cookie).",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        // This flow's own binding, on the callback (redirect) and on the completion (popup): as over HTTP.
        startConnect(
          ctx,
          "whatsapp.start",
          WHATSAPP_BINDINGS,
          WhatsAppConnections.use((connections) => connections.start(ctx.actor))
        )
      )
  }),

  disconnectWhatsApp: t.field({
    type: WhatsAppConnection,
    description: "Disconnects (unsubscribes and revokes at Meta where possible); history is kept.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        WhatsAppConnections.use((connections) => connections.disconnect(ctx.actor)).pipe(
          limitedAsGraphQLError("whatsapp.disconnect", ctx.actor)
        )
      )
  }),

  chooseWhatsAppNumber: t.field({
    type: WhatsAppConnection,
    description: "Connects one of the numbers a pending connection offers (its choices).",
    args: { phoneNumberId: t.arg.string({ required: true }) },
    errors: { types: CONNECT_ERRORS, dataField: { name: "connection" } },
    resolve: (_root, args, ctx) => {
      const phoneNumberId = metaId(decodePhoneNumberId, args.phoneNumberId, "phoneNumberId")
      return ctx.run(WhatsAppConnections.use((connections) => connections.chooseNumber(ctx.actor, phoneNumberId)))
    }
  }),

  registerWhatsAppNumber: t.field({
    type: WhatsAppConnection,
    description:
      "Finishes a PENDING connection: with the number's two-step verification PIN (pin_required), or without one to check again whether the number is verified (number_not_verified).",
    args: { input: t.arg({ type: RegisterNumberInput, required: true }) },
    errors: {
      types: [RegistrationPinMismatch, InvalidPin, NoRegistrationPending, RateLimited, ...CONNECT_ERRORS],
      dataField: { name: "connection" }
    },
    resolve: (_root, { input }, ctx) => {
      const pin = input.pin === null || input.pin === undefined ? null : Redacted.make(input.pin)
      return ctx.run(
        WhatsAppConnections.use((connections) => connections.register(ctx.actor, pin)).pipe(
          limited("whatsapp.register", ctx.actor)
        )
      )
    }
  }),

  connectWhatsAppManually: t.field({
    type: WhatsAppConnection,
    description: "Connects a number with a pasted token (operators only: others get ForbiddenError).",
    args: { input: t.arg({ type: ManualConnectInput, required: true }) },
    errors: { types: [Forbidden, MetaTokenAppMismatch, ...CONNECT_ERRORS], dataField: { name: "connection" } },
    resolve: (_root, { input }, ctx) => {
      const accessToken = Redacted.make(input.accessToken)
      const wabaId = metaId(decodeWabaId, input.wabaId, "wabaId")
      const phoneNumberId = metaId(decodePhoneNumberId, input.phoneNumberId, "phoneNumberId")
      return ctx.run(
        WhatsAppConnections.use((connections) =>
          connections.connectManually(ctx.actor, { wabaId, phoneNumberId, accessToken })
        )
      )
    }
  })
}))
