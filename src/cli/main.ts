/**
 * The `agentmesh` command. (Minimal dispatcher; the CLI issue extends it.)
 */
import { runServe } from "../server/serve.js";
import { ConfigError } from "../server/config.js";

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === "serve" || command === undefined) {
    await runServe(rest);
    return;
  }
  process.stderr.write(`agentmesh: unknown command ${JSON.stringify(command)}\n`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`agentmesh: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
