export {
  type ChannelContributions,
  type ChannelContributionsOptions,
  channelContributions,
  type GramPath,
  gramCost,
} from './channel-contributions';
export { findChannelGroups } from './channel-groups';
export { flattenModel } from './flatten-model';
export { type ConsumerWeights, pruneGroup } from './group-surgery';
export { type LassoSolution, lassoKktViolation, type SolveLassoOptions, solveLasso } from './lasso';
export {
  type ConsumerReport,
  type PruneModelOptions,
  type PruneProgress,
  type PruneReport,
  pruneModel,
  type SiteReport,
} from './prune-model';
export {
  type Reconstruction,
  type ReconstructionErrorOptions,
  type ReconstructWeightsOptions,
  reconstructionError,
  reconstructWeights,
} from './reconstruct';
export {
  type SampleSiteOptions,
  type SamplingImages,
  type SiteSamples,
  sampleSite,
} from './sampling';
export {
  type ChannelSelection,
  filterL1Norms,
  type SelectChannelsOptions,
  selectChannels,
} from './select-channels';
export { findPrunableSites } from './sites';
export { type RemoveChannelsOptions, removeChannels } from './surgery';
export type {
  ChannelAnalysis,
  ChannelCriterion,
  ChannelGroup,
  ChannelPlacement,
  FeatureSamples,
  GroupConsumer,
  GroupMember,
  GroupProducer,
  PrunableSite,
  SiteAnalysis,
  SkippedMap,
} from './types';
export {
  type ReconstructValidatedOptions,
  RIDGE_GRID,
  reconstructValidated,
  type ValidatedReconstruction,
} from './validated-refit';
