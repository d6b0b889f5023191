import { Effect } from "effect"
import { createGraphQLError } from "graphql-yoga"
import {
  MetaAdsConnections,
  type MetaAdsTest,
  type MetaAdsTokenDebug,
  type MetaAdsView,
  type MetaUser,
  type StoredAdAccount,
  type StoredBusiness
} from "../../../application/MetaAdsConnections.ts"
import { limited } from "../../../application/OperationLimits.ts"
import {
  type AdAccountNotGranted,
  Forbidden,
  MetaAdsNotConnected,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  RateLimited
} from "../../../domain/Errors.ts"
import { bindingSetCookieHeaders, META_ADS_BINDINGS } from "../../http/BrowserBinding.ts"
import { builder } from "../builder.ts"
import { rateLimitedAsGraphQLError } from "./errors.ts"
import { ConnectionStatus, StartConnectPayload } from "./whatsapp.ts"

const CODES = {
  Forbidden: "FORBIDDEN",
  MetaAdsNotConnected: "NOT_CONNECTED",
  AdAccountNotGranted: "AD_ACCOUNT_NOT_GRANTED"
} as const

/**
 * DESIGN section 6 fixes these mutations' types (no result union), so an expected refusal is a GraphQL error with
 * its message and `extensions.code` (FORBIDDEN, NOT_CONNECTED, AD_ACCOUNT_NOT_GRANTED), never masked.
 */
const refusalsAsGraphQLErrors = <A, R>(
  effect: Effect.Effect<A, Forbidden | MetaAdsNotConnected | AdAccountNotGranted, R>
) =>
  Effect.mapError(effect, (error) =>
    createGraphQLError(error.message, { extensions: { code: CODES[error._tag], type: `${error._tag}Error` } })
  )

export const MetaAdAccount = builder.objectRef<StoredAdAccount>("MetaAdAccount").implement({
  description: "An ad account of a Business Manager (owned or client).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Meta's ad account id (act_…)." }),
    name: t.exposeString("name"),
    currency: t.exposeString("currency", { nullable: true }),
    accountStatus: t.exposeInt("accountStatus", {
      nullable: true,
      description: "Meta's account_status: 1 active, 2 disabled, 3 unsettled, 7 pending risk review, 101 closed…"
    })
  })
})

export const MetaBusinessManager = builder.objectRef<StoredBusiness>("MetaBusinessManager").implement({
  description: "A Business Manager the Meta login shared, with its owned and client ad accounts.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    adAccounts: t.field({ type: [MetaAdAccount], resolve: (business) => business.adAccounts })
  })
})

export const MetaAdsUser = builder.objectRef<MetaUser>("MetaAdsUser").implement({
  description: "The Meta user whose token the connection holds.",
  fields: (t) => ({ id: t.exposeID("id"), name: t.exposeString("name", { nullable: true }) })
})

