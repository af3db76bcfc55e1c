package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.model.ModelDir;
import org.pudle.spark.train.TrainJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Learn a dictionary by backpropagation through the unfolded ISTA encoder (Algorithm 2).",
        "Synthetic data are generated on the executors, gradients summed by treeAggregate, Adam runs on the driver.",
        "input=PATH reads samples from Parquet, CSV/TSV, .npy or images on any Hadoop filesystem instead.",
        "Config keys: run with --keys. Outputs: dictionary.npy/.csv/.parquet, metrics.csv, learning-curve.png,",
        "model/ (for encode --model, reconstruct --model and Spark ML's PudleModel.load),",
        "checkpoint (every checkpoint.every updates; --resume continues from it)."})
final class TrainCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG",
      description = "a .properties file (conf/*.properties); optional: every key can be given with --set")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--resume", description = "continue from the checkpoint in the output directory (same settings; "
      + "updates may grow); refused when the input files changed since the checkpoint")
  boolean resume;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output directory, "
      + "once this run is complete (until then the earlier result stays, and stays resumable)")
  boolean overwrite;

  @Option(names = "--resume-changed-input", description = "--resume even when the input files changed since the "
      + "checkpoint (another path, length, modification time or, for an input of at most 16 MiB, contents)")
  boolean resumeChangedInput;

  @Override
  public Integer call() throws Exception {
    if (keys) {
      var out = spec.commandLine().getOut();
      Commands.TRAIN.printKeys(out);
      return 0;
    }
    Config c = Config.load(config, overrides);
    TrainParams params = TrainParams.from(c);
    TrainJob.run(TrainJob.prepare(c, params), c.values(), System.out,
        OutputOptions.mode(overwrite, resume || resumeChangedInput), resumeChangedInput, ModelDir::write);
    return 0;
  }
}
