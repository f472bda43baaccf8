import hre from "hardhat";

/**
 * Runs a Hardhat task in this process with its console output captured (the task's own printing,
 * which tests assert on); `onLine` sees each line as it is printed.
 */
export async function runTask<T>(
  name: string,
  args: Record<string, unknown>,
  onLine: (line: string) => void = () => undefined,
): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => {
    const line = parts.map(String).join(" ");
    lines.push(line);
    onLine(line);
  };
  try {
    return { result: (await hre.run(name, args)) as T, output: lines.join("\n") };
  } finally {
    console.log = log;
  }
}
