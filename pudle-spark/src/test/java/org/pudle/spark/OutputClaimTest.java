package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.cli.ExitStatus;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.EncodeParams;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.denoise.DenoiseTrainJob;
import org.pudle.spark.denoise.DenoiseTrainParams;
import org.pudle.spark.encode.EncodeJob;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.train.TrainJob;

/**
 * An output belongs to one run (issue 13, items 1, 2, 3, 7, 8 and 9): a second run into a held
 * output is refused naming the holder; a directory where an output file should go is an error; an
 * earlier run's directory is refused unless {@code --overwrite} (replaced whole) or
 * {@code --resume}; a run refused or failing on its input leaves no output; {@code encode} into a
 * train directory leaves its files alone; what killed runs left is cleaned by the next claim.
 */
class OutputClaimTest {
  static final String SMALL = "m = 20\np = 40\nk = 3\nn = 500\nseed = 3\nT = 10\ngradient = ae-ls\n"
      + "adam.lr = 1e-2\npartitions = 2\nblock.size = 128\nprogress.seconds = 1000\ncheckpoint.every = 2\n";

  static TrainJob.Summary train(String text, Path out, RunClaim.Mode mode) throws IOException {
    Config c = Config.fromString(text + "\noutput = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(), console, mode, false);
  }

  /** Every file under {@code dir} (hidden ones too) with its bytes, by relative path. */
  static Map<String, byte[]> snapshot(Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return files;
  }

  static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what);
    for (String k : expected.keySet()) {
      assertArrayEquals(expected.get(k), actual.get(k), what + ": " + k);
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Path> temporaries(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".inprogress")).toList();
    }
  }

  /** Item 1: a second run into an output that a running run holds is refused, naming the holder. */
  @Test
  void aSecondRunIntoAHeldOutputIsRefusedNamingTheHolder(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Configuration conf = new Configuration();
    try (RunOutputs first = RunOutputs.open(out.toString(), conf, RunClaim.Mode.NEW, "pudle train first")) {
      var metrics = first.stream("metrics.csv");
      metrics.line("update,loss");
      for (RunClaim.Mode mode : List.of(RunClaim.Mode.NEW, RunClaim.Mode.OVERWRITE, RunClaim.Mode.RESUME)) {
        UserInputException e = assertThrows(UserInputException.class, () -> train(SMALL + "updates = 2\n", out, mode));
        assertTrue(e.getMessage().startsWith("output file:" + out + " is held by another run: pudle train first on "
            + InetAddress.getLocalHost().getHostName() + ", process " + ProcessHandle.current().pid() + ", claimed at "),
            e.getMessage());
      }
      // the first run's files are untouched: its stream goes on and its result appears whole
      metrics.line("1,0.5");
      first.text("summary.txt", "first\n");
      first.finish();
    }
    assertEquals(List.of("metrics.csv", "summary.txt"), names(out));
    assertEquals("update,loss\n1,0.5\n", Files.readString(out.resolve("metrics.csv")));
    assertFalse(Files.exists(dir.resolve(".out.pudle")), "the claim is released");
  }

  /** Item 1: a claim whose process has ended (same host) is stale and taken over. */
  @Test
  void aClaimOfAnEndedProcessIsTakenOver(@TempDir Path dir) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path control = Files.createDirectories(dir.resolve(".out.pudle"));
    Files.writeString(control.resolve("claim"), "host=" + InetAddress.getLocalHost().getHostName() + "\npid="
        + gone.pid() + "\nstarted=2026-01-01T00:00:00Z\nclaimed=2026-01-01T00:00:01Z\ncommand=pudle train\nrun=dead\n");
    try (RunOutputs r = RunOutputs.open(dir.resolve("out").toString(), new Configuration(), RunClaim.Mode.NEW, "t")) {
      r.text("a.txt", "a\n");
      r.finish();
    }
    assertEquals(List.of("a.txt"), names(dir.resolve("out")));
    assertEquals(List.of("out"), names(dir));
  }

  /** Item 2: a directory where an output file should go is an error (exit 2), not a hidden file. */
  @Test
  void aDirectoryWhereAnOutputFileShouldGoIsAnError(@TempDir Path dir) throws IOException {
    Random r = new Random(1);
    double[] d = new double[6 * 8];
    double[] x = new double[20 * 6];
    for (int i = 0; i < d.length; i++) {
      d[i] = r.nextGaussian() * 0.3;
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("D.npy"))) {
      Npy.writeColumnMajor(o, d, 6, 8);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("X.npy"))) {
      Npy.writeRowMajor(o, x, 20, 6);
    }
    Path g = Files.createDirectories(dir.resolve("G.npy"));
    String[] args = {"gradient", "--dictionary", dir.resolve("D.npy").toString(), "--input",
        dir.resolve("X.npy").toString(), "--kind", "ae-ls", "--T", "5", "--alpha", "0.05", "--threads", "1",
        "--output", g.toString()};
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    assertEquals(ExitStatus.INVALID_INPUT, status, err.toString());
    assertTrue(err.toString().contains(g.getFileName() + " is a directory; give a file name"), err.toString());
    assertEquals(List.of(), names(g), "nothing hidden in it");
    assertEquals(List.of("D.npy", "G.npy", "X.npy"), names(dir), "no claim left");

    // an existing file is replaced only with --overwrite
    Files.delete(g);
    Files.writeString(g, "earlier");
    err = new StringWriter();
    status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    assertEquals(ExitStatus.INVALID_INPUT, status, err.toString());
    assertTrue(err.toString().contains("exists; give --overwrite to replace it"), err.toString());
    assertEquals("earlier", Files.readString(g));
    String[] overwrite = java.util.Arrays.copyOf(args, args.length + 1);
    overwrite[args.length] = "--overwrite";
    err = new StringWriter();
    status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), overwrite);
    assertEquals(ExitStatus.OK, status, err.toString());
    assertEquals(6 * 8, TrainFromFilesTest.readNpy(g).length);
    assertEquals(List.of("D.npy", "G.npy", "X.npy"), names(dir));

    // inside a run's staging directory: a directory in the way of a file fails the write
    Path out = dir.resolve("out");
    try (RunOutputs run = RunOutputs.open(out.toString(), new Configuration())) {
      Path staged = Path.of(run.staging().toUri());
      Files.createDirectories(staged.resolve("dictionary.npy"));
      IOException e = assertThrows(IOException.class, () -> run.npy("dictionary.npy", d, 6, 8));
      assertTrue(e.getMessage().contains("a directory is in the way"), e.getMessage());
      assertEquals(List.of(), names(staged.resolve("dictionary.npy")));
    }
    assertFalse(Files.exists(out), "a failed run leaves no output");

    // train into a directory where dictionary.npy is a directory: the directory holds something
    Files.createDirectories(out.resolve("dictionary.npy"));
    UserInputException e = assertThrows(UserInputException.class, () -> train(SMALL + "updates = 1\n", out,
        RunClaim.Mode.NEW));
    assertTrue(e.getMessage().contains("holds an earlier run's files (dictionary.npy)"), e.getMessage());
    assertEquals(List.of(), names(out.resolve("dictionary.npy")));
  }

  /**
   * Item 3: a new run into an earlier run's directory is refused (naming the directory and the two
   * options) and changes nothing; with --overwrite the new result replaces the old one whole.
   */
  @Test
  void anEarlierRunsDirectoryIsRefusedOrReplacedWhole(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    train(SMALL + "updates = 4\n", out, RunClaim.Mode.NEW);
    Map<String, byte[]> before = snapshot(out);
    assertTrue(before.containsKey("generating-dictionary.npy") && before.containsKey("checkpoint"), before.keySet()
        .toString());

    String other = SMALL.replace("m = 20", "m = 24").replace("seed = 3", "seed = 4") + "updates = 2\n";
    UserInputException e = assertThrows(UserInputException.class, () -> train(other, out, RunClaim.Mode.NEW));
    assertTrue(e.getMessage().contains(" holds an earlier run's files (checkpoint, dictionary.csv, dictionary.npy, "
        + "dictionary.parquet, generating-dictionary.npy, ...); give --overwrite to replace them with this run's "
        + "result once it is complete, or --resume to continue that run (train), or choose another output"),
        e.getMessage());
    assertTrue(e.getMessage().startsWith("output file:" + out), e.getMessage());
    assertSameFiles(before, snapshot(out), "refused");
    assertEquals(List.of("run"), names(dir));

    // --overwrite with file input and no reference: no generating-dictionary.npy of the old run stays
    Random r = new Random(2);
    double[] x = new double[500 * 24];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("x.npy"))) {
      Npy.writeRowMajor(o, x, 500, 24);
    }
    String files = "p = 30\nseed = 4\nT = 10\ngradient = ae-ls\nadam.lr = 1e-2\npartitions = 2\nblock.size = 128\n"
        + "progress.seconds = 1000\nupdates = 2\ninput = " + dir.resolve("x.npy") + "\n";
    train(files, out, RunClaim.Mode.OVERWRITE);
    List<String> now = names(out);
    assertFalse(now.contains("generating-dictionary.npy"), now.toString());
    assertEquals(24 * 30, TrainFromFilesTest.readNpy(out.resolve("dictionary.npy")).length);
    assertTrue(Files.readString(out.resolve("run.properties")).contains("input = " + dir.resolve("x.npy")));
    assertEquals(List.of("run", "x.npy"), names(dir), "no staging or claim left");
  }

  /**
   * Item 7: denoise-train refused on its images (one unreadable, or smaller than the crop) after
   * the output was claimed leaves no output.
   */
  @Test
  void aDenoiseTrainRefusedOnItsImagesLeavesNoOutput(@TempDir Path dir) throws IOException {
    Path images = Files.createDirectories(dir.resolve("images"));
    for (int i = 0; i < 3; i++) {
      writeGray(images.resolve("t" + i + ".png"), 20, 22, i);
    }
    String base = "filters = 4\nfilter.size = 5\nstride = 2\nT = 3\nalpha = 0.1\nlambda = 0.05\nnoise = 25\n"
        + "progress.seconds = 1000\nupdates = 2\nbatch.size = 1\ntrain.images = " + images + "\n";
    Path out = dir.resolve("model");
    Config c = Config.fromString(base + "crop = 21\noutput = " + out + "\n");
    DenoiseTrainParams p = DenoiseTrainParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ConfigException e = assertThrows(ConfigException.class, () -> DenoiseTrainJob.run(SparkTestSupport.sc(), p,
        DenoiseTrainJob.prepare(c, p, new Configuration()), c.values(), console));
    assertTrue(e.getMessage().contains("smaller than the 21 x 21 crop"), e.getMessage());
    assertEquals(List.of("images"), names(dir), "no output, no claim");

    Files.write(images.resolve("t9.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Config c2 = Config.fromString(base + "crop = 13\noutput = " + out + "\n");
    DenoiseTrainParams p2 = DenoiseTrainParams.from(c2);
    UserInputException bad = assertThrows(UserInputException.class, () -> DenoiseTrainJob.run(SparkTestSupport.sc(),
        p2, DenoiseTrainJob.prepare(c2, p2, new Configuration()), c2.values(), console));
    assertTrue(bad.getMessage().contains("t9.png"), bad.getMessage());
    assertEquals(List.of("images"), names(dir), "no output, no claim");
  }

  private static void writeGray(Path file, int h, int w, long seed) throws IOException {
    java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        im.getRaster().setSample(x, y, 0, r.nextInt(256));
      }
    }
    javax.imageio.ImageIO.write(im, "png", file.toFile());
  }

  /** Item 8: encode into a train directory is refused and leaves its summary.txt alone. */
  @Test
  void encodeIntoATrainDirectoryLeavesItAlone(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    train(SMALL + "updates = 2\n", out, RunClaim.Mode.NEW);
    Map<String, byte[]> before = snapshot(out);
    Random r = new Random(3);
    double[] x = new double[30 * 20];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("x.npy"))) {
      Npy.writeRowMajor(o, x, 30, 20);
    }
    EncodeParams params = EncodeParams.from(Config.fromString("input = " + dir.resolve("x.npy") + "\ndictionary = "
        + out.resolve("dictionary.npy") + "\nT = 10\noutput = " + out + "\n"));
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    UserInputException e = assertThrows(UserInputException.class, () -> EncodeJob.run(SparkTestSupport.sc(), params,
        console));
    assertTrue(e.getMessage().startsWith("output file:" + out + " holds an earlier run's files (")
        && e.getMessage().contains("--overwrite"), e.getMessage());
    assertSameFiles(before, snapshot(out), "encode refused");
  }

  /**
   * Item 9: what killed runs left (a stale claim, a staging directory with partial streams, the
   * temporary files of runs before claims) is cleaned by the next claim.
   */
  @Test
  void theNextClaimCleansWhatKilledRunsLeft(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    train(SMALL + "updates = 2\n", out, RunClaim.Mode.NEW);
    Files.writeString(out.resolve(".dictionary.npy.1a2b3c4d.inprogress"), "half");
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path control = Files.createDirectories(dir.resolve(".run.pudle"));
    Path staging = Files.createDirectories(control.resolve("staging-deadbeef"));
    Files.writeString(staging.resolve(".metrics.csv.5e6f7a8b.inprogress"), "update,loss\n1,");
    Files.writeString(staging.resolve("dictionary.npy"), "half a result");
    Files.writeString(control.resolve("claim"), "host=" + InetAddress.getLocalHost().getHostName() + "\npid="
        + gone.pid() + "\nstarted=\nclaimed=2026-01-01T00:00:01Z\ncommand=pudle train\nrun=deadbeef\n");
    assertEquals(2, temporaries(dir).size());

    train(SMALL + "updates = 2\n", out, RunClaim.Mode.OVERWRITE);
    assertEquals(List.of(), temporaries(dir));
    assertEquals(List.of("run"), names(dir), "the control directory went with the claim");
  }

  /** A run killed between the renames of the swap: the next claim finishes it. */
  @Test
  void anInterruptedSwapIsFinishedByTheNextClaim(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    Path control = Files.createDirectories(dir.resolve(".run.pudle"));
    Path staging = Files.createDirectories(control.resolve("staging-0000aaaa"));
    Files.writeString(staging.resolve("new.txt"), "new\n");
    Files.createDirectories(control.resolve("old"));
    Files.writeString(control.resolve("old").resolve("old.txt"), "old\n");
    Files.writeString(control.resolve("publishing"), "staging-0000aaaa");
    // the claim of a process on another host would block; this one ended
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(control.resolve("claim"), "host=" + InetAddress.getLocalHost().getHostName() + "\npid="
        + gone.pid() + "\n");
    Configuration conf = new Configuration();
    RunClaim.recover(org.apache.hadoop.fs.FileSystem.getLocal(conf).getRaw(), conf,
        new org.apache.hadoop.fs.Path(out.toUri()));
    assertEquals(List.of("new.txt"), names(out));
    assertEquals(List.of("run"), names(dir));
  }
}
