package org.pudle.spark.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import org.pudle.spark.PosixLocalFileSystem;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code pudle <command> ...}. Exit status 0 on success, 2 for invalid user input
 * (a config key, an option, an input file) with nothing written, 1 for any other failure, with a
 * one-line cause ({@link ExitStatus}).
 */
@Command(name = "pudle", mixinStandardHelpOptions = true, version = "pudle 0.1.0",
    description = "Dictionary learning by backpropagation through unfolded ISTA (PUDLE), on Apache Spark.",
    subcommands = {TrainCommand.class, GradientCommand.class, BenchCommand.class, EncodeCommand.class,
        ReconstructCommand.class, StudyCommand.class, CompareCommand.class, DenoiseTrainCommand.class,
        DenoiseCommand.class, DenoiseBenchCommand.class, KeysCommand.class, CommandLine.HelpCommand.class})
public final class PudleMain implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitStatus.INVALID_INPUT;
  }

  public static void main(String[] args) {
    PosixLocalFileSystem.install();
    if ("cluster".equals(System.getProperty("spark.submit.deployMode"))) {
      // spark-submit --deploy-mode cluster: the driver runs as a thread of YARN's application
      // master, which counts a System.exit as a failure. Return, or throw with the error line, which
      // YARN reports to the submitting console as the application's diagnostics.
      StringWriter errors = new StringWriter();
      int status = execute(new PrintWriter(System.out, true), new PrintWriter(errors, true), args);
      System.err.print(errors);
      System.err.flush();
      if (status != 0) {
        String first = errors.toString().strip().lines().findFirst().orElse("");
        throw new IllegalStateException(first.isEmpty() ? "pudle: exit status " + status : first);
      }
      return;
    }
    int status;
    try {
      status = execute(args);
    } catch (Throwable t) {
      // execute reports every failure; this is the failure of reporting one
      status = ExitStatus.FAILED;
    }
    System.exit(status);
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
    cl.setExecutionExceptionHandler((e, line, parsed) ->
        ExitStatus.report(line.getCommandSpec().qualifiedName(), e, line.getErr()));
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      // an Error (out of memory, say) is no Exception, and picocli lets it through
      return ExitStatus.report(args.length > 0 && !args[0].startsWith("-") ? "pudle " + args[0] : "pudle", t, err);
    }
  }
}
