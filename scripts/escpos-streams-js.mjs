// Writes hardware/printer/tests/streams/js/: the ESC/POS byte streams that
// @point-of-sale/receipt-printer-encoder (npm; Niels Leenheer's successor of esc-pos-encoder), a
// widely used JavaScript client for receipt printers, sends to a printer, one page per file: a
// second client library's bytes next to python-escpos's in tests/streams/ (written by
// scripts/escpos-streams.py). Also writes manifest.json, in the same shape as
// tests/streams/manifest.json, and README.md.
//
// Each stream is the encoder's initialize(), the case's calls, then cut(), encoded once with
// encode(), made with language 'esc-pos', printerModel 'epson-tm-t20iv' (80 mm, 203 dpi, font A
// 12 x 24 in 48 columns: 576 dots; every symbology the encoder has, code128-auto included) and
// codepageMapping 'epson'. The image streams print tests/streams/image.png, decoded here (a 1-bit
// PNG: zlib is enough, no native modules).
//
// The package is installed outside the repository and found from the working directory or
// NODE_PATH (the script loads the package's CommonJS build through require(), which honours
// both; a plain ESM import would look only next to this file):
//
//     mkdir -p /tmp/jsenc && cd /tmp/jsenc && npm init -y \
//         && npm install @point-of-sale/receipt-printer-encoder@4.0.1   # the files' version
//     cd /tmp/jsenc && node /path/to/repo/scripts/escpos-streams-js.mjs
//   or, from the repository root:
//     NODE_PATH=/tmp/jsenc/node_modules node scripts/escpos-streams-js.mjs
//
// The outputs are committed; this script is not needed to build or test the project, only to
// regenerate them (a newer encoder version may change bytes: review the diff). Node 18 or newer.

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

const PACKAGE = '@point-of-sale/receipt-printer-encoder';
const HERE = dirname(fileURLToPath(import.meta.url));
const STREAMS = join(HERE, '..', 'hardware', 'printer', 'tests', 'streams');
const OUT = join(STREAMS, 'js');
const QR_TEXT = 'https://zw.example.gov.cn/track?c=QX7K-2M4P';
const OPTIONS = {
  language: 'esc-pos',
  printerModel: 'epson-tm-t20iv',
  columns: 48,
  codepageMapping: 'epson',
};

// ---------------------------------------------------------------------------------------------
// The package: from the working directory, else NODE_PATH (require's global paths).

const require = createRequire(import.meta.url);

function loadEncoder() {
  let main;
  try {
    main = require.resolve(PACKAGE, { paths: [process.cwd()] });
  } catch {
    console.error(`${PACKAGE} not found from ${process.cwd()} or NODE_PATH; install it:\n` +
      `  mkdir -p /tmp/jsenc && cd /tmp/jsenc && npm init -y && npm install ${PACKAGE}\n` +
      `  cd /tmp/jsenc && node ${fileURLToPath(import.meta.url)}`);
    process.exit(1);
  }
  let dir = dirname(main);
  while (!existsSync(join(dir, 'package.json')) ||
         JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== PACKAGE) {
    dir = dirname(dir);
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  return { Encoder: require(main), version };
}

// ---------------------------------------------------------------------------------------------
// image.png: a 1-bit (or 2-, 4-, 8-bit) greyscale PNG, to RGBA the encoder takes as
// {data, width, height}.

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function decodePng(file) {
  const buf = readFileSync(file);
  if (buf.subarray(0, 8).toString('latin1') !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG');
  let width; let height; let depth; let colour; let interlace;
  const idat = [];
  for (let i = 8; i < buf.length;) {
    const len = buf.readUInt32BE(i);
    const type = buf.subarray(i + 4, i + 8).toString('latin1');
    const body = buf.subarray(i + 8, i + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      [depth, colour] = [body[8], body[9]];
      interlace = body[12];
    } else if (type === 'IDAT') {
      idat.push(body);
    }
    i += 12 + len;
  }
  if (colour !== 0 || interlace !== 0 || ![1, 2, 4, 8].includes(depth)) {
    throw new Error(`only non-interlaced greyscale PNGs: colour ${colour}, depth ${depth}`);
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = Math.ceil((width * depth) / 8);
  const bpp = 1; // bytes per complete pixel, rounded up, for the filters
  const rows = [];
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Uint8Array.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      const add = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      line[x] = (line[x] + add) & 0xff;
    }
    rows.push(line);
    prev = line;
  }
  const max = (1 << depth) - 1;
  const data = new Uint8ClampedArray(width * height * 4);
  const dark = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const v = (rows[y][bit >> 3] >> (8 - depth - (bit & 7))) & max;
      const grey = Math.round((v * 255) / max);
      data.set([grey, grey, grey, 255], (y * width + x) * 4);
      dark.push(grey < 128);
    }
  }
  return { image: { data, width, height }, dark };
}

