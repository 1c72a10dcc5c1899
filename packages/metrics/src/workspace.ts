/**
 * Per-size scratch memory shared by the metrics, so evaluating a dataset allocates once rather
 * than per image. JavaScript runs one metric at a time, so sharing is safe.
 */
let distances = new Float64Array(0);
let bins = new Uint8Array(0);

/** A Float64Array of at least `length` entries (contents undefined). */
export function distanceBuffer(length: number): Float64Array {
  if (distances.length < length) distances = new Float64Array(length);
  return distances;
}

/** A Uint8Array of at least `length` entries (contents undefined). */
export function binBuffer(length: number): Uint8Array {
  if (bins.length < length) bins = new Uint8Array(length);
  return bins;
}

let rowsA = new Int32Array(0);
let rowsB = new Int32Array(0);

/** Two Int32Arrays of at least `length` entries each (contents undefined). */
export function rowDistanceBuffers(length: number): [Int32Array, Int32Array] {
  if (rowsA.length < length) {
    rowsA = new Int32Array(length);
    rowsB = new Int32Array(length);
  }
  return [rowsA, rowsB];
}
