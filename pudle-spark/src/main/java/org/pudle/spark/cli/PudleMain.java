package org.pudle.spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.pudle.spark.ClusterAccessException;
import org.pudle.spark.config.ConfigException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code pudle <command> ...}. Exit status 0 on success, 2 for invalid input
 * (configuration, options, input files), 1 when a run fails.
 */
@Command(name = "pudle", mixinStandardHelpOptions = true, version = "pudle 0.1.0",
    description = "Dictionary learning by backpropagation through unfolded ISTA (PUDLE), on Apache Spark.",
    subcommands = {TrainCommand.class, GradientCommand.class, BenchCommand.class, EncodeCommand.class,
        StudyCommand.class, CompareCommand.class, DenoiseTrainCommand.class, DenoiseCommand.class,
        DenoiseBenchCommand.class,
        CommandLine.HelpCommand.class})
public final class PudleMain implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit status. */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs a command line with its messages going to {@code out} and errors to {@code err}. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new PudleMain());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintWriter errors = line.getErr();
      String cmd = line.getCommandSpec().qualifiedName();
      if (e instanceof ClusterAccessException) { // the cluster refused the run: its one-line cause
        errors.println(cmd + ": failed: " + e.getMessage());
        errors.flush();
        return 1;
      }
      if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
        errors.println(cmd + ": error: " + e.getMessage());
        errors.flush();
        return 2;
      }
      if (e instanceof IOException) {
        errors.println(cmd + ": error: " + e.getMessage());
        errors.flush();
        return 2;
      }
      errors.println(cmd + ": failed: " + e);
      e.printStackTrace(errors);
      errors.flush();
      return 1;
    });
    return cl.execute(args);
  }
}
