import { Clock, Duration, Effect, Exit, Layer, Option } from "effect"
import { type JobLease, JobLeases } from "../../application/ports/JobLeases.ts"

/**
 * Leases in this process's memory, on its clock: enough for one instance (its jobs never overlap themselves); several
 * instances share `JobLeasesPg`.
 */
export const JobLeasesMemory = Layer.sync(JobLeases, () => {
  const leases = new Map<string, { readonly holder: symbol; readonly until: number }>()
  const keyOf = (lease: JobLease) => `${lease.job}\u0000${lease.key}`
  return JobLeases.of({
    run: (lease, work) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const key = keyOf(lease)
          const holder = Symbol(key)
          const now = yield* Clock.currentTimeMillis
          const held = leases.get(key)
          if (held !== undefined && held.until > now) return Option.none()
          leases.set(key, { holder, until: now + Duration.toMillis(Duration.fromInputUnsafe(lease.hold)) })
          const exit = yield* Effect.exit(restore(work))
          const end = yield* Clock.currentTimeMillis
          const rest = Exit.isSuccess(exit) ? Duration.toMillis(Duration.fromInputUnsafe(lease.rest)) : 0
          if (leases.get(key)?.holder === holder) {
            if (rest > 0) leases.set(key, { holder, until: end + rest })
            else leases.delete(key)
          }
          return yield* Effect.map(exit, Option.some)
        })
      )
  })
})
