package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code include = base.properties}: a config that starts from another. */
class ConfigIncludeTest {

  @Test
  void theIncludedKeysComeFirstTheFilesOwnOverrideThemAndSetOverridesBoth(@TempDir Path dir) throws IOException {
    Path sub = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(sub.resolve("base.properties"), "T = 9\nlambda = 0.3\noutput = runs/${gradient}\n");
    Files.writeString(sub.resolve("run.properties"), "include = base.properties\nlambda = 0.4\ngradient = dec\n");
    Config c = Config.load(sub.resolve("run.properties").toString(), List.of("T=11"));
    assertEquals("run", c.name(), "the config is named after the file that was given");
    assertEquals(11, c.get(EncoderSettings.T));
    assertEquals(0.4, c.get(EncoderSettings.LAMBDA));
    assertEquals("runs/dec", c.get(TrainSettings.OUTPUT), "a ${...} of the base sees the final values");
    assertEquals("--set", c.source("T"));
    assertTrue(c.source("output").endsWith("base.properties"), c.source("output"));
    assertTrue(c.source("lambda").endsWith("run.properties"), c.source("lambda"));
    assertTrue(!c.values().containsKey("include"), "include is not a setting");
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainParams.from(Config.load(sub.resolve("run.properties").toString(), List.of("alpah=1"))));
    assertTrue(e.getMessage().contains("did you mean 'alpha'"), e.getMessage());
  }

  @Test
  void includesNestAndABadValueNamesTheFileItCameFrom(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("a.properties"), "updates = -1\n");
    Files.writeString(dir.resolve("b.properties"), "include = a.properties\nT = 3\n");
    Files.writeString(dir.resolve("c.properties"), "include = b.properties\n");
    Config c = Config.load(dir.resolve("c.properties").toString(), List.of());
    assertEquals(3, c.get(EncoderSettings.T));
    ConfigException e = assertThrows(ConfigException.class, () -> c.get(TrainSettings.UPDATES));
    assertTrue(e.getMessage().startsWith("config key 'updates' (") && e.getMessage().contains("a.properties"),
        e.getMessage());
  }

  @Test
  void aMissingOrCircularIncludeIsAConfigError(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("missing.properties"), "include = nope.properties\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> Config.load(dir.resolve("missing.properties").toString(), List.of()));
    assertTrue(e.getMessage().contains("nope.properties does not exist")
        && e.getMessage().contains("included by"), e.getMessage());
    Files.writeString(dir.resolve("x.properties"), "include = y.properties\n");
    Files.writeString(dir.resolve("y.properties"), "include = x.properties\n");
    e = assertThrows(ConfigException.class, () -> Config.load(dir.resolve("x.properties").toString(), List.of()));
    assertTrue(e.getMessage().contains("circular include"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> Config.load(null, List.of("include=x.properties")));
    assertTrue(e.getMessage().contains("config files only"), e.getMessage());
  }

  /**
   * A key given twice in one file is an error naming both lines (Properties would keep the last
   * silently); a key of an included file given again by the including file, or by --set, is an
   * override, not a duplicate. Lines count as an editor counts them, continuation lines included.
   */
  @Test
  void aKeyTwiceInOneFileIsAnErrorNamingBothLines(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("twice.properties"), "# a comment\nT = 5\nlambda = 0.1, \\\n  0.2\n\n"
        + "! another comment \\\nT: 7\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> Config.load(dir.resolve("twice.properties").toString(), List.of()));
    assertTrue(e.getMessage().contains("twice.properties: key 'T' is given twice, on line 2 and on line 7"),
        e.getMessage());

    Files.writeString(dir.resolve("base.properties"), "T = 5\nlambda = 0.1\n");
    Files.writeString(dir.resolve("run.properties"), "include = base.properties\nT = 7\n");
    Config c = Config.load(dir.resolve("run.properties").toString(), List.of("lambda=0.3"));
    assertEquals(7, c.get(EncoderSettings.T));
    assertEquals(0.3, c.get(EncoderSettings.LAMBDA));

    Files.writeString(dir.resolve("base.properties"), "T = 5\nlambda = 0.1\nlambda=0.2\n");
    e = assertThrows(ConfigException.class, () -> Config.load(dir.resolve("run.properties").toString(), List.of()));
    assertTrue(e.getMessage().contains("base.properties: key 'lambda' is given twice, on line 2 and on line 3"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> Config.fromString("a = 1\nb = 2\na = 1\n"));
    assertTrue(e.getMessage().contains("key 'a' is given twice, on line 1 and on line 3"), e.getMessage());
  }
}
