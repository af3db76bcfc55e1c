package org.pudle.spark.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;

/**
 * Everything {@code pudle train} needs, validated in one place (Algorithm 2 of the paper).
 *
 * @param batchSize        samples per update; 0 means full batch
 * @param decayStep        beta is lowered by this every {@code decayEvery} updates (0: fixed)
 * @param metricsEvery     the dictionary error is computed every this many updates (and at the end)
 * @param progressSeconds  at most one console progress line per this many seconds
 * @param input            samples from files, or null for synthetic data ({@code data})
 * @param dictionaries     the initial and reference dictionaries, and the checkpoint interval
 * @param method           the learning method (PUDLE, or a baseline) and the baselines' settings
 * @param batchFraction    {@code batch.fraction} as given; with input files it becomes
 *                         {@link #batchSizeFor} once the number of samples is known
 */
public record TrainParams(String name, SyntheticParams data, EncoderParams encoder, GradientKind gradient,
    int updates, long batchSize, Adam adam, ColumnConstraint normalize, double decayStep, int decayEvery,
    ExecutionParams execution, String output, int metricsEvery, double progressSeconds, InputParams input,
    DictionarySources dictionaries, double batchFraction, MethodParams method) {

  /** The synthetic-data keys that mean nothing for input files. */
  private static final List<String> SYNTHETIC_ONLY = List.of("k", "n", "sign", "noise", "init.tau");

  public static final List<KeyDoc> OWN_KEYS = List.of(
      EncoderConfig.GRADIENT,
      new KeyDoc("updates", "100", "dictionary updates (epochs when full batch)"),
      new KeyDoc("batch.size", "0", "samples per update; 0 or absent = full batch"),
      new KeyDoc("batch.fraction", "0", "alternative to batch.size: a fraction of n per update"),
      new KeyDoc("adam.lr", "1e-3", "Adam learning rate"),
      new KeyDoc("adam.eps", "1e-8", "Adam epsilon"),
      new KeyDoc("adam.beta1", "0.9", "Adam beta1"),
      new KeyDoc("adam.beta2", "0.999", "Adam beta2"),
      new KeyDoc("normalize", "normalize", "after each update: normalize (unit columns), project (||D_j|| <= 1) or none"),
      new KeyDoc("lambda.decay.step", "0", "beta is lowered by this every lambda.decay.every updates (paper B.2: 0.005)"),
      new KeyDoc("lambda.decay.every", "100", "updates between beta steps"),
      new KeyDoc("output", "runs/<config name>", "output directory (any Hadoop path)"),
      new KeyDoc("metrics.every", "1", "updates between dictionary-error evaluations (the last update always has one)"),
      new KeyDoc("progress.seconds", "1", "at most one console progress line per this many seconds"));

  /** Every key {@code train} understands, in the order of the README. */
  public static List<KeyDoc> keys() {
    List<KeyDoc> all = new ArrayList<>(SyntheticParams.KEYS);
    all.addAll(EncoderConfig.KEYS);
    all.addAll(OWN_KEYS);
    all.addAll(MethodParams.KEYS);
    all.addAll(ExecutionParams.KEYS);
    all.addAll(InputParams.KEYS);
    all.addAll(DictionarySources.KEYS);
    return Collections.unmodifiableList(all);
  }

  public static Set<String> keyNames() {
    Set<String> s = new LinkedHashSet<>();
    for (KeyDoc k : keys()) {
      s.add(k.name());
    }
    return s;
  }

  /** Reads and validates; rejects unknown keys. */
  public static TrainParams from(Config c) {
    SyntheticParams data;
    if (c.raw("input") != null) {
      // samples from files: of the synthetic keys only p and seed mean something
      int p = c.integer("p", 100);
      long seed = c.longValue("seed", 1);
      if (p < 1) {
        throw c.error("p", "expected a positive number of atoms, got " + p);
      }
      data = new SyntheticParams(1, p, 1, 1, seed, org.pudle.kernels.data.SignMode.PER_SAMPLE, 0, 0, "0");
    } else {
      data = SyntheticParams.from(c);
    }
    EncoderParams enc = EncoderConfig.from(c);
    GradientKind kind = EncoderConfig.gradient(c);
    int updates = c.integer("updates", 100);
    long batch = c.longValue("batch.size", 0);
    double fraction = c.real("batch.fraction", 0);
    double lr = c.real("adam.lr", 1e-3);
    double eps = c.real("adam.eps", 1e-8);
    double b1 = c.real("adam.beta1", 0.9);
    double b2 = c.real("adam.beta2", 0.999);
    ColumnConstraint normalize = c.parse("normalize", ColumnConstraint.NORMALIZE, ColumnConstraint::parse,
        "normalize, project or none");
    double decayStep = c.real("lambda.decay.step", 0);
    int decayEvery = c.integer("lambda.decay.every", 100);
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.string("output", "runs/" + c.name());
    int metricsEvery = c.integer("metrics.every", 1);
    double progress = c.real("progress.seconds", 1);
    MethodParams method = MethodParams.from(c);
    InputParams input = InputParams.from(c);
    DictionarySources dictionaries = DictionarySources.from(c);
    c.requireAllUsed(keyNames());
    if (input != null) {
      for (String k : SYNTHETIC_ONLY) {
        if (c.values().containsKey(k)) {
          throw c.error(k, "describes synthetic data, but input = " + input.path() + " reads samples from files");
        }
      }
    }

    if (updates < 0) {
      throw c.error("updates", "expected a non-negative count, got " + updates);
    }
    if (batch < 0) {
      throw c.error("batch.size", "expected 0 (full batch) or a positive size, got " + batch);
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw c.error("batch.fraction", "expected a fraction in [0, 1], got " + fraction);
    }
    if (batch > 0 && fraction > 0) {
      throw c.error("batch.fraction", "set batch.size or batch.fraction, not both (batch.size = " + batch + ")");
    }
    if (input == null) {
      if (fraction > 0) {
        batch = Math.max(1, Math.round(fraction * data.n()));
      }
      if (batch > data.n()) {
        throw c.error("batch.size", "a batch of " + batch + " is larger than the n = " + data.n() + " samples");
      }
      if (batch == data.n()) {
        batch = 0;
      }
    }
    Adam adam;
    try {
      adam = new Adam(lr, b1, b2, eps);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config: " + e.getMessage() + " (" + c.source("adam.lr") + ")");
    }
    if (!(decayStep >= 0 && decayStep < 1)) {
      throw c.error("lambda.decay.step", "expected a step in [0, 1), got " + decayStep);
    }
    if (decayEvery < 1) {
      throw c.error("lambda.decay.every", "expected a positive number of updates, got " + decayEvery);
    }
    if (metricsEvery < 1) {
      throw c.error("metrics.every", "expected a positive number of updates, got " + metricsEvery);
    }
    if (!(progress >= 0)) {
      throw c.error("progress.seconds", "expected a non-negative number of seconds, got " + progress);
    }
    return new TrainParams(c.name(), data, enc, kind, updates, batch, adam, normalize, decayStep, decayEvery, exec,
        output, metricsEvery, progress, input, dictionaries, fraction, method);
  }

  /**
   * The samples per update for {@code n} samples (input files: known once they are read); 0 for
   * full batch.
   *
   * @throws ConfigException when the batch is larger than n
   */
  public long batchSizeFor(long n) {
    long batch = batchFraction > 0 ? Math.max(1, Math.round(batchFraction * n)) : batchSize;
    if (batch > n) {
      throw new ConfigException("config key 'batch.size': a batch of " + batch + " is larger than the n = " + n
          + " samples of " + (input == null ? "the synthetic data" : input.path()));
    }
    return batch == n ? 0 : batch;
  }

  /**
   * The decay factor beta at update {@code u}: {@code lambda.decay} lowered by
   * {@code lambda.decay.step} every {@code lambda.decay.every} updates, kept above zero.
   */
  public double decayAt(int u) {
    return decayAt(encoder.decay(), decayStep, decayEvery, u);
  }

  /** {@code max(beta0 - step * floor(u / every), 1e-12)}: the schedule of {@link #decayAt(int)}. */
  public static double decayAt(double beta0, double step, int every, int u) {
    return Math.max(beta0 - step * (u / every), 1e-12);
  }

  /** Whether every update uses all samples. */
  public boolean fullBatch() {
    return batchSize == 0;
  }
}
