/**
 * Client system architecture types (option 93). RFC 4578 §2.1 lists 0–9; later types come
 * from the IANA "Processor Architecture Types" registry that RFC 5970 §3.3 set up.
 */
export const ClientArchitecture = {
  /** RFC 4578 §2.1: Intel x86PC — legacy BIOS. */
  X86Bios: 0,
  /** RFC 4578 §2.1: NEC/PC98. */
  Pc98: 1,
  /** RFC 4578 §2.1: EFI Itanium. */
  EfiItanium: 2,
  /** RFC 4578 §2.1: DEC Alpha. */
  DecAlpha: 3,
  /** RFC 4578 §2.1: Arc x86. */
  ArcX86: 4,
  /** RFC 4578 §2.1: Intel Lean Client. */
  IntelLeanClient: 5,
  /** RFC 4578 §2.1: EFI IA32 (32-bit UEFI). */
  EfiIa32: 6,
  /** RFC 4578 §2.1 names 7 "EFI BC"; every x86-64 UEFI firmware (OVMF included) sends it. */
  EfiX64Bc: 7,
  /** RFC 4578 §2.1: EFI Xscale. */
  EfiXscale: 8,
  /** RFC 4578 §2.1: EFI x86-64. */
  EfiX64: 9,
  /** IANA registry: ARM 32-bit UEFI. */
  EfiArm32: 10,
  /** IANA registry: ARM 64-bit UEFI. */
  EfiArm64: 11,
} as const;

/** Which of the configured iPXE binaries suits a client. */
export type BootFileKind = 'bios' | 'efiX64' | 'efiIa32' | 'arm64';

const kindByArchitecture = new Map<number, BootFileKind>([
  [ClientArchitecture.X86Bios, 'bios'],
  [ClientArchitecture.EfiIa32, 'efiIa32'],
  [ClientArchitecture.EfiX64Bc, 'efiX64'],
  [ClientArchitecture.EfiX64, 'efiX64'],
  [ClientArchitecture.EfiArm64, 'arm64'],
]);

/** The boot file kind for an architecture type, or undefined when Marrow has none for it. */
export function bootFileKindOf(architecture: number): BootFileKind | undefined {
  return kindByArchitecture.get(architecture);
}
