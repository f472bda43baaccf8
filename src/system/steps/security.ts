/**
 * Step 11, security: the run probed as an attacker on the local network would: signing methods,
 * web pages and clocks on every chain, unprivileged calls, a burst of requests per gateway.
 */
import { securityChecks } from "../report";
import { GATEWAY_BURST, probeSecurity, type SecurityFacts } from "../security";
import type { RunStores } from "../stores";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";

export const securityStep: Step<
  "security",
  { readonly deploy: RunDeployment; readonly store: RunStores },
  SecurityFacts
> = {
  name: "security",
  title: () =>
    `probing as an attacker on the local network: signing methods, web pages and clocks on every chain, unprivileged calls, a ${GATEWAY_BURST}-request burst per gateway`,
  run: ({ before, paths }, progress) =>
    probeSecurity({
      topology: before.deploy.topology,
      chainsDir: paths.chains,
      stores: before.store,
      onProgress: progress,
    }),
  summary: (facts) =>
    securityChecks(facts)
      .map((c) => `${c.passed ? "✓" : "✗"} ${c.name}`)
      .join("; "),
};
