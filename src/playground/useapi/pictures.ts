/**
 * Real image bytes for the emulator's media links: a PNG in the prompt's colours with the image
 * number drawn as big blocky digits (a 2×2 grid of them for the grid image). No packages: the PNG
 * is written by hand with node:zlib.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An 8-bit RGB PNG of `width`×`height`, each pixel from `pixel(x, y)`. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Buffer {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const at = y * stride + 1 + x * 3;
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter set, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 3×5 digits, one string of rows per digit. */
const DIGITS = ['111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001', '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111'];

function digitCovers(digit: number, u: number, v: number): boolean {
  const column = Math.floor(u * 3);
  const row = Math.floor(v * 5);
  return DIGITS[digit]?.[row * 3 + column] === '1';
}

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as unknown as Rgb;

/** Two colours from the prompt's text, the same prompt always giving the same pair. */
export function promptColours(prompt: string): [Rgb, Rgb] {
  const hash = createHash('sha256').update(prompt).digest();
  const hue = (hash[0]! * 360) / 256;
  return [hsl(hue, 0.65, 0.55), hsl((hue + 40 + hash[1]! / 4) % 360, 0.6, 0.28)];
}

export interface PictureOptions {
  prompt: string;
  width: number;
  height: number;
  /** 1..4: one image with that number; 'grid': the four in a 2×2 grid. */
  image: number | 'grid';
  /** A preview while the job runs: darker, without the numbers. */
  preview?: boolean;
}

/** A picture of the job: a gradient in the prompt's colours, the image number in big blocky digits. */
export function jobPicture(opts: PictureOptions): Buffer {
  const [light, dark] = promptColours(opts.prompt);
  const { width, height } = opts;
  const cells = opts.image === 'grid' ? 2 : 1;
  const cellW = width / cells;
  const cellH = height / cells;
  const digitH = cellH * 0.5;
  const digitW = (digitH * 3) / 5;
  return encodePng(width, height, (x, y) => {
    const column = Math.min(cells - 1, Math.floor(x / cellW));
    const row = Math.min(cells - 1, Math.floor(y / cellH));
    const cx = x - column * cellW;
    const cy = y - row * cellH;
    if (cells === 2 && (cx < 2 || cy < 2)) return [20, 20, 24];
    const number = opts.image === 'grid' ? row * 2 + column + 1 : opts.image;
    const shade = mix(light, dark, (cx / cellW + cy / cellH) / 2);
    if (opts.preview) return mix(shade, [30, 31, 34], 0.6);
    const u = (cx - (cellW - digitW) / 2) / digitW;
    const v = (cy - (cellH - digitH) / 2) / digitH;
    if (u >= 0 && u < 1 && v >= 0 && v < 1 && digitCovers(number % 10, u, v)) return [250, 250, 250];
    return shade;
  });
}
