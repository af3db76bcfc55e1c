package org.pudle.spark.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** Line charts with a log-scale y axis, drawn by JFreeChart into PNG streams. */
public final class Plots {
  private Plots() {}

  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
  };

  /** One curve: (x, y) points; points with y <= 0 or not finite are left out of a log plot. */
  public record Series(String label, double[] x, double[] y) {}

  /**
   * Writes a PNG line chart with a logarithmic y axis.
   *
   * @param width  pixels
   * @param height pixels
   */
  public static void logY(OutputStream out, String title, String xLabel, String yLabel, List<Series> series, int width,
      int height) throws IOException {
    Positive p = positive(series);
    LogAxis yAxis = logYAxis(yLabel, p.min(), p.max());
    NumberAxis xAxis = new NumberAxis(xLabel);
    xAxis.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    paintSeries(renderer, series.size(), 2f);
    writePng(out, title, new XYPlot(p.data(), xAxis, yAxis, renderer), series.size() > 1, width, height);
  }

  /** The points of {@code series} that a log axis can show, and their smallest and largest y (max 0: none). */
  private record Positive(XYSeriesCollection data, double min, double max) {}

  /** Leaves out the points with y <= 0 or a coordinate that is not finite. */
  private static Positive positive(List<Series> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (Series s : series) {
      XYSeries xy = new XYSeries(s.label(), false, true);
      for (int i = 0; i < s.x().length; i++) {
        double y = s.y()[i];
        if (y > 0 && Double.isFinite(y) && Double.isFinite(s.x()[i])) {
          xy.add(s.x()[i], y);
          min = Math.min(min, y);
          max = Math.max(max, y);
        }
      }
      data.addSeries(xy);
    }
    return new Positive(data, min, max);
  }

  /** One panel of {@link #logYPanels}: its y label and curves. */
  public record Panel(String yLabel, List<Series> series) {}

  /**
   * Writes a PNG of panels stacked over one shared x axis, each a line chart with its own
   * logarithmic y axis (points with y <= 0 or not finite are left out); one legend for all.
   */
  public static void logYPanels(OutputStream out, String title, String xLabel, List<Panel> panels, int width,
      int height) throws IOException {
    NumberAxis xAxis = new NumberAxis(xLabel);
    xAxis.setAutoRangeIncludesZero(false);
    org.jfree.chart.plot.CombinedDomainXYPlot combined = new org.jfree.chart.plot.CombinedDomainXYPlot(xAxis);
    combined.setGap(12);
    int colour = 0;
    int count = 0;
    for (Panel panel : panels) {
      Positive p = positive(panel.series());
      XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
      for (int i = 0; i < panel.series().size(); i++) {
        renderer.setSeriesPaint(i, COLORS[colour++ % COLORS.length]);
        renderer.setSeriesStroke(i, new BasicStroke(2f));
      }
      // a panel's axis fits its data (a margin of 8 % of its span in log scale, at least 2 %), so
      // that a curve falling by a few per cent over the run does not look flat
      double margin = p.max() > 0 ? Math.max(1.02, Math.pow(p.max() / p.min(), 0.08)) : 1;
      XYPlot plot = new XYPlot(p.data(), null, logYAxis(panel.yLabel(), p.min(), p.max(), margin), renderer);
      style(plot);
      combined.add(plot, 1);
      count += panel.series().size();
    }
    writePng(out, title, combined, count > 1, width, height);
  }

  /**
   * Writes a PNG line chart with linear axes (for quantities such as a PSNR in dB); points that
   * are not finite are left out.
   */
  public static void linear(OutputStream out, String title, String xLabel, String yLabel, List<Series> series,
      int width, int height) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Series s : series) {
      XYSeries xy = new XYSeries(s.label(), false, true);
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.y()[i]) && Double.isFinite(s.x()[i])) {
          xy.add(s.x()[i], s.y()[i]);
        }
      }
      data.addSeries(xy);
    }
    NumberAxis yAxis = new NumberAxis(yLabel);
    yAxis.setAutoRangeIncludesZero(false);
    NumberAxis xAxis = new NumberAxis(xLabel);
    xAxis.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    paintSeries(renderer, series.size(), 2f);
    writePng(out, title, new XYPlot(data, xAxis, yAxis, renderer), series.size() > 1, width, height);
  }

  /**
   * One curve with a standard error per point, drawn as markers joined by lines with error bars
   * {@code y +- se} (NaN: no bar). Points with y <= 0 or not finite are left out of a log plot.
   */
  public record ErrorSeries(String label, double[] x, double[] y, double[] se) {}

  /**
   * Writes a PNG chart with a logarithmic y axis, markers and error bars; {@code logX} makes the
   * x axis logarithmic too (for sample counts).
   */
  public static void logYWithErrors(OutputStream out, String title, String xLabel, String yLabel,
      List<ErrorSeries> series, boolean logX, int width, int height) throws IOException {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (ErrorSeries s : series) {
      YIntervalSeries xy = new YIntervalSeries(s.label(), false, true);
      for (int i = 0; i < s.x().length; i++) {
        double y = s.y()[i];
        if (!(y > 0) || !Double.isFinite(y) || !Double.isFinite(s.x()[i])) {
          continue;
        }
        double e = s.se() == null || !Double.isFinite(s.se()[i]) ? 0 : s.se()[i];
        // a bar that reaches zero cannot be drawn on a log axis: cut it at a tenth of the value
        double lo = Math.max(y - e, y / 10);
        xy.add(s.x()[i], y, lo, y + e);
        min = Math.min(min, lo);
        max = Math.max(max, y + e);
      }
      data.addSeries(xy);
    }
    LogAxis yAxis = logYAxis(yLabel, min, max);
    org.jfree.chart.axis.ValueAxis xAxis;
    if (logX) {
      LogAxis lx = new LogAxis(xLabel);
      lx.setBase(10);
      // one labelled tick per decade
      lx.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0, new java.text.DecimalFormat("0")));
      lx.setMinorTickCount(9);
      xAxis = lx;
    } else {
      NumberAxis nx = new NumberAxis(xLabel);
      nx.setAutoRangeIncludesZero(false);
      xAxis = nx;
    }
    XYErrorRenderer renderer = new XYErrorRenderer();
    renderer.setDefaultLinesVisible(true);
    renderer.setDefaultShapesVisible(true);
    renderer.setDrawXError(false);
    renderer.setDrawYError(true);
    renderer.setCapLength(4);
    java.awt.Shape[] shapes = org.jfree.chart.plot.DefaultDrawingSupplier.createStandardSeriesShapes();
    paintSeries(renderer, series.size(), 1.5f);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesShape(i, shapes[i % shapes.length]);
    }
    renderer.setErrorPaint(new Color(0x555555));
    writePng(out, title, new XYPlot(data, xAxis, yAxis, renderer), series.size() > 1, width, height);
  }

  /** A base-10 log axis with scientific labels, spanning [min, max] with some margin when max > 0. */
  private static LogAxis logYAxis(String label, double min, double max) {
    return logYAxis(label, min, max, 1.5);
  }

  /** A base-10 log axis spanning [min / margin, max * margin] when max > 0. */
  private static LogAxis logYAxis(String label, double min, double max, double margin) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(10);
    axis.setSmallestValue(1e-300);
    axis.setNumberFormatOverride(new java.text.DecimalFormat(max > 0 && max / min < 10 ? "0.000E0" : "0.0E0"));
    if (max > 0) {
      axis.setRange(min / margin, max * margin);
    }
    return axis;
  }

  private static void paintSeries(org.jfree.chart.renderer.xy.AbstractXYItemRenderer renderer, int count,
      float width) {
    for (int i = 0; i < count; i++) {
      renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
      renderer.setSeriesStroke(i, new BasicStroke(width));
    }
  }

  /** White background, light grid, the legend below (when there is more than one series). */
  /** White background, light grid. */
  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
  }

  private static void writePng(OutputStream out, String title, XYPlot plot, boolean legend, int width, int height)
      throws IOException {
    style(plot);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, legend);
    chart.setBackgroundPaint(Color.WHITE);
    LegendTitle l = chart.getLegend();
    if (l != null) {
      l.setPosition(RectangleEdge.BOTTOM);
    }
    ChartUtils.writeChartAsPNG(out, chart, width, height);
  }
}
