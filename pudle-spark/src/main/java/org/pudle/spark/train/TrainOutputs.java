package org.pudle.spark.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.DictionarySources;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.io.DictionaryFiles;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.io.SideBySide;
import org.pudle.spark.plot.Plots;

/**
 * The outputs writer of {@code pudle train}: every final file of a run, written through the run's
 * {@link RunOutputs}: {@code dictionary.npy}, {@code dictionary.csv} and
 * {@code dictionary.parquet} (the learned D), {@code initial-dictionary.npy} (D0),
 * {@code generating-dictionary.npy} (D_tilde, when known), {@code learning-curve.png},
 * {@code run.properties} and {@code summary.txt}. The files written while the loop runs come
 * from its listeners: {@code metrics.csv} ({@link MetricsWriter}) and {@code checkpoint}
 * ({@link CheckpointListener}).
 */
final class TrainOutputs {
  private TrainOutputs() {}

  /**
   * Writes the final files of a run.
   *
   * @param dTilde    D_tilde, or null when not known
   * @param withError whether the errors were measured against a reference
   * @param inputLine the line that describes the data, first in {@code summary.txt}
   * @param model     writes the model directory ({@code model/}), or null when the job writes none
   */
  static void write(JavaSparkContext sc, RunOutputs out, TrainParams params, Map<String, String> given,
      TrainJob.Summary s, double[] dTilde, boolean withError, int m, int p, long n, String inputLine,
      SideBySide.Work model) throws IOException {
    // two threads: for a large dictionary the CSV, each Parquet dataset and the model directory
    // take about a second each; the model directory and the plot go to the helper
    SideBySide.run("pudle-output-writer", () -> {
      out.npy("dictionary.npy", s.dictionary(), m, p);
      out.csv("dictionary.csv", s.dictionary(), m, p);
      out.directory("dictionary.parquet", DictionaryFiles.parquet(sc.hadoopConfiguration(), s.dictionary(), m, p));
      out.npy("initial-dictionary.npy", s.initial(), m, p);
      if (dTilde != null) {
        out.npy("generating-dictionary.npy", dTilde, m, p);
      }
      out.text("run.properties", runProperties(params, given, m, p, n) + resolved(params, s));
      out.text("summary.txt", inputLine + summaryText(params, s, out, dTilde != null, model != null));
    }, () -> {
      if (model != null) {
        model.run();
      }
      plot(out, params, s, withError);
    });
  }

  private static void plot(RunOutputs out, TrainParams params, TrainJob.Summary s, boolean withError)
      throws IOException {
    if (s.updates().isEmpty()) {
      return;
    }
    String what = params.method().method() == Method.PUDLE ? "g_" + params.gradient() + ", T=" + params.encoder().T()
        : params.method().method().key();
    String title = "pudle train: " + params.name() + " (" + what + ")";
    String yLabel = withError ? "||D - D~||_2 / ||D~||_2" : "loss";
    List<Plots.Panel> heldOut = heldOutPanels(s);
    if (heldOut.isEmpty()) {
      out.file("learning-curve.png", o -> Plots.logY(o, title, "update", yLabel, curves(s, withError), 900, 560));
    } else {
      List<Plots.Panel> panels = new java.util.ArrayList<>(List.of(new Plots.Panel(yLabel, curves(s, withError))));
      panels.addAll(heldOut);
      out.file("learning-curve.png", o -> Plots.logYPanels(o, title, "update", panels, 900, 900));
    }
  }

  /** The error curves from update 0 (D0), or the loss curve without a reference. */
  private static List<Plots.Series> curves(TrainJob.Summary s, boolean withError) {
    List<DictionaryTrainer.Update> h = s.updates();
    int o = withError ? 1 : 0;
    double[] x = new double[h.size() + o];
    double[] y = new double[h.size() + o];
    double[] yf = new double[h.size() + o];
    if (withError) {
      y[0] = s.initialErrorSpectral();
      yf[0] = s.initialErrorFrobenius();
    }
    for (int i = 0; i < h.size(); i++) {
      x[i + o] = h.get(i).update();
      y[i + o] = withError ? h.get(i).errorSpectral() : h.get(i).loss();
      yf[i + o] = h.get(i).errorFrobenius();
    }
    return withError
        ? List.of(new Plots.Series("spectral", x, y), new Plots.Series("Frobenius", x, yf))
        : List.of(new Plots.Series("loss", x, y));
  }

  /**
   * The held-out curves at the metrics steps, a panel each (val_rep_err, val_lasso_loss), or none
   * without held-out samples.
   */
  private static List<Plots.Panel> heldOutPanels(TrainJob.Summary s) {
    List<DictionaryTrainer.Update> h = s.updates().stream().filter(u -> u.heldOut().measured()).toList();
    if (h.isEmpty()) {
      return List.of();
    }
    double[] x = h.stream().mapToDouble(DictionaryTrainer.Update::update).toArray();
    return List.of(
        new Plots.Panel("held-out rep. error", List.of(new Plots.Series("val_rep_err: sum ||x - Dz||^2 / sum ||x||^2",
            x, h.stream().mapToDouble(u -> u.heldOut().representationError()).toArray()))),
        new Plots.Panel("held-out lasso loss", List.of(new Plots.Series(
            "val_lasso_loss: mean 1/2 ||x - Dz||^2 + lambda ||z||_1", x,
            h.stream().mapToDouble(u -> u.heldOut().lassoLoss()).toArray()))));
  }

