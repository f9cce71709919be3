#!/usr/bin/env node
/**
 * Writes the PWA's PNG icons (public/icon-192.png, icon-512.png, icon-maskable-512.png) with no image library: the
 * shape of public/icon.svg (a rounded square with a chat bubble) rasterised by hand and encoded with node:zlib.
 * The maskable icon fills the whole square and keeps the bubble inside the central 80% safe zone.
 * Run: node scripts/make-icons.mjs
 */
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const BG = [0x25, 0x63, 0xeb, 255]
const FG = [255, 255, 255, 255]
const CLEAR = [0, 0, 0, 0]

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++)
    c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xFFFFFFFF
  for (const b of buf)
    c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >>> 8)
  return (c ^ 0xFFFFFFFF) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    for (let x = 0; x < size; x++)
      Buffer.from(pixel(x + 0.5, y + 0.5)).copy(raw, y * (size * 4 + 1) + 1 + x * 4)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

/** Inside a rounded rectangle (x0, y0)-(x1, y1) with corner radius r. */
function inRoundRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}

/** The bubble, in unit coordinates (0..1) of the area it is drawn in. */
function inBubble(u, v) {
  const body = inRoundRect(u, v, 0.2, 0.25, 0.8, 0.65, 0.1)
  const tail = v >= 0.6 && v <= 0.8 && u >= 0.3 && u <= 0.45 && (u - 0.3) >= (v - 0.6) * 0.75
  const dot = [0.35, 0.5, 0.65].some(cx => (u - cx) ** 2 + (v - 0.45) ** 2 <= 0.045 ** 2)
  return (body || tail) && !dot
}

function icon(size, isMaskable) {
  return png(size, (x, y) => {
    const u = x / size
    const v = y / size
    if (isMaskable) {
      // Full bleed; the bubble scaled into the 80% safe zone.
      const su = (u - 0.1) / 0.8
      const sv = (v - 0.1) / 0.8
      return inBubble(su, sv) ? FG : BG
    }
    if (!inRoundRect(u, v, 0.02, 0.02, 0.98, 0.98, 0.18))
      return CLEAR
    return inBubble(u, v) ? FG : BG
  })
}

const out = new URL('../public/', import.meta.url)
writeFileSync(new URL('icon-192.png', out), icon(192, false))
writeFileSync(new URL('icon-512.png', out), icon(512, false))
writeFileSync(new URL('icon-maskable-512.png', out), icon(512, true))
console.log('Wrote public/icon-192.png, icon-512.png, icon-maskable-512.png')
