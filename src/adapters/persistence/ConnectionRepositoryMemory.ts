import { Clock, Effect, Layer, Option } from "effect"
import { ConnectionRepository, type ConnectionWrite } from "../../application/ports/ConnectionRepository.ts"
import { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { ConnectionNotFound, NumberAlreadyConnected } from "../../domain/Errors.ts"
import type { ConnectionId, PhoneNumberId } from "../../domain/Ids.ts"
import { connectionTransitionEvent } from "../../domain/OutboundEvent.ts"
import { OutboxMemory } from "./OutboxMemory.ts"
import { withRecentCurrent } from "./RecentConnections.ts"

/**
 * Connections in a Map: the same rules as the Postgres adapter, each method one atomic step. A move into active,
 * revoked or error announces itself into the memory outbox, as the Postgres adapter does in the write's transaction.
 */
export const ConnectionRepositoryMemory = Layer.effect(
  ConnectionRepository,
  Effect.gen(function* () {
    const outbox = yield* OutboxMemory
    const rows = new Map<string, ChannelConnection>()
    const announce = (before: ChannelConnection["status"] | null, after: ChannelConnection) => {
      const event = connectionTransitionEvent(before, after)
      return event === null ? Effect.void : Effect.asVoid(outbox.write([event]))
    }
    const byRecency = (a: ChannelConnection, b: ChannelConnection) =>
      b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : -1)

    const build = (write: ConnectionWrite, id: string, phoneNumberId: PhoneNumberId | null, created: Date, now: Date) =>
      new ChannelConnection({
        ...write,
        connectedAt: write.connectedAt ?? now,
        id: id as ConnectionId,
        phoneNumberId,
        scopes: [...write.scopes],
        metadata: { ...write.metadata },
        createdAt: created,
        updatedAt: now
      })

    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

    // Rows in memory need no cache; `findCurrentRecent` goes through the same decorator as over SQL.
    return ConnectionRepository.of(
      withRecentCurrent({
        claimNumber: (phoneNumberId, write) =>
          Effect.flatMap(now, (at) => {
            const held = [...rows.values()].find(
              (row) => row.provider === write.provider && row.phoneNumberId === phoneNumberId
            )
            if (held !== undefined && held.tenantId !== write.tenantId) {
              if (held.status !== "revoked") return Effect.fail(new NumberAlreadyConnected({ phoneNumberId }))
              rows.set(
                held.id,
                new ChannelConnection({
                  ...held,
                  phoneNumberId: null,
                  metadata: { ...held.metadata, released_phone_number_id: phoneNumberId },
                  updatedAt: at
                })
              )
            }
            const own = held !== undefined && held.tenantId === write.tenantId ? held : undefined
            const row = build(write, own?.id ?? crypto.randomUUID(), phoneNumberId, own?.createdAt ?? at, at)
            rows.set(row.id, row)
            return Effect.as(announce(own?.status ?? null, row), row)
          }),
        upsertUnnumbered: (write) =>
          Effect.flatMap(now, (at) => {
            const existing = [...rows.values()]
              .filter(
                (row) =>
                  row.tenantId === write.tenantId && row.provider === write.provider && row.phoneNumberId === null
              )
              .sort(byRecency)[0]
            const row = build(write, existing?.id ?? crypto.randomUUID(), null, existing?.createdAt ?? at, at)
            rows.set(row.id, row)
            return Effect.as(announce(existing?.status ?? null, row), row)
          }),
        findById: (tenantId, id) =>
          Effect.sync(() => Option.fromNullishOr(rows.get(id)).pipe(Option.filter((row) => row.tenantId === tenantId))),
        findCurrent: (tenantId, provider) =>
          Effect.sync(() =>
            Option.fromNullishOr(
              [...rows.values()]
                .filter((row) => row.tenantId === tenantId && row.provider === provider)
                .sort((a, b) => Number(b.status !== "revoked") - Number(a.status !== "revoked") || byRecency(a, b))[0]
            )
          ),
        listByTenant: (tenantId, provider) =>
          Effect.sync(() =>
            [...rows.values()].filter((row) => row.tenantId === tenantId && row.provider === provider).sort(byRecency)
          ),
        findByPhoneNumberId: (phoneNumberId) =>
          Effect.sync(() =>
            Option.fromNullishOr(
              [...rows.values()].find((row) => row.provider === "meta_whatsapp" && row.phoneNumberId === phoneNumberId)
            )
          ),
        findByWabaId: (wabaId) =>
          Effect.sync(() =>
            [...rows.values()]
              .filter((row) => row.provider === "meta_whatsapp" && row.wabaId === wabaId)
              .sort(byRecency)
          ),
        update: (tenantId, id, patch) =>
          Effect.flatMap(now, (at) => {
            const row = rows.get(id)
            if (row === undefined || row.tenantId !== tenantId) return Effect.fail(new ConnectionNotFound({}))
            const metadata: Record<string, unknown> = { ...row.metadata }
            for (const [key, value] of Object.entries(patch.metadata ?? {})) {
              if (value === null) delete metadata[key]
              else metadata[key] = value
            }
            const next = new ChannelConnection({
              ...row,
              status: patch.status ?? row.status,
              accessTokenEnc: patch.accessTokenEnc === undefined ? row.accessTokenEnc : patch.accessTokenEnc,
              tokenExpiresAt: patch.tokenExpiresAt === undefined ? row.tokenExpiresAt : patch.tokenExpiresAt,
              metadata,
              updatedAt: at
            })
            rows.set(id, next)
            return Effect.as(announce(row.status, next), next)
          }),
        listHoldingTokens: () =>
          Effect.sync(() =>
            [...rows.values()]
              .filter((row) => row.accessTokenEnc !== null && row.status !== "revoked")
              .sort((a, b) => (a.id < b.id ? -1 : 1))
          ),
        deleteUnnumbered: (tenantId, provider) =>
          Effect.sync(() => {
            let removed = 0
            for (const [id, row] of rows) {
              if (row.tenantId === tenantId && row.provider === provider && row.phoneNumberId === null) {
                rows.delete(id)
                removed++
              }
            }
            return removed
          }),
        replaceToken: (id, expected, next) =>
          Effect.sync(() => {
            const row = rows.get(id)
            if (row === undefined || row.accessTokenEnc !== expected) return false
            rows.set(id, new ChannelConnection({ ...row, accessTokenEnc: next }))
            return true
          })
      })
    )
  })
)
