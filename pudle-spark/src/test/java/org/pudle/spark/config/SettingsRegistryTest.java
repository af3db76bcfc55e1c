package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pudle.spark.study.StudyParams;

/** The registry of settings: defaults, parsing, errors, {@code --keys} and {@code run.properties}. */
class SettingsRegistryTest {

  @Test
  void everyShownDefaultIsAValueThatParsesToTheDefaultAndPassesTheCheck() {
    for (CommandSettings c : Commands.ALL) {
      for (Setting<?> s : c.settings()) {
        assertFalse(s.doc().isEmpty(), c.command() + " " + s.name() + " has no documentation");
        checkDefault(c, s);
      }
    }
  }

  private static <T> void checkDefault(CommandSettings c, Setting<T> s) {
    T def = s.defaultValue();
    assertTrue(s.accepts(def), c.command() + " " + s.name() + ": the default fails the check");
    if (!s.defaultTextIsAValue()) {
      // a description: (none), (required), runs/<config name>, half the patch, inferred
      assertTrue(def == null || s.defaultText().startsWith("(") || s.hasDerivedDefault()
          || List.of("inferred", "D0 (synthetic), samples (files)", "D_tilde (synthetic), none (files)", "")
              .contains(s.defaultText()), c.command() + " " + s.name() + ": " + s.defaultText());
      return;
    }
    Config one = Config.fromString(s.name() + " = " + s.defaultText());
    T parsed = one.get(s);
    assertEquals(s.format(def), s.format(parsed), c.command() + " " + s.name() + ": default " + s.defaultText());
  }

  @Test
  void theSameKeyHasOneMeaningButMayHaveACommandsOwnDefault() {
    assertEquals("200", Commands.TRAIN.get("T").defaultText());
    assertEquals("15", Commands.DENOISE_TRAIN.get("T").defaultText());
    assertEquals(200, Commands.STUDY.get("T").defaultValue());
    assertEquals("1e-3", Commands.TRAIN.get("adam.lr").defaultText());
    assertEquals(1e-4, Commands.DENOISE_TRAIN.get("adam.lr").defaultValue());
    assertEquals("runs/<config name>-codes", Commands.ENCODE.get("output").defaultText());
    assertEquals("runs/inline-codes", Config.fromString("").get(EncodeSettings.OUTPUT));
    // the solvers' defaults are the kernels', written as a config would write them
    assertEquals("1e-11", MethodSettings.LASSO_TOLERANCE.defaultText());
    assertEquals("1e-12", MethodSettings.NOODL_TOLERANCE.defaultText());
    assertEquals("20000", MethodSettings.LASSO_MAX_ITERATIONS.defaultText());
    // compare takes every train key after its own
    assertEquals(Commands.TRAIN.settings(), Commands.COMPARE.settings().subList(CompareSettings.ALL.size(),
        Commands.COMPARE.settings().size()));
  }

  @Test
  void numbersAreShownAsAConfigWritesThem() {
    assertEquals("0.2", Setting.shown(0.2));
    assertEquals("1", Setting.shown(1.0));
    assertEquals("20000", Setting.shown(20000));
    assertEquals("0.01", Setting.shown(0.01));
    assertEquals("1e-3", Setting.shown(1e-3));
    assertEquals("2.5e-7", Setting.shown(2.5e-7));
    assertEquals("-1e-11", Setting.shown(-1e-11));
    assertEquals("0", Setting.shown(0));
    for (double v : new double[] {1.2345678e-11, 0.009999999999999998, 123456.789, 5e-324, 0.3}) {
      assertEquals(v, Double.parseDouble(Setting.shown(v)), 0.0, "exact round trip of " + v);
    }
  }

