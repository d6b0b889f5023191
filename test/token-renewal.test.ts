/**
 * Issue 14 item 9, through the sandbox (as strict as Meta) with its clock moved: a 60-day business token is renewed by
 * the token-health job before it expires (`fb_exchange_token` + `set_token_expires_in_60_days=true`), the tenant is
 * warned within 7 days when renewal fails, and the connection turns to `error` (Reconnect) at expiry. The service's
 * clock is the sandbox's here, so moving one moves both. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 */
import { assert, layer } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Option, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import type { RunningSandbox } from "../sandbox/Sandbox.ts"
import { APP_ID, APP_SECRET, CONFIG_ID, start, startReceiver, WA_REDIRECT } from "../sandbox/testkit.ts"
import { layerFromKeys } from "../src/adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphHttp } from "../src/adapters/meta-graph/MetaGraphHttp.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { WhatsAppConnections } from "../src/application/connect/WhatsAppConnections.ts"
import { TokenHealth } from "../src/application/health/TokenHealth.ts"
import { AuditLog } from "../src/application/ports/AuditLog.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import { ConnectSettings } from "../src/application/ports/ConnectSettings.ts"
import { TokenCipher } from "../src/application/ports/TokenCipher.ts"
import { sqlBackends } from "./support/Backends.ts"
import { approvedCallback, testActor } from "./support/ConnectTestKit.ts"

const DAY_S = 86_400

/** The sandbox Meta (with its webhook receiver), for the whole file. */
class SandboxMeta extends Context.Service<SandboxMeta, { readonly sandbox: RunningSandbox }>()(
  "test/TokenRenewal/SandboxMeta"
) {
  static readonly layer = Layer.effect(
    SandboxMeta,
    Effect.gen(function* () {
      const receiver = yield* Effect.acquireRelease(
        Effect.promise(() => startReceiver()),
        (r) => Effect.promise(() => r.close())
      )
      const sandbox = yield* Effect.acquireRelease(
        Effect.promise(() => start({ webhookCallbackUrl: receiver.url })),
        (s) => Effect.promise(() => s.close())
      )
      return SandboxMeta.of({ sandbox })
    })
  )
}

const control = (sandbox: RunningSandbox, path: string, body: unknown, method = "POST") =>
  Effect.promise(async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return (await response.json()) as Record<string, unknown>
  })

const services = (sql: Layer.Layer<SqlClient.SqlClient>) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const { sandbox } = yield* SandboxMeta
      const real = Clock.Clock.defaultValue()
      // Time as the sandbox sees it (real time plus its offset); sleeping stays real.
      const sandboxClock: Clock.Clock = {
        sleep: (duration) => real.sleep(duration),
        monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
        monotonicTimeNanos: real.monotonicTimeNanos,
        currentTimeMillisUnsafe: () => sandbox.ctx.nowMs(),
        currentTimeMillis: Effect.sync(() => sandbox.ctx.nowMs()),
        currentTimeNanosUnsafe: () => BigInt(sandbox.ctx.nowMs()) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(sandbox.ctx.nowMs()) * 1_000_000n)
      }
      const settings = Layer.succeed(
        ConnectSettings,
        ConnectSettings.of({
          appId: APP_ID,
          graphVersion: "v24.0",
          dialogBaseUrl: sandbox.url,
          configId: CONFIG_ID,
          adsConfigId: null,
          whatsappRedirectUri: WA_REDIRECT,
          adsRedirectUri: WA_REDIRECT,
          webhookCallbackUrl: "http://127.0.0.1:3000/webhooks/meta/whatsapp",
          webhookVerifyToken: Redacted.make("verify-me")
        })
      )
      const graph = MetaGraphHttp({
        graphBaseUrl: sandbox.url,
        graphVersion: "v24.0",
        appId: APP_ID,
        appSecret: Redacted.make(APP_SECRET),
        timeout: "5 seconds",
        retry: { times: 1, base: "5 millis" }
      })
      const ports = Layer.mergeAll(
        PersistencePg.pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)), Layer.provide(sql)),
        graph,
        settings,
        layerFromKeys({ active: new Uint8Array(32).fill(5), previous: [] })
      )
      return Layer.mergeAll(WhatsAppConnections.layer, TokenHealth.layer).pipe(
        Layer.provideMerge(ports),
        Layer.provideMerge(Layer.succeed(Clock.Clock, sandboxClock))
      )
    })
  ).pipe(Layer.provideMerge(SandboxMeta.layer))

