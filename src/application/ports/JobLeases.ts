import { Context, type Duration, type Effect, type Option } from "effect"

/** One lease: a periodic job (`token_health`) for one key (a connection id, or `all` for a job of the whole service). */
export interface JobLease {
  readonly job: string
  readonly key: string
  /** How long the holder may take at most: a holder that crashed loses the lease after this. */
  readonly hold: Duration.Input
  /**
   * After the work ends (well or not), the lease stays taken this long: a periodic job marks the key done for
   * this round, so that the other instances skip it instead of repeating it. Zero releases it at once.
   */
  readonly rest: Duration.Input
}

/**
 * Leases shared by every instance of the service (table `job_leases` on one database): the periodic jobs run each
 * connection's work under its lease, so two instances never run one job for one connection at once.
 */
export class JobLeases extends Context.Service<
  JobLeases,
  {
    /**
     * Runs `work` when no instance holds the lease (`Option.some` of its result), or skips it (`Option.none`) when
     * another holds it. The lease is this instance's until `work` ends, then rests or is released; an interrupted
     * or failed `work` releases it at once (another instance may retry).
     */
    run<A, E, R>(lease: JobLease, work: Effect.Effect<A, E, R>): Effect.Effect<Option.Option<A>, E, R>
  }
>()("app/application/ports/JobLeases") {}
