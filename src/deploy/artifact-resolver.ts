/**
 * Where Ignition reads the compiled contracts, without copying the compiler's whole output into
 * every deployment.
 *
 * Ignition stores, for each contract it deploys, the build info the contract came from; Hardhat's
 * own resolver (`HardhatArtifactResolver`) hands it the whole file, and the project compiles in
 * one solc run, so that is every contract's output (17 MB): parsed, then written out again
 * indented (42 MB), for each of the 13 contracts of a community chain. Measured on the 2-core machine,
 * that cost 1.4 s of event-loop time per contract and made a deployment of three chains take 45 s
 * where its transactions take under 3. What Ignition reads back from a stored build info
 * (`ignition verify`) is the compiler input and version alone, so this resolver parses each build
 * info once per process and gives Ignition the input with an empty output.
 */
import fs from "node:fs";
import path from "node:path";
import type { ArtifactResolver, Artifact, BuildInfo } from "@nomicfoundation/ignition-core";
import type { Artifacts } from "hardhat/types";

/** Parsed build infos (without their output), by absolute path, modification time and size. */
const compactBuildInfos = new Map<string, Promise<BuildInfo>>();

/** A build info as Ignition stores it: the compiler's input and version, and no output. */
export function withoutOutput(buildInfo: BuildInfo): BuildInfo {
  return { ...buildInfo, output: { sources: {}, contracts: {} } };
}

/** Resolves Ignition's contract names against the project's compiled artifacts. */
export class ProjectArtifactResolver implements ArtifactResolver {
  constructor(private readonly artifacts: Artifacts) {}

  loadArtifact(contractName: string): Promise<Artifact> {
    return this.artifacts.readArtifact(contractName);
  }

  async getBuildInfo(contractName: string): Promise<BuildInfo | undefined> {
    const artifact = await this.artifacts.readArtifact(contractName);
    const artifactPath = this.artifacts.formArtifactPathFromFullyQualifiedName(
      `${artifact.sourceName}:${artifact.contractName}`,
    );
    const debugPath = artifactPath.replace(/\.json$/, ".dbg.json");
    const debugText = await fs.promises.readFile(debugPath, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined; // an artifact saved without its build info
      throw error;
    });
    if (debugText === undefined) return undefined;
    const debug = JSON.parse(debugText) as { buildInfo: string };
    const buildInfoPath = path.resolve(path.dirname(debugPath), debug.buildInfo);
    const { mtimeMs, size } = await fs.promises.stat(buildInfoPath);
    const key = `${buildInfoPath}:${mtimeMs}:${size}`;
    let buildInfo = compactBuildInfos.get(key);
    if (buildInfo === undefined) {
      buildInfo = fs.promises
        .readFile(buildInfoPath, "utf8")
        .then((text) => withoutOutput(JSON.parse(text) as BuildInfo));
      compactBuildInfos.set(key, buildInfo);
      buildInfo.catch(() => compactBuildInfos.delete(key));
    }
    return buildInfo;
  }
}
