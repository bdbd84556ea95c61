package io.tunecard.card;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.entity.EntityCollection;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CrosshairState;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGHints;
import org.jfree.svg.ViewBox;

/**
 * The card's charts. One JFreeChart definition renders to PNG (for the Hub's Markdown) and to SVG
 * (inline in the HTML). In SVG every data point is a group {@code <g class="pt" data-series=…
 * data-step=… data-value=…>} so that a reader (or a test) can find each logged step.
 */
public final class Charts {
  static final Color TRAIN = new Color(0x1f, 0x6f, 0xb4);
  static final Color VALIDATION = new Color(0xd9, 0x5f, 0x02);
  static final Color BAR = new Color(0x3b, 0x7d, 0xa8);
  private static final Font TITLE = new Font("SansSerif", Font.BOLD, 15);
  private static final Font LABEL = new Font("SansSerif", Font.PLAIN, 12);

  private Charts() {}

  /** Training and validation loss against the optimizer step. */
  static JFreeChart loss(CardModel card, Messages msg, Numbers nums) {
    XYSeries train = new XYSeries(msg.get("chart.loss.train"), false, true);
    XYSeries val = new XYSeries(msg.get("chart.loss.validation"), false, true);
    for (LogRow r : card.trainingLog()) {
      if (r.trainingLoss() != null) {
        train.add(r.step(), r.trainingLoss());
      }
      if (r.validationLoss() != null) {
        val.add(r.step(), r.validationLoss());
      }
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(train);
    data.addSeries(val);
    NumberAxis x = new NumberAxis(msg.get("chart.loss.x"));
    x.setNumberFormatOverride(integerFormat(nums));
    x.setAutoRangeIncludesZero(false);
    NumberAxis y = new NumberAxis(msg.get("chart.loss.y"));
    y.setAutoRangeIncludesZero(false);
    y.setNumberFormatOverride(decimalFormat(nums, 2));
    PointRenderer renderer = new PointRenderer(List.of("train", "validation"), nums);
    renderer.setSeriesPaint(0, TRAIN);
    renderer.setSeriesPaint(1, VALIDATION);
    renderer.setSeriesStroke(0, new BasicStroke(2f));
    renderer.setSeriesStroke(
        1,
        new BasicStroke(
            2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f));
    renderer.setSeriesShape(0, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
    renderer.setSeriesShape(1, new Rectangle2D.Double(-4.5, -4.5, 9, 9));
    XYPlot plot = new XYPlot(data, x, y, renderer);
    style(plot);
    JFreeChart chart = new JFreeChart(msg.get("chart.loss.title"), TITLE, plot, true);
    finish(chart);
    return chart;
  }

  /** One metric across decoding strategies, with 95 % CI whiskers where recorded. */
  static JFreeChart metric(
      String metric, String label, List<StrategyResult> strategies, Messages msg, Numbers nums) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    double max = 0;
    for (StrategyResult s : strategies) {
      MetricValue v = s.metric(metric);
      if (v != null) {
        data.addValue(v.mean(), label, s.name());
        max = Math.max(max, v.hasCi() ? v.ciHigh() : v.mean());
      }
    }
    CategoryAxis x = new CategoryAxis(msg.get("chart.metric.x"));
    x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    x.setTickLabelFont(LABEL);
    NumberAxis y = new NumberAxis(label);
    // Enough decimals that small metrics (repetition near 0.005) get distinct tick labels.
    int decimals = max >= 10 ? 0 : max >= 0.1 ? 2 : max >= 0.01 ? 3 : 4;
    y.setNumberFormatOverride(decimalFormat(nums, decimals));
    y.setUpperBound(max <= 0 ? 1 : max * 1.12);
    y.setAutoRange(false);
    y.setLowerBound(0);
    WhiskerBarRenderer renderer = new WhiskerBarRenderer(metric, strategies);
    renderer.setSeriesPaint(0, BAR);
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setMaximumBarWidth(0.12);
    CategoryPlot plot = new CategoryPlot(data, x, y, renderer);
    plot.setOrientation(PlotOrientation.VERTICAL);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setOutlineVisible(false);
    JFreeChart chart = new JFreeChart(label, TITLE, plot, false);
    finish(chart);
    return chart;
  }

  private static void style(XYPlot plot) {
    if (plot == null) {
      return;
    }
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setOutlineVisible(false);
  }

  private static void finish(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    TextTitle t = chart.getTitle();
    if (t != null) {
      t.setPaint(new Color(0x22, 0x22, 0x22));
    }
    if (chart.getLegend() != null) {
      chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
      chart.getLegend().setItemFont(LABEL);
    }
  }

  private static NumberFormat integerFormat(Numbers nums) {
    DecimalFormat f = new DecimalFormat("0", DecimalFormatSymbols.getInstance(nums.locale()));
    f.setGroupingUsed(false);
    return f;
  }

  private static NumberFormat decimalFormat(Numbers nums, int decimals) {
    DecimalFormat f = new DecimalFormat("0", DecimalFormatSymbols.getInstance(nums.locale()));
    f.setMinimumFractionDigits(decimals);
    f.setMaximumFractionDigits(decimals);
    return f;
  }

  /** Attributes in a fixed order, so that the SVG is the same on every run. */
  private static Map<String, String> ordered(String... keyValues) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  /** What makes a host able to draw the charts' text, for the error and for {@code doctor}. */
  public static final String FONT_FIX =
      "install the host's font support (Debian/Ubuntu: apt-get install fontconfig"
          + " fonts-dejavu-core libfreetype6 libharfbuzz0b), or run tunecard from a bundle"
          + " (scripts/dist/make-bundle), which carries its own";

  /**
   * Why this Java cannot draw text (every chart has titles and axis labels), or empty when it can:
   * the JDK's font support links to the host's freetype and harfbuzz and finds fonts through
   * fontconfig, which a bare GPU host often lacks.
   */
  public static Optional<String> fontProblem() {
    try {
      BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
      Graphics2D g = image.createGraphics();
      try {
        g.getFontMetrics(LABEL).stringWidth("tunecard");
      } finally {
        g.dispose();
      }
      return Optional.empty();
    } catch (LinkageError | InternalError | RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return Optional.of(
          "this Java cannot load fonts ("
              + (root.getMessage() == null ? root.getClass().getName() : root.getMessage())
              + ")");
    }
  }

  /** Fails with what is missing and how to fix it, before any chart is drawn. */
  static void requireFonts() {
    fontProblem()
        .ifPresent(
            why -> {
              throw new IllegalStateException(
                  "the card's charts cannot be drawn: " + why + "; " + FONT_FIX);
            });
  }

  static byte[] png(JFreeChart chart, int width, int height) {
    BufferedImage image =
        chart.createBufferedImage(width, height, BufferedImage.TYPE_INT_RGB, null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * An {@code <svg>} element sized by its viewBox (so CSS can scale it); ids start with {@code id}.
   */
  static String svg(JFreeChart chart, int width, int height, String id) {
    SVGGraphics2D g2 = new SVGGraphics2D(width, height);
    g2.setDefsKeyPrefix(id + "-");
    chart.draw(g2, new Rectangle2D.Double(0, 0, width, height));
    return g2.getSVGElement(id, false, new ViewBox(0, 0, width, height), null, null);
  }

  /** Lines with a marker per point; in SVG each marker is a group naming its series and step. */
  private static final class PointRenderer extends XYLineAndShapeRenderer {
    private static final long serialVersionUID = 1L;
    private final List<String> codes;
    private final transient Numbers nums;

    PointRenderer(List<String> codes, Numbers nums) {
      super(true, true);
      this.codes = List.copyOf(codes);
      this.nums = nums;
    }

    @Override
    protected void drawSecondaryPass(
        Graphics2D g2,
        XYPlot plot,
        XYDataset dataset,
        int pass,
        int series,
        int item,
        ValueAxis domainAxis,
        Rectangle2D dataArea,
        ValueAxis rangeAxis,
        CrosshairState crosshairState,
        EntityCollection entities) {
      boolean svg = g2 instanceof SVGGraphics2D;
      if (svg) {
        long step = (long) dataset.getXValue(series, item);
        double value = dataset.getYValue(series, item);
        g2.setRenderingHint(
            SVGHints.KEY_BEGIN_GROUP,
            ordered(
                "class", "pt",
                "data-series", codes.get(series),
                "data-step", Long.toString(step),
                "data-value", Double.toString(value)));
        g2.setRenderingHint(
            SVGHints.KEY_ELEMENT_TITLE,
            dataset.getSeriesKey(series) + " · " + step + ": " + nums.decimal(value, 6));
      }
      super.drawSecondaryPass(
          g2,
          plot,
          dataset,
          pass,
          series,
          item,
          domainAxis,
          dataArea,
          rangeAxis,
          crosshairState,
          entities);
      if (svg) {
        g2.setRenderingHint(SVGHints.KEY_END_GROUP, Boolean.TRUE);
      }
    }
  }

  /** Bars with a 95 % CI whisker where the metric has one. */
  private static final class WhiskerBarRenderer extends BarRenderer {
    private static final long serialVersionUID = 1L;
    private final String metric;
    private final transient List<StrategyResult> strategies;

    WhiskerBarRenderer(String metric, List<StrategyResult> strategies) {
      this.metric = metric;
      this.strategies = strategies;
    }

    @Override
    public void drawItem(
        Graphics2D g2,
        CategoryItemRendererState state,
        Rectangle2D dataArea,
        CategoryPlot plot,
        CategoryAxis domainAxis,
        ValueAxis rangeAxis,
        CategoryDataset dataset,
        int row,
        int column,
        int pass) {
      boolean svg = g2 instanceof SVGGraphics2D;
      String name = dataset.getColumnKey(column).toString();
      if (svg) {
        g2.setRenderingHint(
            SVGHints.KEY_BEGIN_GROUP,
            ordered("class", "bar", "data-strategy", name, "data-metric", metric));
      }
      super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
      MetricValue v =
          strategies.stream()
              .filter(s -> s.name().equals(name))
              .map(s -> s.metric(metric))
              .findFirst()
              .orElse(null);
      if (pass == 0 && v != null && v.hasCi()) {
        double x =
            domainAxis.getCategoryMiddle(
                column, dataset.getColumnCount(), dataArea, plot.getDomainAxisEdge());
        double lo = rangeAxis.valueToJava2D(v.ciLow(), dataArea, plot.getRangeAxisEdge());
        double hi = rangeAxis.valueToJava2D(v.ciHigh(), dataArea, plot.getRangeAxisEdge());
        g2.setPaint(new Color(0x22, 0x22, 0x22));
        g2.setStroke(new BasicStroke(1.5f));
        g2.draw(new Line2D.Double(x, lo, x, hi));
        g2.draw(new Line2D.Double(x - 5, lo, x + 5, lo));
        g2.draw(new Line2D.Double(x - 5, hi, x + 5, hi));
      }
      if (svg) {
        g2.setRenderingHint(SVGHints.KEY_END_GROUP, Boolean.TRUE);
      }
    }
  }
}
