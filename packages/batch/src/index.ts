export {
  type BatchJobData,
  type BatchJobResult,
  type IndexRecord,
  type IndexTimings,
  JOB_NAME,
} from './batch-job';
export { assertQueueLocation, type QueueLocation } from './connection';
export { type EnqueueOptions, type EnqueueResult, enqueue, type InputProblem } from './enqueue';
export { fairEngineThreads } from './fair-engine-threads';
export { type DedupMode, type DescribedInput, describeInput } from './job-id';
export {
  jobOutputBase,
  PARTIAL_FOLDER,
  type PhotoJob,
  type PhotoJobOutcome,
  type PhotoJobSettings,
  type ProcessPhotoOptions,
  processPhotoJob,
} from './process-photo';
export {
  type FailedItem,
  type QueueStatus,
  type QueueStatusOptions,
  queueStatus,
} from './queue-status';
export { isUrl, LIST_EXTENSIONS, readInputList } from './read-input-list';
export {
  type CompactIndexOptions,
  compactIndex,
  INDEX_FILE,
  RECORDS_FOLDER,
  type ReadIndexOptions,
  readIndex,
  readRecord,
  recordPath,
  writeRecord,
} from './results-index';
export { createSerialSection, type SerialSection } from './serial-section';
export {
  type BatchJobDone,
  type BatchJobEvent,
  type BatchJobFailed,
  type BatchWorker,
  type BatchWorkerStats,
  type StartWorkerOptions,
  startWorker,
} from './start-worker';
