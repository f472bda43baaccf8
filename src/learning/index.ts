/**
 * The federated-learning core of the data-sharing design (004 §3.2): onset-prediction data from
 * the devices' sensors, a logistic-regression model, FedAvg between data owners and a data
 * analyst, secure aggregation so the analyst sees only the sum, and the payment weights. Pure
 * TypeScript, no chain: the chain driver calls `federatedTraining` with an `onRound` hook.
 */
export * from "./errors";
export * from "./features";
export * from "./data";
export * from "./model";
export * from "./metrics";
export * from "./fedavg";
export * from "./contribution";
export * from "./secagg";
