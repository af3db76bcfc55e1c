package org.pudle.spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.Denoiser;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.UserInputException;
import org.pudle.spark.data.InputException;
import org.pudle.spark.denoise.DenoiseModel;
import org.pudle.spark.denoise.Evaluation;
import org.pudle.spark.denoise.Images;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.RunOutputs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "denoise", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Denoise images with a model trained by `pudle denoise-train`, in this JVM (one thread per core).",
        "Each image (color ones are converted to gray) is denoised whole and written as OUTPUT/<name>.png.",
        "With --noise the inputs are clean images: Gaussian noise of that standard deviation (0..255 scale) is added",
        "first, reproducibly (keyed by --seed and the file name, as denoise-train's test), and the PSNR is printed.",
        "With --reference the inputs are noisy and the clean images of the same file names give the PSNR.",
        "PSNR = 10 log10(1 / MSE) on [0, 1] images (20 log10(255 / RMSE) on 8-bit levels); psnr.csv lists it."})
final class DenoiseCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL", description = "a model folder (filters.npy, model.properties)")
  String model;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "image files or folders of images")
  List<String> images;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the denoised PNGs go")
  String output;

  @Option(names = "--noise", paramLabel = "SIGMA", description = "add Gaussian noise of this std (0..255 scale) to the clean inputs first")
  Double noise;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "seed of the added noise (default ${DEFAULT-VALUE}, as test.seed)")
  long seed;

  @Option(names = "--reference", paramLabel = "DIR", description = "folder of the clean images (same file names) for the PSNR")
  String reference;

  @Option(names = "--save-noisy", description = "with --noise, also write OUTPUT/<name>-noisy.png")
  boolean saveNoisy;

  @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
  Integer threads;

  @Option(names = "--overwrite", description = "replace the images of an earlier run in OUTPUT, once this run is "
      + "complete (until then they stay as they were)")
  boolean overwrite;

  private record Job(String input, String base, GrayImage image, GrayImage clean) {}

  @Override
  public Integer call() throws Exception {
    checkOptions();
    Configuration conf = new Configuration();
    DenoiseModel m = InputFiles.read(model, "MODEL", () -> DenoiseModel.read(model, conf));
    List<Job> jobs = readJobs(conf);
    try (RunOutputs out = RunOutputs.open(output, conf, OutputOptions.mode(overwrite, false), "pudle denoise")) {
      PrintWriter console = spec.commandLine().getOut();
      console.printf(Locale.ROOT, "[denoise] %s: %d image(s)%s -> %s%n", m, jobs.size(),
          noise != null ? String.format(Locale.ROOT, " with added noise %s/255 (seed %d)", noise, seed)
              : reference != null ? ", references in " + reference : "", out);
      console.flush();
      long t0 = System.nanoTime();
      List<Evaluation.Score> scores = denoise(m, jobs, out, console);
      double seconds = (System.nanoTime() - t0) * 1e-9;
      boolean scored = noise != null || reference != null;
      if (scored) {
        StringBuilder sb = new StringBuilder("image,height,width,noisy_psnr,denoised_psnr,code_density\n");
        for (Evaluation.Score s : scores) {
          sb.append(s.name()).append(',').append(s.height()).append(',').append(s.width()).append(',')
              .append(Matrices.formatExact(s.noisyPsnr())).append(',').append(Matrices.formatExact(s.denoisedPsnr()))
              .append(',').append(Matrices.formatExact(s.codeDensity())).append('\n');
        }
        out.text("psnr.csv", sb.toString());
        console.printf(Locale.ROOT, "[denoise] mean PSNR %.3f dB over %d images (noisy %.3f dB) in %.1f s%n",
            Evaluation.meanPsnr(scores), scores.size(), Evaluation.meanNoisyPsnr(scores), seconds);
      } else {
        console.printf(Locale.ROOT, "[denoise] %d images denoised in %.1f s%n", scores.size(), seconds);
      }
      out.finish();
      console.flush();
    }
    return 0;
  }

  private void checkOptions() {
    if (noise != null && reference != null) {
      throw new UserInputException("--noise and --reference: give one (--noise adds noise to clean inputs; "
          + "--reference names the clean images of noisy inputs)");
    }
    if (noise != null && (!(noise >= 0) || noise.isInfinite())) {
      throw new UserInputException("--noise: expected a non-negative standard deviation, got " + noise);
    }
    if (saveNoisy && noise == null) {
      throw new UserInputException("--save-noisy needs --noise");
    }
    if (threads != null && threads < 1) {
      throw new UserInputException("--threads: expected at least 1, got " + threads);
    }
  }

  /** Reads and checks every input (and reference) before anything is written. */
  private List<Job> readJobs(Configuration conf) throws IOException {
    List<String> files = Images.list(images, conf);
    Path outDir = new Path(output);
    Map<String, String> bases = new HashMap<>();
    List<Job> jobs = new ArrayList<>();
    for (String f : files) {
      String base = Images.baseName(f);
      String prev = bases.put(base, f);
      if (prev != null) {
        throw new InputException(f + " and " + prev + " would both be written as " + base + ".png");
      }
      Path target = new Path(outDir, base + ".png");
      if (target.toUri().getPath().equals(new Path(f).toUri().getPath())) {
        throw new InputException(f + ": the output " + target + " would overwrite the input; choose another --output");
      }
      GrayImage img = Images.read(f, -1, conf);
      GrayImage clean = null;
      if (reference != null) {
        String ref = new Path(reference, Images.fileName(f)).toString();
        clean = Images.read(ref, -1, conf);
        if (clean.height() != img.height() || clean.width() != img.width()) {
          throw new InputException(ref + ": the reference is " + clean.height() + " x " + clean.width()
              + ", the image " + f + " is " + img.height() + " x " + img.width());
        }
      }
      jobs.add(new Job(f, base, img, clean));
    }
    return jobs;
  }

  /** Denoises the images on a pool of threads, writes each result, prints each score in input order. */
  private List<Evaluation.Score> denoise(DenoiseModel m, List<Job> jobs, RunOutputs out, PrintWriter console)
      throws Exception {
    int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(nThreads, jobs.size())));
    List<Evaluation.Score> scores = new ArrayList<>();
    try {
      List<Future<Evaluation.Denoised>> futures = new ArrayList<>();
      for (Job j : jobs) {
        futures.add(pool.submit(() -> denoise(m, j, out)));
      }
      for (int i = 0; i < futures.size(); i++) {
        Evaluation.Score s;
        try {
          s = futures.get(i).get().score();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException) {
            throw (IOException) e.getCause();
          }
          throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
        scores.add(s);
        if (!Double.isNaN(s.denoisedPsnr())) {
          console.printf(Locale.ROOT, "[denoise] %-24s %4d x %-4d  PSNR %7.3f dB (noisy %7.3f dB)%n", s.name(),
              s.height(), s.width(), s.denoisedPsnr(), s.noisyPsnr());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return scores;
  }

  /** One image: denoised on a CPU kernel of this JVM's pool (one per thread at a time), written as PNG. */
  private Evaluation.Denoised denoise(DenoiseModel m, Job j, RunOutputs out) throws IOException {
    Evaluation.Denoised d;
    try (KernelPool.Lease<ConvUnfoldedIsta> kernel = m.kernel(KernelSpec.CPU)) {
      Denoiser denoiser = new Denoiser(kernel.kernel());
      if (noise != null) {
        d = Evaluation.denoiseWithTestNoise(denoiser, j.image().withName(Images.fileName(j.input())), noise, seed);
      } else {
        d = Evaluation.score(denoiser, Images.fileName(j.input()), j.image().height(), j.image().width(),
            j.image().toDoubles(), j.clean() == null ? null : j.clean().toDoubles());
      }
    }
    int h = j.image().height();
    int w = j.image().width();
    out.file(j.base() + ".png", o -> Images.writePng(o, d.denoised(), h, w));
    if (saveNoisy) {
      out.file(j.base() + "-noisy.png", o -> Images.writePng(o, d.noisy(), h, w));
    }
    return d;
  }
}
