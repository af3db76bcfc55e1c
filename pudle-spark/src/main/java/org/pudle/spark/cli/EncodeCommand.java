package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.EncodeParams;
import org.pudle.spark.encode.EncodeJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {"Write the sparse codes of input samples under a dictionary as Parquet sparse vectors.",
        "They go to output/codes.parquet with columns index, code (ML Vector of size p), loss and kkt. The codes come from",
        "the unfolded encoder (encoder=unfolded, T layers) or from FISTA (encoder=fista, to the KKT tolerance).",
        "Config keys (input, dictionary, ...): run with --keys; give them in CONFIG or with --set."})
final class EncodeCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "a .properties file (optional)")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "set a config key (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--model", paramLabel = "DIR", description = "a train run's model directory (OUTPUT/model): "
      + "the dictionary, the encoder and the data transform, as config key model")
  String model;

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output, once this run "
      + "is complete (until then the earlier result stays as it was)")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (keys) {
      var out = spec.commandLine().getOut();
      Commands.ENCODE.printKeys(out);
      return 0;
    }
    Config c = Config.load(config, overrides);
    if (model != null) {
      c.put("model", model, "--model");
    }
    EncodeParams params = EncodeParams.from(c);
    EncodeJob.checkPaths(params);
    EncodeJob.readDictionary(params, org.pudle.spark.io.Storage.driverConfiguration());
    EncodeJob.run(params, System.out, OutputOptions.mode(overwrite, false));
    return 0;
  }
}
