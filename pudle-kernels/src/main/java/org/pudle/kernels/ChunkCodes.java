package org.pudle.kernels;

/**
 * The dense codes of a chunk of {@link UnfoldedIstaCpu}: their layout by what the forward pass
 * keeps, and their room. Every layer needs {@code p b} entries, but a training chunk
 * ({@link Keep#BACKWARD}) keeps dense codes only for its GEMM layers and {@code Z_T}, and the
 * codes of the layers on the supports on their active sets ({@link SupportPath}), so its room
 * starts at {@link #INITIAL_LAYERS} layers and grows as they need: fresh memory costs its first
 * touch (on this project's 2-core machine about 2.6 ms per MB, 0.6 s for the 240 MB of every
 * layer at m = 1000, p = 1500, T = 100 and 201 columns), and sparse codes leave most of it unused.
 * The chunk width still allows for every layer dense, so the scratch budget holds. Not thread-safe.
 */
final class ChunkCodes {
  /** What a forward pass keeps. */
  enum Keep {
    /** Every Z_t dense, and the frames of the support layers (forwardAll). */
    ALL,
    /** The GEMM layers' Z_t dense, Z_T, and the frames (a backward pass follows). */
    BACKWARD,
    /** Only Z_T, in two alternating buffers (encoding, g_dec). */
    LAST
  }

  /** The layers of room a training chunk starts with: its GEMM layers, Z_T and frames usually take a few. */
  static final int INITIAL_LAYERS = 8;

  /** The codes; read and written in place by the kernel, replaced when they grow. */
  double[] z = new double[0];
  /** Where SupportPath's next frame codes go, and the most entries they may grow the array to. */
  int top;
  int max;
  private long allocated;

  /** Offset of {@code Z_{s+1}} in {@link #z} for a chunk of {@code pb = p b} entries a layer. */
  static int slot(int s, int pb, Keep keep) {
    return (keep == Keep.LAST ? (s & 1) : s) * pb;
  }

  /** The room a chunk of {@code pb} entries a layer starts with: all T layers, two, or a few. */
  void ensure(int pb, int T, Keep keep) {
    int layers = keep == Keep.LAST ? Math.min(2, T) : keep == Keep.ALL ? T : Math.min(T, INITIAL_LAYERS);
    grow(0, (long) layers * pb);
  }

  /** Room for {@code length} entries at least, keeping the first {@code keep}. */
  void grow(int keep, long length) {
    if (z.length >= length) {
      return;
    }
    double[] grown = new double[(int) length];
    System.arraycopy(z, 0, grown, 0, keep);
    allocated += 8L * (length - z.length);
    z = grown;
  }

  /**
   * Room for {@code n} more codes from {@link #top} (SupportPath's frames), growing the array twice
   * the length at a time, keeping its first {@code top} entries, to at most {@link #max}; false
   * when that is not enough.
   */
  boolean room(int n) {
    long needed = (long) top + n;
    if (needed > max) {
      // whatever the array's length from earlier chunks: the frames fit or not by max alone, so
      // that the layers, and the rounding, do not depend on what the kernel ran before
      return false;
    }
    if (needed <= z.length) {
      return true;
    }
    grow(top, Math.min(max, Math.max(needed, 2L * z.length)));
    return true;
  }

  /** The bytes allocated for the codes. */
  long allocated() {
    return allocated;
  }
}
