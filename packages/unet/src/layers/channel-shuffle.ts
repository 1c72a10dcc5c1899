/**
 * ShuffleNet's channel shuffle (Zhang et al. 2018): with `groups` groups of C/groups channels,
 * channel j*groups + i of the output is channel i*(C/groups) + j of the input, so the next group
 * convolution sees channels from every group of the previous one. It is a reshape to
 * [.., groups, C/groups], a transpose of those two axes and a reshape back: no weights, no
 * multiply-adds. tfjs-layers' Reshape cannot express it for a model of free input size (two
 * unknown dimensions), hence this small registered layer.
 */
import { reshape, serialization, type Tensor, tidy, transpose } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

/** Options of {@link ChannelShuffle}. */
export interface ChannelShuffleArgs {
  /** Number of groups; divides the input channels. */
  groups: number;
  /** Layer name. */
  name?: string;
}

const CLASS_NAME = 'ChannelShuffle';

/** Channel shuffle over the last (channel) axis of an NHWC tensor. */
export class ChannelShuffle extends layers.Layer {
  /** Class name used in saved models. */
  static className = CLASS_NAME;
  /** Number of groups. */
  readonly groups: number;

  /** @throws Error if groups is not an integer >= 1. */
  constructor(args: ChannelShuffleArgs) {
    super({ name: args.name });
    if (!Number.isInteger(args.groups) || args.groups < 1) {
      throw new RangeError(`${CLASS_NAME}: groups must be an integer >= 1, got ${args.groups}`);
    }
    this.groups = args.groups;
  }

  /** Checks that the input is NHWC with channels a multiple of groups. */
  override build(inputShape: Array<number | null> | Array<Array<number | null>>): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<
      number | null
    >;
    const channels = shape[shape.length - 1];
    if (shape.length !== 4 || channels == null || channels % this.groups !== 0) {
      throw new RangeError(
        `${CLASS_NAME} '${this.name}': input must be NHWC with channels a multiple of groups = ${this.groups}, got [${shape.join(', ')}]`,
      );
    }
    this.built = true;
  }

  /** The input shape (a shuffle keeps it). */
  override computeOutputShape(
    inputShape: Array<number | null> | Array<Array<number | null>>,
  ): Array<number | null> {
    return [
      ...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>),
    ];
  }

  /** Reshape to [.., groups, C/groups], swap the two axes, reshape back. */
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
      const [batch, height, width, channels] = x.shape as [number, number, number, number];
      if (this.groups === 1) return x.clone();
      const grouped = reshape(x, [batch, height, width, this.groups, channels / this.groups]);
      return reshape(transpose(grouped, [0, 1, 2, 4, 3]), [batch, height, width, channels]);
    });
  }

  /** The serialisable config (saved in model.json). */
  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups };
  }
}
serialization.registerClass(ChannelShuffle);
