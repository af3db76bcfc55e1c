package org.pudle.kernels.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.backend.CpuKernels;
import org.pudle.kernels.backend.Kernels;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point to the kernels: every job names a backend ({@link KernelSpec}) and borrows
 * its dense ({@link UnfoldedIsta}) and convolutional ({@link ConvUnfoldedIsta}) kernels here.
 *
 * <h2>One backend per name and JVM</h2>
 * {@link #of(KernelSpec)} resolves a kernel spec where the work runs (an executor), once per JVM:
 * {@code cpu} is {@link CpuKernels}; {@code cuda} the JVM's {@link CudaKernels} in the kernel spec's
 * precision, or an {@link IllegalArgumentException} saying why there is no usable device;
 * {@code auto} CUDA when a driver and a device are present, else the CPU, and the choice is logged.
 * Specs that resolve to the same backend share its pool.
 *
 * <h2>Pooled kernels</h2>
 * A kernel owns scratch (host arrays; on a device, buffers) and is not thread-safe, so each
 * concurrent task borrows its own: {@link #unfoldedIsta} and {@link #convUnfoldedIsta} hand out a
 * {@link Lease} on an idle instance of the same shape, pointed at the given dictionary or filters
 * ({@code retarget}), or on a new one; closing the lease returns it. So the scratch of an executor
 * is allocated for its first tasks and reused by every later task and update, the way Spark
 * executors share one broadcast value. A pool keeps up to {@value #KEEP_SHAPES} shapes and, per
 * shape, enough idle instances for the JVM's concurrent tasks; {@link #scratchBytesAllocated()}
 * says how much scratch its instances have allocated in all.
 */
public final class KernelPool {
  private static final Logger LOG = LoggerFactory.getLogger(KernelPool.class);
  /**
   * The kernel shapes whose idle instances a pool keeps; the least recently used beyond are
   * dropped (as {@code OperatorCache} keeps the newest few operators), so that a long-lived JVM
   * that fits many shapes does not hold the scratch of all of them.
   */
  static final int KEEP_SHAPES = 4;
  /** Idle instances kept per shape: more than the tasks that run at once in one JVM. */
  static final int KEEP_IDLE = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private static final Map<KernelSpec, Kernels> RESOLVED = new HashMap<>();
  private static final Map<PoolKey, KernelPool> POOLS = new HashMap<>();
  private static Function<Precision, ? extends Kernels> cudaOverride;

  private final Kernels kernels;
  /** The density every lent dense kernel gets ({@link KernelSpec.Layers#sparseDensity()}). */
  private final double sparseDensity;
  /** Idle instances per shape, least recently used shape first. */
  private final LinkedHashMap<Object, ArrayDeque<Object>> idle = new LinkedHashMap<>(16, 0.75f, true);
  /** Every instance made and not dropped, lent or idle. */
  private final List<Object> live = new ArrayList<>();
  private long retiredBytes;
  private long created;
  private long lent;

  private KernelPool(Kernels kernels, KernelSpec.Layers layers) {
    this.kernels = kernels;
    this.sparseDensity = layers.sparseDensity();
  }

  /** A backend and where its dense kernels run their layers: one pool each. */
  private record PoolKey(Kernels kernels, KernelSpec.Layers layers) {}

  /**
   * The pool of the backend that {@code spec} names in this JVM, resolving it on first use.
   *
   * @throws IllegalArgumentException for {@code cuda} without a usable driver and device (the
   *     message says why)
   */
  public static KernelPool of(KernelSpec spec) {
    Kernels k = resolve(spec);
    synchronized (KernelPool.class) {
      return POOLS.computeIfAbsent(new PoolKey(k, spec.layers()), key -> new KernelPool(k, key.layers()));
    }
  }

  /** {@link #of(KernelSpec)} of {@link KernelSpec#parse}{@code (spec)}. */
  public static KernelPool of(String spec) {
    return of(KernelSpec.parse(spec));
  }

  /** A pool of its own on {@code backend} (for benchmarks and tests of one backend instance). */
  public static KernelPool on(Kernels backend) {
    return new KernelPool(backend, KernelSpec.Layers.AUTO);
  }

  /**
   * Resolves {@code spec} in this JVM as {@link #of(KernelSpec)} does and describes what it runs
   * on, for example {@code cpu (OpenBLAS ...)} or {@code cuda (NVIDIA H100 ..., FP64)}.
   *
   * @throws IllegalArgumentException as {@link #of(KernelSpec)}
   */
  public static String describe(KernelSpec spec) {
    return resolve(spec).name();
  }

  private static synchronized Kernels resolve(KernelSpec spec) {
    Kernels k = RESOLVED.get(spec);
    if (k != null) {
      return k;
    }
    switch (spec.backend()) {
      case CPU:
        k = CpuKernels.INSTANCE;
        break;
      case CUDA:
        k = cuda(spec.precision(), spec.gemm());
        break;
      default: {
        CudaContext.Availability a = cudaOverride != null ? new CudaContext.Availability(true, "installed")
            : CudaKernels.availability();
        if (a.available()) {
          k = cuda(spec.precision(), spec.gemm());
          LOG.info("kernels=auto: using CUDA, {}", k.name());
        } else {
          k = CpuKernels.INSTANCE;
          LOG.info("kernels=auto: using the CPU backend, {}: {}", k.name(), a.description());
          if (spec.precision() == Precision.FLOAT) {
            LOG.info("kernel.precision=float applies to CUDA only; the CPU backend computes in double");
          }
        }
      }
    }
    RESOLVED.put(spec, k);
    return k;
  }

  /** The JVM's CUDA backend in {@code precision} (or the installed one). */
  private static Kernels cuda(Precision precision, GemmProvider gemm) {
    if (cudaOverride != null) {
      return cudaOverride.apply(precision);
    }
    CudaContext.Availability a = CudaKernels.availability();
    if (!a.available()) {
      throw new IllegalArgumentException("kernels=cuda: " + a.description() + ", so there is no usable CUDA device");
    }
    // cuda.gemm = auto leaves the choice to the JVM's -Dpudle.cuda.gemm (auto when unset)
    return CudaKernels.shared(precision, gemm == GemmProvider.AUTO ? GemmProvider.fromSystemProperty() : gemm);
  }

  /**
   * Makes {@code cuda} and {@code auto} resolve to {@code backends} in this JVM instead of the
   * CUDA driver's device, until the returned handle is closed: how the tests run every job on an
   * emulated device. Specs are resolved again afterwards.
   *
   * @param backends the CUDA backend of each precision
   * @return closing it removes the installed backends
   */
  public static synchronized Installed installCuda(Function<Precision, ? extends Kernels> backends) {
    Function<Precision, ? extends Kernels> previous = cudaOverride;
    List<Kernels> made = new ArrayList<>();
    cudaOverride = p -> {
      Kernels k = backends.apply(p);
      made.add(k);
      return k;
    };
    RESOLVED.clear();
    return () -> {
      synchronized (KernelPool.class) {
        cudaOverride = previous;
        RESOLVED.clear();
        POOLS.keySet().removeIf(key -> made.contains(key.kernels()));
      }
    };
  }

  /** Backends installed by {@link #installCuda}, until closed. */
  public interface Installed extends AutoCloseable {
    @Override
    void close();
  }

  /** The backend of this pool. */
  public Kernels kernels() {
    return kernels;
  }

  /**
   * Lends a dense kernel of {@code op}'s shape, pointed at {@code op} and {@code params}, its
   * layers placed as the kernel spec's {@code kernel.layers} says. Close the lease (try-with-resources) to
   * return it; it must not be used afterwards.
   *
   * @param scratchBytes the host scratch budget of the kernel (part of its shape: it sets the chunk
   *                     width of the CPU backend)
   */
  public Lease<UnfoldedIsta> unfoldedIsta(DictionaryOperator op, EncoderParams params, long scratchBytes) {
    Object shape = new DenseShape(op.m(), op.p(), scratchBytes);
    UnfoldedIsta k = (UnfoldedIsta) take(shape);
    if (k == null) {
      k = kernels.unfoldedIsta(op, params, scratchBytes);
      k.setSparseDensity(sparseDensity);
      made(k);
    } else {
      try {
        k.retarget(op, params);
        k.setSparseDensity(sparseDensity);
      } catch (RuntimeException e) {
        giveBack(shape, k);
        throw e;
      }
    }
    return new Lease<>(this, shape, k);
  }

  /**
   * Lends a convolutional kernel of this geometry, pointed at {@code filters} and {@code params}.
   * Close the lease to return it.
   *
   * @param filters {@code k^2 x channels}, shared read-only while the lease is open
   */
  public Lease<ConvUnfoldedIsta> convUnfoldedIsta(double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    Object shape = new ConvShape(k, stride, channels);
    ConvUnfoldedIsta c = (ConvUnfoldedIsta) take(shape);
    if (c == null) {
      c = kernels.convUnfoldedIsta(filters, k, stride, channels, params);
      made(c);
    } else {
      try {
        c.retarget(filters, params);
      } catch (RuntimeException e) {
        giveBack(shape, c);
        throw e;
      }
    }
    return new Lease<>(this, shape, c);
  }

  private synchronized Object take(Object shape) {
    lent++;
    ArrayDeque<Object> q = idle.get(shape);
    return q == null ? null : q.pollFirst();
  }

  private synchronized void made(Object kernel) {
    created++;
    live.add(kernel);
  }

  private void giveBack(Object shape, Object kernel) {
    if (kernel instanceof UnfoldedIsta u) {
      u.releaseStoredCodes();
    }
    synchronized (this) {
      ArrayDeque<Object> q = idle.computeIfAbsent(shape, s -> new ArrayDeque<>());
      if (q.size() < KEEP_IDLE) {
        q.addFirst(kernel);
      } else {
        drop(kernel);
      }
      for (Iterator<Map.Entry<Object, ArrayDeque<Object>>> it = idle.entrySet().iterator();
          idle.size() > KEEP_SHAPES && it.hasNext();) {
        Map.Entry<Object, ArrayDeque<Object>> eldest = it.next();
        it.remove();
        for (Object o : eldest.getValue()) {
          drop(o);
        }
      }
    }
  }

  private void drop(Object kernel) {
    for (int i = 0; i < live.size(); i++) {
      if (live.get(i) == kernel) {
        live.remove(i);
        retiredBytes += bytes(kernel);
        return;
      }
    }
  }

  private static long bytes(Object kernel) {
    return kernel instanceof UnfoldedIsta u ? u.scratchBytesAllocated()
        : ((ConvUnfoldedIsta) kernel).scratchBytesAllocated();
  }

  /**
   * The scratch that the kernels of this pool have allocated so far, host arrays and device
   * buffers, dropped instances included: it stops growing once every shape the JVM's tasks use has
   * enough instances, whatever the number of updates.
   */
  public synchronized long scratchBytesAllocated() {
    long total = retiredBytes;
    for (Object k : live) {
      total += bytes(k);
    }
    return total;
  }

  /** The kernels this pool has made. */
  public synchronized long created() {
    return created;
  }

  /** The leases this pool has handed out. */
  public synchronized long lent() {
    return lent;
  }

  private record DenseShape(int m, int p, long scratchBytes) {}

  private record ConvShape(int k, int stride, int channels) {}

  /**
   * A kernel lent by a pool until {@link #close()}. Not thread-safe, like the kernel.
   *
   * @param <K> {@link UnfoldedIsta} or {@link ConvUnfoldedIsta}
   */
  public static final class Lease<K> implements AutoCloseable {
    private final KernelPool pool;
    private final Object shape;
    private K kernel;

    private Lease(KernelPool pool, Object shape, K kernel) {
      this.pool = pool;
      this.shape = shape;
      this.kernel = kernel;
    }

    /** The kernel. */
    public K kernel() {
      if (kernel == null) {
        throw new IllegalStateException("the kernel was returned to its pool");
      }
      return kernel;
    }

    /** Returns the kernel to its pool; closing twice is a no-op. */
    @Override
    public void close() {
      if (kernel != null) {
        K k = kernel;
        kernel = null;
        pool.giveBack(shape, k);
      }
    }
  }
}
