// ESLint (flat config) with Next.js's rules: core web vitals, React, hooks and TypeScript.
// Run with `npm run lint`; scripts/test.sh runs it after the type check.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  // Outputs and generated files; e2e/.media and .profile* are test run leftovers.
  globalIgnores([".next/**", "out/**", "build/**", "next-env.d.ts", "e2e/.media/**", "e2e/.profile*/**"]),
  {
    // Report eslint-disable comments that no longer suppress anything.
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
]);
