/** Polls `probe` until it gives a value (not `undefined`), or fails naming `what` after `timeoutMs`. */
export const eventually = async <A>(
  probe: () => Promise<A | undefined>,
  what: string,
  timeoutMs = 20_000
): Promise<A> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
