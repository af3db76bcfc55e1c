package org.pudle.spark.config;

import java.util.List;

/**
 * How a job spreads its work.
 *
 * @param partitions     RDD partitions; 0 means Spark's default parallelism (every core)
 * @param blockSize      samples per block (the columns of one GEMM operand)
 * @param aggregateDepth the depth of {@code treeAggregate}
 * @param scratchBytes   the kernel scratch budget of one task
 */
public record ExecutionParams(int partitions, int blockSize, int aggregateDepth, long scratchBytes) {

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("partitions", "0", "RDD partitions; 0 = Spark's default parallelism (one per core in local mode)"),
      new KeyDoc("block.size", "1024", "samples per block handed to the kernel"),
      new KeyDoc("aggregate.depth", "2", "depth of the treeAggregate of the per-partition sums"),
      new KeyDoc("kernel.scratch.mb", "256", "scratch budget of one task's kernel in MiB; blocks are cut into chunks that fit"));

  public static ExecutionParams from(Config c) {
    int partitions = c.integer("partitions", 0);
    int block = c.integer("block.size", 1024);
    int depth = c.integer("aggregate.depth", 2);
    double mb = c.real("kernel.scratch.mb", 256);
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
    return new ExecutionParams(partitions, block, depth, (long) (mb * (1 << 20)));
  }
}
