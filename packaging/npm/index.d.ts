/** Absolute path of the bundled `cognito-emu` executable. */
export declare const binaryPath: string;
