package org.pudle.spark.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.backend.CpuKernels;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.Denoiser;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.kernels.cuda.CudaKernels;

class DenoiseTrainJobTest {
  @TempDir
  static Path data;

  /** Six small training images (one in color) and two test images, one of a size the filters do not fit. */
  @BeforeAll
  static void images() throws IOException {
    Path train = Files.createDirectories(data.resolve("train"));
    for (int i = 0; i < 5; i++) {
      TestImages.writeGray(train.resolve("t" + i + ".png"), TestImages.texture(30, 34, i), 30, 34);
    }
    TestImages.writeColor(train.resolve("t5.png"), TestImages.texture(33, 30, 5), 33, 30);
    Path test = Files.createDirectories(data.resolve("test"));
    TestImages.writeGray(test.resolve("a.png"), TestImages.texture(21, 25, 10), 21, 25);
    TestImages.writeGray(test.resolve("b.png"), TestImages.texture(22, 26, 11), 22, 26);
  }

  static final String BASE = "filters = 4\nfilter.size = 5\nstride = 2\ncrop = 15\nT = 4\nalpha = 0.1\nlambda = 0.05\n"
      + "threshold = soft\nnoise = 25\nprogress.seconds = 1000\n";

  private static Config config(String extra, Path out) {
    return Config.fromString(BASE + "train.images = " + data.resolve("train") + "\ntest.images = " + data.resolve("test")
        + "\noutput = " + out + "\n" + extra);
  }

