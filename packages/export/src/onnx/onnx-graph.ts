/**
 * An ONNX graph under construction: nodes in topological order, float32 initializers and unique
 * names. The protobuf messages themselves are built by onnx-proto (the generated protobufjs code
 * of the official onnx.proto); this file only collects what goes into them.
 */
import type { onnx } from 'onnx-proto';

/** ONNX TensorProto.DataType values used here (onnx.proto: FLOAT = 1, INT64 = 7). */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/**
 * An attribute value: a number is an INT (it must be an integer), `{ float }` a FLOAT, a string a
 * STRING and a number[] INTS. Floats are always spelled out, so alpha = 1 stays a FLOAT.
 */
export type AttributeValue = number | string | number[] | { float: number };

/** Builds the node list, initializers and names of one ONNX graph. */
export class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A name no other tensor or node of this graph has, derived from `base`. */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'tensor';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a float32 initializer of the given shape and returns its name. */
  addFloat(base: string, shape: readonly number[], values: Float32Array): string {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length) {
      throw new Error(
        `exportOnnx: initializer ${base} has ${values.length} values for shape [${shape}]`,
      );
    }
    const name = this.uniqueName(base);
    // raw_data is little-endian; copy so the bytes do not alias a tensor's buffer.
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
    this.initializers.push({ name, dims: [...shape], dataType: ONNX_FLOAT, rawData: bytes });
    return name;
  }

  /** Adds an int64 initializer (a 1-D list, e.g. a shape or the axes of an op) and returns its name. */
  addInt64(base: string, values: readonly number[]): string {
    const name = this.uniqueName(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => {
      view.setBigInt64(i * 8, BigInt(value), true);
    });
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: bytes });
    return name;
  }

  /**
   * Adds a node `opType(inputs) -> one output` and returns the output's name (derived from
   * `outputBase`, or `outputBase` itself when `reserved`: a name taken earlier with
   * {@link OnnxGraph.uniqueName}). An input name '' stands for an omitted optional input.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputBase: string,
    attributes: Record<string, AttributeValue> = {},
    reserved = false,
  ): string {
    const output = reserved ? outputBase : this.uniqueName(outputBase);
    this.nodes.push({
      opType,
      name: this.uniqueName(`${outputBase}/${opType}`),
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }
}

// onnx.proto AttributeType: FLOAT = 1, INT = 2, STRING = 3, INTS = 7.
function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  if (typeof value === 'object') return { name, type: 1, f: value.float };
  if (!Number.isInteger(value)) {
    throw new Error(`exportOnnx: attribute ${name} = ${value} is not an integer`);
  }
  return { name, type: 2, i: value };
}
