package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.spark.UserInputException;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.study.StudyJob;
import org.pudle.spark.study.StudyParams;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "study", mixinStandardHelpOptions = true,
    description = {"Measure the errors of the unfolded gradients at every depth of a grid (Figures 2, 3, 4a, 4b).",
        "In one pass over n synthetic samples: mean ||z_t - z_hat|| and ||g_t - g_ref|| (g_dec,",
        "g_ae-lasso, g_ae-ls against g_hat, g_star, g_tilde; Frobenius and spectral) with jackknife",
        "standard errors. D* comes from Algorithm 1 run to convergence, cached in dstar.cache.",
        "Config keys: run with --keys. Outputs: study.csv, fig2/fig3/fig4a/fig4b.png, summary.txt",
        "(and sweep.csv, sweep-fig*.png with --sweep); after each group of samples the sums so far go to",
        "checkpoint, from which --resume continues a stopped study."})
final class StudyCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "a .properties file (conf/fig3.properties)")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--sweep", paramLabel = "N,N,...",
      description = "also study these sample counts (the config key sweep.n), e.g. 1e3,1e4,1e5,1e6")
  String sweep;

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--replot", paramLabel = "DIR",
      description = "draw the PNGs of a finished study in DIR again from its study.csv and sweep.csv, and exit")
  String replot;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output, once this run "
      + "is complete (until then the earlier result stays as it was)")
  boolean overwrite;

  @Option(names = "--resume", description = "continue a study that was stopped or killed: the groups of samples in "
      + "the checkpoint of its output are not computed again (same settings; n, sweep.n, the partitioning and "
      + "the kernels may change)")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    if (keys) {
      var out = spec.commandLine().getOut();
      Commands.STUDY.printKeys(out);
      return 0;
    }
    if (replot != null) {
      var out = spec.commandLine().getOut();
      out.println(InputFiles.read(replot, "--replot",
          () -> StudyJob.replot(replot, new org.apache.hadoop.conf.Configuration())));
      out.flush();
      return 0;
    }
    if (config == null) {
      throw new UserInputException("missing CONFIG: give a config file, for example conf/fig3.properties");
    }
    List<String> all = new ArrayList<>(overrides);
    if (sweep != null) {
      all.add("sweep.n=" + sweep);
    }
    Config c = Config.load(config, all);
    StudyParams params = StudyParams.from(c);
    StudyJob.run(StudyJob.prepare(c, params), c.values(), System.out, OutputOptions.mode(overwrite, resume));
    return 0;
  }
}
