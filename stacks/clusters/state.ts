/**
 * Where each stack keeps its state. kind: local files outside cdktf.out at a path every stack folder
 * resolves the same way. Clouds: the cloud's object store with locking (S3 native lock files, GCS and
 * Azure Blob leases), one key per profile and stack. cdktf reads the same backend for cross-stack
 * references.
 */
import { AzurermBackend, GcsBackend, LocalBackend, S3Backend } from "cdktf";
import type { TerraformStack } from "cdktf";
import type { Profile } from "../../profiles/schema";

/** Local state path for kind and kubeconfig stacks (see the README: outside cdktf.out/, the same from every stack folder). */
export function stateFilePath(stackName: string): string {
  return `../../../state/${stackName}.tfstate`;
}

export function configureBackend(stack: TerraformStack, profile: Profile, stackName: string): void {
  const key = `${profile.name}/${stackName}.tfstate`;
  const { cluster } = profile;
  switch (cluster.provider) {
    case "kind":
    case "kubeconfig":
      new LocalBackend(stack, { path: stateFilePath(stackName) });
      return;
    case "eks":
      new S3Backend(stack, { bucket: cluster.state.bucket, key, region: cluster.state.region, encrypt: true });
      // OpenTofu ≥ 1.10 locks with a lock file next to the state (opentofu/opentofu#2521;
      // https://opentofu.org/docs/v1.11/language/settings/backends/s3/); cdktf's S3Backend lacks the field
      // (hashicorp/terraform-cdk:packages/cdktf/lib/backends/s3-backend.ts).
      stack.addOverride("terraform.backend.s3.use_lockfile", true);
      // An older OpenTofu would reject use_lockfile with a less helpful error; say the version plainly.
      stack.addOverride("terraform.required_version", ">= 1.10.0");
      return;
    case "gke":
      new GcsBackend(stack, { bucket: cluster.state.bucket, prefix: `${profile.name}/${stackName}` });
      return;
    case "aks":
      new AzurermBackend(stack, {
        resourceGroupName: cluster.state.resourceGroup,
        storageAccountName: cluster.state.storageAccount,
        containerName: cluster.state.container,
        key,
        useAzureadAuth: true,
      });
      return;
  }
}
