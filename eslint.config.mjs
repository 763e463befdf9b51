import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", "state/", ".tools/", ".local/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      // Output must not depend on the machine's locale: compare text with byText (profiles/order.ts).
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='localeCompare']",
          message: "localeCompare follows the user's locale; use byText from profiles/order.ts.",
        },
        {
          selector: "CallExpression[callee.property.name=/^toLocale/]",
          message: "Locale-dependent formatting changes output per machine; format explicitly.",
        },
      ],
      // The provider packages' index loads every binding (7 s, 750 MB); deep paths only.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-kubernetes",
              message: "Import the binding's deep path, e.g. @cdktf/provider-kubernetes/lib/secret-v1.",
            },
            {
              name: "@cdktf/provider-helm",
              message: "Import the binding's deep path, e.g. @cdktf/provider-helm/lib/release.",
            },
            {
              name: "@cdktf/provider-random",
              message: "Import the binding's deep path, e.g. @cdktf/provider-random/lib/password.",
            },
          ],
        },
      ],
    },
  },
  {
    // Plain Node.js scripts (CommonJS).
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        module: "writable",
        require: "readonly",
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
