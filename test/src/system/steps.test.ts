// The table of steps of the main job and its cleanup stack: the progress numbering comes from the
// table, and what the steps started is stopped newest first, a failing cleanup not stopping the rest.
import { expect } from "chai";
import { STEPS } from "../../../src/system";
import { CleanupStack, MAIN_STEPS, SHUTDOWN_STEP, shutdownStep } from "../../../src/system/steps";
import { ROTATE_AFTER_SNAPSHOT, readerRotation } from "../../../src/system/fleet/schedule";
import type { CommunityPlan } from "../../../src/system/participants";

describe("system/steps", () => {
  it("numbers the progress lines from the table, the shutdown last", () => {
    expect(STEPS).to.deep.equal([...MAIN_STEPS.map((s) => s.name), SHUTDOWN_STEP]);
    expect(new Set(STEPS).size).to.equal(STEPS.length);
    for (const step of MAIN_STEPS)
      for (const part of ["title", "run", "summary"] as const)
        expect(step[part], `${step.name}.${part}`).to.be.a("function");
  });

  it("stops what is on the cleanup stack newest first, and names each cleanup that failed after trying all", async () => {
    const stack = new CleanupStack();
    const stopped: string[] = [];
    stack.push({ what: "the chains", stop: async () => void stopped.push("chains") });
    stack.push({ what: "the store nodes", stop: async () => Promise.reject(new Error("port busy")) });
    stack.push({ what: "the gateways", stop: async () => void stopped.push("gateways") });
    expect(shutdownStep.title(stack)).to.equal("stopping the gateways, the store nodes, the chains");
    const error = await shutdownStep.run(stack).catch((e: Error) => e);
    expect(stopped).to.deep.equal(["gateways", "chains"]);
    expect((error as Error).message).to.equal('step "shutdown" failed: the store nodes: port busy');
    expect(shutdownStep.title(stack)).to.equal("stopping nothing");
    expect(await shutdownStep.run(stack)).to.equal(0);
  });

  it("rotates a reader of the first community with devices, given enough snapshots", () => {
    const plan = [
      { chain: "community-1", devices: [], thirdParty: { address: "0x1" } },
      { chain: "community-2", devices: ["05", "06"], thirdParty: { address: "0x2" } },
    ] as unknown as CommunityPlan[];
    expect(readerRotation(plan, ROTATE_AFTER_SNAPSHOT)).to.deep.equal({ device: "05", reader: "0x2" });
    expect(readerRotation(plan, ROTATE_AFTER_SNAPSHOT - 1)).to.equal(undefined);
  });
});
