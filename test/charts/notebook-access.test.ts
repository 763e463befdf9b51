import { Testing } from "cdk8s";
import type { NotebookAccessProps } from "../../charts/notebook-access";
import { NotebookAccess } from "../../charts/notebook-access";
import type { Manifest } from "../support/render";

const PROPS: NotebookAccessProps = {
  hubServiceAccount: { name: "hub", namespace: "notebooks" },
  namespaces: ["team-a", "team-b"],
  volumes: true,
};

function render(props: NotebookAccessProps = PROPS): Manifest[] {
  return Testing.synth(new NotebookAccess(Testing.app(), "access", props));
}

describe("NotebookAccess", () => {
  test("each team namespace gets a Role for the hub: pods, volume claims and events, nothing else", () => {
    const roles = render().filter((o) => o.kind === "Role");
    expect(roles.map((r) => r.metadata)).toEqual([
      { name: "notebook-hub", namespace: "team-a" },
      { name: "notebook-hub", namespace: "team-b" },
    ]);
    expect(roles[0].rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
      { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create", "delete"] },
      { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
    ]);
  });

  test("without home volumes the Role has no volume claim rule", () => {
    const [role] = render({ ...PROPS, volumes: false }).filter((o) => o.kind === "Role");
    expect(role.rules.map((r: { resources: string[] }) => r.resources)).toEqual([["pods"], ["events"]]);
  });

  test("the Role is bound to the hub's ServiceAccount in its own namespace", () => {
    const bindings = render().filter((o) => o.kind === "RoleBinding");
    expect(bindings[1]).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "notebook-hub", namespace: "team-b" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "notebook-hub" },
      subjects: [{ kind: "ServiceAccount", name: "hub", namespace: "notebooks" }],
    });
  });

  test("nothing is cluster-wide: no ClusterRole, no namespace creation, no Secrets or Services", () => {
    const objects = render();
    expect(objects.map((o) => o.kind).sort()).toEqual(["Role", "Role", "RoleBinding", "RoleBinding"]);
    const resources = objects.flatMap((o) => (o.rules ?? []).flatMap((r: { resources: string[] }) => r.resources));
    expect(resources).not.toContain("secrets");
    expect(resources).not.toContain("services");
    expect(resources).not.toContain("namespaces");
  });

  test("a namespace that is not a DNS label fails with the fix", () => {
    expect(() => render({ ...PROPS, namespaces: ["Team_A"] })).toThrow(
      /NotebookAccess: namespace "Team_A" is not a DNS-1123 label/,
    );
  });
});
