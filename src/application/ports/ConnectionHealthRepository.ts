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
    /** A webhook for the connection's number arrived at `at` (the latest time is kept). */
    recordWebhook(tenantId: TenantId, connectionId: ConnectionId, at: Date): Effect.Effect<void>
    /** Every connection's stored checks, across tenants: for the metrics (aggregated there, no tenant label). */
    readonly listAll: Effect.Effect<
      ReadonlyArray<{ readonly connectionId: ConnectionId; readonly checks: ReadonlyArray<HealthCheck> }>
    >
  }
>()("app/application/ports/ConnectionHealthRepository") {}
