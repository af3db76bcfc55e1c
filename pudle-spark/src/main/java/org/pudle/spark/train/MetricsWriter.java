package org.pudle.spark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.apache.hadoop.fs.Path;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;

/**
 * The metrics writer: a {@link DictionaryTrainer.Listener} that writes one row per update to a
 * {@code metrics.csv} stream as the loop goes, and keeps the run's history of updates and rows (a
 * checkpoint carries the rows; a summary reads the history). {@code pudle train} and
 * {@code pudle compare} write {@link #row} rows under {@link #HEADER} ({@code compare} with the run's
 * name in front); the denoiser writes its own columns.
 */
public final class MetricsWriter implements DictionaryTrainer.Listener {
  /** The header of the metrics of {@code pudle train}. */
  public static final String HEADER = "update,epoch,samples,loss,lasso_loss,grad_norm,code_nnz,"
      + "dict_err_spec,dict_err_fro,decay,seconds,kernel_seconds,elapsed_seconds";

  private final OutputDir.TextStream out;
  private final String prefix;
  private final Function<DictionaryTrainer.Update, String> format;
  private final List<DictionaryTrainer.Update> history = new ArrayList<>();
  private final List<String> rows = new ArrayList<>();

  /**
   * @param out    the stream, its header already written
   * @param prefix written before every row (the run's column of {@code compare}), or empty
   * @param format the row of an update
   */
  public MetricsWriter(OutputDir.TextStream out, String prefix, Function<DictionaryTrainer.Update, String> format) {
    this.out = out;
    this.prefix = prefix;
    this.format = format;
  }

  /** The metrics of a train run: {@link #HEADER} rows written to {@code out}. */
  public static MetricsWriter train(OutputDir.TextStream out) {
    out.line(HEADER);
    return new MetricsWriter(out, "", MetricsWriter::row);
  }

  /** Takes the rows of the updates a resumed run did before its checkpoint: history, and written again. */
  public void resume(List<String> earlier) {
    for (String r : earlier) {
      history.add(parse(r));
      rows.add(r);
      out.line(prefix + r);
    }
  }

  @Override
  public void onUpdate(DictionaryTrainer.Update update, double[] dictionary) {
    history.add(update);
    String row = format.apply(update);
    rows.add(row);
    out.line(prefix + row);
  }

  /** Every update so far (a resumed run's earlier ones included). */
  public List<DictionaryTrainer.Update> history() {
    return history;
  }

  /** The rows of {@link #history}, without the prefix. */
  public List<String> rows() {
    return rows;
  }

  /** The last update, or null before the first. */
  public DictionaryTrainer.Update last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }

  /** Where the rows are until the run finishes (a failed run's metrics stay there). */
  public Path temporaryPath() {
    return out.temporaryPath();
  }

  /** The {@link #HEADER} row of an update; NaN is an empty field, every number reads back exactly. */
  public static String row(DictionaryTrainer.Update u) {
    return u.update() + "," + num(u.epoch()) + "," + u.samples() + "," + num(u.loss()) + "," + num(u.lassoLoss()) + ","
        + num(u.gradientNorm()) + "," + num(u.codeNonZeros()) + "," + num(u.errorSpectral()) + ","
        + num(u.errorFrobenius()) + "," + num(u.decay()) + "," + num(u.seconds()) + "," + num(u.kernelSeconds()) + ","
        + num(u.elapsed());
  }

  /** A {@link #row} back as an update. */
  public static DictionaryTrainer.Update parse(String row) {
    String[] f = row.split(",", -1);
    double[] v = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      v[i] = f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
    }
    return new DictionaryTrainer.Update((int) v[0], v[1], (long) v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
        v[11], v[12]);
  }

  /** A CSV number: empty for NaN, else the shortest decimal that reads back as the same double. */
  public static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }
}
