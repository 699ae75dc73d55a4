// The cognito-emu binary this package installed (a local Amazon Cognito emulator).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the bundled `cognito-emu` executable. */
export const binaryPath = join(dirname(fileURLToPath(import.meta.url)), "bin", "cognito-emu");
