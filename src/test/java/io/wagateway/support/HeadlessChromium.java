package io.wagateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium ({@code /usr/bin/chromium}), headless, driven by Debian's chromedriver
 * ({@code /usr/bin/chromedriver}) for the page's browser tests (MessagesPageIT, InboxPageIT). Both are installed by
 * {@code scripts/ensure-browser.sh} before the integration tests. The driver is given explicitly, so Selenium Manager
 * never looks for (or downloads) one.
 */
public final class HeadlessChromium {

    /** Debian's chromium. */
    public static final String CHROMIUM = "/usr/bin/chromium";
    /** Debian's chromium-driver. */
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private HeadlessChromium() {
    }

    /**
     * @param width  window width in CSS pixels (the screenshots' width)
     * @param height window height in CSS pixels
     * @return a new headless browser with a fresh profile; {@link WebDriver#quit()} it
     * @throws IOException when the profile directory cannot be made
     */
    public static WebDriver start(int width, int height) throws IOException {
        assertThat(new File(CHROMIUM)).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)")
                .exists();
        assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver").exists();
        Path profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * Writes what the browser shows to {@code <screenshots.dir>/<name>.png} ({@code target/screenshots} by default;
     * {@code -Dscreenshots.dir=docs/screenshots} refreshes the docs').
     *
     * @param browser a browser from {@link #start}
     * @param name    the file's name without {@code .png}
     * @throws IOException when the file cannot be written
     */
    public static void screenshot(WebDriver browser, String name) throws IOException {
        Path dir = Path.of(System.getProperty("screenshots.dir", "target/screenshots"));
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
