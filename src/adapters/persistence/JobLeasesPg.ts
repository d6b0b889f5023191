import { Duration, Effect, Exit, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { JobLeases } from "../../application/ports/JobLeases.ts"

const millis = (input: Duration.Input) => Math.max(0, Math.round(Duration.toMillis(Duration.fromInputUnsafe(input))))

/**
 * Leases in `job_leases`, shared by every instance on the database, timed by the database's clock. Taking one is a
 * single upsert that succeeds only when no row exists or the row's lease has lapsed (the row lock makes two takers
 * wait for each other, and the second sees the first's lease); nothing is held open while the work runs (no
 * connection pinned, no transaction spanning Meta calls), and a holder that crashed loses it after `hold`.
 */
export const JobLeasesPg = Layer.effect(
  JobLeases,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    /** This instance: a lease is released or rested only by its holder. */
    const instance = crypto.randomUUID()
    return JobLeases.of({
      run: (lease, work) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            // One id per run: two runs in one instance exclude each other too.
            const holder = `${instance}:${crypto.randomUUID()}`
            const taken = yield* sql`
              INSERT INTO job_leases (job, key, holder, expires_at)
              VALUES (${lease.job}, ${lease.key}, ${holder}, now() + ${millis(lease.hold)} * interval '1 millisecond')
              ON CONFLICT (job, key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
              WHERE job_leases.expires_at <= now()
              RETURNING holder`.pipe(Effect.orDie)
            if (taken.length === 0) return Option.none()
            const exit = yield* Effect.exit(restore(work))
            const rest = Exit.isSuccess(exit) ? millis(lease.rest) : 0
            yield* sql`
              UPDATE job_leases SET expires_at = now() + ${rest} * interval '1 millisecond'
              WHERE job = ${lease.job} AND key = ${lease.key} AND holder = ${holder}`.pipe(
              // Not released (the database went away): the lease lapses after `hold`.
              Effect.catchCause((cause) => Effect.logWarning(`Job lease ${lease.job}/${lease.key} not released`, cause))
            )
            return yield* Effect.map(exit, Option.some)
          })
        )
    })
  })
)
