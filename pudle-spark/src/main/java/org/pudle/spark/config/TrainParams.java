package org.pudle.spark.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.InputParams;

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
 * @param settings         every setting in effect as config text, in the order of
 *                         {@link Commands#TRAIN}: the run's {@code run.properties}
 * @param alphaAuto        {@code alpha = auto}: the encoder's step is {@link IstaStep#auto} of the
 *                         dictionary, recomputed before every update; until {@link #resolved} the
 *                         encoder holds a placeholder step of 1
 * @param lambdaRelative   {@code lambda.relative}, or 0 when lambda is absolute; until
 *                         {@link #resolved} the encoder holds the {@code lambda} key's value
 * @param sample           {@code input.sample}: a count (>= 1), a fraction (< 1), or null for all
 * @param scaling          {@code input.scale}: the scaling fitted on the samples from files
 * @param rate             Adam's learning-rate schedule
 * @param validation       {@code validation.fraction}: the fraction of the samples held out of
 *                         training and measured at every metrics step; 0 for none
 */
public record TrainParams(String name, SyntheticParams data, EncoderParams encoder, GradientKind gradient,
    int updates, long batchSize, Adam adam, ColumnConstraint normalize, double decayStep, int decayEvery,
    ExecutionParams execution, String output, int metricsEvery, double progressSeconds, InputParams input,
    DictionarySources dictionaries, double batchFraction, MethodParams method, Map<String, String> settings,
    boolean alphaAuto, double lambdaRelative, Double sample, DataTransform.Scaling scaling, RateSchedule rate,
    double validation) {

  /** The synthetic-data keys that mean nothing for input files. */
  private static final List<Setting<?>> SYNTHETIC_ONLY = List.of(SyntheticSettings.K, SyntheticSettings.N,
      SyntheticSettings.SIGN, SyntheticSettings.NOISE, SyntheticSettings.INIT_TAU);

  /** Reads and validates the keys of {@link Commands#TRAIN}; rejects unknown keys. */
  public static TrainParams from(Config c) {
    c.requireKnown(Commands.TRAIN);
    InputParams input = InputSettings.from(c);
    SyntheticParams data;
    if (input != null) {
      for (Setting<?> s : SYNTHETIC_ONLY) {
        if (c.values().containsKey(s.name())) {
          throw c.error(s.name(), "describes synthetic data, but input = " + input.path() + " reads samples from files");
        }
      }
      // samples from files: of the synthetic keys only p and seed mean something (and m, checked against the data)
      data = new SyntheticParams(1, c.get(SyntheticSettings.P), 1, 1, c.get(SyntheticSettings.SEED),
          org.pudle.kernels.data.SignMode.PER_SAMPLE, 0, 0, "0");
    } else {
      for (Setting<?> s : TransformSettings.ALL) {
        if (c.values().containsKey(s.name())) {
          throw c.error(s.name(), "prepares samples from files; set input, or leave it out for synthetic data");
        }
      }
      data = SyntheticParams.from(c);
    }
    Double sample = c.get(TransformSettings.SAMPLE);
    DataTransform.Scaling scaling = c.get(TransformSettings.SCALE);
    Double alpha = c.get(EncoderSettings.ALPHA_OR_AUTO);
    double lambdaRelative = c.get(EncoderSettings.LAMBDA_RELATIVE);
    if (lambdaRelative > 0 && c.isSet(EncoderSettings.LAMBDA)) {
      throw c.error(EncoderSettings.LAMBDA_RELATIVE.name(), "set lambda or lambda.relative, not both (lambda = "
          + c.raw(EncoderSettings.LAMBDA.name()) + ")");
    }
    EncoderParams enc = EncoderSettings.from(c, alpha == null ? 1 : alpha);
    GradientKind kind = c.get(EncoderSettings.GRADIENT);
    int updates = c.get(TrainSettings.UPDATES);
    long batch = c.get(TrainSettings.BATCH_SIZE);
    double fraction = c.get(TrainSettings.BATCH_FRACTION);
    Adam adam = c.construct(() -> new Adam(c.get(TrainSettings.ADAM_LR), c.get(TrainSettings.ADAM_BETA1),
        c.get(TrainSettings.ADAM_BETA2), c.get(TrainSettings.ADAM_EPS)));
    ColumnConstraint normalize = c.get(TrainSettings.NORMALIZE);
    double decayStep = c.get(TrainSettings.LAMBDA_DECAY_STEP);
    int decayEvery = c.get(TrainSettings.LAMBDA_DECAY_EVERY);
    MethodParams method = MethodParams.from(c);
    double validation = c.get(TrainSettings.VALIDATION_FRACTION);
    if (validation > 0 && method.method() != Method.PUDLE) {
      throw c.error(TrainSettings.VALIDATION_FRACTION.name(), "held-out samples are coded by the unfolded encoder of "
          + "method pudle; method = " + method.method().key() + " has its own coding");
    }
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.get(TrainSettings.OUTPUT);
    int metricsEvery = c.get(TrainSettings.METRICS_EVERY);
    double progress = c.get(TrainSettings.PROGRESS_SECONDS);
    DictionarySources dictionaries = DictionarySources.from(c);

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

    CommandSettings.Effective settings;
    if (input != null) {
      List<Setting<?>> skip = new ArrayList<>(SYNTHETIC_ONLY);
      skip.add(SyntheticSettings.M);
      settings = Commands.TRAIN.effective(c, skip);
      if (input.expectedM() > 0) {
        settings.set(SyntheticSettings.M, input.expectedM());
      }
    } else {
      settings = Commands.TRAIN.effective(c).removeAll(InputSettings.ALL).removeAll(TransformSettings.ALL);
    }
    settings.set(TrainSettings.BATCH_SIZE, batch);
    settings.remove(fraction > 0 ? TrainSettings.BATCH_SIZE : TrainSettings.BATCH_FRACTION);
    return new TrainParams(c.name(), data, enc, kind, updates, batch, adam, normalize, decayStep, decayEvery, exec,
        output, metricsEvery, progress, input, dictionaries, fraction, method, settings.toMap(), alpha == null,
        lambdaRelative, sample, scaling, new RateSchedule(c.get(TrainSettings.LR_SCHEDULE),
        c.get(TrainSettings.LR_STEP_EVERY), c.get(TrainSettings.LR_STEP_FACTOR), c.get(TrainSettings.LR_MIN), updates),
        validation);
  }

  /**
   * The same run with its encoder's step and lambda as a run uses them: {@code alpha = auto}
   * resolved to {@code alpha} (the step of D0), {@code lambda.relative} to the absolute
   * {@code lambda}. The settings are unchanged ({@code alpha = auto} stays auto for every update).
   */
  public TrainParams resolved(double alpha, double lambda) {
    EncoderParams e = new EncoderParams(encoder.T(), alpha, lambda, encoder.threshold(), encoder.htB(),
        encoder.decay());
    return new TrainParams(name, data, e, gradient, updates, batchSize, adam, normalize, decayStep, decayEvery,
        execution, output, metricsEvery, progressSeconds, input, dictionaries, batchFraction, method, settings,
        alphaAuto, lambdaRelative, sample, scaling, rate, validation);
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

  /** The number of samples {@code input.sample} keeps of {@code n}, or {@code n} for all. */
  public long sampleOf(long n) {
    if (sample == null) {
      return n;
    }
    return sample >= 1 ? sample.longValue() : Math.max(1, Math.round(sample * n));
  }

  /** Whether every update uses all samples. */
  public boolean fullBatch() {
    return batchSize == 0;
  }
}
