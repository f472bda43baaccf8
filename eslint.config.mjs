// eslint: the import structure of the TypeScript, enforced (README, "Layers"). Formatting is
// prettier's job (.prettierrc.json); type checking is tsc's (`npm run lint` runs all three).
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

/**
 * The layers of src/, lowest first. A folder may import from its own layer and the layers below,
 * never from a layer above: the rule below is generated from this list.
 */
const LAYERS = [
  ["errors.ts", "util", "io", "crypto"],
  ["traffic"],
  ["partition"],
  ["report", "chains"],
  ["economics", "offchain", "records"],
  ["anchor", "market"],
  ["deploy", "iot"],
  ["learning"],
  ["system"],
];

const zones = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1)
    .flat()
    .map((folder) => `./src/${folder}`);
  return above.length === 0
    ? []
    : layer.map((folder) => ({
        target: `./src/${folder}`,
        from: above,
        message: `src/${folder} is below these in the layers (README, "Layers")`,
      }));
});

export default tseslint.config(
  {
    ignores: [
      "typechain-types/**",
      "node_modules/**",
      "artifacts/**",
      "cache/**",
      "coverage/**",
      "out/**",
      "ignition/deployments/**",
    ],
  },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: "latest", sourceType: "module" } },
    plugins: { "import-x": importX },
    settings: {
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      // Type-only imports count too: a cycle of types is still a cycle of concepts.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      // The library never reaches up into the tasks, the scripts or the benchmarks.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/tasks/**", "**/scripts/**", "**/bench/**"],
              message: "src/ never imports a task, a script or a benchmark",
            },
          ],
        },
      ],
    },
  },
);
