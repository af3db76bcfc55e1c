package org.pudle.spark.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.Denoiser;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.conv.ImageQuality;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.io.RunOutputs;

/** The denoise commands: exit codes, messages, and that bad input writes nothing. */
class DenoiseCommandLineTest {
  @TempDir
  static Path data;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  static DenoiseModel model;

  @BeforeAll
  static void setUp() throws IOException {
    Path imgs = Files.createDirectories(data.resolve("imgs"));
    TestImages.writeGray(imgs.resolve("x.png"), TestImages.texture(21, 25, 1), 21, 25);
    TestImages.writeColor(imgs.resolve("y.png"), TestImages.texture(19, 16, 2), 19, 16);
    Path noisy = Files.createDirectories(data.resolve("noisy"));
    Path clean = Files.createDirectories(data.resolve("clean"));
    int[] c = TestImages.texture(21, 25, 3);
    int[] nz = c.clone();
    for (int i = 0; i < nz.length; i++) {
      nz[i] = Math.max(0, Math.min(255, nz[i] + ((i * 7919) % 41) - 20));
    }
    TestImages.writeGray(clean.resolve("z.png"), c, 21, 25);
    TestImages.writeGray(noisy.resolve("z.png"), nz, 21, 25);
    Path broken = Files.createDirectories(data.resolve("broken"));
    TestImages.writeGray(broken.resolve("good.png"), TestImages.texture(21, 25, 4), 21, 25);
    Files.writeString(broken.resolve("corrupt.png"), "not a png");
    model = new DenoiseModel(5, 2, 4, new ConvEncoderParams(4, 0.1, 0.05, ConvThreshold.SOFT_NONNEG, 0),
        ConvFilters.random(5, 4, 2));
    try (RunOutputs out = RunOutputs.open(data.resolve("model").toString(), new Configuration())) {
      model.write(out);
      out.finish();
    }
  }

