package org.pudle.spark.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.apache.hadoop.conf.Configuration;
import org.pudle.spark.UserInputException;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.denoise.DenoiseTrainJob;
import org.pudle.spark.denoise.DenoiseTrainParams;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "denoise-train", mixinStandardHelpOptions = true,
    description = {"Train the supervised convolutional denoiser of the paper's Table 1.",
        "Random noisy crops of the training images on the executors, filter gradients (dec, ae-ls, ae-lasso) summed by treeAggregate, Adam",
        "on the driver, unit-norm filters; test images denoised whole, mean PSNR. Config keys: run with --keys.",
        "Outputs: filters.npy + model.properties (the model for `pudle denoise`), metrics.csv, test-psnr.csv,",
        "test-images.csv, filters.png, learning-curve.png, test-psnr.png, run.properties, summary.txt."})
final class DenoiseTrainCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "a .properties file (conf/denoise-*.properties)")
  String config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--keys", description = "list the config keys with their defaults and exit")
  boolean keys;

  @Option(names = "--overwrite", description = "replace the result of an earlier run in the output, once this run "
      + "is complete (until then the earlier result stays as it was)")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (keys) {
      var out = spec.commandLine().getOut();
      Commands.DENOISE_TRAIN.printKeys(out);
      return 0;
    }
    if (config == null) {
      throw new UserInputException("missing CONFIG: give a config file, for example conf/denoise-scaled.properties");
    }
    Config c = Config.load(config, overrides);
    DenoiseTrainParams params = DenoiseTrainParams.from(c);
    DenoiseTrainJob.Prepared prepared = DenoiseTrainJob.prepare(c, params, new Configuration());
    DenoiseTrainJob.run(params, prepared, c.values(), printStream(spec.commandLine().getOut()),
        OutputOptions.mode(overwrite, false));
    return 0;
  }

  /** The command line's writer as the PrintStream the job prints its progress to. */
  static PrintStream printStream(PrintWriter writer) {
    OutputStream bytes = new OutputStream() {
      private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

      @Override
      public void write(int b) {
        buffer.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        buffer.write(b, off, len);
      }

      @Override
      public void flush() {
        writer.write(buffer.toString(StandardCharsets.UTF_8));
        buffer.reset();
        writer.flush();
      }
    };
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