  @Test
  void badValuesNameTheKeyTheSourceWhatIsExpectedAndWhatWasGiven() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> Config.fromString("updates = ten").get(TrainSettings.UPDATES));
    assertEquals("config key 'updates' (inline): expected an integer, got 'ten'", e.getMessage());
    e = assertThrows(ConfigException.class, () -> Config.fromString("updates = -3").get(TrainSettings.UPDATES));
    assertEquals("config key 'updates' (inline): expected a non-negative count, got -3", e.getMessage());
    e = assertThrows(ConfigException.class, () -> Config.fromString("sign = both").get(SyntheticSettings.SIGN));
    assertTrue(e.getMessage().startsWith("config key 'sign' (inline): expected none, per-sample or per-entry, got "
        + "'both'"), e.getMessage());
    Config c = Config.fromString("").set("noise=-1");
    e = assertThrows(ConfigException.class, () -> c.get(SyntheticSettings.NOISE));
    assertEquals("config key 'noise' (--set): expected a non-negative standard deviation, got -1.0", e.getMessage());
  }

  @Test
  void aRecordThatChecksItsArgumentsNamesTheKeyOfTheBadOne() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> EncoderSettings.from(Config.fromString("lambda.decay = 1.5")));
    assertEquals("config key 'lambda.decay' (inline): expected beta in (0, 1], got 1.5", e.getMessage());
    e = assertThrows(ConfigException.class, () -> TrainParams.from(Config.fromString("adam.beta2 = 1")));
    assertTrue(e.getMessage().startsWith("config key 'adam.beta2' (inline): expected a value in [0, 1)"),
        e.getMessage());
  }

  @Test
  void unknownKeysAreRejectedWithTheClosestKnownKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainParams.from(Config.fromString("lamda = 0.1\nbatch.sise = 3")));
    assertEquals("unknown config keys: 'batch.sise' (inline), did you mean 'batch.size'?; 'lamda' (inline), did you "
        + "mean 'lambda'?", e.getMessage());
    // a key of another command is unknown here
    e = assertThrows(ConfigException.class, () -> StudyParams.from(Config.fromString("updates = 3")));
    assertTrue(e.getMessage().startsWith("unknown config key: 'updates'"), e.getMessage());
  }

  @Test
  void keysListsEveryKeyWithItsDefault() {
    for (CommandSettings c : Commands.ALL) {
      StringWriter w = new StringWriter();
      c.printKeys(new PrintWriter(w));
      String[] lines = w.toString().split("\n");
      assertEquals(c.settings().size(), lines.length, c.command());
      for (int i = 0; i < lines.length; i++) {
        Setting<?> s = c.settings().get(i);
        assertTrue(lines[i].startsWith(s.name() + " ") && lines[i].contains(" " + s.defaultText() + " "),
            c.command() + ": " + lines[i]);
      }
    }
  }

  /** run.properties read back as a config gives the same settings: it reproduces the run. */
  @Test
  void runPropertiesReproduceTheRun() {
    List<String> trains = List.of("", "k = 3\np = 40\nbatch.fraction = 0.25\nthreshold = hard\nht.b = 0.3",
        "input = /data/x.csv\np = 20\nm = 7\ninput.delimiter = tab\nimage.patch = 6x4\ninit = random",
        "input = /data/images\nimage.patch = 5\nbatch.size = 10\nkernels = cpu\nmethod = noodl");
    for (String text : trains) {
      TrainParams p = TrainParams.from(Config.fromString(text));
      TrainParams again = TrainParams.from(Config.fromString(Config.settingsText("", p.settings(), Map.of())));
      assertEquals(p, again, text);
    }
    StudyParams s = StudyParams.from(Config.fromString("n = 100\ngrid.dense = 3\ngrid.log = 2\nT = 30\nsweep.n = 50"));
    StudyParams s2 = StudyParams.from(Config.fromString(Config.settingsText("", s.settings(), Map.of())));
    assertEquals(s.settings(), s2.settings());
    assertEquals("1,2,3,9,30", s.settings().get("grid"));
    assertEquals("50,100", s.settings().get("sweep.n"));
    assertFalse(s.settings().containsKey("grid.dense"), "resolved into grid");
  }

  @Test
  void theSettingsInEffectLeaveOutWhatDoesNotApply() {
    Map<String, String> synthetic = TrainParams.from(Config.fromString("")).settings();
    assertFalse(synthetic.containsKey("input.format"), "no input: its keys do not apply");
    assertFalse(synthetic.containsKey("batch.fraction"));
    assertEquals("runs/inline", synthetic.get("output"));
    Map<String, String> files = TrainParams.from(Config.fromString("input = x.csv")).settings();
    for (String k : List.of("m", "k", "n", "sign", "noise", "init.tau")) {
      assertFalse(files.containsKey(k), k + " describes synthetic data");
    }
    assertEquals("auto", files.get("input.format"));
    assertEquals("4x4", files.get("image.stride"));
    assertNotNull(files.get("seed"));
  }
}
