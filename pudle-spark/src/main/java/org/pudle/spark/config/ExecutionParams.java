package org.pudle.spark.config;

import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.pool.KernelSpec;

/**
 * How a job spreads its work, and its kernel backend (the keys of {@link ExecutionSettings}).
 *
 * @param partitions     RDD partitions; 0 means Spark's default parallelism (every core)
 * @param blockSize      samples per block (the columns of one GEMM operand)
 * @param aggregateDepth the depth of {@code treeAggregate}
 * @param scratchBytes   the kernel scratch budget of one task (host memory; the CUDA backend sizes
 *                       its device scratch from the device's free memory)
 * @param kernels        the kernel backend: {@code auto}, {@code cpu} or {@code cuda}
 * @param precision      the precision of the CUDA backend (the CPU backend computes in double)
 * @param gemm           who multiplies the CUDA backend's dense matrices ({@code cuda.gemm})
 * @param layers         where the CPU backend runs the unfolded layers ({@code kernel.layers})
 */
public record ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes, String kernels,
    Precision precision, GemmProvider gemm, KernelSpec.Layers layers) {

  /** Settings whose CUDA GEMMs follow {@code cuda.gemm = auto}. */
  public ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes, String kernels,
      Precision precision) {
    this(partitions, blockSize, aggregateDepth, scratchBytes, kernels, precision, GemmProvider.AUTO);
  }

  /** Settings with {@code kernel.layers = auto}. */
  public ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes, String kernels,
      Precision precision, GemmProvider gemm) {
    this(partitions, blockSize, aggregateDepth, scratchBytes, kernels, precision, gemm, KernelSpec.Layers.AUTO);
  }

  /**
   * The backend ({@code KernelSpec}) resolved on the executors by {@code KernelPool}, e.g.
   * {@code auto:double} or {@code cuda:double:own}.
   */
  public String kernelsSpec() {
    return new ExecutionSettings.Backend(kernels, precision, gemm, layers).spec();
  }

  /** Reads the keys of {@link ExecutionSettings}. */
  public static ExecutionParams from(Config c) {
    ExecutionSettings.Backend backend = ExecutionSettings.backend(c, false);
    return new ExecutionParams(c.get(ExecutionSettings.PARTITIONS), c.get(ExecutionSettings.BLOCK_SIZE),
        c.get(ExecutionSettings.AGGREGATE_DEPTH), (long) (c.get(ExecutionSettings.KERNEL_SCRATCH_MB) * (1 << 20)),
        backend.kernels(), backend.precision(), backend.gemm(), backend.layers());
  }
}
