import os from 'node:os';

/** The machine `pnpm eval` runs on, for reading its latency figures. */
export interface MachineSnapshot {
  cpuModel: string;
  cpuCount: number;
  /** 1, 5 and 15 minute load averages (0 0 0 on Windows, which has none). */
  loadAverage: [number, number, number];
}

export function machineSnapshot(): MachineSnapshot {
  const cpus = os.cpus();
  const [one = 0, five = 0, fifteen = 0] = os.loadavg();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    cpuCount: os.availableParallelism(),
    loadAverage: [one, five, fifteen],
  };
}
