package io.wagateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Reads fixture files byte-exact from {@code src/test/resources/fixtures} and signs them with the test secret. */
public final class Fixtures {

    public static final String SECRET = "test-secret";

    private Fixtures() {
    }

    public static Path dir(String relative) {
        try {
            return Path.of(Fixtures.class.getClassLoader().getResource("fixtures/" + relative).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Path> all(String relative) {
        try (Stream<Path> files = Files.list(dir(relative))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(dir(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String hmacHex(String algorithm, byte[] body) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), algorithm));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the X-Hub-Signature-256 value for a Meta body */
    public static String metaSignature(byte[] body) {
        return "sha256=" + hmacHex("HmacSHA256", body);
    }

    /** @return the X-Webhook-Hmac value for a WAHA body */
    public static String wahaSignature(byte[] body) {
        return hmacHex("HmacSHA512", body);
    }
}
