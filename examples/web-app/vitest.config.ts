// The e2e test builds the app itself (see test/e2e.test.ts); vitest needs the shared settings and,
// because a browser on a loaded CI machine can be many times slower than idle, long bounds: they
// catch hangs only (no test here measures speed).
import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

export default mergeConfig(shared, {
  test: { testTimeout: 900_000, hookTimeout: 900_000 },
});
