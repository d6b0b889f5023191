import { defineConfig } from "vitest/config"

/**
 * The domain and the use cases on in-memory ports: no database, server, socket or global state of their own, so
 * their files share one module graph per worker (`isolate: false`) instead of importing Effect afresh each.
 */
const UNIT = [
  "src/domain/**/*.test.ts",
  "src/application/**/*.test.ts",
  "src/adapters/crypto/**/*.test.ts",
  "src/adapters/graphql/**/*.test.ts",
  "src/adapters/http/**/*.test.ts",
  "src/adapters/meta-graph/**/*.test.ts",
  "src/adapters/webhook-out/**/*.test.ts",
  "src/adapters/ErrorEdges.test.ts",
  "src/AppConfig.test.ts",
  "sandbox/**/*.test.ts",
  "scripts/check-*.test.ts",
  "bench/**/*.test.ts"
]

/** Unit files that mock a module (`vi.mock`): they need a module graph of their own, so they run isolated. */
const MOCKING = ["src/adapters/graphql/GraphiqlPage.test.ts", "src/adapters/http/VerifiedTokens.test.ts"]

const WEB = ["web/src/**/*.test.tsx"]
const WEB_ISOLATED = [
  "web/src/App.test.tsx",
  "web/src/IntegrationsPage.test.tsx",
  "web/src/connect/useConnectFlow.test.tsx",
  "web/src/shared/LiveUpdates.test.tsx",
  "web/src/whatsapp/WhatsAppCardPopup.test.tsx"
]

export default defineConfig({
  // One graphql module: our sources would load its ESM build while Pothos and yoga load the CJS one.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    exclude: ["e2e/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Per run: the PGlite templates (pristine and migrated) copied by every test that starts an embedded database,
    // and with DATABASE_URL a migrated PostgreSQL template each file's database copies, named after the run so that
    // its teardown drops them. At the root, so it runs once and every project's files see it (TestMessages.test, a
    // unit file on PGlite and PostgreSQL, too).
    globalSetup: ["test/support/GlobalSetup.ts"],
    // One and a half workers a core (3 on two cores; vitest's default keeps one core free: a single worker). The
    // system tests mostly wait on timers, retries, sockets and the PostgreSQL server (the suite keeps two cores about
    // 40 % busy), so a third file runs in those waits: 115 s against 148–151 s with two on this machine at load 2–6.
    maxWorkers: "150%",
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: UNIT, exclude: ["e2e/**", "node_modules/**", ...MOCKING], isolate: false }
      },
      { extends: true, test: { name: "unit-isolated", include: MOCKING } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["src/**/*.test.ts", "sandbox/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["e2e/**", "node_modules/**", ...UNIT],
          // One module graph per worker, as `unit`: each file no longer starts a process and imports the app, Effect
          // and the SQL client afresh (over a quarter of the suite's CPU time). Safe because what these files start is
          // scoped to them: services (`startService`: their own metric registry, configuration and data directory),
          // databases (a copy per file) and servers are stopped by the file, and no file writes `process.env`.
          isolate: false
        }
      },
      // The web app's files share a module graph per worker too (each cleans up what it renders), but for those
      // that stub globals (`fetch`, `window.FB`, `EventSource`) or load the SDK (`web/src/connect/metaSdk.ts` caches
      // it in a module variable): they stay isolated.
      { extends: true, test: { name: "web", include: WEB, exclude: WEB_ISOLATED, isolate: false } },
      { extends: true, test: { name: "web-isolated", include: WEB_ISOLATED } }
    ]
  }
})
