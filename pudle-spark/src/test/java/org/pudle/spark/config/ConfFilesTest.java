package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.pudle.spark.denoise.DenoiseTrainParams;
import org.pudle.spark.study.StudyParams;

/** The configs in {@code conf/} are valid configs of their commands. */
class ConfFilesTest {
  private static final Path CONF = Path.of("..", "conf");

  private static List<Path> configs(String prefix) throws IOException {
    try (Stream<Path> s = Files.list(CONF)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)
          && p.getFileName().toString().endsWith(".properties")).sorted().collect(Collectors.toList());
    }
  }

  private static Config load(Path p) {
    return Config.load(p.toString(), List.of());
  }

  @Test
  void everyConfigParsesWithItsCommand() throws IOException {
    for (String name : List.of("demo", "fig4c", "fig4d")) {
      TrainParams.from(load(CONF.resolve(name + ".properties")));
    }
    for (Path p : configs("fig6")) {
      CompareParams.from(load(p));
    }
    StudyParams.from(load(CONF.resolve("study.properties")));
    assertEquals(14, configs("denoise-").size(), "the 12 of Table 1, their base and the scaled one");
    for (Path p : configs("denoise-")) {
      DenoiseTrainParams.from(load(p));
    }
  }

  /** The 12 configs of Table 1: the base's settings, and their own gradient, threshold, lambda or b. */
  @Test
  void theTableConfigsAreTheBaseWithTheirGradientAndThreshold() throws IOException {
    Pattern name = Pattern.compile("denoise-(dec|ae-ls)-(ht|lambda)([0-9.]+)\\.properties");
    int n = 0;
    for (Path p : configs("denoise-")) {
      Matcher mt = name.matcher(p.getFileName().toString());
      if (!mt.matches()) {
        continue;
      }
      n++;
      Map<String, String> s = DenoiseTrainParams.from(load(p)).settings();
      assertEquals("../shared/data/bsd/CBSD432", s.get("train.images"), p.toString());
      assertEquals("../shared/data/bsd/BSD68", s.get("test.images"), p.toString());
      assertEquals("250", s.get("epochs"), p.toString());
      assertEquals("10800", s.get("test.every"), p.toString());
      assertEquals(mt.group(1), s.get("gradient"), p.toString());
      boolean hard = mt.group(2).equals("ht");
      assertEquals(hard ? "hard" : "soft-nonneg", s.get("threshold"), p.toString());
      assertEquals(Double.parseDouble(mt.group(3)), Double.parseDouble(s.get(hard ? "ht.b" : "lambda")), p.toString());
      assertEquals(hard ? "0.16" : "0.05", s.get(hard ? "lambda" : "ht.b"), "the other one is the default");
      assertEquals("runs/" + p.getFileName().toString().replace(".properties", ""), s.get("output"));
      // the paper's settings are the command's defaults
      assertEquals("64", s.get("filters"));
      assertEquals("15", s.get("T"));
      assertEquals("1.0E-4", s.get("adam.lr"));
    }
    assertEquals(12, n);
    assertTrue(Files.readString(CONF.resolve("denoise-dec-lambda0.2.properties"))
        .contains("include = denoise-base.properties"));
  }
}
