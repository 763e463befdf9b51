/** Kubernetes resource quantities as numbers, and back. */

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** CPU quantity in cores ("250m" → 0.25). */
export function cpuCores(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Memory quantity in bytes ("512Mi" → 536870912). */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity);
  if (!match || !(match[2] in MEMORY_UNITS)) throw new Error(`Not a memory quantity: "${quantity}"`);
  return Number(match[1]) * MEMORY_UNITS[match[2]];
}

/** Cores as a quantity: whole cores plainly, fractions in millicores ("1.5" → "1500m"). */
export function formatCpu(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Bytes as a quantity in the largest binary unit that keeps it whole. */
export function formatMemory(bytes: number): string {
  for (const unit of ["Ti", "Gi", "Mi", "Ki"]) {
    const size = MEMORY_UNITS[unit];
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(Math.round(bytes));
}
