package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.Learning;
import org.pudle.spark.train.TrainJob;

/**
 * {@code alpha = auto} follows the dictionary through training and stays inside ISTA's bound where
 * the step of D0 would not; {@code lambda.relative} is a fraction of {@code max |D0^T x|}; train
 * runs from {@code --set} keys alone.
 */
class AutoStepTest {
  /** No column constraint and a large rate: the atoms grow, and sigma_max(D) with them. */
  private static final String GROWING = "m = 12\np = 16\nk = 3\nn = 200\nseed = 3\nT = 20\ngradient = dec\n"
      + "lambda = 0.05\nadam.lr = 0.05\nnormalize = none\nupdates = 12\npartitions = 2\nblock.size = 50\n"
      + "progress.seconds = 1000\n";

  @Test
  void theAutoStepIsRecomputedFromEveryUpdatesDictionaryAndStaysInsideTheBound() {
    TrainParams params = TrainParams.from(Config.fromString(GROWING));
    assertTrue(params.alphaAuto(), "alpha defaults to auto");
    var data = params.data();
    double[] dTilde = data.model().dictionaryTilde();
    double[] d0 = data.model().initialDictionary(dTilde, data.tauB());
    int m = data.m();
    int p = data.p();
    JavaRDD<SampleBlock> blocks = new SyntheticSource(data.model(), data.n(), dTilde)
        .blocks(SparkTestSupport.sc(), 2, 50).persist(StorageLevel.MEMORY_ONLY());
    try {
      Learning learning = new Learning(SparkTestSupport.sc(), blocks, m, p, data.n(), data.seed(),
          Learning.Setup.of(params), null, true);
      List<Double> sigmas = new ArrayList<>();
      sigmas.add(Norms.singularValues(d0, m, p)[0]);
      double[] d = d0.clone();
      learning.run(d, DictionaryTrainer.Start.FRESH, (rec, dict) -> sigmas.add(Norms.singularValues(dict, m, p)[0]));
      SortedMap<Integer, Double> steps = learning.steps();
      assertEquals(params.updates(), steps.size());
      double alpha0 = steps.get(0);
      double worstFixed = 0;
      for (int u = 0; u < params.updates(); u++) {
        double s2 = sigmas.get(u) * sigmas.get(u); // sigma_max of the dictionary update u starts from
        assertEquals(1.0, steps.get(u) * s2, 1e-12, "update " + u + ": alpha = 1 / sigma_max(D_u)^2");
        assertTrue(steps.get(u) < IstaStep.bound(s2));
        worstFixed = Math.max(worstFixed, alpha0 * s2);
      }
      // the atoms grew so much that D0's step would have left ISTA's bound (alpha sigma^2 < 2)
      assertTrue(worstFixed >= 2, "D0's step times sigma_max(D_u)^2 reached " + worstFixed);
    } finally {
      blocks.unpersist(false);
    }
  }

  @Test
  void lambdaRelativeIsAFractionOfTheLargestCorrelationAndIsRecorded(@TempDir Path dir) throws IOException {
    String text = GROWING.replace("lambda = 0.05\n", "lambda.relative = 0.25\n").replace("normalize = none\n", "")
        .replace("updates = 12\n", "updates = 1\n") + "output = " + dir + "\n";
    Config c = Config.fromString(text);
    TrainParams params = TrainParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    TrainJob.Summary s = TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(), console,
        false);
    // max_i ||D0^T x_i||_inf computed here, on the driver, from the same synthetic samples
    var data = params.data();
    double[] dTilde = data.model().dictionaryTilde();
    double[] d0 = s.initial();
    double[] x = new double[data.m() * (int) data.n()];
    data.model().generate(dTilde, 0, (int) data.n(), x, 0, null, null);
    double max = 0;
    for (int i = 0; i < data.n(); i++) {
      for (int j = 0; j < data.p(); j++) {
        double dot = 0;
        for (int r = 0; r < data.m(); r++) {
          dot += d0[j * data.m() + r] * x[i * data.m() + r];
        }
        max = Math.max(max, Math.abs(dot));
      }
    }
    assertEquals(0.25 * max, s.encoder().lambda(), 1e-12 * max);
    String props = Files.readString(dir.resolve("run.properties"));
    assertTrue(props.contains("lambda.relative = 0.25 resolved to lambda = " + s.encoder().lambda()), props);
    assertTrue(props.contains("alpha = auto resolved to"), props);

    ConfigException both = assertThrows(ConfigException.class,
        () -> TrainParams.from(Config.fromString(text + "lambda = 0.1\n")));
    assertTrue(both.getMessage().contains("lambda.relative"), both.getMessage());
  }
}