  /** The summary the console shows and {@code summary.txt} keeps. */
  static String summaryText(TrainParams params, TrainJob.Summary s, RunOutputs out, boolean generating,
      boolean model) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[train] done: %d updates in %s%n", s.updates().size(),
        Progress.duration(s.seconds())));
    if (!Double.isNaN(s.finalErrorSpectral())) {
      sb.append(String.format(Locale.ROOT,
          "[train] ||D - D~||_2/||D~||_2: %.6e -> %.6e (%.1fx lower); Frobenius %.6e%n", s.initialErrorSpectral(),
          s.finalErrorSpectral(), s.initialErrorSpectral() / s.finalErrorSpectral(), s.finalErrorFrobenius()));
    }
    if (!s.updates().isEmpty()) {
      double kernel = 0;
      double wall = 0;
      for (DictionaryTrainer.Update u : s.updates()) {
        kernel += u.kernelSeconds();
        wall += u.seconds();
      }
      sb.append(String.format(Locale.ROOT,
          "[train] final loss %.6e; %.3f s per update, of which kernels %.3f task-seconds%n", s.finalLoss(),
          wall / s.updates().size(), kernel / s.updates().size()));
    }
    List<DictionaryTrainer.Update> held = s.updates().stream().filter(u -> u.heldOut().measured()).toList();
    if (!held.isEmpty()) {
      DictionaryTrainer.HeldOutMetrics first = held.get(0).heldOut();
      DictionaryTrainer.HeldOutMetrics last = held.get(held.size() - 1).heldOut();
      sb.append(String.format(Locale.ROOT, "[train] held-out: rep. error %.6e -> %.6e, lasso loss %.6e -> %.6e, "
          + "nnz %.2f -> %.2f (updates %d -> %d)%n", first.representationError(), last.representationError(),
          first.lassoLoss(), last.lassoLoss(), first.codeNonZeros(), last.codeNonZeros(), held.get(0).update(),
          held.get(held.size() - 1).update()));
    }
    sb.append("[train] outputs in ").append(out).append(": dictionary.npy, dictionary.csv, dictionary.parquet, "
        + "initial-dictionary.npy, ").append(generating ? "generating-dictionary.npy, " : "")
        .append(s.updates().isEmpty() ? "" : "learning-curve.png, ").append("metrics.csv, run.properties, summary.txt")
        .append(model ? ", model/ (for encode/reconstruct --model and PudleModel.load)" : "").append('\n');
    return sb.toString();
  }

  /**
   * What {@code alpha = auto} and {@code lambda.relative} resolved to, as comment lines (the config
   * keeps auto and the fraction, so that it reproduces the run).
   */
  static String resolved(TrainParams p, TrainJob.Summary s) {
    StringBuilder sb = new StringBuilder();
    if (p.alphaAuto()) {
      sb.append(String.format(Locale.ROOT, "%n# alpha = auto resolved to %s for D0 and %s for the learned dictionary"
          + "%n", p.encoder().alpha(), s.encoder().alpha()));
    }
    if (p.lambdaRelative() > 0) {
      sb.append(String.format(Locale.ROOT, "%n# lambda.relative = %s resolved to lambda = %s%n", p.lambdaRelative(),
          p.encoder().lambda()));
    }
    return sb.toString();
  }

  /**
   * Every setting in effect: the given values, then the rest, with what the run resolved from its
   * data: for input files, m (from the data), p (from an init file), the initial dictionary
   * ({@code init = samples}, or {@code random} when the input has fewer samples than atoms) and
   * {@code reference = none}. Usable as a config.
   */
  static String runProperties(TrainParams params, Map<String, String> given, int m, int p, long n) {
    Map<String, String> eff = new LinkedHashMap<>(params.settings());
    DictionarySources ds = params.dictionaries();
    StringBuilder sb = new StringBuilder("# pudle train: the settings in effect; usable as a config\n");
    if (params.input() == null) {
      sb.append("# init.tau resolves to ").append(params.data().tauB()).append('\n');
      if (ds.init() == null) {
        sb.append("# init: D0 of the synthetic model (no init key)\n");
      }
    } else {
      eff.put("m", String.valueOf(m));
      eff.put("p", String.valueOf(p));
      if (ds.init() == null) {
        eff.put("init", n < p ? DictionarySources.RANDOM : DictionarySources.SAMPLES);
        if (n < p) {
          sb.append("# init resolves to random: n = ").append(n).append(" samples, fewer than p = ").append(p)
              .append('\n');
        }
      }
      if (ds.reference() == null) {
        eff.put("reference", DictionarySources.NONE);
      }
    }
    if (params.lambdaRelative() > 0 && !given.containsKey("lambda")) {
      eff.remove("lambda"); // lambda.relative sets it: the value used is at the end
      sb.append("# lambda: from lambda.relative (the value used is at the end)\n");
    }
    return Config.settingsText(sb.toString(), eff, given);
  }
}
