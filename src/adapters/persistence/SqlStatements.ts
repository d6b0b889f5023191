/**
 * Splits a SQL script into statements on top-level semicolons, leaving semicolons inside quotes, quoted
 * identifiers, dollar-quoted bodies and comments alone. The driver speaks the extended protocol, which runs one
 * statement per message, so migration files are sent statement by statement.
 */
export const splitSqlStatements = (script: string): ReadonlyArray<string> => {
  const statements: Array<string> = []
  let current = ""
  let index = 0
  const push = () => {
    const trimmed = current.trim()
    if (trimmed.replace(/--[^\n]*\n?/g, "").trim().length > 0) statements.push(trimmed)
    current = ""
  }
  while (index < script.length) {
    const char = script[index]!
    const rest = script.slice(index)
    if (rest.startsWith("--")) {
      const end = script.indexOf("\n", index)
      const stop = end === -1 ? script.length : end + 1
      current += script.slice(index, stop)
      index = stop
      continue
    }
    if (rest.startsWith("/*")) {
      const end = script.indexOf("*/", index + 2)
      const stop = end === -1 ? script.length : end + 2
      current += script.slice(index, stop)
      index = stop
      continue
    }
    if (char === "'" || char === '"') {
      let stop = index + 1
      while (stop < script.length) {
        if (script[stop] === char) {
          if (script[stop + 1] === char) stop += 2
          else break
        } else stop++
      }
      current += script.slice(index, stop + 1)
      index = stop + 1
      continue
    }
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)
    if (dollar !== null) {
      const tag = dollar[0]
      const end = script.indexOf(tag, index + tag.length)
      const stop = end === -1 ? script.length : end + tag.length
      current += script.slice(index, stop)
      index = stop
      continue
    }
    if (char === ";") {
      push()
      index++
      continue
    }
    current += char
    index++
  }
  push()
  return statements
}