for (const backend of sqlBackends()) {
  layer(services(backend.layer), { timeout: 60_000 })(`60-day business tokens (${backend.name})`, (it) => {
    /** A tenant connects a new number through the dialog while the sandbox issues 60-day tokens (or lasting ones). */
    const connectThroughDialog = (tokenExpiresIn60Days: boolean) =>
      Effect.gen(function* () {
        const { sandbox } = yield* SandboxMeta
        yield* control(sandbox, "config", { tokenExpiresIn60Days })
        const who = testActor("admin")
        const connect = yield* WhatsAppConnections
        const started = yield* connect.start(who)
        const location = yield* Effect.promise(async () => {
          const response = await fetch(started.authUrl, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ action: "approve", waba: "new", phone: "new" }).toString(),
            redirect: "manual"
          })
          return new URL(response.headers.get("location") ?? "")
        })
        const code = location.searchParams.get("code") ?? ""
        const connection = yield* connect.complete(approvedCallback(started, code, who))
        assert.strictEqual(connection.status, "active")
        return { who, connection, sandbox }
      })
    const connectSixtyDay = connectThroughDialog(true)

    const row = (tenantId: string, id: string) =>
      Effect.flatMap(ConnectionRepository, (repo) =>
        Effect.map(repo.findById(tenantId as never, id as never), Option.getOrThrow)
      )
    const tokenOf = (tenantId: string, enc: unknown) =>
      Effect.flatMap(TokenCipher, (cipher) =>
        Effect.map(cipher.decrypt(enc as never, { tenantId: tenantId as never, provider: "meta_whatsapp" }), (t) =>
          Redacted.value(t)
        )
      )

    it.effect("renewed 50 days in: a new 60-day token stored encrypted, the old expiry replaced", () =>
      Effect.gen(function* () {
        const { who, connection, sandbox } = yield* connectSixtyDay
        const first = yield* row(who.tenantId, connection.id)
        const issuedAt = sandbox.ctx.nowMs()
        assert.isAtMost(Math.abs(first.tokenExpiresAt!.getTime() - (issuedAt + 60 * DAY_S * 1000)), 5_000)
        const before = yield* tokenOf(who.tenantId, first.accessTokenEnc)

        // Far from expiry: checked, not renewed.
        const early = yield* (yield* TokenHealth).checkAll
        assert.strictEqual(early.renewed, 0)

        yield* control(sandbox, "clock", { advanceSeconds: 50 * DAY_S })
        const report = yield* (yield* TokenHealth).checkAll
        assert.isAtLeast(report.renewed, 1)
        const renewed = yield* row(who.tenantId, connection.id)
        const after = yield* tokenOf(who.tenantId, renewed.accessTokenEnc)
        assert.notStrictEqual(after, before, "a new token")
        assert.notInclude(JSON.stringify(renewed), after, "stored only encrypted")
        assert.isAtMost(Math.abs(renewed.tokenExpiresAt!.getTime() - (sandbox.ctx.nowMs() + 60 * DAY_S * 1000)), 5_000)
        assert.strictEqual(renewed.status, "active")
        assert.strictEqual(renewed.metadata["token_expiring_soon"], false)
        // Meta's own word: the stored token is a 60-day system user token of our app.
        const token = sandbox.ctx.state.tokens.get(after)
        assert.strictEqual(token?.kind, "SYSTEM_USER")
        const audit = yield* (yield* AuditLog).list(who.tenantId, { first: 20 })
        assert.isTrue(audit.items.some((entry) => entry.node.action === "whatsapp.token_renewed"))
      })
    )

    it.effect("renewal refused: the tenant is warned 7 days ahead; at expiry the connection turns to error", () =>
      Effect.gen(function* () {
        const { who, connection, sandbox } = yield* connectSixtyDay
        // Meta refuses every renewal from now on.
        yield* control(sandbox, "faults", {
          path: "oauth/access_token",
          kind: "graphError",
          code: 100,
          status: 400,
          message: "(#100) renewal refused for this test",
          times: 0
        })
        try {
          yield* control(sandbox, "clock", { advanceSeconds: 50 * DAY_S })
          const retried = yield* (yield* TokenHealth).checkAll
          assert.isAtLeast(retried.renewalFailed, 1)
          const notYet = yield* row(who.tenantId, connection.id)
          assert.strictEqual(notYet.metadata["token_expiring_soon"], false, "10 days left: retried, no warning yet")

          yield* control(sandbox, "clock", { advanceSeconds: 4 * DAY_S })
          yield* (yield* TokenHealth).checkAll
          const warned = yield* row(who.tenantId, connection.id)
          assert.strictEqual(warned.status, "active")
          assert.strictEqual(warned.metadata["token_expiring_soon"], true, "6 days left: warned")
          assert.include(JSON.stringify(warned.metadata["token_renewal_failed"]), "renewal refused")
          const view = yield* (yield* WhatsAppConnections).status(who)
          assert.isNotNull(view.tokenExpiresAt)

          yield* control(sandbox, "clock", { advanceSeconds: 7 * DAY_S })
          yield* (yield* TokenHealth).checkAll
          const expired = yield* row(who.tenantId, connection.id)
          assert.strictEqual(expired.status, "error")
          assert.strictEqual((expired.metadata["error"] as { reason: string }).reason, "token_invalid")
          assert.isNotNull((yield* (yield* WhatsAppConnections).status(who)).error)
        } finally {
          yield* control(sandbox, "faults", {}, "DELETE")
        }
      })
    )

    it.effect("a token that never expires (expires_at 0) is checked for validity, never exchanged", () =>
      Effect.gen(function* () {
        const { who, connection, sandbox } = yield* connectThroughDialog(false)
        const tokens = sandbox.ctx.state.tokens.size
        yield* control(sandbox, "clock", { advanceSeconds: 400 * DAY_S })
        const report = yield* (yield* TokenHealth).checkAll
        assert.isAtLeast(report.valid, 1)
        assert.strictEqual(sandbox.ctx.state.tokens.size, tokens, "no token was exchanged")
        const stored = yield* row(who.tenantId, connection.id)
        assert.isNull(stored.tokenExpiresAt)
        assert.strictEqual(stored.status, "active")
        // Validity is still checked: revoked at Meta, the connection turns to error.
        yield* control(sandbox, "revoke-token", { wabaId: stored.wabaId })
        yield* (yield* TokenHealth).checkAll
        assert.strictEqual((yield* row(who.tenantId, connection.id)).status, "error")
      })
    )
  })
}
