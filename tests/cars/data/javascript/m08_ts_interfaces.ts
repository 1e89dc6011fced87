interface ExecOptions { timeoutMs: number; shell: boolean; }
interface Socket { id: string; connected: boolean; }
const defaults: ExecOptions = { timeoutMs: 1000, shell: false };
const sockets: Socket[] = [{ id: "a", connected: true }];
console.log(defaults.shell, sockets.filter((s) => s.connected).length);
