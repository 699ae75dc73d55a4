// What every JS journey shares (the twin of common.py): the step runner, the dev mailbox,
// SECRET_HASH, TOTP and JWT payload decoding.
import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";

export const PASS = "pass", FAIL = "fail", NOT_IMPLEMENTED = "not-implemented", BLOCKED = "blocked", NA = "n/a";

export class Check extends Error {}
class Blocked extends Error {}

export function check(cond, what) {
  if (!cond) throw new Check(what);
}

// The AWS error code a client surfaced: SDK v3 sets `name`, amazon-cognito-identity-js `code`.
export function codeOf(e) {
  return e?.code || e?.name || "Error";
}

export class Journey {
  constructor(outPath) {
    this.outPath = outPath;
    this.results = {};
    this.state = {};
    this.provider = {};
  }

  need(...keys) {
    const vals = keys.map((k) => {
      if (!(k in this.state)) {
        const src = this.provider[k] ?? "?";
        const r = this.results[src] ?? {};
        let why = r.status ?? "not run";
        if (r.detail) why += ": " + r.detail;
        throw new Blocked(`needs ${src} (${why})`);
      }
      return this.state[k];
    });
    return vals.length === 1 ? vals[0] : vals;
  }

  put(step, key, value) {
    this.state[key] = value;
    this.provider[key] = step;
  }

  na(step, why) {
    this.results[step] = { status: NA, detail: why };
  }

  async step(id, fn, provides = []) {
    for (const k of provides) this.provider[k] ??= id;
    let res;
    try {
      await fn();
      res = { status: PASS, detail: "" };
    } catch (e) {
      if (e instanceof Blocked) res = { status: BLOCKED, detail: e.message };
      else if (e instanceof Check) res = { status: FAIL, detail: `wrong answer: ${e.message}` };
      else if (codeOf(e) === "NotImplementedException") res = { status: NOT_IMPLEMENTED, detail: e.message };
      else res = { status: FAIL, detail: `${codeOf(e)}: ${e?.message ?? e}` };
    }
    res.detail = String(res.detail).split(/\s+/).join(" ").trim().slice(0, 300);
    this.results[id] = res;
  }

  // Runs fn, which must fail with `code`; `typed(e)` says whether the client's own error type
  // for it was used.
  async expectError(code, fn, typed = () => true) {
    let e;
    try {
      await fn();
    } catch (err) {
      e = err;
    }
    if (e === undefined) throw new Check(`expected ${code}, the call succeeded`);
    if (e instanceof Check || e instanceof Blocked) throw e;
    if (codeOf(e) === "NotImplementedException") throw e;
    check(codeOf(e) === code, `expected ${code}, got ${codeOf(e)}: ${e.message}`);
    check(typed(e), `${code} not raised as the client's typed error`);
    return e;
  }

  write() {
    writeFileSync(this.outPath, JSON.stringify(this.results, null, 1));
  }
}

export function secretHash(username, clientId, secret) {
  return createHmac("sha256", secret).update(username + clientId).digest("base64");
}

export async function mailboxCode(url, poolId, username) {
  const q = new URLSearchParams({ pool: poolId, username });
  const r = await fetch(`${url}/_dev/mailbox/latest?${q}`);
  if (!r.ok) throw new Check(`no mailbox message for ${username} (HTTP ${r.status})`);
  const { code } = await r.json();
  check(/^\d{6}$/.test(code ?? ""), `mailbox code ${code}`);
  return code;
}

export async function advanceClock(url, seconds) {
  const r = await fetch(`${url}/_dev/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  return (await r.json()).offset_seconds;
}

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

export function totp(secret, offsetSeconds = 0) {
  const counter = Math.floor((Date.now() / 1000 + offsetSeconds) / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", base32(secret)).update(msg).digest();
  const o = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

export function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

export function unique(prefix) {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}
