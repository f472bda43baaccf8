// Parsers of string options whose values are richer than Hardhat's types: a number where a word
// ("auto", "unlimited", "off") means "not set", and comma-separated lists. Each rejects a bad value
// with the typed error of the library the option is for, so the CLI prints it as one line.

/** The library's option error: `(option, problem)` as RecordsOptionError, PartitionInputError, TrafficOptionsError take them. */
export type OptionErrorClass = new (option: string, problem: string) => Error;

export interface OptionalNumberRule {
  /** The option as the error names it ("--rate", "groups"). */
  readonly option: string;
  /** The word that leaves the option unset (compared without case and surrounding space). */
  readonly word: string;
  readonly error: OptionErrorClass;
  readonly integer?: boolean;
  /** Only values above 0. */
  readonly positive?: boolean;
  /** What the number counts, after "a number" in the error ("of records per second"). */
  readonly unit?: string;
}

/** True if `text` is `word`: the option is left unset. */
function isWord(text: string, word: string): boolean {
  return text.trim().toLowerCase() === word;
}

/** `text` as a number, or undefined for the rule's word; JavaScript number syntax (`Number`). */
export function optionalNumber(text: string, rule: OptionalNumberRule): number | undefined {
  if (isWord(text, rule.word)) return undefined;
  const trimmed = text.trim();
  const value = Number(trimmed);
  const integer = rule.integer === true;
  const positive = rule.positive === true;
  if (trimmed === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || (positive && value <= 0)) {
    const kind = `${integer ? "an integer" : positive ? "a positive number" : "a number"}${rule.unit === undefined ? "" : ` ${rule.unit}`}`;
    throw new rule.error(rule.option, `must be "${rule.word}" or ${kind}, got "${text}"`);
  }
  return value;
}

export interface OptionalCountRule {
  readonly option: string;
  readonly word: string;
  readonly error: OptionErrorClass;
}

/** `text` as a count written in decimal digits (0, 1, 2 …), or undefined for the rule's word. */
export function optionalCount(text: string, rule: OptionalCountRule): number | undefined {
  if (isWord(text, rule.word)) return undefined;
  if (!/^\d+$/.test(text.trim()))
    throw new rule.error(rule.option, `must be "${rule.word}" or an integer ≥ 0, got "${text}"`);
  return Number(text);
}

/** The trimmed, non-empty items of a comma-separated list (none for undefined). */
export function listItems(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** {@link listItems}, or undefined when there are none (an option left out). */
export function optionalList(text: string | undefined): string[] | undefined {
  const items = listItems(text);
  return items.length === 0 ? undefined : items;
}
