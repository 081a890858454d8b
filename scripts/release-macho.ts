// Mach-O code signatures of the macOS release files, checked (and, where stale, removed) on Linux
// where no `codesign` runs. The kernel hashes each page of a signed executable as it maps it and
// kills the process on a mismatch; arm64 macOS runs only signed code, x86_64 also runs unsigned code.

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_HASHTYPE_SHA256 = 2;
const MACH_HEADER_64_BYTES = 32;

interface LoadCommand {
  cmd: number;
  offset: number;
  size: number;
}

function loadCommands(bytes: Buffer): LoadCommand[] {
  if (bytes.readUInt32LE(0) !== MH_MAGIC_64) throw new Error("not a thin little-endian 64-bit Mach-O file");
  const commands: LoadCommand[] = [];
  for (let i = 0, at = MACH_HEADER_64_BYTES; i < bytes.readUInt32LE(16); i++) {
    const size = bytes.readUInt32LE(at + 4);
    commands.push({ cmd: bytes.readUInt32LE(at), offset: at, size });
    at += size;
  }
  return commands;
}

/** The signature's place in the file, or undefined for an unsigned file. */
function signatureOf(bytes: Buffer): { offset: number; size: number; command: LoadCommand } | undefined {
  const command = loadCommands(bytes).find((c) => c.cmd === LC_CODE_SIGNATURE);
  return command && { offset: bytes.readUInt32LE(command.offset + 8), size: bytes.readUInt32LE(command.offset + 12), command };
}

/**
 * Why the file's code signature would not pass the kernel's page checks, or undefined when it
 * does: every SHA-256 code directory must cover the file up to the signature, page by page.
 */
export function codeSignatureProblem(bytes: Buffer): string | undefined {
  const signature = signatureOf(bytes);
  if (!signature) return "the file is not signed";
  if (signature.offset + signature.size > bytes.length) return "the signature runs past the end of the file";
  const blob = bytes.subarray(signature.offset, signature.offset + signature.size);
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) return "the signature is not an embedded signature blob";
  let directories = 0;
  for (let i = 0; i < blob.readUInt32BE(8); i++) {
    const directory = blob.subarray(blob.readUInt32BE(12 + i * 8 + 4));
    if (directory.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY) continue;
    const [hashOffset, codeSlots, codeLimit] = [directory.readUInt32BE(16), directory.readUInt32BE(28), directory.readUInt32BE(32)];
    const [hashSize, hashType, pageShift] = [directory[36]!, directory[37]!, directory[39]!];
    if (hashType !== CS_HASHTYPE_SHA256) continue;
    if (codeLimit !== signature.offset) return `the signature covers ${codeLimit} bytes, the code is ${signature.offset}`;
    const pageSize = 2 ** pageShift;
    for (let slot = 0; slot < codeSlots; slot++) {
      const page = bytes.subarray(slot * pageSize, Math.min((slot + 1) * pageSize, codeLimit));
      const expected = directory.subarray(hashOffset + slot * hashSize, hashOffset + (slot + 1) * hashSize);
      if (!new Bun.CryptoHasher("sha256").update(page).digest().equals(expected)) return `page ${slot} of ${codeSlots} does not match its hash`;
    }
    directories++;
  }
  return directories === 0 ? "the signature holds no SHA-256 code directory" : undefined;
}

/**
 * The file without its code signature, as `codesign --remove-signature` leaves it: the load
 * command dropped and __LINKEDIT cut off where the signature began.
 */
export function withoutCodeSignature(bytes: Buffer): Buffer {
  const signature = signatureOf(bytes);
  if (!signature) return bytes;
  if (signature.offset + signature.size < bytes.length) throw new Error("data follows the code signature; refusing to cut it off");
  const out = Buffer.from(bytes.subarray(0, signature.offset));
  const { command } = signature;
  const commandsEnd = MACH_HEADER_64_BYTES + out.readUInt32LE(20);
  out.copy(out, command.offset, command.offset + command.size, commandsEnd);
  out.fill(0, commandsEnd - command.size, commandsEnd);
  out.writeUInt32LE(out.readUInt32LE(16) - 1, 16);
  out.writeUInt32LE(out.readUInt32LE(20) - command.size, 20);
  for (const segment of loadCommands(out).filter((c) => c.cmd === LC_SEGMENT_64)) {
    if (
      out
        .subarray(segment.offset + 8, segment.offset + 24)
        .toString("latin1")
        .replace(/\0+$/, "") !== "__LINKEDIT"
    )
      continue;
    const fileOffset = Number(out.readBigUInt64LE(segment.offset + 40));
    out.writeBigUInt64LE(BigInt(signature.offset - fileOffset), segment.offset + 48);
  }
  return out;
}

/** True when the file holds a code signature load command. */
export function isSigned(bytes: Buffer): boolean {
  return signatureOf(bytes) !== undefined;
}
