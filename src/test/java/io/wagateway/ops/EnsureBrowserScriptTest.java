package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/ensure-browser.sh}, which {@code ./mvnw verify} runs before the integration tests (issue 15 item
 * 6b): with the browser present it does nothing; missing, as root with apt-get, it installs chromium +
 * chromium-driver; without a way to install, it fails with one line naming the packages. apt-get is a stand-in
 * here (a script on PATH that "installs" into a temporary folder): nothing is installed or removed on this machine.
 */
class EnsureBrowserScriptTest {

    static final Path SCRIPT = Path.of(System.getProperty("gateway.project-dir", "."), "scripts/ensure-browser.sh")
            .toAbsolutePath();

    @TempDir
    Path tmp;

    record Result(int exit, String out) {
    }

    /** Runs the script with BROWSER_BIN_DIR = bin and PATH = only the given folder (plus the tools it needs). */
    Result run(Path bin, Path pathDir, String... args) throws Exception {
        // the shell tools the script uses, and nothing else (no apt-get unless pathDir has one)
        for (String tool : List.of("bash", "id", "cat", "touch", "chmod")) {
            Path link = pathDir.resolve(tool);
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, Path.of(which(tool)));
            }
        }
        List<String> command = new ArrayList<>(List.of(pathDir.resolve("bash").toString(), SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PATH", pathDir.toString());
        pb.environment().put("BROWSER_BIN_DIR", bin.toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static String which(String tool) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return dir + "/" + tool;
            }
        }
        throw new IllegalStateException("no " + tool);
    }

    static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void browserPresentNothingToDo() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        executable(bin.resolve("chromium"), "#!/bin/sh\n");
        executable(bin.resolve("chromedriver"), "#!/bin/sh\n");
        Result r = run(bin, Files.createDirectories(tmp.resolve("path")));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingWithoutAptGetFailsWithOneLineSayingWhatToInstall() throws Exception {
        Result r = run(Files.createDirectories(tmp.resolve("bin")), Files.createDirectories(tmp.resolve("path")));
        assertThat(r.exit()).isNotZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        assertThat(r.out()).contains("apt-get install chromium chromium-driver");
    }

    @Test
    void missingAsRootWithAptGetInstallsChromiumAndChromiumDriver() throws Exception {
        assumeTrue(root(), "apt-get is used only as root");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path path = Files.createDirectories(tmp.resolve("path"));
        Path calls = tmp.resolve("apt-get.calls");
        // the stand-in records its arguments; "install" puts the two executables where the tests look for them
        executable(path.resolve("apt-get"), "#!" + which("bash") + "\necho \"$*\" >> " + calls + "\n"
                + "if [ \"$1\" = install ] || [[ \" $* \" == *' install '* ]]; then touch " + bin + "/chromium " + bin
                + "/chromedriver; chmod +x " + bin + "/chromium " + bin + "/chromedriver; fi\n");
        Result r = run(bin, path);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(Files.readString(calls)).contains("update").containsPattern("install .*chromium chromium-driver");
        assertThat(bin.resolve("chromedriver")).isExecutable();
    }

    @Test
    void skippedTestsOrAFilterWithoutTheBrowserTestNeedNoBrowser() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path path = Files.createDirectories(tmp.resolve("path"));
        assertThat(run(bin, path, "--skip=true").exit()).isZero();
        assertThat(run(bin, path, "--skip=${skipTests}", "--it-test=JBangRunIT").exit()).isZero();
        assertThat(run(bin, path, "--skip=${skipTests}", "--it-test=${it.test}").exit()).isNotZero();
        assertThat(run(bin, path, "--it-test=MessagesPageIT").exit()).isNotZero();
    }
}
