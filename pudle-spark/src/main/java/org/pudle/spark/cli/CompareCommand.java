package org.pudle.spark.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.spark.UserInputException;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.train.CompareJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Compare learning methods on the same synthetic data from the same D0 (Figures 5 and 6).",
        "The config is a train config shared by all runs, plus 'compare = run1, run2, ...' and per-run",
        "overrides 'compare.<run>.<key> = value'. The data are generated and cached once. Outputs:",
        "comparison.png (error against update, log scale), curves.csv, metrics.csv, summary.csv and",
        "summary.txt. Exit status 1 when a run failed (the others' outputs are still written).",
        "Config keys: --keys."})
final class CompareCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "a .properties file (conf/fig6-*.properties)")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a config key (repeatable); compare.<run>.<key>=value overrides one run")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output, once this run "
      + "is complete (until then the earlier result stays as it was)")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (keys) {
      Commands.COMPARE.printKeys(out);
      return 0;
    }
    if (config == null) {
      throw new UserInputException("missing CONFIG: give a config file, for example conf/fig6-scaled.properties");
    }
    Config c = Config.load(config, overrides);
    CompareJob.Summary summary = CompareJob.run(CompareJob.prepare(c), c.values(), System.out,
        OutputOptions.mode(overwrite, false));
    if (!summary.failed().isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      for (CompareJob.RunResult r : summary.failed()) {
        err.println("compare: run " + r.name() + " failed at " + r.failure());
      }
      err.flush();
      return 1;
    }
    return 0;
  }
}
