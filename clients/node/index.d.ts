export interface Message {
  id: number; pool_id: string; username: string; to: string; medium: "EMAIL" | "SMS";
  kind: string; subject?: string; body: string; code?: string; created_at: number;
}
export interface MailFilter { to?: string; pool?: string; username?: string; kind?: string }
export interface CognitoEmu {
  endpoint: string;
  region: string;
  clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  mailbox: {
    messages(filters?: MailFilter): Promise<Message[]>;
    latest(filters?: MailFilter): Promise<Message | null>;
    codeFor(filters?: MailFilter): Promise<string>;
    clear(): Promise<unknown>;
  };
  advanceClock(seconds: number): Promise<number>;
  reset(pool?: string): Promise<unknown>;
  triggers(trigger?: string): Promise<unknown[]>;
  stop(): Promise<void>;
}
export function findBinary(explicit?: string): string;
export function startCognitoEmu(options?: { binary?: string; seed?: string; args?: string[]; timeoutMs?: number }): Promise<CognitoEmu>;
