// Starts cognito-emu for a test run and talks to its dev routes. No dependencies: Node's own
// child_process and fetch.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** The binary: options.binary, $COGNITO_EMU_BIN, the `cognito-emu` npm package installed in
 *  the working directory's project, a cargo build found from the working directory upward
 *  (target/release, target/debug), else `cognito-emu` on PATH. */
export function findBinary(explicit) {
  if (explicit) return explicit;
  if (process.env.COGNITO_EMU_BIN) return process.env.COGNITO_EMU_BIN;
  try {
    const require = createRequire(join(process.cwd(), "package.json"));
    const packaged = join(dirname(require.resolve("cognito-emu/package.json")), "bin", "cognito-emu");
    if (existsSync(packaged)) return packaged;
  } catch {
    // not installed: look further
  }
  const target = process.env.CARGO_TARGET_DIR;
  let dir = process.cwd();
  for (;;) {
    for (const profile of ["release", "debug"]) {
      const candidate = join(target ? resolve(target) : join(dir, "target"), profile, "cognito-emu");
      if (existsSync(candidate)) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return "cognito-emu";
}

/**
 * Starts an emulator on a free port with a fresh database.
 * @param {{binary?: string, seed?: string, args?: string[], timeoutMs?: number}} [options]
 */
export async function startCognitoEmu(options = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "cognito-emu-"));
  const args = ["--port", "0", "--db", join(dataDir, "db.sqlite")];
  if (options.seed) args.push("--seed", options.seed);
  args.push(...(options.args ?? []));
  const child = spawn(findBinary(options.binary), args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const endpoint = await new Promise((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`cognito-emu did not start in time: ${stderr}`));
    }, options.timeoutMs ?? 15000);
    child.stdout.on("data", (d) => {
      out += d;
      const found = out.match(/http:\/\/[0-9.]+:[0-9]+/);
      if (found) {
        clearTimeout(timer);
        resolveUrl(found[0]);
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-emu exited (${code}): ${stderr}`));
    });
  });
  child.stdout.resume();

  async function call(method, path, { query, body } = {}) {
    const url = new URL(path, endpoint);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method,
      headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status === 404 && path.endsWith("/latest")) return null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  const mailbox = {
    /** Messages oldest first; filters: to, pool, username, kind. */
    messages: async (filters) => (await call("GET", "/_dev/mailbox", { query: filters })).messages,
    /** The newest matching message, or null. */
    latest: (filters) => call("GET", "/_dev/mailbox/latest", { query: filters }),
    /** The code in the newest matching message (throws when there is none). */
    async codeFor(filters) {
      const m = await call("GET", "/_dev/mailbox/latest", { query: filters });
      if (!m?.code) throw new Error(`no code sent matching ${JSON.stringify(filters)}`);
      return m.code;
    },
    clear: () => call("DELETE", "/_dev/mailbox"),
  };

  return {
    endpoint,
    region: "us-east-1",
    /** Client config for the AWS SDK for JavaScript v3: `new CognitoIdentityProviderClient(emu.clientConfig)`. */
    clientConfig: {
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    },
    mailbox,
    advanceClock: async (seconds) => (await call("POST", "/_dev/clock/advance", { body: { seconds } })).offset_seconds,
    reset: (pool) => call("POST", "/_dev/reset", { query: { pool } }),
    triggers: async (trigger) => (await call("GET", "/_dev/triggers", { query: { trigger } })).invocations,
    async stop() {
      if (child.exitCode === null) {
        child.removeAllListeners("exit");
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
