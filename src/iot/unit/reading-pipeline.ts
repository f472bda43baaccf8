/**
 * An IoT unit's readings, from the sensor to MaintenanceService: each reading is checked, summed
 * up for the next status snapshot (the accumulator, which status sharing seals and resets), and
 * batched; a full batch (or one held for its maximum delay) is signed and queued as one
 * `reportReadings` transaction, carrying a permit when the part funding wants one.
 *
 * The automatic status upload every `sharing.statusEvery` readings is asked of the caller
 * (`autoUpload`), which owns sharing: the pipeline only decides when one is due.
 */
import { maintenanceServiceInterface } from "../abi";
import { IoTConfigError } from "../errors";
import { batchGasLimit } from "../gas";
import type { JsonValue } from "../queue-file";
import { DEFAULT_BATCH, ReadingBatcher, toContractReading } from "../readings";
import type { ReceiptEvents } from "../receipt-events";
import { checkReading, type SensorReading } from "../sensors";
import { StatusAccumulator } from "../status";
import type { MachineSettings } from "../unit-state";
import type { UnitContext } from "./context";
import type { PartFunding } from "./part-funding";

export class ReadingPipeline {
  /** The readings since the last status upload, summed up for its snapshot. */
  readonly accumulator: StatusAccumulator;
  private readonly batcher: ReadingBatcher;
  private sensorAbort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** Readings at which the next automatic upload is due (pushed back after a failed one). */
  private autoUploadAt: number;

  constructor(
    private readonly ctx: UnitContext,
    private readonly funding: PartFunding,
    private readonly autoUpload: () => Promise<unknown>,
  ) {
    const { options, state } = ctx;
    this.batcher = new ReadingBatcher(
      { ...DEFAULT_BATCH, ...options.batch },
      (batch) => this.enqueueBatch(batch),
      (error) => ctx.emit("failure", { operation: "flush of a batch on its max delay", error: error as Error }),
    );
    this.autoUploadAt = options.sharing?.statusEvery ?? 0;
    const settings = state.settings;
    this.accumulator = new StatusAccumulator({
      temperature: settings?.tempThreshold ?? 200,
      vibration: settings?.vibraThreshold ?? 100,
    });
  }

  /** Follows the machine's thresholds as the chain view reads them (they count in snapshots). */
  readonly followSettings = (settings: MachineSettings): void => {
    this.accumulator.setThresholds({ temperature: settings.tempThreshold, vibration: settings.vibraThreshold });
  };

  /**
   * Takes one reading: summarizes it for the next status snapshot and adds it to the current
   * batch (a full batch is signed and queued before this resolves). May upload a snapshot when
   * `sharing.statusEvery` readings have accumulated.
   */
  async record(reading: SensorReading): Promise<void> {
    const { ctx } = this;
    ctx.assertOpen();
    checkReading(ctx.options.sensor?.name ?? "reading", "", reading);
    this.accumulator.add(reading);
    await this.batcher.add(reading);
    const every = ctx.options.sharing?.statusEvery ?? 0;
    if (every > 0 && this.accumulator.count >= this.autoUploadAt) {
      try {
        await this.autoUpload();
        this.autoUploadAt = every;
      } catch (error) {
        // The readings themselves are queued, and the snapshot is kept as an upload intent: a
        // failed upload (store down) is finished first by the next one, after `statusEvery` readings.
        this.autoUploadAt = this.accumulator.count + every;
        ctx.emit("failure", { operation: "automatic status upload", error: error as Error });
      }
    }
  }

  /** Signs and queues the readings waiting in the current batch. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * Reads the sensor source until it ends or `stop()` is called, recording every reading; the
   * last partial batch is queued before it resolves.
   */
  run(): Promise<void> {
    const sensor = this.ctx.options.sensor;
    if (sensor === undefined) return Promise.reject(new IoTConfigError("sensor", "no sensor source was given"));
    if (this.running !== undefined) return this.running;
    const abort = new AbortController();
    this.sensorAbort = abort;
    this.running = (async () => {
      try {
        for await (const reading of sensor.readings(abort.signal)) {
          if (abort.signal.aborted) break;
          await this.record(reading);
        }
      } finally {
        await this.batcher.flush();
        this.running = undefined;
        this.sensorAbort = undefined;
      }
      this.ctx.emit("sensorEnded");
    })();
    return this.running;
  }

  /** Stops reading the sensor (`run()` resolves after queueing the last batch). */
  stop(): void {
    this.sensorAbort?.abort();
  }

  /** Resolves once a `run()` in progress has ended, however it ended. */
  async ended(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Drops the batch's delay timer: nothing is flushed on its own any more (the unit closes). */
  shutdown(): void {
    this.batcher.stop();
  }

  /** Settle handler: the readings and service requests a transaction applied. */
  readonly settle = (_settled: unknown, events: ReceiptEvents): void => {
    for (const e of events.readings) this.ctx.emit("readingsApplied", e);
    for (const e of events.requests) this.ctx.emit("serviceRequested", e);
  };

  private async enqueueBatch(batch: SensorReading[]): Promise<void> {
    const { ctx } = this;
    const { machine } = ctx;
    const readings = batch.map(toContractReading);
    const temps = readings.map((r) => r.temp);
    const vibras = readings.map((r) => r.vibra);
    const permit = await this.funding.maybePermit();
    const data =
      permit !== undefined
        ? maintenanceServiceInterface.encodeFunctionData("reportReadingsWithPermit", [
            machine,
            temps,
            vibras,
            permit.value,
            permit.deadline,
            permit.v,
            permit.r,
            permit.s,
          ])
        : readings.length === 1
          ? maintenanceServiceInterface.encodeFunctionData("reportReading", [machine, temps[0], vibras[0]])
          : maintenanceServiceInterface.encodeFunctionData("reportReadings", [machine, temps, vibras]);
    const meta: { [key: string]: JsonValue } = {
      readings: readings.length,
      from: batch[0].time,
      to: batch[batch.length - 1].time,
    };
    if (permit !== undefined)
      meta.permit = {
        value: permit.value.toString(),
        nonce: permit.nonce.toString(),
        deadline: permit.deadline.toString(),
      };
    const entry = await ctx.queue.enqueue({
      kind: "readings",
      to: ctx.contracts.maintenanceService,
      data,
      gasLimit: batchGasLimit(readings.length, ctx.state.settings, permit !== undefined, ctx.gas),
      meta,
    });
    if (permit !== undefined)
      ctx.emit("permitSigned", {
        value: permit.value,
        nonce: permit.nonce,
        deadline: permit.deadline,
        batchNonce: entry.nonce,
      });
    ctx.emit("batchQueued", { nonce: entry.nonce, readings: readings.length, permit: permit !== undefined });
  }
}
