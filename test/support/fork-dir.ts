/** Runs `run` as a command would see a fork folder at `dir` (CNAI_FORK_DIR), then restores the tests' setting. */
export function inForkDir<T>(dir: string, run: () => T): T {
  const before = process.env.CNAI_FORK_DIR;
  process.env.CNAI_FORK_DIR = dir;
  try {
    return run();
  } finally {
    process.env.CNAI_FORK_DIR = before;
  }
}
