// Node-only entry `@crack/distill/cache`: it uses node:fs and node:crypto, so it lives apart from
// the browser-safe losses of the main entry.
export type {
  CacheProgress,
  CacheTeacherLogitsOptions,
  CacheTeacherLogitsResult,
} from './cache/cache-teacher-logits';
export { cacheTeacherLogits } from './cache/cache-teacher-logits';
export { teacherFingerprint } from './cache/fingerprint';
export type { OpenTeacherLogitsOptions, TeacherLogits } from './cache/open-teacher-logits';
export { openTeacherLogits } from './cache/open-teacher-logits';
export type { CacheSample, Teacher, TeacherLogitsDtype, TeacherWeight } from './cache/types';
