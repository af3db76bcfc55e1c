package org.pudle.spark.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configuration reference, {@code docs/configuration.md}, generated from the registry
 * ({@link Commands}, {@link SparkMlParams}): one table per command (key, default, meaning). A test
 * fails when the file in the repository differs from {@link #markdown()}; {@code submit/pudle keys
 * --markdown > docs/configuration.md} (or this class's {@link #main}) writes it again.
 */
public final class ConfigurationReference {
  private ConfigurationReference() {}

  /** Where the reference lives, relative to the repository root. */
  public static final String FILE = "docs/configuration.md";

  /** The whole reference. */
  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Configuration reference\n\n");
    sb.append("This file is generated from the settings registry (`org.pudle.spark.config.Commands`); do not edit\n");
    sb.append("it by hand. After a change to a setting, write it again with\n`submit/pudle keys --markdown > ")
        .append(FILE).append("`;\n`ConfigurationReferenceTest` fails while the file and the registry differ.\n\n");
    sb.append("`train`, `compare`, `study`, `encode` and `denoise-train` read their settings from a config, a Java\n");
    sb.append("`.properties` file of `key = value` lines on any Hadoop path, with `--set key=value` overrides on top\n");
    sb.append("(repeatable, applied in order). `submit/pudle <command> --keys` lists a command's keys as below.\n\n");
    sb.append("- A value may refer to another key: `output = runs/fig4c-${gradient}` follows `--set gradient=dec`.\n");
    sb.append("- `include = base.properties` (a path relative to the file) starts a config from another one: the\n");
    sb.append("  included keys come first, the file's own keys override them, and `--set` overrides both\n");
    sb.append("  (`conf/denoise-*.properties` share `conf/denoise-base.properties` this way).\n");
    sb.append("- A key the command does not have is an error that suggests the closest key; a bad value is an\n");
    sb.append("  error that names the key, what it expects and where the value came from (the file or `--set`).\n");
    sb.append("  Either ends the command with exit status 2 before it writes anything.\n");
    sb.append("- Every run writes `run.properties` in its output directory: every setting in effect, the given\n");
    sb.append("  ones first, usable as a config that reproduces the run.\n\n");
    for (CommandSettings c : Commands.ALL) {
      sb.append("## ").append(c.command()).append("\n\n").append(c.about()).append("\n\n");
      if (c.base() != null) {
        sb.append("It takes every key of `").append(c.base().command()).append("` and these:\n\n");
      }
      sb.append(c.markdownTable()).append('\n');
    }
    sb.append("## Spark ML\n\n");
    sb.append("The params of `PudleDictionaryLearning` (and `PudleModel`) that mirror a config key of `train`\n");
    sb.append("default to that key's default:\n\n");
    sb.append("| param | config key | default |\n|---|---|---|\n");
    for (SparkMlParams.Mirror m : SparkMlParams.MIRRORS) {
      sb.append("| `").append(m.param()).append("` | `").append(m.setting().name()).append("` | ")
          .append(CommandSettings.cell(m.setting().defaultText())).append(" |\n");
    }
    return sb.toString();
  }

  /** Writes the reference to {@code args[0]} (default {@value #FILE}). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : FILE);
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
  }
}
