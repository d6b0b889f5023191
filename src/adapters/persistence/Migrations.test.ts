import { readdirSync, readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { pgliteInMemory } from "../../../test/support/Backends.ts"
import { layerServer } from "./Database.ts"
import { migrate, migrationsDirectory } from "./Migrations.ts"
import { splitSqlStatements } from "./SqlStatements.ts"

/** A fresh database each time a layer is built: a new in-memory PGlite, or a new schema on the real server. */
const freshDatabases = (): ReadonlyArray<{ name: string; layer: Layer.Layer<SqlClient.SqlClient> }> => {
  const url = process.env["DATABASE_URL"]
  const server =
    url === undefined || url === ""
      ? []
      : [
          {
            name: "postgres",
            layer: Layer.unwrap(
              Effect.gen(function* () {
                const sql = yield* SqlClient.SqlClient
                const schema = `migration_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
                yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
                return layerServer(Redacted.make(url), { maxConnections: 2, searchPath: schema })
              }).pipe(Effect.provide(layerServer(Redacted.make(url), { maxConnections: 1 })))
            ).pipe(Layer.orDie)
          }
        ]
  return [{ name: "pglite", layer: pgliteInMemory() }, ...server]
}

const columnsOf = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`SELECT column_name FROM information_schema.columns
        WHERE table_name = ${table} AND table_schema = current_schema() ORDER BY column_name`.pipe(
      Effect.map((rows) => rows.map((row) => String(row["column_name"])))
    )
  )

describe("splitSqlStatements", () => {
  it("splits on top-level semicolons only", () => {
    const script = `-- a; comment\nCREATE TABLE a (x text DEFAULT 'a;b');\nDO $$ BEGIN PERFORM 1; END $$;\n/* c; */ SELECT "x;y" FROM a;`
    assert.deepStrictEqual(splitSqlStatements(script), [
      "-- a; comment\nCREATE TABLE a (x text DEFAULT 'a;b')",
      "DO $$ BEGIN PERFORM 1; END $$",
      '/* c; */ SELECT "x;y" FROM a'
    ])
  })
})

for (const database of freshDatabases()) {
  describe(`migrations (${database.name})`, () => {
    it.live(
      "migrate a database holding the earlier CRM's tables, keeping every row",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          // The earlier CRM's shapes: connections without scopes/metadata (and other newer columns), and its tokens.
          yield* sql.unsafe(`CREATE TABLE channel_connections (
            id uuid PRIMARY KEY, tenant_id uuid NOT NULL, provider text NOT NULL, status text NOT NULL,
            waba_id text, phone_number_id text, access_token_enc text,
            created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`)
          yield* sql.unsafe(`CREATE TABLE meta_tokens (
            id serial PRIMARY KEY, tenant_id uuid NOT NULL, access_token text NOT NULL, expires_at timestamptz)`)
          yield* sql.unsafe(`INSERT INTO channel_connections (id, tenant_id, provider, status, waba_id, phone_number_id, access_token_enc) VALUES
            ('11111111-1111-4111-8111-111111111111', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'meta_whatsapp', 'active', '524126980791429', '106540352242922', 'legacy-ciphertext'),
            ('22222222-2222-4222-8222-222222222222', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'meta_ads', 'connected', NULL, NULL, NULL)`)
          yield* sql.unsafe(`INSERT INTO meta_tokens (tenant_id, access_token, expires_at) VALUES
            ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'legacy-token-a', now() + interval '30 days'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'legacy-token-b', NULL)`)

          const applied = yield* migrate()
          assert.deepStrictEqual(applied, [
            [1, "create_tables"],
            [2, "message_idempotency"],
            [3, "webhook_raw_body"],
            [4, "one_whatsapp_number_per_tenant"],
            [5, "webhook_routing_keys"],
            [6, "connection_health"],
            [7, "last_webhook_in_connection_health"],
            [8, "webhook_processed_retention"],
            [9, "customer_service_window"],
            [10, "message_media"],
            [11, "outbound_webhooks"],
            [12, "job_leases"],
            [13, "inbox_ordering"],
            [14, "message_templates"],
            [15, "template_quality"],
            [16, "window_closing_notice"],
            [17, "drop_reversed_messages_index"],
            [18, "inbox_open_index"],
            [20, "webhook_deliveries_notify"]
          ])
          // 0020: a statement trigger on webhook_deliveries wakes the delivery workers.
          const triggers = yield* sql`SELECT tgname FROM pg_trigger WHERE tgrelid = 'webhook_deliveries'::regclass
                                      AND NOT tgisinternal`
          assert.deepStrictEqual(
            triggers.map((row) => String(row["tgname"])),
            ["webhook_deliveries_notify"]
          )
          // 0018: one partial index over the open inbox events replaces the state and due indexes.
          const inboxIndexes =
            (yield* sql`SELECT indexname FROM pg_indexes WHERE tablename = 'webhook_events' AND schemaname = current_schema()`).map(
              (row) => String(row["indexname"])
            )
          assert.include(inboxIndexes, "webhook_events_open_idx")
          assert.notInclude(inboxIndexes, "webhook_events_state_idx")
          assert.notInclude(inboxIndexes, "webhook_events_due_idx")
          const inboxOptions = yield* sql`
            SELECT reloptions FROM pg_class WHERE oid = to_regclass(current_schema() || '.webhook_events')`
          assert.deepStrictEqual(inboxOptions[0]!["reloptions"], ["fillfactor=70"])

          const connections = yield* sql`SELECT * FROM channel_connections ORDER BY id`
          assert.strictEqual(connections.length, 2)
          assert.strictEqual(connections[0]!["phone_number_id"], "106540352242922")
          assert.strictEqual(connections[0]!["access_token_enc"], "legacy-ciphertext")
          assert.strictEqual(connections[1]!["status"], "connected", "an older status value is kept, not rewritten")
          assert.deepStrictEqual(connections[0]!["scopes"], [])
          assert.deepStrictEqual(connections[0]!["metadata"], {})
          for (const column of ["scopes", "metadata", "display_name", "phone_number_e164", "token_expires_at"]) {
            assert.include(yield* columnsOf("channel_connections"), column)
          }
          const tokens = yield* sql`SELECT tenant_id, access_token FROM meta_tokens ORDER BY id`
          assert.deepStrictEqual(
            tokens.map((row) => row["access_token"]),
            ["legacy-token-a", "legacy-token-b"]
          )
          const tenants = yield* sql`SELECT id FROM tenants ORDER BY id`
          assert.deepStrictEqual(
            tenants.map((row) => row["id"]),
            ["aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"]
          )
          for (const table of [
            "oauth_states",
            "conversations",
            "messages",
            "message_status_events",
            "webhook_events"
          ]) {
            assert.isAbove((yield* columnsOf(table)).length, 3, table)
          }

          // Idempotent: the migrator skips it, and the script itself can run again without harm.
          assert.deepStrictEqual(yield* migrate(), [])
          for (const file of ["0001_create_tables.sql", "0003_webhook_raw_body.sql"]) {
            const script = readFileSync(`${migrationsDirectory}/${file}`, "utf8")
            yield* sql.withTransaction(
              Effect.forEach(splitSqlStatements(script), (statement) => sql.unsafe(statement), { discard: true })
            )
          }
          assert.include(yield* columnsOf("webhook_events"), "raw")
          assert.strictEqual((yield* sql`SELECT count(*)::int AS n FROM channel_connections`)[0]!["n"], 2)

          // New constraints hold for new rows.
          const bad = yield* sql`INSERT INTO channel_connections (tenant_id, provider, status)
            VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'meta_whatsapp', 'weird')`.pipe(Effect.flip)
          assert.strictEqual(bad._tag, "SqlError")
        }).pipe(Effect.provide(database.layer)),
      120_000
    )

    it.live(
      "0004 leaves one live WhatsApp number per tenant: the newest stays, the others are revoked with no token",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          // A database migrated to 0002 by the earlier code (its scripts applied, no 0004), holding its history.
          for (const file of ["0001_create_tables.sql", "0002_message_idempotency.sql"]) {
            const script = readFileSync(`${migrationsDirectory}/${file}`, "utf8")
            yield* Effect.forEach(splitSqlStatements(script), (statement) => sql.unsafe(statement), { discard: true })
          }
          const [a, b] = ["aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"]
          yield* sql.unsafe(`INSERT INTO tenants (id, name) VALUES ('${a}', 'a'), ('${b}', 'b')`)
          yield* sql.unsafe(`INSERT INTO channel_connections
            (id, tenant_id, provider, status, waba_id, phone_number_id, access_token_enc, token_expires_at, metadata, updated_at) VALUES
            ('10000000-0000-4000-8000-000000000001', '${a}', 'meta_whatsapp', 'active', '500000000000001', '100000000000001', 'k:old', now(), '{"error":null,"connected_via":"embedded_signup"}', now() - interval '2 days'),
            ('10000000-0000-4000-8000-000000000002', '${a}', 'meta_whatsapp', 'error', '500000000000002', '100000000000002', 'k:mid', NULL, '{"error":{"reason":"token_invalid"}}', now() - interval '1 day'),
            ('10000000-0000-4000-8000-000000000003', '${a}', 'meta_whatsapp', 'active', '500000000000003', '100000000000003', 'k:new', NULL, '{}', now()),
            ('10000000-0000-4000-8000-000000000004', '${a}', 'meta_whatsapp', 'revoked', '500000000000004', '100000000000004', NULL, NULL, '{}', now() - interval '3 days'),
            ('10000000-0000-4000-8000-000000000005', '${a}', 'meta_ads', 'active', NULL, NULL, 'k:ads', NULL, '{}', now() - interval '5 days'),
            ('10000000-0000-4000-8000-000000000006', '${b}', 'meta_whatsapp', 'active', '500000000000001', '100000000000006', 'k:b', NULL, '{}', now() - interval '9 days')`)

          const applied = yield* migrate()
          assert.deepInclude(applied, [4, "one_whatsapp_number_per_tenant"])
          const rows = yield* sql`SELECT id, status, access_token_enc, token_expires_at, phone_number_id, metadata
            FROM channel_connections ORDER BY id`
          const byId = new Map(rows.map((row) => [String(row["id"]).slice(-1), row]))
          for (const retired of ["1", "2"]) {
            const row = byId.get(retired)!
            assert.strictEqual(row["status"], "revoked", retired)
            assert.isNull(row["access_token_enc"], retired)
            assert.isNull(row["token_expires_at"], retired)
            assert.isNotNull(row["phone_number_id"], "the number stays as history")
            const metadata = row["metadata"] as Record<string, unknown>
            assert.strictEqual(metadata["retired_by"], "0004_one_whatsapp_number_per_tenant")
            assert.notProperty(metadata, "error")
          }
          assert.strictEqual(byId.get("3")!["status"], "active")
          assert.strictEqual(byId.get("3")!["access_token_enc"], "k:new")
          assert.strictEqual(byId.get("4")!["status"], "revoked")
          assert.strictEqual(byId.get("5")!["access_token_enc"], "k:ads", "Meta Ads is not touched")
          assert.strictEqual(byId.get("6")!["status"], "active", "another tenant's only number is not touched")

          // Idempotent: the script runs again without changing anything.
          const before = JSON.stringify(yield* sql`SELECT * FROM channel_connections ORDER BY id`)
          const script = readFileSync(`${migrationsDirectory}/0004_one_whatsapp_number_per_tenant.sql`, "utf8")
          yield* Effect.forEach(splitSqlStatements(script), (statement) => sql.unsafe(statement), { discard: true })
          assert.strictEqual(JSON.stringify(yield* sql`SELECT * FROM channel_connections ORDER BY id`), before)
        }).pipe(Effect.provide(database.layer)),
      120_000
    )

    it.live(
      "0007 moves metadata.last_webhook_at into connection_health (the later time) and strips the key",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          // A database of the earlier code: migrated to 0006, the processor's stamp in the metadata.
          for (const file of readdirSync(migrationsDirectory)
            .filter((name) => name.endsWith(".sql") && name < "0007")
            .sort()) {
            const script = readFileSync(`${migrationsDirectory}/${file}`, "utf8")
            yield* Effect.forEach(splitSqlStatements(script), (statement) => sql.unsafe(statement), { discard: true })
          }
          const a = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
          yield* sql.unsafe(`INSERT INTO tenants (id, name) VALUES ('${a}', 'a')`)
          yield* sql.unsafe(`INSERT INTO channel_connections (id, tenant_id, provider, status, metadata) VALUES
            ('10000000-0000-4000-8000-000000000001', '${a}', 'meta_whatsapp', 'active', '{"last_webhook_at":"2026-01-01T10:00:00.000Z","connected_via":"embedded_signup"}'),
            ('10000000-0000-4000-8000-000000000002', '${a}', 'meta_ads', 'active', '{"last_webhook_at":"2026-01-01T10:00:00.000Z"}'),
            ('10000000-0000-4000-8000-000000000003', '${a}', 'meta_ads', 'active', '{"last_webhook_at":"yesterday"}'),
            ('10000000-0000-4000-8000-000000000004', '${a}', 'meta_ads', 'active', '{}')`)
          yield* sql.unsafe(`INSERT INTO connection_health (connection_id, tenant_id, last_webhook_at) VALUES
            ('10000000-0000-4000-8000-000000000002', '${a}', '2026-01-01T11:00:00.000Z')`)

          assert.deepInclude(yield* migrate(), [7, "last_webhook_in_connection_health"])
          const metadata = yield* sql`SELECT id, metadata FROM channel_connections ORDER BY id`
          assert.deepStrictEqual(
            metadata.map((row) => row["metadata"]),
            [{ connected_via: "embedded_signup" }, {}, {}, {}],
            "the key leaves every row, the others stay"
          )
          const health = yield* sql`SELECT connection_id, last_webhook_at FROM connection_health ORDER BY connection_id`
          assert.deepStrictEqual(
            health.map((row) => [
              String(row["connection_id"]).slice(-1),
              new Date(String(row["last_webhook_at"])).toISOString()
            ]),
            [
              ["1", "2026-01-01T10:00:00.000Z"],
              ["2", "2026-01-01T11:00:00.000Z"]
            ],
            "moved where none was, the later kept where one was, an unreadable one dropped"
          )

          // Idempotent: the script runs again without changing anything.
          const before = JSON.stringify(yield* sql`SELECT * FROM connection_health ORDER BY connection_id`)
          const script = readFileSync(`${migrationsDirectory}/0007_last_webhook_in_connection_health.sql`, "utf8")
          yield* Effect.forEach(splitSqlStatements(script), (statement) => sql.unsafe(statement), { discard: true })
          assert.strictEqual(JSON.stringify(yield* sql`SELECT * FROM connection_health ORDER BY connection_id`), before)
        }).pipe(Effect.provide(database.layer)),
      120_000
    )
  })
}