/** The tenant's Meta Ads connection. Never carries the token. */
export const MetaAdsConnection = builder.objectRef<MetaAdsView>("MetaAdsConnection").implement({
  fields: (t) => ({
    id: t.exposeID("id", { nullable: true }),
    status: t.expose("status", { type: ConnectionStatus }),
    connected: t.exposeBoolean("connected"),
    tokenExpiresAt: t.expose("tokenExpiresAt", { type: "DateTime", nullable: true }),
    tokenExpiringSoon: t.exposeBoolean("tokenExpiringSoon", {
      description: "The token expires within 7 days: show the reconnect banner."
    }),
    error: t.exposeString("error", { nullable: true, description: "What went wrong, for a person (Reconnect)." }),
    pendingReason: t.exposeString("pendingReason", {
      nullable: true,
      description: "Why the connection is PENDING: choose_ad_account."
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", nullable: true }),
    selectedBusinessManagerId: t.exposeString("selectedBusinessManagerId", { nullable: true }),
    selectedAdAccountId: t.exposeString("selectedAdAccountId", { nullable: true }),
    businessManagers: t.field({
      type: [MetaBusinessManager],
      description: "The Business Managers the login shared, to choose the ad account from.",
      resolve: (view) => view.businessManagers
    }),
    user: t.field({ type: MetaAdsUser, nullable: true, resolve: (view) => view.user })
  })
})

export const MetaAdsConnectionTest = builder.objectRef<MetaAdsTest>("MetaAdsConnectionTest").implement({
  description: "Whether Meta accepts the connection's token now (GET /me).",
  fields: (t) => ({
    ok: t.exposeBoolean("ok"),
    user: t.field({ type: MetaAdsUser, nullable: true, resolve: (test) => test.user }),
    tokenExpiresAt: t.expose("tokenExpiresAt", { type: "DateTime", nullable: true }),
    adAccountCount: t.exposeInt("adAccountCount"),
    error: t.exposeString("error", { nullable: true, description: "Why the test failed, for a person." })
  })
})

export const MetaAdsTokenDebugInfo = builder.objectRef<MetaAdsTokenDebug>("MetaAdsTokenDebug").implement({
  description: "What Meta's debug_token says of the stored token (never the token).",
  fields: (t) => ({
    isValid: t.exposeBoolean("isValid"),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    scopes: t.exposeStringList("scopes"),
    error: t.exposeString("error", { nullable: true })
  })
})

export const SelectAdAccountInput = builder.inputType("SelectAdAccountInput", {
  fields: (t) => ({
    businessManagerId: t.string({ required: true }),
    adAccountId: t.string({ required: true })
  })
})

builder.queryFields((t) => ({
  metaAdsConnection: t.field({
    type: MetaAdsConnection,
    description: "The Meta Ads connection of the viewer's workspace (status NOT_CONNECTED when there is none).",
    resolve: (_root, _args, ctx) => ctx.run(MetaAdsConnections.use((ads) => ads.status(ctx.actor)))
  }),

  metaAdsTokenDebug: t.field({
    type: MetaAdsTokenDebugInfo,
    description: "Operators only (others get ForbiddenError): validity, expiry and scopes of the stored token.",
    errors: {
      types: [Forbidden, MetaAdsNotConnected, MetaPermissionMissing, MetaRateLimited, MetaUnavailable, RateLimited],
      dataField: { name: "tokenDebug" }
    },
    resolve: (_root, _args, ctx) =>
      ctx.run(
        MetaAdsConnections.use((ads) => ads.tokenDebug(ctx.actor)).pipe(limited("meta_ads.token_debug", ctx.actor))
      )
  })
}))

builder.mutationFields((t) => ({
  startMetaAdsConnect: t.field({
    type: StartConnectPayload,
    description:
      "Starts the Meta Ads login (admin and marketing): open authUrl; the response binds the state to this browser.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        refusalsAsGraphQLErrors(MetaAdsConnections.use((ads) => ads.start(ctx.actor))).pipe(
          limited("meta_ads.start", ctx.actor),
          rateLimitedAsGraphQLError,
          Effect.tap((started) =>
            Effect.sync(() => {
              for (const cookie of bindingSetCookieHeaders(META_ADS_BINDINGS, started, ctx.secure))
                ctx.setCookie(cookie)
            })
          )
        )
      )
  }),

  selectMetaAdAccount: t.field({
    type: MetaAdsConnection,
    description: "Chooses the Business Manager and ad account to use, among those the login shared.",
    args: { input: t.arg({ type: SelectAdAccountInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        refusalsAsGraphQLErrors(
          MetaAdsConnections.use((ads) =>
            ads.selectAdAccount(ctx.actor, {
              businessManagerId: input.businessManagerId,
              adAccountId: input.adAccountId
            })
          )
        )
      )
  }),

  disconnectMetaAds: t.field({
    type: MetaAdsConnection,
    description: "Disconnects Meta Ads (admin and marketing): permissions revoked at Meta where possible.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        refusalsAsGraphQLErrors(MetaAdsConnections.use((ads) => ads.disconnect(ctx.actor))).pipe(
          limited("meta_ads.disconnect", ctx.actor),
          rateLimitedAsGraphQLError
        )
      )
  }),

  testMetaAdsConnection: t.field({
    type: MetaAdsConnectionTest,
    description: "Checks the token at Meta; a refused token turns the connection to ERROR (Reconnect).",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        MetaAdsConnections.use((ads) => ads.testConnection(ctx.actor)).pipe(
          limited("meta_ads.test_connection", ctx.actor),
          rateLimitedAsGraphQLError
        )
      )
  })
}))
