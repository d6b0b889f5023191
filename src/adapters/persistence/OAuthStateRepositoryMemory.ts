import { Effect, Layer, Option, Result } from "effect"
import { OAuthStateRepository } from "../../application/connect/ports/OAuthStateRepository.ts"
import { type OAuthStateAlreadyUsed, type OAuthStateExpired, OAuthStateNotFound } from "../../domain/Errors.ts"
import type { OAuthStateId } from "../../domain/Ids.ts"
import { consume, OAuthState } from "../../domain/OAuthState.ts"

export const OAuthStateRepositoryMemory = Layer.sync(OAuthStateRepository, () => {
  const states = new Map<string, OAuthState>()
  const key = (provider: string, nonce: string) => `${provider}:${nonce}`
  return OAuthStateRepository.of({
    create: (input, limit) =>
      Effect.sync(() => {
        const state = new OAuthState({
          ...input,
          id: crypto.randomUUID() as OAuthStateId,
          createdAt: new Date(),
          usedAt: null,
          metadata: { ...input.metadata }
        })
        states.set(key(input.provider, input.nonce), state)
        // The map keeps insertion order: newest last.
        const unused = [...states.entries()].filter(
          ([, other]) =>
            other.tenantId === input.tenantId &&
            other.provider === input.provider &&
            other.usedAt === null &&
            other.expiresAt.getTime() > limit.now.getTime()
        )
        for (const [id] of unused.slice(0, Math.max(0, unused.length - limit.keepUnused))) states.delete(id)
        return state
      }),
    consume: (provider, nonce, now) =>
      Effect.suspend((): Effect.Effect<OAuthState, OAuthStateNotFound | OAuthStateExpired | OAuthStateAlreadyUsed> => {
        const state = states.get(key(provider, nonce))
        if (state === undefined) return Effect.fail(new OAuthStateNotFound({}))
        const result = consume(state, now)
        if (Result.isFailure(result)) return Effect.fail(result.failure)
        states.set(key(provider, nonce), result.success)
        return Effect.succeed(result.success)
      }),
    find: (provider, nonce) => Effect.sync(() => Option.fromUndefinedOr(states.get(key(provider, nonce)))),
    deleteExpired: (before) =>
      Effect.sync(() => {
        let removed = 0
        for (const [id, state] of states) {
          if (state.expiresAt.getTime() < before.getTime()) {
            states.delete(id)
            removed++
          }
        }
        return removed
      })
  })
})
