import { timingSafeEqual } from "node:crypto"

/**
 * Constant-time equality of two byte strings or texts (UTF-8): their lengths may leak, their contents do not.
 * The one place the project compares secrets (webhook signatures, the verify token, the metrics bearer).
 */
export const constantTimeEquals = (a: string | Uint8Array, b: string | Uint8Array): boolean => {
  const left = typeof a === "string" ? Buffer.from(a, "utf8") : a
  const right = typeof b === "string" ? Buffer.from(b, "utf8") : b
  return left.length === right.length && timingSafeEqual(left, right)
}
