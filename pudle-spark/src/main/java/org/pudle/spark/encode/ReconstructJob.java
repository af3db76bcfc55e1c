package org.pudle.spark.encode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.OperatorCache;
import org.pudle.spark.config.ReconstructParams;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.FileFormat;
import org.pudle.spark.data.HadoopConf;
import org.pudle.spark.data.ImagePlanes;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.InputParams;
import org.pudle.spark.data.PatchGrid;
import org.pudle.spark.data.SampleNormalization;
import org.pudle.spark.io.DictionaryFiles;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.train.Progress;
import org.pudle.spark.train.TaskProgress;

/**
 * {@code pudle reconstruct}: every input image cut into overlapping patches (the model's size and
 * color, this run's stride, plus the patches flush with the borders), each patch normalized and
 * scaled as in training, coded by the model's unfolded encoder, rebuilt as {@code D z}, the scaling
 * and normalization undone, and the patches averaged where they overlap: the classical patch
 * pipeline. With {@code noise.sigma} the images are first corrupted with seeded Gaussian noise (a
 * denoising experiment). Writes each image as an 8-bit PNG, {@code psnr.csv} (PSNR of the input
 * and of the reconstruction against the clean reference, peak 1) and {@code summary.txt}. One task
 * per image.
 */
public final class ReconstructJob {
  private ReconstructJob() {}

  /** Patches coded per kernel call. */
  static final int CHUNK = 2048;

  /** At most one progress line per this many seconds. */
  private static final double PROGRESS_SECONDS = 2;

  /**
   * One image's result.
   *
   * @param psnrInput  PSNR of the (noisy) input against the reference, NaN without one
   * @param psnrOutput PSNR of the reconstruction against the reference, NaN without one
   */
  public record Image(String name, int width, int height, long patches, double psnrInput, double psnrOutput,
      byte[] png) implements Serializable {}

  /** What a run found. */
  public record Summary(List<Image> images, double meanPsnrInput, double meanPsnrOutput, double seconds) {}

