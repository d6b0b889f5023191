/**
 * The composition root: reads the configuration, picks the adapters (embedded PGlite or PostgreSQL; the
 * sandbox Meta or the real one), migrates, and serves HTTP until SIGINT/SIGTERM.
 */

import { createServer } from "node:http"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Cause, ConfigProvider, Console, Duration, Effect, Exit, Layer, Metric, Redacted, References } from "effect"
import { HttpServer } from "effect/http"
import { startSandbox } from "../sandbox/Sandbox.ts"
import { type AppConfigShape, loadAppConfig } from "./AppConfig.ts"
import { makeGraphqlRoute } from "./adapters/graphql/GraphqlRoute.ts"
import { META_MESSAGE_ORIGINS, makeClientConfigRoute } from "./adapters/http/ClientConfigRoute.ts"
import { DevSessionRoutes } from "./adapters/http/DevSessionRoutes.ts"
import { JsonErrors } from "./adapters/http/ErrorMiddleware.ts"
import { HealthRoutesLive } from "./adapters/http/HealthRoutes.ts"
import { MediaRoutes } from "./adapters/http/MediaRoutes.ts"
import { makeMetaAdsRoutes } from "./adapters/http/MetaAdsRoutes.ts"
import { FastPaths, withFastPaths } from "./adapters/http/NodeFastPath.ts"
import { trustedProxiesMiddleware } from "./adapters/http/RequestContext.ts"
import { serveWhenReady } from "./adapters/http/StartupGate.ts"
import { makeStaticRoutes } from "./adapters/http/StaticRoutes.ts"
import { WebhookEndpointRoutes } from "./adapters/http/WebhookEndpointRoutes.ts"
import { makeWebhookVerifyRoute, WebhookIntakeRoute, webhookFastPath } from "./adapters/http/WebhookRoutes.ts"
import { makeWhatsAppMessageRoutes } from "./adapters/http/WhatsAppMessageRoutes.ts"
import { makeWhatsAppRoutes } from "./adapters/http/WhatsAppRoutes.ts"
import { MetaWebhooks } from "./adapters/meta-graph/MetaWebhooks.ts"
import { loggingLayer, RequestIdMiddleware } from "./adapters/observability/Logging.ts"
import { makeMetricsRoute, recordAppWebhookCheck, recordTokenHealthReport } from "./adapters/observability/Metrics.ts"
import { makeMetricsRefresher, withSendMetrics } from "./adapters/observability/MetricsFromPorts.ts"
import { MigrationsLive } from "./adapters/persistence/Migrations.ts"
import { PersistencePg } from "./adapters/persistence/Persistence.ts"
import { WebhookSenderHttp } from "./adapters/webhook-out/WebhookSenderHttp.ts"
import { AuditTrail } from "./application/AuditTrail.ts"
import { MetaAdsConnections } from "./application/ads/MetaAdsConnections.ts"
import { WhatsAppConnections } from "./application/connect/WhatsAppConnections.ts"
import { AppWebhookCheck } from "./application/health/AppWebhookCheck.ts"
import { ConnectionHealthChecks } from "./application/health/ConnectionHealthChecks.ts"
import { MetaAdsHealthChecks } from "./application/health/MetaAdsHealthChecks.ts"
import { TestMessages } from "./application/health/TestMessages.ts"
import { TokenHealth } from "./application/health/TokenHealth.ts"
import { Conversations } from "./application/messaging/Conversations.ts"
import { MediaFetcher } from "./application/messaging/MediaFetcher.ts"
import { Messaging } from "./application/messaging/Messaging.ts"
import { MediaSending } from "./application/messaging/SendMedia.ts"
import { Templates } from "./application/messaging/Templates.ts"
import { WindowClosingNotices } from "./application/messaging/WindowClosingNotices.ts"
import { OperationLimits } from "./application/OperationLimits.ts"
import { WebhookDelivery } from "./application/outbound/WebhookDelivery.ts"
import { WebhookEndpoints } from "./application/outbound/WebhookEndpoints.ts"
import { WebhookIntake } from "./application/webhooks/WebhookIntake.ts"
import { WebhookProcessor } from "./application/webhooks/WebhookProcessor.ts"
import { EXPIRY_WARNING } from "./domain/TokenExpiry.ts"
import {
  connectSettingsLayer,
  databaseLayer,
  deliveryWakeupsLayer,
  describeDatabase,
  inboxWakeupsLayer,
  jwtLayer,
  liveEventsLayer,
  mediaPortsLayer,
  metaGraphLayer,
  rateLimiterLayer,
  tokenCipherLayer,
  webhookCallbackUrl,
  webhookSettingsLayer
} from "./Infrastructure.ts"
import { webhookWorkerThread } from "./WebhookWorkerThread.ts"

