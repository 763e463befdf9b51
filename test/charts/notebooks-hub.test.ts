/**
 * Runs charts/notebooks-hub.py with python3 the way the chart's jupyterhub_config.py does (`c` and z2jh's
 * get_config in scope), with stand-ins for both, and checks which server options each user is offered.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const SCRIPT = resolve(__dirname, "../../charts/notebooks-hub.py");

const HARNESS = `
import json, os, sys, types

class Section(dict):
    def __getattr__(self, key):
        return self[key]
    def __setattr__(self, key, value):
        self[key] = value

class Config(dict):
    def __getattr__(self, key):
        return self.setdefault(key, Section())

values = json.loads(os.environ["VALUES"])

def get_config(key, default=None):
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node

z2jh = types.ModuleType("z2jh")
z2jh.get_config = get_config
sys.modules["z2jh"] = z2jh

c = Config()
exec(compile(open(os.environ["SCRIPT"]).read(), "notebooks-hub.py", "exec"), {"c": c})

def spawner(name, groups):
    user = types.SimpleNamespace(name=name, groups=[types.SimpleNamespace(name=g) for g in groups])
    return types.SimpleNamespace(user=user)

result = {"password": c.SharedPasswordAuthenticator.get("user_password")}
for name, groups in json.loads(os.environ["USERS"]):
    s = spawner(name, groups)
    options = [p["slug"] for p in c.KubeSpawner.profile_list(s)]
    try:
        c.KubeSpawner.pre_spawn_hook(s)
        refused = None
    except ValueError as error:
        refused = str(error)
    result[name] = {"options": options, "refused": refused}
print(json.dumps(result))
`;

const TEAMS = [
  { name: "research", users: ["ada"], groups: ["research"], profiles: [{ slug: "research-cpu" }] },
  {
    name: "serving",
    users: [],
    groups: ["serving"],
    profiles: [{ slug: "serving-cpu" }, { slug: "serving-mig-mig-1g-10gb" }],
  },
];

function run(users: Array<[string, string[]]>) {
  const result = spawnSync("python3", ["-c", HARNESS], {
    env: {
      ...process.env,
      SCRIPT,
      VALUES: JSON.stringify({ custom: { notebooks: { teams: TEAMS } } }),
      USERS: JSON.stringify(users),
      NOTEBOOKS_SHARED_PASSWORD: "generated-in-terraform",
    },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe("notebooks-hub.py", () => {
  test("a user listed in a team gets that team's options; a group member gets the group's team's", () => {
    const result = run([
      ["ada", []],
      ["linus", ["serving"]],
    ]);
    expect(result.ada).toEqual({ options: ["research-cpu"], refused: null });
    expect(result.linus).toEqual({ options: ["serving-cpu", "serving-mig-mig-1g-10gb"], refused: null });
  });

  test("a user in two teams gets the options of both, in team order", () => {
    expect(run([["ada", ["serving"]]]).ada.options).toEqual(["research-cpu", "serving-cpu", "serving-mig-mig-1g-10gb"]);
  });

  test("a user in no team is refused with the fix, so no server starts outside a team namespace", () => {
    expect(run([["eve", ["other"]]]).eve).toEqual({
      options: [],
      refused:
        "eve is in no team: add them to teams.<team>.users (kind) or to a group of teams.<team>.groups (identity provider)",
    });
  });

  test("without OIDC the shared password is read from the environment, which the hub gets from its Secret", () => {
    expect(run([]).password).toBe("generated-in-terraform");
  });
});
