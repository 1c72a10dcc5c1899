/** Dispatch from the config's `block` to the level builder of the lightweight blocks. */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import type { UnetBlock } from '../config';
import { fireLevel } from './fire';
import { invertedResidualLevel } from './inverted-residual';
import { shuffleLevel } from './shuffle';
import { xceptionLevel } from './xception';

/** Builds one level of a lightweight block kind (not 'standard' or 'separable'). */
export type LevelBuilder = (
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: string) => string,
  context: BlockContext,
) => SymbolicTensor;

/** The level builder of each lightweight block kind. */
export const LIGHTWEIGHT_LEVELS: Readonly<Partial<Record<UnetBlock, LevelBuilder>>> = Object.freeze(
  {
    'inverted-residual': invertedResidualLevel,
    fire: fireLevel,
    shuffle: shuffleLevel,
    xception: xceptionLevel,
  },
);
