package org.pudle.kernels.cuda;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.Threshold;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.cuda.CudaKernels.DeviceDictionary;
import org.pudle.kernels.cuda.CudaKernels.Workspace;
import org.pudle.kernels.cuda.DeviceBuffer.Ptr;

/**
 * The CUDA backend of {@link UnfoldedIsta}: the same blocked reverse mode as
 * {@link UnfoldedIstaCpu}, with every step on the device.
 *
 * <p>Per call: D and G are on the device already (uploaded once per operator by
 * {@link CudaKernels}); the block is uploaded; the T forward layers
 * {@code Z_{t+1} = S_t(G Z_t + C)} run as GEMMs with the threshold fused into their epilogue;
 * the backward pass ({@code R = D Z_T - X}, {@code A_T = D^T R (+ lambda sign Z_T)},
 * {@code B_t = A_{t+1} .* 1{Z_{t+1} != 0}}, {@code A_t = G B_t}, {@code P += Z_t B_t^T},
 * {@code Q += B_t}, {@code grad += R Z_T^T - alpha [D (P + P^T) - X Q^T]}) and the statistics
 * (loss, l1, non-zeros) stay on the device; only the m x p gradient sum and three numbers come
 * back, once per call.
 *
 * <p>Memory: a chunk of b columns needs, in values of the precision,
 * {@code b [m + L p + p + m + 3 p] + m p + 2 p^2 + W} for the ae gradients (L = T stored layers)
 * and {@code b [m + 2 p + p + m] + m p + W} for g_dec, with W the GEMM split-K workspace. A block
 * wider than what fits in the workspace's share of the free device memory is processed in
 * chunks, like the CPU backend under its scratch budget.
 *
 * <p>Per-depth read-outs ({@link #forwardAll}, {@link #accumulateFromDepth}): the forward pass
 * keeps the T codes in a workspace that this instance holds until {@link #releaseStoredCodes} (or
 * its next other call), and copies them to the host; each depth's backward pass then runs on the
 * device from the stored {@code Z_t} and the block uploaded by the forward pass, and brings back
 * the m x p sum and three numbers. Every layer runs by GEMM ({@link #setSparseDensity} is checked
 * and has no other effect).
 *
 * <p>Not thread-safe (like every {@link UnfoldedIsta}); it holds no device memory between calls,
 * except a workspace between {@link #forwardAll} and {@link #releaseStoredCodes}.
 */
public final class UnfoldedIstaCuda implements UnfoldedIsta {
  private final CudaKernels owner;
  private final int m;
  private final int p;
  private DictionaryOperator op;
  private EncoderParams params;
  private Threshold threshold;
  private int epi;
  private int T;
  private double[] hostGrad = new double[0];
  private double[] hostCodes = new double[0];
  private final double[] hostStats = new double[3];
  private long allocated;
  private int lastChunk;
  /** The workspace, dictionary and layout of the stored forward pass, or null. */
  private Workspace held;
  private DeviceDictionary heldDictionary;
  private DenseLayout heldLayout;
  private int storedColumns;

  UnfoldedIstaCuda(CudaKernels owner, DictionaryOperator op, EncoderParams params) {
    this.owner = owner;
    this.m = op.m();
    this.p = op.p();
    allocated = 24;
    retarget(op, params);
  }

  @Override
  public int m() {
    return m;
  }

  @Override
  public int p() {
    return p;
  }

  @Override
  public EncoderParams params() {
    return params;
  }

  @Override
  public DictionaryOperator operator() {
    return op;
  }

  @Override
  public void retarget(DictionaryOperator newOp, EncoderParams newParams) {
    releaseStoredCodes();
    UnfoldedIsta.checkTarget(newOp, newParams, m, p);
    this.op = newOp;
    if (!newParams.equals(params)) {
      this.params = newParams;
      this.threshold = newParams.newThreshold();
      this.epi = newParams.threshold() == ThresholdKind.SOFT ? Device.EPI_SOFT : Device.EPI_HARD;
      this.T = newParams.T();
    }
  }

  @Override
  public long scratchBytesAllocated() {
    return allocated;
  }

  @Override
  public void setSparseDensity(double density) {
    UnfoldedIsta.checkSparseDensity(density);
  }

  /** The chunk width of the last call (the whole block when it fit). */
  public int lastChunkColumns() {
    return lastChunk;
  }

