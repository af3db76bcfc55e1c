package org.pudle.spark.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.pudle.spark.UserInputException;
import org.pudle.spark.config.CommandSettings;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.ConfigurationReference;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"Print the config keys of a command with their defaults and what they mean.",
        "Without COMMAND, those of every command that reads a config. With --markdown, the configuration",
        "reference: submit/pudle keys --markdown > docs/configuration.md writes it again."})
final class KeysCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "COMMAND",
      description = "train, compare, study, encode or denoise-train")
  String command;

  @Option(names = "--markdown", description = "print the configuration reference (docs/configuration.md) as Markdown")
  boolean markdown;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (markdown) {
      if (command != null) {
        throw new UserInputException("--markdown prints the reference of every command; give no COMMAND");
      }
      out.print(ConfigurationReference.markdown());
      out.flush();
      return ExitStatus.OK;
    }
    if (command == null) {
      for (CommandSettings c : Commands.ALL) {
        out.println("# " + c.command());
        c.printKeys(out);
        out.println();
      }
      out.flush();
      return ExitStatus.OK;
    }
    CommandSettings c = Commands.named(command);
    if (c == null) {
      throw new UserInputException("COMMAND: expected one of " + Commands.ALL.stream().map(CommandSettings::command)
          .collect(Collectors.joining(", ")) + ", got '" + command + "'");
    }
    c.printKeys(out);
    return ExitStatus.OK;
  }
}
