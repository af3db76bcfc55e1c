package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md} is the registry's: every key of every command with its default and
 * meaning, and the Spark ML params with the defaults they take from it.
 */
class ConfigurationReferenceTest {

  @Test
  void theReferenceInDocsIsTheRegistrys() throws IOException {
    Path file = Path.of("..", ConfigurationReference.FILE);
    String expected = ConfigurationReference.markdown();
    String actual = Files.exists(file) ? Files.readString(file) : "(missing)";
    assertEquals(expected, actual, ConfigurationReference.FILE + " differs from the settings registry; write it "
        + "again with: submit/pudle keys --markdown > " + ConfigurationReference.FILE);
  }

  @Test
  void theReferenceShowsEveryKeyWithItsDefault() {
    String md = ConfigurationReference.markdown();
    for (CommandSettings c : Commands.ALL) {
      int section = md.indexOf("\n## " + c.command() + "\n");
      assertTrue(section >= 0, c.command());
      for (Setting<?> s : c.ownSettings()) {
        String row = "| `" + s.name() + "` | " + CommandSettings.cell(s.defaultText()) + " |";
        assertTrue(md.indexOf(row, section) > section, c.command() + ": " + row);
      }
    }
    assertTrue(md.contains("| `stepSize` | `adam.lr` | 1e-3 |"), md);
    assertTrue(md.contains("| `output` | runs/&lt;config name> |"), "a default that looks like a tag shows as typed");
  }
}
