/**
 * A grouped 2-D convolution (AlexNet, ResNeXt, ShuffleNet): the input channels are cut into
 * `groups` equal groups and group i is convolved only into output group i, so the kernel holds
 * kh*kw*(Cin/groups)*Cout weights, `groups` times fewer than a Conv2D. tfjs 4.22 has no grouped
 * Conv2D, so this layer builds one.
 *
 * Two ways exist: split the input and the kernel into groups, convolve each pair and concatenate
 * the results ('split'); or scatter the grouped kernel into a block-diagonal full kernel (zeros
 * off the diagonal blocks) and run one ordinary convolution ('block-diagonal'). The second does
 * `groups` times the multiply-adds but one kernel launch instead of `groups` convolutions plus a
 * split and a concat. The default is 'block-diagonal', measured with
 * packages/runtime/bench/grouped-conv.bench.ts (both implementations interleaved in one run, the
 * ShuffleNet 1x1 group convs of the study: 2-64 channels, groups 2 and 4, 40x60 to 320x480; AMD
 * EPYC, 2 cores shared with other work, 1-minute load 9.5-16; raw JSON lines in
 * packages/runtime/bench/results/grouped-conv-2026-11-29.txt). On wasm, the backend this project
 * trains and runs on, it was faster in 17 of 18 medians (forward and training step), e.g. 16 -> 4
 * channels, groups 2, 160x240: forward 1.4 vs 9.0 ms, training step 15.8 vs 22.8 ms; the one
 * exception was a 40x60 forward pass (1.2 vs 0.7 ms). On cpu the forward pass was 4-70x faster,
 * the training step mixed. Why: at these widths a 1x1 convolution is memory-bound, so the
 * wasted zero multiply-adds cost less than the extra passes over the feature map (the split
 * copies, the per-group outputs, the concat, and their gradients) and the per-op overhead of
 * `groups` small convolutions. The cost convention
 * (`@crack/metrics/cost`) still counts the grouped kernel only: the block-diagonal zeros are an
 * implementation detail, not part of the model.
 *
 * Serialisable: the class is registered with tfjs, so a saved model loads back once this
 * package has been imported.
 */