// ---------------------------------------------------------------------------------------------
// A reader of the commands the encoder emits, for the manifest's `commands` and `esc_t` fields.
// It knows exactly the commands this encoder sends and stops on anything else.

const le16 = (b, i) => b[i] | (b[i + 1] << 8);
const h2 = (n) => n.toString(16).toUpperCase().padStart(2, '0');

function* commands(s) {
  const n = s.length;
  for (let i = 0; i < n;) {
    const c = s[i];
    let len; let name;
    if (c === 0x1b) {
      const k = s[i + 1];
      name = `1B ${h2(k)}`;
      if ('@2'.includes(String.fromCharCode(k))) len = 2;
      else if ('!EM-4ta3'.includes(String.fromCharCode(k))) len = 3;
      else if (k === 0x70) len = 5;
      else if (k === 0x2a) len = 5 + le16(s, i + 3) * ([32, 33].includes(s[i + 2]) ? 3 : 1);
      else throw new Error(`ESC ${h2(k)} at ${i}`);
    } else if (c === 0x1c) {
      const k = s[i + 1];
      if (k !== 0x2e) throw new Error(`FS ${h2(k)} at ${i}`);
      [len, name] = [2, '1C 2E'];
    } else if (c === 0x1d) {
      const k = s[i + 1];
      name = `1D ${h2(k)}`;
      if ('!BhwH'.includes(String.fromCharCode(k))) {
        len = 3;
      } else if (k === 0x50) {
        len = 4;
      } else if (k === 0x56) {
        len = s[i + 2] >= 65 ? 4 : 3;
        name += ` ${h2(s[i + 2])}`;
      } else if (k === 0x76) {
        len = 8 + le16(s, i + 4) * le16(s, i + 6);
        name += ` ${h2(s[i + 2])}`;
      } else if (k === 0x28) {
        len = 5 + le16(s, i + 3);
        name += ` ${h2(s[i + 2])} ${h2(s[i + 5])} ${h2(s[i + 6])}`;
      } else if (k === 0x6b) {
        const m = s[i + 2];
        len = m <= 6 ? s.indexOf(0, i + 3) - i + 1 : 4 + s[i + 3];
        name += ` ${h2(m)}`;
      } else {
        throw new Error(`GS ${h2(k)} at ${i}`);
      }
    } else if (c < 0x20) {
      [len, name] = [1, h2(c)];
    } else {
      len = 1;
      while (i + len < n && s[i + len] >= 0x20) len++;
      name = 'TEXT';
    }
    if (i + len > n) throw new Error(`${name} at ${i} runs past the end`);
    yield [name, s.subarray(i, i + len)];
    i += len;
  }
}

// The picture an image stream prints, as dark dots, from its GS v 0 or ESC * commands; checked
// against image.png for the 1:1 cases.
function printedDots(cmds) {
  const rows = [];
  let width = 0;
  for (const [name, b] of cmds) {
    if (name === '1D 76 30') {
      const wb = le16(b, 4);
      const h = le16(b, 6);
      width = wb * 8;
      for (let y = 0; y < h; y++) {
        const row = [];
        for (let x = 0; x < width; x++) row.push(((b[8 + y * wb + (x >> 3)] >> (7 - (x & 7))) & 1) === 1);
        rows.push(row);
      }
    } else if (name === '1B 2A') {
      width = le16(b, 3);
      for (let y = 0; y < 24; y++) {
        const row = [];
        for (let x = 0; x < width; x++) row.push(((b[5 + x * 3 + (y >> 3)] >> (7 - (y & 7))) & 1) === 1);
        rows.push(row);
      }
    }
  }
  return { width, rows };
}

