package org.pudle.kernels.bench;

import java.io.PrintStream;

import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.study.DepthStudyKernel;

/**
 * The one-call check and benchmark of the CUDA backend (no Spark on its classpath; the GPU bundle
 * of {@code submit/gpu-bundle} runs it on a machine with neither Java nor Spark). It prints
 * progress lines as it goes and, at the end, one table, which it also writes as
 * {@code check.csv} and {@code check.txt} into {@code --out} (default {@code check-results}):
 * <ol>
 *   <li>device: the GPU, the NVIDIA driver, the CUDA versions (driver API, runtime), cuBLAS, and
 *       the GEMM provider {@code cuda.gemm=auto} chooses and why;
 *   <li>gemm: DGEMM and SGEMM rates at 4096^3 and at the dense kernel's dominant shape
 *       1500 x 4096 x 1500, for each GEMM provider (cuBLAS: the device's limit);
 *   <li>agreement: for each GEMM provider and precision, the maximum relative difference
 *       {@code max |g_cuda - g_cpu| / max |g_cpu|} of the gradient sums (and of the loss and the l1
 *       norm) against the CPU backend in double, over every gradient kind and encoder variant on
 *       three shapes, and of the convolutional denoiser's gradients and reconstruction: at most
 *       {@value Agreement#FP64_TOLERANCE} in FP64, {@value Agreement#FP32_TOLERANCE} in FP32
 *       (FP32 with the hard threshold is reported only: rounding can flip an entry at the
 *       threshold);
 *   <li>gradients: seconds per update and GFLOP/s ({@link UnfoldedIsta#flops}) of g_dec, g_ae-ls
 *       and g_ae-lasso at m = 1000, p = 1500, T = 100, B = 4096 ({@code --size}, {@code --samples})
 *       and at the setting of the paper's appendix B.1 (m = 50, p = 100, T = 200, B = 65536), for
 *       each provider and precision (D resident, the block uploaded, the gradient downloaded);
 *   <li>conv: the convolutional denoiser (64 filters of 9 x 9, stride 4, T = 15) on a 129 x 129
 *       crop: ms per crop of g_dec and g_ae-ls, on the CPU (one thread) and for each provider;
 *   <li>study: the gradient study's kernel ({@link DepthStudyKernel}) at the paper's setting
 *       (m = 50, p = 100, k = 5, T = 200, the standard depth grid): ms per sample; it runs on the
 *       CPU backend only (one thread), which the row says;
 *   <li>cpu: the CPU BLAS, its DGEMM rate and the CPU kernel at the benchmark shape, for scale;
 *   <li>result: PASS or FAIL for each agreement.
 * </ol>
 * Every section catches its own failure and reports it as a row. A time guard
 * ({@code --time-limit}, default {@value CheckOptions#DEFAULT_TIME_LIMIT} s) skips the sections
 * that would start after it and, when a section is still running at the limit, writes the table
 * and exits.
 *
 * <p>{@code --probe} only says, in seconds, whether libcuda, libcudart and libcublas load and
 * work ({@link CudaProbe}).
 *
 * <p>Exit status: 0 when everything ran and every agreement passed; 1 when an agreement failed
 * or a section failed or ran out of time; 2 for bad arguments; 3 with {@code --require-cuda} and
 * no usable device (after a line that says why, starting with {@code no CUDA driver} when the
 * driver library is missing).
 *
 * <p>The parts: {@link CheckOptions} (the arguments), {@link CheckRun} (the sections in order, the
 * time limit, the table and the exit status), {@link DeviceSections} (device, gemm, agreement),
 * {@link TimingSections} (gradients, b1, conv, study, cpu), and {@link Agreement} and
 * {@link Problem} (the comparisons and inputs the CUDA tests share).
 */
public final class CudaCheck {
  private CudaCheck() {}

  public static void main(String[] args) {
    System.exit(run(System.out, args));
  }

  /** Runs the check (or the probe) with {@code args}, printing to {@code out}; returns the exit status. */
  public static int run(PrintStream out, String... args) {
    return run(out, null, args);
  }

  /**
   * Runs the check on {@code device} (null: the CUDA driver's device, probed) with {@code args};
   * returns the exit status. The tests run every section on an emulated device this way.
   */
  public static int run(PrintStream out, CheckDevice device, String... args) {
    CheckOptions o;
    try {
      o = CheckOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("cuda-check: " + e.getMessage());
      return 2;
    }
    if (o == null) {
      out.println(CheckOptions.USAGE);
      return 0;
    }
    return o.probe() ? CudaProbe.run(out) : new CheckRun(o, out, device).run();
  }
}
