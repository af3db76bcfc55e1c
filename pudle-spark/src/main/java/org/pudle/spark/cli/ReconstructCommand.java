package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ReconstructParams;
import org.pudle.spark.encode.ReconstructJob;
import org.pudle.spark.io.Storage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reconstruct", mixinStandardHelpOptions = true,
    description = {"Rebuild images from their overlapping patches coded under a train run's model, and report PSNR.",
        "Each image is cut into the model's patches (every image.stride pixels), normalized and scaled as in training,",
        "coded by the model's encoder, rebuilt as D z and averaged; noise.sigma adds noise first (denoising).",
        "Outputs: the images as PNG, psnr.csv, summary.txt. Config keys: run with --keys; CONFIG is optional."})
final class ReconstructCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "a .properties file (optional)")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "set a config key (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--model", paramLabel = "DIR", description = "a train run's model directory (OUTPUT/model), as "
      + "config key model")
  String model;

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output, once this run "
      + "is complete (until then the earlier result stays as it was)")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (keys) {
      Commands.RECONSTRUCT.printKeys(spec.commandLine().getOut());
      return 0;
    }
    Config c = Config.load(config, overrides);
    if (model != null) {
      c.put("model", model, "--model");
    }
    ReconstructParams params = ReconstructParams.from(c);
    Storage.checkReadable(params.input(), Storage.driverConfiguration(), "config key 'input'");
    Storage.checkWritable(params.output(), Storage.driverConfiguration(), "config key 'output'");
    ReconstructJob.run(params, System.out, OutputOptions.mode(overwrite, false));
    return 0;
  }
}
