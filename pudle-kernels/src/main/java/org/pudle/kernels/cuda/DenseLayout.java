package org.pudle.kernels.cuda;

/**
 * The device memory plan of {@link UnfoldedIstaCuda} for a chunk of width b: the offsets (in
 * values) of its matrices in one workspace buffer: the block X, the codes (all T layers, or two
 * alternating ones), C, R, the backward's A, B_t and Q, the m x p sum, P and P + P^T, and the
 * GEMMs' split-K workspace.
 */
final class DenseLayout {
  final int b;
  final int p;
  final long x;
  final long z;
  final long c;
  final long r;
  final long a;
  final long bt;
  final long q;
  final long grad;
  final long pm;
  final long s;
  final long ws;
  final long total;
  final boolean keepAll;

  DenseLayout(Device dev, int m, int p, int T, int b, boolean backward, boolean keepAll) {
    this.b = b;
    this.p = p;
    this.keepAll = keepAll;
    long pb = (long) p * b;
    long mb = (long) m * b;
    long at = 0;
    x = at;
    at += mb;
    z = at;
    at += (keepAll ? T : 2) * pb;
    c = at;
    at += pb;
    r = at;
    at += backward ? mb : 0;
    a = at;
    bt = a + pb;
    q = bt + pb;
    at += keepAll ? 3 * pb : 0;
    grad = at;
    at += backward ? (long) m * p : 0;
    pm = at;
    s = pm + (long) p * p;
    at += keepAll ? 2L * p * p : 0;
    ws = at;
    at += workspace(dev, m, p, b, backward, keepAll);
    total = at;
  }

  /** {@code Z_{s+1}}: every layer, or two alternating buffers. */
  long slot(int layer) {
    return z + (long) (keepAll ? layer : (layer & 1)) * p * b;
  }

  /** The widest chunk of at most {@code max} columns whose layout fits in {@code available} values; 0 if none. */
  static int widest(Device dev, int m, int p, int T, int max, long available, boolean backward, boolean keepAll) {
    if (new DenseLayout(dev, m, p, T, max, backward, keepAll).total <= available) {
      return max;
    }
    int lo = 0;
    int hi = max;
    while (hi - lo > 1) {
      int mid = (int) (((long) lo + hi) >>> 1);
      if (new DenseLayout(dev, m, p, T, mid, backward, keepAll).total <= available) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The largest split-K workspace of the GEMMs of one chunk. */
  private static long workspace(Device dev, int m, int p, int b, boolean backward, boolean keepAll) {
    long w = Math.max(dev.gemmWorkspace(p, b, m), dev.gemmWorkspace(p, b, p));
    if (backward) {
      w = Math.max(w, Math.max(dev.gemmWorkspace(m, b, p), dev.gemmWorkspace(m, p, b)));
    }
    if (keepAll) {
      w = Math.max(w, Math.max(dev.gemmWorkspace(p, p, b), dev.gemmWorkspace(m, p, p)));
    }
    return w;
  }
}