/**
 * The built React app (`npm run build`, run by `npm start` when stale): `web/dist` beside `src/` under `tsx`, two
 * levels up from the server bundle `dist/server/main.js`.
 */
const webRoot = fileURLToPath(
  new URL(import.meta.url.endsWith("/dist/server/main.js") ? "../../web/dist/" : "../web/dist/", import.meta.url)
)

/** How the service ends itself when it cannot start: `process.exit` for `npm start`; a test's starter stops the run. */
export type EndRun = (code: number) => void

const exitProcess: EndRun = (code) => process.exit(code)

export const appLayer = (config: AppConfigShape, exit: EndRun = exitProcess) => {
  // `POST /webhooks/meta/whatsapp` (issue 18.3) and `POST /graphql` (18.4) are answered from node:http's request
  // event once the service is ready; everything else goes through the Effect router.
  const fastPaths = new FastPaths()
  const Database = Layer.mergeAll(
    liveEventsLayer(config),
    inboxWakeupsLayer(config),
    deliveryWakeupsLayer(config)
  ).pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(databaseLayer(config)))))
  const Ports = Layer.mergeAll(
    PersistencePg,
    metaGraphLayer(config),
    tokenCipherLayer(config),
    connectSettingsLayer(config),
    webhookSettingsLayer(config),
    mediaPortsLayer(config),
    WebhookSenderHttp({
      allowPrivateTargets: config.outboundWebhooks.allowPrivateTargets,
      timeoutMillis: config.outboundWebhooks.timeoutSeconds * 1000
    })
  ).pipe(Layer.provideMerge(Database))
  // The health checks read the app callback through the one AppWebhookCheck (its last result is shared); the
  // connect use case runs them right after a connect.
  const Checks = Layer.mergeAll(
    ConnectionHealthChecks.layer,
    MetaAdsHealthChecks.layer,
    Layer.merge(Templates.webhooks, Templates.syncs).pipe(Layer.provideMerge(Templates.layer))
  ).pipe(Layer.provideMerge(AppWebhookCheck.layer), Layer.provideMerge(Ports))
  const BaseServices = Layer.mergeAll(
    WhatsAppConnections.layer,
    MetaAdsConnections.layer,
    Conversations.layer,
    AuditTrail.layer,
    withSendMetrics(Messaging.layer),
    TokenHealth.layer,
    WebhookIntake.layer,
    WebhookProcessor.layer,
    MediaFetcher.layer,
    MediaSending.layer,
    WebhookEndpoints.layer,
    WebhookDelivery.layer(config.outboundWebhooks)
  ).pipe(Layer.provideMerge(MetaWebhooks), Layer.provideMerge(Checks))
  // The test message sends through the one Messaging (its metrics included).
  const Services = TestMessages.layer.pipe(Layer.provideMerge(BaseServices))
  const Workers = Layer.mergeAll(
    !config.webhookWorkerEnabled
      ? Layer.empty
      : config.webhookWorkerThread
        ? webhookWorkerThread(config)
        : WebhookProcessor.worker(),
    MediaFetcher.worker(),
    WebhookProcessor.unroutedRetention(config.webhookUnroutedRetentionDays),
    WebhookProcessor.processedRetention(config.webhookProcessedRetentionDays),
    WebhookDelivery.worker(),
    WebhookDelivery.retention(config.outboundWebhooks.retentionDays),
    config.windowClosingNoticeMinutes > 0
      ? WindowClosingNotices.worker(Duration.minutes(config.windowClosingNoticeMinutes))
      : Layer.empty,
    makeMetricsRefresher(Duration.seconds(config.metricsRefreshSeconds)),
    ConnectionHealthChecks.worker(Duration.seconds(config.connectionHealthIntervalSeconds)),
    MetaAdsHealthChecks.worker(Duration.seconds(config.connectionHealthIntervalSeconds)),
    Templates.worker(Duration.seconds(config.templateSyncIntervalSeconds)),
    MetaAdsConnections.renewalWorker(Duration.seconds(config.tokenHealthIntervalSeconds)),
    TokenHealth.worker(Duration.seconds(config.tokenHealthIntervalSeconds), (report) =>
      recordTokenHealthReport(report).pipe(
        Effect.andThen(
          Effect.logInfo(
            `Token health: ${report.checked} checked, ${report.valid} valid, ${report.invalid} invalid, ` +
              `${report.unknown} unknown, ${report.expiringSoon} expiring within ${Duration.toDays(EXPIRY_WARNING)} days, ` +
              `${report.undecryptable} undecryptable, ${report.recovered} recovered, ${report.renewed} renewed, ` +
              `${report.renewalFailed} renewals failed` +
              (report.appCredentialsInvalid ? "; Meta refuses the app credentials" : "")
          )
        )
      )
    ),
    AppWebhookCheck.worker(Duration.seconds(config.tokenHealthIntervalSeconds), (status) =>
      recordAppWebhookCheck(status.state)
    )
  ).pipe(Layer.provide(Services))
  const Edge = Layer.mergeAll(jwtLayer(config), OperationLimits.layer.pipe(Layer.provide(rateLimiterLayer(config))))
  const Routes = Layer.mergeAll(
    RequestIdMiddleware,
    trustedProxiesMiddleware(config.trustedProxies),
    makeMetricsRoute(),
    HealthRoutesLive,
    makeWhatsAppRoutes({ appBaseUrl: config.appBaseUrl }),
    makeWhatsAppMessageRoutes,
    makeMetaAdsRoutes({ appBaseUrl: config.appBaseUrl }),
    MediaRoutes,
    makeWebhookVerifyRoute(config.meta.webhookVerifyToken),
    WebhookIntakeRoute,
    webhookFastPath(fastPaths),
    WebhookEndpointRoutes,
    config.mode === "sandbox" ? DevSessionRoutes : Layer.empty,
    makeGraphqlRoute({
      graphiql: config.mode === "sandbox",
      introspection: config.mode === "sandbox",
      fastPath: { paths: fastPaths, trustedProxies: config.trustedProxies }
    }),
    makeClientConfigRoute({
      mode: config.mode,
      meta: {
        appId: config.meta.appId,
        configId: config.meta.configId,
        graphVersion: config.meta.graphVersion,
        sdkUrl: config.meta.sdkUrl,
        messageOrigins: config.mode === "sandbox" ? [new URL(config.meta.dialogBaseUrl).origin] : META_MESSAGE_ORIGINS
      }
    }),
    makeStaticRoutes({
      root: webRoot,
      // The sandbox Meta serves the SDK stand-in and the dialog from its own origin; META_SDK_URL's origin loads.
      metaOrigins: [
        ...new Set([
          ...(config.mode === "sandbox" ? [new URL(config.meta.dialogBaseUrl).origin] : []),
          ...(new URL(config.meta.sdkUrl).origin === "https://connect.facebook.net"
            ? []
            : [new URL(config.meta.sdkUrl).origin])
        ])
      ]
    }),
    JsonErrors
  ).pipe(Layer.provide(Layer.mergeAll(Services, Edge)))
  const announce = Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const bound = HttpServer.formatAddress(server.address)
    const url = bound.replace("0.0.0.0", "127.0.0.1")
    const reach = bound === url ? "" : ", on every interface"
    yield* alwaysLogged(
      `Service listening on ${url} (${config.mode} mode${reach}, database: ${describeDatabase(config)}); UI at ${config.appBaseUrl}/`
    )
  })
  return Layer.mergeAll(
    serveWhenReady(
      Layer.merge(Routes, Workers),
      Effect.sync(() => fastPaths.open()).pipe(
        Effect.andThen(Effect.logInfo("Ready: database migrated, all routes served"))
      ),
      () => exit(1)
    ),
    Layer.effectDiscard(announce)
  ).pipe(
    Layer.provide(
      NodeHttpServer.layer(() => withFastPaths(createServer(), fastPaths), {
        port: config.port,
        host: config.host,
        gracefulShutdownTimeout: "5 seconds"
      })
    )
  )
}

