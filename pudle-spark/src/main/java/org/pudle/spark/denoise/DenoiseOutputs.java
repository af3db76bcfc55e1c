package org.pudle.spark.denoise;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.spark.config.Config;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.plot.Plots;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.MetricsWriter;
import org.pudle.spark.train.Progress;

/**
 * The outputs writer of {@code pudle denoise-train}: every final file of a run, written through
 * its {@link RunOutputs}: the model ({@code filters.npy}, {@code model.properties}),
 * {@code filters.png}, {@code learning-curve.png}, {@code test-psnr.png}, {@code test-images.csv},
 * {@code run.properties} and {@code summary.txt}; and the rows of the files streamed while it runs
 * ({@code metrics.csv}, {@code test-psnr.csv}).
 */
final class DenoiseOutputs {
  /** The training length of the paper's Table 1 (appendix B.3). */
  static final int PAPER_EPOCHS = 250;

  private DenoiseOutputs() {}

  /** PSNR of a crop estimate with loss {@code 1/2 ||x - x_hat||^2} over {@code pixels} pixels. */
  static double cropPsnr(double loss, int pixels) {
    return 10 * Math.log10(pixels / (2 * loss));
  }

  static String csvRow(DictionaryTrainer.Update u, int pixels) {
    return u.update() + "," + num(u.epoch()) + "," + u.samples() + "," + num(u.loss()) + ","
        + num(cropPsnr(u.loss(), pixels)) + "," + num(u.gradientNorm()) + "," + num(u.codeNonZeros()) + ","
        + num(u.seconds()) + "," + num(u.kernelSeconds()) + "," + num(u.elapsed());
  }

