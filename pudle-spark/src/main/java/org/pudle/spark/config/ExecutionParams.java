package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

import org.pudle.kernels.cuda.Precision;

/**
 * How a job spreads its work.
 *
 * @param partitions     RDD partitions; 0 means Spark's default parallelism (every core)
 * @param blockSize      samples per block (the columns of one GEMM operand)
 * @param aggregateDepth the depth of {@code treeAggregate}
 * @param scratchBytes   the kernel scratch budget of one task (host memory; the CUDA backend sizes
 *                       its device scratch from the device's free memory)
 * @param kernels        the kernel backend: {@code auto}, {@code cpu} or {@code cuda}
 * @param precision      the precision of the CUDA backend (the CPU backend computes in double)
 */
public record ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes, String kernels,
    Precision precision) {

  /** The settings before the kernel backend was configurable: {@code kernels=auto}, double. */
  public ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes) {
    this(partitions, blockSize, aggregateDepth, scratchBytes, "auto", Precision.DOUBLE);
  }

  /** The backend ({@code KernelSpec}) resolved on the executors by {@code KernelPool}, e.g. {@code auto:double}. */
  public String kernelsSpec() {
    return kernels + ":" + precision;
  }

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("partitions", "0", "RDD partitions; 0 = Spark's default parallelism (one per core in local mode)"),
      new KeyDoc("block.size", "1024", "samples per block handed to the kernel"),
      new KeyDoc("aggregate.depth", "2", "depth of the treeAggregate of the per-partition sums"),
      new KeyDoc("kernel.scratch.mb", "256", "scratch budget of one task's kernel in MiB; blocks are cut into chunks that fit"),
      new KeyDoc("kernels", "auto", "kernel backend: auto (CUDA when a driver and a device are present, else the CPU), cpu or cuda"),
      new KeyDoc("kernel.precision", "double", "precision of the CUDA backend: double or float (the CPU backend computes in double)"));

  public static ExecutionParams from(Config c) {
    int partitions = c.integer("partitions", 0);
    int block = c.integer("block.size", 1024);
    int depth = c.integer("aggregate.depth", 2);
    double mb = c.real("kernel.scratch.mb", 256);
    String kernels = c.parse("kernels", "auto", v -> {
      String k = v.trim().toLowerCase(Locale.ROOT);
      if (!k.equals("auto") && !k.equals("cpu") && !k.equals("cuda")) {
        throw new IllegalArgumentException();
      }
      return k;
    }, "auto, cpu or cuda");
    Precision precision = c.parse("kernel.precision", Precision.DOUBLE, Precision::parse, "double or float");
    if (partitions < 0) {
      throw c.error("partitions", "expected 0 (Spark's default) or a positive count, got " + partitions);
    }
    if (block < 1) {
      throw c.error("block.size", "expected a positive number of samples, got " + block);
    }
    if (depth < 1) {
      throw c.error("aggregate.depth", "expected a depth of at least 1, got " + depth);
    }
    if (!(mb > 0) || Double.isInfinite(mb)) {
      throw c.error("kernel.scratch.mb", "expected a positive size, got " + mb);
    }
    if (kernels.equals("cpu") && precision != Precision.DOUBLE) {
      throw c.error("kernel.precision", "float needs kernels=cuda or auto; the CPU backend computes in double");
    }
    return new ExecutionParams(partitions, block, depth, (long) (mb * (1 << 20)), kernels, precision);
  }
}