/**
 * In sandbox mode, starts the Meta emulator beside the service, seeded with this service's app id, secret,
 * redirect URIs and Embedded Signup configuration, and points the Graph and dialog URLs at it.
 */
const withSandbox = (config: AppConfigShape) =>
  config.mode === "production"
    ? Effect.succeed(config)
    : Effect.gen(function* () {
        // The sandbox prints its own lines (`[sandbox] …`) where the service's go.
        // The sandbox's lines go through the service's logger: JSON like every other line, `component: sandbox`.
        const runFork = Effect.runForkWith(yield* Effect.context<never>())
        const sandbox = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startSandbox({
              port: config.sandboxPort,
              app: {
                id: config.meta.appId,
                secret: Redacted.value(config.meta.appSecret),
                redirectUris: [config.meta.redirectUri, config.meta.adsRedirectUri],
                configId: config.meta.configId,
                ...(config.meta.adsConfigId === null ? {} : { adsConfigId: config.meta.adsConfigId })
              },
              // Subscribed to this service's callback from the start, as a configured production app is.
              webhookCallbackUrl: webhookCallbackUrl(config),
              verifyToken: Redacted.value(config.meta.webhookVerifyToken),
              // The emulated Meta's state survives a restart beside the database (README, "Sandbox state").
              stateFile: join(config.dataDir, "sandbox-state.json"),
              print: (line) =>
                void runFork(
                  Effect.logInfo(line.replace(/^\[sandbox\] /, "")).pipe(Effect.annotateLogs("component", "sandbox"))
                )
            })
          ),
          (sandbox) => Effect.promise(() => sandbox.close())
        )
        yield* Effect.logInfo(
          `Meta sandbox listening on ${sandbox.url} (dialog, Graph API, webhooks; controls under /_sandbox/)`
        )
        // The SDK stand-in's default URL names the configured port; the sandbox may have taken another (port 0).
        const configured = `http://127.0.0.1:${config.sandboxPort}`
        const sdkUrl = config.meta.sdkUrl.startsWith(`${configured}/`)
          ? `${sandbox.url}${config.meta.sdkUrl.slice(configured.length)}`
          : config.meta.sdkUrl
        return {
          ...config,
          meta: { ...config.meta, graphBaseUrl: sandbox.url, dialogBaseUrl: sandbox.url, sdkUrl }
        }
      })