import {
  add,
  concat,
  conv2d,
  pad,
  relu,
  relu6,
  serialization,
  split,
  type Tensor,
  type Tensor4D,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';

/** How {@link GroupedConv2D} computes: per-group convolutions, or one block-diagonal kernel. */
export type GroupedConvImplementation = 'split' | 'block-diagonal';

/** A tfjs-layers weight initializer. */
type Initializer = ReturnType<typeof initializers.randomNormal>;

/** Options of {@link GroupedConv2D}. */
export interface GroupedConv2DArgs {
  /** Output channels; divisible by `groups`. */
  filters: number;
  /** Square kernel side: 1 or 3. */
  kernelSize: 1 | 3;
  /** Number of groups; divides the input and output channels. 1 is a plain convolution. */
  groups: number;
  /** Add a bias per output channel. Default true. */
  useBias?: boolean;
  /** Activation applied after the bias: 'linear' (default), 'relu' or 'relu6'. */
  activation?: 'linear' | 'relu' | 'relu6';
  /** Kernel initializer (a tfjs RandomNormal). Default: RandomNormal(0, 0.05). */
  kernelInitializer?: Initializer | serialization.ConfigDict;
  /** See {@link GroupedConvImplementation}. Default 'block-diagonal' (faster here, see above). */
  implementation?: GroupedConvImplementation;
  /** Layer name. */
  name?: string;
  /** Whether the weights train. Default true. */
  trainable?: boolean;
}

const CLASS_NAME = 'GroupedConv2D';

function toInitializer(value: GroupedConv2DArgs['kernelInitializer']): Initializer {
  if (value == null) return initializers.randomNormal({ mean: 0, stddev: 0.05 });
  if (typeof (value as Initializer).apply === 'function') return value as Initializer;
  const dict = value as { className?: string; config?: Record<string, number> };
  if (dict.className !== 'RandomNormal') {
    throw new TypeError(
      `${CLASS_NAME}: kernelInitializer must be a RandomNormal initializer, got ${JSON.stringify(value)}`,
    );
  }
  return initializers.randomNormal(dict.config as { mean: number; stddev: number; seed?: number });
}

/** Grouped 2-D convolution, stride 1, 'same' padding, NHWC. See the module comment. */
export class GroupedConv2D extends layers.Layer {
  /** Class name used in saved models. */
  static className = CLASS_NAME;
  /** Output channels. */
  readonly filters: number;
  /** Square kernel side. */
  readonly kernelSize: 1 | 3;
  /** Number of groups. */
  readonly groups: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Activation after the bias. */
  readonly activation: 'linear' | 'relu' | 'relu6';
  /** How the convolution is computed (same result either way). */
  readonly implementation: GroupedConvImplementation;
  private readonly kernelInitializer: Initializer;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  /** @throws Error naming the bad argument (groups, filters, kernelSize, activation). */
  constructor(args: GroupedConv2DArgs) {
    super({ name: args.name, trainable: args.trainable ?? true });
    const { filters, kernelSize, groups } = args;
    if (!Number.isInteger(groups) || groups < 1) {
      throw new RangeError(`${CLASS_NAME}: groups must be an integer >= 1, got ${groups}`);
    }
    if (!Number.isInteger(filters) || filters < 1 || filters % groups !== 0) {
      throw new RangeError(
        `${CLASS_NAME}: filters must be a positive multiple of groups = ${groups}, got ${filters}`,
      );
    }
    if (kernelSize !== 1 && kernelSize !== 3) {
      throw new RangeError(`${CLASS_NAME}: kernelSize must be 1 or 3, got ${kernelSize}`);
    }
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.groups = groups;
    this.useBias = args.useBias ?? true;
    this.activation = args.activation ?? 'linear';
    if (!['linear', 'relu', 'relu6'].includes(this.activation)) {
      throw new TypeError(
        `${CLASS_NAME}: activation must be 'linear', 'relu' or 'relu6', got '${this.activation}'`,
      );
    }
    this.implementation = args.implementation ?? 'block-diagonal';
    if (this.implementation !== 'split' && this.implementation !== 'block-diagonal') {
      throw new TypeError(
        `${CLASS_NAME}: implementation must be 'split' or 'block-diagonal', got '${this.implementation}'`,
      );
    }
    this.kernelInitializer = toInitializer(args.kernelInitializer);
  }

  /** Creates the kernel [k, k, Cin/groups, filters] and the bias; checks Cin against groups. */
  override build(inputShape: Array<number | null> | Array<Array<number | null>>): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<
      number | null
    >;
    const inChannels = shape[shape.length - 1];
    if (inChannels == null || inChannels % this.groups !== 0) {
      throw new RangeError(
        `${CLASS_NAME} '${this.name}': input channels must be a multiple of groups = ${this.groups}, got ${inChannels}`,
      );
    }
    const k = this.kernelSize;
    this.kernel = this.addWeight(
      'kernel',
      [k, k, inChannels / this.groups, this.filters],
      'float32',
      this.kernelInitializer,
    );
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    }
    this.built = true;
  }

  /** The input shape with `filters` channels (stride 1, 'same'). */
  override computeOutputShape(
    inputShape: Array<number | null> | Array<Array<number | null>>,
  ): Array<number | null> {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<
      number | null
    >;
    return [...shape.slice(0, -1), this.filters];
  }

  /** Runs the grouped convolution, bias and activation. */
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor4D;
      const kernel = this.kernel!.read() as Tensor4D;
      let y: Tensor =
        this.groups === 1
          ? conv2d(x, kernel, 1, 'same')
          : this.implementation === 'split'
            ? splitConvolution(x, kernel, this.groups)
            : conv2d(x, blockDiagonalKernel(kernel, this.groups), 1, 'same');
      if (this.bias) y = add(y, this.bias.read());
      if (this.activation === 'relu') return relu(y);
      if (this.activation === 'relu6') return relu6(y);
      return y;
    });
  }

  /** The serialisable config (saved in model.json). */
  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      groups: this.groups,
      useBias: this.useBias,
      activation: this.activation,
      implementation: this.implementation,
      kernelInitializer: {
        className: this.kernelInitializer.getClassName(),
        config: this.kernelInitializer.getConfig(),
      },
    };
  }
}
serialization.registerClass(GroupedConv2D);

function splitConvolution(x: Tensor4D, kernel: Tensor4D, groups: number): Tensor4D {
  const inputs = split(x, groups, 3) as Tensor4D[];
  const kernels = split(kernel, groups, 3) as Tensor4D[];
  return concat(
    inputs.map((part, i) => conv2d(part, kernels[i]!, 1, 'same')),
    3,
  ) as Tensor4D;
}

/**
 * The full [k, k, Cin, Cout] kernel whose diagonal block i is output group i of the grouped
 * kernel [k, k, Cin/groups, Cout]; zeros elsewhere. Built with pad + concat, so the gradient
 * reaches only the grouped weights.
 */
export function blockDiagonalKernel(kernel: Tensor4D, groups: number): Tensor4D {
  return tidy(() => {
    const inPerGroup = kernel.shape[2];
    const blocks = split(kernel, groups, 3).map((block, i) =>
      pad(block, [
        [0, 0],
        [0, 0],
        [i * inPerGroup, (groups - 1 - i) * inPerGroup],
        [0, 0],
      ]),
    );
    return concat(blocks, 3) as Tensor4D;
  });
}
