package org.pudle.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;

/**
 * Param parity: every estimator param has a getter on both classes and a setter on the
 * estimator; the model has setters for the params of the columns and of the coding; a setter and
 * a ParamMap accept and reject the same values with the same message; every model param (and the
 * summary) survives save and load, and a bad value in saved metadata is refused by name.
 */
class SparkMlParamParityTest {

  private static String capitalized(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static Method getter(Class<?> c, String name) {
    try {
      Method m = c.getMethod("get" + capitalized(name));
      assertTrue(Modifier.isPublic(m.getModifiers()));
      return m;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Method setter(Class<?> c, String name) {
    for (Method m : c.getMethods()) {
      if (m.getName().equals("set" + capitalized(name)) && m.getParameterCount() == 1 && m.getReturnType() == c) {
        return m;
      }
    }
    return null;
  }

  private static Object get(Params ps, Param<?> p) {
    try {
      return getter(ps.getClass(), p.name()).invoke(ps);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Values of the param's type to try: valid and invalid ones. */
  private static List<Object> candidates(Param<?> p) {
    if (p instanceof BooleanParam) {
      return List.of(true, false);
    }
    if (p instanceof IntParam) {
      return List.of(-1, 0, 1, 2, 7, Integer.MAX_VALUE);
    }
    if (p instanceof LongParam) {
      return List.of(-1L, 0L, 1L, 60L, Long.MAX_VALUE);
    }
    if (p instanceof DoubleParam) {
      return List.of(-1.0, -0.0, 0.0, 1e-300, 0.5, 1.0, 1.5, 3.0, Double.NaN, Double.POSITIVE_INFINITY);
    }
    if (p.name().equals("initialDictionary")) {
      return Arrays.asList(new DenseMatrix(2, 3, new double[] {1, 2, 3, 4, 5, 6}),
          new DenseMatrix(1, 2, new double[] {0, Double.NaN}), new DenseMatrix(0, 0, new double[0]), null);
    }
    List<Object> values = new ArrayList<>(Arrays.asList("", " ", "bogus", "x", null));
    for (String c : PudleParamSet.checkOf(p).choices()) {
      values.add(c);
      values.add(c.toUpperCase(Locale.ROOT));
    }
    if (p.name().equals("gradient") || p.name().equals("kernelPrecision")) {
      // the config key's aliases
      values.addAll(List.of("ae_lasso", "FP32"));
    }
    return values;
  }

  /** What a setter does with {@code value}: null when it accepts it, else the message. */
  private static String viaSetter(Params ps, Method set, Object value) {
    try {
      set.invoke(ps, value);
      return null;
    } catch (InvocationTargetException e) {
      assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
      return e.getCause().getMessage();
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  /** What a ParamMap does with {@code value}: null when it accepts it, else the message. */
  @SuppressWarnings("unchecked")
  private static String viaParamMap(Param<?> p, Object value) {
    try {
      ParamMap.empty().put((Param<Object>) p, value);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Setters and ParamMaps of {@code ps} accept and reject the same values, and read back the same. */
  @SuppressWarnings("unchecked")
  private static int checkParity(Params fresh, boolean model) throws Exception {
    int checked = 0;
    for (Param<?> p : ((PudleParams) fresh).pudleParams().all()) {
      Method set = setter(fresh.getClass(), p.name());
      if (set == null) {
        continue;
      }
      int accepted = 0;
      int rejected = 0;
      for (Object v : candidates(p)) {
        if (v == null && set.getParameterTypes()[0].isPrimitive()) {
          continue;
        }
        Params bySetter = fresh.copy(ParamMap.empty());
        String setterSays = viaSetter(bySetter, set, v);
        String mapSays = viaParamMap(p, v);
        String what = (model ? "model" : "estimator") + " param " + p.name() + " = " + v;
        assertEquals(setterSays == null, mapSays == null, what + ": setter says " + setterSays + ", ParamMap says "
            + mapSays);
        if (setterSays == null) {
          accepted++;
          Params byMap = fresh.copy(ParamMap.empty().put((Param<Object>) p, v));
          Object a = get(bySetter, p);
          Object b = get(byMap, p);
          if (a instanceof Matrix) {
            assertArrayEquals(((Matrix) a).toArray(), ((Matrix) b).toArray(), 0.0, what);
          } else {
            assertEquals(a, b, what + ": the getter reads back the same");
          }
        } else {
          rejected++;
          assertEquals(setterSays, mapSays, what);
          assertTrue(setterSays.contains("param " + p.name() + ": expected "), setterSays);
        }
        checked++;
      }
      assertTrue(accepted > 0, p.name() + " accepts something");
      boolean acceptsAll = p instanceof BooleanParam || p.name().equals("seed");
      assertTrue(acceptsAll || rejected > 0, p.name() + " rejects something");
    }
    return checked;
  }

  @Test
  void everyParamHasGettersAndTheSettersItShould() {
    PudleDictionaryLearning est = new PudleDictionaryLearning();
    PudleModel model = new PudleModel(new DenseMatrix(2, 3, new double[6]));
    Set<String> estNames = new TreeSet<>();
    for (Param<?> p : est.params()) {
      estNames.add(p.name());
    }
    Set<String> modelNames = new TreeSet<>();
    for (Param<?> p : model.params()) {
      modelNames.add(p.name());
    }
    assertEquals(estNames, modelNames, "the model carries every param of the estimator");
    assertEquals(est.pudleParams().all().size(), estNames.size());
    for (Param<?> p : est.pudleParams().all()) {
      assertNotNull(getter(PudleDictionaryLearning.class, p.name()), "estimator getter of " + p.name());
      assertNotNull(getter(PudleModel.class, p.name()), "model getter of " + p.name());
      assertNotNull(setter(PudleDictionaryLearning.class, p.name()), "estimator setter of " + p.name());
      boolean modelSets = est.pudleParams().sectionOf(p) != PudleParamSet.Section.TRAINING
          && !p.name().equals("normalize");
      assertEquals(modelSets, setter(PudleModel.class, p.name()) != null, "model setter of " + p.name());
      assertTrue(p.doc().length() > 10, "doc of " + p.name());
    }
    // the model's numAtoms is its dictionary's
    assertEquals(3, model.getNumAtoms());
    assertEquals(3, model.copy(ParamMap.empty().put(model.numAtoms(), 9)).getNumAtoms());
  }

  @Test
  void settersAndParamMapsAcceptAndRejectTheSameValues() throws Exception {
    int est = checkParity(new PudleDictionaryLearning(), false);
    int model = checkParity(new PudleModel(new DenseMatrix(2, 3, new double[6])), true);
    assertTrue(est > 300 && model > 150, est + " estimator and " + model + " model values tried");
    // the example: a choice in upper case is accepted by both and read back in lower case
    PudleDictionaryLearning a = new PudleDictionaryLearning().setGradient("AE-LS");
    PudleDictionaryLearning b = new PudleDictionaryLearning().copy(ParamMap.empty().put(a.gradient(), "AE-LS"));
    assertEquals("ae-ls", a.getGradient());
    assertEquals("ae-ls", b.getGradient());
    String msg = assertThrows(IllegalArgumentException.class, () -> ParamMap.empty().put(a.gradient(), "sgd"))
        .getMessage();
    assertEquals("PudleDictionaryLearning param gradient: expected dec, ae-ls or ae-lasso (as the config key "
        + "gradient), got 'sgd'", msg);
    // the registry's aliases, read back as the config key writes them
    assertEquals("ae-lasso", new PudleDictionaryLearning().setGradient("AE_LASSO").getGradient());
    assertEquals("float", new PudleModel(new DenseMatrix(1, 1, new double[] {1})).setKernelPrecision("fp32")
        .getKernelPrecision());
    // the registry's check and the param's own condition, each in its words
    assertEquals("PudleDictionaryLearning param numAtoms: expected a positive number of atoms (as the config key p), "
        + "got 0", assertThrows(IllegalArgumentException.class, () -> new PudleDictionaryLearning().setNumAtoms(0))
        .getMessage());
    assertEquals("PudleDictionaryLearning param numLayers: expected at least 1 layer (T), got 0",
        assertThrows(IllegalArgumentException.class, () -> new PudleDictionaryLearning().setNumLayers(0))
        .getMessage());
    // every choice lists its values; every param that mirrors a config key is checked by the registry
    for (Param<?> p : a.pudleParams().all()) {
      ParamCheck<?> check = PudleParamSet.checkOf(p);
      if (p.getClass() == Param.class && !p.name().endsWith("Col") && !p.name().equals("initialDictionary")) {
        assertTrue(!check.choices().isEmpty(), p.name() + " lists its choices");
      }
      boolean mirrored = org.pudle.spark.config.SparkMlParams.settingOf(p.name()) != null;
      assertEquals(mirrored, check != null && check.expected().startsWith("what the config key "), p.name());
    }
  }

  /** A value for every param other than its default (and valid), to see it survive save and load. */
  private static Object nonDefault(Params ps, Param<?> p) {
    Object def = ps.hasDefault(p) ? ps.getDefault(p).get() : null;
    for (Object v : candidates(p)) {
      if (v != null && !String.valueOf(v).equalsIgnoreCase(String.valueOf(def)) && viaParamMap(p, v) == null
          && !"x".equals(v)
          && !(p.name().equals("idCol") && "".equals(v))) {
        return v;
      }
    }
    throw new AssertionError("no other value for " + p.name());
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyModelParamAndTheSummarySurviveSaveAndLoad(@TempDir Path dir) throws IOException {
    SparkTestSupport.sc();
    PudleModel model = new PudleModel("pudleModel_saved", new DenseMatrix(2, 3, new double[] {1, 0, 0, 1, 0.6, 0.8}));
    for (Param<?> p : model.pudleParams().all()) {
      if (!p.name().equals("numAtoms")) {
        model.set((Param<Object>) p, nonDefault(model, p));
      }
    }
    List<PudleTrainingSummary.Step> steps = List.of(
        new PudleTrainingSummary.Step(1, 0.5, 10, 2.0, 2.5, 0.1, 3.0, Double.NaN, Double.NaN, 1.0, 0.01),
        new PudleTrainingSummary.Step(2, 1.0, 10, 1.5, 1.9, 0.05, 2.5, 0.3, 0.4, 0.99, 0.02));
    model.setSummary(new PudleTrainingSummary(steps, "lassoLoss", 20, 23, 3, 5, true));
    String path = dir.resolve("model").toString();
    model.write().save(path);
    PudleModel back = PudleModel.load(path);
    assertEquals(model.uid(), back.uid());
    assertArrayEquals(model.dictionary().toArray(), back.dictionary().toArray(), 0.0);
    for (Param<?> p : model.pudleParams().all()) {
      Object a = get(model, p);
      Object b = get(back, p);
      if (a instanceof Matrix) {
        assertArrayEquals(((Matrix) a).toArray(), ((Matrix) b).toArray(), 0.0, p.name());
      } else {
        assertEquals(a, b, p.name());
      }
      Object def = model.getDefault(p).isDefined() ? model.getDefault(p).get() : null;
      assertTrue(p.name().equals("numAtoms") || !String.valueOf(a).equals(String.valueOf(def)),
          p.name() + " was set to another value than its default: " + a);
    }
    PudleTrainingSummary s = back.summary();
    assertEquals(steps, s.steps());
    assertEquals("lassoLoss", s.objective());
    assertArrayEquals(new double[] {2.5, 1.9}, s.objectiveHistory(), 0.0);
    assertEquals(20, s.numSamples());
    assertEquals(23, s.numRows());
    assertEquals(3, s.numInvalidRows());
    assertEquals(5, s.maxIter());
    assertTrue(s.converged());

    // the estimator's params too
    PudleDictionaryLearning est = new PudleDictionaryLearning();
    for (Param<?> p : est.pudleParams().all()) {
      est.set((Param<Object>) p, nonDefault(est, p));
    }
    est.write().save(dir.resolve("estimator").toString());
    PudleDictionaryLearning estBack = PudleDictionaryLearning.load(dir.resolve("estimator").toString());
    for (Param<?> p : est.pudleParams().all()) {
      Object a = get(est, p);
      Object b = get(estBack, p);
      if (a instanceof Matrix) {
        assertArrayEquals(((Matrix) a).toArray(), ((Matrix) b).toArray(), 0.0, p.name());
      } else {
        assertEquals(a, b, p.name());
      }
    }

    // a saved value that a param refuses is refused on load, by name
    Path metadata;
    try (Stream<Path> files = Files.list(dir.resolve("model").resolve("metadata"))) {
      metadata = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    String json = Files.readString(metadata);
    String numLayers = "\"numLayers\":" + back.getNumLayers();
    assertTrue(json.contains(numLayers), json);
    Files.writeString(metadata, json.replace(numLayers, "\"numLayers\":0"));
    Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc"));
    String msg = assertThrows(IllegalArgumentException.class, () -> PudleModel.load(path)).getMessage();
    assertTrue(msg.contains("PudleModel param numLayers: expected at least 1 layer (T), got 0"), msg);
  }
}
