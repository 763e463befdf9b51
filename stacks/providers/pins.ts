import type { TerraformStack } from "cdktf";
import type { ProviderKey } from "../../platform/versions";
import { PROVIDERS } from "../../platform/versions";

/**
 * The prebuilt bindings write short provider sources (`"helm"`) and loose constraints (`~> 3.0`);
 * OpenTofu resolves short names ambiguously (opentofu/opentofu#2402). Write every provider fully
 * qualified and pinned exactly, from the version table.
 */
export function pinProviders(stack: TerraformStack, keys: readonly ProviderKey[]): void {
  for (const key of keys) {
    const { source, version } = PROVIDERS[key];
    stack.addOverride(`terraform.required_providers.${key}`, { source, version });
  }
}
