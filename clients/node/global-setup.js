// Jest `globalSetup` / Vitest `globalSetup`: one emulator for the run. Its endpoint reaches the
// tests as process.env.COGNITO_EMU_ENDPOINT (Jest) and through Vitest's `provide` when given.
import { startCognitoEmu } from "./index.js";

let emu;

export default async function setup(project) {
  emu = await startCognitoEmu({ seed: process.env.COGNITO_EMU_SEED });
  process.env.COGNITO_EMU_ENDPOINT = emu.endpoint;
  project?.provide?.("cognitoEmuEndpoint", emu.endpoint);
  globalThis.__COGNITO_EMU__ = emu;
  // Vitest calls a returned function as teardown; Jest uses globalTeardown (below).
  return async () => emu.stop();
}

/** Jest `globalTeardown`. */
export async function teardown() {
  await (globalThis.__COGNITO_EMU__ ?? emu)?.stop();
}