  /**
   * Picks the chunk width and makes the workspace's buffer big enough: the whole block when it
   * fits in the current buffer or in the device's free memory, otherwise the widest chunk that
   * fits, halved again when an allocation fails.
   */
  private DenseLayout prepare(Workspace w, int cols, boolean backward, boolean keepAll) {
    Device dev = w.device;
    if (w.partials == null) {
      w.partials = dev.allocDoubles(dev.statisticsPartials());
      w.stats = dev.allocDoubles(3);
      allocated += 8 * (dev.statisticsPartials() + 3);
    }
    DenseLayout whole = layout(dev, cols, backward, keepAll);
    if (w.main != null && w.main.elements() >= whole.total) {
      return whole;
    }
    int bytes = dev.precision().bytes();
    if (w.main != null) {
      // the block does not fit the current buffer: keep it when no larger one could hold a wider
      // chunk, so that a memory-bound steady state does not reallocate at every call
      long inMain = w.main.elements();
      int fromMain = widest(dev, cols, inMain, backward, keepAll);
      long withFree = inMain + (long) (dev.freeBytes() * owner.memoryShare()) / bytes;
      if (fromMain > 0 && fromMain >= widest(dev, cols, withFree, backward, keepAll)) {
        return layout(dev, fromMain, backward, keepAll);
      }
    }
    w.freeMain();
    boolean trimmed = false;
    int b = cols;
    while (true) {
      long available = (long) (dev.freeBytes() * owner.memoryShare()) / bytes;
      b = widest(dev, Math.min(b, cols), available, backward, keepAll);
      if (b == 0 && !trimmed) {
        trimmed = true;
        if (owner.trimIdle()) {
          b = cols;
          continue;
        }
      }
      if (b == 0) {
        DenseLayout one = layout(dev, 1, backward, keepAll);
        throw new DeviceOutOfMemoryException(String.format(
            "device memory: one column of m = %d, p = %d, T = %d needs %.1f MiB of scratch, %.1f MiB are free (%s)",
            m, p, T, one.total * (double) bytes / 1048576.0, dev.freeBytes() / 1048576.0, dev.describe()), null);
      }
      DenseLayout layout = layout(dev, b, backward, keepAll);
      try {
        w.main = dev.alloc(layout.total);
        allocated += layout.total * bytes;
        return layout;
      } catch (DeviceOutOfMemoryException e) {
        if (!trimmed) {
          trimmed = true;
          owner.trimIdle();
        } else {
          b /= 2;
          if (b == 0) {
            throw e;
          }
        }
      }
    }
  }

  /** The widest chunk of at most {@code max} columns whose layout fits in {@code available} values; 0 if none. */
  private int widest(Device dev, int max, long available, boolean backward, boolean keepAll) {
    return DenseLayout.widest(dev, m, p, T, max, available, backward, keepAll);
  }

  private DenseLayout layout(Device dev, int b, boolean backward, boolean keepAll) {
    return new DenseLayout(dev, m, p, T, b, backward, keepAll);
  }