  @Test
  void denoiseWithAReferencePrintsThePsnrOfAHandCheckedPair(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("o");
    Run r = run("denoise", data.resolve("model").toString(), data.resolve("noisy/z.png").toString(), "--reference",
        data.resolve("clean").toString(), "--output", out.toString());
    assertEquals(0, r.status(), r.err());
    GrayImage noisy = Images.read(data.resolve("noisy/z.png").toString(), 0, new Configuration());
    GrayImage clean = Images.read(data.resolve("clean/z.png").toString(), 0, new Configuration());
    double[] expected = new double[noisy.samples().length];
    try (var kernel = model.kernel(org.pudle.kernels.pool.KernelSpec.CPU)) {
      new Denoiser(kernel.kernel()).denoise(noisy.toDoubles(), 21, 25, expected);
    }
    double psnr = ImageQuality.psnr(clean.toDoubles(), expected, expected.length, 1.0);
    String[] row = Files.readAllLines(out.resolve("psnr.csv")).get(1).split(",");
    assertEquals("z.png", row[0]);
    assertEquals(psnr, Double.parseDouble(row[4]), 1e-12);
    assertEquals(ImageQuality.psnr(clean.toDoubles(), noisy.toDoubles(), expected.length, 1.0),
        Double.parseDouble(row[3]), 1e-12);
    assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%.3f dB", psnr)), r.out());
    // the PNG is the estimate rounded to 8 bits
    GrayImage written = Images.read(out.resolve("z.png").toString(), 0, new Configuration());
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Math.round(expected[i] * 255), written.samples()[i] & 0xffff, 0.0, "pixel " + i);
    }
  }

  @Test
  void denoiseAFolderWithAddedNoise(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("o");
    Run r = run("denoise", data.resolve("model/model.properties").toString(), data.resolve("imgs").toString(),
        "--noise", "30", "--save-noisy", "--output", out.toString(), "--threads", "1");
    assertEquals(0, r.status(), r.err());
    for (String f : new String[] {"x.png", "y.png", "x-noisy.png", "y-noisy.png", "psnr.csv"}) {
      assertTrue(Files.exists(out.resolve(f)), f);
    }
    assertEquals(3, Files.readAllLines(out.resolve("psnr.csv")).size());
    assertTrue(r.out().contains("mean PSNR"), r.out());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing-model | no such model",
      "not-an-image | fake.png",
      "noise-and-reference | --noise and --reference",
      "overwrite | would overwrite the input",
      "bad-filters | expected a C-order array"})
  void badInputExitsTwoAndWritesNothing(String what, String expected, @TempDir Path dir) throws IOException {
    Path out = dir.resolve("o");
    String modelDir = data.resolve("model").toString();
    String[] args;
    switch (what) {
      case "missing-model":
        args = new String[] {"denoise", dir.resolve("nomodel").toString(), data.resolve("imgs").toString(), "--output",
            out.toString()};
        break;
      case "not-an-image":
        Files.writeString(dir.resolve("fake.png"), "text");
        args = new String[] {"denoise", modelDir, dir.resolve("fake.png").toString(), "--output", out.toString()};
        break;
      case "noise-and-reference":
        args = new String[] {"denoise", modelDir, data.resolve("imgs").toString(), "--noise", "25", "--reference",
            data.resolve("clean").toString(), "--output", out.toString()};
        break;
      case "overwrite":
        out = data.resolve("imgs");
        args = new String[] {"denoise", modelDir, data.resolve("imgs/x.png").toString(), "--output", out.toString()};
        break;
      default:
        Path m = Files.createDirectories(dir.resolve("m"));
        Files.copy(data.resolve("model/model.properties"), m.resolve("model.properties"));
        try (OutputStream o = Files.newOutputStream(m.resolve("filters.npy"))) {
          DenoiseModel.writeFilters(o, new double[3 * 25], 3, 5);
        }
        args = new String[] {"denoise", m.toString(), data.resolve("imgs").toString(), "--output", out.toString()};
    }
    long before = Files.exists(out) ? Files.list(out).count() : -1;
    Run r = run(args);
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "message should contain '" + expected + "': " + r.err());
    long after = Files.exists(out) ? Files.list(out).count() : -1;
    assertEquals(before, after, "nothing written");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "crop = 16 | config key 'crop'",
      "threshold = relu | config key 'threshold'",
      "lamda = 0.1 | did you mean 'lambda'",
      "gradient = ae-l2 | config key 'gradient'",
      "alpha = 2.5 | ISTA needs alpha < 2 / sigma_max(D)^2",
      "batch.size = 7 | more than the 2 training images",
      "train.images = /nonexistent/folder | config key 'train.images'",
      "loss.per = pixel | config key 'loss.per'",
      "train.images = BROKEN | corrupt.png"})
  void invalidDenoiseTrainConfigExitsTwoAndWritesNothing(String line, String expected, @TempDir Path dir)
      throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("filters.npy"), "a previous result");
    Path c = dir.resolve("bad.properties");
    // the bad line replaces its key's line (a key given twice is an error of its own)
    String key = line.substring(0, line.indexOf('=')).strip();
    String base = "train.images = " + data.resolve("imgs") + "\nfilters = 4\nfilter.size = 5\nstride = 2\n"
        + "crop = 15\nupdates = 2\noutput = " + out + "\n";
    Files.writeString(c, base.lines().filter(l -> !l.startsWith(key + " =")).map(l -> l + "\n")
        .collect(java.util.stream.Collectors.joining()) + line.replace("BROKEN", data.resolve("broken").toString())
        + "\n");
    // the corrupt image fails a Spark task, which Spark logs at ERROR: quiet while it is expected
    org.apache.logging.log4j.Level level = org.apache.logging.log4j.LogManager.getLogger("org.apache.spark").getLevel();
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark", org.apache.logging.log4j.Level.OFF);
    Run r;
    try {
      // --overwrite: the earlier result may be replaced, but only by a complete run
      r = run("denoise-train", c.toString(), "--overwrite");
    } finally {
      org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark", level);
    }
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "message should contain '" + expected + "': " + r.err());
    assertEquals("a previous result", Files.readString(out.resolve("filters.npy")));
    try (var files = Files.list(out)) {
      assertEquals(1, files.count(), "nothing else written");
    }
  }

  @Test
  void initStartsFromAModelOfTheSameGeometry(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Path c = dir.resolve("init.properties");
    Files.writeString(c, "train.images = " + data.resolve("imgs") + "\nfilters = 4\nfilter.size = 5\nstride = 2\n"
        + "crop = 15\nepochs = 0\ninit = " + data.resolve("model") + "\noutput = " + out + "\n");
    Run r = run("denoise-train", c.toString());
    assertEquals(0, r.status(), r.err());
    DenoiseModel m = DenoiseModel.read(out.toString(), new Configuration());
    org.junit.jupiter.api.Assertions.assertArrayEquals(model.filters(), m.filters(), 0.0);
    Files.writeString(c, "train.images = " + data.resolve("imgs") + "\nfilters = 5\nfilter.size = 5\nstride = 2\n"
        + "crop = 15\nepochs = 0\ninit = " + data.resolve("model") + "\noutput = " + dir.resolve("out2") + "\n");
    r = run("denoise-train", c.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains("config key 'init'") && r.err().contains("the model has 4 filters"), r.err());
  }

  @Test
  void keysAndHelp() {
    assertEquals(0, run("denoise-train", "--keys").status());
    assertEquals(2, run("denoise-train").status());
    assertEquals(0, run("help", "denoise").status());
  }
}