  /** Everything a task needs: the model's dictionary and encoder, the transform, the patches. */
  record Model(int m, int p, EncoderParams encoder, DataTransform transform, InputParams.ImagePatches patches,
      String backend, long scratch) implements Serializable {}

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode what to do with an earlier run's result in the output ({@code --overwrite})
   */
  public static Summary run(ReconstructParams params, PrintStream console, RunClaim.Mode mode) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle reconstruct " + params.name())) {
      return run(spark.context(), params, console, mode);
    }
  }

  /** Runs on an existing context into a new output. */
  public static Summary run(JavaSparkContext sc, ReconstructParams params, PrintStream console) throws IOException {
    return run(sc, params, console, RunClaim.Mode.NEW);
  }

  /** Runs on an existing context; {@code mode} as for {@link #run(ReconstructParams, PrintStream, RunClaim.Mode)}. */
  public static Summary run(JavaSparkContext sc, ReconstructParams params, PrintStream console, RunClaim.Mode mode)
      throws IOException {
    long start = System.nanoTime();
    Configuration hadoop = sc.hadoopConfiguration();
    DictionaryFiles.Matrix dict = DictionaryFiles.read(params.dictionary(), hadoop, "model");
    int m = dict.rows();
    int p = dict.cols();
    if (params.patches().dimension() != m) {
      throw new InputException(params.model() + ": the dictionary has m = " + m + " rows, the model's patches "
          + params.patches().height() + "x" + params.patches().width() + " have " + params.patches().dimension()
          + " values");
    }
    List<String> inputs = images(params.input(), hadoop, "config key 'input'");
    Map<String, String> references = params.reference() == null ? Map.of() : byName(images(params.reference(),
        hadoop, "config key 'reference'"));
    console.printf(Locale.ROOT, "[reconstruct] %s: %d images, %dx%d patches every %dx%d, %d atoms; T=%d lambda=%s "
            + "alpha=%s%s%n", params.name(), inputs.size(), params.patches().height(), params.patches().width(),
        params.patches().strideY(), params.patches().strideX(), p, params.encoder().T(), params.encoder().lambda(),
        params.encoder().alpha(), params.noiseSigma() > 0 ? ", noise sigma " + params.noiseSigma() : "");
    Broadcast<double[]> bc = sc.broadcast(dict.columnMajor());
    Model model = new Model(m, p, params.encoder(), params.transform(), params.patches(),
        params.execution().kernelsSpec(), params.execution().scratchBytes());
    HadoopConf conf = new HadoopConf(hadoop);
    List<String[]> tasks = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      String in = inputs.get(i);
      String ref = params.noiseSigma() > 0 && params.reference() == null ? in
          : references.get(new Path(in).getName());
      tasks.add(new String[] {in, ref, String.valueOf(i)});
    }
    double sigma = params.noiseSigma();
    long seed = params.noiseSeed();
    // the output is claimed before the work, so that a held or finished output is refused at once
    try (RunOutputs outputs = RunOutputs.open(params.output(), hadoop, mode, "pudle reconstruct")) {
      List<Image> images;
      Progress progress = new Progress(console, "reconstruct", tasks.size(), PROGRESS_SECONDS);
      try (TaskProgress listener = new TaskProgress(sc.sc(), progress, tasks.size(), tasks.size(), "images")) {
        images = sc.parallelize(tasks, Math.max(1, tasks.size()))
            .map(t -> one(t[0], t[1], Integer.parseInt(t[2]), sigma, seed, bc, model, conf.get())).collect();
      } finally {
        bc.destroy();
      }
      return write(outputs, images, start, console);
    }
  }

  /**
   * Writes the images, {@code psnr.csv} and {@code summary.txt}, finishes the outputs, and prints
   * the summary.
   */
  private static Summary write(RunOutputs outputs, List<Image> images, long start, PrintStream console)
      throws IOException {
    double in = 0;
    double out = 0;
    int measured = 0;
    StringBuilder csv = new StringBuilder("image,width,height,patches,psnr_input,psnr_output\n");
    for (Image im : images) {
      csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%s,%s%n", im.name(), im.width(), im.height(), im.patches(),
          im.psnrInput(), im.psnrOutput()));
      if (!Double.isNaN(im.psnrOutput())) {
        in += im.psnrInput();
        out += im.psnrOutput();
        measured++;
      }
    }
    Summary s = new Summary(images, measured == 0 ? Double.NaN : in / measured,
        measured == 0 ? Double.NaN : out / measured, (System.nanoTime() - start) * 1e-9);
    for (Image im : images) {
      outputs.file(pngName(im.name()), o -> o.write(im.png()));
    }
    outputs.text("psnr.csv", csv.toString());
    String text = summaryText(s, measured, outputs);
    outputs.text("summary.txt", text);
    outputs.finish();
    console.print(text);
    return s;
  }

  private static String summaryText(Summary s, int measured, RunOutputs out) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[reconstruct] %d images in %s%n", s.images().size(),
        Progress.duration(s.seconds())));
    if (measured > 0) {
      sb.append(String.format(Locale.ROOT, "[reconstruct] mean PSNR over %d images: input %.2f dB, reconstruction "
          + "%.2f dB%n", measured, s.meanPsnrInput(), s.meanPsnrOutput()));
    }
    sb.append("[reconstruct] outputs in ").append(out).append(": the images as PNG, psnr.csv, summary.txt\n");
    return sb.toString();
  }

  private static String pngName(String name) {
    int dot = name.lastIndexOf('.');
    return (dot > 0 ? name.substring(0, dot) : name) + ".png";
  }

  /** The image files under {@code path} (a file, a directory or a glob), sorted. */
  static List<String> images(String path, Configuration conf, String key) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus[] found = fs.globStatus(p);
    if (found == null || found.length == 0) {
      throw new InputException(path + " (" + key + "): no such file or directory");
    }
    List<String> out = new ArrayList<>();
    for (FileStatus st : found) {
      FileStatus[] entries = st.isDirectory() ? fs.listStatus(st.getPath()) : new FileStatus[] {st};
      for (FileStatus e : entries) {
        if (e.isFile() && FileFormat.ofFileName(e.getPath().getName()) == FileFormat.IMAGE) {
          out.add(e.getPath().toString());
        }
      }
    }
    if (out.isEmpty()) {
      throw new InputException(path + " (" + key + "): no PNG, JPEG or PGM image");
    }
    out.sort(null);
    return out;
  }

  private static Map<String, String> byName(List<String> paths) {
    Map<String, String> m = new HashMap<>();
    for (String s : paths) {
      m.put(new Path(s).getName(), s);
    }
    return m;
  }

  /** Reconstructs one image (a task). */
  private static Image one(String path, String reference, int index, double sigma, long seed, Broadcast<double[]> bc,
      Model model, Configuration conf) throws IOException {
    boolean rgb = model.patches().rgb();
    ImagePlanes clean = ImagePlanes.read(path, rgb, conf);
    double[][] input = clean.planes();
    if (sigma > 0) {
      SplittableRandom rng = new SplittableRandom(seed + index);
      input = new double[input.length][];
      for (int c = 0; c < input.length; c++) {
        input[c] = clean.planes()[c].clone();
        for (int i = 0; i < input[c].length; i++) {
          input[c][i] += sigma * rng.nextGaussian();
        }
      }
    }
    ImagePlanes noisy = new ImagePlanes(clean.width(), clean.height(), input);
    PatchGrid grid = PatchGrid.of(noisy.height(), noisy.width(), model.patches(), true);
    if (grid.count() == 0) {
      throw new InputException(path + ": the image of " + noisy.width() + "x" + noisy.height() + " pixels is smaller "
          + "than the patch");
    }
    double[][] out = reconstruct(noisy, grid, bc.value(), bc.id(), model);
    double psnrIn = Double.NaN;
    double psnrOut = Double.NaN;
    if (reference != null) {
      double[][] ref = reference.equals(path) ? clean.planes() : ImagePlanes.read(reference, rgb, conf).planes();
      if (ref[0].length != out[0].length) {
        throw new InputException(reference + ": the reference's size differs from " + path);
      }
      psnrIn = psnr(clip(input), ref);
      psnrOut = psnr(out, ref);
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    writePng(png, out, noisy.width(), noisy.height());
    return new Image(new Path(path).getName(), noisy.width(), noisy.height(), grid.count(), psnrIn, psnrOut,
        png.toByteArray());
  }

  /**
   * The image rebuilt from the coded patches of {@code grid}, clipped to [0, 1]: the patches are
   * normalized and scaled as in training, coded, rebuilt as {@code D z}, unscaled and
   * unnormalized, and averaged.
   */
  static double[][] reconstruct(ImagePlanes image, PatchGrid grid, double[] d, long dictionaryId, Model model) {
    int m = model.m();
    double[][] sum = new double[grid.channels()][image.width() * image.height()];
    double[] weight = new double[image.width() * image.height()];
    code(image, grid, d, dictionaryId, model, (k0, cols, x, z, undo) -> {
      double[] r = new double[m * cols];
      Blas.blas().dgemm("N", "N", m, cols, model.p(), 1.0, d, 0, m, z, 0, model.p(), 0.0, r, 0, m);
      for (int c = 0; c < cols; c++) {
        invert(r, c * m, m, undo[0][c], undo[1][c], model.transform());
        grid.add(r, c * m, k0 + c, sum, weight);
      }
    });
    return clip(grid.average(sum, weight));
  }

  /** The codes of every patch of {@code grid}, p per patch, in the grid's order. */
  static double[] codes(ImagePlanes image, PatchGrid grid, double[] d, long dictionaryId, Model model) {
    int p = model.p();
    double[] all = new double[p * grid.count()];
    code(image, grid, d, dictionaryId, model, (k0, cols, x, z, undo) -> System.arraycopy(z, 0, all, k0 * p, cols * p));
    return all;
  }

  /** Receives the coded patches {@code k0 .. k0 + cols}: their samples, codes and {mean, norm}. */
  private interface Chunk {
    void coded(int k0, int cols, double[] x, double[] z, double[][] undo);
  }

  /** Codes the patches of {@code grid} chunk by chunk on a kernel of the model's backend. */
  private static void code(ImagePlanes image, PatchGrid grid, double[] d, long dictionaryId, Model model,
      Chunk chunk) {
    int m = model.m();
    int p = model.p();
    DictionaryOperator op = OperatorCache.get(dictionaryId, d, m, p, model.encoder().alpha());
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(model.backend()).unfoldedIsta(op, model.encoder(),
        model.scratch())) {
      for (int k0 = 0; k0 < grid.count(); k0 += CHUNK) {
        int cols = Math.min(CHUNK, grid.count() - k0);
        double[] x = new double[m * cols];
        double[][] undo = patches(image, grid, k0, cols, x, model);
        double[] z = new double[p * cols];
        lease.kernel().encode(x, 0, cols, z, 0);
        chunk.coded(k0, cols, x, z, undo);
      }
    }
  }

  /**
   * Patches {@code k0 .. k0 + cols} of {@code image} into {@code x}, normalized and scaled as in
   * training; returns what undoes the normalization: {mean, norm} of each patch.
   */
  static double[][] patches(ImagePlanes image, PatchGrid grid, int k0, int cols, double[] x, Model model) {
    int m = model.m();
    double[] mean = new double[cols];
    double[] norm = new double[cols];
    SampleNormalization nz = model.transform().normalize();
    boolean center = nz == SampleNormalization.CENTER || nz == SampleNormalization.CENTER_UNIT;
    boolean unit = nz == SampleNormalization.UNIT || nz == SampleNormalization.CENTER_UNIT;
    for (int c = 0; c < cols; c++) {
      int off = c * m;
      grid.extract(image.planes(), k0 + c, x, off);
      double mu = 0;
      if (center) {
        for (int i = 0; i < m; i++) {
          mu += x[off + i];
        }
        mu /= m;
      }
      double ss = 0;
      for (int i = 0; i < m; i++) {
        ss += (x[off + i] - mu) * (x[off + i] - mu);
      }
      mean[c] = mu;
      norm[c] = unit && ss > 0 ? Math.sqrt(ss) : 1;
      nz.apply(x, off, m);
      model.transform().scale(x, off, m);
    }
    return new double[][] {mean, norm};
  }

  /** Undoes the scaling and the normalization of one rebuilt patch, in place. */
  static void invert(double[] r, int off, int m, double mean, double norm, DataTransform t) {
    t.unscale(r, off, m);
    for (int i = 0; i < m; i++) {
      r[off + i] = r[off + i] * norm + mean;
    }
  }

  static double[][] clip(double[][] planes) {
    double[][] out = new double[planes.length][];
    for (int c = 0; c < planes.length; c++) {
      out[c] = planes[c].clone();
      for (int i = 0; i < out[c].length; i++) {
        out[c][i] = Math.min(1, Math.max(0, out[c][i]));
      }
    }
    return out;
  }

  /** {@code 10 log10(1 / MSE)} over every value of every plane (peak value 1). */
  public static double psnr(double[][] a, double[][] b) {
    double se = 0;
    long n = 0;
    for (int c = 0; c < a.length; c++) {
      for (int i = 0; i < a[c].length; i++) {
        double e = a[c][i] - b[c][i];
        se += e * e;
        n++;
      }
    }
    return 10 * Math.log10(n / se);
  }

  /** An 8-bit gray or RGB PNG of planes in [0, 1]. */
  static void writePng(java.io.OutputStream out, double[][] planes, int width, int height) throws IOException {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, planes.length == 1
        ? java.awt.image.BufferedImage.TYPE_BYTE_GRAY : java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        if (planes.length == 1) {
          img.getRaster().setSample(x, y, 0, (int) Math.round(255 * planes[0][i]));
        } else {
          int r = (int) Math.round(255 * planes[0][i]);
          int g = (int) Math.round(255 * planes[1][i]);
          int b = (int) Math.round(255 * planes[2][i]);
          img.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
      }
    }
    javax.imageio.ImageIO.write(img, "png", out);
  }
}
