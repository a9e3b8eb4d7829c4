import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration files each start their own servers; two cores, so keep parallelism modest.
    maxWorkers: 2,
    pool: "forks",
  },
});
