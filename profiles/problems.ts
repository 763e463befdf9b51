/** One thing wrong with a profile: where, what was given, and what is allowed. */
export interface Problem {
  /** Dotted path into the profile, e.g. `components.mlflow.lifecycle`. */
  readonly path: string;
  /** The value found there (`undefined` when the key is missing). */
  readonly value: unknown;
  /** What is allowed, or how to fix it. */
  readonly allowed: string;
}

/** Every problem of a profile in one error, so a user fixes them in one pass. */
export class ProfileError extends Error {
  constructor(
    readonly profile: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `Profile "${profile}" is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was synthesized:\n` +
        problems.map((p) => `  - ${p.path || "(root)"}: got ${show(p.value)}; ${p.allowed}`).join("\n"),
    );
    this.name = "ProfileError";
  }
}

/** A value as the user gave it, shortened: numbers JSON cannot spell (NaN, Infinity) and bigints included. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return `${value}`;
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v === "bigint" ? `${v}` : v,
  );
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
