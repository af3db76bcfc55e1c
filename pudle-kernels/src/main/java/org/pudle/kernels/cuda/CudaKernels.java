package org.pudle.kernels.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.backend.Kernels;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;

/**
 * The CUDA backend: {@link UnfoldedIstaCuda} kernels that run the whole per-block computation on
 * the device. It owns what the kernels of one JVM share:
 * <ul>
 *   <li>the dictionary on the device: D and G = I - alpha D^T D are uploaded once per
 *       {@link DictionaryOperator} (one per broadcast dictionary and executor, see the Spark
 *       {@code OperatorCache}), so once per update per executor; the newest {@value #KEEP_DICTIONARIES}
 *       are kept, older ones freed when no kernel uses them;
 *   <li>the filters of the convolutional denoiser ({@link ConvUnfoldedIstaCuda}): uploaded once per
 *       filter bank (array and contents), so once per update per executor; the newest
 *       {@value #KEEP_DICTIONARIES} are kept;
 *   <li>workspaces: a stream and its device scratch, lent to one {@code accumulate} or
 *       {@code encode} call at a time and kept for the next, so concurrent tasks each get one and
 *       nothing leaks when kernels are dropped without closing.
 * </ul>
 * Device memory: a workspace takes at most {@code memoryFraction} of the device's free memory
 * (system property {@code pudle.cuda.memory.fraction}, default 0.9); when a block does not fit,
 * it is processed in narrower chunks. The host scratch budget passed to
 * {@link #unfoldedIsta} does not apply to device memory.
 */
public final class CudaKernels implements Kernels, AutoCloseable {
  static final int KEEP_DICTIONARIES = 2;

  /** Makes the streams of one device. */
  public interface DeviceFactory {
    /** A new stream computing in {@code precision}. */
    Device create(Precision precision);

    /** The device, for logs. */
    String describe();
  }

  private final DeviceFactory factory;
  private final Precision precision;
  private final double memoryFraction;
  private final Deque<Workspace> idle = new ArrayDeque<>();
  private final List<DeviceDictionary> dictionaries = new ArrayList<>();
  private final List<DeviceFilters> filterBanks = new ArrayList<>();
  private long dictionaryUploads;
  private long filterUploads;
  private boolean closed;

  /**
   * @param memoryFraction the share of the device's free memory one workspace may take, in (0, 1]
   */
  public CudaKernels(DeviceFactory factory, Precision precision, double memoryFraction) {
    if (!(memoryFraction > 0 && memoryFraction <= 1)) {
      throw new IllegalArgumentException("pudle.cuda.memory.fraction: expected a share in (0, 1], got "
          + memoryFraction);
    }
    this.factory = factory;
    this.precision = precision;
    this.memoryFraction = memoryFraction;
  }

  /** A backend on a context; closing it frees its memory but leaves the context open. */
  public static CudaKernels on(CudaContext ctx, Precision precision) {
    return new CudaKernels(new DeviceFactory() {
      @Override
      public Device create(Precision p) {
        return ctx.newDevice(p);
      }

      @Override
      public String describe() {
        return ctx.name();
      }
    }, precision, memoryFraction());
  }

