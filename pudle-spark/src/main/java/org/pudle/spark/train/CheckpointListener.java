package org.pudle.spark.train;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Optimizer;
import org.pudle.spark.config.ConfigException;
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
   * @param initial   D0
   * @param optimizer the loop's optimizer, whose state each checkpoint keeps
   * @param from      where the run starts (the samples seen before it)
   * @param metrics   the rows each checkpoint keeps
   */
  CheckpointListener(RunOutputs out, int every, int updates, String settings, int m, int p, double[] initial,
      Optimizer optimizer, DictionaryTrainer.Start from, MetricsWriter metrics) {
    this.out = out;
    this.every = every;
    this.updates = updates;
    this.settings = settings;
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
      Checkpoint ck = new Checkpoint(settings, rec.update(), seen, rec.elapsed(), m, p, dictionary, initial,
          optimizerState(optimizer, m * p), metrics.rows());
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
   * Reads the checkpoint of the run to resume in {@code output} and checks that it belongs to
   * {@code settings} and lies within {@code updates}.
   *
   * @throws ConfigException when there is none, or it belongs to other settings
   */
  static Checkpoint read(String output, Configuration conf, String settings, int updates) throws IOException {
    RunOutputs.Earlier earlier = RunOutputs.earlier(output, Checkpoint.FILE, conf);
    if (earlier.bytes() == null) {
      throw new ConfigException("--resume: no checkpoint in " + earlier.directory() + " (config key 'output'); a run "
          + "writes one every checkpoint.every updates");
    }
    Checkpoint ck = Checkpoint.read(new ByteArrayInputStream(earlier.bytes()), earlier.path().toString());
    List<String> diff = ck.differences(settings);
    if (!diff.isEmpty()) {
      throw new ConfigException("--resume: the checkpoint in " + earlier.directory() + " was written with other "
          + "settings: " + String.join("; ", diff) + " (only updates, output, the progress, metrics and checkpoint "
          + "intervals and the partitioning may change)");
    }
    if (ck.update() > updates) {
      throw new ConfigException("--resume: the checkpoint in " + output + " is after update " + ck.update()
          + ", beyond updates = " + updates + " (config key 'updates')");
    }
    return ck;
  }
}
