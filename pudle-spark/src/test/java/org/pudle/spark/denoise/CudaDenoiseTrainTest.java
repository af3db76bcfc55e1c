package org.pudle.spark.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.EmulatedCuda;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.config.Config;

/**
 * {@code denoise-train} with {@code backend = cuda} runs the convolutional kernels of its updates
 * and of its test evaluations on the CUDA backend (here on an emulated device, {@link EmulatedCuda}),
 * and gives the CPU backend's filters and test PSNR to FP64 rounding.
 */
class CudaDenoiseTrainTest {

  @Test
  void theUpdatesAndTheTestScoresRunOnTheDevice(@TempDir Path dir) throws Exception {
    Path train = Files.createDirectories(dir.resolve("train"));
    for (int i = 0; i < 4; i++) {
      TestImages.writeGray(train.resolve("t" + i + ".png"), TestImages.texture(24, 26, i), 24, 26);
    }
    Path test = Files.createDirectories(dir.resolve("test"));
    TestImages.writeGray(test.resolve("a.png"), TestImages.texture(21, 25, 10), 21, 25);
    SparkTestSupport.sc();
    DenoiseTrainJob.Summary[] s = new DenoiseTrainJob.Summary[2];
    String[] backends = {"cuda", "cpu"};
    try (EmulatedCuda cuda = EmulatedCuda.install()) {
      for (int i = 0; i < 2; i++) {
        Config c = Config.fromString(DenoiseTrainJobTest.BASE + "train.images = " + train + "\ntest.images = " + test
            + "\noutput = " + dir.resolve(backends[i]) + "\ngradient = ae-ls\nupdates = 3\nbatch.size = 2\n"
            + "adam.lr = 1e-2\npartitions = 2\nbackend = " + backends[i] + "\n");
        DenoiseTrainParams p = DenoiseTrainParams.from(c);
        DenoiseTrainJob.Prepared prep = DenoiseTrainJob.prepare(c, p, new Configuration());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        s[i] = i == 0
            ? cuda.onDevice("denoise-train", () -> DenoiseTrainJob.run(SparkTestSupport.sc(), p, prep, c.values(), quiet))
            : DenoiseTrainJob.run(SparkTestSupport.sc(), p, prep, c.values(), quiet);
      }
    }
    double rel = EmulatedCuda.maxRelative(s[0].model().filters(), s[1].model().filters());
    assertTrue(rel <= 1e-12, "filters: " + rel);
    assertEquals(1, s[1].finalScores().size());
    double cpu = Evaluation.meanPsnr(s[1].finalScores());
    assertEquals(cpu, Evaluation.meanPsnr(s[0].finalScores()), 1e-12 * cpu);
    for (int u = 0; u < 3; u++) {
      double loss = s[1].updates().get(u).loss();
      assertEquals(loss, s[0].updates().get(u).loss(), 1e-12 * loss);
    }
  }
}
