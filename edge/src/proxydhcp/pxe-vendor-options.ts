import { PxeVendorOption } from './dhcp-options';
import { walkOptionArea, writeOptionArea } from './option-area';

/**
 * Option 43 of a "PXEClient" message holds PXE sub-options in the same TLV layout as DHCP
 * options, ended by 255 (PXE 2.1 Table 2-1).
 */
export type PxeVendorOptions = ReadonlyMap<number, Uint8Array>;

/** Sub-options of option 43, or undefined when the value is not a readable TLV area. */
export function decodePxeVendorOptions(value: Uint8Array): PxeVendorOptions | undefined {
  const options = new Map<number, Uint8Array>();
  const walk = walkOptionArea(value, 0, value.length, (code, sub) => {
    if (!options.has(code)) options.set(code, sub);
  });
  return walk.ok ? options : undefined;
}

export function encodePxeVendorOptions(options: Iterable<readonly [number, Uint8Array]>): Uint8Array {
  return writeOptionArea(options);
}

/** PXE 2.1 Table 2-1, PXE_BOOT_ITEM (71): the boot server type and layer a client asks for. */
export interface PxeBootItem {
  type: number;
  layer: number;
}

export function bootItemOf(options: PxeVendorOptions): PxeBootItem | undefined {
  const value = options.get(PxeVendorOption.BootItem);
  if (value?.length !== 4) return undefined;
  return { type: (value[0]! << 8) | value[1]!, layer: (value[2]! << 8) | value[3]! };
}

export function encodeBootItem(item: PxeBootItem): Uint8Array {
  return Uint8Array.of(item.type >> 8, item.type & 0xff, item.layer >> 8, item.layer & 0xff);
}
