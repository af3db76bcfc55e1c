package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.config.RateSchedule;
import org.pudle.spark.train.TrainJob;

/** Adam's learning-rate schedules: their rates, and a resumed run continuing both the schedule and Adam's state. */
class RateScheduleTest {

  @Test
  void theSchedulesRates() {
    RateSchedule step = new RateSchedule("step", 10, 0.5, 0, 100);
    assertEquals(0.1, step.at(1, 0.1), 0);
    assertEquals(0.1, step.at(10, 0.1), 0);
    assertEquals(0.05, step.at(11, 0.1), 0);
    assertEquals(0.025, step.at(21, 0.1), 0);
    // cosine as PyTorch's CosineAnnealingLR(T_max = updates): update k has t = (k - 1) / updates
    RateSchedule cos = new RateSchedule("cosine", 1, 1, 0.01, 100);
    assertEquals(0.1, cos.at(1, 0.1), 1e-15);
    assertEquals(0.055, cos.at(51, 0.1), 1e-15);
    assertEquals(0.01 + 0.045 * (1 + Math.cos(Math.PI * 0.99)), cos.at(100, 0.1), 1e-15);
    // with adam.lr.min = 0 the last update still has a positive rate (Adam refuses 0)
    RateSchedule toZero = new RateSchedule("cosine", 1, 1, 0, 500);
    assertTrue(toZero.at(500, 2e-2) > 0 && toZero.at(500, 2e-2) < 1e-6, "last rate " + toZero.at(500, 2e-2));
    assertEquals(0.1, new RateSchedule("constant", 1, 1, 0, 5).at(4, 0.1), 0);
  }

  @Test
  void aResumedRunContinuesTheScheduleAndAdamsState(@TempDir Path dir) throws IOException {
    String base = TrainFromFilesTest.SYNTHETIC + "adam.lr.schedule = step\nadam.lr.step.every = 2\n"
        + "adam.lr.step.factor = 0.3\n";
    TrainJob.Summary whole = TrainFromFilesTest.train(base + "updates = 6\n", dir.resolve("whole"), false);
    TrainFromFilesTest.train(base + "updates = 3\n", dir.resolve("parts"), false);
    TrainJob.Summary resumed = TrainFromFilesTest.train(base + "updates = 6\n", dir.resolve("parts"), true);
    assertEquals(0, TrainFromFilesTest.relativeDifference(resumed.dictionary(), whole.dictionary()), 1e-12);
    TrainJob.Summary constant = TrainFromFilesTest.train(TrainFromFilesTest.SYNTHETIC + "updates = 6\n",
        dir.resolve("constant"), false);
    assertTrue(TrainFromFilesTest.relativeDifference(constant.dictionary(), whole.dictionary()) > 1e-6,
        "the schedule changes the run");
  }
}
