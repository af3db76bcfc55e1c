package org.pudle.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.pudle.spark.SparkTestSupport;

/** A threshold above every correlation makes every code zero: fit and transform say so in the log. */
class ZeroCodesWarningTest {

  /** Collects the warnings of the estimator's and the model's loggers while it is open. */
  private static final class Warnings implements AutoCloseable {
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    private final AbstractAppender appender = new AbstractAppender("pudle-test-warnings", null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        messages.add(event.getMessage().getFormattedMessage());
      }
    };
    private final List<String> names = List.of(PudleDictionaryLearning.class.getName(), PudleModel.class.getName());

    Warnings() {
      appender.start();
      Configuration config = ctx.getConfiguration();
      for (String name : names) {
        LoggerConfig lc = new LoggerConfig(name, Level.WARN, false);
        lc.addAppender(appender, Level.WARN, null);
        config.addLogger(name, lc);
      }
      ctx.updateLoggers();
    }

    @Override
    public void close() {
      for (String name : names) {
        ctx.getConfiguration().removeLogger(name);
      }
      ctx.updateLoggers();
      appender.stop();
    }
  }

  @Test
  void aThresholdThatZeroesEveryCodeIsReported() {
    SparkTestSupport.sc();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rows.add(RowFactory.create(Vectors.dense(Math.sin(i), Math.cos(i), 0.5, -0.25 * i / 20)));
    }
    Dataset<Row> data = SparkSession.active().createDataFrame(rows, new StructType().add("features",
        SQLDataTypes.VectorType()));
    try (Warnings w = new Warnings()) {
      PudleModel model = new PudleDictionaryLearning().setNumAtoms(3).setNumLayers(5).setMaxIter(2).setInit("gaussian")
          .setLambda(1e3).setKernels("cpu").fit(data);
      assertEquals(0.0, model.summary().codeNonZerosHistory()[0]);
      List<String> fit = new ArrayList<>(w.messages);
      assertEquals(1, fit.size(), "once per fit: " + fit);
      assertTrue(fit.get(0).contains("every code of update 1 is zero") && fit.get(0).contains("lower lambda"),
          fit.get(0));
      assertEquals(20, model.transform(data).collectAsList().size());
      assertTrue(w.messages.stream().anyMatch(s -> s.contains("every code of the") && s.contains("coding encoder")
          && s.contains("lower lambda")), w.messages.toString());
    }
  }
}
