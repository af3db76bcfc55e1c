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
 *
 * <p>The held-out columns ({@code val_lasso_loss}, {@code val_rep_err}, {@code val_code_nnz}) come
 * last and are empty where nothing was measured (no {@code validation.fraction}, or between
 * metrics steps). A checkpoint written before they existed holds rows of
 * {@value #COLUMNS_BEFORE_HELD_OUT} fields: {@link #parse} reads them with empty held-out
 * columns, and {@link #resume} writes them again with the current columns.
 */
public final class MetricsWriter implements DictionaryTrainer.Listener {
  /** The header of the metrics of {@code pudle train}. */
  public static final String HEADER = "update,epoch,samples,loss,lasso_loss,grad_norm,code_nnz,"
      + "dict_err_spec,dict_err_fro,decay,seconds,kernel_seconds,elapsed_seconds,val_lasso_loss,val_rep_err,"
      + "val_code_nnz";
  /** The fields of a row before the held-out columns were added. */
  static final int COLUMNS_BEFORE_HELD_OUT = 13;
  private static final int COLUMNS = COLUMNS_BEFORE_HELD_OUT + 3;

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

  /**
   * Takes the rows of the updates a resumed run did before its checkpoint: history, and written
   * again (a row of an older checkpoint with the held-out columns added, empty).
   */
  public void resume(List<String> earlier) {
    for (String r : earlier) {
      DictionaryTrainer.Update u = parse(r);
      String row = r.split(",", -1).length == COLUMNS ? r : format.apply(u);
      history.add(u);
      rows.add(row);
      out.line(prefix + row);
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
        + num(u.elapsed()) + "," + num(u.heldOut().lassoLoss()) + "," + num(u.heldOut().representationError()) + ","
        + num(u.heldOut().codeNonZeros());
  }

  /**
   * A {@link #row} back as an update; a row of {@value #COLUMNS_BEFORE_HELD_OUT} fields (an older
   * checkpoint's) has no held-out metrics.
   */
  public static DictionaryTrainer.Update parse(String row) {
    String[] f = row.split(",", -1);
    if (f.length != COLUMNS && f.length != COLUMNS_BEFORE_HELD_OUT) {
      throw new IllegalArgumentException("metrics row: expected " + COLUMNS + " (or " + COLUMNS_BEFORE_HELD_OUT
          + ") fields, got " + f.length + ": " + row);
    }
    double[] v = new double[COLUMNS];
    java.util.Arrays.fill(v, Double.NaN);
    for (int i = 0; i < f.length; i++) {
      v[i] = f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
    }
    return new DictionaryTrainer.Update((int) v[0], v[1], (long) v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
        v[11], v[12], new DictionaryTrainer.HeldOutMetrics(v[13], v[14], v[15]));
  }

  /** A CSV number: empty for NaN, else the shortest decimal that reads back as the same double. */
  public static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }
}
