// The progress bar of a long task, on stderr so stdout stays the result. It appears on the first
// figure shown, so a task that turns out to be quick prints none.
import { SingleBar } from "cli-progress";

/** Values of a bar's `{name}` placeholders beside `{value}`, `{total}` and `{percentage}`. */
export type BarPayload = Record<string, string | number>;

/** One task's bar, in cli-progress's `format` (e.g. `"records:send [{bar}] {value}/{total} records"`). */
export class TaskProgress {
  private bar: SingleBar | undefined;

  constructor(private readonly format: string) {}

  /** Whether the bar is on screen. */
  get shown(): boolean {
    return this.bar !== undefined;
  }

  /** `value` of `total`, with the placeholders' values; starts the bar on the first call. */
  show(value: number, total: number, payload: BarPayload = {}): void {
    if (this.bar === undefined) {
      this.bar = new SingleBar({ format: this.format, stream: process.stderr, hideCursor: true });
      this.bar.start(total, value, payload);
      return;
    }
    if (this.bar.getTotal() !== total) this.bar.setTotal(total);
    this.bar.update(value, payload);
  }

  /** New placeholder values at the same position (e.g. the round of an optimisation). */
  detail(payload: BarPayload): void {
    this.bar?.update(payload);
  }

  /** Takes the bar off; safe to call again, or when it never showed. */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
