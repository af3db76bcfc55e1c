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
}