  private void checkBlock(double[] x, int xOff, int cols) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries (m = " + m + ", "
          + cols + " columns) from offset " + xOff + ", array has " + x.length);
    }
  }

  @Override
  public void accumulate(GradientKind kind, double[] x, int xOff, int cols, GradientSums sums) {
    checkBlock(x, xOff, cols);
    if (sums.m() != m || sums.p() != p) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + sums.m() + " x " + sums.p());
    }
    releaseStoredCodes();
    if (cols == 0) {
      return;
    }
    Workspace w = owner.acquireWorkspace();
    DeviceDictionary dd = null;
    try {
      Device dev = w.device;
      dd = owner.acquireDictionary(op, dev);
      boolean keepAll = kind.throughEncoder();
      DenseLayout L = prepare(w, cols, true, keepAll);
      lastChunk = L.b;
      DeviceBuffer buf = w.main;
      dev.zero(buf.at(L.grad), (long) m * p);
      dev.zero(w.stats.at(0), 3);
      for (int j = 0; j < cols; j += L.b) {
        int b = Math.min(L.b, cols - j);
        dev.upload(x, xOff + j * m, buf.at(L.x), m * b);
        forward(dev, dd, buf, L, b);
        backward(kind, dev, dd, w, buf, L, b, T);
      }
      addToSums(dev, w, buf, L, cols, sums);
    } finally {
      if (dd != null) {
        owner.releaseDictionary(dd);
      }
      owner.releaseWorkspace(w);
    }
  }

  @Override
  public void encode(double[] x, int xOff, int cols, double[] z, int zOff) {
    checkBlock(x, xOff, cols);
    if (zOff < 0 || zOff + (long) p * cols > z.length) {
      throw new IllegalArgumentException("codes: need " + (long) p * cols + " entries from offset " + zOff
          + ", array has " + z.length);
    }
    releaseStoredCodes();
    if (cols == 0) {
      return;
    }
    Workspace w = owner.acquireWorkspace();
    DeviceDictionary dd = null;
    try {
      Device dev = w.device;
      dd = owner.acquireDictionary(op, dev);
      DenseLayout L = prepare(w, cols, false, false);
      lastChunk = L.b;
      DeviceBuffer buf = w.main;
      for (int j = 0; j < cols; j += L.b) {
        int b = Math.min(L.b, cols - j);
        dev.upload(x, xOff + j * m, buf.at(L.x), m * b);
        forward(dev, dd, buf, L, b);
        dev.download(buf.at(L.slot(T - 1)), z, zOff + j * p, p * b);
      }
    } finally {
      if (dd != null) {
        owner.releaseDictionary(dd);
      }
      owner.releaseWorkspace(w);
    }
  }

  /** Downloads the m x p sum and the statistics of {@code cols} samples and adds them to {@code sums}. */
  private void addToSums(Device dev, Workspace w, DeviceBuffer buf, DenseLayout L, int cols, GradientSums sums) {
    if (hostGrad.length < m * p) {
      hostGrad = new double[m * p];
      allocated += 8L * m * p;
    }
    dev.download(buf.at(L.grad), hostGrad, 0, m * p);
    dev.download(w.stats.at(0), hostStats, 0, 3);
    double[] grad = sums.gradientBuffer();
    for (int i = 0; i < m * p; i++) {
      grad[i] += hostGrad[i];
    }
    sums.addStatistics(cols, 0.5 * hostStats[0], hostStats[1], Math.round(hostStats[2]));
  }

  /**
   * {@inheritDoc} On the device: the widest chunk whose layout (the block, T codes, the backward
   * scratch and the GEMM workspace) fits in this backend's share of the free device memory.
   */
  @Override
  public int maxStoredColumns() {
    Workspace w = held != null ? held : owner.acquireWorkspace();
    DeviceDictionary dd = null;
    try {
      Device dev = w.device;
      // D and G take their room first (they stay cached for the forward pass)
      dd = owner.acquireDictionary(op, dev);
      int bytes = dev.precision().bytes();
      long available = (long) (dev.freeBytes() * owner.memoryShare()) / bytes
          + (w.main == null ? 0 : w.main.elements());
      return Math.max(1, widest(dev, 1 << 24, available, true, true));
    } finally {
      if (dd != null) {
        owner.releaseDictionary(dd);
      }
      if (w != held) {
        owner.releaseWorkspace(w);
      }
    }
  }

  @Override
  public StoredCodes forwardAll(double[] x, int xOff, int b) {
    checkBlock(x, xOff, b);
    releaseStoredCodes();
    if (b < 1) {
      throw new IllegalArgumentException("chunk: expected at least 1 column, got " + b);
    }
    Workspace w = owner.acquireWorkspace();
    DeviceDictionary dd = null;
    try {
      Device dev = w.device;
      dd = owner.acquireDictionary(op, dev);
      DenseLayout L = prepare(w, b, true, true);
      if (L.b < b) {
        throw new IllegalArgumentException("chunk: " + b + " columns with their " + T + " codes do not fit in the "
            + "device's memory; at most " + L.b + " do");
      }
      lastChunk = b;
      DeviceBuffer buf = w.main;
      dev.upload(x, xOff, buf.at(L.x), m * b);
      forward(dev, dd, buf, L, b);
      int n = T * p * b;
      if (hostCodes.length < n) {
        hostCodes = new double[n];
        allocated += 8L * n;
      }
      // L.b == b: the T codes are contiguous from slot 0
      dev.download(buf.at(L.slot(0)), hostCodes, 0, n);
      held = w;
      heldDictionary = dd;
      heldLayout = L;
      storedColumns = b;
      return new StoredCodes(hostCodes, p, b);
    } finally {
      if (held != w) {
        if (dd != null) {
          owner.releaseDictionary(dd);
        }
        owner.releaseWorkspace(w);
      }
    }
  }

  @Override
  public void accumulateFromDepth(GradientKind kind, int t, double[] x, int xOff, int b, GradientSums sums) {
    if (held == null || b != storedColumns) {
      throw new IllegalStateException("accumulateFromDepth: forwardAll stored " + storedColumns + " columns, asked for "
          + b);
    }
    if (t < 1 || t > T) {
      throw new IllegalArgumentException("depth: expected 1 <= t <= T = " + T + ", got " + t);
    }
    if (sums.m() != m || sums.p() != p) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + sums.m() + " x " + sums.p());
    }
    checkBlock(x, xOff, b);
    Device dev = held.device;
    DeviceBuffer buf = held.main;
    DenseLayout L = heldLayout;
    dev.zero(buf.at(L.grad), (long) m * p);
    dev.zero(held.stats.at(0), 3);
    // the block is on the device since forwardAll
    backward(kind, dev, heldDictionary, held, buf, L, b, t);
    addToSums(dev, held, buf, L, b, sums);
  }

  @Override
  public void releaseStoredCodes() {
    if (held != null) {
      Workspace w = held;
      DeviceDictionary dd = heldDictionary;
      held = null;
      heldDictionary = null;
      heldLayout = null;
      storedColumns = 0;
      owner.releaseDictionary(dd);
      owner.releaseWorkspace(w);
    }
  }

  /**
   * {@code C = alpha D^T X}, {@code Z_1 = S_0(C)}, {@code Z_{t+1} = S_t(G Z_t + C)}. The chunk has
   * {@code b <= L.b} columns; matrices keep the layout's leading dimensions.
   */
  private void forward(Device dev, DeviceDictionary dd, DeviceBuffer main, DenseLayout L, int b) {
    Ptr ws = workspacePtr(main, L);
    Ptr d = dd.d.at(0);
    Ptr g = dd.g.at(0);
    Ptr c = main.at(L.c);
    dev.gemm(true, false, p, b, m, params.alpha(), d, m, main.at(L.x), m, 0, null, 0, c, p, Device.EPI_NONE, 0, ws);
    dev.threshold((long) p * b, epi, threshold.level(0), c, main.at(L.slot(0)));
    for (int t = 1; t < T; t++) {
      dev.gemm(false, false, p, b, p, 1, g, p, main.at(L.slot(t - 1)), p, 1, c, p, main.at(L.slot(t)), p, epi,
          threshold.level(t), ws);
    }
  }

  /** The backward pass from the codes {@code Z_depth}, which lie in layer slot {@code depth - 1}. */
  private void backward(GradientKind kind, Device dev, DeviceDictionary dd, Workspace w, DeviceBuffer main, DenseLayout L,
      int b, int depth) {
    Ptr ws = workspacePtr(main, L);
    Ptr d = dd.d.at(0);
    Ptr g = dd.g.at(0);
    Ptr xm = main.at(L.x);
    Ptr zT = main.at(L.slot(depth - 1));
    Ptr r = main.at(L.r);
    Ptr grad = main.at(L.grad);
    long pb = (long) p * b;

    // R = D Z_T - X, the statistics, and the decoder term R Z_T^T shared by all kinds
    dev.gemm(false, false, m, b, p, 1, d, m, zT, p, -1, xm, m, r, m, Device.EPI_NONE, 0, ws);
    dev.statistics((long) m * b, r, pb, zT, w.partials.at(0), w.stats.at(0));
    dev.gemm(false, true, m, p, b, 1, r, m, zT, p, 1, grad, m, grad, m, Device.EPI_NONE, 0, ws);
    if (!kind.throughEncoder()) {
      return;
    }

    // A_T = D^T R (+ lambda sign(Z_T))
    Ptr a = main.at(L.a);
    Ptr bt = main.at(L.bt);
    Ptr q = main.at(L.q);
    Ptr pm = main.at(L.pm);
    dev.gemm(true, false, p, b, m, 1, d, m, r, m, 0, null, 0, a, p, Device.EPI_NONE, 0, ws);
    if (kind == GradientKind.AE_LASSO) {
      dev.addLambdaSign(pb, params.lambda(), zT, a);
    }
    dev.zero(q, pb);
    dev.zero(pm, (long) p * p);
    for (int t = depth - 1; t >= 0; t--) {
      dev.maskAccumulate(pb, a, main.at(L.slot(t)), bt, q);
      if (t >= 1) {
        // P += Z_t B_t^T (Z_0 = 0 adds nothing); A_t = G B_t
        dev.gemm(false, true, p, p, b, 1, main.at(L.slot(t - 1)), p, bt, p, 1, pm, p, pm, p, Device.EPI_NONE, 0, ws);
        dev.gemm(false, false, p, b, p, 1, g, p, bt, p, 0, null, 0, a, p, Device.EPI_NONE, 0, ws);
      }
    }
    double alpha = params.alpha();
    // grad += alpha X Q^T - alpha D (P + P^T)
    dev.gemm(false, true, m, p, b, alpha, xm, m, q, p, 1, grad, m, grad, m, Device.EPI_NONE, 0, ws);
    Ptr s = main.at(L.s);
    dev.symmetrize(p, pm, s);
    dev.gemm(false, false, m, p, p, -alpha, d, m, s, p, 1, grad, m, grad, m, Device.EPI_NONE, 0, ws);
  }

  /** The split-K workspace of the layout, or null when its GEMMs need none. */
  private static Ptr workspacePtr(DeviceBuffer main, DenseLayout L) {
    return L.total > L.ws ? main.at(L.ws) : null;
  }
}
