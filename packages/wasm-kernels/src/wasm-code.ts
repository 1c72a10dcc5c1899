/**
 * Just enough of the WebAssembly binary format to build small SIMD kernels at run time: one
 * imported memory, functions over i32 and v128 locals, and the handful of instructions they use.
 * (No toolchain is needed to build the package, and the code is checked by WebAssembly.validate
 * before use.)
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
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

/** Signed LEB128 (32-bit). */
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
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

/** A function body being written: instructions append bytes. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly extraLocals: number[] = [];

  /** @param params Value types of the parameters (locals 0..n-1). */
  constructor(
    readonly params: number[],
    readonly results: number[] = [],
  ) {}

  /** Declares a local of `type`; returns its index. */
  local(type: number): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  get = (index: number) => this.emit(0x20, ...unsigned(index));
  set = (index: number) => this.emit(0x21, ...unsigned(index));
  tee = (index: number) => this.emit(0x22, ...unsigned(index));
  i32 = (value: number) => this.emit(0x41, ...signed(value));
  add = () => this.emit(0x6a);
  sub = () => this.emit(0x6b);
  mul = () => this.emit(0x6c);
  eqz = () => this.emit(0x45);
  ltU = () => this.emit(0x49);
  block = () => this.emit(0x02, 0x40);
  loop = () => this.emit(0x03, 0x40);
  end = () => this.emit(0x0b);
  brIf = (depth: number) => this.emit(0x0d, ...unsigned(depth));
  /** i32.load with a constant byte offset. */
  loadI32 = (offset = 0) => this.emit(0x28, 2, ...unsigned(offset));
  /** v128.load with a constant byte offset. */
  load = (offset = 0) => this.simd(0x00, 4, offset);
  /** v128.load32_splat: one f32 in all four lanes. */
  splat = (offset = 0) => this.simd(0x09, 2, offset);
  store = (offset = 0) => this.simd(0x0b, 4, offset);
  addF32x4 = () => this.emit(0xfd, ...unsigned(0xe4));
  /** f32x4.gt: all-ones lanes where a > b (false for NaN). */
  gtF32x4 = () => this.emit(0xfd, ...unsigned(0x44));
  and = () => this.emit(0xfd, ...unsigned(0x4e));
  /** v128.andnot: a & ~b. */
  andNot = () => this.emit(0xfd, ...unsigned(0x4f));
  /** v128.bitselect(a, b, mask): a where mask bits are set, else b. */
  bitselect = () => this.emit(0xfd, ...unsigned(0x52));
  /** v128.const with four equal f32 lanes. */
  constF32x4 = (value: number) => {
    const lane = [...new Uint8Array(new Float32Array([value]).buffer)];
    return this.emit(0xfd, ...unsigned(0x0c), ...lane, ...lane, ...lane, ...lane);
  };
  mulF32x4 = () => this.emit(0xfd, ...unsigned(0xe6));
  /**
   * f32x4.relaxed_madd (the relaxed-SIMD proposal): a * b + c, in one fused instruction where the
   * CPU has FMA, else rounded after the product as mul + add are.
   */
  relaxedMaddF32x4 = () => this.emit(0xfd, ...unsigned(0x105));
  /**
   * sum += a * b on three v128 locals: one relaxed_madd when `fused`, else f32x4.mul then
   * f32x4.add (plain SIMD128 has no multiply-add).
   */
  multiplyAdd = (sum: number, a: number, b: number, fused: boolean) =>
    fused
      ? this.get(a).get(b).get(sum).relaxedMaddF32x4().set(sum)
      : this.get(sum).get(a).get(b).mulF32x4().addF32x4().set(sum);
  /** f32x4.max (NaN if either lane is NaN). */
  maxF32x4 = () => this.emit(0xfd, ...unsigned(0xe9));
  /** f32x4.min (NaN if either lane is NaN; -0 below +0). */
  minF32x4 = () => this.emit(0xfd, ...unsigned(0xe8));
  /** f32x4.lt, f32x4.le, f32x4.ge: all-ones lanes where true (false for NaN). */
  ltF32x4 = () => this.emit(0xfd, ...unsigned(0x43));
  leF32x4 = () => this.emit(0xfd, ...unsigned(0x45));
  geF32x4 = () => this.emit(0xfd, ...unsigned(0x46));
  /** i16x8.narrow_i32x4_s: two i32x4 to one i16x8, saturating (a's lanes first). */
  narrowI32x4 = () => this.emit(0xfd, ...unsigned(0x85));
  /** i8x16.narrow_i16x8_s: two i16x8 to one i8x16, saturating (a's lanes first). */
  narrowI16x8 = () => this.emit(0xfd, ...unsigned(0x65));
  /** i8x16.neg: all-ones bytes (-1) become 1. */
  negI8x16 = () => this.emit(0xfd, ...unsigned(0x61));

  private simd(op: number, align: number, offset: number): this {
    return this.emit(0xfd, ...unsigned(op), ...unsigned(align), ...unsigned(offset));
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  /** The encoded body (locals grouped by runs of one type, then the code, then `end`). */
  encode(): number[] {
    const groups: number[][] = [];
    for (const type of this.extraLocals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === type) last[0] = (last[0] as number) + 1;
      else groups.push([1, type]);
    }
    const body = [
      ...vector(groups.map(([count, type]) => [...unsigned(count as number), type as number])),
      ...this.code,
      0x0b,
    ];
    return [...unsigned(body.length), ...body];
  }
}

/**
 * A module importing `env.memory` (shared if `shared`) and exporting `functions` by name.
 */
export function encodeModule(
  functions: Record<string, FunctionBody>,
  shared = false,
): Uint8Array<ArrayBuffer> {
  const entries = Object.entries(functions);
  const types = entries.map(([, f]) => [
    0x60,
    ...vector(f.params.map((t) => [t])),
    ...vector(f.results.map((t) => [t])),
  ]);
  const memoryLimits = shared ? [0x03, ...unsigned(1), ...unsigned(65536)] : [0x00, ...unsigned(1)];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])),
    ...section(3, vector(entries.map((_, i) => unsigned(i)))),
    ...section(7, vector(entries.map(([n], i) => [...name(n), 0x00, ...unsigned(i)]))),
    ...section(10, vector(entries.map(([, f]) => f.encode()))),
  ];
  return new Uint8Array(bytes);
}
