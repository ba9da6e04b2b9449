/**
 * A throw-away PostgreSQL server of the installed version, in a temporary
 * directory on a free port, for the one test that stops and restarts the
 * database itself (the shared server on 5432 is never restarted by tests).
 * When the tests run as root, the server runs as the `postgres` user.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

function binDir(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  return join("/usr/lib/postgresql", versions[0], "bin");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private static run(tool: string, args: string[]): void {
    const asRoot = userInfo().uid === 0;
    const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir(), tool), ...args]] : [join(binDir(), tool), args];
    execFileSync(cmd, argv, { stdio: "pipe", timeout: 60_000 });
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), "agentmesh-pg-"));
    if (userInfo().uid === 0) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
    PrivatePostgres.run("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
    const pg = new PrivatePostgres(dir, await freePort());
    pg.start();
    return pg;
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
    PrivatePostgres.run("pg_ctl", ["-D", join(this.dir, "data"), "-o", options, "-l", join(this.dir, "log"), "-w", "start"]);
  }

  /** `immediate` is a crash: no checkpoint, recovery from the WAL on the next start. */
  stop(mode: "immediate" | "fast" = "immediate"): void {
    PrivatePostgres.run("pg_ctl", ["-D", join(this.dir, "data"), "-m", mode, "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop("immediate");
    } catch {
      /* already stopped */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
