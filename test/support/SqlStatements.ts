import { Effect, Tracer } from "effect"

/** The SQL statements an effect runs (each is one span carrying its `db.query.text`), with its result. */
export const statementsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const statements: Array<string> = []
    const tracer = Tracer.make({
      span(options) {
        const span = new Tracer.NativeSpan(options)
        const attribute = span.attribute.bind(span)
        span.attribute = (key, value) => {
          if (key === "db.query.text") statements.push(String(value))
          attribute(key, value)
        }
        return span
      }
    })
    const result = yield* effect.pipe(Effect.provideService(Tracer.Tracer, tracer))
    return { result, statements }
  })