/** The lines that tell where the service is are printed whatever LOG_LEVEL says. */
const alwaysLogged = (message: string) =>
  Effect.logInfo(message).pipe(Effect.provideService(References.MinimumLogLevel, "Info"))

/**
 * The whole service as `npm start` runs it: the configuration from `provider` (the environment by default), the
 * sandbox Meta beside it in sandbox mode, and the HTTP server until interrupted. Lines go to the `Console` (stdout);
 * a configuration refused is printed on the console's error stream and ends the run with `exit(1)`. The system
 * tests run it in-process (`test/support/Service.ts`) with their own environment, console and exit.
 */
export const runService = (
  provider: ConfigProvider.ConfigProvider = ConfigProvider.fromEnv(),
  exit: EndRun = exitProcess
) =>
  Effect.gen(function* () {
    const loaded = yield* loadAppConfig(provider)
    return yield* Effect.gen(function* () {
      const config = yield* withSandbox(loaded)
      return yield* Layer.launch(appLayer(config, exit))
    }).pipe(
      // Inside the logging layer, so the shutdown lines are JSON like the others; the second comes once every
      // layer has closed (server drained, workers stopped, database closed).
      Effect.onInterrupt(() => Effect.logInfo("Shutting down")),
      Effect.scoped,
      Effect.ensuring(Effect.logInfo("Stopped")),
      // Every line as JSON (or pretty), redacted of tokens, codes, signatures and this deployment's secrets.
      Effect.provide(
        loggingLayer(loaded.logLevel, loaded.logFormat, {
          secrets: [loaded.meta.appSecret, loaded.meta.webhookVerifyToken, loaded.authJwtSecret]
        })
      ),
      // This run's own metrics (a process runs one service; a test process may run several, one after another).
      Effect.provideService(Metric.MetricRegistry, new Map())
    )
  }).pipe(
    Effect.scoped,
    Effect.catchTag("ConfigInvalid", (error) =>
      Console.error(error.message).pipe(Effect.andThen(Effect.sync(() => exit(1))))
    )
  )

// SIGINT/SIGTERM interrupt the program: layers close in reverse (HTTP server drains, the database flushes), and a
// requested shutdown exits 0.
if (import.meta.main) {
  NodeRuntime.runMain(runService(), {
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
  })
}
