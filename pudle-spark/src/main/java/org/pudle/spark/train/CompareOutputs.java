package org.pudle.spark.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pudle.spark.config.CompareParams;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.plot.Plots;

/**
 * The outputs writer of {@code pudle compare}: every final file of a comparison, written through
 * its {@link RunOutputs}: {@code <run>-dictionary.npy}, {@code initial-dictionary.npy},
 * {@code generating-dictionary.npy}, {@code curves.csv}, {@code summary.csv},
 * {@code comparison.png}, {@code run.properties} and {@code summary.txt}. ({@code metrics.csv} is
 * written while the runs go, by their {@link MetricsWriter}s.)
 */
final class CompareOutputs {
  private CompareOutputs() {}

  /** Writes the final files of a comparison. */
  static void write(RunOutputs out, CompareParams params, Map<String, String> given, CompareJob.Summary s,
      double[] d0, double[] dTilde, int m, int p) throws IOException {
    for (CompareJob.RunResult r : s.runs()) {
      if (r.dictionary() != null) {
        out.npy(r.name() + "-dictionary.npy", r.dictionary(), m, p);
      }
    }
    out.npy("initial-dictionary.npy", d0, m, p);
    out.npy("generating-dictionary.npy", dTilde, m, p);
    out.text("curves.csv", curvesCsv(s));
    out.text("summary.csv", summaryCsv(params, s));
    var data = params.base().data();
    List<Plots.Series> series = new ArrayList<>();
    for (CompareJob.RunResult r : s.runs()) {
      double[] e = r.errors();
      double[] x = new double[e.length + 1];
      double[] y = new double[e.length + 1];
      y[0] = s.initialError();
      for (int i = 0; i < e.length; i++) {
        x[i + 1] = r.updates().get(i).update();
        y[i + 1] = e[i];
      }
      series.add(new Plots.Series(r.name() + (r.failure() != null ? " (failed)" : ""), x, y));
    }
    String title = String.format(Locale.ROOT, "pudle compare %s: m=%d p=%d k=%d n=%d", params.name(), data.m(),
        data.p(), data.k(), data.n());
    out.file("comparison.png", o -> Plots.logY(o, title, "update", "||D - D~||_2 / ||D~||_2", series, 1000, 620));
    out.text("run.properties", runProperties(params, given));
    out.text("summary.txt", summaryText(params, s, out));
  }

  /** {@code update,<run>,...}: the spectral error of every run after each update (row 0 is D0). */
  static String curvesCsv(CompareJob.Summary s) {
    int rows = s.runs().stream().mapToInt(r -> r.updates().size()).max().orElse(0);
    StringBuilder sb = new StringBuilder("update");
    for (CompareJob.RunResult r : s.runs()) {
      sb.append(',').append(r.name());
    }
    sb.append('\n').append(0);
    for (CompareJob.RunResult r : s.runs()) {
      sb.append(',').append(Matrices.formatExact(s.initialError()));
    }
    sb.append('\n');
    for (int u = 0; u < rows; u++) {
      sb.append(u + 1);
      for (CompareJob.RunResult r : s.runs()) {
        sb.append(',');
        if (u < r.updates().size() && !Double.isNaN(r.updates().get(u).errorSpectral())) {
          sb.append(Matrices.formatExact(r.updates().get(u).errorSpectral()));
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String summaryCsv(CompareParams params, CompareJob.Summary s) {
    StringBuilder sb = new StringBuilder(CompareJob.SUMMARY_HEADER).append('\n');
    for (CompareJob.RunResult r : s.runs()) {
      DictionaryTrainer.Update last = r.updates().isEmpty() ? null : r.updates().get(r.updates().size() - 1);
      double[] min = r.minimum(s.initialError());
      sb.append(r.name()).append(',').append(r.method()).append(',').append(r.updates().size()).append(',')
          .append(num(s.initialError())).append(',')
          .append(last == null ? "" : num(last.errorSpectral())).append(',')
          .append(last == null ? "" : num(last.errorFrobenius())).append(',')
          .append(num(r.matchedError())).append(',')
          .append(num(min[0])).append(',').append((int) min[1]).append(',')
          .append(num(r.lateError())).append(',')
          .append(r.firstAt(params.target()) < 0 ? "" : String.valueOf(r.firstAt(params.target()))).append(',')
          .append(num(r.medianSeconds())).append(',').append(num(r.seconds())).append(',')
          .append(r.failure() == null ? "" : '"' + r.failure().replace('"', '\'') + '"').append('\n');
    }
    return sb.toString();
  }

  static String summaryText(CompareParams params, CompareJob.Summary s, RunOutputs out) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[compare] done: %d runs in %s; ||D0 - D~||_2/||D~||_2 = %.4e%n",
        s.runs().size(), Progress.duration(s.seconds()), s.initialError()));
    sb.append(String.format(Locale.ROOT, "[compare] %-14s %-7s %12s %12s %12s %7s %12s %10s %10s %9s%n", "run",
        "method", "final err", "matched", "lowest err", "at", "late err", "first<=" + shortNum(params.target()),
        "s/update", "time"));
    for (CompareJob.RunResult r : s.runs()) {
      DictionaryTrainer.Update last = r.updates().isEmpty() ? null : r.updates().get(r.updates().size() - 1);
      double[] min = r.minimum(s.initialError());
      int first = r.firstAt(params.target());
      sb.append(String.format(Locale.ROOT, "[compare] %-14s %-7s %12.4e %12.4e %12.4e %7d %12.4e %10s %10.3f %9s%n",
          r.name(), r.method(), last == null ? Double.NaN : last.errorSpectral(), r.matchedError(), min[0],
          (int) min[1], r.lateError(),
          first < 0 ? "-" : String.valueOf(first), r.medianSeconds(), Progress.duration(r.seconds())));
      if (r.failure() != null) {
        sb.append("[compare]   ").append(r.name()).append(" failed at ").append(r.failure()).append('\n');
      }
    }
    sb.append("[compare] matched: the final error after matching the atoms to D~ up to permutation and sign; "
        + "late err: the median error over the last tenth of the updates\n");
    sb.append("[compare] outputs in ").append(out).append(": comparison.png, curves.csv, metrics.csv, summary.csv, "
        + "<run>-dictionary.npy, run.properties\n");
    return sb.toString();
  }

  private static String shortNum(double v) {
    return String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-");
  }

  /** The shared settings in effect, then the comparison's keys: usable as a compare config. */
  static String runProperties(CompareParams params, Map<String, String> given) {
    StringBuilder sb = new StringBuilder("# pudle compare: the settings in effect; usable as a config\n");
    var data = params.base().data();
    sb.append(TrainOutputs.runProperties(params.base(), given, data.m(), data.p(), data.n())
        .replaceFirst("^# pudle train[^\n]*\n", ""));
    sb.append("\n# the runs\n");
    List<String> names = params.runs().stream().map(CompareParams.Run::name).toList();
    sb.append("compare = ").append(String.join(", ", names)).append('\n');
    sb.append("compare.target = ").append(params.target()).append('\n');
    for (CompareParams.Run r : params.runs()) {
      Map<String, String> o = new LinkedHashMap<>(r.overrides());
      for (var e : o.entrySet()) {
        sb.append("compare.").append(r.name()).append('.').append(e.getKey()).append(" = ").append(e.getValue())
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static String num(double v) {
    return MetricsWriter.num(v);
  }
}
