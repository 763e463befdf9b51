/**
 * Jest setup: our tests see only the distribution's profiles, whatever a fork keeps in fork/ (its own files are
 * checked by `npm run check:profiles`), so a fork's `npm test` passes with its profiles in place. A test that is
 * about fork files sets CNAI_FORK_DIR itself.
 */
import { join } from "node:path";
import { tmpdir } from "node:os";

process.env.CNAI_FORK_DIR = join(tmpdir(), "cnai-tests-have-no-fork-folder");
