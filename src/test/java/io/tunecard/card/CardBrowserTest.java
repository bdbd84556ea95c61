package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The HTML cards in real headless Chromium (Debian packages {@code chromium} and {@code
 * chromium-driver}): they load from file:// with no console error, the loss chart has one point per
 * logged value, the tables are there, and nothing is wider than a phone. Screenshots (desktop and
 * phone) go to {@code target/card-browser/}. Run with {@code mvn -B test -Dtest.groups=browser
 * -Dtest.excludedGroups=none -Dtest=CardBrowserTest}; override the binaries with {@code
 * -Dtunecard.chromium=…} and {@code -Dtunecard.chromedriver=…}.
 */
@Tag("browser")
class CardBrowserTest {
  static final Path OUT = Path.of("target/card-browser");
  static ChromeDriver driver;

  @BeforeAll
  static void start() throws IOException {
    AtomicFilesHelper.clean(OUT);
    new CardRenderer()
        .write(
            CardModel.fromFigures(CardFixtures.figures()),
            OUT.resolve("figures"),
            CardFixtures.ES_EN);
    new CardRenderer().write(CardFixtures.runCard(), OUT.resolve("run"), CardFixtures.ES_EN);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getProperty("tunecard.chromium", "/usr/bin/chromium"));
    Path profile = Files.createTempDirectory("card-chromium-");
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(System.getProperty("tunecard.chromedriver", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "figures/index.html",
        "figures/index.en.html",
        "run/index.html",
        "run/index.en.html"
      })
  void cardLoadsCleanlyWithEveryLoggedPointAndItsTables(String page) throws IOException {
    CardModel card =
        page.startsWith("figures")
            ? CardModel.fromFigures(CardFixtures.figures())
            : CardFixtures.runCard();
    driver.manage().window().setSize(new Dimension(1280, 900));
    driver.get(OUT.resolve(page).toAbsolutePath().toUri().toString());

    List<LogEntry> errors =
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
            .toList();
    assertThat(errors).as("console errors and warnings").isEmpty();

    List<WebElement> points = driver.findElements(By.cssSelector("#loss-chart svg g.pt"));
    long train = card.trainingRows().size();
    long validation = card.validationRows().size();
    assertThat(points).hasSize((int) (train + validation));
    assertThat(points.stream().filter(p -> "train".equals(p.getAttribute("data-series"))))
        .hasSize((int) train);
    var steps = new HashSet<String>();
    points.forEach(p -> steps.add(p.getAttribute("data-step")));
    var logged = new HashSet<String>();
    card.trainingLog().forEach(r -> logged.add(Long.toString(r.step())));
    assertThat(steps).isEqualTo(logged);
    assertThat(driver.findElement(By.cssSelector("#loss-chart svg")).getSize().getWidth())
        .isGreaterThan(600);

    List<WebElement> tables = driver.findElements(By.cssSelector("main table"));
    assertThat(tables.size()).isGreaterThanOrEqualTo(5);
    int logRows = card.trainingLog().size();
    assertThat(tables.stream().map(t -> t.findElements(By.cssSelector("tbody tr")).size()))
        .contains(logRows);
    assertThat(driver.findElements(By.cssSelector(".metric-chart svg")))
        .hasSize(card.evaluation().metricNames().size());

    String name = page.replace('/', '-').replace(".html", "");
    screenshot(name + "-desktop.png");
    driver.manage().window().setSize(new Dimension(390, 844));
    Object overflow =
        ((JavascriptExecutor) driver)
            .executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertThat(((Number) overflow).intValue()).as("page wider than a phone").isLessThanOrEqualTo(0);
    screenshot(name + "-phone.png");
  }

  /** A full-page PNG through the DevTools protocol. */
  private static void screenshot(String file) throws IOException {
    Map<String, Object> shot =
        driver.executeCdpCommand(
            "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.write(OUT.resolve(file), Base64.getDecoder().decode((String) shot.get("data")));
  }

  /** Empties the output folder of an earlier run. */
  static final class AtomicFilesHelper {
    static void clean(Path dir) throws IOException {
      io.tunecard.files.AtomicFiles.deleteTree(dir);
      Files.createDirectories(dir);
    }
  }
}
