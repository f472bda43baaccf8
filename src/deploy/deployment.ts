/**
 * What a deployment did, as types only: shared by the deployer, its errors and its summary
 * without any of them importing another (no cycle inside src/deploy).
 */
/** What a module deployment did. */
export interface ModuleDeploymentOutcome {
  readonly moduleId: string;
  readonly deploymentId: string;
  readonly deploymentDir: string;
  /** Every contract of the module by name (the future id without the module prefix). */
  readonly contracts: Readonly<Record<string, string>>;
  /** Contracts deployed by this run (empty on a re-run). */
  readonly deployed: readonly string[];
  /** Transactions this run sent. */
  readonly transactions: number;
  /** True when a journal of an earlier run was continued. */
  readonly resumed: boolean;
  /** Where a journal whose contracts were gone from the chain was moved, if one was. */
  readonly discardedJournal?: string;
}

/** What `deploy:all` did on one chain: its module's deployment, plus the chain's own steps. */
export interface ChainDeployment extends Omit<ModuleDeploymentOutcome, "moduleId"> {
  readonly chain: string;
  readonly chainId: number;
  readonly rpc: string;
  /** The Ignition module deployed on the chain. */
  readonly module: string;
  /** Community chains: member devices registered now and before. */
  readonly members?: { readonly registered: readonly string[]; readonly already: readonly string[] };
  /** Community chains: the trust root on the main chain's AnchorHub. */
  readonly trustRoot?: TrustRootOutcome;
}

/** What happened with a community's trust root on the AnchorHub. */
export interface TrustRootOutcome {
  /** True when registered by this run, false when the hub knew the chain already. */
  readonly registeredNow: boolean;
  /** The trust root registered now (block 0's hash). */
  readonly root?: string;
}
