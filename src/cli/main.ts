/**
 * Entry point of the `agentmesh` binary (bin/agentmesh.js imports the build of
 * this file). The work is in run.ts.
 */
import { clean } from "../shared/terminal.js";
import { oneLine } from "./args.js";
import { main } from "./run.js";

// Piped into `head` and the like: a closed stdout ends the command quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Whatever is still open (a socket in its close handshake) gets two seconds.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err) => {
    const command = /^[a-z]+$/.test(process.argv[2] ?? "") ? ` ${process.argv[2]}` : "";
    process.stderr.write(`agentmesh${command}: ${clean(oneLine(String((err as Error)?.message ?? err)))}\n`);
    process.exit(1);
  },
);
