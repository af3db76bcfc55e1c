package org.pudle.spark.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.EncoderParams;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.EncodeParams;
import org.pudle.spark.config.ReconstructParams;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.ImagePlanes;
import org.pudle.spark.data.InputParams;
import org.pudle.spark.data.PatchGrid;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SampleNormalization;
import org.pudle.spark.io.ModelFiles;
import org.pudle.spark.ml.PudleModel;
import org.pudle.spark.model.ModelDir;
import org.pudle.spark.train.TrainJob;

/**
 * A train run's model directory: Spark ML's {@code PudleModel.load} reads it, and
 * {@code encode --model} and {@code reconstruct}'s coder give its codes; a complete orthonormal
 * dictionary rebuilds an image from its own patches.
 */
class ModelRoundTripTest {
  @TempDir
  static Path shared;
  static Path images;
  static Path model;
  static TrainJob.Summary trained;

  /** A textured 8-bit gray image, seeded. */
  static void texture(Path file, int w, int h, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    double fx = 0.2 + 0.4 * rng.nextDouble();
    double fy = 0.1 + 0.4 * rng.nextDouble();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 0.5 + 0.3 * Math.sin(fx * x) * Math.cos(fy * y) + 0.05 * rng.nextGaussian();
        img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, (int) Math.round(255 * v))));
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  @BeforeAll
  static void train() throws IOException {
    images = Files.createDirectories(shared.resolve("images"));
    texture(images.resolve("a.png"), 30, 22, 1);
    texture(images.resolve("b.png"), 26, 26, 2);
    // no alpha: auto; lambda relative to the data; a sample of the patches, centered and scaled
    Config c = Config.fromString("input = " + images + "\nimage.patch = 4\nimage.stride = 2\n"
        + "input.normalize = center\ninput.scale = global\ninput.sample = 200\np = 24\nT = 15\nupdates = 3\n"
        + "batch.size = 50\nlambda.relative = 0.1\ngradient = dec\npartitions = 2\nprogress.seconds = 1000\n"
        + "output = " + shared.resolve("run") + "\n");
    TrainParams params = TrainParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    trained = TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(), console, false,
        ModelDir::write);
    model = shared.resolve("run/model");
  }

  @Test
  void theModelHoldsTheDictionaryTheEncoderAndTheTransform() {
    ModelFiles.Loaded l = ModelFiles.read(model.toString(), new Configuration(), "test");
    assertEquals(16, l.m());
    assertEquals(24, l.p());
    assertEquals(trained.encoder(), l.encoder(), "T, lambda (absolute), alpha (of the learned D), threshold, decay");
    assertEquals(DataTransform.Scaling.GLOBAL, l.transform().scaling());
    assertEquals(SampleNormalization.CENTER, l.transform().normalize());
    assertEquals(new InputParams.ImagePatches(4, 4, 2, 2, false), l.transform().image());
    PudleModel pm = PudleModel.load(model.toString());
    assertEquals(0, maxDiff(pm.dictionary().toArray(), trained.dictionary()));
    assertEquals(trained.encoder().alpha(), pm.getOrDefault(pm.alpha()));
    assertEquals(trained.encoder().lambda(), pm.getOrDefault(pm.lambda()));
    assertEquals(15, pm.getOrDefault(pm.numLayers()));
  }

  @Test
  void encodeAndReconstructWithTheModelGiveTheCodesOfPudleModelTransform() throws IOException {
    Config c = Config.fromString("model = " + model + "\ninput = " + images + "\npartitions = 2\noutput = "
        + shared.resolve("codes") + "\n");
    EncodeParams ep = EncodeParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    EncodeJob.run(SparkTestSupport.sc(), ep, console);
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    Map<Long, double[]> encoded = new HashMap<>();
    for (Row r : spark.read().parquet(shared.resolve("codes/codes.parquet").toString()).collectAsList()) {
      encoded.put(r.getLong(r.fieldIndex("index")), ((Vector) r.get(r.fieldIndex("code"))).toArray());
    }

    // the same patches, as training prepared them, through Spark ML
    FileSource src = FileSource.open(SparkTestSupport.sc(), ep.input());
    assertEquals(src.count(), encoded.size());
    List<Row> rows = new ArrayList<>();
    for (SampleBlock b : ep.transform().scale(src.blocks(SparkTestSupport.sc(), 1, 1000)).collect()) {
      for (int k = 0; k < b.cols(); k++) {
        double[] x = java.util.Arrays.copyOfRange(b.x(), k * b.m(), (k + 1) * b.m());
        rows.add(RowFactory.create(b.first() + k, Vectors.dense(x)));
      }
    }
    StructType schema = new StructType().add("index", DataTypes.LongType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    PudleModel pm = PudleModel.load(model.toString());
    double worst = 0;
    int nonZero = 0;
    for (Row r : pm.transform(df).collectAsList()) {
      double[] z = ((Vector) r.get(r.fieldIndex("codes"))).toArray();
      worst = Math.max(worst, maxDiff(z, encoded.get(r.getLong(0))));
      nonZero += ((Vector) r.get(r.fieldIndex("codes"))).numNonzeros();
    }
    assertTrue(worst <= 1e-12, "encode --model against PudleModel.transform: " + worst);
    assertTrue(nonZero > 0, "the codes are not all zero");

    // reconstruct's coder on image a (stride of training, no border patches: the reader's order)
    ModelFiles.Loaded l = ModelFiles.read(model.toString(), new Configuration(), "test");
    ReconstructJob.Model rm = new ReconstructJob.Model(l.m(), l.p(), l.encoder(), l.transform(),
        l.transform().image(), "cpu", 64L << 20);
    ImagePlanes a = ImagePlanes.read(images.resolve("a.png").toString(), false, new Configuration());
    PatchGrid grid = PatchGrid.of(a.height(), a.width(), l.transform().image(), false);
    double[] z = ReconstructJob.codes(a, grid, l.dictionary(), -1, rm);
    double worstR = 0;
    for (int k = 0; k < grid.count(); k++) {
      worstR = Math.max(worstR, maxDiff(java.util.Arrays.copyOfRange(z, k * l.p(), (k + 1) * l.p()),
          encoded.get((long) k)));
    }
    assertTrue(worstR <= 1e-12, "reconstruct's codes against encode --model: " + worstR);
  }

  @Test
  void aCompleteOrthonormalDictionaryRebuildsTheImageFromItsOwnPatches(@TempDir Path dir) throws IOException {
    // the 2-D DCT basis of 4x4 patches: D^T D = I, so one ISTA layer with alpha = 1 gives z = D^T x
    int n = 4;
    double[] c1 = new double[n * n];
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) {
        c1[k * n + i] = (k == 0 ? Math.sqrt(1.0 / n) : Math.sqrt(2.0 / n)) * Math.cos(Math.PI * (i + 0.5) * k / n);
      }
    }
    double[] d = new double[16 * 16];
    for (int ky = 0; ky < n; ky++) {
      for (int kx = 0; kx < n; kx++) {
        for (int y = 0; y < n; y++) {
          for (int x = 0; x < n; x++) {
            d[(ky * n + kx) * 16 + y * n + x] = c1[ky * n + y] * c1[kx * n + x];
          }
        }
      }
    }
    EncoderParams enc = EncoderParams.soft(1, 1.0, 1e-13);
    DataTransform t = new DataTransform(new InputParams.ImagePatches(4, 4, 2, 2, false), SampleNormalization.CENTER,
        DataTransform.Scaling.GLOBAL, new double[] {0.37});
    String path = dir.resolve("model").toString();
    ModelDir.write(path, d, 16, 16, enc, t);

    ImagePlanes a = ImagePlanes.read(images.resolve("a.png").toString(), false, new Configuration());
    ReconstructJob.Model rm = new ReconstructJob.Model(16, 16, enc, t, new InputParams.ImagePatches(4, 4, 3, 3, false),
        "cpu", 64L << 20);
    PatchGrid grid = PatchGrid.of(a.height(), a.width(), rm.patches(), true);
    double[][] back = ReconstructJob.reconstruct(a, grid, d, -2, rm);
    assertTrue(maxDiff(back[0], a.planes()[0]) <= 1e-12, "rebuilt: " + maxDiff(back[0], a.planes()[0]));

    // the command's job: every image of the folder, PSNR against itself as the reference
    Config c = Config.fromString("model = " + path + "\ninput = " + images + "\nreference = " + images
        + "\nimage.stride = 3\noutput = " + dir.resolve("out") + "\n");
    ReconstructParams rp = ReconstructParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ReconstructJob.Summary s = ReconstructJob.run(SparkTestSupport.sc(), rp, console);
    assertEquals(2, s.images().size());
    // only the 8-bit rounding of the PNG input remains: exact images, PSNR infinite
    for (ReconstructJob.Image im : s.images()) {
      assertTrue(im.psnrOutput() > 200, im.name() + ": " + im.psnrOutput());
    }
    List<String> csv = Files.readAllLines(dir.resolve("out/psnr.csv"));
    assertEquals("image,width,height,patches,psnr_input,psnr_output", csv.get(0));
    assertEquals(3, csv.size());
    assertTrue(Files.size(dir.resolve("out/a.png")) > 100);

    // noise: the input's PSNR is that of the noise (sigma = 0.1 -> 20 dB), the identity keeps it
    Config noisy = Config.fromString("model = " + path + "\ninput = " + images.resolve("a.png") + "\nnoise.sigma = "
        + "1/10\nimage.stride = 3\noutput = " + dir.resolve("noisy") + "\n");
    ReconstructJob.Summary ns = ReconstructJob.run(SparkTestSupport.sc(), ReconstructParams.from(noisy), console);
    assertEquals(20, ns.meanPsnrInput(), 1.0);
    assertEquals(ns.meanPsnrInput(), ns.meanPsnrOutput(), 1e-9, "a complete dictionary without shrinkage");
  }

  static double maxDiff(double[] a, double[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
