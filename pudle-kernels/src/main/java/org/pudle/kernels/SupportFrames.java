package org.pudle.kernels;

/**
 * The frames that {@link SupportPath} stored in its last forward pass, read by
 * {@link SupportBackward}: per column a list of frames, per frame its first and end layer, its
 * active set (global indices) and where its codes on that set lie. All arrays are sized by p, T
 * and the chunk width, so they do not grow with the data. Not thread-safe.
 */
final class SupportFrames {
  int capColumns;
  int capLayers;
  /** The first frame of each column, and one past the last column's. */
  int[] colFrame = new int[0];
  /** Per frame: first layer s, end e (layers s..e-1), offset in aIdx, |A|, offset of its codes in zs (-1: dense). */
  int[] frames = new int[0];
  int nFrames;
  /** The active sets of all frames, one after another. */
  int[] aIdx = new int[0];
  int aTop;
  private long allocated;

  /** Makes room for the frames of a chunk of {@code b} columns, T layers and p atoms. */
  void ensure(int b, int T, int p) {
    if (b <= capColumns && T <= capLayers) {
      return;
    }
    int cb = Math.max(b, capColumns);
    int ct = Math.max(T, capLayers);
    long frameInts = 5L * ct * cb;
    // every layer full with every entry active fits when T p is small; else about 6 (T + p) per column
    long aInts = cb * Math.min((long) ct * p, 6L * (ct + p) + 2048);
    long before = 4L * ((long) colFrame.length + frames.length + aIdx.length);
    colFrame = new int[cb + 1];
    frames = new int[(int) Math.min(Integer.MAX_VALUE - 8, frameInts)];
    aIdx = new int[(int) Math.min(Integer.MAX_VALUE - 8, aInts)];
    allocated += 4L * ((long) colFrame.length + frames.length + aIdx.length) - before;
    capColumns = cb;
    capLayers = ct;
  }

  /** The bytes allocated. */
  long allocated() {
    return allocated;
  }

  /** The first frame of column col; {@code firstFrame(col + 1)} ends it. */
  int firstFrame(int col) {
    return colFrame[col];
  }

  /** The first layer s of frame f: its codes are z_s .. z_e. */
  int frameStart(int f) {
    return frames[5 * f];
  }

  /** The end layer e of frame f (its layers are s .. e-1). */
  int frameEnd(int f) {
    return frames[5 * f + 1];
  }

  /** The offset of frame f's active set in {@link #activeSets()}. */
  int frameActive(int f) {
    return frames[5 * f + 2];
  }

  /** The size of frame f's active set. */
  int frameSize(int f) {
    return frames[5 * f + 3];
  }

  /** The offset of z_s on the active set in the dense code array (then z_{s+1} ...), or -1: read the dense codes. */
  int frameCodes(int f) {
    return frames[5 * f + 4];
  }

  /** The active sets of all frames (global indices). */
  int[] activeSets() {
    return aIdx;
  }

  /**
   * Shrinks the active set of frame f, the last one stored and of one layer, to the supports of
   * its input and output codes (the only entries its backward reads); its indices and codes move
   * down in place.
   *
   * @param zs    the array holding the frame's codes, or null when the dense codes hold them (then
   *              zIn and zOut are its codes on the active set)
   * @param tmpIn scratch, as tmpOut, of the frame's size
   * @return the end of the frame's codes in zs (-1 without zs)
   */
  int compactLast(int f, double[] zs, double[] zIn, double[] zOut, double[] tmpIn, double[] tmpOut) {
    int aOff = frames[5 * f + 2];
    int n = frames[5 * f + 3];
    int zOff = frames[5 * f + 4];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      double in = zs != null ? zs[zOff + i] : zIn[i];
      double out = zs != null ? zs[zOff + n + i] : zOut[i];
      if (in != 0 || out != 0) {
        aIdx[aOff + kept] = aIdx[aOff + i];
        tmpIn[kept] = in;
        tmpOut[kept] = out;
        kept++;
      }
    }
    frames[5 * f + 3] = kept;
    aTop = aOff + kept;
    if (zs == null) {
      return -1;
    }
    System.arraycopy(tmpIn, 0, zs, zOff, kept);
    System.arraycopy(tmpOut, 0, zs, zOff + kept, kept);
    return zOff + 2 * kept;
  }
}
