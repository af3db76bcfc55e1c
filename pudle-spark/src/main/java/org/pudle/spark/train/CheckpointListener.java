package org.pudle.spark.train;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Optimizer;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.InputFingerprint;
import org.pudle.spark.io.RunOutputs;

/**
 * The checkpoint listener: a {@link DictionaryTrainer.Listener} that writes the {@link Checkpoint}
 * every {@code checkpoint.every} updates and after the last, through the run's outputs; and the
 * reading of a checkpoint for {@code --resume}.
 */
final class CheckpointListener implements DictionaryTrainer.Listener {
  private final RunOutputs out;
  private final int every;
  private final int updates;
  private final String settings;
  private final String fingerprint;
  private final int m;
  private final int p;
  private final double[] initial;
  private final Optimizer optimizer;
  private final MetricsWriter metrics;
  private long seen;

  /**
   * @param every     updates between checkpoints, 0 for none
   * @param updates   the run's last update (always checkpointed when {@code every > 0})
   * @param settings  the settings that must not change on resume
   * @param fingerprint the input's fingerprint, checked on resume
   * @param initial   D0
   * @param optimizer the loop's optimizer, whose state each checkpoint keeps
   * @param from      where the run starts (the samples seen before it)
   * @param metrics   the rows each checkpoint keeps
   */
  CheckpointListener(RunOutputs out, int every, int updates, String settings, String fingerprint, int m, int p,
      double[] initial, Optimizer optimizer, DictionaryTrainer.Start from, MetricsWriter metrics) {
    this.out = out;
    this.every = every;
    this.updates = updates;
    this.settings = settings;
    this.fingerprint = fingerprint;
    this.m = m;
    this.p = p;
    this.initial = initial;
    this.optimizer = optimizer;
    this.metrics = metrics;
    this.seen = from.seen();
  }

  @Override
  public void onUpdate(DictionaryTrainer.Update rec, double[] dictionary) {
    seen += rec.samples();
    if (every > 0 && (rec.update() % every == 0 || rec.update() == updates)) {
      Checkpoint ck = new Checkpoint(settings, fingerprint, rec.update(), seen, rec.elapsed(), m, p, dictionary,
          initial, optimizerState(optimizer, m * p), metrics.rows());
      try {
        out.checkpoint(Checkpoint.FILE, ck::write);
      } catch (IOException e) {
        throw new UncheckedIOException("writing the checkpoint " + out.path(Checkpoint.FILE), e);
      }
    }
  }

  /** The optimizer state a checkpoint keeps: Adam's moments, or zero moments for stateless gradient descent. */
  private static Adam.State optimizerState(Optimizer optimizer, int size) {
    return optimizer instanceof Optimizer.AdamOptimizer adam ? adam.state() : Adam.State.initial(size);
  }

  /** Restores a checkpoint's optimizer state into {@code optimizer} (Adam's moments; gradient descent has none). */
  static void restore(Optimizer optimizer, Checkpoint checkpoint) {
    if (optimizer instanceof Optimizer.AdamOptimizer adam) {
      adam.restore(checkpoint.adam().copy());
    }
  }

  /**
   * Reads the checkpoint of the run to resume in the run's output directory and checks that it
   * belongs to {@code settings}, lies within the run's updates and was written on the same input.
   *
   * @param fingerprint the input's fingerprint now ({@link FileSource#fingerprint}, empty for synthetic data)
   * @param changedOk   resume even when the input changed (its size may then differ too)
   * @throws ConfigException when there is none, or it belongs to other settings
   * @throws InputException  when the input changed and {@code changedOk} is false
   */
  static Checkpoint read(TrainParams params, Configuration conf, String settings, String fingerprint,
      boolean changedOk, PrintStream console) throws IOException {
    String output = params.output();
    List<RunOutputs.Earlier> found = RunOutputs.earlier(output, Checkpoint.FILE, conf);
    if (found.isEmpty()) {
      throw new ConfigException("--resume: no checkpoint in " + output + " (config key 'output'); a run "
          + "writes one every checkpoint.every updates");
    }
    // newest first: a run that did not finish, then the result; the first of these settings wins
    RuntimeException refusal = null;
    for (RunOutputs.Earlier earlier : found) {
      Checkpoint ck = Checkpoint.read(new ByteArrayInputStream(earlier.bytes()), earlier.path().toString());
      try {
        check(ck, params, settings, fingerprint, output, changedOk, console);
        return ck;
      } catch (ConfigException | InputException e) {
        if (refusal == null) {
          refusal = e;
        } else {
          console.println("[train] not resuming from " + earlier.path() + ": " + e.getMessage());
        }
      }
    }
    throw refusal;
  }

  /** Checks that a checkpoint belongs to these settings and this input and lies within the run's updates. */
  private static void check(Checkpoint ck, TrainParams params, String settings, String fingerprint, String where,
      boolean changedOk, PrintStream console) {
    // the input first: a changed input also changes n, which the settings hold
    checkInput(ck, fingerprint, params, where, changedOk, console);
    List<String> mayDiffer = changedOk ? List.of("data.n", "batch") : List.of();
    List<String> diff = new ArrayList<>();
    for (String d : ck.differences(settings)) {
      if (!mayDiffer.contains(d.substring(0, d.indexOf(':')))) {
        diff.add(d);
      }
    }
    if (!diff.isEmpty()) {
      throw new ConfigException("--resume: the checkpoint in " + where + " was written with other "
          + "settings: " + String.join("; ", diff) + " (only updates, output, the progress, metrics and checkpoint "
          + "intervals and the partitioning may change)");
    }
    if (ck.update() > params.updates()) {
      throw new ConfigException("--resume: the checkpoint in " + where + " is after update " + ck.update()
          + ", beyond updates = " + params.updates() + " (config key 'updates')");
    }
  }

  /**
   * Refuses to resume on input files that changed since the checkpoint (another path, length,
   * modification time or, for a small input, contents) unless told to.
   */
  private static void checkInput(Checkpoint ck, String now, TrainParams params, String directory, boolean changedOk,
      PrintStream console) {
    if (ck.input() == null) {
      console.println("[train] the checkpoint predates input fingerprints: resuming without checking the input");
      return;
    }
    List<String> changes = InputFingerprint.differences(ck.input(), now);
    if (changes.isEmpty()) {
      return;
    }
    String what = "the input " + (params.input() == null ? "" : params.input().path() + " ") + "changed since the "
        + "checkpoint in " + directory + " was written: " + String.join("; ", changes);
    if (!changedOk) {
      throw new InputException("--resume: " + what + "; the run would continue on other data (--resume-changed-input "
          + "resumes anyway)");
    }
    console.println("[train] --resume-changed-input: " + what);
  }
}
