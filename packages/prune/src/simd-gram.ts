/**
 * A WebAssembly SIMD (f64x2) version of the Gram kernel's 2 x 4 register block, generated at run
 * time (a few hundred bytes; no toolchain). V8 compiles JS typed-array loops to scalar code with
 * a bounds check per load, which caps the JS kernel near 2.5 GMAC/s; the same block on two-lane
 * vectors without bounds checks ran at 7-12 GMAC/s here (Node 20, x64), which is what the large
 * selections (C = 128: an N (kC + O)^2 / 2 moment matrix) need. Where WebAssembly SIMD is
 * missing (or blocked, e.g. by a content security policy), the caller falls back to the JS
 * kernel; both compute the same sums (the SIMD one adds even and odd samples separately, so
 * results agree to rounding).
 */

const I32 = 0x7f;
const V128 = 0x7b;

function unsigned(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function signed(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...unsigned(body.length), ...body];
}

function name(text: string): number[] {
  return [...unsigned(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/**
 * `tiles(a0, a1, b, stride, count, out)`: for t < count, the 2 x 4 block of dot products of rows
 * a0, a1 with rows b + (4t + j) * stride (j < 4), each `stride` bytes long (a multiple of 16),
 * written as 8 f64 to out + 64 t (row a0's four, then row a1's). All arguments are byte addresses.
 */
function tilesFunction(): number[] {
  const [a0, a1, b, stride, count, out] = [0, 1, 2, 3, 4, 5];
  // Extra locals: offset, end pointer of a0, pb0..pb3 (i32); x, y, u, acc0..acc7 (v128).
  const offset = 6;
  const pb = [7, 8, 9, 10];
  const x = 11;
  const y = 12;
  const u = 13;
  const acc = [14, 15, 16, 17, 18, 19, 20, 21];
  const code: number[] = [];
  const get = (i: number) => code.push(0x20, ...unsigned(i));
  const set = (i: number) => code.push(0x21, ...unsigned(i));
  const i32 = (v: number) => code.push(0x41, ...signed(v));
  const simd = (op: number, ...imm: number[]) => code.push(0xfd, ...unsigned(op), ...imm);
  const zero = () => simd(0x0c, ...new Array(16).fill(0));

  code.push(0x02, 0x40); // block $exit
  code.push(0x03, 0x40); // loop $tiles
  get(count);
  code.push(0x45); // i32.eqz
  code.push(0x0d, 1); // br_if $exit
  for (let j = 0; j < 4; j++) {
    get(b);
    if (j > 0) {
      get(stride);
      i32(j);
      code.push(0x6c, 0x6a); // i32.mul, i32.add
    }
    set(pb[j] as number);
  }
  for (const a of acc) {
    zero();
    set(a);
  }
  i32(0);
  set(offset);
  code.push(0x03, 0x40); // loop $inner
  get(a0);
  get(offset);
  code.push(0x6a); // i32.add
  simd(0x00, 4, 0); // v128.load
  set(x);
  get(a1);
  get(offset);
  code.push(0x6a);
  simd(0x00, 4, 0);
  set(y);
  for (let j = 0; j < 4; j++) {
    get(pb[j] as number);
    get(offset);
    code.push(0x6a);
    simd(0x00, 4, 0);
    set(u);
    for (const [row, source] of [
      [0, x],
      [1, y],
    ] as const) {
      const target = acc[row * 4 + j] as number;
      get(target);
      get(source);
      get(u);
      simd(0xf2); // f64x2.mul
      simd(0xf0); // f64x2.add
      set(target);
    }
  }
  get(offset);
  i32(16);
  code.push(0x6a);
  code.push(0x22, ...unsigned(offset)); // local.tee
  get(stride);
  code.push(0x49); // i32.lt_u
  code.push(0x0d, 0); // br_if $inner
  code.push(0x0b); // end $inner
  acc.forEach((a, index) => {
    get(out);
    get(a);
    simd(0x21, 0); // f64x2.extract_lane 0
    get(a);
    simd(0x21, 1);
    code.push(0xa0); // f64.add
    code.push(0x39, 3, ...unsigned(index * 8)); // f64.store
  });
  get(b);
  get(stride);
  i32(4);
  code.push(0x6c, 0x6a);
  set(b);
  get(out);
  i32(64);
  code.push(0x6a);
  set(out);
  get(count);
  i32(1);
  code.push(0x6b); // i32.sub
  set(count);
  code.push(0x0c, 0); // br $tiles
  code.push(0x0b); // end $tiles
  code.push(0x0b); // end $exit
  const locals = vector([
    [...unsigned(5), I32],
    [...unsigned(11), V128],
  ]);
  const body = [...locals, ...code, 0x0b];
  return [...unsigned(body.length), ...body];
}

function encodeModule(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vector(new Array(6).fill([I32])), ...vector([])];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...unsigned(1)]])),
    ...section(3, vector([unsigned(0)])),
    ...section(7, vector([[...name('tiles'), 0x00, ...unsigned(0)]])),
    ...section(10, vector([tilesFunction()])),
  ];
  return new Uint8Array(bytes);
}

