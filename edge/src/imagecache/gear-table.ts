/**
 * The 256 random 32-bit words of FastCDC's gear hash (Xia et al., "FastCDC", USENIX ATC '16,
 * §3.1). They are generated from a fixed seed (xorshift32), never at random: every edge and
 * every version of Marrow must cut the same content at the same places, or a master's second
 * version would share no chunks with its first.
 */
export const GEAR: Int32Array = (() => {
  const table = new Int32Array(256);
  let state = 0x2545f491;
  for (let i = 0; i < 256; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    table[i] = state | 0;
  }
  return table;
})();
