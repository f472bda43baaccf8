/**
 * The root of every error the project throws on purpose. Each domain has its own base class
 * (`TrafficError`, `PartitionError`, `ChainError`, …) extending this one, so a caller can catch
 * "anything commchain rejected" in one place and tell it from a bug; messages name the bad input.
 */
export class CommchainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