// ---------------------------------------------------------------------------------------------
// The cases. `calls` are JavaScript statements run with `e` (the encoder) and `img` (image.png)
// in scope, between e.initialize() and e.cut(); the manifest records them as run.

const CASES = [];

function kase(file, kind, symbology, data, expect, calls, zbarimg = null, options = OPTIONS) {
  CASES.push({ file, kind, symbology, data, expect, calls, zbarimg, options });
}

function gs1Check(body) {
  let total = 0;
  [...body].reverse().forEach((d, i) => { total += Number(d) * (i % 2 === 0 ? 3 : 1); });
  return String((10 - (total % 10)) % 10);
}

const js = (v) => (typeof v === 'string' ?
  `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/[\x00-\x1f]/g,
    (c) => `\\x${h2(c.charCodeAt(0))}`)}'` :
  JSON.stringify(v).replace(/"([A-Za-z]+)":/g, '$1: ').replace(/,/g, ', ').replace(/"/g, "'"));

function barcode(file, symbology, name, data, expect, zbar, options) {
  const call = options === undefined ? `e.barcode(${js(data)}, ${js(symbology)})` :
    `e.barcode(${js(data)}, ${js(symbology)}, ${js(options)})`;
  kase(file, 'barcode', name, data, expect, [call], zbar);
}

const UPCA = '03600029145';
const UPCA_FULL = UPCA + gs1Check(UPCA);
const EAN13 = '692012345678';
const EAN13_FULL = EAN13 + gs1Check(EAN13);
const EAN8 = '9638507';
const EAN8_FULL = EAN8 + gs1Check(EAN8);
const ITF14 = '0001234560001' + gs1Check('0001234560001');
const GTIN13 = '0950110153000'; // a GTIN-14 without its check digit, as GS1 DataBar takes it
const GTIN14 = GTIN13 + gs1Check(GTIN13);

// The encoder sends m 0-6 in GS k's form A (data ended by NUL) and the rest in form B (length
// first); a numeric symbology is sent as it is, so form B of EAN-13 is symbology 67. Its width
// option (1-3) becomes GS w width+1, GS w 2*width for ITF and GS w width for the GS1 types.
// zbarimg reports UPC-A and UPC-E as EAN-13 (a leading 0; UPC-E expanded).
barcode('barcode_upca.bin', 'upca', 'UPC-A', UPCA, UPCA_FULL, `EAN-13:0${UPCA_FULL}`,
  { height: 80, width: 2, text: 'below' });
barcode('barcode_upca_12.bin', 'upca', 'UPC-A', UPCA_FULL, UPCA_FULL, `EAN-13:0${UPCA_FULL}`,
  { height: 80, width: 2, text: 'above' });
barcode('barcode_upce.bin', 'upce', 'UPC-E', '01234565', '01234565', 'EAN-13:0012345000065',
  { height: 64, width: 2, text: 'below' });
// The same symbol from its six digits (number system 0 implied), which python-escpos refuses.
barcode('barcode_upce_6.bin', 'upce', 'UPC-E', '123456', '01234565', 'EAN-13:0012345000065',
  { height: 64, width: 2, text: true });
barcode('barcode_ean13.bin', 'ean13', 'EAN-13', EAN13, EAN13_FULL, `EAN-13:${EAN13_FULL}`,
  { height: 100, width: 2, text: 'below' });
barcode('barcode_ean13_b.bin', 67, 'EAN-13', '4006381333931', '4006381333931',
  'EAN-13:4006381333931', { height: 100, width: 1, text: 'both' });
barcode('barcode_ean8.bin', 'ean8', 'EAN-8', EAN8, EAN8_FULL, `EAN-8:${EAN8_FULL}`,
  { height: 72, width: 2, text: 'below' });
barcode('barcode_code39.bin', 'code39', 'Code 39', 'QX7K-2M4P', 'QX7K-2M4P', 'CODE-39:QX7K-2M4P',
  { height: 80, width: 1, text: 'below' });
// The encoder's defaults: height 60, width 2 (GS w 3), no HRI.
barcode('barcode_code39_defaults.bin', 'code39', 'Code 39', 'ONEVISIT 42', 'ONEVISIT 42',
  'CODE-39:ONEVISIT 42');
barcode('barcode_itf.bin', 'itf', 'ITF', '1234567890', '1234567890', 'I2/5:1234567890',
  { height: 80, width: 2, text: 'below' });
barcode('barcode_itf14.bin', 'itf', 'ITF', ITF14, ITF14, `I2/5:${ITF14}`,
  { height: 80, width: 1, text: 'below' });
barcode('barcode_codabar.bin', 'codabar', 'Codabar', 'A40156B', 'A40156B', 'Codabar:A40156B',
  { height: 80, width: 1, text: 'below' });
barcode('barcode_code93.bin', 'code93', 'Code 93', 'QX7K-2M4P', 'QX7K-2M4P', 'CODE-93:QX7K-2M4P',
  { height: 80, width: 2, text: 'below' });
// The encoder puts {B before Code 128 data that does not start with a code set.
barcode('barcode_code128.bin', 'code128', 'Code 128', 'QX7K-2M4P', 'QX7K-2M4P',
  'CODE-128:QX7K-2M4P', { height: 80, width: 2, text: 'below' });
// Code set C takes each digit pair as one byte 0-99 (Epson's rule): 20 25 04 30.
barcode('barcode_code128c.bin', 'code128', 'Code 128', '{C\x14\x19\x04\x1e', '20250430',
  'CODE-128:20250430', { height: 80, width: 2, text: 'below' });
// m 79, Epson's "CODE128 auto" (newer models): the printer picks the code sets.
barcode('barcode_code128_auto.bin', 'code128-auto', 'Code 128 auto', 'QX7K-2M4P', 'QX7K-2M4P',
  'CODE-128:QX7K-2M4P', { height: 80, width: 2, text: 'below' });
// The encoder removes ( ) and * from GS1-128 data: the AIs go without their parentheses.
barcode('barcode_gs1_128.bin', 'gs1-128', 'GS1-128', `(01)${GTIN14}(17)261231(10)AB12`,
  `01${GTIN14}1726123110AB12`, `CODE-128:01${GTIN14}1726123110AB12`,
  { height: 80, width: 2, text: 'below' });
barcode('barcode_gs1_databar_omni.bin', 'gs1-databar-omni', 'GS1 DataBar Omnidirectional',
  GTIN13, `01${GTIN14}`, null, { height: 64, width: 2, text: 'below' });
barcode('barcode_gs1_databar_truncated.bin', 'gs1-databar-truncated', 'GS1 DataBar Truncated',
  GTIN13, `01${GTIN14}`, null, { height: 64, width: 2, text: 'below' });
barcode('barcode_gs1_databar_limited.bin', 'gs1-databar-limited', 'GS1 DataBar Limited',
  GTIN13, `01${GTIN14}`, null, { height: 64, width: 2, text: 'below' });
barcode('barcode_gs1_databar_expanded.bin', 'gs1-databar-expanded', 'GS1 DataBar Expanded',
  `(01)${GTIN14}(17)261231`, `01${GTIN14}17261231`, null, { height: 64, width: 2, text: 'below' });

// Two-dimensional symbols, native (GS ( k): QR and PDF417.
kase('qr_native.bin', 'qr', 'QR (GS ( k, model 2)', QR_TEXT, QR_TEXT,
  [`e.qrcode(${js(QR_TEXT)}, {model: 2, size: 3, errorlevel: 'l'})`], `QR-Code:${QR_TEXT}`);
kase('qr_native_m6.bin', 'qr', 'QR (GS ( k, model 2)', QR_TEXT, QR_TEXT,
  [`e.qrcode(${js(QR_TEXT)})`], `QR-Code:${QR_TEXT}`);
kase('qr_native_center_h.bin', 'qr', 'QR (GS ( k, model 2)', QR_TEXT, QR_TEXT,
  [`e.align('center').qrcode(${js(QR_TEXT)}, {size: 4, errorlevel: 'h'}).align('left')`],
  `QR-Code:${QR_TEXT}`);
kase('pdf417.bin', 'pdf417', 'PDF417 (GS ( k)', QR_TEXT, QR_TEXT,
  [`e.pdf417(${js(QR_TEXT)})`]);

// Images: image.png (200 x 120) in both of the encoder's modes.
const IMG_EXPECT = 'image.png, 200 x 120 dots, 1:1';
kase('image_column.bin', 'image', 'ESC * (column)', 'image.png',
  `${IMG_EXPECT}, in five 24-dot bands (ESC * 33), with GS P 203 203 and ESC 3 24 first`,
  ["e.image(img, {mode: 'column'})"]);
kase('image_column_generic.bin', 'image', 'ESC * (column)', 'image.png',
  `${IMG_EXPECT}, in five 24-dot bands, made without a printer model: ESC 3 24 and no GS P`,
  ["e.image(img, {mode: 'column'})"], null,
  { language: 'esc-pos', columns: 48, codepageMapping: 'epson' });
kase('image_raster.bin', 'image', 'GS v 0 (raster)', 'image.png', IMG_EXPECT,
  ["e.image(img, {mode: 'raster'})"]);
kase('image_raster_center.bin', 'image', 'GS v 0 (raster)', 'image.png',
  `${IMG_EXPECT}, centred by the printer (ESC a 1 before it, ESC a 0 after)`,
  ["e.align('center').image(img, {mode: 'raster'}).align('left')"]);
kase('image_raster_tall.bin', 'image', 'GS v 0 (raster)', 'image.png',
  'image.png stretched by the encoder to 200 x 360 (bilinear, threshold 128), sent as two ' +
  'GS v 0 of 255 and 105 rows that join without a seam',
  ["e.image(img, {width: 200, height: 360, mode: 'raster'})"]);

// Text.
const CAFE = 'Café Ünïcödé £ ± °';
kase('text_styles.bin', 'text', null, null,
  'one ASCII line per style, each line naming its style, styles turned off after each',
  [
    "e.line('Plain line')",
    "e.bold(true).line('Bold').bold(false)",
    "e.italic(true).line('Italic (ESC 4)').italic(false)",
    "e.underline(true).line('Underline').underline(false)",
    "e.invert(true).line(' Reverse (GS B) ').invert(false)",
    "e.width(2).line('Double width').width(1)",
    "e.height(2).line('Double height').height(1)",
    "e.size(2, 2).line('Double both').size(1)",
    "e.font('B').line('Font B: 64 columns on 80 mm').font('A')",
    "e.align('center').line('Centred').align('right').line('Right').align('left')",
    "e.line('Left again')",
    "e.bold(true).underline(true).text('Bold underlined').bold(false).underline(false)",
    "e.text(', then plain').newline()",
  ]);
kase('text_custom_size.bin', 'text', null, null,
  'GS ! sizes: 1x1 to 8x8 on the diagonal, then 2x1, 1x2 and 3x5 (width x height)',
  [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7], [8, 8], [2, 1], [1, 2], [3, 5]]
    .map(([w, h]) => `e.size(${w}, ${h}).line('${w}x${h}')`)
    .concat(["e.size(1).line('normal')"]));
kase('text_codepage_auto.bin', 'text', null, `${CAFE}\nПривет`,
  `${CAFE} (PC437, ESC t 0) then Привет (PC866, ESC t 17): the encoder picks the table by itself`,
  [`e.codepage('auto').line(${js(CAFE)}).line('Привет')`]);
kase('text_codepage_forced.bin', 'text', null, `${CAFE}\nПривет`,
  "the same two lines in tables chosen with e.codepage(): PC437, WPC1252 (ESC t 16), PC866; " +
  "a character a forced table lacks prints as '?'",
  [`e.codepage('cp437').line(${js(CAFE)})`, `e.codepage('windows1252').line(${js(CAFE)})`,
    "e.codepage('cp866').line('Привет').line('Café')"]);
kase('text_layout.bin', 'text', null, null,
  "what the encoder lays out itself: a line wrapped at 48 columns, a rule, a table, a box " +
  "(PC437 line-drawing characters, the box with ESC 3 0 so its sides touch), and markdown",
  [
    "e.line('A long line that the encoder wraps itself at forty-eight columns, between words.')",
    'e.rule()',
    "e.table([{width: 24}, {width: 24, align: 'right'}], [['Coffee', '2.50'], ['Tea', '1.80']])",
    "e.rule({style: 'double'})",
    "e.box({outline: 'single', width: 24}, 'In a box')",
    "e.markdown('# Total\\n\\n**Paid** with *card*')",
  ]);

// Drawer, cuts and line spacing.
kase('cashdraw.bin', 'status', null, null,
  'drawer pulses: pin 2 (100 ms on, 500 ms off: ESC p 0 50 250), pin 5 (ESC p 1 50 250), ' +
  'then pin 2 with 50 ms on, 510 ms off (ESC p 0 25 255)',
  ['e.pulse()', 'e.pulse(1)', 'e.pulse(0, 50, 510)']);
kase('cuts.bin', 'status', null, null,
  'two pages, not one: a partial cut (GS V 1), then the usual final cut (GS V 0), each after ' +
  'four line feeds and followed by LF CR',
  ["e.line('page 1: partial cut')", "e.cut('partial')", "e.line('page 2')"]);
kase('misc.bin', 'status', null, null,
  'line spacing none (ESC 3 0) and default (ESC 2), and blank lines by newline(2)',
  ["e.lineSpacing('none').line('Line spacing none').line('ESC 3 0')",
    "e.lineSpacing('default').line('Default spacing (ESC 2)')", 'e.newline(2)',
    "e.line('after two blank lines')"]);

// ---------------------------------------------------------------------------------------------

function run(Encoder, c, img) {
  const e = new Encoder(c.options);
  e.initialize();
  for (const call of c.calls) {
    new Function('e', 'img', call)(e, img); // eslint-disable-line no-new-func
  }
  e.cut();
  return Buffer.from(e.encode());
}

const escMd = (s) => s.replace(/\|/g, '\\|');

function summary(entry, cmds) {
  const { kind, expect } = entry;
  if (kind === 'qr' || kind === 'pdf417') {
    const fn = Object.fromEntries(cmds.filter(([n]) => n.startsWith('1D 28 6B'))
      .map(([, b]) => [b[6], b[7]]));
    if (kind === 'pdf417') {
      const level = cmds.find(([n]) => n === '1D 28 6B 30 45')[1][8] - 48;
      return `PDF417, native (GS ( k cn 48), module width ${fn[0x43]} dots, row height ` +
        `${fn[0x44]} modules, error correction level ${level}: reads ${expect}`;
    }
    const align = cmds.some(([n, b]) => n === '1B 61' && b[2] === 1) ? ', centred (ESC a 1)' : '';
    return `QR model 2, native (GS ( k), module ${fn[0x43]} dots, error correction ` +
      `${'LMQH'[fn[0x45] - 48]}${align}: reads ${expect}`;
  }
  if (kind === 'barcode') {
    const [, k] = cmds.find(([n]) => n.startsWith('1D 6B'));
    const set = Object.fromEntries(cmds.filter(([, b]) => b.length === 3).map(([n, b]) => [n, b[2]]));
    const hri = ['no HRI', 'HRI above', 'HRI below', 'HRI above and below'][set['1D 48']];
    const form = k[2] <= 6 ? 'A' : 'B';
    return `${entry.symbology}, \`GS k ${k[2]}\` (form ${form}), ${hri}, width ${set['1D 77']}, ` +
      `height ${set['1D 68']}, no GS f: reads ${expect}`;
  }
  return escMd(expect);
}

function main() {
  const { Encoder, version } = loadEncoder();
  const { image: img, dark } = decodePng(join(STREAMS, 'image.png'));
  mkdirSync(OUT, { recursive: true });
  const manifest = [];
  const rows = [];
  for (const c of CASES) {
    const stream = run(Encoder, c, img);
    writeFileSync(join(OUT, c.file), stream);
    const cmds = [...commands(stream)];
    if (c.kind === 'image' && c.expect.startsWith(IMG_EXPECT)) {
      const { width, rows: got } = printedDots(cmds);
      const same = width === img.width && got.length === img.height &&
        got.every((row, y) => row.every((d, x) => d === dark[y * img.width + x]));
      if (!same) throw new Error(`${c.file}: does not hold image.png dot for dot`);
    }
    const prefix = c.options === OPTIONS ? '' :
      `[encoder options ${js(c.options)}, no printerModel] `;
    const entry = {
      file: c.file,
      kind: c.kind,
      symbology: c.symbology,
      data: c.data,
      expect: c.expect,
      library_call: prefix + c.calls.join('; '),
      bytes: stream.length,
      commands: [...new Set(cmds.map(([n]) => n).filter((n) => n !== 'TEXT'))].sort(),
    };
    if (c.zbarimg) entry.zbarimg = c.zbarimg;
    entry.pages = cmds.filter(([n]) => n.startsWith('1D 56')).length;
    const escT = cmds.filter(([n]) => n === '1B 74').map(([, b]) => b[2]);
    if (escT.length) entry.esc_t = escT;
    manifest.push(entry);
    rows.push(`| \`${c.file}\` | ${c.kind} | ${stream.length} | ${summary(entry, cmds)} |`);
    console.log(`${c.file.padEnd(36)} ${String(stream.length).padStart(6)} bytes`);
  }
  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  rows.push('| `manifest.json` | | | the cases, as above |');
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(join(OUT, 'README.md'), readme(version, date, rows.join('\n')));
  console.error(`${PACKAGE} ${version}, printer model ${OPTIONS.printerModel}: ` +
    `${manifest.length} streams`);
}

function readme(version, date, rows) {
  return `# ESC/POS streams from @point-of-sale/receipt-printer-encoder

What [@point-of-sale/receipt-printer-encoder](https://www.npmjs.com/package/@point-of-sale/receipt-printer-encoder)
${version} (Niels Leenheer's successor of \`esc-pos-encoder\`), a widely used JavaScript client for
receipt printers, sends to a printer: recorded on ${date} with Node ${process.version} and the options
\`{language: 'esc-pos', printerModel: 'epson-tm-t20iv', columns: 48, codepageMapping: 'epson'}\`
(80 mm, 203 dpi, font A 12 x 24 in 48 columns: 576 dots; every symbology the encoder has). A
second client's bytes next to python-escpos's in \`..\`: test input for the interpreter in
\`src/interp\`, made by another program than our encoder.

Each \`.bin\` is \`e.initialize()\`, the case's calls, then \`e.cut()\`, encoded once with
\`e.encode()\`, so each prints one page; \`cuts.bin\` prints two.

- \`manifest.json\`: the same fields as \`../manifest.json\`: per file \`kind\` (\`pdf417\` is new
  here), \`symbology\`, \`data\`, \`expect\` (what a decoder reads, check digits included, or what
  should print), \`zbarimg\` (the line zbarimg 0.23.92 prints with default settings: for the same
  data as python-escpos's streams the same line as \`../manifest.json\`, not read back from these
  streams; for Code 128 auto the line for the Code 128 symbol a printer draws; none for GS1
  DataBar, as in \`../manifest.json\`, nor for PDF417), \`library_call\` (the calls as run,
  between \`initialize()\` and \`cut()\`, with \`e\` the encoder and \`img\` image.png), \`bytes\`,
  \`pages\`, \`commands\` (the distinct command prefixes in the file, hex) and \`esc_t\` (the
  \`ESC t\` tables selected, in order).
- The image streams print \`../image.png\` (200 x 120); the 1:1 ones hold it dot for dot (the
  script checks).

Regenerate (the files are committed; nothing here is needed to build or test):

    mkdir -p /tmp/jsenc && cd /tmp/jsenc && npm init -y && npm install ${PACKAGE}@${version}
    cd /tmp/jsenc && node /path/to/repo/scripts/escpos-streams-js.mjs
    # or from the repository root: NODE_PATH=/tmp/jsenc/node_modules node scripts/escpos-streams-js.mjs

## What the encoder sends that differs from python-escpos

- \`initialize()\` is \`ESC @\`, \`FS .\` (cancel Kanji/Chinese mode) and \`ESC M 0\`: on a printer
  that starts in Chinese mode the code-table text below prints as the client meant. The first
  text is preceded by \`ESC t n\` (PC437 unless another table is chosen); \`codepage('auto')\` picks
  a table per run of text, here \`ESC t 0\` then \`ESC t 17\`, as python-escpos does.
- Lines end in \`LF CR\` (the option \`newline\` defaults to \`'\\n\\r'\`), not \`LF\`.
- \`cut()\` sends four \`LF CR\` first (the printer model's \`feedBeforeCut\`), then \`GS V 0\` (or
  \`GS V 1\`), then \`LF CR\`: every stream has two bytes after its cut, a feed on the next page.
- Barcodes, QR and PDF417 codes and images are blocks: the print buffer is flushed before them,
  and they are followed by \`LF CR\` although they advance the paper themselves. Alignment is
  \`ESC a\` only around a block (\`ESC a 1\` before, \`ESC a 0\` after); text lines are aligned by the
  encoder with spaces.
- \`GS k\`: \`GS h\`, \`GS w\`, \`GS H\` first, never \`GS f\` (HRI font is whatever the printer has: font
  A after \`ESC @\`). m 0-6 go in form A (NUL-ended), the others in form B; m 79 (Code 128 auto)
  and 75-78 (GS1 DataBar) are sent too. The width option 1-3 becomes \`GS w\` 2-4, but \`GS w\` 2, 4,
  6 for ITF and 1-3 for the GS1 types. Code 128 data gets \`{B\` in front unless it starts with
  \`{\`. **GS1-128 data is sent without the AIs' parentheses** (the encoder removes \`(\`, \`)\` and
  \`*\`): \`GS k 74\` with \`01095011015300031726123110AB12\`, which leaves the printer to find
  where each AI and field ends.
- QR: \`GS ( k\` functions 65 (model), 67 (size), 69 (error level), 80 (data), 81 (print); no
  function 82. PDF417: functions 65, 66, 67, 68, 69 (\`m 48\`: by level, \`n\` = 48 + level), 70,
  80, 81. QR data is sent as ISO 8859-1, barcode and PDF417 data as ASCII.
- Images: \`ESC *\` in 24-dot bands (\`ESC * 33\`, each band ended by LF), between \`ESC 3 24\` and
  \`ESC 2\`; with a printer model that has a resolution the encoder also sends \`GS P 203 203\`
  before (so 24 motion units are 24 dots) and \`GS P 0 0\` after (back to the defaults).
  \`GS v 0\` (m 0) is sent in pieces of at most 255 rows. No \`GS ( L\`.
- Styles: \`ESC E\`, \`ESC -\` (1 dot only), \`GS B\`, **\`ESC 4 n\` for italic** (not an Epson
  command: Star's, and some clones'), \`GS ! n\` for every size (never \`ESC !\`), \`ESC M n\` for the
  font. Borders of boxes and tables are PC437 line-drawing characters printed with \`ESC 3 0\`.
- No buzzer/beep, status query, \`ESC d\`, \`ESC J\`, tab or slip commands: the encoder has none
  (only \`raw()\`, not used here). Pulses are \`ESC p m t1 t2\` with m 0 or 1 and the times halved
  from milliseconds.
- Not recorded: QR model 1 (\`GS ( k\` function 65 with 49; zbarimg does not read model 1) and
  StarPRNT/Star Line output (not ESC/POS). Form B of m 0-6 only by a numeric symbology
  (\`barcode_ean13_b.bin\` uses 67); the HRI font cannot be chosen.

## Files

| File | Kind | Bytes | Content |
|---|---|---:|---|
${rows}
`;
}

main();