  @Test
  void trainingLowersTheLossWritesTheModelAndItsTestScoresReproduce(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    Config c = config("gradient = ae-ls\nupdates = 36\nbatch.size = 2\nadam.lr = 1e-2\ntest.every = 12\n"
        + "partitions = 2\ntest.seed = 7", out);
    DenoiseTrainParams p = DenoiseTrainParams.from(c);
    DenoiseTrainJob.Prepared prep = DenoiseTrainJob.prepare(c, p, new Configuration());
    assertEquals(6, prep.train().size());
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    DenoiseTrainJob.Summary s = DenoiseTrainJob.run(SparkTestSupport.sc(), p, prep, c.values(), console);

    // 36 updates of 2 crops: 12 epochs of 6 images; the loss of the last epochs is well below the first
    assertEquals(36, s.updates().size());
    assertEquals(12.0, s.updates().get(35).epoch(), 1e-12);
    double first = 0;
    double lastLoss = 0;
    for (int i = 0; i < 6; i++) {
      first += s.updates().get(i).loss();
      lastLoss += s.updates().get(30 + i).loss();
    }
    assertTrue(lastLoss < 0.5 * first, "training loss " + first / 6 + " -> " + lastLoss / 6);

    // unit-norm filters after every update
    double[] w = s.model().filters();
    for (int f = 0; f < 4; f++) {
      assertEquals(1.0, Norms.frobenius(w, f * 25, 25), 1e-12);
    }
    // the files
    DenoiseModel back = DenoiseModel.read(out.toString(), new Configuration());
    assertEquals(s.model(), back);
    assertEquals(37, Files.readAllLines(out.resolve("metrics.csv")).size());
    List<String> tests = Files.readAllLines(out.resolve("test-psnr.csv"));
    assertEquals(DenoiseTrainJob.TEST_HEADER, tests.get(0));
    assertEquals(5, tests.size(), "evaluations before the first update, at updates 12, 24 and at the end");
    assertTrue(tests.get(1).startsWith("0,") && tests.get(4).startsWith("36,"), tests.toString());
    for (String f : List.of("filters.png", "learning-curve.png", "test-psnr.png", "initial-filters.npy",
        "run.properties", "summary.txt", "test-images.csv")) {
      assertTrue(Files.size(out.resolve(f)) > 100, f);
    }
    try (var files = Files.list(out)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".inprogress")), "no temporary files left");
    }

    // the denoiser learned something: better than the initial filters on the test images
    double initial = meanTestPsnr(prep.initialFilters(), p, 7);
    assertEquals(initial, s.tests().get(0).psnr(), 1e-12, "update 0 scores the initial filters");
    double trained = Evaluation.meanPsnr(s.finalScores());
    assertEquals(trained, meanTestPsnr(w, p, 7), 1e-12, "the Spark evaluation equals a local one");
    assertTrue(trained > initial + 1, "test PSNR " + initial + " -> " + trained);

    // `pudle denoise --noise 25 --seed 7` on the test folder gives test-images.csv's scores
    Path den = dir.resolve("denoised");
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "denoise",
        out.toString(), data.resolve("test").toString(), "--output", den.toString(), "--noise", "25", "--seed", "7",
        "--threads", "2");
    assertEquals(0, status, err.toString());
    List<String> trainCsv = Files.readAllLines(out.resolve("test-images.csv"));
    List<String> cmdCsv = Files.readAllLines(den.resolve("psnr.csv"));
    assertEquals(trainCsv, cmdCsv);
    GrayImage a = Images.read(den.resolve("a.png").toString(), 0, new Configuration());
    assertEquals(21, a.height());
    assertEquals(25, a.width());
  }

  @Test
  void theKernelKeysAreCheckedTheOldBackendKeyStillWorksAndWithoutADeviceAutoRunsOnTheCpu(@TempDir Path dir)
      throws IOException {
    ConfigException bad = assertThrows(ConfigException.class,
        () -> DenoiseTrainParams.from(config("kernels = gpu\n", dir.resolve("x"))));
    assertTrue(bad.getMessage().contains("config key 'kernels'") && bad.getMessage().contains("auto, cpu or cuda"),
        bad.getMessage());
    bad = assertThrows(ConfigException.class, () -> DenoiseTrainParams.from(config("backend = gpu\n", dir)));
    assertTrue(bad.getMessage().contains("config key 'backend'") && bad.getMessage().contains("auto, cpu or cuda"),
        bad.getMessage());
    bad = assertThrows(ConfigException.class,
        () -> DenoiseTrainParams.from(config("kernels = cpu\nkernel.precision = float\n", dir)));
    assertTrue(bad.getMessage().contains("config key 'kernel.precision'") && bad.getMessage().contains("in double"),
        bad.getMessage());
    bad = assertThrows(ConfigException.class, () -> DenoiseTrainParams.from(config("backend = cpu:float\n", dir)));
    assertTrue(bad.getMessage().contains("config key 'backend'") && bad.getMessage().contains("in double"),
        bad.getMessage());
    bad = assertThrows(ConfigException.class,
        () -> DenoiseTrainParams.from(config("backend = cuda\nkernels = cuda\n", dir)));
    assertTrue(bad.getMessage().contains("config key 'backend'")
        && bad.getMessage().contains("replaced by kernels and kernel.precision"), bad.getMessage());

    DenoiseTrainParams auto = DenoiseTrainParams.from(config("", dir));
    assertEquals("auto", auto.backend());
    assertEquals("auto", auto.settings().get("kernels"));
    assertEquals("double", auto.settings().get("kernel.precision"));
    DenoiseTrainParams fp32 = DenoiseTrainParams.from(config("kernels = CUDA\nkernel.precision = float\n", dir));
    DenoiseTrainParams legacy = DenoiseTrainParams.from(config("backend = cuda:float\n", dir));
    assertEquals("cuda:float", fp32.backend());
    assertEquals(fp32.kernels(), legacy.kernels());
    assertEquals(fp32.precision(), legacy.precision());
    assertEquals(fp32.settings(), legacy.settings(), "the old key gives the run of the new ones");
    assertFalse(legacy.settings().containsKey("backend"), "run.properties writes the new keys");
    assumeFalse(CudaKernels.availability().available(), "this machine has a CUDA device");

    double[][] filters = new double[2][];
    String[] logs = new String[2];
    String[] backends = {"auto", "cpu"};
    for (int i = 0; i < 2; i++) {
      Config c = config("gradient = ae-ls\nupdates = 3\npartitions = 2\nkernels = " + backends[i] + "\n",
          dir.resolve(backends[i]));
      DenoiseTrainParams p = DenoiseTrainParams.from(c);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      DenoiseTrainJob.Summary s = DenoiseTrainJob.run(SparkTestSupport.sc(), p,
          DenoiseTrainJob.prepare(c, p, new Configuration()), c.values(),
          new PrintStream(log, true, StandardCharsets.UTF_8));
      filters[i] = s.model().filters();
      logs[i] = log.toString(StandardCharsets.UTF_8);
    }
    assertArrayEquals(filters[1], filters[0], 0.0, "auto without a device is the CPU backend");
    assertTrue(logs[0].contains("[denoise-train] kernels auto: ") && logs[0].contains(": cpu ("), logs[0]);
    assertFalse(logs[1].contains("[denoise-train] kernels"), logs[1]);

    Path out = dir.resolve("cuda");
    Config c = config("updates = 3\nkernels = cuda\n", out);
    DenoiseTrainParams p = DenoiseTrainParams.from(c);
    DenoiseTrainJob.Prepared prep = DenoiseTrainJob.prepare(c, p, new Configuration());
    ConfigException e = assertThrows(ConfigException.class, () -> DenoiseTrainJob.run(SparkTestSupport.sc(), p, prep,
        c.values(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().startsWith("kernels: executor ") && e.getMessage().contains("no usable CUDA device"),
        e.getMessage());
    assertFalse(Files.exists(out), "nothing written");
  }

  private static double meanTestPsnr(double[] filters, DenoiseTrainParams p, long seed) {
    Denoiser d = new Denoiser(CpuKernels.INSTANCE.convUnfoldedIsta(filters, p.k(), p.stride(), p.channels(),
        p.encoder()));
    List<Evaluation.Score> scores = new ArrayList<>();
    for (String name : List.of("a.png", "b.png")) {
      GrayImage img = Images.read(data.resolve("test").resolve(name).toString(), 0, new Configuration());
      scores.add(Evaluation.denoiseWithTestNoise(d, img, p.noise(), seed).score());
    }
    return Evaluation.meanPsnr(scores);
  }

  @Test
  void theGradientOfAnUpdateDoesNotDependOnThePartitioning() throws IOException {
    Config c = config("gradient = ae-ls\nbatch.size = 3", data.resolve("unused"));
    DenoiseTrainParams p = DenoiseTrainParams.from(c);
    DenoiseTrainJob.Prepared prep = DenoiseTrainJob.prepare(c, p, new Configuration());
    double[] w = ConvFilters.random(5, 4, 3);
    CropSampler sampler = new CropSampler(15, 25, 9);
    int update = 4;
    for (GradientKind kind : GradientKind.values()) {
      // the reference: the same crops, one after another in this thread
      BatchSelection batch = SparkCropOracle.batch(6, 3, 9, update);
      ConvUnfoldedIsta kernel = CpuKernels.INSTANCE.convUnfoldedIsta(w, 5, 2, 4, p.encoder());
      GradientSums expected = new GradientSums(25, 4);
      double[] clean = new double[225];
      double[] noisy = new double[225];
      for (int i = 0; i < prep.train().size(); i++) {
        if (batch.contains(i)) {
          sampler.sample(Images.read(prep.train().get(i), i, new Configuration()), update, clean, noisy);
          kernel.accumulate(kind, noisy, clean, 15, 15, expected);
        }
      }
      assertEquals(3, expected.count());
      for (int partitions : new int[] {1, 3}) {
        JavaRDD<GrayImage> images = DenoiseTrainJob.loadImages(SparkTestSupport.sc(), prep.train(), partitions, "t");
        try {
          SparkCropOracle oracle = new SparkCropOracle(SparkTestSupport.sc(), images, 6, 5, 2, 4, p.encoder(), kind,
              sampler, 3, 9, 0.5, 2, KernelSpec.CPU);
          GradientSums got = oracle.gradient(w, update).sums();
          assertEquals(3, got.count());
          assertEquals(expected.meanLoss(), got.meanLoss(), 1e-12 * expected.meanLoss());
          double[] e = expected.gradientBuffer();
          double[] g = got.gradientBuffer();
          double num = 0;
          double den = 0;
          for (int i = 0; i < e.length; i++) {
            num += (0.5 * e[i] - g[i]) * (0.5 * e[i] - g[i]);
            den += 0.25 * e[i] * e[i];
          }
          assertTrue(Math.sqrt(num / den) <= 1e-13, kind + ", " + partitions + " partitions: " + Math.sqrt(num / den));
        } finally {
          images.unpersist(false);
        }
      }
    }
  }
}
