/** Tests run through SWC (transpile only); `npm run typecheck` does the type checking. */
const swc = ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }];
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/test/support/no-fork.ts"],
  transform: {
    "^.+\\.ts$": swc,
    // The CEL evaluator the guardrail tests use ships as ES modules only: SWC turns it into CommonJS for Jest.
    "^.+/node_modules/@marcbachmann/cel-js/.+\\.js$": [
      "@swc/jest",
      { jsc: { target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!@marcbachmann/cel-js/)"],
  testTimeout: 60000,
};
