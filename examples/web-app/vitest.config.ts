// The e2e test builds the app itself (see test/e2e.test.ts); vitest only needs the shared settings.
export { default } from '../../vitest.shared';
