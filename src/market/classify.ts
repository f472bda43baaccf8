/**
 * R1's levels (paper §4.2): time-sensitive data, i.e. data collected by sensors, is High; non
 * time-sensitive data (production tasks, equipment specifications, process plans, other
 * documents) is Low. The owner may override the level; this is the default it starts from.
 */
import { UnknownDataSourceError } from "./errors";

/** R1's levels, with the values of the registry's `Level` enum (the `uint8 level` it signs). */
export const Level = { Low: 0, High: 1 } as const;

/** A level value. */
export type Level = (typeof Level)[keyof typeof Level];

/** The sources of time-sensitive data: High. */
export const HIGH_SOURCES = ["sensor", "reading", "telemetry"] as const;

/** The sources of non time-sensitive data (the paper's examples, and documents in general): Low. */
export const LOW_SOURCES = ["production-task", "equipment-spec", "process-plan", "document"] as const;

/** A data source {@link classify} knows. */
export type DataSource = (typeof HIGH_SOURCES)[number] | (typeof LOW_SOURCES)[number];

/** The default level of data from `source`: sensor data → High, documents → Low. */
export function classify(source: DataSource | string): Level {
  if ((HIGH_SOURCES as readonly string[]).includes(source)) return Level.High;
  if ((LOW_SOURCES as readonly string[]).includes(source)) return Level.Low;
  throw new UnknownDataSourceError(source, [...HIGH_SOURCES, ...LOW_SOURCES]);
}

/** The name of a level, as tasks print it. */
export function levelName(level: Level): "High" | "Low" {
  return level === Level.High ? "High" : "Low";
}
