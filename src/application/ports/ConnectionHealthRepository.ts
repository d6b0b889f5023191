import { Context, type Effect } from "effect"
import type { ConnectionHealth, HealthCheck } from "../../domain/ConnectionHealth.ts"
import type { ConnectionId, TenantId } from "../../domain/Ids.ts"

/** The stored health of each connection (table `connection_health`). Scoped by tenant. */
export class ConnectionHealthRepository extends Context.Service<
  ConnectionHealthRepository,
  {
    /** The connection's health; no checks and no webhook when nothing is stored. */
    get(tenantId: TenantId, connectionId: ConnectionId): Effect.Effect<ConnectionHealth>
    /** Stores these checks, each replacing the stored one of its name; the others are kept. */
    save(tenantId: TenantId, connectionId: ConnectionId, checks: ReadonlyArray<HealthCheck>): Effect.Effect<void>
    /**
     * A webhook for the connection's number arrived at `at`. Written only when no time is stored or `at` is more
     * than `LAST_WEBHOOK_MARK_SECONDS` after the stored one (at most once a minute; never goes back).
     */
    recordWebhook(tenantId: TenantId, connectionId: ConnectionId, at: Date): Effect.Effect<void>
    /** Every connection's last webhook time, across tenants: for the operators' silence gauge only. */
    lastWebhookTimes(): Effect.Effect<ReadonlyMap<ConnectionId, Date>>
    /** Every connection's stored checks, across tenants: for the metrics (aggregated there, no tenant label). */
    readonly listAll: Effect.Effect<
      ReadonlyArray<{ readonly connectionId: ConnectionId; readonly checks: ReadonlyArray<HealthCheck> }>
    >
  }
>()("app/application/ports/ConnectionHealthRepository") {}
