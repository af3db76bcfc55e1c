package org.pudle.spark.cli;

import org.pudle.spark.UserInputException;
import org.pudle.spark.io.RunClaim;

/** What the {@code --overwrite} and {@code --resume} options say about an output that holds a result. */
final class OutputOptions {
  private OutputOptions() {}

  /** The claim mode of the options; both at once is an error. */
  static RunClaim.Mode mode(boolean overwrite, boolean resume) {
    if (overwrite && resume) {
      throw new UserInputException("--overwrite and --resume: give one (--overwrite replaces the earlier result, "
          + "--resume continues its run)");
    }
    return overwrite ? RunClaim.Mode.OVERWRITE : resume ? RunClaim.Mode.RESUME : RunClaim.Mode.NEW;
  }
}
