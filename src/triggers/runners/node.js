// cognito-emu's Node.js runner: loads one Lambda handler file and answers invocations, one
// JSON line per event on stdin, one JSON line per result on stdout. The handler's own output
// (console.log and friends) goes to stderr so it cannot corrupt the protocol.
// Usage: node runner.js <handler file> <export name>
"use strict";
const path = require("node:path");
const readline = require("node:readline");
const { pathToFileURL } = require("node:url");

const out = process.stdout.write.bind(process.stdout);
for (const name of ["log", "info", "debug", "warn", "trace"]) {
  console[name] = console.error.bind(console);
}

const [file, exportName] = process.argv.slice(2);
const functionName = path.basename(file).replace(/\.[^.]+$/, "");

async function loadHandler() {
  const mod = await import(pathToFileURL(path.resolve(file)).href);
  const fn = mod[exportName] ?? (mod.default && mod.default[exportName]);
  if (typeof fn !== "function") {
    throw new Error(`${file} does not export a function named ${exportName}`);
  }
  return fn;
}

function errorOf(e) {
  if (e instanceof Error) return { errorMessage: e.message, errorType: e.name };
  return { errorMessage: String(e), errorType: "Error" };
}

function invoke(handler, id, event, deadline) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (err, result) => {
      if (done) return;
      done = true;
      resolve(err ? { id, error: errorOf(err) } : { id, result: result === undefined ? null : result });
    };
    const context = {
      functionName,
      functionVersion: "$LATEST",
      awsRequestId: `${id}`,
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
      memoryLimitInMB: "128",
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: "cognito-emu",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      succeed: (r) => finish(null, r),
      fail: (e) => finish(e ?? new Error("failed")),
      done: (e, r) => finish(e, r),
    };
    try {
      const returned = handler(event, context, (e, r) => finish(e, r));
      if (returned && typeof returned.then === "function") {
        returned.then((r) => finish(null, r), (e) => finish(e));
      } else if (handler.length < 3 && returned !== undefined) {
        finish(null, returned);
      }
    } catch (e) {
      finish(e);
    }
  });
}

(async () => {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    handler = () => { throw e; };
  }
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request;
    try {
      request = JSON.parse(line);
    } catch (e) {
      continue;
    }
    const answer = await invoke(handler, request.id, request.event, Date.now() + (request.timeout_ms || 5000));
    out(JSON.stringify(answer) + "\n");
  }
})();
