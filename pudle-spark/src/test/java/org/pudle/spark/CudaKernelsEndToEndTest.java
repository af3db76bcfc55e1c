package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.TrainJob;

/**
 * A training run with {@code kernels = cuda} end to end on the real kernels of
 * {@code pudle_kernels.cu}, through their g++ emulation ({@link EmulatedCuda#installNative()}):
 * Spark tasks borrow CUDA kernels, which launch the GEMMs, thresholds, masks and statistics of the
 * device with {@code CudaDevice}'s grids and arguments; the dictionary is the CPU backend's to FP64
 * rounding. Small, since every launch runs 256 threads per block on the CPU.
 */
class CudaKernelsEndToEndTest {
  private static final String TRAIN = "m = 8\np = 12\nk = 2\nn = 40\nseed = 5\nT = 4\nupdates = 2\npartitions = 1\n"
      + "block.size = 40\nadam.lr = 1e-2\nprogress.seconds = 1000\ngradient = ae-lasso\n";

  private static TrainJob.Summary train(String text, Path out) throws Exception {
    Config c = Config.fromString(text + "output = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), params, c.values(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void trainingRunsTheDeviceKernels(@TempDir Path dir) throws Exception {
    SparkTestSupport.sc();
    TrainJob.Summary gpu;
    try (EmulatedCuda cuda = EmulatedCuda.installNative()) {
      gpu = cuda.onDevice("train", () -> train(TRAIN + "kernels = cuda\n", dir.resolve("cuda")));
      for (String kernel : new String[] {"pudle_gemm_tn_f64", "pudle_gemm_nn_f64", "pudle_gemm_nt_f64",
          "pudle_mask_accumulate_f64", "pudle_add_lambda_sign_f64", "pudle_symmetrize_f64", "pudle_statistics_f64"}) {
        assertTrue(cuda.kernelsLaunched().contains(kernel), kernel + " not in " + cuda.kernelsLaunched());
      }
    }
    TrainJob.Summary cpu = train(TRAIN + "kernels = cpu\n", dir.resolve("cpu"));
    double rel = EmulatedCuda.maxRelative(gpu.dictionary(), cpu.dictionary());
    assertTrue(rel <= 1e-12, "CUDA (g++ emulation) and CPU dictionaries differ by " + rel);
  }
}
