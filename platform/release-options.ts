/**
 * The helm_release settings that decide what a failed install, a failed upgrade and an uninstall do, resolved
 * once per step from its `onFailedInstall`, `waitOnUninstall` and `adoptExisting` (platform/component.ts).
 *
 * What the helm provider 3.1.1 does with them (hashicorp/terraform-provider-helm@v3.1.1:helm/resource_helm_release.go,
 * which builds on helm.sh/helm/v3 v3.18.4, its go.mod):
 *  - Create: `atomic`, `replace`, `take_ownership`, `wait` go to Helm's install action. A failed install whose
 *    release still exists returns an error without saving state (the `err != nil && rel != nil` branch), so the
 *    next apply installs again, and Helm refuses a name still in use unless `replace` is set and the last
 *    revision is `failed` (helm/helm@v3.18.4:pkg/action/install.go `availableName`).
 *  - `atomic`: Helm's install sets `Wait = Wait || Atomic` and, on failure, uninstalls the release without
 *    keeping history (install.go `failRelease`); the upgrade sets `Wait = Wait || Atomic` too and rolls back to
 *    the last deployed or superseded revision (helm/helm@v3.18.4:pkg/action/upgrade.go `failRelease`).
 *  - `cleanup_on_fail`: read by the upgrade only (provider Update; upgrade.go `failRelease` deletes the objects
 *    the failed upgrade created). The install action has no such field.
 *  - `replace`: read by the install only. The re-install adopts the failed revision's objects, which carry this
 *    release's ownership annotations, by patching them (install.go `existingResourceConflict`, `Update`).
 *  - `wait`: besides installs and upgrades, Delete sets `uninstall.Wait = state.Wait`, and Helm's uninstall then
 *    polls every deleted object by name until none is found (helm/helm@v3.18.4:pkg/kube/wait.go
 *    `waitForDeletedResources`). The uninstall that `atomic` runs after a failed install never waits.
 */
import type { OnFailedInstall, Step } from "./component";

export interface ReleaseOptions {
  readonly onFailedInstall: OnFailedInstall;
  readonly atomic: boolean;
  readonly cleanupOnFail: boolean;
  readonly replace: boolean;
  readonly wait: boolean;
  readonly takeOwnership: boolean;
}

/** A step's onFailedInstall with its default: gates hold nothing; other releases keep what they made unless told. */
export function onFailedInstall(step: Step): OnFailedInstall {
  return step.onFailedInstall ?? (step.kind === "gate" ? "uninstall" : "keep");
}

/** The helm_release arguments of a step; throws when a step asks for a combination that would stop Helm waiting on install. */
export function releaseOptions(step: Step): ReleaseOptions {
  const policy = onFailedInstall(step);
  const uninstall = policy === "uninstall";
  const waitOnUninstall = step.waitOnUninstall ?? true;
  if (!waitOnUninstall && !uninstall) {
    throw new Error(
      `step "${step.name}": waitOnUninstall: false needs onFailedInstall: "uninstall"; without atomic, wait = false would also stop Helm waiting for the install`,
    );
  }
  return {
    onFailedInstall: policy,
    atomic: uninstall,
    cleanupOnFail: uninstall,
    replace: !uninstall,
    wait: waitOnUninstall,
    takeOwnership: step.adoptExisting ?? false,
  };
}
