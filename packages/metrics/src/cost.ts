export { modelCost } from './cost/model-cost';
export type {
  CostFigures,
  LayerCost,
  LayerCostKind,
  ModelCost,
  ModelCostOptions,
} from './cost/types';