  static String testRow(DenoiseTrainJob.TestPoint t) {
    return t.update() + "," + num(t.epoch()) + "," + num(t.psnr()) + "," + num(t.noisyPsnr()) + "," + t.images() + ","
        + num(t.seconds());
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v);
  }

  /** Writes the final files of a run. */
  static void write(RunOutputs out, DenoiseTrainParams params, Map<String, String> given, DenoiseTrainJob.Summary s,
      int n) throws IOException {
    s.model().write(out);
    out.file("filters.png", o -> FilterMosaic.write(o, s.model().filters(), params.k(), params.channels(), 6));
    List<DictionaryTrainer.Update> h = s.updates();
    if (!h.isEmpty()) {
      // the per-update loss of one crop is noisy: plot its mean over windows of a hundredth of the
      // run, at most an epoch
      int epochLen = (n + params.batchSize() - 1) / params.batchSize();
      int win = Math.max(1, Math.min(epochLen, h.size() / 100));
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i + win <= h.size(); i += win) {
        double m = 0;
        for (int j = i; j < i + win; j++) {
          m += h.get(j).loss();
        }
        xs.add((double) h.get(i + win - 1).update());
        ys.add(m / win);
      }
      out.file("learning-curve.png", o -> Plots.logY(o, "pudle denoise-train: " + params.name() + " (g_"
          + params.gradient() + ")", "update", "1/2 ||x - D z_T||^2 per crop, mean over " + win + " updates",
          List.of(new Plots.Series("training loss", toArray(xs), toArray(ys))), 900, 560));
    }
    if (!s.tests().isEmpty()) {
      double[] x = new double[s.tests().size()];
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = s.tests().get(i).update();
        y[i] = s.tests().get(i).psnr();
      }
      out.file("test-psnr.png", o -> Plots.linear(o, "pudle denoise-train: " + params.name() + ", test PSNR",
          "update", "mean PSNR [dB]", List.of(new Plots.Series("test images, noise " + fmt(params.noise()), x, y)), 900,
          560));
      StringBuilder sb = new StringBuilder(DenoiseTrainJob.IMAGES_HEADER).append('\n');
      for (Evaluation.Score sc : s.finalScores()) {
        sb.append(sc.name()).append(',').append(sc.height()).append(',').append(sc.width()).append(',')
            .append(num(sc.noisyPsnr())).append(',').append(num(sc.denoisedPsnr())).append(',')
            .append(num(sc.codeDensity())).append('\n');
      }
      out.text("test-images.csv", sb.toString());
    }
    out.text("run.properties", runProperties(params, given));
    out.text("summary.txt", summaryText(params, s, n, out));
  }

  private static double[] toArray(List<Double> v) {
    double[] a = new double[v.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(i);
    }
    return a;
  }

  static String summaryText(DenoiseTrainParams params, DenoiseTrainJob.Summary s, int n, RunOutputs out) {
    StringBuilder sb = new StringBuilder();
    List<DictionaryTrainer.Update> h = s.updates();
    sb.append(String.format(Locale.ROOT, "[denoise-train] done: %d updates (%s epochs of %d images) in %s%n", h.size(),
        fmt(h.isEmpty() ? 0 : h.get(h.size() - 1).epoch()), n, Progress.duration(s.seconds())));
    if (!h.isEmpty()) {
      double wall = 0;
      double kernel = 0;
      for (DictionaryTrainer.Update u : h) {
        wall += u.seconds();
        kernel += u.kernelSeconds();
      }
      double perUpdate = wall / h.size();
      int epochLen = (n + params.batchSize() - 1) / params.batchSize();
      sb.append(String.format(Locale.ROOT,
          "[denoise-train] %.4f s per update (crops and kernels %.4f task-seconds, %.2f GFLOP/s); at this rate %d "
              + "epochs of %d images (%d updates) take %s%n", perUpdate, kernel / h.size(),
          updateFlops(params) / (kernel / h.size()) * 1e-9, params.epochs(), n, (long) params.epochs() * epochLen,
          Progress.duration(perUpdate * params.epochs() * epochLen)));
      if (params.epochs() != PAPER_EPOCHS || params.updates() > 0) {
        sb.append(String.format(Locale.ROOT, "[denoise-train] the paper's %d epochs (%d updates) would take %s%n",
            PAPER_EPOCHS, (long) PAPER_EPOCHS * epochLen, Progress.duration(perUpdate * PAPER_EPOCHS * epochLen)));
      }
      int win = Math.min(h.size(), epochLen);
      double m = 0;
      for (int i = h.size() - win; i < h.size(); i++) {
        m += h.get(i).loss();
      }
      m /= win;
      sb.append(String.format(Locale.ROOT, "[denoise-train] training loss (mean of the last %d updates) %.6e, crop "
          + "PSNR %.3f dB%n", win, m, cropPsnr(m, params.crop() * params.crop())));
    }
    sb.append(String.format(Locale.ROOT, "[denoise-train] sigma_max(D)^2 on a crop: %.4f -> %.4f (alpha = %s)%n",
        s.sigmaMax2Initial(), s.sigmaMax2Final(), params.encoder().alpha()));
    if (!s.finalScores().isEmpty()) {
      sb.append(String.format(Locale.ROOT, "[denoise-train] test: mean PSNR %.3f dB over %d images at noise %s "
          + "(noisy input %.3f dB)%n", Evaluation.meanPsnr(s.finalScores()), s.finalScores().size(),
          fmt(params.noise()), Evaluation.meanNoisyPsnr(s.finalScores())));
    }
    sb.append("[denoise-train] outputs in ").append(out).append(": filters.npy, model.properties, metrics.csv")
        .append(s.finalScores().isEmpty() ? "" : ", test-psnr.csv, test-images.csv")
        .append(", filters.png, learning-curve.png, run.properties\n");
    return sb.toString();
  }

  /** Every setting in effect: the given values, then the defaults. */
  static String runProperties(DenoiseTrainParams p, Map<String, String> given) {
    return Config.settingsText("# pudle denoise-train: the settings in effect; usable as a config\n", p.settings(),
        given);
  }

  /** The GEMM flops of one update's kernels ({@link ConvUnfoldedIsta#flops}), for the summary's rate. */
  static double updateFlops(DenoiseTrainParams p) {
    ConvGeometry g = p.cropGeometry();
    return p.batchSize() * ConvUnfoldedIsta.flops(p.gradient(), g, p.encoder().T());
  }

  private static String num(double v) {
    return MetricsWriter.num(v);
  }
}