interface SimdKernel {
  memory: WebAssembly.Memory;
  tiles: (a0: number, a1: number, b: number, stride: number, count: number, out: number) => void;
}

let kernel: SimdKernel | null | undefined;

function loadKernel(): SimdKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    if (typeof WebAssembly === 'undefined') return kernel;
    const bytes = encodeModule();
    if (!WebAssembly.validate(bytes)) return kernel;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory },
    });
    kernel = { memory, tiles: instance.exports.tiles as SimdKernel['tiles'] };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the SIMD Gram kernel is available here (WebAssembly with SIMD). */
export function simdGramAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * target[a][b] += <rows[a], rows[b]> for b >= a (upper triangle of the `dim` x `dim` row-major
 * target) with `rows` a `dim` x `length` row-major block: {@link accumulateGram} on WebAssembly
 * SIMD. Returns false (and does nothing) when SIMD is unavailable or its memory cannot grow.
 */
export function accumulateGramSimd(
  target: Float64Array,
  rows: Float64Array,
  dim: number,
  length: number,
): boolean {
  const simd = loadKernel();
  if (simd === null) return false;
  // Rows padded to an even length (whole f64x2 vectors) and the row count padded with zero rows
  // so every 2 x 4 block reads inside the buffer; padding adds zeros to the sums.
  const stride = length + (length & 1);
  const paddedRows = dim + (dim & 1) + 4;
  const tilesPerPair = Math.ceil(dim / 4);
  const dataBytes = paddedRows * stride * 8;
  const needed = dataBytes + tilesPerPair * 64;
  const have = simd.memory.buffer.byteLength;
  if (needed > have) {
    try {
      simd.memory.grow(Math.ceil((needed - have) / 65536));
    } catch {
      return false; // out of memory for the copy: the JS kernel works in place
    }
  }
  const data = new Float64Array(simd.memory.buffer, 0, paddedRows * stride);
  if (stride === length) {
    data.set(rows.subarray(0, dim * length));
  } else {
    for (let a = 0; a < dim; a++) {
      data.set(rows.subarray(a * length, (a + 1) * length), a * stride);
      data[a * stride + length] = 0;
    }
  }
  data.fill(0, dim * stride);
  const out = new Float64Array(simd.memory.buffer, dataBytes, tilesPerPair * 8);
  const rowBytes = stride * 8;
  for (let a = 0; a < dim; a += 2) {
    const count = Math.ceil((dim - a) / 4);
    simd.tiles(a * rowBytes, (a + 1) * rowBytes, a * rowBytes, rowBytes, count, dataBytes);
    const r0 = a * dim;
    const r1 = r0 + dim;
    const second = a + 1 < dim;
    for (let t = 0; t < count; t++) {
      for (let j = 0; j < 4; j++) {
        const b = a + 4 * t + j;
        if (b >= dim) break;
        target[r0 + b] = (target[r0 + b] as number) + (out[t * 8 + j] as number);
        if (second && b > a) {
          target[r1 + b] = (target[r1 + b] as number) + (out[t * 8 + 4 + j] as number);
        }
      }
    }
  }
  return true;
}