  private static double memoryFraction() {
    String s = System.getProperty("pudle.cuda.memory.fraction", "0.9");
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("pudle.cuda.memory.fraction: expected a number in (0, 1], got '" + s + "'");
    }
  }

  private static final Map<String, CudaKernels> SHARED = new HashMap<>();

  /** Whether CUDA works in this JVM, and what it found or why not (probed once). */
  public static CudaContext.Availability availability() {
    return CudaContext.probe();
  }

  /**
   * The JVM's CUDA backend in {@code precision}, on the shared context.
   *
   * @throws IllegalArgumentException when there is no usable CUDA driver or device, saying why
   */
  public static CudaKernels shared(Precision precision) {
    return shared(precision, GemmProvider.fromSystemProperty());
  }

  /**
   * The JVM's CUDA backend in {@code precision} with its GEMMs from {@code gemm}, on the shared
   * context.
   *
   * @throws IllegalArgumentException when there is no usable CUDA driver or device, or for
   *     {@code cublas} when cuBLAS is not usable, saying why
   */
  public static synchronized CudaKernels shared(Precision precision, GemmProvider gemm) {
    String key = precision + ":" + gemm;
    CudaKernels k = SHARED.get(key);
    if (k == null) {
      CudaContext.Availability a = CudaContext.probe();
      if (!a.available()) {
        throw new IllegalArgumentException("kernels=cuda: " + a.description());
      }
      CudaContext ctx = CudaContext.shared();
      k = new CudaKernels(ctx.devices(gemm), precision, memoryFraction());
      SHARED.put(key, k);
    }
    return k;
  }

  @Override
  public String name() {
    return "cuda (" + factory.describe() + ", " + precision.label() + ")";
  }

  /** The element type on the device. */
  public Precision precision() {
    return precision;
  }

  /**
   * A kernel for {@code op}; {@code scratchBytes} (the host budget of the CPU backend) does not
   * bound device memory, which is sized from the device's free memory.
   */
  @Override
  public UnfoldedIsta unfoldedIsta(DictionaryOperator op, EncoderParams params, long scratchBytes) {
    return new UnfoldedIstaCuda(this, op, params);
  }

  /**
   * A convolutional kernel for one filter bank: {@link ConvUnfoldedIstaCuda}.
   *
   * @param filters {@code k^2 x channels}, shared read-only; uploaded on first use
   */
  @Override
  public ConvUnfoldedIsta convUnfoldedIsta(double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    return new ConvUnfoldedIstaCuda(this, filters, k, stride, channels, params);
  }

  double memoryShare() {
    return memoryFraction;
  }

  /** A stream and its scratch, lent to one call at a time. */
  static final class Workspace {
    final Device device;
    DeviceBuffer main;
    DeviceBuffer partials;
    DeviceBuffer stats;

    Workspace(Device device) {
      this.device = device;
    }

    void freeMain() {
      if (main != null) {
        main.close();
        main = null;
      }
    }

    void close() {
      freeMain();
      if (partials != null) {
        partials.close();
        stats.close();
        partials = null;
        stats = null;
      }
      device.close();
    }
  }

  /** D and G of one operator on the device. */
  static final class DeviceDictionary {
    final DictionaryOperator op;
    final DeviceBuffer d;
    final DeviceBuffer g;
    int leases;
    boolean evicted;

    DeviceDictionary(DictionaryOperator op, DeviceBuffer d, DeviceBuffer g) {
      this.op = op;
      this.d = d;
      this.g = g;
    }

    void free() {
      d.close();
      g.close();
    }
  }

  /** The filters of one filter bank on the device, and the host copy they were uploaded from. */
  static final class DeviceFilters {
    final double[] source;
    final double[] copy;
    final DeviceBuffer w;
    int leases;
    boolean evicted;

    DeviceFilters(double[] source, DeviceBuffer w) {
      this.source = source;
      this.copy = source.clone();
      this.w = w;
    }
  }

  /**
   * The filters {@code filters} on the device, uploaded through {@code uploader} unless the same
   * array with the same contents is there already (a filter bank broadcast once per update is
   * shared by every task of an executor; an array changed in place is uploaded again).
   */
  synchronized DeviceFilters acquireFilters(double[] filters, Device uploader) {
    if (closed) {
      throw new IllegalStateException("the CUDA backend is closed");
    }
    for (DeviceFilters f : filterBanks) {
      if (f.source == filters && Arrays.equals(f.copy, filters)) {
        f.leases++;
        return f;
      }
    }
    DeviceBuffer w;
    try {
      w = uploader.alloc(filters.length);
    } catch (DeviceOutOfMemoryException e) {
      if (!(trimIdle() | dropUnusedFilters() | dropUnusedDictionaries())) {
        throw new DeviceOutOfMemoryException("the filters (" + filters.length + " values) do not fit in the device's "
            + "memory", e);
      }
      w = uploader.alloc(filters.length);
    }
    uploader.upload(filters, 0, w.at(0), filters.length);
    filterUploads++;
    DeviceFilters df = new DeviceFilters(filters, w);
    df.leases = 1;
    filterBanks.add(0, df);
    for (Iterator<DeviceFilters> it = filterBanks.listIterator(Math.min(KEEP_DICTIONARIES, filterBanks.size()));
        it.hasNext();) {
      DeviceFilters old = it.next();
      it.remove();
      old.evicted = true;
      if (old.leases == 0) {
        old.w.close();
      }
    }
    return df;
  }

  synchronized void releaseFilters(DeviceFilters f) {
    f.leases--;
    if (f.leases == 0 && (f.evicted || closed)) {
      f.w.close();
    }
  }

  private boolean dropUnusedFilters() {
    boolean any = false;
    for (Iterator<DeviceFilters> it = filterBanks.iterator(); it.hasNext();) {
      DeviceFilters f = it.next();
      if (f.leases == 0) {
        it.remove();
        f.w.close();
        any = true;
      }
    }
    return any;
  }

  /** How many times filters were uploaded (for tests and logs). */
  public synchronized long filterUploads() {
    return filterUploads;
  }

  synchronized Workspace acquireWorkspace() {
    if (closed) {
      throw new IllegalStateException("the CUDA backend is closed");
    }
    Workspace w = idle.pollFirst();
    if (w == null) {
      w = new Workspace(factory.create(precision));
    }
    return w;
  }

  synchronized void releaseWorkspace(Workspace w) {
    if (closed) {
      w.close();
      return;
    }
    idle.addFirst(w);
  }

  /** Frees the scratch of idle workspaces (when an allocation failed). Returns whether any was freed. */
  synchronized boolean trimIdle() {
    boolean any = false;
    for (Workspace w : idle) {
      if (w.main != null) {
        w.freeMain();
        any = true;
      }
    }
    return any;
  }

  /** D and G of {@code op} on the device, uploaded through {@code uploader} on first use. */
  synchronized DeviceDictionary acquireDictionary(DictionaryOperator op, Device uploader) {
    for (DeviceDictionary dd : dictionaries) {
      if (dd.op == op) {
        dd.leases++;
        return dd;
      }
    }
    int m = op.m();
    int p = op.p();
    DeviceBuffer d = null;
    DeviceBuffer g = null;
    for (int attempt = 0; g == null; attempt++) {
      try {
        d = uploader.alloc((long) m * p);
        g = uploader.alloc((long) p * p);
      } catch (DeviceOutOfMemoryException e) {
        if (d != null) {
          d.close();
          d = null;
        }
        if (attempt > 0 || !(trimIdle() | dropUnusedDictionaries() | dropUnusedFilters())) {
          throw new DeviceOutOfMemoryException("the dictionary (" + m + " x " + p + ") and G (" + p + " x " + p
              + ") do not fit in the device's memory", e);
        }
      }
    }
    uploader.upload(op.d(), 0, d.at(0), m * p);
    uploader.upload(op.g(), 0, g.at(0), p * p);
    dictionaryUploads++;
    DeviceDictionary dd = new DeviceDictionary(op, d, g);
    dd.leases = 1;
    dictionaries.add(0, dd);
    for (Iterator<DeviceDictionary> it = dictionaries.listIterator(Math.min(KEEP_DICTIONARIES, dictionaries.size()));
        it.hasNext();) {
      DeviceDictionary old = it.next();
      it.remove();
      old.evicted = true;
      if (old.leases == 0) {
        old.free();
      }
    }
    return dd;
  }

  /** Frees the cached dictionaries that no call uses. Returns whether any was freed. */
  private boolean dropUnusedDictionaries() {
    boolean any = false;
    for (Iterator<DeviceDictionary> it = dictionaries.iterator(); it.hasNext();) {
      DeviceDictionary dd = it.next();
      if (dd.leases == 0) {
        it.remove();
        dd.free();
        any = true;
      }
    }
    return any;
  }

  synchronized void releaseDictionary(DeviceDictionary dd) {
    dd.leases--;
    if (dd.leases == 0 && (dd.evicted || closed)) {
      dd.free();
    }
  }

  /** How many times a dictionary was uploaded (for tests and logs). */
  public synchronized long dictionaryUploads() {
    return dictionaryUploads;
  }

  /** Frees the device memory of this backend; kernels made by it must not be used afterwards. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Workspace w : idle) {
      w.close();
    }
    idle.clear();
    for (DeviceDictionary dd : dictionaries) {
      dd.evicted = true;
      if (dd.leases == 0) {
        dd.free();
      }
    }
    dictionaries.clear();
    for (DeviceFilters f : filterBanks) {
      f.evicted = true;
      if (f.leases == 0) {
        f.w.close();
      }
    }
    filterBanks.clear();
    synchronized (SHARED_LOCK) {
      SHARED.values().remove(this);
    }
  }

  private static final Object SHARED_LOCK = CudaKernels.class;
}
