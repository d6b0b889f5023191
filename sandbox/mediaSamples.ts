import { crc32, deflateSync } from "node:zlib"

/**
 * Small files that are what they say (their first bytes read as their type), for inbound media messages a test
 * does not give content for.
 */

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, "ascii"), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body) >>> 0)
  return Buffer.concat([length, body, crc])
}

/** A `width`×`height` RGB PNG: a diagonal gradient, so that a screenshot shows it is an image. */
export const samplePng = (width = 96, height = 64): Buffer => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  const rows: Array<Buffer> = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = Math.round((x / width) * 255)
      row[2 + x * 3] = Math.round((y / height) * 200)
      row[3 + x * 3] = 180
    }
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0))
  ])
}

/** An Ogg page holding an Opus identification header. */
export const sampleOgg = (): Buffer => {
  const opusHead = Buffer.concat([
    Buffer.from("OpusHead", "ascii"),
    Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])
  ])
  const page = Buffer.alloc(27)
  page.write("OggS", 0, "ascii")
  page[5] = 0x02 // beginning of stream
  page[26] = 1 // one segment
  return Buffer.concat([page, Buffer.from([opusHead.length]), opusHead, Buffer.alloc(64)])
}

/** An MP4 `ftyp` box (brand isom) and an empty `mdat`. */
export const sampleMp4 = (): Buffer => {
  const ftyp = Buffer.alloc(24)
  ftyp.writeUInt32BE(24, 0)
  ftyp.write("ftypisom", 4, "ascii")
  ftyp.writeUInt32BE(0x200, 12)
  ftyp.write("isomiso2", 16, "ascii")
  const mdat = Buffer.alloc(16)
  mdat.writeUInt32BE(16, 0)
  mdat.write("mdat", 4, "ascii")
  return Buffer.concat([ftyp, mdat])
}

/** A one-page PDF. */
export const samplePdf = (): Buffer =>
  Buffer.from(
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
      "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    "latin1"
  )

/** A static WebP (a VP8L chunk header). */
export const sampleWebp = (): Buffer => {
  const payload = Buffer.concat([Buffer.from("VP8L", "ascii"), Buffer.from([5, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0, 0, 0])])
  const riff = Buffer.alloc(12)
  riff.write("RIFF", 0, "ascii")
  riff.writeUInt32LE(4 + payload.length, 4)
  riff.write("WEBP", 8, "ascii")
  return Buffer.concat([riff, payload])
}

/** The content and declared MIME type of an inbound `type` message given none. */
export const sampleMedia = (type: string): { readonly bytes: Buffer; readonly mimeType: string } | undefined => {
  switch (type) {
    case "image":
      return { bytes: samplePng(), mimeType: "image/png" }
    case "audio":
      return { bytes: sampleOgg(), mimeType: "audio/ogg; codecs=opus" }
    case "video":
      return { bytes: sampleMp4(), mimeType: "video/mp4" }
    case "document":
      return { bytes: samplePdf(), mimeType: "application/pdf" }
    case "sticker":
      return { bytes: sampleWebp(), mimeType: "image/webp" }
    default:
      return undefined
  }
}
